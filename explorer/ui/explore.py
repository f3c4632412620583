"""The Explore tab: sliders with a live preview, the clickable scatter of encoded test
digits, and the clickable manifold grid. One fragment, so moving a slider or clicking a
point reruns only this panel, never the whole page."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import latent
from explorer.ui import models, plots
from explorer.ui.models import ModelEntry

LIM = 4.0  # slider range: covers the encoded test set of a beta = 1 model
SAMPLES = {"all 10,000": 10000, "5,000": 5000, "2,000": 2000, "500": 500}


def init_state() -> None:
    for key, value in (("z0", 0.0), ("z1", 0.0), ("selected", None), ("scatter_n", "all 10,000"),
                       ("grid_n", 15), ("grid_lim", 3.0), ("grid_spacing", "linear")):
        st.session_state.setdefault(key, value)


def move_to(z) -> None:
    """Move the preview (and the slider thumbs) to z, clipped to the slider range."""
    st.session_state.z0 = float(np.clip(round(float(z[0]), 2), -LIM, LIM))
    st.session_state.z1 = float(np.clip(round(float(z[1]), 2), -LIM, LIM))


def first_point(state_key: str) -> dict | None:
    """The clicked point of a plotly_chart selection, or None."""
    event = st.session_state.get(state_key)
    points = event.selection.get("points", []) if event else []
    return points[0] if points else None


def _customdata(point: dict):
    cd = point.get("customdata")
    if isinstance(cd, dict):  # some Plotly versions send {"0": v, ...}
        cd = [cd[k] for k in sorted(cd, key=int)]
    return cd


def _on_scatter_click(mu: np.ndarray) -> None:
    point = first_point("scatter")
    if point is None:
        return
    cd = _customdata(point)
    if cd is None:
        return
    index = int(cd[0] if isinstance(cd, list | tuple) else cd)
    st.session_state.selected = index
    move_to(mu[index])


def _on_grid_click() -> None:
    point = first_point("grid")
    cd = _customdata(point) if point else None
    if cd is not None and len(cd) == 2:
        move_to(cd)


@st.fragment
def explore_panel(entry: ModelEntry) -> None:
    init_state()
    model, _ = models.load(entry.path, entry.mtime)
    enc = models.encoded_test_set(entry.path, entry.mtime)
    z = (st.session_state.z0, st.session_state.z1)

    left, right = st.columns([3, 2], gap="large")
    with right:
        st.slider("z[0]", -LIM, LIM, step=0.01, key="z0", format="%.2f")
        st.slider("z[1]", -LIM, LIM, step=0.01, key="z1", format="%.2f")
        z = (st.session_state.z0, st.session_state.z1)
        st.image(plots.picture(latent.decode_point(model, z), 336),
                 caption=f"decoded at z = ({z[0]:.2f}, {z[1]:.2f})", width=336, output_format="PNG")
        selected_digit(model, enc)
    with left:
        n = SAMPLES[st.session_state.scatter_n]
        idx = (np.arange(len(enc.mu)) if n >= len(enc.mu) else
               np.random.default_rng(0).choice(len(enc.mu), n, replace=False))
        fig = plots.latent_scatter(enc.mu[idx], enc.labels[idx], enc.classes, current=z,
                                   lim=LIM, index=idx)
        if st.session_state.selected is not None:
            plots.add_path(fig, enc.mu[[st.session_state.selected]], "selected digit",
                           color="#e15759", mode="markers")
        st.plotly_chart(fig, key="scatter", on_select=lambda: _on_scatter_click(enc.mu),
                        selection_mode="points", config={"displaylogo": False,
                                                         "scrollZoom": True})
        st.caption("Posterior means of the test digits. Click a point to inspect it; "
                   "drag to pan, scroll to zoom, click the legend to hide a class.")
        st.radio("points shown", list(SAMPLES), key="scatter_n", horizontal=True)
    manifold(model, z)


def selected_digit(model, enc: models.Encoded) -> None:
    i = st.session_state.selected
    if i is None:
        st.info("Click a point on the scatter to see that test digit and its reconstruction.")
        return
    x = models.test_images(model.cfg.dataset)[i]
    recon = latent.decode_point(model, enc.mu[i])
    label = enc.classes[int(enc.labels[i])]
    st.markdown(f"**Test digit #{i}**, label **{label}**, "
                f"z = ({enc.mu[i, 0]:.2f}, {enc.mu[i, 1]:.2f})")
    a, b = st.columns(2)
    a.image(plots.picture(x, 140), caption="original", width=140, output_format="PNG")
    b.image(plots.picture(recon, 140), caption="reconstruction", width=140, output_format="PNG")


def manifold(model, z) -> None:
    st.subheader("Manifold: decoded digits over the latent plane")
    c1, c2, c3 = st.columns([2, 2, 3])
    c1.slider("cells per side", 10, 30, key="grid_n")
    c2.slider("range (±)", 1.0, 4.0, step=0.5, key="grid_lim")
    c3.radio("spacing", ["linear", "normal"], key="grid_spacing", horizontal=True,
             help="normal: cells at Normal quantiles, each holding equal prior mass "
                  "(as in the TensorFlow tutorial)")
    n, lim, spacing = (st.session_state.grid_n, st.session_state.grid_lim,
                       st.session_state.grid_spacing)
    axis = latent.grid_axis(n, -lim, lim, spacing)
    grid = latent.decode_grid(model, n, -lim, lim, spacing)
    fig = plots.manifold_figure(latent.tile(grid), axis, z)
    st.plotly_chart(fig, key="grid", on_select=_on_grid_click, selection_mode="points",
                    config={"displaylogo": False, "displayModeBar": False})
    st.caption("Click a cell to move the preview there. The red square is the preview's z.")
