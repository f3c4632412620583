"""The Upload tab: a photo, scan or canvas export of a digit, preprocessed the way MNIST was
made, encoded, and placed on the latent map with its uncertainty."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from explorer import latent, media
from explorer.images import MAX_BYTES, open_image
from explorer.preprocess import ImageError, to_mnist
from explorer.ui import encoding, models, plots
from explorer.ui.draw import draw_panel
from explorer.ui.explore import LIM, move_to
from explorer.ui.models import ModelEntry

TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


@st.cache_data(max_entries=32, show_spinner=False)
def _preprocess(data: bytes) -> tuple[np.ndarray, Image.Image]:
    """(the 28x28 digit, a small view of the upload); ImageError for unusable files."""
    x = to_mnist(data)
    view = open_image(data).convert("RGBA")
    view.thumbnail((280, 280))
    return x, view


def upload_panel(entry: ModelEntry) -> None:
    mode = st.segmented_control("input", ["Draw a digit", "Upload an image"], key="input_mode",
                                default="Draw a digit", label_visibility="collapsed")
    if mode == "Upload an image":
        upload_section(entry)
    else:
        draw_panel(entry)


def upload_section(entry: ModelEntry) -> None:
    st.markdown("Upload a **photo, scan or drawing of one digit**: dark on light or light on "
                "dark, any colour, any size. It is cropped to the ink, scaled to fit 20x20 "
                "and centred by its centre of mass in 28x28, as MNIST's digits were.")
    file = st.file_uploader("Image of a digit", type=TYPES, key="upload",
                            max_upload_size=MAX_BYTES >> 20,
                            help="PNG, JPEG, GIF, BMP, WebP or TIFF")
    if file is None:
        return
    try:
        x, view = _preprocess(file.getvalue())
    except ImageError as e:
        st.error(f"**{file.name}**: {e}")
        return
    model, _ = models.load(entry.path, entry.mtime)
    enc = models.encoded_test_set(entry.path, entry.mtime)
    mu, logvar = latent.encode_one(model, x)
    st.session_state.your_digit = x  # an endpoint for Interpolate (encoded by any model)

    left, right = st.columns([3, 2], gap="large")
    with right:
        a, b, c = st.columns(3)
        a.image(media.png_data_uri(view), caption="your upload", width=140)
        b.image(media.png_data_uri(media.picture(x, 140)), caption="preprocessed 28x28",
                width=140)
        c.image(encoding.reconstruction_uri(model, mu, 140), caption="reconstruction", width=140)
        st.markdown(encoding.describe(mu, logvar))
        st.markdown("**Nearest test digits** (in latent space):")
        most = encoding.nearest_digits(model, enc, mu, 56)
        st.markdown(f"Most of them are **{most}**.")
        if st.button("Show in Explore", key="upload_to_explore",
                     help="Move the Explore tab's preview to this digit's latent mean"):
            move_to(mu)
            st.toast("The Explore preview moved to your digit.")
    with left:
        fig = plots.latent_scatter(enc.mu, enc.labels, enc.classes, lim=LIM, opacity=0.35)
        for k, dash in ((2, "dot"), (1, "solid")):
            plots.add_path(fig, latent.ellipse(mu, logvar, k), f"{k}-sigma of q(z|x)", dash=dash)
        plots.add_current(fig, tuple(mu), name="your digit (mean)")
        st.plotly_chart(fig, key="upload_scatter", config={"displaylogo": False})
