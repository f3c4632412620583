"""What the Draw or upload tab shows of a digit it has encoded: its reconstruction, its
place (mean and spread) in the plane, and its nearest test digits. Pictures are PNG data
URIs, so an update while drawing makes the page fetch nothing."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import media
from explorer.plane import latent
from explorer.ui import models


def reconstruction_uri(model, mu: np.ndarray, px: int) -> str:
    return media.png_data_uri(media.picture(latent.decode_point(model, mu), px))


def describe(mu: np.ndarray, logvar: np.ndarray) -> str:
    sd = np.exp(0.5 * logvar)
    return (f"**Latent mean** z = ({mu[0]:.2f}, {mu[1]:.2f}), "
            f"**std** ({sd[0]:.2f}, {sd[1]:.2f})")


def nearest_digits(model, enc: models.Encoded, mu: np.ndarray, px: int, k: int = 8) -> str:
    """Shows the k test digits nearest to mu in the plane; returns their most common label."""
    near = latent.nearest(enc.mu, mu, k=k)
    st.image(media.png_data_uri(media.strip(models.test_images(model.cfg.dataset)[near], px)),
             caption="nearest test digits: " + " ".join(enc.classes[int(enc.labels[i])]
                                                       for i in near))
    counts = np.bincount(enc.labels[near], minlength=len(enc.classes))
    return enc.classes[int(counts.argmax())]
