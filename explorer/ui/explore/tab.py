"""The Explore tab: the latent plane, answered in the page.

The whole view (pad, sliders, decoded preview, scatter, clicked digit, manifold) is one
element run by the page (explorer/ui/explore/view.py, explorer/page/web/): every pointer and key
gets its pixels in the next frame, and Python hears the result. z and the clicked digit
live in session state (z0, z1, selected), where the other tabs read them. A model whose
network the page cannot run is drawn by Python instead, after each move.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import media
from explorer.datasets import registry
from explorer.page import share
from explorer.page.prepared import PageData
from explorer.plane import extent
from explorer.ui import models
from explorer.ui.explore.view import as_z, explore_view
from explorer.ui.models import ModelEntry

# Every range here is the model's: its extent (explorer/plane/extent.py, kept with its page data)
# is where the pad, the sliders, the scatter and the manifold start, and a z set beyond it
# extends the view, up to REACH extents.


def init_state() -> None:
    for key, value in (("z0", 0.0), ("z1", 0.0), ("selected", None)):
        st.session_state.setdefault(key, value)


def reach(page: PageData) -> float:
    """How far out z may be set in this model's plane."""
    return extent.REACH * page.extent


def move_to(z, page: PageData) -> None:
    """Move the preview to z (the page's view extends to it; beyond reach(page) it stops
    at the edge)."""
    st.session_state.z0, st.session_state.z1 = as_z(z, reach(page)) or (0.0, 0.0)


def _on_pick(z: tuple[float, float], selected: int | None) -> None:
    st.session_state.z0, st.session_state.z1 = z  # checked by explore_view.as_z
    if selected is not None:
        st.session_state.selected = selected


def _grid(page: PageData) -> dict:
    """The manifold's settings (the page's, where Python draws the grid), or its first."""
    first = {"n": 15, "lim": extent.grid_range(page.extent), "spacing": "linear"}
    grid = st.session_state.get("explore_grid") or first
    return grid if 0 < grid["lim"] <= page.extent else first


def _on_grid(settings: dict) -> None:
    """The manifold's settings, from the page (used only where Python draws the grid)."""
    try:
        n, lim, spacing = int(settings["n"]), float(settings["lim"]), str(settings["spacing"])
    except (KeyError, TypeError, ValueError):
        return
    if 1 <= n <= 30 and 0 < lim < 1e9 and spacing in ("linear", "normal"):
        st.session_state.explore_grid = {"n": n, "lim": lim, "spacing": spacing}


def explore_panel(entry: ModelEntry) -> None:
    init_state()
    page = models.page_data(entry.path, entry.mtime)
    noun = registry.noun(page.meta["dataset"])
    st.caption(f"Drag across the square or the sliders and the {noun} morphs: the decoder "
               f"runs in this page. Click a point of the scatter to compare a test {noun} with "
               "its reconstruction, or a cell of the manifold to move there.")
    view_panel(entry, page)
    downloads(entry, page)


@st.fragment
def view_panel(entry: ModelEntry, page: PageData) -> None:
    """Reruns alone when the page reports a new z or a click (no chart is sent again)."""
    s = st.session_state
    fallback = python_pictures(entry, page) if page.decoder_error else None
    explore_view(page, (s.z0, s.z1), s.selected, key="explore", lim=reach(page),
                 on_pick=_on_pick,
                 fallback=fallback, on_grid=_on_grid)


def python_pictures(entry: ModelEntry, page: PageData) -> dict:
    """For a network the page cannot run: the preview, the clicked digit's reconstruction
    and the manifold, decoded by Python (data URIs, sent with the rerun)."""
    from explorer.plane import latent

    model, _ = models.load(entry.path, entry.mtime)
    s = st.session_state
    z = (s.z0, s.z1)

    def uri(x: np.ndarray) -> str:
        return media.png_data_uri(media.picture(x, x.shape[-1]))

    grid = _grid(page)
    pictures = latent.decode_grid(model, grid["n"], -grid["lim"], grid["lim"], grid["spacing"],
                                  scale=page.extent / extent.FALLBACK)
    recon = None
    if s.selected is not None:
        mu = models.encoded_test_set(entry.path, entry.mtime).mu[s.selected]
        recon = uri(latent.decode_point(model, mu))
    return {"reason": f"This model's network cannot run in the page ({page.decoder_error}), "
                      "so the server draws its pictures after each move.",
            "z": list(z), "preview": uri(latent.decode_point(model, z)), "recon": recon,
            "grid": uri(latent.tile(pictures))}


def downloads(entry: ModelEntry, page: PageData) -> None:
    """The encoded test set as CSV, and the whole view as one HTML file: made when clicked
    (the preview and the manifold are saved from the page itself)."""
    c1, c2, _ = st.columns([2, 2, 3], vertical_alignment="bottom")

    def encoded_csv() -> bytes:
        mu, logvar, labels = page.encoded()
        return media.encoded_csv(mu, logvar, labels, page.meta["classes"])

    c1.download_button("Encoded test set (CSV)", encoded_csv, mime="text/csv",
                       file_name=f"encoded-test-set-{page.name}.csv", on_click="ignore",
                       icon=":material/download:", key="dl_csv", width="stretch",
                       help="one row per test image: index, label, class, z mean, z log-variance")
    c2.download_button("Share this view (HTML)", lambda: share.html(page), mime="text/html",
                       file_name=f"latent-explorer-{page.name}.html", on_click="ignore",
                       icon=":material/share:", key="dl_share", width="stretch",
                       disabled=page.decoder_error is not None,
                       help="One file with the pad, the sliders, the scatter and the manifold "
                            "of this model: it opens in any browser, offline, on a phone too. "
                            "Hand it to a class." if page.decoder_error is None else
                            "The page cannot run this model's network, so it cannot be shared "
                            "as a file.")
