"""Real-world digits, made on demand: what people upload, in nine styles, with known labels.

Nothing made here is committed except the few small examples the app offers
(explorer/ui/draw/examples/). Handwritten styles start from real MNIST *training* digits (never
test digits: scoring uses the test set's encodings), upscaled, warped a little (rotation,
shear, an elastic field), thinned to a centre line and drawn again with the style's pen,
paper, light, noise and file format. Typeset digits come from the DejaVu and Liberation
fonts (regular, bold, oblique). Every image depends only on (seed, style, index):

    python -m bench.digitset OUT_DIR [--per-style 80]   # write the evaluation set as files
    python -m bench.digitset --examples explorer/ui/examples   # the app's example row
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from explorer.preprocess.resample import resample

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONTS = tuple(f"{family}{face}.ttf" for family, faces in (
    ("DejaVuSans", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ("DejaVuSerif", ("", "-Bold", "-Italic", "-BoldItalic")),
    ("DejaVuSansMono", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ("LiberationSans", ("-Regular", "-Bold", "-Italic", "-BoldItalic")),
    ("LiberationSerif", ("-Regular", "-Bold", "-Italic", "-BoldItalic")),
    ("LiberationMono", ("-Regular", "-Bold", "-Italic", "-BoldItalic")),
) for face in faces)
WORK = 448  # side of a handwritten digit's 28x28 frame while it is drawn (16x MNIST)
INKS = {"black": (25, 25, 30), "blue-black": (25, 35, 90), "blue": (30, 60, 190),
        "red": (200, 30, 35), "green": (25, 130, 60), "purple": (110, 40, 150),
        "orange": (225, 115, 20), "pink": (215, 50, 130)}
PAPERS = {"yellow note": (250, 232, 120), "blue card": (200, 224, 246),
          "pink note": (250, 205, 218), "kraft": (205, 175, 130), "white": (250, 250, 246)}


@dataclass(frozen=True)
class Sample:
    style: str
    index: int
    label: int
    source: str  # "train #i" (an MNIST training digit) or a font file
    data: bytes  # the file, as uploaded
    ext: str

    @property
    def name(self) -> str:
        return f"{self.style}-{self.index:03d}-{self.label}.{self.ext}"


# ---------------------------------------------------------------------------- drawing
@cache
def train_digits() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's training images (60000, 28, 28) uint8 and labels."""
    from explorer.datasets import reading

    split = reading.load_split("train")
    return split.images[:, 0].numpy(), split.labels.numpy()


@cache
def _by_label() -> tuple[np.ndarray, ...]:
    return tuple(np.flatnonzero(train_digits()[1] == d) for d in range(10))


def pick_digit(rng: np.random.Generator, label: int) -> tuple[np.ndarray, int]:
    i = int(rng.choice(_by_label()[label]))
    return train_digits()[0][i], i


