"""Resizing a float picture: the picture pipeline's one resize (PIL's, in mode "F", so that
no precision is lost to 8 bits on the way)."""

from __future__ import annotations

import numpy as np
from PIL import Image


def resample(a: np.ndarray, size: tuple[int, int],
             method: Image.Resampling = Image.Resampling.BICUBIC) -> np.ndarray:
    """`a` (H, W) resized to `size` = (width, height) with `method` (BOX averages areas when
    shrinking; BICUBIC and LANCZOS may overshoot [0, 1]: clip when that matters); float32."""
    img = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32), "F")
    return np.asarray(img.resize(size, method), dtype=np.float32)
