"""The shipped models: present, documented, and as good as their cards say."""

import hashlib
import json

import pytest
import torch

import explorer
from explorer.datasets import reading
from explorer.vae import checkpoint
from explorer.vae.objectives import dataset_elbo

CARD = checkpoint.PRETRAINED_DIR / "mnist.json"


@pytest.fixture(scope="module")
def card():
    return json.loads(CARD.read_text())


SHIPPED = ["mnist", "fashion-mnist", "mnist-vamp"]


def test_every_shipped_model_has_a_card():
    assert sorted(p.stem for p in checkpoint.PRETRAINED_DIR.glob("*.pt")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_card_describes_its_file(name):
    card = json.loads((checkpoint.PRETRAINED_DIR / f"{name}.json").read_text())
    path = checkpoint.PRETRAINED_DIR / f"{name}.pt"
    blob = path.read_bytes()
    assert card["sha256"] == hashlib.sha256(blob).hexdigest()
    assert len(blob) < 8 * 2**20  # a few MB at most
    made = card["how_it_was_made"]
    assert made["command"].startswith("python train_cli.py")
    for key in ("epochs", "seconds", "machine", "seed"):
        assert made[key] is not None
    assert card["evaluate"]["iwae_k"] >= 1000
    model = explorer.load_model(path)
    assert model.cfg.dataset == card["model"]["dataset"] == name.removesuffix("-vamp")
    assert model.cfg.latent_dim == 2 and model.cfg.prior == card["model"].get("prior", "standard")


def test_the_shipped_model_meets_the_targets_on_its_card(card):
    ev = card["evaluate"]
    assert ev["elbo_thresholded"] >= -132 and ev["iwae"] >= -135


def test_the_learned_prior_beats_the_standard_one():
    standard, vamp = (json.loads((checkpoint.PRETRAINED_DIR / f"{n}.json").read_text())
                      ["evaluate"] for n in ("mnist", "mnist-vamp"))
    assert vamp["iwae"] > standard["iwae"] + 1.0  # nats, both IWAE K=1000
    assert vamp["elbo_thresholded"] > standard["elbo_thresholded"]


@pytest.mark.parametrize("name", ["mnist", "mnist-vamp"])
def test_the_test_elbo_still_matches_the_card(name, mnist_test):
    card = json.loads((checkpoint.PRETRAINED_DIR / f"{name}.json").read_text())
    model = explorer.load_model(checkpoint.PRETRAINED_DIR / f"{name}.pt")
    assert model.cfg.latent_dim == 2 and not model.training
    gen = torch.Generator().manual_seed(0)
    got = dataset_elbo(model, reading.binarize_threshold(mnist_test.images), generator=gen)
    # one Monte-Carlo sample per digit: a different seed moves the mean by about 0.1 nats
    assert got["elbo"] >= card["evaluate"]["elbo_thresholded"] - 0.5
    assert got["kl"] == pytest.approx(card["evaluate"]["kl_thresholded"], abs=0.2)
