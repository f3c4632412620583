"""Pure figure builders: arrays in, Plotly figures out. No Streamlit calls here."""

from __future__ import annotations

import math

import numpy as np

# Plotly and Streamlit look pandas up in sys.modules without importing it: while another
# session (or the background warm-up) is still importing it, they would find it half made
# (AttributeError: partially initialized module 'pandas'). Importing it before Plotly waits
# for that import to end.
import pandas  # noqa: F401, I001
import plotly.graph_objects as go
from PIL import Image

from explorer import media
from explorer.media import PALETTE

MARKER = "#111111"
FONT = dict(size=14)


def _layout(fig: go.Figure, height: int, lim: float | None = None) -> go.Figure:
    """Axes over ±lim (the model's extent, or more where a path reaches beyond it); a new
    lim resets a zoom, the same one keeps it. Points beyond are in the figure: a zoom or a
    pan out shows them where they lie."""
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      dragmode="pan", legend=dict(itemsizing="constant", title_text="label"),
                      plot_bgcolor="white", uirevision=f"keep{lim}")
    axis = dict(showgrid=True, gridcolor="#eee", zeroline=True, zerolinecolor="#ccc")
    fig.update_xaxes(title_text="z[0]", **axis, **({"range": [-lim, lim]} if lim else {}))
    fig.update_yaxes(title_text="z[1]", scaleanchor="x", scaleratio=1, **axis,
                     **({"range": [-lim, lim]} if lim else {}))
    return fig


def latent_scatter(z: np.ndarray, labels: np.ndarray, classes: tuple[str, ...],
                   current: tuple[float, float] | None = None, height: int = 560,
                   lim: float | None = None, point_size: int = 4, opacity: float = 0.6,
                   index: np.ndarray | None = None) -> go.Figure:
    """The encoded digits, one WebGL trace per class so the legend toggles them; each point
    carries its dataset index in customdata so a click can be mapped back."""
    index = np.arange(len(z)) if index is None else index
    fig = go.Figure()
    for c, name in enumerate(classes):
        m = labels == c
        if not m.any():
            continue
        fig.add_trace(go.Scattergl(
            x=z[m, 0], y=z[m, 1], mode="markers", name=name, customdata=index[m],
            marker=dict(size=point_size, color=PALETTE[c % 10], opacity=opacity),
            hovertemplate=f"{name}<br>z=(%{{x:.2f}}, %{{y:.2f}})<br>test #%{{customdata}}"
                          "<extra></extra>"))
    if current is not None:
        add_current(fig, current)
    return _layout(fig, height, lim)


def sampled_scatter(z: np.ndarray, labels: np.ndarray, classes: tuple[str, ...],
                    lim: float, n: int = 3000, **style) -> go.Figure:
    """latent_scatter of n of the digits, the same n each time (seed 0): a light plane to
    draw beside something else; `style` is latent_scatter's (height, point_size, opacity)."""
    idx = np.random.default_rng(0).choice(len(z), min(n, len(z)), replace=False)
    return latent_scatter(z[idx], labels[idx], classes, lim=lim, index=idx, **style)


def add_current(fig: go.Figure, z: tuple[float, float], name: str = "preview z") -> go.Figure:
    fig.add_trace(go.Scatter(
        x=[z[0]], y=[z[1]], mode="markers", name=name, hoverinfo="skip",
        marker=dict(symbol="x-thin", size=18, color=MARKER, line=dict(width=3, color=MARKER))))
    return fig


def add_path(fig: go.Figure, points: np.ndarray, name: str, color: str = MARKER,
             dash: str = "solid", width: float = 2, mode: str = "lines") -> go.Figure:
    fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode=mode, name=name,
                             hoverinfo="skip", line=dict(color=color, dash=dash, width=width),
                             marker=dict(size=6, color=color)))
    return fig


def png_data_uri(picture: np.ndarray) -> str:
    """A grayscale picture in [0,1] (ink = 1) as a PNG data URI, drawn dark ink on white."""
    return media.png_data_uri(Image.fromarray(np.uint8(255 - np.clip(picture, 0, 1) * 255), "L"))


