"""The Draw or upload tab's upload and camera: a photo, scan or canvas export of a digit (or a
shipped example, or a photo taken in the page), preprocessed the way MNIST was made, shown
step by step, encoded, and placed on the latent map with its uncertainty."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.plane import extent, latent, outlier
from explorer.preprocess import nondigit
from explorer.preprocess.image_files import MAX_BYTES
from explorer.preprocess.mnist_style import ImageError, stages
from explorer.ui import models, plots
from explorer.ui.draw import encoded, examples, steps
from explorer.ui.draw.pad import draw_panel
from explorer.ui.explore.tab import move_to
from explorer.ui.models import ModelEntry

TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
MODES = ["Draw a digit", "Upload an image", "Take a photo"]


@st.cache_data(max_entries=32, show_spinner=False)
def _preprocess(data: bytes) -> tuple[np.ndarray, list[tuple[str, str]], list[str]]:
    """(the 28x28 digit, its steps as captioned pictures, why the picture does not look like
    one digit: explorer/preprocess/nondigit.py); ImageError for unusable files."""
    s = stages(data)
    return s.x, steps.pictures(s), nondigit.reasons(s)


@st.cache_data(max_entries=8, show_spinner="Measuring what the test digits look like (once) ...")
def _outlier_levels(path: str, mtime: float) -> outlier.Levels:
    model, _ = models.load(path, mtime)
    enc = models.encoded_test_set(path, mtime)
    return outlier.test_set_levels(model, models.test_images(model.cfg.dataset), enc.mu,
                                    enc.logvar)


def upload_panel(entry: ModelEntry) -> None:
    # the first mode set in session state, not as the widget's default: the sidebar keeps
    # this key alive across tabs, and a widget with both logs a warning on every visit
    st.session_state.setdefault("input_mode", MODES[0])
    mode = st.segmented_control("input", MODES, key="input_mode", label_visibility="collapsed")
    if mode == "Upload an image":
        upload_section(entry)
    elif mode == "Take a photo":
        camera_section(entry)
    else:
        draw_panel(entry)


def upload_section(entry: ModelEntry) -> None:
    st.markdown("Upload a **photo, scan or drawing of one digit**: dark on light or light on "
                "dark, any colour, any size. It is cropped to the ink, scaled to fit 20x20 "
                "and centred by its centre of mass in 28x28, as MNIST's digits were.")
    file = st.file_uploader("Image of a digit", type=TYPES, key="upload",
                            max_upload_size=MAX_BYTES >> 20,
                            help="PNG, JPEG, GIF, BMP, WebP or TIFF")
    if file is not None and st.session_state.get("upload_seen") != file.file_id:
        st.session_state.upload_seen = file.file_id  # a new upload replaces the example
        examples.forget()
    examples.example_row()
    example = examples.chosen()
    if example is not None:
        show_digit(entry, *example)
    elif file is not None:
        show_digit(entry, file.name, file.getvalue())


def camera_section(entry: ModelEntry) -> None:
    st.markdown("Write a digit **large and dark** on plain paper and hold it up to the camera, "
                "filling much of the picture. The photo goes through the same steps as an "
                "upload.")
    photo = st.camera_input("Take a photo of a digit", key="camera", width=480)
    if photo is not None:
        show_digit(entry, "your photo", photo.getvalue())


def show_digit(entry: ModelEntry, name: str, data: bytes) -> None:
    """Preprocess, show the steps, encode and place one picture (an ImageError is shown as a
    message, never raised)."""
    try:
        x, pictures, odd = _preprocess(data)
    except ImageError as e:
        st.error(f"**{name}**: {e}")
        return
    model, _ = models.load(entry.path, entry.mtime)
    enc = models.encoded_test_set(entry.path, entry.mtime)
    mu, logvar = latent.encode_one(model, x)
    st.session_state.your_digit = x  # an endpoint for Interpolate (encoded by any model)

    steps.steps_strip(pictures, steps.reconstruction_uri(latent.decode_point(model, mu)))
    steps.warn_if_unfamiliar(odd + outlier.unfamiliar(
        _outlier_levels(entry.path, entry.mtime), model, x, mu, logvar, enc.mu))
    left, right = st.columns([3, 2], gap="large")
    with right:
        st.markdown(encoded.describe(mu, logvar))
        st.markdown("**Nearest test digits** (in latent space):")
        most = encoded.nearest_digits(model, enc, mu, 56)
        st.markdown(f"Most of them are **{most}**.")
        if st.button("Show in Explore", key="upload_to_explore",
                     help="Move the Explore tab's preview to this digit's latent mean"):
            move_to(mu, models.page_data(entry.path, entry.mtime))
            st.toast("The Explore preview moved to your digit.")
    with left:
        ellipses = {k: latent.ellipse(mu, logvar, k) for k in (2, 1)}
        lim = extent.cover(models.page_data(entry.path, entry.mtime).extent, ellipses[2])
        fig = plots.latent_scatter(enc.mu, enc.labels, enc.classes, lim=lim, opacity=0.35)
        for k, dash in ((2, "dot"), (1, "solid")):
            plots.add_path(fig, ellipses[k], f"{k}-sigma of q(z|x)", dash=dash)
        plots.add_current(fig, tuple(mu), name="your digit (mean)")
        st.plotly_chart(fig, key="upload_scatter", config={"displaylogo": False})
