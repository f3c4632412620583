"""explorer/plane/extent.py: where every view of a model's plane starts, and its spread; and the
page's copy of the same maths (explorer/page/web/extent.js, under Node)."""


import numpy as np
import pytest

from explorer.plane import extent
from tests.conftest import run_page_module


@pytest.mark.parametrize("x, want", [
    (0.31, 0.4), (1.0, 1.0), (1.01, 1.5), (2.2, 2.5), (3.61, 4.0), (4.0, 4.0), (4.01, 5.0),
    (7.5, 8.0), (8.2, 10.0), (9.99, 10.0), (129.35, 150.0), (185.0, 200.0), (0.012, 0.015),
])
def test_nice_ceil_is_the_smallest_nice_number_above(x, want):
    assert extent.nice_ceil(x) == want


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_nice_ceil_refuses_what_is_no_half_width(bad):
    with pytest.raises(ValueError):
        extent.nice_ceil(bad)


def test_the_extent_holds_995_of_the_points_and_scales_with_them():
    rng = np.random.default_rng(0)
    mu = rng.standard_normal((10_000, 2))
    half = extent.extent_of(mu)
    assert half == 4.0  # N(0, I): the standard prior's plane, as the app always had it
    inside = (np.abs(mu).max(1) <= extent.box_half_width(mu)).mean()
    assert abs(inside - extent.SHARE) < 1e-3
    assert extent.extent_of(mu * 50) == 200.0  # a plane 50 times wider: a view 50 times wider
    assert extent.extent_of(mu / 10) == 0.4


def test_a_few_far_points_do_not_set_the_extent_but_a_shifted_cloud_does():
    mu = np.random.default_rng(1).standard_normal((10_000, 2))
    mu[:20] *= 1000  # 0.2% far out: still drawn (zoom out), not where the view starts
    assert extent.extent_of(mu) == 4.0
    assert extent.extent_of(mu + [30, 0]) == 40.0  # centred on the origin: it reaches them


def test_no_points_or_no_finite_points_fall_back():
    assert extent.extent_of(np.zeros((0, 2))) == extent.FALLBACK
    assert extent.extent_of(np.full((5, 2), np.nan)) == extent.FALLBACK
    assert extent.extent_of(np.zeros((5, 2))) == extent.FALLBACK


def test_cover_extends_to_what_lies_beyond_and_only_then():
    assert extent.cover(4.0, np.array([[3.9, -4.0]])) == 4.0
    assert extent.cover(4.0, np.array([[0.0, -4.5]])) == 5.0
    assert extent.cover(4.0, np.array([[150.0, 0.0]])) == 200.0
    assert extent.cover(4.0, np.zeros((0, 2))) == 4.0


def test_spread_and_the_share_inside():
    mu = np.array([[3.0, 4.0], [0.0, 1.0], [0.0, 0.0], [0.6, 0.8]])
    s = extent.spread(mu)
    assert s["median"] == pytest.approx(1.0) and s["max"] == pytest.approx(5.0)
    assert s["p99"] <= s["p999"] <= s["max"]
    assert extent.share_inside(mu, 1.0) == 0.75
    assert extent.share_inside(mu, 0.5) == 0.25


def test_the_grids_start_inside_the_plane():
    assert extent.grid_range(4.0) == 3.0 and extent.snapshot_range(
        1.2 * np.random.default_rng(0).standard_normal((5000, 2))) == 2.5


RUNNER = """import { readFileSync, writeFileSync } from "node:fs";
const ext = await import(process.argv[2]);
const xs = JSON.parse(readFileSync(process.argv[3], "utf8"));
writeFileSync(process.argv[4], JSON.stringify({ nice: xs.map(ext.niceCeil),
  cover: xs.map((x) => ext.cover(4, [x, -x / 2])), ranges: ext.gridRanges(4), reach: ext.REACH }));
"""


def test_the_page_rounds_as_python_does(tmp_path):
    xs = [float(x) for x in np.exp(np.random.default_rng(2).uniform(-5, 8, 300))]
    out = run_page_module(tmp_path, "extent.js", RUNNER, xs)
    assert out["nice"] == [extent.nice_ceil(x) for x in xs]
    assert out["cover"] == [extent.cover(4.0, np.array([[x, -x / 2]])) for x in xs]
    assert out["ranges"] == [1, 1.5, 2, 2.5, 3, 3.5, 4] and out["reach"] == extent.REACH
