"""Every tensor that reaches a model is on the model's device, and decoding for pictures runs
in eval mode. Where this machine has a GPU (CUDA or MPS) the real paths run on it; elsewhere
a fake checks it: a model on PyTorch's "meta" device (shapes, no data) refuses any input
from another device ("not on the expected device"), while inputs moved there run through
until their values are copied out ("Cannot copy out of meta tensor")."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
import torch

from explorer.plane import latent
from explorer.vae import objectives
from explorer.vae.config import ModelConfig, TrainConfig
from explorer.vae.evaluate import evaluate
from explorer.vae.model import build_model
from explorer.vae.train import new_model, train

META_RAN = "Cannot copy out of meta tensor|cannot be called on meta tensors"


def meta_model(arch: str = "conv"):
    return build_model(ModelConfig(arch=arch)).to("meta")


PATHS = {
    "latent.decode": lambda m: latent.decode(m, [[0.5, -1.0], [2.0, 0.0]]),
    "latent.decode_grid": lambda m: latent.decode_grid(m, 3),
    "latent.encode_all": lambda m: latent.encode_all(m, np.zeros((5, 28, 28), np.uint8)),
    "latent.encode_one": lambda m: latent.encode_one(m, np.zeros((28, 28), np.float32)),
    "model.sample": lambda m: m.sample(4).cpu(),
    "objectives.dataset_elbo": lambda m: objectives.dataset_elbo(
        m, torch.zeros(4, 1, 28, 28, device="meta")),
    "objectives.iwae_bound": lambda m: objectives.iwae_bound(
        m, torch.zeros(2, 1, 28, 28, device="meta"), k=8).cpu(),
}


@pytest.mark.parametrize("name", sorted(PATHS))
@pytest.mark.parametrize("arch", ["conv", "conv_bn"])
def test_inputs_are_moved_to_the_models_device(name, arch):
    with pytest.raises((NotImplementedError, RuntimeError), match=META_RAN):
        PATHS[name](meta_model(arch))


def test_the_fake_catches_an_input_left_on_the_cpu():
    with pytest.raises(RuntimeError, match="not on the expected device"):
        meta_model().decode(torch.zeros(1, 2))


def test_decoding_for_pictures_runs_in_eval_mode_and_keeps_the_mode():
    """A training run decodes its per-epoch samples between two steps: batch norm must
    neither use nor update batch statistics there, and training goes on in train mode."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="conv_bn")).train()
    stats = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    one = latent.decode(model, [[0.0, 0.0]])
    many = latent.decode(model, [[0.0, 0.0], [3.0, -3.0], [-2.0, 1.0]])
    assert model.training
    assert all(torch.equal(stats[k], model.state_dict()[k]) for k in stats)
    np.testing.assert_allclose(one[0], many[0], atol=1e-6)  # no batch statistics involved


ACCELERATOR = ("cuda" if torch.cuda.is_available() else
               "mps" if torch.backends.mps.is_available() else None)


@pytest.mark.skipif(ACCELERATOR is None, reason="no GPU on this machine")
def test_training_and_evaluation_on_the_gpu(small_cfg):
    cfg = dataclasses.replace(small_cfg, device=ACCELERATOR)
    model = new_model(cfg)
    events = list(train(cfg, model))
    assert events[-1].reason == "completed"
    assert next(model.parameters()).device.type == ACCELERATOR
    assert latent.decode(model, [[0.0, 0.0]]).shape == (1, 28, 28)
    metrics = evaluate(model, k=10, n=50)
    assert np.isfinite(metrics["iwae"]) and metrics["iwae"] >= metrics["elbo_binarized"] - 5


@pytest.mark.skipif(ACCELERATOR is None, reason="no GPU on this machine")
def test_a_browser_training_job_on_the_gpu(tmp_path):
    """A run of the training line, on a worker process of this machine, uses its GPU."""
    from explorer.server import owners
    from explorer.server.engine import Engine
    from explorer.server.line import Line

    line, who = Line(tmp_path, Engine(workers=1), runs_at_once=1), owners.from_browser("e" * 32)
    try:
        job = line.submit(who, TrainConfig(epochs=1, batch_size=64, train_subset=1024,
                                           test_subset=256, max_seconds=60,
                                           device=ACCELERATOR), "gpu")
        deadline = time.time() + 180
        while (view := line.view(who, job.id)).state in ("queued", "running"):
            assert time.time() < deadline, "the run did not end"
            time.sleep(0.2)
        assert view.state == "done", view.error
        assert view.samples is not None and view.samples.shape == (8, 28, 28)
        if ACCELERATOR == "cuda":  # the card says which GPU trained it
            from explorer.vae import checkpoint

            machine = checkpoint.load(view.path)[1]["metrics"]["machine"]
            assert torch.cuda.get_device_name() in machine
    finally:
        line.close()
        line.engine.close()
