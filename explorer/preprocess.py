"""Any uploaded image -> a 28x28 MNIST-like array (float32 in [0, 1], ink = 1), or an ImageError.

The steps follow the way MNIST was made (LeCun et al.): the digit's bounding box is scaled
to fit 20x20 with antialiasing, then pasted into 28x28 with its centre of mass at the centre.
Each step is a small function, testable alone; `to_mnist` chains them:

    open_image -> flatten_alpha -> to_gray -> to_ink -> crop_to_ink -> thicken_strokes
               -> fit_20x20 -> center_by_mass

Uploads are untrusted: byte and pixel limits are checked before any pixel is decoded, only
common formats are opened, big images are shrunk before numpy sees them, and every failure
becomes an ImageError a person can act on. PIL's global settings are left alone.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageFilter, ImageOps, UnidentifiedImageError

MAX_BYTES = 25 * 1024 * 1024  # bigger uploads are refused unread: no digit needs that much
MAX_PIXELS = 16_000_000  # checked on the header, before decoding: stops decompression bombs
# (a 16 MP RGBA image needs about 130 MB while it is shrunk; cameras write JPEG, below)
FORMAT_MAX_PIXELS = {  # exceptions to MAX_PIXELS
    "JPEG": 80_000_000,  # decoded at 1/2 to 1/8 size (`draft`), so big phone photos are fine
    "MPO": 80_000_000,  # a JPEG with extra frames (some cameras)
}
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # JPEG includes cameras' MPO files
MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF", b"II*\x00", b"MM\x00*")
WORK_SIDE = 1024  # long side for the numpy steps; a digit ends 20 px tall anyway
BOX = 20  # MNIST scaled each digit's bounding box to fit 20x20 ...
SIDE = 28  # ... and centred its mass in a 28x28 field
CENTRE = 14.0  # MNIST's mean centre of mass, measured in pixel indices: (14.0, 14.0)
STROKE = 1.8  # median MNIST stroke width in px (ink > 0.5); thinner pen lines are widened
MIN_CONTRAST = 0.1  # ink must stand this far (0..1) above the background's noise

CORRUPT = "The image file is truncated or corrupt"
NO_INK = "No ink found: the image is blank"
NOT_IMAGE = "This file is not an image we can read"
TOO_BIG = "The image is too large to process"
UNEXPECTED = "This image could not be processed: please try another file or format"


class ImageError(ValueError):
    """An upload that cannot become a digit; str(error) is written for the person uploading."""


def read_bytes(data: bytes | bytearray | memoryview | BinaryIO) -> bytes:
    """The upload's bytes (reading at most one byte past the limit), refusing empty or huge."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    elif hasattr(data, "read"):
        try:
            if getattr(data, "seekable", lambda: False)():
                data.seek(0)  # Streamlit's UploadedFile may have been read already
            raw = bytes(data.read(MAX_BYTES + 1))  # a text-mode file gives str: TypeError
        except (OSError, ValueError, TypeError) as e:
            raise ImageError("The file could not be read as binary data") from e
    else:
        raise ImageError(f"Expected image bytes, a file or a PIL image, not {type(data).__name__}")
    if not raw:
        raise ImageError("The file is empty")
    if len(raw) > MAX_BYTES:
        size = "larger than that" if hasattr(data, "read") else f"{len(raw) / 2**20:.1f} MB"
        raise ImageError(f"The file is {size}; the limit is {MAX_BYTES >> 20} MB")
    return raw


def sniff(raw: bytes) -> None:
    """Refuse documents that are often renamed .png (PDF, SVG, HTML), saying which they are."""
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        what = "a PDF document): export the page as PNG or JPEG"
    elif b"<svg" in head:
        what = "an SVG drawing): SVG drawings are not supported, export it as PNG"
    elif head.startswith(b"<!doctype html") or b"<html" in head:
        what = "a web page, HTML): save the image itself, not the page"
    else:
        return
    raise ImageError(f"{NOT_IMAGE} (it looks like {what}")


