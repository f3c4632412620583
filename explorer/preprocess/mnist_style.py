"""An image -> a 28x28 MNIST-like array (float32 in [0, 1], ink = 1), or an ImageError.

The steps follow the way MNIST was made (LeCun et al.): the digit's bounding box is scaled
to fit 20x20 with antialiasing, then pasted into 28x28 with its centre of mass at the centre.
Each step is a small function, testable alone; `to_mnist` chains them:

    images.open_image -> flatten_alpha -> to_gray -> to_ink -> pieces.keep_main
                      -> crop_to_ink -> normalize_strokes -> fit_20x20 -> center_by_mass

`stages` keeps every intermediate picture (the app shows them, so a person sees why a digit
lands where it does). to_ink removes uneven light and ruled lines; each such step is scored
against a minimal pipeline per style by `python -m bench.digits`.
Opening untrusted files safely is explorer/preprocess/image_files.py's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image

from explorer.errors import ImageError
from explorer.preprocess.image_files import TOO_BIG, open_image
from explorer.preprocess.pieces import keep_main
from explorer.preprocess.resample import resample
from explorer.preprocess.ruled import remove_lines

__all__ = ["ImageError", "Stages", "stages", "to_mnist", "to_pil"]

BOX = 20  # MNIST scaled each digit's bounding box to fit 20x20 ...
SIDE = 28  # ... and centred its mass in a 28x28 field
CENTRE = 14.0  # MNIST's mean centre of mass, measured in pixel indices: (14.0, 14.0)
STROKE = 2.2  # stroke width (px at the 20 px scale) strokes are brought to: thin pen lines
# widened, bold type and markers thinned. MNIST's median is 1.8 (ink > 0.5); 2.2 scored best
# in bench.digits (typeset about +3 points over widening to 1.8 only, other styles level)
MIN_CONTRAST = 0.1  # ink must stand this far (0..1) above the background's noise
VERSION = 3  # of what to_mnist makes: bump when it changes (datasets made with another are
# made again: explorer/datasets/collection.py)

NO_INK = "No ink found: the image is blank"
UNEXPECTED = "This image could not be processed: please try another file or format"


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
    blur = resample(resample(gray, _coarse(gray, 8), Image.Resampling.BOX),
                     (gray.shape[1], gray.shape[0]), Image.Resampling.BILINEAR)
    d = gray - blur
    return float(np.square(np.minimum(d, 0)).sum()) > float(np.square(np.maximum(d, 0)).sum())


def _running(a: np.ndarray, k: int, pair) -> np.ndarray:
    """Along axis 0, out[i] = pair-reduce of a[i:i + k]: windows doubled up to the largest
    power of two w <= k, then two overlapping ones cover k."""
    m, w = a, 1
    while 2 * w <= k:
        m, w = pair(m[:-w], m[w:]), 2 * w
    n = len(a) - k + 1
    return pair(m[:n], m[k - w:k - w + n])


def rank_filter(a: np.ndarray, k: int, pair=np.maximum) -> np.ndarray:
    """The k x k max (or min, with pair=np.minimum) filter with the edges repeated, as PIL's
    MaxFilter / MinFilter, separable and in log2(k) steps: ten times faster on small images."""
    p = np.pad(a, k // 2, mode="edge")
    return _running(_running(p, k, pair).T, k, pair).T


def remove_background(ink: np.ndarray) -> np.ndarray:
    """Remove a background estimate from white-on-black ink (uneven light on photos).

    The estimate is a grey opening (min, then max filter) of a coarse copy: it follows shading
    and large patches but not strokes narrower than about a quarter of the image.
    """
    small_size = _coarse(ink, 64)
    k = min(15, max(small_size) // 8 * 2 + 1, (min(small_size) - 1) // 2 * 2 + 1)
    if k < 3:  # too thin or tiny for a local estimate
        return np.clip(ink - np.median(ink), 0.0, 1.0)
    small = resample(ink, small_size, Image.Resampling.BOX)
    opened = rank_filter(rank_filter(small, k, np.minimum), k)
    bg = resample(opened, (ink.shape[1], ink.shape[0]), Image.Resampling.BILINEAR)
    # divide by the room left above the background: for pen on paper this is the ratio to the
    # local paper brightness, which undoes shading (capped at 4x so dark corners stay quiet)
    return np.clip((ink - bg) / np.maximum(1.0 - bg, 0.25), 0.0, 1.0)


def box3(a: np.ndarray) -> np.ndarray:
    """The 3x3 mean (edges padded with zeros)."""
    p = np.pad(a, 1)
    return sum(p[i:i + a.shape[0], j:j + a.shape[1]] for i in range(3) for j in range(3)) / 9


def stretch_contrast(ink: np.ndarray) -> np.ndarray:
    """Zero everything up to the noise floor of the border and bring the stroke cores to 1."""
    local = box3(ink)  # single-pixel noise (grain, sensor, JPEG) averages out, strokes stay
    m = max(1, round(0.05 * min(ink.shape)))  # the border: 5% on each side
    edge = np.concatenate([local[:m], local[-m:], local[:, :m], local[:, -m:]], axis=None)
    med = float(np.median(edge))
    floor = med + 4 * 1.4826 * float(np.median(np.abs(edge - med)))  # robust: 4 sigma
    if float(local.max()) - floor < MIN_CONTRAST / 3:  # a 1-px line keeps a third in a 3x3 mean
        raise ImageError("No ink found: nothing stands out from the background "
                         "(too faint or too noisy)")
    top = float(ink.max())
    core = float(np.percentile(ink[ink >= (floor + top) / 2], 90))
    out = np.clip((ink - floor) / max(core - floor, 1e-6), 0.0, 1.0)
    if (out > 0.5).mean() > 0.5:
        raise ImageError("Too much ink: this does not look like one digit on a plain background")
    return out


def to_ink(gray: np.ndarray, background: bool = True, lines: bool = True) -> np.ndarray:
    """Grey [0, 1] -> ink as 1 on a 0 background, as in MNIST; ImageError if there is none.
    `background` and `lines` switch off those removals (to measure what each is worth)."""
    if float(gray.max() - gray.min()) < 2 / 255:
        raise ImageError(f"{NO_INK} (one flat colour)")
    ink = 1.0 - gray if ink_polarity(gray) else gray  # invert pen-on-paper to white-on-black
    if background:
        ink = remove_background(ink)
    if lines:
        ink = remove_lines(ink)
    return stretch_contrast(ink)


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


def _max_pool(ink: np.ndarray, f: int) -> np.ndarray:
    h, w = -(-ink.shape[0] // f) * f, -(-ink.shape[1] // f) * f
    pooled = np.pad(ink, ((0, h - ink.shape[0]), (0, w - ink.shape[1])))
    return pooled.reshape(h // f, f, w // f, f).max(axis=(1, 3))


def stroke_width(ink: np.ndarray) -> float:
    """The mean width of the strokes (ink > 0.5) in px: 2 x area / perimeter."""
    mask = np.pad(ink > 0.5, 1)
    perimeter = np.count_nonzero(np.diff(mask, axis=0)) + np.count_nonzero(np.diff(mask, axis=1))
    return 2 * np.count_nonzero(mask) / max(perimeter, 1)


def normalize_strokes(ink: np.ndarray) -> np.ndarray:
    """Bring the strokes to STROKE px at the 20 px scale: thin pen lines are widened with a
    max filter, bold type and thick markers thinned with a min filter.

    The crop is max-pooled to at most 160 px first (thin lines survive). A digit's look in the
    2-D latent depends strongly on its stroke width, so evening it out is worth points on
    every style with strokes far from MNIST's (bench.digits).
    """
    pooled = _max_pool(ink, max(1, math.ceil(max(ink.shape) / (8 * BOX))))
    target = STROKE * max(pooled.shape) / BOX
    width = stroke_width(pooled)
    grow = round((target - width) / 2)
    if grow >= 1:
        grown = rank_filter(np.pad(pooled, grow), 2 * grow + 1)  # padded: room to grow
        return grown.astype(np.float32)
    shrink = round((width - target) / 2)
    if shrink >= 1:
        return rank_filter(pooled, 2 * shrink + 1, np.minimum).astype(np.float32)
    return pooled


def fit_20x20(ink: np.ndarray) -> np.ndarray:
    """Scale so the longest side is 20 px, keeping the aspect ratio, with Lanczos (antialiased
    and sharper than an area average: 2.5 points more on typeset digits in bench.digits);
    the brightest pixel ends at 1."""
    s = BOX / max(ink.shape)
    size = (min(BOX, max(1, round(ink.shape[1] * s))), min(BOX, max(1, round(ink.shape[0] * s))))
    out = np.clip(resample(ink, size, Image.Resampling.LANCZOS), 0.0, 1.0)
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


@dataclass(frozen=True)
class Stages:
    """Every picture the pipeline makes of one upload, in order (ink = 1 in all but `image`)."""
    image: Image.Image  # as uploaded (decoded, EXIF-rotated, at most images.WORK_SIDE)
    ink: np.ndarray  # the whole picture as white-on-black ink, background and lines removed
    kept: np.ndarray  # that ink less what lies far from its biggest piece (a caption, specks)
    crop: np.ndarray  # cropped to the kept ink
    fit: np.ndarray  # strokes evened out, scaled to fit 20x20
    x: np.ndarray  # (28, 28) float32, centred by mass: what the model sees


def stages(image: bytes | BinaryIO | Image.Image, background: bool = True, lines: bool = True,
           strokes: bool = True, main: bool = True) -> Stages:
    """The pipeline, keeping each stage. The flags switch off background removal, ruled-line
    removal, stroke evening and dropping what lies far from the biggest piece (for
    bench.digits' ablations). Raises only ImageError."""
    try:
        img = open_image(image)
        ink = to_ink(to_gray(flatten_alpha(img)), background, lines)
        kept = keep_main(ink) if main else ink
        crop = crop_to_ink(kept)
        fit = fit_20x20(normalize_strokes(crop) if strokes else crop)
        x = np.clip(center_by_mass(fit), 0.0, 1.0).astype(np.float32)
        return Stages(img, ink, kept, crop, fit, x)
    except ImageError:
        raise
    except Exception as e:  # noqa: BLE001 - never let a library error reach the user
        raise ImageError(TOO_BIG if isinstance(e, MemoryError) else UNEXPECTED) from e


def to_mnist(image: bytes | BinaryIO | Image.Image) -> np.ndarray:
    """Any upload (bytes, a binary file such as Streamlit's UploadedFile, or a PIL image) ->
    float32 (28, 28) in [0, 1], ink = 1, centred like MNIST. Raises only ImageError."""
    return stages(image).x


def to_pil(x: np.ndarray, scale: int = 1) -> Image.Image:
    """A (28, 28) array in [0, 1] as a greyscale picture, optionally enlarged smoothly."""
    a = np.clip(np.asarray(x, dtype=np.float32).squeeze(), 0.0, 1.0)  # clamp first
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D picture, got shape {np.shape(x)}")
    img = Image.fromarray(np.round(a * 255).astype(np.uint8), "L")
    if scale > 1:
        img = img.resize((a.shape[1] * scale, a.shape[0] * scale), Image.Resampling.BICUBIC)
    return img