def manifold_figure(picture: str, axis: np.ndarray, height: int = 620) -> go.Figure:
    """The decoded grid (a PNG data URI, see png_data_uri) as one picture under an invisible
    scatter of clickable cell centres.

    Cells are laid out evenly on screen even when their z values are Normal quantiles, so the
    picture sits on a cell-index axis and the ticks name the z values.
    """
    n = len(axis)
    fig = go.Figure()
    fig.add_layout_image(dict(source=picture, xref="x", yref="y", x=-0.5, y=n - 0.5,
                              sizex=n, sizey=n, sizing="stretch", layer="below"))
    ii, jj = np.meshgrid(np.arange(n), np.arange(n))  # column i, row j (row 0 at the bottom)
    zx, zy = axis[ii.ravel()], axis[jj.ravel()]
    fig.add_trace(go.Scatter(
        x=ii.ravel(), y=jj.ravel(), mode="markers", name="cells",
        customdata=np.stack([zx, zy], 1),
        marker=dict(size=max(6, 420 // n), color="rgba(0,0,0,0)", symbol="square"),
        hovertemplate="z=(%{customdata[0]:.2f}, %{customdata[1]:.2f})<extra></extra>",
        showlegend=False))
    step = max(1, n // 8)
    ticks = list(range(0, n, step))
    labels = [f"{axis[t]:.1f}" for t in ticks]
    fig.update_xaxes(range=[-0.5, n - 0.5], tickvals=ticks, ticktext=labels, title_text="z[0]",
                     showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(range=[-0.5, n - 0.5], tickvals=ticks, ticktext=labels, title_text="z[1]",
                     showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), font=FONT,
                      plot_bgcolor="white", dragmode=False, uirevision="grid")
    return fig


def loss_figure(steps: dict[str, list[float]], epochs: dict[str, list[float]] | None = None,
                height: int = 320) -> go.Figure:
    """Training loss and its split per step; test -ELBO per epoch on the same nats axis."""
    fig = go.Figure()
    x = steps.get("step", [])
    for key, name, color in (("loss", "loss (recon + beta KL)", "#111"),
                             ("recon", "reconstruction", PALETTE[0]), ("kl", "KL", PALETTE[1])):
        fig.add_trace(go.Scatter(x=x, y=steps.get(key, []), name=name, mode="lines",
                                 line=dict(color=color, width=1.5)))
    if epochs and epochs.get("step"):
        fig.add_trace(go.Scatter(x=epochs["step"], y=[-v for v in epochs["test_elbo"]],
                                 name="test -ELBO (per epoch)",
                                 mode="lines+markers" if len(epochs["step"]) <= 40 else "lines",
                                 line=dict(color=PALETTE[2], width=2, dash="dot")))
    _nats_axis(fig)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      legend=dict(orientation="h", y=1.12), plot_bgcolor="white",
                      uirevision="loss")
    fig.update_xaxes(title_text="step", gridcolor="#eee")
    return fig


def _nats_axis(fig: go.Figure) -> None:
    """A log axis for losses in nats, from 0.5 (the KL starts near 0) to the largest value;
    linear when some value is not positive (a Gaussian likelihood's loss can be negative)."""
    values = [v for t in fig.data for v in (t.y or ()) if v is not None]
    if values and min(values) < -1e-3:  # (a KL of 0 may round to a hair below it)
        fig.update_yaxes(title_text="nats per image", type="linear", gridcolor="#eee")
    elif values:
        lo, hi = max(0.5, min(values)), max(max(values), 1.0)
        fig.update_yaxes(title_text="nats per image", type="log", gridcolor="#eee",
                         range=[math.log10(lo) - 0.05, math.log10(hi) + 0.1])


def compare_figure(runs: dict[str, dict], height: int = 340) -> go.Figure:
    """Per-epoch test -ELBO (solid) and KL (dotted) of several runs on one nats axis, by epoch;
    runs maps a name to its checkpoint history."""
    fig = go.Figure()
    for c, (name, history) in enumerate(runs.items()):
        ep = (history or {}).get("epochs") or {}
        if not ep.get("epoch"):
            continue
        color = PALETTE[[0, 2, 4, 6][c % 4]]
        fig.add_trace(go.Scatter(x=ep["epoch"], y=[-v for v in ep["test_elbo"]], mode="lines",
                                 name=f"{name}: test -ELBO", line=dict(color=color, width=2)))
        fig.add_trace(go.Scatter(x=ep["epoch"], y=ep["test_kl"], mode="lines",
                                 name=f"{name}: KL", line=dict(color=color, width=2, dash="dot")))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      legend=dict(orientation="h", y=1.15), plot_bgcolor="white")
    fig.update_xaxes(title_text="epoch", gridcolor="#eee")
    _nats_axis(fig)
    return fig


def density_figure(axis: np.ndarray, values: np.ndarray, holes: np.ndarray, title: str,
                   height: int = 380) -> go.Figure:
    """A density over the plane (values and holes on the grid of explorer.plane.density.grid),
    its square root shaded (so the tails show), the holes outlined in red."""
    n = len(axis)
    fig = go.Figure(go.Heatmap(x=axis, y=axis, z=np.sqrt(values.reshape(n, n)),
                               colorscale="Blues", showscale=False, hoverinfo="skip"))
    fig.add_trace(go.Contour(x=axis, y=axis, z=holes.reshape(n, n).astype(float),
                             contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
                             line=dict(color=PALETTE[2], width=2.5), showscale=False,
                             hoverinfo="skip", name="holes"))
    fig.update_layout(title=dict(text=title, x=0.5), height=height, font=FONT,
                      margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white")
    fig.update_xaxes(title_text="z[0]", range=[axis[0], axis[-1]], constrain="domain")
    fig.update_yaxes(title_text="z[1]", range=[axis[0], axis[-1]], scaleanchor="x")
    return fig