def _unreadable(raw: bytes) -> ImageError:
    """The error for bytes PIL could not identify: a broken image, text, or anything else."""
    if raw.startswith(MAGIC):
        return ImageError(CORRUPT)
    text = raw[:512].decode("utf-8", errors="replace")
    if "\x00" not in text and sum(c.isprintable() or c in "\t\r\n" for c in text) > .95 * len(text):
        return ImageError(f"{NOT_IMAGE} (it looks like text)")
    return ImageError(f"{NOT_IMAGE}: use PNG, JPEG, GIF, BMP, WebP or TIFF")


def check_size(size: tuple[int, int], limit: int = MAX_PIXELS) -> None:
    """Refuse a pixel count over the limit; called on the header, before decoding."""
    if min(size) < 1:
        raise ImageError("The image has no pixels")
    if size[0] * size[1] > limit:
        raise ImageError(f"The image is {size[0]} x {size[1]} pixels; "
                         f"the limit is {limit // 1_000_000} megapixels")


def _orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # noqa: BLE001 - malformed EXIF: show the picture as stored
        return 1


def normalise_mode(img: Image.Image) -> Image.Image:
    """One of L, LA, RGB, RGBA or F: palette or tRNS transparency becomes alpha, CMYK and other
    colour spaces become RGB, and 16/32-bit or float greys become F scaled to 0..255 (PIL's
    convert("L") would clip them instead)."""
    if img.mode in ("L", "RGB", "1", "P") and "transparency" in img.info:
        return img.convert("LA" if img.mode in ("L", "1") else "RGBA")
    if img.mode in ("L", "LA", "RGB", "RGBA"):
        return img
    if img.mode.startswith("I") or img.mode == "F":
        a = np.nan_to_num(np.asarray(img, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        lo, hi = float(a.min()), float(a.max())
        if img.mode.startswith("I;16"):
            a = a / 257.0
        elif lo >= 0.0 and hi <= 1.0:
            a = a * 255.0  # float images in 0..1
        elif lo < 0.0 or hi > 255.0:
            a = (a - lo) * (255.0 / max(hi - lo, 1e-12))
        return Image.fromarray(np.ascontiguousarray(a, dtype=np.float32), "F")
    if img.mode in ("1", "P"):
        return img.convert("L" if img.mode == "1" else "RGB")
    if img.mode.endswith(("A", "a")):  # PA, La, RGBa (CMYK, YCbCr, LAB, HSV have no alpha)
        return img.convert("LA" if img.mode == "La" else "RGBA")
    return img.convert("RGB")


def open_image(data: bytes | BinaryIO | Image.Image) -> Image.Image:
    """Decode an upload safely into an image in mode L, LA, RGB, RGBA or F.

    Limits come first (bytes, then the header's pixel count). Only the first frame of an
    animation is decoded, JPEGs at reduced size (`draft`); the EXIF orientation is applied and
    the result is area-averaged down to at most WORK_SIDE on its long side.
    """
    img = data if isinstance(data, Image.Image) else None
    raw = b""
    try:
        with warnings.catch_warnings():  # PIL warns, then errs, on pixel bombs: both refused
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if img is None:
                raw = read_bytes(data)
                sniff(raw)
                img = Image.open(io.BytesIO(raw), formats=FORMATS)  # reads the header only
            check_size(img.size, FORMAT_MAX_PIXELS.get(img.format or "", MAX_PIXELS))
            if raw and img.format in ("JPEG", "MPO"):
                img.draft(img.mode, (WORK_SIDE, WORK_SIDE))  # decode at 1/2, 1/4 or 1/8 size
                check_size(img.size)
            img.load()  # the first frame only; a truncated file raises here
            if img.mode in ("1", "P", "PA") or "transparency" in img.info:
                img = normalise_mode(img)  # before resizing, which would pick nearest pixels
            if _orientation(img) != 1:
                img = ImageOps.exif_transpose(img)  # phone photos store rotation in EXIF
            if max(img.size) > WORK_SIDE:
                s = WORK_SIDE / max(img.size)
                size = (max(1, round(img.width * s)), max(1, round(img.height * s)))
                gap = None if img.mode.startswith("I;16") else 2.0  # reduce() first: faster
                img = img.resize(size, Image.Resampling.BOX, reducing_gap=gap)
            return normalise_mode(img)
    except ImageError:
        raise
    except UnidentifiedImageError as e:
        raise _unreadable(raw) from e
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        found = re.search(r"\((\d+) pixels\)", str(e))  # PIL: "Image size (N pixels) exceeds"
        size = f"{int(found[1]) // 1_000_000} megapixels" if found else "far too large"
        raise ImageError(f"The image is {size}; the limit is {MAX_PIXELS // 10**6} megapixels"
                         ) from e
    except Exception as e:  # noqa: BLE001 - decoders fail in many ways on broken files
        raise ImageError(TOO_BIG if isinstance(e, MemoryError) else CORRUPT) from e


def flatten_alpha(img: Image.Image) -> Image.Image:
    """Composite LA/RGBA onto a page colour so that transparent pixels become background.

    When most pixels are transparent (a canvas export) the opaque ones are the strokes, and
    the page takes the opposite shade so that dark and light strokes both stay visible.
    Otherwise the opaque pixels are mostly paper, and the page continues their median shade.
    """
    if img.mode not in ("LA", "RGBA"):
        return img
    rgba, flat_mode = img.convert("RGBA"), img.mode[:-1]  # LA -> L, RGBA -> RGB
    opaque = np.asarray(rgba.getchannel("A")) >= 128
    shade = np.asarray(rgba.convert("L"))[opaque]
    if shade.size == 0 or opaque.mean() < 0.5:
        page = 0 if shade.size and np.median(shade) >= 128 else 255
    else:
        page = int(np.median(shade))
    paper = Image.new("RGBA", rgba.size, (page, page, page, 255))
    return Image.alpha_composite(paper, rgba).convert(flat_mode)


def to_gray(img: Image.Image) -> np.ndarray:
    """Luminance in [0, 1] (ITU-R 601: .299 R + .587 G + .114 B), so coloured ink keeps its
    contrast with paper: blue ink is nearly as dark as black."""
    if img.mode == "F":
        return np.clip(np.asarray(img, dtype=np.float32) / 255.0, 0.0, 1.0)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


def _resample(a: np.ndarray, size: tuple[int, int], method: Image.Resampling) -> np.ndarray:
    img = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32), "F")
    return np.asarray(img.resize(size, method), dtype=np.float32)