def _bilinear(a: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """a sampled at fractional (ys, xs), zero outside."""
    p = np.pad(a, 1)
    ys, xs = np.clip(ys + 1, 0, p.shape[0] - 1.001), np.clip(xs + 1, 0, p.shape[1] - 1.001)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = ys - y0, xs - x0
    return ((p[y0, x0] * (1 - fx) + p[y0, x0 + 1] * fx) * (1 - fy)
            + (p[y0 + 1, x0] * (1 - fx) + p[y0 + 1, x0 + 1] * fx) * fy)


def warp(a: np.ndarray, rng: np.random.Generator, rotate: float = 12, shear: float = 0.2,
         elastic: float = 0.04) -> np.ndarray:
    """A random small rotation (degrees), shear and smooth elastic field (a fraction of the
    side), as a different hand would write the same digit."""
    n = a.shape[0]
    t = np.deg2rad(rng.uniform(-rotate, rotate))
    sh, sx = rng.uniform(-shear, shear), rng.uniform(0.85, 1.15)
    m = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) @ np.array([[1, sh], [0, sx]])
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2
    src = np.linalg.inv(m) @ np.stack([yy.ravel(), xx.ravel()])
    field = [resample(rng.normal(0, elastic * n, (4, 4)), (n, n)) for _ in range(2)]
    ys = src[0].reshape(n, n) + (n - 1) / 2 + field[0]
    xs = src[1].reshape(n, n) + (n - 1) / 2 + field[1]
    return _bilinear(a, ys, xs)


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning: a binary shape -> its one-pixel centre line."""
    m = np.pad(mask.astype(bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(m, -dy, 0), -dx, 1) for dy, dx in
                 ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
            b = sum(q.astype(int) for q in p)
            a = sum((~p[k] & p[(k + 1) % 8]).astype(int) for k in range(8))
            c1 = (p[0] & p[2] & p[4]) if step == 0 else (p[0] & p[2] & p[6])
            c2 = (p[2] & p[4] & p[6]) if step == 0 else (p[0] & p[4] & p[6])
            drop = m & (b >= 2) & (b <= 6) & (a == 1) & ~c1 & ~c2
            if drop.any():
                m &= ~drop
                changed = True
        if not changed:
            return m[1:-1, 1:-1]


def pen(digit: np.ndarray, rng: np.random.Generator, width: float) -> np.ndarray:
    """A training digit redrawn as a pen line `width` (a fraction of the frame's side) wide:
    (WORK, WORK) float ink coverage in [0, 1]."""
    big = warp(resample(digit.astype(np.float32) / 255, (112, 112)), rng)
    centre = thin(big > 0.45).astype(np.float32)
    line = resample(centre, (WORK, WORK), Image.Resampling.BILINEAR) > 0.3
    sigma = max(0.6, 0.6 * width * WORK / 2)
    soft = np.asarray(Image.fromarray(line.astype(np.uint8) * 255, "L").filter(
        ImageFilter.GaussianBlur(sigma)), np.float32) / 255
    level = 0.25 * float(np.median(soft[line])) if line.any() else 1.0
    return np.clip((soft - level) / (0.5 * level) + 0.5, 0.0, 1.0)


def place(coverage: np.ndarray, canvas: tuple[int, int], frame: int, at: tuple[int, int]
          ) -> np.ndarray:
    """The (WORK, WORK) coverage scaled to frame x frame and put at (left, top) of a canvas
    (w, h) of zeros."""
    w, h = canvas
    out = np.zeros((h, w), np.float32)
    small = np.clip(resample(coverage, (frame, frame), Image.Resampling.BOX if frame < WORK
                            else Image.Resampling.BICUBIC), 0, 1)
    x, y = at
    out[max(0, y):y + frame, max(0, x):x + frame] = small[max(0, -y):h - y, max(0, -x):w - x]
    return out


def light(shape: tuple[int, int], rng: np.random.Generator, low: float) -> np.ndarray:
    """Uneven light: a linear falloff in a random direction times a vignette, from 1 down
    to about `low`."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / max(h - 1, 1) - 0.5, xx / max(w - 1, 1) - 0.5
    t = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(t) * xx + np.sin(t) * yy) + 0.5
    vignette = 1 - rng.uniform(0, 0.8) * (xx ** 2 + yy ** 2)
    out = (1 - (1 - low) * np.clip(ramp, 0, 1)) * vignette
    return out.astype(np.float32)


def compose(coverage: np.ndarray, ink, paper, lit: np.ndarray | float = 1.0,
            noise: float = 0.0, rng: np.random.Generator | None = None) -> Image.Image:
    """Ink over paper, lit and with sensor noise (in 0..255 units): an RGB picture."""
    c = coverage[..., None]
    rgb = (np.asarray(paper, np.float32) * (1 - c) + np.asarray(ink, np.float32) * c)
    rgb = rgb * (lit[..., None] if isinstance(lit, np.ndarray) else lit)
    if noise and rng is not None:
        rgb = rgb + rng.normal(0, noise, rgb.shape[:2])[..., None]
    return Image.fromarray(np.clip(rgb, 0, 255).round().astype(np.uint8), "RGB")


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def jpeg(img: Image.Image, rng: np.random.Generator, lo: int = 55, hi: int = 92) -> bytes:
    return encode(img, "JPEG", quality=int(rng.integers(lo, hi)))


def paper_of(rng: np.random.Generator) -> tuple[int, int, int]:
    base = rng.uniform(228, 252)
    return tuple(int(base + d) for d in (2, 0, rng.uniform(-12, 0)))  # white to warm


