"""explorer/media/timelapse.py: a run's latent map, epoch by epoch."""

import io

import numpy as np
import pytest
from PIL import Image

from explorer.media import timelapse


def test_timelapse_has_a_frame_per_epoch_on_fixed_axes():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    # clusters drifting apart over 4 epochs
    centres = rng.normal(size=(10, 2))
    snaps = np.stack([centres[labels] * (0.3 + 0.5 * e) + 0.1 * rng.normal(size=(200, 2))
                      for e in range(4)])
    grids = (rng.random((4, 6, 6, 28, 28)) * 255).astype(np.uint8)
    lim = timelapse.timelapse_limit(snaps)
    assert lim >= np.quantile(np.abs(snaps), 0.99)
    frames = timelapse.timelapse_frames(snaps, labels, [str(i) for i in range(10)], [1, 2, 5, 9],
                                    grids, px=200)
    assert len({f.size for f in frames}) == 1
    assert not np.array_equal(np.asarray(frames[0]), np.asarray(frames[-1]))
    gif = Image.open(io.BytesIO(timelapse.timelapse_gif(snaps, labels, [str(i) for i in range(10)],
                                                    [1, 2, 5, 9], None, px=200)))
    assert gif.n_frames == 4
    with pytest.raises(ValueError, match="snapshots"):
        timelapse.timelapse_frames(np.zeros((0, 10, 2)), labels, ["a"], [])


def test_history_timelapse_reads_old_and_new_checkpoints():
    assert timelapse.history_timelapse({}) is None
    old = timelapse.history_timelapse({"snapshots": np.zeros((3, 5, 2))})  # before grids were kept
    assert old[1] is None and old[2] == [1, 2, 3]
    new = timelapse.history_timelapse({"snapshots": np.zeros((2, 5, 2)), "grids": np.zeros(
        (2, 6, 6, 28, 28), np.uint8), "snapshot_epochs": [1, 4]})
    assert new[1].shape == (2, 6, 6, 28, 28) and new[2] == [1, 4]


def test_the_axes_and_the_small_manifold_follow_the_runs_plane():
    rng = np.random.default_rng(1)
    snaps = np.stack([rng.normal(size=(500, 2)) * 1.2 for _ in range(3)])
    assert timelapse.timelapse_limit(snaps) == 4.0
    assert timelapse.timelapse_limit(snaps * 50) == 200.0  # a plane 50 times wider
    snaps[-1, 0] = [1e4, 0]  # one digit far out: it does not set the axes (the frame says it)
    assert timelapse.timelapse_limit(snaps) == 4.0
    assert timelapse.grid_lims({"grid_lims": [2.0, 125.0]}, 2) == [2.0, 125.0]
    assert timelapse.grid_lims({}, 2) == [2.5, 2.5]  # runs saved before: over ±2.5
    frames = timelapse.timelapse_frames(snaps, np.arange(500) % 10, list("0123456789"),
                                        [1, 2, 3], px=160, lims=[2.5, 2.5, 2.5])
    assert len(frames) == 3 and not np.array_equal(np.asarray(frames[0]),
                                                   np.asarray(frames[-1]))
