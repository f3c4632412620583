"""Ruled and squared paper: find the rules' slope and subtract them, leaving the digit.

A rule runs across the whole picture; a digit fills only part of any line. So along each
line parallel to the rules (found by projection profiles, as document scanners deskew) the
level that nearly all its pixels reach is the rule, and subtracting it leaves the digit.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from explorer.preprocess.resample import resample


def _shrink(a: np.ndarray, cells: int) -> np.ndarray:
    """An area-averaged copy of `a` with at most `cells` pixels on its long side."""
    s = min(1.0, cells / max(a.shape))
    size = max(1, round(a.shape[1] * s)), max(1, round(a.shape[0] * s))
    return resample(a, size, Image.Resampling.BOX)


def _peakedness(a: np.ndarray, xs: np.ndarray, drifts: np.ndarray) -> np.ndarray:
    """For each drift, how peaked the row profile of a's columns xs is once each column is
    shifted up by drift * x / width: high when ruled lines with that drift are lined up.
    All drifts in one bincount (each drift's profile in a block of its own)."""
    h, w = a.shape
    shift = np.rint(xs[None, :] * (np.asarray(drifts, np.float64)[:, None] / w)).astype(np.int64)
    r = np.arange(h)[None, :, None] - shift[:, None, :]  # (drifts, h, columns)
    r -= r.min(axis=(1, 2), keepdims=True)
    size = int(r.max()) + 1
    r += (np.arange(len(shift)) * size)[:, None, None]
    weights = np.broadcast_to(a[:, xs], r.shape)
    profiles = np.bincount(r.ravel(), weights.ravel(), minlength=len(shift) * size)
    return np.square(profiles.reshape(len(shift), size)).sum(1)


def line_slope(ink: np.ndarray, max_degrees: float = 6.0) -> float:
    """The slope (dy/dx) of ruled lines, if any: the shear that makes the ink's row profile
    the most peaked (projection profiles, as document scanners deskew). First every half
    degree on a small copy, then to a pixel of drift across a copy of at most 512 px."""
    small = _shrink(ink, 160)
    coarse = [math.tan(math.radians(d)) for d in np.arange(-max_degrees, max_degrees + .01, .5)]
    xs = np.arange(0, small.shape[1], max(1, small.shape[1] // 32))  # a rule crosses them all
    score = _peakedness(small, xs, np.array(coarse) * small.shape[1])
    t = coarse[int(np.argmax(score))]
    half = _shrink(ink, 512)
    w = half.shape[1]
    xs = np.arange(0, w, max(1, w // 128))
    span = math.tan(math.radians(0.5)) * w
    drifts = np.arange(round(t * w - span), round(t * w + span) + 1)
    return float(drifts[int(np.argmax(_peakedness(half, xs, drifts)))]) / w


def _floor_along(ink: np.ndarray, t: float, share: float) -> np.ndarray:
    """Each pixel's line level: the value that all but `share` of the pixels on its line
    y - t x = const reach (sampled at up to 256 points per line; none beyond the picture),
    or its neighbour line's if higher (a line askew is anti-aliased over two)."""
    h, w = ink.shape
    shift = np.rint(np.arange(w) * t).astype(np.int32)  # line r passes (x, r + shift[x])
    r0 = min(0, -int(shift.max()))
    r = np.arange(r0, h - min(0, int(shift.min())), dtype=np.int32)
    xs = np.arange(0, w, max(1, w // 256))
    y = r[:, None] + shift[None, xs]
    samples = np.where((y >= 0) & (y < h), ink[np.clip(y, 0, h - 1), xs[None, :]], 0.0)
    k = int(share * len(xs))
    level = np.partition(samples, k, axis=1)[:, k]  # beyond the picture counts as no ink
    level = np.maximum(level, np.maximum(np.pad(level[1:], (0, 1)), np.pad(level[:-1], (1, 0))))
    if not shift.any():
        return np.broadcast_to(level[-r0:h - r0, None], ink.shape)
    return level[np.arange(-r0, h - r0, dtype=np.int32)[:, None] - shift[None, :]]


def remove_lines(ink: np.ndarray, share: float = 0.1) -> np.ndarray:
    """Ruled or squared paper, straight or a little askew: subtract from each line along the
    rules (then across them) the level that all but `share` of its pixels reach. A rule
    across the whole picture is that level and vanishes; a digit, which fills only part of
    any line, stays."""
    t = line_slope(ink)
    ink = np.clip(ink - _floor_along(ink, t, share), 0.0, 1.0)
    return np.clip(ink - _floor_along(ink.T, -t, share).T, 0.0, 1.0)