# ---------------------------------------------------------------------------- styles
def typeset(rng: np.random.Generator, label: int, scale: float = 1.0) -> tuple[bytes, str, str]:
    """A typed digit, screenshotted: a font, weight and slant, any size, tight or loose,
    light or dark mode, sometimes coloured, sometimes shared as a JPEG."""
    font = FONTS[int(rng.integers(len(FONTS)))]
    path = next(d / font for d in FONT_DIRS if (d / font).exists())
    size = int(rng.integers(18, 200) * scale) + 8
    f = ImageFont.truetype(str(path), size)
    x0, y0, x1, y1 = f.getbbox(str(label))
    pad = [int(rng.uniform(0.05, 1.6) * size) for _ in range(4)]
    w, h = x1 - x0 + pad[0] + pad[2], y1 - y0 + pad[1] + pad[3]
    mode = rng.choice(["light", "light", "light", "dark", "colour"])
    bg, fg = {"light": ((255, 255, 255), (int(rng.integers(0, 70)),) * 3),
              "dark": ((int(rng.integers(20, 50)),) * 3, (int(rng.integers(200, 256)),) * 3),
              "colour": (PAPERS[rng.choice(list(PAPERS))], INKS[rng.choice(list(INKS))])}[mode]
    img = Image.new("RGB", (w, h), bg)
    ImageDraw.Draw(img).text((pad[0] - x0, pad[1] - y0), str(label), font=f, fill=fg)
    data = jpeg(img, rng, 70, 95) if rng.random() < 0.25 else encode(img, "PNG")
    return data, "jpg" if data[:2] == b"\xff\xd8" else "png", font


@dataclass(frozen=True)
class Hand:
    """A handwritten style as numbers. Ranges are (low, high), drawn uniformly per image.

    The picture is w x h pixels (h None: square); the digit's frame is `frame` times its
    shorter side (or `frame_px` pixels) and sits at `where` (per axis, the share of the free
    space left of and above it); the pen is `pen` times the frame wide. Then `finish`:
    "lit", ink (one of `inks`) on `paper` ("warm" white, "coloured" or "ruled")
    under light falling to `light`, with sensor noise, a blur of `blur` px per 1,000 px of
    the longer side, and pencil `grain` when above 0, saved as PNG with chance `png`, else
    as JPEG of `quality`; "screen", a drawing app's black-on-white (or, 30% of the time,
    white-on-black) PNG; "alpha", the ink only in a transparent PNG's alpha channel."""
    about: str
    w: tuple[int, int]
    h: tuple[int, int] | None
    frame: tuple[float, float]
    pen: tuple[float, float]
    finish: str = "lit"
    where: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.5), (0.5, 0.5))
    frame_px: bool = False
    inks: tuple[str, ...] = ("black", "blue-black", "blue")
    paper: str = "warm"
    light: tuple[float, float] = (1.0, 1.0)
    noise: tuple[float, float] = (0.0, 0.0)
    blur: tuple[float, float] = (0.0, 0.0)
    grain: float = 0.0
    png: float = 0.0
    quality: tuple[int, int] = (55, 92)


def handwritten(rng, digit, look: Hand, scale: float = 1.0) -> tuple[bytes, str]:
    """A training digit drawn, placed and finished as `look` says: (file bytes, ext)."""
    w = int(rng.integers(*look.w) * scale)
    h = w if look.h is None else int(rng.integers(*look.h) * scale)
    frame = int(rng.uniform(*look.frame) * (scale if look.frame_px else min(w, h)))
    at = tuple(int(rng.uniform(*share) * (side - frame))
               for share, side in zip(look.where, (w, h), strict=True))
    cov = place(pen(digit, rng, rng.uniform(*look.pen)), (w, h), frame, at)
    if look.finish == "screen":
        fg, bg = ((255,) * 3, (0,) * 3) if rng.random() < 0.3 else ((0,) * 3, (255,) * 3)
        return encode(compose(cov, fg, bg), "PNG"), "png"
    if look.finish == "alpha":
        return transparent(rng, cov), "png"
    paper = paper_of(rng) if look.paper == "warm" else PAPERS[rng.choice(list(PAPERS))] \
        if look.paper == "coloured" else ruled(rng, (w, h), frame)
    ink = INKS[rng.choice(look.inks)]
    if look.grain:  # pencil: graphite a little darker than the paper, patchy along the line
        strength = rng.uniform(0.18, 0.4)
        ink = tuple(p - strength * (p - 60) for p in np.asarray(paper).reshape(-1, 3)[0])
        cov = cov * np.clip(rng.normal(1 - look.grain, look.grain, cov.shape), 0, 1)
    img = compose(cov, ink, paper, light((h, w), rng, rng.uniform(*look.light)),
                  rng.uniform(*look.noise), rng)
    if look.blur[1]:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(*look.blur) * max(w, h) / 1000))
    if rng.random() < look.png:
        return encode(img, "PNG"), "png"
    return jpeg(img, rng, *look.quality), "jpg"


