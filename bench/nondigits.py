"""Pictures that hold no digit, made on demand: what the "does not look like any digit"
warning must catch, beside the real-world digits of bench/digitset.py. Six styles, seeded;
every image depends only on (seed, style, index):

- camera: a webcam's test frame, as Chromium's fake camera draws it (a green field, a
  running timer, bright corner squares, a turning pie shape), any size, JPEG;
- screenshot: an app's window: a title bar, text lines, buttons and panels;
- text: a word or a line of writing on paper (letters, no digit), photographed or typed;
- border: a frame, a border or a ruled box around an empty page;
- shapes: filled shapes (discs, squares, stars, pies) in flat colours, as in a drawing;
- scene: no digit at all: a desk, a wall or a window (gradients, blobs, edges, grain).

    python -m bench.nondigits OUT_DIR [--per-style 40]   # write the set as files
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench.digitset import (
    FONT_DIRS,
    FONTS,
    Sample,
    encode,
    jpeg,
    light,
    paper_of,
    set_parser,
    styled_set,
)

SIZES = [(640, 480), (1280, 720), (800, 600), (480, 640), (1024, 768)]
WORDS = ("hello", "photo", "camera", "test", "window", "page", "note", "Monday", "the cat",
         "Latent", "draw here", "sample", "OK", "Cancel", "Settings", "map", "ABC", "xyz")


def _font(rng: np.random.Generator, size: int) -> ImageFont.FreeTypeFont:
    name = FONTS[int(rng.integers(len(FONTS)))]
    return ImageFont.truetype(str(next(d / name for d in FONT_DIRS if (d / name).exists())),
                              max(8, int(size)))


def _size(rng: np.random.Generator) -> tuple[int, int]:
    return SIZES[int(rng.integers(len(SIZES)))]


def _rgb(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))


def _photo(img: Image.Image, rng: np.random.Generator) -> bytes:
    """Uneven light, grain and JPEG: the picture as a phone camera gives it."""
    a = np.asarray(img.convert("RGB"), np.float32)
    a = a * light(a.shape[:2], rng, rng.uniform(0.5, 0.9))[..., None]
    a = a + rng.normal(0, rng.uniform(1, 6), a.shape[:2])[..., None]
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return jpeg(out.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2))), rng)


def camera(rng: np.random.Generator) -> bytes:
    w, h = _size(rng)
    s = min(w, h) / 480
    field = (0, int(rng.integers(100, 150)), 0)
    bright = (int(rng.integers(40, 90)), 255, int(rng.integers(0, 40)))
    img = Image.new("RGB", (w, h), field)
    d = ImageDraw.Draw(img)
    c = int(40 * s)
    for x, y in ((0, 0), (w - c, 0), (0, h - c), (w - c, h - c)):
        d.rectangle([x, y, x + c, y + c], fill=(0, 255, 0))
    ms = int(rng.integers(0, 600_000))
    d.text((int(90 * s), int(28 * s)), f"0:{ms // 60000:02d}:{ms // 1000 % 60:02d}:{ms % 1000:03d}"
           f" {ms * 30 // 1000}", font=_font(rng, 32 * s), fill=bright)
    r, cx, cy = int(120 * s), w // 2, h // 2
    start = float(rng.uniform(0, 360))  # a pie that fills as the seconds go by
    d.pieslice([cx - r, cy - r, cx + r, cy + r], start, start + float(rng.uniform(20, 350)),
               fill=bright)
    return jpeg(img, rng, 70, 95)


def screenshot(rng: np.random.Generator) -> bytes:
    w, h = _size(rng)
    dark = rng.random() < 0.3
    bg, fg = ((30, 30, 36), (220, 220, 220)) if dark else ((255, 255, 255), (40, 40, 40))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, int(h * 0.07)], fill=_rgb(rng, 60, 200))  # title bar
    d.rectangle([0, int(h * 0.07), int(w * rng.uniform(0.15, 0.3)), h], fill=_rgb(rng, 200, 250)
                if not dark else (45, 45, 55))  # side panel
    f = _font(rng, h * rng.uniform(0.025, 0.05))
    y = int(h * 0.12)
    while y < h * 0.9:
        words = " ".join(rng.choice(WORDS) for _ in range(int(rng.integers(2, 6))))
        d.text((int(w * 0.33), y), words, font=f, fill=fg)
        y += int(f.size * rng.uniform(1.6, 2.6))
        if rng.random() < 0.2:  # a button
            d.rounded_rectangle([int(w * 0.33), y, int(w * 0.5), y + 2 * f.size], 6,
                                outline=fg, fill=_rgb(rng, 150, 240))
            y += 3 * f.size
    data = encode(img, "PNG")
    return data if rng.random() < 0.7 else jpeg(img, rng)


def text(rng: np.random.Generator) -> bytes:
    w, h = _size(rng)
    img = Image.new("RGB", (w, h), paper_of(rng))
    words = " ".join(rng.choice(WORDS) for _ in range(int(rng.integers(1, 4))))
    if rng.random() < 0.3:
        words = "".join(rng.choice(list(string.ascii_letters)) for _ in range(5))
    f = _font(rng, h * rng.uniform(0.08, 0.25))
    x0, y0, x1, y1 = f.getbbox(words)
    at = (int(rng.uniform(0.05, 0.4) * w) - x0, int(rng.uniform(0.2, 0.6) * h) - y0)
    ImageDraw.Draw(img).text(at, words, font=f, fill=(int(rng.integers(0, 60)),) * 2 + (80,))
    return _photo(img, rng) if rng.random() < 0.7 else encode(img, "PNG")


def border(rng: np.random.Generator) -> bytes:
    w, h = _size(rng)
    img = Image.new("RGB", (w, h), paper_of(rng))
    d = ImageDraw.Draw(img)
    ink = _rgb(rng, 0, 120)
    kind = int(rng.integers(3))
    m = int(rng.uniform(0, 0.08) * min(w, h))
    t = int(rng.uniform(0.01, 0.05) * min(w, h)) + 1
    if kind == 0:  # a frame
        d.rectangle([m, m, w - 1 - m, h - 1 - m], outline=ink, width=t)
    elif kind == 1:  # a thick coloured border, as a photo mount or a slide
        img = Image.new("RGB", (w, h), ink)
        ImageDraw.Draw(img).rectangle([4 * t, 4 * t, w - 4 * t, h - 4 * t], fill=paper_of(rng))
    else:  # a form's boxes
        for k in range(int(rng.integers(2, 5))):
            y = int(h * (0.15 + 0.2 * k))
            d.rectangle([m + t, y, w - m - t, y + int(h * 0.12)], outline=ink, width=max(1, t // 2))
    return _photo(img, rng) if rng.random() < 0.5 else encode(img, "PNG")


def shapes(rng: np.random.Generator) -> bytes:
    w, h = _size(rng)
    img = Image.new("RGB", (w, h), _rgb(rng, 180, 256) if rng.random() < 0.7 else _rgb(rng, 0, 60))
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(1, 4))):
        r = int(rng.uniform(0.1, 0.3) * min(w, h))
        cx, cy = int(rng.uniform(r, w - r)), int(rng.uniform(r, h - r))
        kind, fill = int(rng.integers(4)), _rgb(rng)
        box = [cx - r, cy - r, cx + r, cy + r]
        if kind == 0:
            d.ellipse(box, fill=fill)
        elif kind == 1:
            d.rectangle(box, fill=fill)
        elif kind == 2:
            d.regular_polygon((cx, cy, r), int(rng.integers(3, 8)), float(rng.uniform(0, 90)),
                              fill=fill)
        else:
            a = float(rng.uniform(0, 360))
            d.pieslice(box, a + 40, a + 360, fill=fill)
    return encode(img, "PNG") if rng.random() < 0.6 else jpeg(img, rng)


def scene(rng: np.random.Generator) -> bytes:
    w, h = _size(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / max(w, h)
    a = np.zeros((h, w, 3), np.float32) + np.array(_rgb(rng, 60, 220), np.float32)
    a += (xx * rng.uniform(-80, 80) + yy * rng.uniform(-80, 80))[..., None]
    for _ in range(int(rng.integers(2, 7))):  # soft blobs and hard edges: objects, a window
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.4) * max(w, h)
        blob = np.exp(-(((xx * max(w, h) - cx) ** 2 + (yy * max(w, h) - cy) ** 2) / r ** 2))
        if rng.random() < 0.4:
            blob = (blob > 0.5).astype(np.float32)
        a += blob[..., None] * (np.array(_rgb(rng), np.float32) - a) * rng.uniform(0.3, 0.9)
    return _photo(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), rng)


STYLES: dict[str, tuple[str, Callable[[np.random.Generator], bytes]]] = {
    "camera": ("a webcam's test frame: green field, timer, corner squares, a pie", camera),
    "screenshot": ("an app's window: title bar, text, buttons, panels", screenshot),
    "text": ("a word or a line of letters on paper, photographed or typed", text),
    "border": ("a frame, a border or a form's boxes around an empty page", border),
    "shapes": ("filled shapes in flat colours", shapes),
    "scene": ("no digit at all: gradients, objects, grain", scene),
}


def make(style: str, index: int, seed: int = 0) -> Sample:
    rng = np.random.default_rng([seed, 1000 + list(STYLES).index(style), index])
    data = STYLES[style][1](rng)
    return Sample(style, index, -1, "made", data, "jpg" if data[:2] == b"\xff\xd8" else "png")


def nondigit_set(per_style: int = 40, seed: int = 0, styles=None) -> Iterator[Sample]:
    return styled_set(make, styles or STYLES, per_style, seed)


def main() -> None:
    a = set_parser("python -m bench.nondigits", __doc__, 40).parse_args()
    a.out_dir.mkdir(parents=True, exist_ok=True)
    for s in nondigit_set(a.per_style, a.seed):
        (a.out_dir / s.name.replace("--1", "")).write_bytes(s.data)


if __name__ == "__main__":
    main()
