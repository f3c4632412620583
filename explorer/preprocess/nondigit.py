"""Does a picture hold one digit? Checks on what the preprocessing found in it.

explorer/plane/outlier.py judges the 28x28 result in the latent plane; but the pipeline crops,
scales and centres whatever ink it finds, so a webcam's test frame, a screenshot or a word
comes out as a digit-sized blob that may land among the digits. What gives them away is the
picture before that (`preprocess.Stages`), measured here:

- `edge`: the share of the ink in the picture's outer band. A digit on paper stays clear of
  the edges; a camera frame, a screen, a border or a scene reaches them.
- `pieces`: how many separate shapes hold the ink (at a coarse scale, each with a
  noticeable share). One digit is one shape, two at most; text and screens are many.
- `corners`: how many corners of the ink's box hold ink. A digit leaves one or more empty;
  a frame, a border or a form fills all four.
- `solid`: the thickest part of the biggest shape over its size: a digit is drawn with
  strokes, a filled shape (a disc, a pie, a box) is as thick as it is wide.
- `wide`: the ink's width over its height: no digit is much wider than tall; a word is.

The levels were set on real-world digits and non-digits of another seed than the ones
`python -m bench.digits` scores (seed 1: 270 digits, 120 non-digits), each above every
digit there (edge 0.12, pieces 2, corners 3, solid 0.27 at the most, wide 1.6);
bench/results/digits.json has what they catch and what they cost on seed 0.
"""

from __future__ import annotations

import numpy as np

from explorer.preprocess.mnist_style import Stages
from explorer.preprocess.pieces import components, pool

MEASURES = ("edge", "pieces", "corners", "solid", "wide")
# above these: not one digit (see the module's docstring for how they were set)
LEVELS = {"edge": 0.2, "pieces": 2.0, "corners": 3.0, "solid": 0.24, "wide": 1.8}
REASONS = {
    "edge": "its ink reaches the picture's edges (a frame, a screen, a scene?)",
    "pieces": "its ink is in many separate pieces (text, a screen, several things?)",
    "corners": "its ink fills the corners of a box (a frame, a border, a form?)",
    "solid": "it is a filled shape, not strokes",
    "wide": "it is much wider than a digit (a word?)",
}
BAND = 0.05  # the outer band: 5% of the picture's short side
PIECE = 0.02  # a piece holds at least this share of the ink
CORNER = 0.1  # a corner: this share of the box's short side, squared
THIN = 0.35  # a box narrower than this (short side over long) has no corners to speak of


def thickness(mask: np.ndarray) -> int:
    """How many 3x3 erosions empty the mask: the half-width of its thickest part, in px."""
    n, m = 0, mask
    while m.any():
        p = np.pad(m, 1)
        m = np.logical_and.reduce([p[1 + dy:1 + dy + m.shape[0], 1 + dx:1 + dx + m.shape[1]]
                                   for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
        n += 1
    return n


def measures(s: Stages) -> dict[str, float]:
    """The measures of one picture's stages (see the module's docstring)."""
    strong = np.asarray(s.ink) > 0.5
    total = max(int(strong.sum()), 1)
    m = max(1, round(BAND * min(strong.shape)))
    inner = int(strong[m:-m, m:-m].sum()) if min(strong.shape) > 2 * m else 0
    whole = pool(np.asarray(s.ink, np.float32))[0] > 0.5
    sizes = np.bincount(components(whole).ravel())[1:]
    box = pool(np.asarray(s.crop, np.float32))[0] > 0.5
    h, w = box.shape
    k = max(1, round(CORNER * min(h, w)))
    corners = sum(int(c.any()) for c in (box[:k, :k], box[:k, -k:], box[-k:, :k], box[-k:, -k:]))
    lab = components(box)
    biggest = lab == np.bincount(lab.ravel())[1:].argmax() + 1 if lab.any() else box
    rows, cols = np.flatnonzero(biggest.any(1)), np.flatnonzero(biggest.any(0))
    span = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 if len(rows) else 1
    return {"edge": (total - inner) / total,
            "pieces": float((sizes >= PIECE * max(int(sizes.sum()), 1)).sum()),
            "corners": float(corners if min(h, w) >= THIN * max(h, w) else 0),
            "solid": float(thickness(biggest) / span),
            "wide": s.crop.shape[1] / max(s.crop.shape[0], 1)}


def reasons(s: Stages, levels: dict[str, float] = LEVELS) -> list[str]:
    """Why this picture does not look like one digit: the measures over their levels."""
    got = measures(s)
    return [name for name in MEASURES if got[name] > levels[name]]
