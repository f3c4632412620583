"""One digit through the model, with every number: what the encoder says, the noise drawn,
the z it gives, what the decoder draws, and the ELBO taken apart (the reconstruction term
pixel by pixel, the KL term in closed form or by Monte Carlo). Arrays in, arrays out.

    walk = walkthrough.walk(model, x, eps=np.array([0.3, -1.1]))
    walk.recon_nats, walk.kl_nats, walk.elbo    # this digit's ELBO, split
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.plane import latent
from explorer.vae.objectives import pixel_nll, reconstruction_nll
from explorer.vae.priors import log_normal

KL_SAMPLES = 2000  # Monte Carlo draws for the KL of a learned prior (about 0.05 nats of error)


@dataclass(frozen=True)
class Walk:
    x: np.ndarray  # (28, 28) the input as the likelihood scores it: binary, or grey
    mu: np.ndarray  # (2,) the encoder's mean ...
    sigma: np.ndarray  # (2,) ... and standard deviation of q(z|x)
    eps: np.ndarray  # (2,) the noise drawn from N(0, I)
    z: np.ndarray  # (2,) mu + sigma * eps
    decoded_z: np.ndarray  # (28, 28) the picture decoded at z ...
    decoded_mu: np.ndarray  # (28, 28) ... and at mu
    pixel_nats: np.ndarray  # (28, 28) -log p(x|z) of each pixel: where the term comes from
    recon_nats: float  # -log p(x|z), their sum
    kl_nats: float  # KL(q(z|x) || p(z))
    kl_exact: bool  # closed form (standard prior) or Monte Carlo (a learned one)
    kl_per_dim: np.ndarray | None  # the closed form's two terms, one per latent dimension

    @property
    def elbo(self) -> float:
        """This one-sample ELBO (the KL exact or averaged over many draws)."""
        return -(self.recon_nats + self.kl_nats)

    def loss(self, beta: float) -> float:
        """What training minimises for this digit at this beta: recon + beta * KL."""
        return self.recon_nats + beta * self.kl_nats


def as_seen(picture: np.ndarray, likelihood: str) -> np.ndarray:
    """A (28, 28) picture in [0, 1] as the likelihood scores it: thresholded at 0.5 for the
    Bernoulli one (as the test ELBO does), grey for the Gaussian one."""
    x = np.asarray(picture, np.float32).reshape(28, 28)
    return (x > 0.5).astype(np.float32) if likelihood == "bernoulli" else x


@torch.no_grad()
def walk(model, picture: np.ndarray, eps: np.ndarray, kl_samples: int = KL_SAMPLES,
         seed: int = 0) -> Walk:
    """`picture` (28, 28) in [0, 1] through `model`, with the noise `eps` (2,)."""
    likelihood = model.cfg.likelihood
    x = as_seen(picture, likelihood)
    mu, logvar = latent.encode_one(model, x)
    sigma = np.exp(0.5 * logvar)
    eps = np.asarray(eps, np.float32).reshape(2)
    z = (mu + sigma * eps).astype(np.float32)
    device = latent.model_device(model)
    with latent.evaluating(model):
        logits = model.decode(torch.from_numpy(z).view(1, 2).to(device))
        xt = torch.from_numpy(x).view(1, 1, 28, 28).to(device)
        nats = pixel_nll(logits, xt, likelihood)[0, 0].cpu().numpy()
        recon = float(reconstruction_nll(logits, xt, likelihood))
        if model.prior.learned:  # E_q[log q(z|x) - log p(z)], by Monte Carlo
            g = torch.Generator(device).manual_seed(seed)
            m, lv = (torch.from_numpy(v).view(1, 2).to(device) for v in (mu, logvar))
            zs = m + torch.randn(kl_samples, 2, generator=g, device=device) * (0.5 * lv).exp()
            kl = float((log_normal(zs, m, lv) - model.log_prior(zs)).mean())
            per_dim = None
        else:  # -1/2 sum_d (1 + log sigma_d^2 - mu_d^2 - sigma_d^2)
            per_dim = -0.5 * (1 + logvar - mu**2 - np.exp(logvar))
            kl = float(per_dim.sum())
    return Walk(x, mu, sigma, eps, z, latent.decode_point(model, z),
                latent.decode_point(model, mu), nats, recon, kl, not model.prior.learned,
                per_dim)


def draw_eps(seed: int) -> np.ndarray:
    """eps ~ N(0, I), one draw per seed (a button press is a new seed)."""
    return np.random.default_rng(seed).standard_normal(2).astype(np.float32)


def posterior_cloud(mu: np.ndarray, sigma: np.ndarray, n: int = 200, seed: int = 0
                    ) -> np.ndarray:
    """(n, 2) draws of q(z|x): what the one eps above is one of."""
    eps = np.random.default_rng(seed).standard_normal((n, 2))
    return (mu + sigma * eps).astype(np.float32)
