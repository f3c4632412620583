"""The How it works walk as one Streamlit Components v2 element: the page runs the encoder and
the decoder itself (explorer/page/web/walk.js), so choosing another digit, drawing the noise again
or moving beta is answered in the next frame, with no round trip. It reads the same
content-hash files as the Explore view (fetched once per page) and tells Python what was
chosen, so that the choice survives a change of tab.

    how_view(page, choice, selected=3, drawing=None, show=how.PAGE_SHOW, key="how",
             on_choice=store)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from explorer.datasets import registry
from explorer.page import web
from explorer.page.prepared import PageData
from explorer.ui.component import PageComponent

VIEW = PageComponent("how", web.HERE / "how_view.js")
SOURCES = ("test", "drawing")


def as_choice(value, n: int) -> dict | None:
    """{src, index, seed, beta} from the page, checked; None for anything else."""
    if not isinstance(value, dict) or value.get("src") not in SOURCES:
        return None
    index, seed, beta = value.get("index"), value.get("seed"), value.get("beta")
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (index, seed, beta)):
        return None
    if index != int(index) or not 0 <= index < n or seed != int(seed) or not 0 <= beta <= 10:
        return None
    return {"src": value["src"], "index": int(index), "seed": int(seed), "beta": float(beta)}


def how_view(page: PageData, choice: dict, *, selected: int | None,
             drawing: np.ndarray | None, show: dict, key: str = "how",
             on_choice: Callable[[dict], None] | None = None) -> None:
    """Draw the walk for `choice` ({src, index, seed, beta}: where the page starts), with the
    test digit clicked on Explore (`selected`) and the picture drawn or uploaded
    (`drawing`, 28x28 in [0, 1]) on offer; `show` is what the tab's Python says too (the
    heat map's palette, the KL's draws, the words on beta: see how.PAGE_SHOW). The
    likelihood and its constants come with the model's data file. on_choice(choice) hears
    every change."""
    def changed() -> None:
        new = as_choice((st.session_state.get(key) or {}).get("choice"), page.meta["points"])
        if new is not None and on_choice is not None:
            on_choice(new)

    files = {name: VIEW.file(page, f"{name}.bin") for name in ("page", "encoder", "digits")}
    pixels = None if drawing is None else \
        np.round(np.asarray(drawing, np.float32).reshape(-1), 3).tolist()
    data = {**files, "classes": page.meta["classes"], "noun": registry.noun(page.meta["dataset"]),
            "show": show, **choice, "selected": selected, "drawing": pixels}
    VIEW.mount(data, list(files.values()), key=key, on_choice_change=changed)
