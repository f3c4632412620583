"""explorer/vae/history.py: what a run remembers, thinned for checkpoints."""

from explorer.vae.history import History
from explorer.vae.train import train


def run(cfg, model=None):
    from explorer.vae.train import new_model

    return list(train(cfg, model or new_model(cfg)))


def test_history_keeps_curves_and_summary(small_cfg):
    events = run(small_cfg)
    h = History()
    for e in events:
        h.add(e)
    d = h.to_dict(max_points=5)
    assert len(d["steps"]["loss"]) == 5 and d["steps"]["step"][-1] == 16
    assert h.summary()["finished"] == "completed" and h.summary()["epochs_done"] == 1
    assert d["snapshots"].shape == (1, 256, 2) and d["grids"].shape == (1, 6, 6, 28, 28)
    lim = [e for e in events if hasattr(e, "snapshot_lim")][0].snapshot_lim
    assert d["snapshot_epochs"] == [1] and d["grid_lims"] == [lim]  # its small manifold's
    assert d["snapshot_labels"].shape == (256,)  # the snapshot digits' labels, kept once
