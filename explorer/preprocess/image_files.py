"""Decoding untrusted image files: any upload -> a PIL image in mode L, LA, RGB, RGBA or F,
or an ImageError a person can act on.

Limits are checked before any pixel is decoded (bytes, then the header's pixel count), only
common formats are opened, JPEGs are decoded at reduced size, big images are shrunk before
numpy sees them, and every failure becomes an ImageError. PIL's global settings are left
alone. What is done with the pixels is explorer/preprocess/mnist_style.py's job.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from explorer.errors import ImageError

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

CORRUPT = "The image file is truncated or corrupt"
NOT_IMAGE = "This file is not an image we can read"
TOO_BIG = "The image is too large to process"


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
            if max(img.size) > WORK_SIDE:  # area-averaged; reduce() first where it can
                gap = None if img.mode.startswith("I;16") else 2.0
                img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX, reducing_gap=gap)
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
