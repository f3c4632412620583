"""The page's icon, drawn here so the page fetches no icon font."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from explorer.media import PALETTE


def app_icon(px: int = 64) -> Image.Image:
    """A small scatter of coloured dots."""
    img = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    rng = np.random.default_rng(3)
    for c in range(5):
        cx, cy = rng.uniform(0.25, 0.75, 2) * px
        for x, y in rng.normal((cx, cy), px * 0.07, (6, 2)):
            r = px * 0.06
            draw.ellipse((x - r, y - r, x + r, y + r), fill=PALETTE[c])
    return img
