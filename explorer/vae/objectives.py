"""The VAE objective: ELBO terms (reconstruction, KL) and the IWAE bound for evaluation.

Everything here is per image, in nats, with the model's own prior p(z). The ELBO is
    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || p(z))
with the KL in closed form for the standard prior N(0, I) (Kingma & Welling 2014, appendix
B) and estimated from the same sample z ~ q(z|x) as log q(z|x) - log p(z) for a learned one;
and the IWAE bound
    log p(x) >= E[log 1/K sum_k p(x, z_k) / q(z_k|x)]
(Burda et al. 2016, https://arxiv.org/abs/1509.00519), which tightens as K grows.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from explorer.vae.config import LIKELIHOODS
from explorer.vae.model import reparameterize
from explorer.vae.priors import LOG_2PI, log_normal

GAUSSIAN_SIGMA = 0.1  # fixed pixel std of the Gaussian ("MSE") likelihood


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per row: (N, D) -> (N,)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)


def pixel_nll(logits: Tensor, x: Tensor, likelihood: str = "bernoulli") -> Tensor:
    """-log p(x|z) of each pixel: logits and targets of one shape -> that shape.

    Bernoulli: binary cross-entropy with logits. Gaussian: the pixel mean is sigmoid(logits)
    and the std is fixed, so this is a scaled squared error plus the normalising constant
    (without the constant the "ELBO" of an MSE VAE is not a bound on anything).
    """
    if likelihood == "bernoulli":
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    if likelihood == "gaussian":
        se = (torch.sigmoid(logits) - x).pow(2)
        return se / (2 * GAUSSIAN_SIGMA**2) + 0.5 * (LOG_2PI + 2 * math.log(GAUSSIAN_SIGMA))
    raise ValueError(f"unknown likelihood {likelihood!r}")


def reconstruction_nll(logits: Tensor, x: Tensor, likelihood: str = "bernoulli") -> Tensor:
    """-log p(x|z) per image: (N, 1, 28, 28) logits and targets -> (N,), the sum of
    pixel_nll."""
    return pixel_nll(logits, x, likelihood).flatten(1).sum(1)


def page_terms(likelihood: str) -> dict:
    """What the page's copy of this maths (explorer/page/web/elbo.js) takes from here, sent with
    the model's data file (explorer/page/prepared.py): the likelihood and its constants, so that
    a change here reaches the page."""
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"unknown likelihood {likelihood!r}")
    return {"likelihood": likelihood, "sigma": GAUSSIAN_SIGMA, "log_2pi": LOG_2PI}


def kl_term(model, z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(q(z|x) || p(z)) per row: closed form for N(0, I), else the one-sample estimate
    log q(z|x) - log p(z) at z (an unbiased estimate, whose mean is the KL)."""
    if not model.prior.learned:
        return gaussian_kl(mu, logvar)
    return log_normal(z, mu, logvar) - model.log_prior(z)


def spread_penalty(mu: Tensor, logvar: Tensor) -> Tensor:
    """How far a batch's aggregate posterior (the mixture of its q(z|x)) is from N(0, I) in
    scale: KL(N(m, S) || N(0, I)) for the mixture's mean m and covariance S, in nats.
    Zero when the encoded digits have the standard prior's mean and covariance. A learned
    prior leaves the plane's scale free (scaling z, the prior and the decoder's input
    together changes no bound), so a small weight on this fixes it at little cost."""
    m = mu.mean(0)
    centred = mu - m
    cov = centred.T @ centred / len(mu) + torch.diag(logvar.exp().mean(0))
    return 0.5 * (cov.diagonal().sum() + m.pow(2).sum() - len(m) - torch.logdet(cov))


