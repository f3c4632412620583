"""Each stage of the pipeline on real-world styles (bench/digitset.py: pen photos, canvas
exports, transparent PNGs, coloured ink, small digits, markers, pencil, ruled paper, type),
made small so that the whole file runs in a few seconds. What the styles score is measured
by `python -m bench.digits`, not asserted here."""

from __future__ import annotations

import numpy as np
import pytest

from bench import digitset
from explorer.preprocess import mnist_style as pp

SCALE = 0.35  # a third of the benchmark's sizes: the same pictures, faster
N = 3  # samples per style


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


@pytest.fixture(scope="module")
def made() -> dict[str, list[tuple[digitset.Sample, pp.Stages]]]:
    return {style: [(s, pp.stages(s.data)) for s in
                    (digitset.make(style, i, seed=7, scale=SCALE) for i in range(N))]
            for style in digitset.STYLES}


@pytest.mark.parametrize("style", list(digitset.STYLES))
def test_each_stage_of_each_style(style: str, made) -> None:
    for sample, s in made[style]:
        what = f"{sample.name} ({sample.source})"
        # as uploaded: decoded whole, in a mode the steps accept
        assert s.image.mode in ("L", "LA", "RGB", "RGBA", "F"), what
        # ink found: white on black over the whole picture, the paper, light and rules gone
        assert s.ink.shape == (s.image.size[1], s.image.size[0]), what
        m = max(1, round(0.05 * min(s.ink.shape)))
        border = np.concatenate([s.ink[:m], s.ink[-m:], s.ink[:, :m], s.ink[:, -m:]], None)
        assert np.percentile(border, 90) < 0.1, f"{what}: background left at the border"
        assert s.ink.max() == 1.0, what
        # cropped: smaller than the picture, holding nearly all the strong ink
        assert s.crop.size < s.ink.size, what
        strong = lambda a: float(a[a > 0.5].sum())  # noqa: E731
        assert strong(s.crop) >= 0.95 * strong(s.ink), f"{what}: ink cut off"
        # fitted: the long side is 20 px, the strokes saturated
        assert max(s.fit.shape) == pp.BOX and s.fit.max() == 1.0, what
        # centred: 28x28, mass in the middle, nothing at the edges
        cy = float(s.x.sum(1) @ np.arange(28) / s.x.sum())
        cx = float(s.x.sum(0) @ np.arange(28) / s.x.sum())
        assert s.x.shape == (28, 28) and abs(cy - 14) <= 1 and abs(cx - 14) <= 1, what
        assert s.x[:2].max() < 0.05 and s.x[-2:].max() < 0.05, what


@pytest.mark.parametrize("style", [s for s in digitset.STYLES if s != "typeset"])
def test_handwritten_styles_come_out_like_the_mnist_digit_they_were_drawn_from(style, made):
    """Each handwritten picture was drawn from a known MNIST training digit (warped a little,
    redrawn with another pen): the 28x28 result should resemble it."""
    train = digitset.train_digits()[0]
    r = [correlation(s.x, train[int(sample.source.split("#")[1])] / 255.0)
         for sample, s in made[style]]
    assert np.mean(r) > 0.5, r


def test_typeset_strokes_are_evened_out(made) -> None:
    """Type in regular and bold weights ends with strokes of about MNIST's width."""
    widths = [pp.stroke_width(s.x) for _, s in made["typeset"]]
    assert all(1.5 <= w <= 3.5 for w in widths), widths
