"""A corpus of bad and odd uploads for `explorer.preprocess.to_mnist`, generated on demand.

Nothing here is committed as data: `build_corpus(out_dir)` writes every file (about 60: most
tiny, plus 20 MB and 26 MB uploads, a 48 MP JPEG and a 16 MP PNG) and returns what each one
should give. Run

    python tests/make_upload_corpus.py OUT_DIR        # write the files and list them
    python tests/make_upload_corpus.py --measure      # time and memory of to_mnist per case

The measurement runs each case in a fresh forked process and reports wall seconds and the
growth of peak RSS over the process's size before the call.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from explorer.preprocess.mnist_style import ImageError, to_mnist  # noqa: E402

ERROR, DIGIT, EITHER = "error", "digit", "either"


@dataclass(frozen=True)
class CorpusCase:
    filename: str
    description: str
    expect: str  # ERROR, DIGIT or EITHER
    match: str = ""  # for ERROR: a substring of the message
    make: Callable[[], bytes] = field(default=lambda: b"", repr=False, compare=False)


# ---------------------------------------------------------------------------- pictures
def seven(size: tuple[int, int] = (120, 140), ink: object = 0, paper: object = 255,
          mode: str = "L", width: int = 12) -> Image.Image:
    """A thick "7" drawn as two strokes, in the middle of the canvas."""
    w, h = size
    img = Image.new(mode, size, paper)
    pts = [(0.2 * w, 0.15 * h), (0.8 * w, 0.15 * h), (0.38 * w, 0.85 * h)]
    ImageDraw.Draw(img).line(pts, fill=ink, width=width)
    return img


def encode(img: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_header_only(w: int, h: int) -> bytes:
    """A tiny PNG whose IHDR claims w x h (1-bit grey) with a few hundred bytes of IDAT."""
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def bad_crc(data: bytes, kind: bytes) -> bytes:
    """Flip the CRC of the first chunk of `kind` in a PNG."""
    i = data.index(kind)
    n = struct.unpack(">I", data[i - 4:i])[0]
    j = i + 4 + n
    return data[:j] + bytes(b ^ 0xFF for b in data[j:j + 4]) + data[j + 4:]


def jpeg_claiming(w: int, h: int) -> bytes:
    """A real small JPEG whose SOF0 header is patched to claim w x h."""
    data = bytearray(encode(seven(), "JPEG"))
    i = data.index(b"\xff\xc0")
    data[i + 5:i + 9] = struct.pack(">HH", h, w)
    return bytes(data)


def truncated(data: bytes, at: float | int) -> bytes:
    return data[:at] if isinstance(at, int) else data[:int(len(data) * at)]


def frames(fmt: str, first: Image.Image, second: Image.Image) -> bytes:
    return encode(first, fmt, save_all=True, append_images=[second], duration=200, loop=0)


def transparent_canvas(ink: tuple[int, int, int, int]) -> Image.Image:
    """A canvas export: fully transparent black background, opaque strokes."""
    return seven(mode="RGBA", ink=ink, paper=(0, 0, 0, 0))


def palette_with_transparency() -> bytes:
    img = seven(ink=1, paper=0).convert("P")
    img.putpalette([255, 255, 255, 0, 0, 0])
    return encode(img, "PNG", transparency=0)


def exif_rotated(orientation: int = 6, upright: Image.Image | None = None,
                 quality: int = 90) -> bytes:
    """Pixels stored lying on their side, with the EXIF orientation (6: "rotate 90
    clockwise", 8: "270") that makes them upright again."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    turn = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}[orientation]
    stored = (upright or seven((480, 560), width=40)).transpose(turn)
    return encode(stored.convert("RGB"), "JPEG", exif=exif.tobytes(), quality=quality)