def transparent(rng, cov: np.ndarray) -> bytes:
    """A canvas export with a transparent background: the ink only in the alpha channel,
    dark or light (light ink may sit on black RGB: only alpha tells them apart)."""
    kind = rng.choice(["dark", "light", "light on black", "colour"])
    ink = {"dark": (0, 0, 0), "light": (255, 255, 255), "light on black": (255, 255, 255),
           "colour": INKS[rng.choice(list(INKS))]}[kind]
    rgb = np.broadcast_to(np.asarray(ink, np.uint8), cov.shape + (3,)).copy()
    if kind == "light on black":
        rgb[cov == 0] = 0
    a = (cov * 255).round().astype(np.uint8)[..., None]
    return encode(Image.fromarray(np.concatenate([rgb, a], 2), "RGBA"), "PNG")


def ruled(rng, size: tuple[int, int], frame: int) -> np.ndarray:
    """A (h, w, 3) page ruled (sometimes with a red margin) or squared, lines about a
    fifth of the digit's frame apart, sometimes photographed askew."""
    w, h = size
    paper = np.zeros((h, w), np.float32)
    step = int(frame * rng.uniform(0.12, 0.3))
    lw = max(1, int(rng.uniform(0.004, 0.012) * frame))
    off, squared = int(rng.integers(step)), rng.random() < 0.5
    for y in range(off, h, step):
        paper[y:y + lw] = 1
    for x in range(off, w, step) if squared else ():
        paper[:, x:x + lw] = 1
    if not squared and rng.random() < 0.5:  # a red margin line
        x = int(rng.uniform(0.05, 0.25) * w)
        paper[:, x:x + lw + 1] = 2
    if rng.random() < 0.5:
        big = Image.fromarray(np.tile(paper, (3, 3)), "F").rotate(rng.uniform(-3, 3),
                                                                  Image.Resampling.BILINEAR)
        paper = np.asarray(big, np.float32)[h:2 * h, w:2 * w]
    line_ink = np.asarray([(130, 170, 225), (150, 150, 150), (120, 190, 170)][
        int(rng.integers(3))], np.float32)
    lines, margin = np.clip(paper, 0, 1)[..., None], np.clip(paper - 1, 0, 1)[..., None]
    return (np.asarray(paper_of(rng), np.float32) * (1 - lines) + line_ink * (lines - margin)
            + np.float32([220, 90, 90]) * margin)


WARM = ("black", "blue-black")
HANDS = {
    "photo": Hand("pen on paper, photographed: uneven light, blur, JPEG", (768, 1600),
                  (768, 1280), (0.45, 0.95), (0.025, 0.06), where=((0.1, 0.9), (0.1, 0.9)),
                  light=(0.35, 0.8), noise=(2, 7), blur=(0.25, 1.33)),
    "canvas": Hand("thin anti-aliased strokes on a drawing app's canvas", (200, 560), None,
                   (0.9, 1.25), (0.003, 0.02), "screen", where=((0.3, 0.7), (0.3, 0.7))),
    "transparent": Hand("canvas exports with ink only in alpha, dark or light", (280, 512),
                        None, (0.85, 1.2), (0.03, 0.09), "alpha"),
    "colour": Hand("coloured ink on white or coloured paper", (300, 900), (300, 900),
                   (0.6, 1.1), (0.03, 0.08), where=((0.3, 0.7), (0.5, 0.5)),
                   inks=("blue", "red", "green", "purple", "orange", "pink"),
                   paper="coloured", light=(0.75, 1.0), noise=(0, 4), png=0.5),
    "small": Hand("a small digit off-centre in a large picture", (1200, 2400), (900, 1800),
                  (40, 130), (0.06, 0.12), frame_px=True, where=((0.1, 0.9), (0.15, 0.85)),
                  inks=WARM, light=(0.7, 0.95), noise=(1, 5), quality=(70, 92)),
    "marker": Hand("a thick felt marker", (500, 1100), (500, 1100), (0.6, 1.0), (0.1, 0.17),
                   where=((0.5, 0.5), (0.3, 0.7)), inks=("black", "blue", "red", "green"),
                   light=(0.6, 0.95), noise=(1, 5)),
    "pencil": Hand("faint grainy pencil", (400, 1000), (400, 1000), (0.6, 1.0), (0.02, 0.05),
                   light=(0.8, 1.0), noise=(1, 4), blur=(0.6, 1.0), grain=0.25, png=0.4,
                   quality=(75, 95)),
    "lined": Hand("on ruled or squared paper", (500, 1200), (500, 1200), (0.5, 0.9),
                  (0.03, 0.07), where=((0.25, 0.75), (0.5, 0.5)), paper="ruled",
                  light=(0.6, 1.0), noise=(1, 4), png=0.3),
}
STYLES: dict[str, str] = {
    "typeset": "typed digits in 24 fonts, weights and slants, screenshotted",
    **{name: look.about for name, look in HANDS.items()},
}


