"""The shipped model: present, documented, and as good as its card says."""

import hashlib
import json

import pytest
import torch

import explorer
from explorer import checkpoint, data
from explorer.objectives import dataset_elbo

CARD = checkpoint.PRETRAINED_DIR / "mnist.json"


@pytest.fixture(scope="module")
def card():
    return json.loads(CARD.read_text())


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
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
    assert model.cfg.dataset == name and model.cfg.latent_dim == 2


def test_the_shipped_model_meets_the_targets_on_its_card(card):
    ev = card["evaluate"]
    assert ev["elbo_thresholded"] >= -132 and ev["iwae"] >= -135


def test_the_test_elbo_still_matches_the_card(card, mnist_test):
    model = explorer.load_model()
    assert model.cfg.latent_dim == 2 and not model.training
    gen = torch.Generator().manual_seed(0)
    got = dataset_elbo(model, data.binarize_threshold(mnist_test.images), generator=gen)
    # one Monte-Carlo sample per digit: a different seed moves the mean by about 0.1 nats
    assert got["elbo"] >= card["evaluate"]["elbo_thresholded"] - 0.5
    assert got["kl"] == pytest.approx(card["evaluate"]["kl_thresholded"], abs=0.2)