def _coarse(a: np.ndarray, cells: int) -> tuple[int, int]:
    """(w, h) of a copy of `a` with at most `cells` pixels on its long side."""
    s = min(1.0, cells / max(a.shape))
    return max(1, round(a.shape[1] * s)), max(1, round(a.shape[0] * s))


def ink_polarity(gray: np.ndarray) -> bool:
    """True when the ink is darker than its page (pen on paper).

    MNIST is white-on-black (ink = 1, background = 0), so such drawings must be inverted.
    The ink is the minority of pixels that departs strongly from the local background: compare
    the energy of departures below and above a blurred copy (which also removes uneven light).
    """
    blur = _resample(_resample(gray, _coarse(gray, 8), Image.Resampling.BOX),
                     (gray.shape[1], gray.shape[0]), Image.Resampling.BILINEAR)
    d = gray - blur
    return float(np.square(np.minimum(d, 0)).sum()) > float(np.square(np.maximum(d, 0)).sum())


def remove_background(ink: np.ndarray) -> np.ndarray:
    """Remove a background estimate from white-on-black ink (uneven light on photos).

    The estimate is a grey opening (min, then max filter) of a coarse copy: it follows shading
    and large patches but not strokes narrower than about a quarter of the image.
    """
    small_size = _coarse(ink, 64)
    k = min(15, max(small_size) // 8 * 2 + 1, (min(small_size) - 1) // 2 * 2 + 1)
    if k < 3:  # too thin or tiny for a local estimate
        return np.clip(ink - np.median(ink), 0.0, 1.0)
    small = Image.fromarray(_resample(ink, small_size, Image.Resampling.BOX), "F")
    opened = small.filter(ImageFilter.MinFilter(k)).filter(ImageFilter.MaxFilter(k))
    bg = _resample(np.asarray(opened), (ink.shape[1], ink.shape[0]), Image.Resampling.BILINEAR)
    # divide by the room left above the background: for pen on paper this is the ratio to the
    # local paper brightness, which undoes shading (capped at 4x so dark corners stay quiet)
    return np.clip((ink - bg) / np.maximum(1.0 - bg, 0.25), 0.0, 1.0)


def stretch_contrast(ink: np.ndarray) -> np.ndarray:
    """Zero everything up to the noise floor of the border and bring the stroke cores to 1."""
    m = max(1, round(0.05 * min(ink.shape)))  # the border: 5% on each side
    edge = np.concatenate([ink[:m], ink[-m:], ink[:, :m], ink[:, -m:]], axis=None)
    med = float(np.median(edge))
    floor = med + 4 * 1.4826 * float(np.median(np.abs(edge - med)))  # robust: 4 sigma
    p = np.pad(ink, 1)
    local = sum(p[i:i + ink.shape[0], j:j + ink.shape[1]] for i in range(3) for j in range(3)) / 9
    if float(local.max()) - floor < MIN_CONTRAST / 3:  # a 1-px line keeps a third in a 3x3 mean
        raise ImageError("No ink found: nothing stands out from the background "
                         "(too faint or too noisy)")
    top = float(ink.max())
    core = float(np.percentile(ink[ink >= (floor + top) / 2], 90))
    out = np.clip((ink - floor) / max(core - floor, 1e-6), 0.0, 1.0)
    if (out > 0.5).mean() > 0.5:
        raise ImageError("Too much ink: this does not look like one digit on a plain background")
    return out


def to_ink(gray: np.ndarray) -> np.ndarray:
    """Grey [0, 1] -> ink as 1 on a 0 background, as in MNIST; ImageError if there is none."""
    if float(gray.max() - gray.min()) < 2 / 255:
        raise ImageError(f"{NO_INK} (one flat colour)")
    ink = 1.0 - gray if ink_polarity(gray) else gray  # invert pen-on-paper to white-on-black
    return stretch_contrast(remove_background(ink))


def _span(profile: np.ndarray, trim: float) -> tuple[int, int]:
    c = np.cumsum(profile)
    start = int(np.searchsorted(c, trim * c[-1], side="right"))
    return start, max(start + 1, int(np.searchsorted(c, (1 - trim) * c[-1], side="left")) + 1)


def crop_to_ink(ink: np.ndarray, level: float = 0.2, trim: float = 0.005) -> np.ndarray:
    """Crop to the ink's bounding box, ignoring pixels below `level` x max and the outermost
    `trim` of the ink's mass on each side (isolated specks far from the digit)."""
    strong = np.where(ink >= level * float(ink.max()), ink, 0.0)
    if float(ink.max()) <= 0.0 or not strong.any():
        raise ImageError(NO_INK)
    (r0, r1), (c0, c1) = _span(strong.sum(axis=1), trim), _span(strong.sum(axis=0), trim)
    return ink[r0:r1, c0:c1]


def thicken_strokes(ink: np.ndarray) -> np.ndarray:
    """Widen pen lines that would end thinner than MNIST's strokes at the 20 px scale.

    The crop is max-pooled to at most 160 px (thin lines survive), its stroke width estimated
    as 2 x area / perimeter and, when too thin, grown with a max filter.
    """
    f = max(1, math.ceil(max(ink.shape) / (8 * BOX)))
    h, w = -(-ink.shape[0] // f) * f, -(-ink.shape[1] // f) * f
    pooled = np.pad(ink, ((0, h - ink.shape[0]), (0, w - ink.shape[1])))
    pooled = pooled.reshape(h // f, f, w // f, f).max(axis=(1, 3))
    mask = np.pad(pooled > 0.5, 1)
    perimeter = np.count_nonzero(np.diff(mask, axis=0)) + np.count_nonzero(np.diff(mask, axis=1))
    width = 2 * np.count_nonzero(mask) / max(perimeter, 1)
    grow = round((STROKE * max(pooled.shape) / BOX - width) / 2)
    if grow < 1:
        return pooled
    img = Image.fromarray(np.pad(pooled, grow).astype(np.float32), "F")  # room to grow
    return np.asarray(img.filter(ImageFilter.MaxFilter(2 * grow + 1)), dtype=np.float32)


def fit_20x20(ink: np.ndarray) -> np.ndarray:
    """Scale so the longest side is 20 px, keeping the aspect ratio: area-averaging when
    shrinking (antialiasing, as MNIST), bicubic when enlarging; the brightest pixel ends at 1."""
    s = BOX / max(ink.shape)
    size = (min(BOX, max(1, round(ink.shape[1] * s))), min(BOX, max(1, round(ink.shape[0] * s))))
    method = Image.Resampling.BOX if s < 1 else Image.Resampling.BICUBIC
    out = np.clip(_resample(ink, size, method), 0.0, 1.0)
    if float(out.max()) <= 0.0:
        raise ImageError(NO_INK)
    return out / out.max()


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste into 28x28 so the centre of mass lands on (14, 14), by whole pixels as in MNIST,
    with the shift clipped so that the digit stays inside the frame."""
    h, w = digit.shape
    total = float(digit.sum())
    if total <= 0.0:
        raise ImageError(NO_INK)
    cy = float(digit.sum(axis=1) @ np.arange(h)) / total
    cx = float(digit.sum(axis=0) @ np.arange(w)) / total
    top = int(np.clip(round(CENTRE - cy), 0, SIDE - h))
    left = int(np.clip(round(CENTRE - cx), 0, SIDE - w))
    out = np.zeros((SIDE, SIDE), dtype=np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def to_mnist(image: bytes | BinaryIO | Image.Image) -> np.ndarray:
    """Any upload (bytes, a binary file such as Streamlit's UploadedFile, or a PIL image) ->
    float32 (28, 28) in [0, 1], ink = 1, centred like MNIST. Raises only ImageError."""
    try:
        ink = to_ink(to_gray(flatten_alpha(open_image(image))))
        digit = fit_20x20(thicken_strokes(crop_to_ink(ink)))
        return np.clip(center_by_mass(digit), 0.0, 1.0).astype(np.float32)
    except ImageError:
        raise
    except Exception as e:  # noqa: BLE001 - never let a library error reach the user
        raise ImageError(TOO_BIG if isinstance(e, MemoryError) else UNEXPECTED) from e


def to_pil(x: np.ndarray, scale: int = 1) -> Image.Image:
    """A (28, 28) array in [0, 1] as a greyscale picture, optionally enlarged smoothly."""
    a = np.clip(np.asarray(x, dtype=np.float32).squeeze(), 0.0, 1.0)  # clamp first
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D picture, got shape {np.shape(x)}")
    img = Image.fromarray(np.round(a * 255).astype(np.uint8), "L")
    if scale > 1:
        img = img.resize((a.shape[1] * scale, a.shape[0] * scale), Image.Resampling.BICUBIC)
    return img
