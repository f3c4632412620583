"""explorer/plane/outlier.py with the shipped model and the real MNIST test set: real digits are
familiar, letters, noise and a lone speck are not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw, ImageFont

from explorer import load_model
from explorer.plane import latent, outlier
from explorer.preprocess.mnist_style import to_mnist
from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model
from explorer.vae.objectives import reconstruction_nll

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(scope="module")
def fitted(mnist_test):
    model = load_model()
    mu, logvar = latent.encode_all(model, mnist_test.images)
    x = mnist_test.images[:, 0].numpy().astype(np.float32) / 255
    return model, mu, outlier.test_set_levels(model, x, mu, logvar)


def verdict(fitted, x: np.ndarray) -> list[str]:
    model, ref, levels = fitted
    mu, logvar = latent.encode_one(model, x)
    return outlier.unfamiliar(levels, model, x, mu, logvar, ref)


def letter(text: str) -> np.ndarray:
    img = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(img).text((30, 20), text, font=ImageFont.truetype(FONT, 120), fill=0)
    return to_mnist(img)


def test_the_region_holds_the_share_asked_for() -> None:
    stats = np.random.default_rng(0).lognormal(size=(2000, 3))
    levels = outlier.fit_levels(stats, inside=0.99)
    outside = (stats > [levels.far, levels.unsure, levels.redraw]).any(1)
    assert abs(outside.mean() - 0.01) <= 0.002


def test_real_digits_are_familiar(fitted, mnist_train) -> None:
    """Training digits (not the reference set itself) fall outside about as rarely as 1%."""
    model, ref, levels = fitted
    x = mnist_train.images[:300, 0].numpy().astype(np.float32) / 255
    mu, logvar = latent.encode_all(model, mnist_train.images[:300])
    stats = outlier.measures(model, x, mu, logvar, ref)
    assert (stats > [levels.far, levels.unsure, levels.redraw]).any(1).mean() <= 0.02
    assert verdict(fitted, x[0]) == []


@pytest.mark.parametrize("text", ["W", "M", "#"])
def test_letters_and_signs_are_not_digits(fitted, text) -> None:
    assert "redraw" in verdict(fitted, letter(text))


def test_noise_and_a_speck_are_not_digits(fitted) -> None:
    noise = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    assert "unsure" in verdict(fitted, noise)
    speck = np.zeros((28, 28), np.float32)
    speck[14, 14] = 1.0
    assert verdict(fitted, speck) != []


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_redraw_is_the_models_own_reconstruction_term(likelihood) -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", likelihood=likelihood)).eval()
    x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    mu = np.random.default_rng(2).standard_normal((5, 2)).astype(np.float32)
    with torch.no_grad():
        logits = model.decode(torch.from_numpy(mu))
        want = {lik: reconstruction_nll(logits, x, lik).numpy()
                for lik in ("bernoulli", "gaussian")}
    got = outlier.redraw_nats(model, x[:, 0].numpy(), mu)
    np.testing.assert_allclose(got, want[likelihood], rtol=1e-5)
    other = "gaussian" if likelihood == "bernoulli" else "bernoulli"
    assert not np.allclose(got, want[other], rtol=1e-2)
