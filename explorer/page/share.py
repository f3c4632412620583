"""The share file: the Explore view of one model in a single HTML file that works anywhere.

Pad, sliders, the decoded preview, the scatter of the test digits (click one to see it
beside its reconstruction) and the manifold, run by the same code as the app's Explore tab
(explorer/page/web/), with the model's data embedded (weights as float16, test digits at 16 grey
levels: about 2.6 MB for the shipped MNIST model). No server and no network: it opens from
file:// or any static host, on a phone too. How a teacher hands the explorer to a class.

    python -m explorer.media html pretrained/mnist.pt -o mnist.html
"""

from __future__ import annotations

import base64
import html as html_text
import json
import re
from pathlib import Path

from explorer.datasets import registry
from explorer.page import web
from explorer.page.prepared import PageData

TEMPLATE = web.HERE / "share.html"
ENTRY = web.HERE / "share_main.js"


class ShareError(ValueError):
    """A model that cannot be shared as a file (the page cannot run its network)."""


def html(page: PageData) -> bytes:
    """The share file's bytes; ShareError for a model whose network the page cannot run."""
    data = page.file("share.bin")
    if data is None:
        raise ShareError(f"{page.name}: the page cannot run this model's network "
                         f"({page.decoder_error}), so it cannot be shared as a file")
    script = web.script(ENTRY)
    if "</script" in script.lower():
        raise AssertionError("the view's script would end its <script> element early")
    noun = registry.noun(page.meta["dataset"])
    meta = {"name": page.name, "classes": page.meta["classes"], "noun": noun,
            "card": page.meta.get("card")}
    fill = {
        "TITLE": html_text.escape(f"Latent Explorer: {page.name}"),
        "HEADING": html_text.escape(f"Latent Explorer: {page.name}"),
        "NOUN": noun,
        "CARD": html_text.escape("; ".join(page.summary())),
        "CSS": web.css(),
        "META": json.dumps(meta, default=str).replace("<", "\\u003c"),
        "DATA": base64.b64encode(data.read_bytes()).decode("ascii"),
        "SCRIPT": script,
    }
    # one pass: nothing filled in (a model's name, the script) is read as a slot
    out = re.sub(r"\{\{(\w+)\}\}", lambda m: fill[m.group(1)],
                 TEMPLATE.read_text(encoding="utf-8"))
    return out.encode("utf-8")


def write(checkpoint: Path | str, out: Path | str) -> int:
    """Write the share file of `checkpoint` to `out`; returns its size in bytes."""
    from explorer.files import atomic_write
    from explorer.page.prepared import prepare

    data = html(prepare(checkpoint))
    atomic_write(out, data)
    return len(data)
