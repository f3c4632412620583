"""The Interpolate tab: walk between two points of the latent plane and watch the decoded
digit morph (a strip, a GIF), and draw samples from the prior with a temperature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st
from PIL import ImageDraw

from explorer import media
from explorer.plane import density, extent, latent
from explorer.ui import models, plots
from explorer.ui.models import ModelEntry
from explorer.vae.priors import PRIORS

SOURCES = ("test digit", "your digit", "typed z")
ENDS = {"a": ("Start", "#111111"), "b": ("End", "#d62728")}


def _init(enc: models.Encoded, half: float) -> None:
    # a first class and a second one: a morph that shows something from the start
    st.session_state.setdefault("ip_idx_a", int(np.argmax(enc.labels == 0)))
    st.session_state.setdefault("ip_idx_b", int(np.argmax(enc.labels == 1)))
    v = float(f"{0.375 * half:.2g}")  # typed ends inside the model's plane (1.5 of ±4)
    for k, z in (("a", f"{-v:g}, {v:g}"), ("b", f"{v:g}, {-v:g}")):
        st.session_state.setdefault(f"ip_src_{k}", "test digit")
        st.session_state.setdefault(f"ip_z_{k}", z)


def _from_explore(k: str) -> None:
    st.session_state[f"ip_idx_{k}"] = int(st.session_state.selected)
    st.session_state[f"ip_src_{k}"] = "test digit"


def endpoint(k: str, model, enc: models.Encoded) -> tuple[np.ndarray | None, str]:
    """One end of the path chosen by the person: (z or None, what it is)."""
    title, _ = ENDS[k]
    st.markdown(f"**{title}**")
    source = st.radio("from", SOURCES, key=f"ip_src_{k}", horizontal=True,
                      label_visibility="collapsed")
    if source == "test digit":
        a, b = st.columns([1, 1], vertical_alignment="bottom")
        i = a.number_input("test digit #", 0, len(enc.mu) - 1, key=f"ip_idx_{k}")
        b.button("from Explore", key=f"btn_ip_sel_{k}", on_click=_from_explore, args=(k,),
                 disabled=st.session_state.get("selected") is None, width="stretch",
                 help="the digit last clicked on the Explore tab's scatter")
        return enc.mu[i], f"test digit #{i} ({enc.classes[int(enc.labels[i])]})"
    if source == "your digit":
        x = st.session_state.get("your_digit")
        if x is None:
            st.info("Draw or upload a digit on the **Draw or upload** tab first.")
            return None, ""
        st.image(media.png_data_uri(media.picture(x, 56)), width=56)
        return latent.encode_one(model, x)[0], "your digit"
    text = st.text_input("z", key=f"ip_z_{k}", help="two numbers, e.g. 0.5, -1.2")
    try:
        z = np.array(latent.parse_z(text), np.float32)
    except ValueError as e:
        st.error(str(e))
        return None, ""
    return z, f"z = ({z[0]:.2f}, {z[1]:.2f})"


def interpolate_panel(entry: ModelEntry) -> None:
    model, _ = models.load(entry.path, entry.mtime)
    enc = models.encoded_test_set(entry.path, entry.mtime)
    half = models.page_data(entry.path, entry.mtime).extent
    _init(enc, half)
    st.markdown("Pick two points and walk between them. Every step is decoded, so you see "
                "what lies *between* two digits: a smooth morph where the plane is filled, "
                "odd shapes where the path crosses a gap.")
    interpolation(model, enc, Path(entry.path).stem, half)
    st.divider()
    prior_samples(entry, model, enc, half)


@st.fragment
def interpolation(model, enc: models.Encoded, model_name: str, half: float) -> None:
    c1, c2, c3 = st.columns([2, 2, 2], gap="large")
    with c1:
        za, what_a = endpoint("a", model, enc)
    with c2:
        zb, what_b = endpoint("b", model, enc)
    with c3:
        st.session_state.setdefault("ip_steps", 10)  # (a default given here too would warn:
        steps = st.slider("steps", 3, 30, key="ip_steps")  # the value is kept across tabs)
        method = st.radio("path", ["linear", "slerp"], key="ip_method", horizontal=True,
                          help="linear: the straight line. slerp: around the origin, with the "
                               "radius changing linearly; it stays in the dense middle of the "
                               "prior instead of cutting through its centre.")
    if za is None or zb is None:
        return
    path = latent.interpolate(za, zb, steps, method)
    pictures = latent.decode(model, path)
    st.image(media.png_data_uri(media.strip(pictures, 96)),
             caption=f"{what_a} → {what_b}, {steps} steps ({method})")
    row = st.container(horizontal=True)
    name = f"{model_name}-{method}-{steps}"
    row.download_button("Strip (PNG)", media.png_bytes(media.strip(pictures, 96)),
                       file_name=f"morph-{name}.png", mime="image/png", on_click="ignore",
                       icon=":material/download:", key="dl_ip_png")
    row.download_button("Morph (GIF)", lambda: media.morph_gif(pictures),
                       file_name=f"morph-{name}.gif", mime="image/gif", on_click="ignore",
                       icon=":material/download:", key="dl_ip_gif")
    fig = _scatter(enc, lim=extent.cover(half, path))  # a path beyond the plane extends it
    plots.add_path(fig, path, f"path ({method})", mode="lines+markers", width=2.5)
    for (title, color), z in ((ENDS["a"], za), (ENDS["b"], zb)):
        plots.add_current(fig, tuple(z), name=title)
        fig.data[-1].marker.color = color
        fig.data[-1].marker.line.color = color
    st.plotly_chart(fig, key="chart_ip_scatter", config={"displaylogo": False})


def _scatter(enc: models.Encoded, lim: float, height: int = 520):
    """The encoded test set, a fixed sample of 3,000 points (faint, under the path), on
    axes over ±lim."""
    idx = np.random.default_rng(0).choice(len(enc.mu), min(3000, len(enc.mu)), replace=False)
    return plots.latent_scatter(enc.mu[idx], enc.labels[idx], enc.classes, height=height,
                                opacity=0.35, index=idx, lim=lim)


def _in_holes(entry: ModelEntry, model, z: np.ndarray) -> np.ndarray:
    """Which samples fell where the prior has mass and the encoded digits almost none."""
    d = models.densities(entry.path, entry.mtime)
    prior = density.prior_density(model, z)
    aggregate = density.aggregate_density(d["mu"], d["logvar"], z)
    return density.in_holes(prior, aggregate, d["level"])


@st.fragment
def prior_samples(entry: ModelEntry, model, enc: models.Encoded, half: float) -> None:
    st.subheader("Samples from the prior")
    st.markdown(f"A VAE is a generative model: draw z from the prior ({model.cfg.prior}: "
                f"{PRIORS[model.cfg.prior]}) and decode it. The temperature T scales the draw's "
                "spread: below 1 the samples stay where the training digits are dense, above 1 "
                "they reach the odd edges of the plane. A sample outlined in red fell in a "
                "**hole**: the prior has mass there, but no training digit was encoded nearby.")
    for key, value in (("prior_seed", 0), ("prior_t", 1.0), ("prior_side", 8)):
        st.session_state.setdefault(key, value)
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    temperature = c1.slider("temperature", 0.1, 2.0, step=0.1, key="prior_t")
    side = c2.select_slider("grid", [4, 6, 8, 10, 12], key="prior_side",
                            format_func=lambda n: f"{n} x {n}")
    if c3.button("Draw new samples", icon=":material/casino:", key="btn_prior_draw"):
        st.session_state.prior_seed += 1
    z = latent.prior_samples(side * side, temperature, st.session_state.prior_seed, model)
    pictures = latent.decode(model, z).reshape(side, side, 28, 28)
    holes = _in_holes(entry, model, z)
    img = media.grid_image(pictures, 56).convert("RGB")
    draw = ImageDraw.Draw(img)
    for k in np.flatnonzero(holes):
        r, c = divmod(int(k), side)
        draw.rectangle((c * 56 + 1, r * 56 + 1, c * 56 + 54, r * 56 + 54),
                       outline=(225, 87, 89), width=3)
    left, right = st.columns([1, 1], gap="large")
    left.image(media.png_data_uri(img), width=min(600, img.width),
               caption=f"{side * side} samples, T = {temperature:g}, draw "
                       f"#{st.session_state.prior_seed}: {int(holes.sum())} in holes")
    fig = _scatter(enc, lim=extent.cover(half, z), height=460)  # every sample in view
    plots.add_path(fig, z, "the samples' z", mode="markers")
    if not model.prior.learned:
        plots.add_path(fig, latent.ellipse(np.zeros(2), np.full(2, 2 * np.log(temperature))),
                       f"1 sigma at T = {temperature:g}", dash="dot")
    right.plotly_chart(fig, key="chart_prior", config={"displaylogo": False})
    left.download_button("Samples (PNG)", media.png_bytes(img), file_name=f"prior-T{temperature:g}"
                       f"-{st.session_state.prior_seed}.png", mime="image/png", on_click="ignore",
                       icon=":material/download:", key="dl_prior_png")