def noise(size: tuple[int, int], mode: str = "L", seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


def deep(mode: str) -> Image.Image:
    a = np.asarray(seven(), dtype=np.float64) / 255.0
    if mode == "I;16":
        return Image.fromarray((a * 65535).astype(np.uint16))
    if mode == "I":
        return Image.fromarray((a * 1_000_000).astype(np.int32), "I")
    return Image.fromarray(a.astype(np.float32), "F")


def big_photo() -> bytes:
    """An 8000 x 6000 (48 MP) grey JPEG of a digit: over MAX_PIXELS, but decoded at 1/4 size."""
    return encode(seven((8000, 6000), ink=50, paper=225, width=300), "JPEG", quality=80)


def big_rgba() -> bytes:
    """A 4000 x 4000 (16 MP) RGBA PNG, at the limit: the slowest valid decode."""
    return encode(seven((4000, 4000), ink=(0, 0, 0, 255), paper=(255, 255, 255, 255),
                        mode="RGBA", width=300), compress_level=1)


def padded(total: int) -> bytes:
    """A valid PNG digit followed by junk up to `total` bytes (PNG readers stop at IEND)."""
    data = encode(seven())
    return data + b"\x00" * (total - len(data))


def wide_line(w: int, h: int) -> bytes:
    img = Image.new("L", (w, h), 255)
    ImageDraw.Draw(img).line([(w // 4, h // 2), (3 * w // 4, h // 2)], fill=0, width=max(1, h // 3))
    return encode(img)


# ---------------------------------------------------------------------------- the cases
def corpus_cases() -> list[CorpusCase]:
    """Every case, with a function that makes its bytes (cheap to list, built on demand)."""
    png, jpg, gif = encode(seven()), encode(seven(), "JPEG"), encode(seven(), "GIF")
    blank = Image.new("L", (120, 140), 255)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L9 9"/></svg>'
    cases = [
        CorpusCase("empty.png", "zero bytes", ERROR, "empty", lambda: b""),
        CorpusCase("text.png", "plain text named .png", ERROR, "looks like text",
                   lambda: b"This is my digit, a seven.\nThanks!\n" * 10),
        CorpusCase("page.png", "an HTML page saved as .png", ERROR, "HTML",
                   lambda: b"<!DOCTYPE html><html><body><img src='7.png'></body></html>"),
        CorpusCase("doc.png", "a PDF named .png", ERROR, "PDF",
                   lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
        CorpusCase("drawing.png", "an SVG named .png", ERROR, "SVG", lambda: svg),
        CorpusCase("drawing_xml.png", "SVG with BOM and XML prolog", ERROR, "SVG",
                   lambda: b"\xef\xbb\xbf<?xml version='1.0'?>\n" + svg),
        CorpusCase("postscript.png", "EPS (PIL would call Ghostscript): refused", ERROR,
                   "looks like text", lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n"),
        CorpusCase("random.png", "4 KB of random bytes", ERROR, "not an image",
                   lambda: np.random.default_rng(1).bytes(4096)),
        CorpusCase("digit.tga", "a TGA (not an accepted format)", ERROR, "not an image",
                   lambda: encode(seven(), "TGA")),
        CorpusCase("png_crc_ihdr.png", "PNG with a corrupt IHDR CRC", ERROR, "corrupt",
                   lambda: bad_crc(png, b"IHDR")),
        CorpusCase("png_crc_idat.png", "PNG with a corrupt IDAT CRC (pixels intact)", EITHER,
                   "", lambda: bad_crc(png, b"IDAT")),
        CorpusCase("bomb_50000.png", "PNG whose IHDR claims 50000 x 50000", ERROR,
                   "the limit is 16 megapixels", lambda: png_header_only(50000, 50000)),
        CorpusCase("bomb_10000.png", "PNG claiming 10000 x 10000 (PIL's warning range)",
                   ERROR, "the limit is 16 megapixels", lambda: png_header_only(10000, 10000)),
        CorpusCase("bomb_7000x6000.png", "PNG claiming 7000 x 6000 (42 MP, under PIL's limit)",
                   ERROR, "7000 x 6000", lambda: png_header_only(7000, 6000)),
        CorpusCase("webp_17mp.webp", "17 MP WebP (WebP's limit is 16 MP)", ERROR,
                   "the limit is 16 megapixels",
                   lambda: encode(Image.new("L", (4250, 4000), 255), "WEBP", lossless=True)),
        CorpusCase("bomb.jpg", "JPEG whose SOF claims 65000 x 65000", ERROR,
                   "the limit is 16 megapixels", lambda: jpeg_claiming(65000, 65000)),
        CorpusCase("one_pixel.png", "1 x 1 image", ERROR, "No ink",
                   lambda: encode(Image.new("L", (1, 1), 0))),
        CorpusCase("wide_10000x10.png", "10000 x 10 with a dash", EITHER, "",
                   lambda: wide_line(10000, 10)),
        CorpusCase("tall_10x10000.png", "10 x 10000, blank", ERROR, "No ink",
                   lambda: encode(Image.new("L", (10, 10000), 255))),
        CorpusCase("white.png", "all white", ERROR, "No ink", lambda: encode(blank)),
        CorpusCase("black.png", "all black", ERROR, "No ink",
                   lambda: encode(Image.new("L", (64, 64), 0))),
        CorpusCase("teal.jpg", "uniform colour JPEG", ERROR, "No ink",
                   lambda: encode(Image.new("RGB", (300, 200), (0, 128, 128)), "JPEG")),
        CorpusCase("noise.png", "uniform grey noise", EITHER, "",
                   lambda: encode(noise((256, 256)))),
        CorpusCase("noise_rgb.jpg", "colour noise JPEG", EITHER, "",
                   lambda: encode(noise((300, 300), "RGB"), "JPEG")),
        CorpusCase("gif_first_blank.gif", "animated GIF whose first frame is blank", ERROR,
                   "No ink", lambda: frames("GIF", blank, seven())),
        CorpusCase("over_25mb.png", "a 26 MB upload", ERROR, "25 MB",
                   lambda: padded(26 * 1024 * 1024)),
        CorpusCase("padded_20mb.png", "valid PNG plus junk: a 20 MB upload", DIGIT, "",
                   lambda: padded(20 * 1024 * 1024)),
    ]
    for name, data in (("png", png), ("jpg", jpg), ("gif", gif)):
        for at in (10, 0.5, 0.9):
            label = f"{at}B" if isinstance(at, int) else f"{round(at * 100)}pc"
            cases.append(CorpusCase(f"truncated_{label}.{name}", f"{name} cut at {label}",
                                    ERROR, "truncated or corrupt",
                                    lambda d=data, a=at: truncated(d, a)))
    digits = [
        ("digit.png", "PNG, black on white", lambda: png),
        ("digit_white_on_black.png", "PNG, white on black (MNIST polarity)",
         lambda: encode(seven(ink=255, paper=0))),
        ("digit.jpg", "JPEG", lambda: jpg),
        ("digit_progressive.jpg", "progressive JPEG", lambda: encode(seven(), "JPEG",
                                                                      progressive=True)),
        ("digit.gif", "GIF", lambda: gif),
        ("digit.bmp", "BMP", lambda: encode(seven(), "BMP")),
        ("digit.webp", "WebP", lambda: encode(seven(), "WEBP")),
        ("digit.tif", "TIFF, LZW", lambda: encode(seven(), "TIFF", compression="tiff_lzw")),
        ("digit_16bit.png", "16-bit grey PNG (I;16)", lambda: encode(deep("I;16"))),
        ("digit_i32.tif", "32-bit integer TIFF (mode I)", lambda: encode(deep("I"), "TIFF")),
        ("digit_float.tif", "float TIFF (mode F)", lambda: encode(deep("F"), "TIFF")),
        ("digit_cmyk.jpg", "CMYK JPEG", lambda: encode(seven().convert("CMYK"), "JPEG")),
        ("digit_palette_trns.png", "palette PNG with a transparent index",
         palette_with_transparency),
        ("digit_la.png", "LA PNG", lambda: encode(seven().convert("LA"))),
        ("digit_grey_trns.png", "grey PNG with tRNS", lambda: encode(seven(), transparency=255)),
        ("digit_1bit.png", "1-bit PNG", lambda: encode(seven().convert("1"))),
        ("digit_blue_ink.png", "blue ink on off-white paper",
         lambda: encode(seven(ink=(30, 50, 200), paper=(250, 248, 240), mode="RGB"))),
        ("canvas_dark.png", "transparent canvas, black strokes",
         lambda: encode(transparent_canvas((0, 0, 0, 255)))),
        ("canvas_light.png", "transparent canvas, white strokes",
         lambda: encode(transparent_canvas((255, 255, 255, 255)))),
        ("animated.gif", "animated GIF, digit first", lambda: frames("GIF", seven(), blank)),
        ("animated.png", "APNG, digit first", lambda: frames("PNG", seven(), blank)),
        ("exif_rotated.jpg", "JPEG stored on its side, EXIF orientation 6",
         lambda: exif_rotated(6)),
        ("jpeg_named.png", "a JPEG named .png", lambda: jpg),
        ("photo_48mp.jpg", "8000 x 6000 photo (JPEG: decoded at reduced size)", big_photo),
        ("rgba_16mp.png", "4000 x 4000 RGBA PNG, at the 16 MP limit", big_rgba),
    ]
    cases += [CorpusCase(n, d, DIGIT, "", m) for n, d, m in digits]
    return cases


def build_corpus(out_dir: Path) -> list[CorpusCase]:
    """Write every case's file into out_dir and return the cases."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = corpus_cases()
    for case in cases:
        (out_dir / case.filename).write_bytes(case.make())
    return cases


# ---------------------------------------------------------------------------- measuring
def outcome(data: bytes) -> str:
    """"digit", or "error: <message>" for an ImageError (anything else propagates)."""
    try:
        to_mnist(data)
    except ImageError as e:
        return f"error: {e}"
    return DIGIT


def _measure_one(path: str) -> tuple[str, float, float]:
    """In a fresh forked child: outcome, seconds, and peak RSS growth in MB."""
    import psutil

    data = Path(path).read_bytes()
    before = psutil.Process().memory_info().rss
    t0 = time.perf_counter()
    result = outcome(data)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    return result, seconds, max(0, peak - before) / 2**20


def measure_corpus(out_dir: Path) -> list[tuple[str, str, float, float]]:
    """Print a table of case, outcome, seconds and peak RSS growth; return its rows."""
    cases = build_corpus(out_dir)
    rows = []
    ctx = get_context("fork")
    print(f"{'case':28} {'expect':6} {'s':>6} {'MB':>7}  outcome")
    for case in cases:
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            result, seconds, mb = pool.submit(_measure_one, str(out_dir / case.filename)).result()
        rows.append((case.filename, result, seconds, mb))
        print(f"{case.filename:28} {case.expect:6} {seconds:6.3f} {mb:7.1f}  {result[:90]}")
    print(f"max seconds {max(r[2] for r in rows):.3f}, max peak RSS growth "
          f"{max(r[3] for r in rows):.1f} MB over {len(rows)} cases")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", help="where to write (default: a temp folder)")
    parser.add_argument("--measure", action="store_true", help="time to_mnist on every case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="upload-corpus-") as tmp:
        out = Path(args.out_dir or tmp)
        if args.measure:
            measure_corpus(out)
        else:
            for case in build_corpus(out):
                size = os.path.getsize(out / case.filename)
                print(f"{case.filename:28} {case.expect:6} {size:>10}  {case.description}")


if __name__ == "__main__":
    main()
