"""The prior against the aggregate posterior, on the plane.

The aggregate posterior q(z) = 1/N sum_i q(z|x_i) is where the encoder actually puts the
training digits; the prior p(z) is where sampling looks for them. Where p(z) has mass and
q(z) has little, a sample from the prior lands in a *hole*: no digit was ever encoded
there, and the decoder draws a blur. A learned prior can follow q(z) and close the holes.
"""

from __future__ import annotations

import numpy as np
import torch

from explorer.plane import latent
from explorer.vae.priors import log_normal

HOLE_RATIO = 0.1  # q(z) below a tenth of p(z) ...
PRIOR_MASS = 0.95  # ... inside the region that holds 95% of the prior's mass


def grid(lim: float = 4.0, n: int = 121) -> tuple[np.ndarray, np.ndarray]:
    """(axis (n,), points (n*n, 2)): row-major, row j at z[1] = axis[j], column i at z[0]."""
    axis = np.linspace(-lim, lim, n, dtype=np.float32)
    zx, zy = np.meshgrid(axis, axis)
    return axis, np.stack([zx.ravel(), zy.ravel()], 1)


@torch.no_grad()
def prior_density(model, points: np.ndarray) -> np.ndarray:
    """p(z) at each point (N,), from the model's own prior."""
    with latent.evaluating(model):
        z = torch.from_numpy(np.asarray(points, np.float32)).to(latent.model_device(model))
        return model.log_prior(z).exp().cpu().numpy()


@torch.no_grad()
def aggregate_density(mu: np.ndarray, logvar: np.ndarray, points: np.ndarray,
                      chunk: int = 256) -> np.ndarray:
    """q(z) = 1/N sum_i N(z; mu_i, exp(logvar_i)) at each point (M,)."""
    m, lv = torch.from_numpy(np.asarray(mu, np.float32)), torch.from_numpy(
        np.asarray(logvar, np.float32))
    z = torch.from_numpy(np.asarray(points, np.float32))
    out = [torch.logsumexp(log_normal(z[i:i + chunk, None], m, lv), 1)
           for i in range(0, len(z), chunk)]
    return (torch.cat(out) - np.log(len(m))).exp().numpy()


def prior_region(prior: np.ndarray, mass: float = PRIOR_MASS) -> np.ndarray:
    """The grid points of the smallest region holding `mass` of the prior's mass there."""
    order = np.argsort(prior)[::-1]
    inside = np.zeros(len(prior), bool)
    cum = np.cumsum(prior[order])
    inside[order[: int(np.searchsorted(cum, mass * cum[-1])) + 1]] = True
    return inside


def holes(prior: np.ndarray, aggregate: np.ndarray, ratio: float = HOLE_RATIO,
          mass: float = PRIOR_MASS) -> np.ndarray:
    """Grid points where the prior has mass and the aggregate posterior almost none."""
    return prior_region(prior, mass) & (aggregate < ratio * prior)


def in_holes(prior: np.ndarray, aggregate: np.ndarray, level: float,
             ratio: float = HOLE_RATIO) -> np.ndarray:
    """For single points (samples): p(z) above the region's edge level and q(z) < ratio p(z)."""
    return (prior >= level) & (aggregate < ratio * prior)


def region_level(prior: np.ndarray, mass: float = PRIOR_MASS) -> float:
    """The density at the edge of the region holding `mass` of the prior (on a grid)."""
    return float(prior[prior_region(prior, mass)].min())