def make(style: str, index: int, seed: int = 0, scale: float = 1.0) -> Sample:
    """One image; it depends only on (seed, style, index)."""
    rng = np.random.default_rng([seed, list(STYLES).index(style), index])
    label = index % 10
    if style == "typeset":
        data, ext, source = typeset(rng, label, scale)
    else:
        digit, i = pick_digit(rng, label)
        data, ext = handwritten(rng, digit, HANDS[style], scale)
        source = f"train #{i}"
    return Sample(style, index, label, source, data, ext)


def styled_set(make, styles, per_style: int, seed: int) -> Iterator[Sample]:
    """make(style, index, seed) for `per_style` images of each style (this set or another)."""
    for style in styles:
        for i in range(per_style):
            yield make(style, i, seed)


def digit_set(per_style: int = 80, seed: int = 0, styles=None) -> Iterator[Sample]:
    return styled_set(make, styles or STYLES, per_style, seed)


def set_parser(prog: str, doc: str, per_style: int) -> argparse.ArgumentParser:
    """The flags of a set's command: where to write it, how many a style, the seed."""
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--per-style", type=int, default=per_style)
    ap.add_argument("--seed", type=int, default=0)
    return ap


def big_photo(seed: int = 0, label: int = 4) -> bytes:
    """A 12-megapixel (4000 x 3000) JPEG photo of a pen digit, with a phone's sensor grain
    and quality, so the file is as big as a phone's (a few MB)."""
    rng = np.random.default_rng([seed, 99])
    photo = dataclasses.replace(HANDS["photo"], w=(4000, 4001), h=(3000, 3001))
    data = handwritten(rng, pick_digit(rng, label)[0], photo)[0]
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float32)
    rgb = rgb + rng.normal(0, 4, rgb.shape).astype(np.float32)
    return encode(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)), "JPEG", quality=92)


# ---------------------------------------------------------------------------- examples
EXAMPLE_SEED = 2024  # not the evaluation set's seed
EXAMPLES = [("typeset", 3, "type"), ("photo", 7, "photo"), ("canvas", 2, "canvas"),
            ("transparent", 5, "alpha"), ("colour", 4, "colour"), ("small", 9, "small"),
            ("marker", 8, "marker"), ("pencil", 6, "pencil"), ("lined", 1, "ruled")]
PHOTOGRAPHED = ("photo", "colour", "small", "marker", "pencil", "lined")


def examples(out_dir: Path) -> list[dict]:
    """The app's example row: one small file per style (photographs as JPEG, as
    cameras write them; drawings and type as PNG) and an index.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.*"):
        old.unlink()
    index = []
    for style, i, short in EXAMPLES:
        s = make(style, i, EXAMPLE_SEED, scale=0.4 if style in ("small", "photo") else 0.6)
        img = Image.open(io.BytesIO(s.data))
        img.load()
        img.thumbnail((240, 240), Image.Resampling.LANCZOS)
        if style in PHOTOGRAPHED:
            name = f"{style}-{s.label}.jpg"
            img.convert("RGB").save(out_dir / name, "JPEG", quality=80, optimize=True)
        else:
            name = f"{style}-{s.label}.png"
            img = img.convert("RGBA") if img.mode in ("RGBA", "LA") else img.convert("RGB")
            if img.mode == "RGB":
                img = img.quantize(64, dither=Image.Dither.NONE)
            img.save(out_dir / name, "PNG", optimize=True)
        index.append({"file": name, "style": style, "name": short, "label": s.label,
                      "about": STYLES[style]})
    (out_dir / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return index


def main() -> None:
    ap = set_parser("python -m bench.digitset", __doc__, 80)
    ap.add_argument("--examples", action="store_true", help="write the app's example row")
    a = ap.parse_args()
    if a.examples:
        for e in examples(a.out_dir):
            print(f"{e['file']:24} {(a.out_dir / e['file']).stat().st_size:>8} bytes")
        return
    a.out_dir.mkdir(parents=True, exist_ok=True)
    for s in digit_set(a.per_style, a.seed):
        (a.out_dir / s.name).write_bytes(s.data)
    print(f"wrote {len(STYLES) * a.per_style} images to {a.out_dir}")


if __name__ == "__main__":
    main()
