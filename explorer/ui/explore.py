"""The Explore tab: sliders with a live preview, the clickable scatter of encoded test
digits, and the clickable manifold grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from explorer import latent, media
from explorer.ui import models, plots
from explorer.ui.latent_pad import latent_pad
from explorer.ui.markers import plot_markers
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


def pick_target(point: dict, n_test: int) -> tuple[str, object] | None:
    """What a click reported by the page (see ui/markers.py) points at: ("digit", test
    index) for the scatter, ("z", (z0, z1)) for a manifold cell, None for anything else
    (it comes from the page, so nothing in it is trusted)."""
    cd = point.get("customdata")
    try:
        if isinstance(cd, dict):  # some Plotly versions send arrays as {"0": v, ...}
            cd = [cd[k] for k in sorted(cd, key=int)]
        if point.get("plot") == "scatter":
            index = int(cd[0] if isinstance(cd, list | tuple) else cd)
            return ("digit", index) if 0 <= index < n_test else None
        if point.get("plot") == "grid" and isinstance(cd, list | tuple) and len(cd) == 2:
            z = (float(cd[0]), float(cd[1]))
            return ("z", z) if np.isfinite(z).all() else None
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _on_pick(point: dict, mu: np.ndarray) -> None:
    target = pick_target(point, len(mu))
    if target is None:
        return
    kind, value = target
    if kind == "digit":
        st.session_state.selected = value
        move_to(mu[value])
    else:
        move_to(value)


def explore_panel(entry: ModelEntry) -> None:
    """Fragments, so that an action reruns only what it changes. The charts are static:
    the markers of the preview's z are laid over them in the page, which also reports
    clicks on their points (ui/markers.py). So a slider or pad move and a click on the
    scatter or on a manifold cell all rerun `controls_panel` only; the scatter's own
    settings rerun `preview_panel`, the manifold's `grid_panel`."""
    init_state()
    preview_panel(entry)
    grid_panel(entry)


@st.fragment
def preview_panel(entry: ModelEntry) -> None:
    """The scatter beside the controls (the figure is the same cached object every time,
    so Plotly does not redraw it when this reruns)."""
    left, right = st.columns([3, 2], gap="large")
    with right:
        controls_panel(entry)
    with left:
        scatter_panel(entry)


@st.fragment
def controls_panel(entry: ModelEntry) -> None:
    """The pad, the sliders, the decoded preview and the selected digit, and the markers of
    the preview's z over the charts: all that a move changes, and nothing else (a move
    does not re-send the scatter's 10,000 points)."""
    model, _ = models.load(entry.path, entry.mtime)
    enc = models.encoded_test_set(entry.path, entry.mtime)
    latent_pad(f"{entry.path}:{entry.mtime}", model,
               (st.session_state.z0, st.session_state.z1), (enc.mu, enc.labels),
               key="latent_pad", lim=LIM, on_change=move_to)
    st.slider("z[0]", -LIM, LIM, step=0.01, key="z0", format="%.2f")
    st.slider("z[1]", -LIM, LIM, step=0.01, key="z1", format="%.2f")
    z = (st.session_state.z0, st.session_state.z1)
    selected_digit(model, enc, z)
    settings = _grid_settings()
    st.session_state.grid_marked = settings  # the grid the markers below are placed for
    axis = latent.grid_axis(settings[0], -settings[1], settings[1], settings[2])
    cell = [float(np.interp(v, axis, np.arange(len(axis)))) for v in z]
    markers = [{"plot": "scatter", "x": z[0], "y": z[1], "style": "cross", "size": 20},
               {"plot": "grid", "x": cell[0], "y": cell[1], "style": "square", "size": "cell"}]
    if st.session_state.selected is not None:
        sel = enc.mu[st.session_state.selected]
        markers.append({"plot": "scatter", "x": float(sel[0]), "y": float(sel[1]),
                        "style": "ring", "size": 16, "id": "selected"})
    plot_markers(markers, key="explore_markers", picks=("scatter", "grid"),
                 on_pick=lambda point: _on_pick(point, enc.mu))


def scatter_panel(entry: ModelEntry) -> None:
    fig = _scatter_figure(entry.path, entry.mtime, st.session_state.scatter_n)
    st.plotly_chart(fig, key="scatter", config={"displaylogo": False, "scrollZoom": True})
    st.caption("Posterior means of the test digits. Click a point to inspect it; drag to pan, "
               "scroll to zoom, click the legend to hide a class. The cross is the preview's z.")
    st.radio("points shown", list(SAMPLES), key="scatter_n", horizontal=True)


@st.cache_resource(max_entries=32, show_spinner=False)
def _scatter_figure(path: str, mtime: float, sample: str):
    """Built once per model and sample; shared, so never mutate it."""
    enc = models.encoded_test_set(path, mtime)
    n = SAMPLES[sample]
    idx = (np.arange(len(enc.mu)) if n >= len(enc.mu) else
           np.random.default_rng(0).choice(len(enc.mu), n, replace=False))
    return plots.latent_scatter(enc.mu[idx], enc.labels[idx], enc.classes, lim=LIM, index=idx)


