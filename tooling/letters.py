"""A picture collection to test and measure "your own images" with: typeset letters in the
fonts of Debian's fonts-dejavu-core (the browser tests' package), each drawn at its own size,
angle, position, weight and ink on its own paper, saved as PNG or JPEG into a zip (one
folder per class, inside one top folder, as a person's zipped folder is) or a folder.

    python -m tooling.letters out.zip --per-class 150           # 10 letters, 1,500 images
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = [Path("/usr/share/fonts/truetype/dejavu") / f for f in (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")]
LETTERS = "abcdefghij"


def _font(path: Path, size: int):
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:  # no DejaVu here: Pillow's own font still makes distinct letters
        return ImageFont.load_default(size)


def letter(ch: str, rng: np.random.Generator, size: int = 64) -> Image.Image:
    """One letter as a person might photograph or export it: dark ink on light paper,
    anywhere in the picture, at an angle."""
    font = _font(FONTS[int(rng.integers(len(FONTS)))], int(rng.integers(28, 48)))
    paper = int(rng.integers(200, 256))
    ink = int(rng.integers(0, 90))
    glyph = Image.new("L", (size, size), 0)
    ImageDraw.Draw(glyph).text((size / 2, size / 2), ch, fill=255, font=font, anchor="mm")
    glyph = glyph.rotate(float(rng.normal(0, 8)), resample=Image.Resampling.BICUBIC,
                         translate=tuple(rng.integers(-8, 9, 2).tolist()))
    mask = np.asarray(glyph, np.float32) / 255
    page = paper + (ink - paper) * mask + rng.normal(0, 4, mask.shape)
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), "L").convert("RGB")


def encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buf.getvalue()


def pictures(per_class: int, classes: str = LETTERS, seed: int = 0):
    """(class, file name, bytes) for `per_class` pictures of each letter."""
    rng = np.random.default_rng(seed)
    for ch in classes:
        for k in range(per_class):
            fmt = "JPEG" if k % 3 == 2 else "PNG"
            yield ch, f"{ch}_{k:04d}.{'jpg' if fmt == 'JPEG' else 'png'}", encode(
                letter(ch, rng), fmt)


def letters_zip(path: Path | str, per_class: int = 150, classes: str = LETTERS,
                seed: int = 0, top: str | None = "letters", labelled: bool = True) -> Path:
    """A zip of letters: top/<letter>/<file> (no class folders when not `labelled`)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for ch, name, raw in pictures(per_class, classes, seed):
            parts = [p for p in (top, ch if labelled else None, name) if p]
            zf.writestr("/".join(parts), raw)
    return path


def letters_folder(path: Path | str, per_class: int = 150, classes: str = LETTERS,
                   seed: int = 0) -> Path:
    path = Path(path)
    for ch, name, raw in pictures(per_class, classes, seed):
        (path / ch).mkdir(parents=True, exist_ok=True)
        (path / ch / name).write_bytes(raw)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a .zip file, or a folder")
    ap.add_argument("--per-class", type=int, default=150)
    ap.add_argument("--classes", default=LETTERS)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    write = letters_zip if a.out.suffix == ".zip" else letters_folder
    write(a.out, a.per_class, a.classes, a.seed)
    print(f"wrote {a.out}: {a.per_class * len(a.classes)} pictures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
