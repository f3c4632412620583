"""Try an example: a row of small real-world digits shipped in explorer/ui/draw/examples/ (made by
`python -m bench.digitset explorer/ui/examples --examples`), one click to run any of them
through the same pipeline as an upload."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st
from PIL import Image

from explorer import media
from explorer.ui.draw import steps

DIR = Path(__file__).parent / "examples"
KEY = "upload_example"  # session state: the file name of the example chosen, if any


@cache
def index() -> tuple[dict, ...]:
    """The examples: file, style, label, about."""
    return tuple(json.loads((DIR / "index.json").read_text()))


def _choose(name: str | None) -> None:
    st.session_state[KEY] = name


def forget() -> None:
    """A new upload replaces the example."""
    _choose(None)


@cache
def thumbnail(name: str, px: int = 64) -> str:
    """A square PNG data URI of one example, whatever its shape."""
    with Image.open(DIR / name) as img:
        return media.png_data_uri(steps.tile(img.convert("RGBA"), px, (0, 0, 0, 0)))


def example_row() -> None:
    st.markdown("No digit at hand? **Try an example**, one click each (made like the "
                "benchmark's styles):")
    with st.container(horizontal=True, key="upload_examples", gap="xsmall"):
        for e in index():
            with st.container(width=76, gap=None, horizontal_alignment="center"):
                st.image(thumbnail(e["file"]), width=64)
                st.button(e["name"], key=f"example_{e['file']}", help=e["about"],
                          on_click=_choose, args=(e["file"],), width="stretch")


def chosen() -> tuple[str, bytes] | None:
    """(file name, bytes) of the example chosen, or None."""
    name = st.session_state.get(KEY)
    if name not in {e["file"] for e in index()}:
        return None
    return name, (DIR / name).read_bytes()
