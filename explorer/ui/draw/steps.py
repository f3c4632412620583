"""The preprocessing steps of one upload or photo as a strip of small pictures, in order, so
a person sees why the digit lands where it lands; and the plain warning for an input that
looks like no digit the model has seen (explorer/plane/outlier.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from explorer import media
from explorer.plane import outlier
from explorer.preprocess import nondigit
from explorer.preprocess.mnist_style import Stages, to_pil

PX = 96  # each picture's side in the strip


def tile(img: Image.Image, px: int, fill: int | tuple = 0) -> Image.Image:
    """img shrunk to fit px x px (area-averaged) and centred on a square of `fill`, so every
    picture in the strip has the same size whatever its shape."""
    img = img.copy()
    img.thumbnail((px, px), Image.Resampling.BOX)
    out = Image.new(img.mode, (px, px), fill)
    out.paste(img, ((px - img.width) // 2, (px - img.height) // 2))
    return out


def _ink(a: np.ndarray) -> Image.Image:
    """Ink (any size, 1 = ink) as a white-on-black picture, pixel for pixel."""
    return Image.fromarray(np.uint8(np.round(np.clip(a, 0.0, 1.0) * 255)), "L")


def _pixels(a: np.ndarray, frame: int, px: int) -> Image.Image:
    """A few-pixel picture centred in a frame x frame field and enlarged with square pixels to
    px (what the model gets, pixel by pixel)."""
    field = np.zeros((frame, frame), np.float32)
    top, left = (frame - a.shape[0]) // 2, (frame - a.shape[1]) // 2
    field[top:top + a.shape[0], left:left + a.shape[1]] = a
    return to_pil(field).resize((px, px), Image.Resampling.NEAREST)


def pictures(s: Stages, px: int = PX) -> list[tuple[str, str]]:
    """(caption, PNG data URI) of each stage before the model, each px x px: as uploaded,
    ink found (what lies far from the digit left out), cropped, fitted 20x20, centred
    28x28."""
    return [(caption, media.png_data_uri(img)) for caption, img in [
        ("as uploaded", tile(s.image.convert("RGBA"), px, (0, 0, 0, 0))),
        ("ink found", tile(_ink(s.kept), px)),
        ("cropped", tile(_ink(s.crop), px)),
        ("fitted 20x20", _pixels(s.fit, 20, px)),
        ("centred 28x28", _pixels(s.x, 28, px))]]


def reconstruction_uri(recon: np.ndarray, px: int = PX) -> str:
    """The decoded picture (28, 28), white on black like the stages before it."""
    return media.png_data_uri(to_pil(recon).resize((px, px), Image.Resampling.BICUBIC))


def steps_strip(steps: list[tuple[str, str]], reconstruction_uri: str) -> None:
    """The stages and the reconstruction side by side, each with its caption."""
    st.markdown("**How it was read**, step by step:")
    with st.container(horizontal=True, key="digit_steps", gap="small"):
        for caption, uri in [*steps, ("reconstruction", reconstruction_uri)]:
            st.image(uri, caption=caption, width=PX)


def warn_if_unfamiliar(reasons: list[str]) -> None:
    """The warning, with its reasons: explorer/preprocess/nondigit.py's (the picture) and
    explorer/plane/outlier.py's (its place in the latent plane)."""
    if reasons:
        why = "; ".join({**nondigit.REASONS, **outlier.REASONS}[r] for r in reasons)
        st.warning(f"**This does not look like any digit the model has seen** ({why}). It is "
                   "placed on the map all the same, but its place there means little.",
                   icon=":material/help:")
