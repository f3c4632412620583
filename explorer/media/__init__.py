"""Pictures and files people take away: strips, morph GIFs, manifold PNGs and the encoded
test set as CSV (the time-lapse renderer: media/timelapse.py; the command line that writes
them all, and the share file: media/__main__.py).

Arrays in, PIL images or bytes out; no Streamlit, no model. Pictures are (28, 28) floats in
[0, 1] with 1 = ink, drawn as dark ink on white like everywhere in the app.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

# Tableau 10, as on the app's charts
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def picture(x: np.ndarray, px: int = 280) -> Image.Image:
    """A (28, 28) picture in [0, 1] (ink = 1) as dark ink on white, smoothly upscaled."""
    img = Image.fromarray(np.uint8(np.round(255 - np.clip(x, 0, 1) * 255)), "L")
    return img.resize((px, px), Image.Resampling.BICUBIC) if px != img.width else img


def strip(pictures: np.ndarray, px: int = 96) -> Image.Image:
    """(N, 28, 28) pictures side by side, each px wide, with a thin gap."""
    gap = max(2, px // 24)
    out = Image.new("L", (len(pictures) * (px + gap) - gap, px), 255)
    for i, x in enumerate(pictures):
        out.paste(picture(x, px), (i * (px + gap), 0))
    return out


def grid_image(pictures: np.ndarray, cell_px: int = 28) -> Image.Image:
    """(rows, cols, 28, 28) pictures tiled with no gap, each cell cell_px wide: a manifold
    at the resolution asked for (rows * cell_px high)."""
    rows, cols = pictures.shape[:2]
    out = Image.new("L", (cols * cell_px, rows * cell_px), 255)
    for r in range(rows):
        for c in range(cols):
            out.paste(picture(pictures[r, c], cell_px), (c * cell_px, r * cell_px))
    return out


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def png_data_uri(img: Image.Image) -> str:
    """The picture as a PNG data URI. Streamlit shows such a string as it is, where a
    picture becomes a media file that the page fetches once the element has arrived (one
    more round trip on every slider move)."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def gif_bytes(frames: Sequence[Image.Image], durations_ms: int | Sequence[int] = 100) -> bytes:
    """An animated GIF that loops forever."""
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=list(frames[1:]),
                   duration=durations_ms if isinstance(durations_ms, int) else list(durations_ms),
                   loop=0)
    return buf.getvalue()


def morph_gif(pictures: np.ndarray, px: int = 224, ms: int = 80, hold_ms: int = 600) -> bytes:
    """The decoded path as an animation that goes there and back, resting at both ends."""
    frames = [picture(x, px) for x in pictures]
    if len(frames) > 2:
        frames += frames[-2:0:-1]
    n = len(pictures)
    durations = [hold_ms if i in (0, n - 1) else ms for i in range(len(frames))]
    return gif_bytes(frames, durations)


def encoded_csv(mu: np.ndarray, logvar: np.ndarray, labels: np.ndarray,
                classes: Sequence[str]) -> bytes:
    """One row per test image: its index, label, class name and q(z|x)'s mean and
    log-variance."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["index", "label", "class", "z0_mean", "z1_mean", "z0_logvar", "z1_logvar"])
    for i, (m, lv, y) in enumerate(zip(mu, logvar, labels, strict=True)):
        w.writerow([i, int(y), classes[int(y)], *(f"{float(v):.6g}" for v in (*m, *lv))])
    return buf.getvalue().encode()
