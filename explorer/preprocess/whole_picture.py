"""The other way a picture becomes 28x28 (for a dataset of your own): the whole picture,
greyscale, fitted and padded, for icons and shapes whose background belongs to them; and
the choice between it and preprocess.py's ink pipeline, one picture at a time."""

from __future__ import annotations

import numpy as np
from PIL import Image

from explorer.preprocess.image_files import open_image
from explorer.preprocess.mnist_style import flatten_alpha, ink_polarity, to_gray, to_mnist
from explorer.preprocess.resample import resample

PREPROCESS = {
    "ink": "ink on paper: the ink found, cropped, fitted into 20x20 and centred by its mass "
           "in 28x28, as MNIST was made (handwriting, letters, glyphs, sketches)",
    "whole": "the whole picture: greyscale, fitted into 28x28 and padded (icons, shapes, "
             "anything whose background belongs to it)",
}
POLARITY = {  # for "whole": what becomes ink (1) and what background (0)
    "auto": "decided per picture: the minority that departs from its surroundings is ink",
    "dark-on-light": "dark shapes on a light background (inverted, as MNIST is light on dark)",
    "light-on-dark": "light shapes on a dark background (kept as they are)",
}
SIDE = 28


def whole_picture(raw: bytes, polarity: str = "auto") -> np.ndarray:
    """The whole picture as float32 (28, 28) in [0, 1], light = 1: greyscale (transparent
    pixels onto a page), fitted into 28x28 keeping its aspect ratio, padded with background.
    Raises ImageError."""
    gray = to_gray(flatten_alpha(open_image(raw)))
    dark_ink = ink_polarity(gray) if polarity == "auto" else polarity == "dark-on-light"
    ink = 1.0 - gray if dark_ink else gray
    h, w = ink.shape
    s = SIDE / max(h, w)
    size = (max(1, min(SIDE, round(w * s))), max(1, min(SIDE, round(h * s))))
    method = Image.Resampling.BOX if s < 1 else Image.Resampling.BICUBIC
    fitted = np.clip(resample(ink, size, method), 0, 1)
    out = np.zeros((SIDE, SIDE), np.float32)
    top, left = (SIDE - size[1]) // 2, (SIDE - size[0]) // 2
    out[top:top + size[1], left:left + size[0]] = fitted
    return out


def preprocess_one(raw: bytes, preprocess: str, polarity: str) -> np.ndarray:
    """One picture's bytes -> uint8 (28, 28), 0..255 as MNIST's; ImageError."""
    x = to_mnist(raw) if preprocess == "ink" else whole_picture(raw, polarity)
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)