def elbo_terms(model, x: Tensor, beta: float = 1.0, likelihood: str = "bernoulli",
               generator: torch.Generator | None = None,
               spread: float = 0.0) -> tuple[Tensor, Tensor, Tensor]:
    """One-sample estimate: (loss, recon, kl), each a mean over the batch.

    loss = recon + beta * kl (+ spread * spread_penalty) is what training minimises;
    -(recon + kl) is the ELBO whatever beta is, so reports stay comparable across beta.
    """
    mu, logvar = model.encode(x)
    z = reparameterize(mu, logvar, generator)
    recon = reconstruction_nll(model.decode(z), x, likelihood).mean()
    kl = kl_term(model, z, mu, logvar).mean()
    loss = recon + beta * kl
    if spread:
        loss = loss + spread * spread_penalty(mu, logvar)
    return loss, recon, kl


def iwae_terms(model, x: Tensor, k: int, beta: float = 1.0, likelihood: str = "bernoulli",
               generator: torch.Generator | None = None,
               spread: float = 0.0) -> tuple[Tensor, Tensor, Tensor]:
    """The importance-weighted training objective with k samples per image (Burda et al.
    2016): (loss, recon, kl) with loss = -mean log 1/k sum_j exp(log p(x|z_j) - beta (log
    q(z_j|x) - log p(z_j))), a bound tighter than the ELBO for k > 1 (and equal to its
    one-sample estimate for k = 1); recon and kl are the mean one-sample terms, to report."""
    mu, logvar = model.encode(x)
    z = reparameterize(mu.expand(k, *mu.shape), logvar.expand(k, *logvar.shape), generator)
    logits = model.decode(z.flatten(0, 1))
    xk = x.unsqueeze(0).expand(k, *x.shape).flatten(0, 1)
    recon = reconstruction_nll(logits, xk, likelihood).view(k, -1)  # (k, N)
    kl = log_normal(z, mu, logvar) - model.log_prior(z.flatten(0, 1)).view(k, -1)
    bound = torch.logsumexp(-(recon + beta * kl), 0) - math.log(k)
    loss = -bound.mean()
    if spread:
        loss = loss + spread * spread_penalty(mu, logvar)
    return loss, recon.mean(), kl.mean()


@torch.no_grad()
def iwae_bound(model, x: Tensor, k: int = 1000, likelihood: str = "bernoulli",
               chunk: int = 250, generator: torch.Generator | None = None) -> Tensor:
    """log p(x) estimate with k importance samples per image: (N, ...) -> (N,)."""
    mu, logvar = model.encode(x)
    weights = []
    for start in range(0, k, chunk):
        kk = min(chunk, k - start)
        z = reparameterize(mu.expand(kk, *mu.shape), logvar.expand(kk, *logvar.shape),
                           generator)  # (kk, N, D)
        logits = model.decode(z.flatten(0, 1))
        xr = x.unsqueeze(0).expand(kk, *x.shape).flatten(0, 1)
        log_px_z = -reconstruction_nll(logits, xr, likelihood).view(kk, -1)
        log_pz = model.log_prior(z.flatten(0, 1)).view(kk, -1)
        log_qz = log_normal(z, mu, logvar)
        weights.append(log_px_z + log_pz - log_qz)
    return torch.logsumexp(torch.cat(weights), 0) - math.log(k)


@torch.no_grad()
def dataset_elbo(model, x: Tensor, likelihood: str = "bernoulli", batch: int = 1000,
                 generator: torch.Generator | None = None,
                 should_stop: Callable[[], bool] = lambda: False) -> dict[str, float] | None:
    """Single-sample ELBO with its split, averaged over all of x; None if stopped midway."""
    recon = kl = 0.0
    for i in range(0, len(x), batch):
        if should_stop():
            return None
        _, r, k = elbo_terms(model, x[i:i + batch], 1.0, likelihood, generator)
        n = len(x[i:i + batch])
        recon += r.item() * n
        kl += k.item() * n
    recon, kl = recon / len(x), kl / len(x)
    return {"elbo": -(recon + kl), "recon": recon, "kl": kl}