def selected_digit(model, enc: models.Encoded, z: tuple[float, float]) -> None:
    """The decoded preview z (drawn by Python) beside the clicked test digit and its
    reconstruction, so the three can be compared."""
    i = st.session_state.selected
    a, b, c = st.columns(3)
    a.image(media.png_data_uri(media.picture(latent.decode_point(model, z), 140)), width=140,
            caption=f"decoded at z = ({z[0]:.2f}, {z[1]:.2f})")
    a.download_button("PNG", lambda: media.png_bytes(media.picture(
        latent.decode_point(model, z), 280)), file_name=f"decoded-z{z[0]:.2f}_{z[1]:.2f}.png",
        mime="image/png", on_click="ignore", icon=":material/download:", key="dl_preview",
        help="the decoded preview, 280 x 280")
    if i is None:
        st.info("Hover over or drag across the square above to morph the digit; click a "
                "point of the scatter to compare a test digit with its reconstruction.")
        return
    x = models.test_images(model.cfg.dataset)[i]
    recon = latent.decode_point(model, enc.mu[i])
    b.image(media.png_data_uri(media.picture(x, 140)), caption="original", width=140)
    c.image(media.png_data_uri(media.picture(recon, 140)), caption="reconstruction", width=140)
    label = enc.classes[int(enc.labels[i])]
    st.markdown(f"**Test digit #{i}**, label **{label}**, "
                f"z = ({enc.mu[i, 0]:.2f}, {enc.mu[i, 1]:.2f})")


@st.cache_resource(max_entries=32, show_spinner=False)
def _grid_figure(path: str, mtime: float, n: int, lim: float, spacing: str):
    model, _ = models.load(path, mtime)
    axis = latent.grid_axis(n, -lim, lim, spacing)
    picture = plots.png_data_uri(latent.tile(latent.decode_grid(model, n, -lim, lim, spacing)))
    return plots.manifold_figure(picture, axis), axis


def _grid_settings() -> tuple[int, float, str]:
    s = st.session_state
    return (s.grid_n, s.grid_lim, s.grid_spacing)


@st.fragment
def grid_panel(entry: ModelEntry) -> None:
    """The manifold section. The preview's marker over it is placed by controls_panel for
    given cells: when the settings change them, the page is redrawn once."""
    st.subheader("Manifold: decoded digits over the latent plane")
    c1, c2, c3 = st.columns([2, 2, 3])
    c1.slider("cells per side", 10, 30, key="grid_n")
    c2.slider("range (±)", 1.0, 4.0, step=0.5, key="grid_lim")
    c3.radio("spacing", ["linear", "normal"], key="grid_spacing", horizontal=True,
             help="normal: cells at Normal quantiles, each holding equal prior mass "
                  "(as in the TensorFlow tutorial)")
    fig, _ = _grid_figure(entry.path, entry.mtime, st.session_state.grid_n,
                             st.session_state.grid_lim, st.session_state.grid_spacing)
    st.plotly_chart(fig, key="grid", config={"displaylogo": False, "displayModeBar": False})
    st.caption("Click a cell to move the preview there. The red square is the preview's z.")
    downloads(entry)
    if st.session_state.get("grid_marked") != _grid_settings():
        st.rerun()  # new cells: the preview's marker must be placed again


def downloads(entry: ModelEntry) -> None:
    """The manifold as a PNG at a chosen resolution and the encoded test set as CSV, made
    when clicked (nothing is computed for a page that only shows the buttons)."""
    n, lim, spacing = _grid_settings()
    name = Path(entry.path).stem
    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    px = c1.select_slider("pixels per cell (download)", [28, 56, 84, 112], 56, key="grid_px")

    def grid_png() -> bytes:
        model, _ = models.load(entry.path, entry.mtime)
        return media.png_bytes(media.grid_image(latent.decode_grid(model, n, -lim, lim, spacing),
                                                px))

    def encoded_csv() -> bytes:
        enc = models.encoded_test_set(entry.path, entry.mtime)
        return media.encoded_csv(enc.mu, enc.logvar, enc.labels, enc.classes)

    c2.download_button(f"Manifold ({n * px} px PNG)", grid_png, mime="image/png",
                       file_name=f"manifold-{name}-{n}x{n}-{spacing}.png", on_click="ignore",
                       icon=":material/download:", key="dl_grid")
    c3.download_button("Encoded test set (CSV)", encoded_csv, mime="text/csv",
                       file_name=f"encoded-test-set-{name}.csv", on_click="ignore",
                       icon=":material/download:", key="dl_csv",
                       help="one row per test image: index, label, class, z mean, z log-variance")
