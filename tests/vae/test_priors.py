"""explorer/vae/priors.py: every prior is a density over the plane, and the bounds use the
model's own prior."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model
from explorer.vae.objectives import dataset_elbo, gaussian_kl, iwae_bound, kl_term
from explorer.vae.priors import PRIORS, log_normal
from explorer.vae.train import new_model, train


@pytest.fixture(autouse=True)
def no_grad():
    with torch.no_grad():
        yield


def model_with(prior: str, arch: str = "mlp", k: int = 8):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, prior=prior, components=k)).eval()
    if prior == "mog":  # spread the components out, as training does
        model.prior.mu.copy_(torch.randn(k, 2) * 1.5)
        model.prior.logvar.copy_(torch.randn(k, 2) * 0.3 - 1.0)
        model.prior.logits.copy_(torch.randn(k))
    if prior == "vamp":
        model.prior.pseudo.copy_(torch.randn_like(model.prior.pseudo) * 2)
    return model


@pytest.mark.parametrize("prior", sorted(PRIORS))
def test_log_prior_integrates_to_one_over_the_plane(prior):
    model = model_with(prior)
    axis = torch.linspace(-12, 12, 801)
    z = torch.cartesian_prod(axis, axis)
    mass = model.log_prior(z).exp().sum().item() * (axis[1] - axis[0]).item() ** 2
    assert abs(mass - 1.0) < 1e-3, mass


@pytest.mark.parametrize("prior", sorted(PRIORS))
def test_samples_follow_the_density(prior):
    """The mean log-density of draws from the prior is its negative entropy: compare a
    Monte Carlo estimate against the grid integral of p log p."""
    model = model_with(prior)
    z = model.prior.sample(20_000, model.encode, torch.Generator().manual_seed(1))
    by_samples = model.log_prior(z).mean().item()
    axis = torch.linspace(-12, 12, 801)
    grid = torch.cartesian_prod(axis, axis)
    lp = model.log_prior(grid)
    by_grid = (lp.exp() * lp).sum().item() * (axis[1] - axis[0]).item() ** 2
    assert abs(by_samples - by_grid) < 0.05


def test_kl_closed_form_matches_monte_carlo_for_the_standard_prior():
    model = model_with("standard")
    mu, logvar = torch.tensor([[0.7, -1.2]]), torch.tensor([[-1.5, 0.4]])
    z = mu + torch.randn(200_000, 2, generator=torch.Generator().manual_seed(2)) * (
        0.5 * logvar).exp()
    mc = (log_normal(z, mu, logvar) - model.log_prior(z)).mean().item()
    assert abs(mc - gaussian_kl(mu, logvar).item()) < 0.02
    assert kl_term(model, z[:1], mu, logvar).item() == pytest.approx(gaussian_kl(mu, logvar).item())
    assert model.log_prior(torch.zeros(1, 2)).item() == pytest.approx(-math.log(2 * math.pi))


@pytest.mark.parametrize("prior", ["mog", "vamp"])
def test_iwae_is_above_the_elbo_with_a_learned_prior(prior, small_cfg, mnist_test):
    cfg = dataclasses.replace(small_cfg, prior=prior, components=16, epochs=2)
    with torch.enable_grad():
        model = new_model(cfg)
        for _ in train(cfg, model):
            pass
    x = (mnist_test.images[:200].float() / 255 > 0.5).float()
    elbo = dataset_elbo(model, x, generator=torch.Generator().manual_seed(3))["elbo"]
    iwae = iwae_bound(model, x, k=200, generator=torch.Generator().manual_seed(4)).mean().item()
    assert iwae > elbo


def test_older_models_have_the_standard_prior():
    cfg = ModelConfig()  # what a checkpoint without a prior entry builds
    assert cfg.prior == "standard" and not build_model(cfg).prior.learned
    assert not [k for k in build_model(cfg).state_dict() if k.startswith("prior")]


@pytest.mark.parametrize("prior", ["mog", "vamp"])
def test_an_anchored_prior_keeps_a_fixed_standard_normal_share(prior):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", prior=prior, components=8, anchor=0.2)).eval()
    plain = build_model(ModelConfig(arch="mlp", prior=prior, components=8)).eval()
    plain.load_state_dict(model.state_dict())  # the same weights: the anchor adds none
    mu, logvar, log_w = model.prior.components(model.encode)
    assert len(mu) == 9 and mu[-1].abs().max() == 0 and logvar[-1].abs().max() == 0
    assert log_w.exp().sum().item() == pytest.approx(1.0)
    assert log_w[-1].exp().item() == pytest.approx(0.2)
    z = torch.randn(50, 2) * 3
    want = torch.logaddexp(math.log(0.8) + plain.log_prior(z),
                           math.log(0.2) + log_normal(z, torch.zeros(2), torch.zeros(2)))
    assert torch.allclose(model.log_prior(z), want, atol=1e-5)


def test_a_bounded_encoder_keeps_every_mean_inside_the_bound():
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", mean_bound=2.0)).eval()
    x = torch.rand(500, 1, 28, 28) * 50  # far outside [0, 1]: huge pre-activations
    mu, logvar = model.encode(x)
    assert mu.abs().max() < 2.0 and mu.abs().max() > 1.0
    torch.manual_seed(0)
    free = build_model(ModelConfig(arch="mlp")).eval()
    assert torch.equal(free.encode(x)[1], logvar)  # the log-variances are left alone
    assert free.encode(x)[0].abs().max() > 2.0


def test_the_spread_penalty_is_zero_at_the_standard_prior_and_fixes_the_scale():
    from explorer.vae.objectives import spread_penalty

    mu = torch.randn(100_000, 2, generator=torch.Generator().manual_seed(0)) * 0.6
    logvar = torch.full_like(mu, math.log(1 - 0.36))  # mixture covariance: I
    assert spread_penalty(mu, logvar).item() == pytest.approx(0.0, abs=1e-3)
    wide = spread_penalty(mu * 30, logvar + 2 * math.log(30)).item()
    narrow = spread_penalty(mu / 30, logvar - 2 * math.log(30)).item()
    assert wide > 500 and narrow > 5  # too wide and too narrow both cost
    with torch.enable_grad():  # and its gradient shrinks a wide plane
        scale = torch.tensor(5.0, requires_grad=True)
        spread_penalty(mu * scale, logvar + 2 * torch.log(scale)).backward()
        assert scale.grad > 0
