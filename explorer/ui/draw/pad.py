"""Draw a digit in the page: the stroke is encoded as you draw, its path through the latent
plane is traced on the scatter with the current 1-sigma ellipse, and the reconstruction and
nearest test digits follow the pen (explorer/page/web/draw_pad.js sends the drawing a few
times a second)."""

from __future__ import annotations

import base64

import numpy as np
import streamlit as st

from explorer import media
from explorer.page import web
from explorer.plane import extent, latent
from explorer.preprocess.mnist_style import ImageError, to_mnist
from explorer.ui import models, plots
from explorer.ui.draw import encoded
from explorer.ui.markers import plot_markers
from explorer.ui.models import ModelEntry

_JS = (web.HERE / "draw_pad.js").read_text()
_canvas = st.components.v2.component("latent_explorer.draw_pad", js=_JS)
MAX_TRAIL = 200  # positions kept for the traced path


def decode_data_url(url: str) -> bytes:
    """The bytes of a `data:image/png;base64,...` URL (ImageError if it is not one)."""
    head, _, b64 = (url or "").partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise ImageError("The drawing did not arrive as an image")
    try:
        return base64.b64decode(b64, validate=True)
    except ValueError:
        raise ImageError("The drawing did not arrive as an image") from None


def _on_drawing() -> None:
    value = st.session_state.draw_canvas.get("drawing") or {}
    if not value.get("strokes"):
        st.session_state.draw_trail = []  # cleared (or everything undone): a new path


@st.cache_resource(max_entries=16, show_spinner=False)
def _scatter(path: str, mtime: float, lim: float):
    """The test set on axes over ±lim: the model's extent, or a nice step more where the
    drawing's path has gone beyond it (the view extends to the path, never cuts it off)."""
    enc = models.encoded_test_set(path, mtime)
    return plots.latent_scatter(enc.mu, enc.labels, enc.classes, lim=lim, opacity=0.35,
                                height=520)


@st.fragment
def draw_panel(entry: ModelEntry) -> None:
    st.session_state.setdefault("draw_trail", [])
    model, _ = models.load(entry.path, entry.mtime)
    enc = models.encoded_test_set(entry.path, entry.mtime)
    left, right = st.columns([2, 3], gap="large")
    with left:
        _canvas(key="draw_canvas", on_drawing_change=_on_drawing, data={})
        drawing = (st.session_state.get("draw_canvas") or {}).get("drawing") or {}
    x = None
    if drawing.get("png"):
        try:
            x = to_mnist(decode_data_url(drawing["png"]))
        except ImageError as e:
            left.warning(f"Not readable yet: {e}")
    lim = models.page_data(entry.path, entry.mtime).extent
    if x is not None:
        mu, logvar = latent.encode_one(model, x)
        trail = st.session_state.draw_trail
        if not trail or np.hypot(*(np.array(trail[-1]) - mu)) > 1e-3:
            trail.append([float(mu[0]), float(mu[1])])
            del trail[:-MAX_TRAIL]
        ellipse = latent.ellipse(mu, logvar, 1.0)
        lim = extent.cover(lim, np.concatenate([np.asarray(trail), ellipse]))
    with right:
        st.plotly_chart(_scatter(entry.path, entry.mtime, lim), key="draw_scatter",
                        config={"displaylogo": False})
    if x is None:
        right.caption("Your drawing's path through the latent plane will appear here.")
        plot_markers([], key="draw_markers")
        return
    st.session_state.your_digit = x  # an endpoint for Interpolate (encoded by any model)
    ellipse = ellipse.tolist()
    plot_markers([{"plot": "draw_scatter", "id": "trail", "path": trail, "color": "#555",
                   "width": 2, "dash": True},
                  {"plot": "draw_scatter", "id": "sigma", "path": ellipse, "color": "#111",
                   "width": 2.5},
                  {"plot": "draw_scatter", "id": "mean", "x": float(mu[0]), "y": float(mu[1]),
                   "style": "dot", "size": 12}], key="draw_markers")
    with left:
        a, b = st.columns(2)
        a.image(media.png_data_uri(media.picture(x, 120)), caption="as MNIST sees it",
                width=120)
        b.image(encoded.reconstruction_uri(model, mu, 120), caption="reconstruction", width=120)
        st.markdown(encoded.describe(mu, logvar) + "; the dashed line is its path while you "
                    "drew.")
        encoded.nearest_digits(model, enc, mu, 48)
