"""explorer/plane/walkthrough.py: one digit through the model, every number consistent with the
objective the model is trained and evaluated with."""

import numpy as np
import pytest
import torch

from explorer.plane import latent, walkthrough
from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model
from explorer.vae.objectives import gaussian_kl, reconstruction_nll


@pytest.fixture(scope="module")
def digit(mnist_test):
    return mnist_test.images[0, 0].numpy().astype(np.float32) / 255


def test_the_numbers_add_up(conv_model, digit):
    w = walkthrough.walk(conv_model, digit, np.array([0.5, -1.0]))
    np.testing.assert_allclose(w.z, w.mu + w.sigma * w.eps, atol=1e-6)
    assert set(np.unique(w.x)) <= {0.0, 1.0}  # the Bernoulli likelihood scores binary pixels
    assert w.pixel_nats.shape == (28, 28) and (w.pixel_nats >= 0).all()
    assert w.pixel_nats.sum() == pytest.approx(w.recon_nats, rel=1e-5)
    mu, logvar = (torch.from_numpy(v).view(1, 2) for v in (w.mu, 2 * np.log(w.sigma)))
    assert w.kl_exact and w.kl_nats == pytest.approx(gaussian_kl(mu, logvar).item(), rel=1e-4)
    assert w.kl_per_dim.sum() == pytest.approx(w.kl_nats, rel=1e-5)
    assert w.elbo == pytest.approx(-(w.recon_nats + w.kl_nats))
    assert w.loss(4.0) == pytest.approx(w.recon_nats + 4 * w.kl_nats)
    np.testing.assert_allclose(w.decoded_mu, latent.decode_point(conv_model, w.mu), atol=1e-6)


def test_a_learned_prior_gets_its_kl_by_monte_carlo(digit):
    torch.manual_seed(0)
    model = build_model(ModelConfig(prior="mog", components=8)).eval()
    w = walkthrough.walk(model, digit, np.zeros(2))
    assert not w.kl_exact and w.kl_per_dim is None
    better = walkthrough.walk(model, digit, np.zeros(2), kl_samples=100_000)
    assert w.kl_nats == pytest.approx(better.kl_nats, abs=0.2)


def test_a_grey_likelihood_sees_grey_pixels(digit):
    assert len(np.unique(walkthrough.as_seen(digit, "gaussian"))) > 2


def test_a_gaussian_model_is_scored_with_its_own_likelihood(digit):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", likelihood="gaussian")).eval()
    w = walkthrough.walk(model, digit, np.array([0.3, 0.2]))
    x = torch.from_numpy(w.x).view(1, 1, 28, 28)
    with torch.no_grad():
        logits = model.decode(torch.from_numpy(w.z).view(1, 2))
    assert w.recon_nats == pytest.approx(reconstruction_nll(logits, x, "gaussian").item(), rel=1e-4)
    assert w.pixel_nats.sum() == pytest.approx(w.recon_nats, rel=1e-4)


def test_eps_and_the_cloud_are_seeded():
    np.testing.assert_array_equal(walkthrough.draw_eps(3), walkthrough.draw_eps(3))
    assert not np.array_equal(walkthrough.draw_eps(3), walkthrough.draw_eps(4))
    cloud = walkthrough.posterior_cloud(np.array([1.0, -1.0]), np.array([0.1, 0.5]), 20_000)
    np.testing.assert_allclose(cloud.mean(0), [1.0, -1.0], atol=0.02)
    np.testing.assert_allclose(cloud.std(0), [0.1, 0.5], rtol=0.03)
