"""The separate pieces of a picture's ink, at a coarse scale: for keeping the digit and
dropping what lies far from it (a webcam frame's timer and corner marks, specks, a caption),
and for explorer/preprocess/nondigit.py's measures. Pure numpy."""

from __future__ import annotations

import numpy as np

COARSE = 64  # the side the ink is pooled to before its pieces are found
NEAR = 0.2  # a piece this close to the biggest (times the biggest's size) belongs to it


def pool(a: np.ndarray, side: int = COARSE) -> tuple[np.ndarray, int]:
    """(a max-pooled to at most `side` pixels on the long side, the pooling factor): thin
    strokes survive."""
    f = max(1, int(np.ceil(max(a.shape) / side)))
    h, w = -(-a.shape[0] // f) * f, -(-a.shape[1] // f) * f
    p = np.pad(a, ((0, h - a.shape[0]), (0, w - a.shape[1])))
    return p.reshape(h // f, f, w // f, f).max(axis=(1, 3)), f


def components(mask: np.ndarray) -> np.ndarray:
    """Labels of the 8-connected components of a boolean mask (0: background; the others
    are not consecutive): each pixel takes the smallest label among its neighbours until
    nothing changes."""
    h, w = mask.shape
    big = h * w + 1
    lab = np.where(mask, np.arange(1, h * w + 1).reshape(h, w), big)
    while True:
        p = np.pad(lab, 1, constant_values=big)
        near = np.min([p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
                       for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)
        new = np.where(mask, near, big)
        if np.array_equal(new, lab):
            return np.where(mask, lab, 0)
        lab = new


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return rows[0], rows[-1], cols[0], cols[-1]


def keep_main(ink: np.ndarray, near: float = NEAR) -> np.ndarray:
    """The ink of the biggest piece and of the pieces near it (within `near` times its
    size, box to box); everything farther is cleared. Ink that is one piece is returned
    as it is."""
    coarse, f = pool(ink)
    lab = components(coarse > 0.5)
    ids = np.unique(lab[lab > 0])
    if len(ids) <= 1:
        return ink
    mass = np.array([coarse[lab == k].sum() for k in ids])
    r0, r1, c0, c1 = _box(lab == ids[mass.argmax()])
    reach = near * (max(r1 - r0, c1 - c0) + 1)
    keep = np.zeros(coarse.shape, bool)
    for k in ids:
        q0, q1, p0, p1 = _box(lab == k)
        if max(q0 - r1, r0 - q1, p0 - c1, c0 - p1, 0) <= reach:
            keep |= lab == k
    if keep.all() or keep[lab > 0].all():
        return ink
    p = np.pad(keep, 1)  # and the pixels around them: the strokes' soft edges
    keep = np.logical_or.reduce([p[1 + dy:1 + dy + keep.shape[0], 1 + dx:1 + dx + keep.shape[1]]
                                 for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    full = np.repeat(np.repeat(keep, f, 0), f, 1)[:ink.shape[0], :ink.shape[1]]
    return np.where(full, ink, 0.0).astype(ink.dtype)
