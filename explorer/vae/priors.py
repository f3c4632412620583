"""p(z): the prior over the latent plane. Each is a mixture of diagonal Gaussians, which
gives one log-density (`log_prob`) and one sampler for all of them:

- standard: N(0, I), one component, nothing learned (closed-form KL; every older model);
- mog: a mixture of K Gaussians whose means, spreads and weights are learned with the VAE;
- vamp: the VampPrior (Tomczak & Welling 2018, https://arxiv.org/abs/1705.07120), the
  average of the encoder's posteriors q(z|u_k) at K learned pseudo-inputs u_k.

With a 2-D latent the standard prior puts mass where no digit is encoded (between the
classes): a learned prior can follow the aggregate posterior instead, and the bound rises.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

PRIORS = {
    "standard": "N(0, I): nothing learned; the KL term in closed form.",
    "mog": "A mixture of K Gaussians learned with the model (means, spreads and weights).",
    "vamp": "The VampPrior: the encoder's posteriors at K learned pseudo-images, averaged.",
}
LOG_2PI = math.log(2 * math.pi)


def log_normal(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """log N(z; mu, diag(exp(logvar))), summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


def mixture_log_prob(z: Tensor, mu: Tensor, logvar: Tensor, log_w: Tensor) -> Tensor:
    """log sum_k w_k N(z; mu_k, exp(logvar_k)): z (N, D), mu and logvar (K, D), log_w (K,)."""
    per = log_normal(z.unsqueeze(-2), mu, logvar)  # (N, K)
    return torch.logsumexp(per + log_w, dim=-1)


Encode = Callable[[Tensor], tuple[Tensor, Tensor]]


class Prior(nn.Module):
    """A mixture of diagonal Gaussians; subclasses say what the learned components are.

    `anchor` > 0 adds a fixed N(0, I) component of that weight (the learned ones share the
    rest): mass that stays where the standard prior has it, so a learned prior that drifts
    away from the origin pays for it (priors.py's note on scale)."""

    learned = True
    anchor = 0.0

    def learned_components(self, encode: Encode) -> tuple[Tensor, Tensor, Tensor]:
        raise NotImplementedError

    def components(self, encode: Encode) -> tuple[Tensor, Tensor, Tensor]:
        """(mu (K, D), logvar (K, D), log weights (K,)); `encode` is the VAE's encoder."""
        mu, logvar, log_w = self.learned_components(encode)
        if not self.anchor:
            return mu, logvar, log_w
        zero = torch.zeros_like(mu[:1])
        log_w = torch.cat([log_w + math.log1p(-self.anchor),
                           log_w.new_full((1,), math.log(self.anchor))])
        return torch.cat([mu, zero]), torch.cat([logvar, zero]), log_w

    def log_prob(self, z: Tensor, encode: Encode) -> Tensor:
        return mixture_log_prob(z, *self.components(encode))

    @torch.no_grad()
    def sample(self, n: int, encode: Encode, generator: torch.Generator | None = None,
               temperature: float = 1.0) -> Tensor:
        """n draws (n, D) where the components live; temperature scales each component's
        spread (1: the prior itself)."""
        mu, logvar, log_w = self.components(encode)
        k = torch.multinomial(log_w.exp(), n, replacement=True, generator=generator)
        eps = torch.randn((n, mu.shape[1]), generator=generator, device=mu.device)
        return mu[k] + temperature * eps * (0.5 * logvar[k]).exp()


class StandardNormal(Prior):
    learned = False

    def __init__(self, latent_dim: int):
        super().__init__()
        self.register_buffer("zero", torch.zeros(1, latent_dim), persistent=False)

    def components(self, encode: Encode) -> tuple[Tensor, Tensor, Tensor]:
        return self.zero, self.zero, self.zero[:, 0]

    learned_components = components


class GaussianMixture(Prior):
    def __init__(self, latent_dim: int, k: int):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.mu = nn.Parameter(torch.randn(k, latent_dim, generator=g))  # spread like N(0, I)
        self.logvar = nn.Parameter(torch.full((k, latent_dim), math.log(0.25)))
        self.logits = nn.Parameter(torch.zeros(k))

    def learned_components(self, encode: Encode) -> tuple[Tensor, Tensor, Tensor]:
        return self.mu, self.logvar.clamp(-8.0, 4.0), torch.log_softmax(self.logits, 0)


class VampPrior(Prior):
    def __init__(self, k: int, shape: tuple[int, ...] = (1, 28, 28)):
        super().__init__()
        self.pseudo = nn.Parameter(torch.zeros(k, *shape))  # logits of the pseudo-images

    @torch.no_grad()
    def init_from_data(self, images: Tensor) -> None:
        """Start the pseudo-images at training digits (probabilities in [0, 1])."""
        p = images[: len(self.pseudo)].reshape(-1, *self.pseudo.shape[1:]).clamp(0.05, 0.95)
        self.pseudo[: len(p)] = torch.log(p) - torch.log1p(-p)

    def learned_components(self, encode: Encode) -> tuple[Tensor, Tensor, Tensor]:
        mu, logvar = encode(torch.sigmoid(self.pseudo))
        k = len(self.pseudo)
        return mu, logvar, torch.full((k,), -math.log(k), device=mu.device)


def build_prior(name: str, latent_dim: int, k: int, anchor: float = 0.0) -> Prior:
    if not 0.0 <= anchor < 1.0:
        raise ValueError(f"the anchor's weight must be in [0, 1), not {anchor}")
    if name == "standard":
        return StandardNormal(latent_dim)
    if name == "mog":
        prior = GaussianMixture(latent_dim, k)
    elif name == "vamp":
        prior = VampPrior(k)
    else:
        raise ValueError(f"unknown prior {name!r} (known: {', '.join(PRIORS)})")
    prior.anchor = float(anchor)
    return prior
