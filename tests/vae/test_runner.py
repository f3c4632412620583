"""explorer/vae/runner.py: one training run from config to checkpoint, as train_cli.py and the
server's line both run it: names that stay in their folder, the budget, a checkpoint after
each whole epoch that goes on exactly, and a diverging run reported, not raised."""

import io

import pytest
import torch

from explorer.vae import checkpoint, runner
from explorer.vae.config import TrainConfig
from explorer.vae.resume import load_run

QUICK = dict(train_subset=2048, test_subset=256, batch_size=64, threads=1)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/path", "a\0b", "x" * 500, "",
                                  "..", "....", "con/../..", "~/.bashrc", "run name !", "a..b"])
def test_run_names_cannot_leave_their_folder(tmp_path, name):
    path = runner.run_path(tmp_path, name)
    assert path.parent == tmp_path.resolve()
    assert path.suffix == ".pt" and 0 < len(path.stem) <= runner.MAX_NAME
    assert "\0" not in str(path) and ".." not in path.stem
    path.write_bytes(b"taken")
    assert runner.run_path(tmp_path, name) != path  # a taken name gets a number, never reused


def test_ordinary_names_are_kept():
    assert runner.safe_run_name("beta4-seed1") == "beta4-seed1"
    assert runner.safe_run_name("my run.v2") == "my-run.v2"
    assert runner.default_name(TrainConfig(), "runs/my-run.pt") == "my-run-continued"


def test_a_run_ends_at_its_budget_and_keeps_each_epoch_to_go_on_from(tmp_path):
    kept = []
    cfg = TrainConfig(epochs=3, **QUICK)
    outcome = runner.run(cfg, on_epoch=lambda o, e: e.state and kept.append(
        (e.epoch, o.checkpoint({"source": "test"}, e.state))))
    assert [epoch for epoch, _ in kept] == [1, 2, 3] and outcome.trained
    assert outcome.finished.reason == "completed" and outcome.error is None
    # the checkpoint after epoch 1, continued to 3 epochs, ends with the same weights
    (tmp_path / "one.pt").write_bytes(kept[0][1])
    go_on = load_run(tmp_path / "one.pt", {"epochs": 3})
    again = runner.run(go_on.cfg, go_on)
    for name, tensor in outcome.model.state_dict().items():
        assert torch.equal(tensor, again.model.state_dict()[name]), name
    assert again.history.epochs["epoch"] == [1.0, 2.0, 3.0]
    blob = again.checkpoint({"source": "test"})
    ckpt = torch.load(io.BytesIO(blob), weights_only=True)
    assert ckpt["metrics"]["source"] == "test" and ckpt["resume"]["epoch"] == 4


def test_a_budget_ends_a_run(tmp_path):
    outcome = runner.run(TrainConfig(epochs=1000, max_seconds=1.5, **QUICK))
    assert outcome.finished.reason == "time budget"
    # the budget holds the last test pass, so the run ends near it, on either side
    assert 0.75 <= outcome.history.summary()["seconds"] < 4


def test_a_diverging_run_is_reported_with_its_last_good_weights(monkeypatch):
    from explorer.vae import train as train_mod

    real = train_mod.elbo_terms

    def exploding(model, x, *args, **kwargs):
        loss, recon, kl = real(model, x, *args, **kwargs)
        return loss * float("nan"), recon, kl

    monkeypatch.setattr(train_mod, "elbo_terms", exploding)
    outcome = runner.run(TrainConfig(epochs=2, **QUICK))
    assert "smaller learning rate" in outcome.error and not outcome.trained
    assert all(torch.isfinite(p).all() for p in outcome.model.parameters())
    checkpoint.payload(outcome.model, outcome.cfg.model_config())  # still a usable model
