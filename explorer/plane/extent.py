"""How far a model's latent plane reaches: the extent every view of it starts from, and the
spread figures reported beside a model's likelihood. Pure numpy; no torch, no Streamlit.

A VAE's plane has no fixed scale: a standard-prior model keeps its test digits within about
+-4, while a learned prior may put them at +-200 (nothing in its bound pins the scale). So
no view may use a constant: each takes `extent_of(mu)`, the half-width of the centred square
that holds 99.5% of the encoded test means, rounded up to a nice number. Points outside it
are still drawn when a view is zoomed or panned out; it is only where views start.
"""

from __future__ import annotations

import math

import numpy as np

SHARE = 0.995  # of the encoded test means inside the first view
NICE = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)  # mantissas of a nice half-width
FALLBACK = 4.0  # the extent of a model with no encoded points (or none finite)
REACH = 100  # a view extends to a z set beyond its extent, up to this many extents (web/extent.js)


def nice_ceil(x: float) -> float:
    """The smallest nice number (NICE times a power of ten) at least x; x > 0."""
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"a half-width must be positive and finite, not {x}")
    power = 10.0 ** math.floor(math.log10(x))
    for m in (*NICE, 10.0):
        if m * power >= x * (1 - 1e-12):
            return float(f"{m * power:.6g}")
    raise AssertionError("unreachable")  # 10 * power >= x always


def box_half_width(z: np.ndarray, share: float = SHARE) -> float:
    """Half-width of the centred square holding `share` of the points z (N, 2): that
    quantile of max(|z0|, |z1|). 0 for no points."""
    z = np.asarray(z, dtype=np.float64).reshape(-1, 2)
    z = z[np.isfinite(z).all(1)]
    if not len(z):
        return 0.0
    return float(np.quantile(np.abs(z).max(1), share))


def extent_of(mu: np.ndarray, share: float = SHARE) -> float:
    """The half-width every view of this model starts from: the centred square holding
    `share` of the encoded means, rounded up to a nice number (FALLBACK for none)."""
    half = box_half_width(mu, share)
    return nice_ceil(half) if half > 0 else FALLBACK


def reach(z: np.ndarray) -> float:
    """The largest |coordinate| of the finite points: how far out a view must go to show
    them all (0 for none)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1, 2)
    z = z[np.isfinite(z).all(1)]
    return float(np.abs(z).max()) if len(z) else 0.0


def grid_range(half: float) -> float:
    """The manifold's first range over a plane of half-width `half`: three quarters of it
    (3 for a standard-prior model's 4), as the page's manifold starts (web/extent.js)."""
    return float(f"{0.75 * half:.4g}")


def snapshot_range(mu: np.ndarray) -> float:
    """The half-width of the small manifold a run decodes after each epoch (its time-lapse):
    five eighths of that epoch's extent (2.5 for a standard-prior model's 4)."""
    return 0.625 * extent_of(mu)


def cover(half: float, z: np.ndarray, margin: float = 0.05) -> float:
    """`half`, or a nice half-width large enough to show the points z too (with a margin):
    a view extends to a drawn path or a typed z rather than clip it."""
    far = reach(z)
    if far <= half:
        return half
    return nice_ceil(far * (1 + margin))


def spread(mu: np.ndarray) -> dict[str, float]:
    """The norm |mu| of the encoded means: median, 99%, 99.9% and max (the figures reported
    beside a model's likelihood), and the half-width of the 99.5% box."""
    mu = np.asarray(mu, dtype=np.float64).reshape(-1, 2)
    r = np.linalg.norm(mu, axis=1)
    q = np.quantile(r, [0.5, 0.99, 0.999]) if len(r) else [0.0, 0.0, 0.0]
    return {"median": float(q[0]), "p99": float(q[1]), "p999": float(q[2]),
            "max": float(r.max()) if len(r) else 0.0, "box995": box_half_width(mu)}


def share_inside(z: np.ndarray, half: float) -> float:
    """The share of the points z (N, 2) inside the centred square of half-width `half`."""
    z = np.asarray(z, dtype=np.float64).reshape(-1, 2)
    if not len(z):
        return 0.0
    return float((np.abs(z).max(1) <= half).mean())
