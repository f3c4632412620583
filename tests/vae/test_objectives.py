import math

import torch

from explorer.vae.objectives import (
    GAUSSIAN_SIGMA,
    dataset_elbo,
    elbo_terms,
    gaussian_kl,
    iwae_bound,
    reconstruction_nll,
)
from explorer.vae.priors import StandardNormal


def test_bernoulli_reconstruction_matches_a_hand_computation():
    logits = torch.tensor([[2.0, -1.0, 0.5, -3.0]]).view(1, 1, 2, 2)
    x = torch.tensor([[1.0, 0.0, 0.0, 1.0]]).view(1, 1, 2, 2)
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    hand = -(math.log(sig(2.0)) + math.log(1 - sig(-1.0)) + math.log(1 - sig(0.5))
             + math.log(sig(-3.0)))
    assert abs(reconstruction_nll(logits, x).item() - hand) < 1e-5


def test_gaussian_reconstruction_is_the_normal_log_density():
    torch.manual_seed(0)
    logits, x = torch.randn(3, 1, 4, 4), torch.rand(3, 1, 4, 4)
    ref = -torch.distributions.Normal(torch.sigmoid(logits), GAUSSIAN_SIGMA).log_prob(x)
    assert torch.allclose(reconstruction_nll(logits, x, "gaussian"), ref.flatten(1).sum(1),
                          atol=1e-3)


def test_analytic_kl_matches_monte_carlo():
    mu, logvar = torch.tensor([[0.7, -1.2]]), torch.tensor([[-0.5, 0.8]])
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
    z = q.sample(torch.Size([400_000]))
    mc = (q.log_prob(z) - p.log_prob(z)).sum(-1).mean()
    assert abs(gaussian_kl(mu, logvar).item() - mc.item()) < 0.01
    assert gaussian_kl(torch.zeros(1, 2), torch.zeros(1, 2)).item() == 0.0


class _Fixed(torch.nn.Module):
    """A model with a known posterior and decoder, to check the estimators."""

    def __init__(self):
        super().__init__()
        self.prior = StandardNormal(2)

    def log_prior(self, z):
        return self.prior.log_prob(z, self.encode)

    def encode(self, x):
        n = len(x)
        return torch.full((n, 2), 0.3), torch.full((n, 2), -1.0)

    def decode(self, z):
        return (z[:, :1] - z[:, 1:]).view(-1, 1, 1, 1).expand(-1, 1, 2, 2) * 2.0


def test_elbo_terms_combine_with_beta():
    x = torch.ones(64, 1, 2, 2)
    g = torch.Generator().manual_seed(0)
    loss, recon, kl = elbo_terms(_Fixed(), x, beta=4.0, generator=g)
    assert torch.isclose(loss, recon + 4.0 * kl)
    assert torch.isclose(kl, gaussian_kl(torch.full((1, 2), 0.3), torch.full((1, 2), -1.0))[0])


def test_iwae_is_tighter_than_the_elbo_and_below_the_exact_likelihood():
    patterns = torch.cartesian_prod(*[torch.tensor([0.0, 1.0])] * 4).view(16, 1, 2, 2)
    x = patterns.repeat(10, 1, 1, 1)  # every 2x2 binary image, 10 times each
    model = _Fixed()
    elbo = dataset_elbo(model, x, generator=torch.Generator().manual_seed(2))["elbo"]
    k1 = iwae_bound(model, x, k=1, generator=torch.Generator().manual_seed(3)).mean().item()
    k1000 = iwae_bound(model, x, k=1000, generator=torch.Generator().manual_seed(4)).mean()
    assert abs(k1 - elbo) < 0.3  # both single-sample estimates of the same ELBO
    assert k1000.item() > elbo + 0.01
    # the exact log-likelihood, by integrating over a fine grid of z, bounds it from above
    grid = torch.linspace(-6, 6, 401)
    z = torch.cartesian_prod(grid, grid)
    logits = model.decode(z).flatten(1)  # (Z, 4)
    log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
        logits.unsqueeze(0).expand(16, -1, -1), patterns.flatten(1).unsqueeze(1).expand(
            -1, len(z), -1), reduction="none").sum(-1)  # (16, Z)
    prior = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    exact = torch.logsumexp(log_px_z + prior, 1) + 2 * math.log(grid[1] - grid[0])
    assert k1000.item() <= exact.mean().item() + 0.02
    assert exact.mean().item() - k1000.item() < 0.05


def test_the_importance_weighted_objective_is_the_elbo_for_one_sample_and_tighter_for_more():
    from explorer.vae.objectives import iwae_terms

    model = _Fixed()
    patterns = torch.cartesian_prod(*[torch.tensor([0.0, 1.0])] * 4).view(16, 1, 2, 2)
    x = patterns.repeat(200, 1, 1, 1)
    one, _, _ = iwae_terms(model, x, 1, generator=torch.Generator().manual_seed(5))
    elbo = -dataset_elbo(model, x, generator=torch.Generator().manual_seed(6))["elbo"]
    assert abs(one.item() - elbo) < 0.1  # the same bound, two estimates of it
    many, recon, kl = iwae_terms(model, x, 50, generator=torch.Generator().manual_seed(7))
    assert many.item() < one.item() - 0.01  # a tighter (lower) loss
    exact_kl = gaussian_kl(torch.full((1, 2), 0.3), torch.full((1, 2), -1.0))[0]
    assert abs(kl.item() - exact_kl.item()) < 0.05 and recon.item() > 0
