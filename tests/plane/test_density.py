"""explorer/plane/density.py: the prior against the aggregate posterior, and the holes between."""

import numpy as np
import torch

from explorer.plane import density
from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model


def test_the_aggregate_posterior_is_a_density():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(0, 1.5, (500, 2)), np.log(rng.uniform(0.05, 0.5, (500, 2)))
    axis, points = density.grid(lim=9.0, n=301)
    mass = density.aggregate_density(mu, logvar, points).sum() * (axis[1] - axis[0]) ** 2
    assert abs(mass - 1.0) < 1e-3


def test_digits_packed_in_one_corner_leave_the_rest_of_the_prior_a_hole():
    model = build_model(ModelConfig()).eval()
    axis, points = density.grid()
    prior = density.prior_density(model, points)
    step = (axis[1] - axis[0]) ** 2
    assert abs(prior.sum() * step - 1.0) < 1e-3  # N(0, I) over [-4, 4]^2
    mu = np.tile([[1.5, 1.5]], (200, 1)) + np.random.default_rng(1).normal(0, 0.2, (200, 2))
    agg = density.aggregate_density(mu, np.full((200, 2), np.log(0.04)), points)
    holes = density.holes(prior, agg)
    region = density.prior_region(prior)
    assert abs(prior[region].sum() / prior.sum() - density.PRIOR_MASS) < 0.01
    assert prior[holes].sum() / prior.sum() > 0.7  # most of the prior's mass: no digit there
    corner = np.argmin(np.abs(points - [1.5, 1.5]).sum(1))
    assert not holes[corner]  # where the digits are is no hole
    level = density.region_level(prior)
    z = np.array([[1.5, 1.5], [-1.0, -1.0]], np.float32)
    flags = density.in_holes(density.prior_density(model, z),
                             density.aggregate_density(mu, np.full((200, 2), np.log(0.04)), z),
                             level)
    assert flags.tolist() == [False, True]


def test_a_matching_prior_has_no_holes():
    model = build_model(ModelConfig()).eval()
    _, points = density.grid()
    z = torch.randn(4000, 2, generator=torch.Generator().manual_seed(0)).numpy()
    agg = density.aggregate_density(z, np.full_like(z, np.log(0.05)), points)
    prior = density.prior_density(model, points)
    assert prior[density.holes(prior, agg)].sum() / prior.sum() < 0.02
