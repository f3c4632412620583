"""Pure latent-space maths: encode a set or one picture, decode points and grids,
interpolate, neighbours.

Arrays in, arrays out; no Streamlit. Pictures are float32 probabilities in [0, 1]
(sigmoid of the decoder's logits), 1 = ink. Whatever device the model is on, its inputs are
moved there and its outputs come back to the CPU; it runs in eval mode (batch norm uses
its running statistics and is not updated) and is left in the mode it was in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from explorer.vae.model import VAE


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@contextmanager
def evaluating(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Eval mode for the block, then the mode the model was in (a training run may be
    decoding its samples between two steps)."""
    training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(training)


@torch.no_grad()
def encode_all(model: VAE, images: torch.Tensor | np.ndarray,
               batch: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and log-variances of images (N, 1, 28, 28): uint8 0..255 or floats 0..1."""
    x = torch.as_tensor(images)
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    if x.ndim == 3:
        x = x.unsqueeze(1)
    device, mus, logvars = model_device(model), [], []
    with evaluating(model):
        for i in range(0, len(x), batch):
            mu, logvar = model.encode(x[i:i + batch].to(device))
            mus.append(mu.cpu())
            logvars.append(logvar.cpu())
    return torch.cat(mus).numpy(), torch.cat(logvars).numpy()


def encode_one(model: VAE, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (28, 28) picture in [0, 1] -> (mu, logvar), each (2,)."""
    mu, logvar = encode_all(model, np.asarray(picture, np.float32).reshape(1, 1, 28, 28))
    return mu[0], logvar[0]


@torch.no_grad()
def decode(model: VAE, z: np.ndarray | list | tuple) -> np.ndarray:
    """Latents (N, 2) -> pictures (N, 28, 28)."""
    zt = torch.as_tensor(np.asarray(z, np.float32)).reshape(-1, 2).to(model_device(model))
    with evaluating(model):
        return torch.sigmoid(model.decode(zt))[:, 0].cpu().numpy()


def decode_point(model: VAE, z: tuple[float, float]) -> np.ndarray:
    """One latent -> one picture (28, 28)."""
    return decode(model, [z])[0]


def grid_axis(n: int, lo: float, hi: float, spacing: str = "linear",
              scale: float = 1.0) -> np.ndarray:
    """n coordinates from lo to hi; "normal" spaces them by Normal quantiles instead, as the
    TF tutorial does, so each cell holds equal prior mass (lo, hi are then clipped to the
    quantiles of 0.5/n and 1 - 0.5/n), the quantiles times `scale` (a plane wider than a
    standard-prior model's: its extent over 4, as the page's manifold has it)."""
    if spacing == "linear":
        return np.linspace(lo, hi, n, dtype=np.float32)
    if spacing == "normal":
        p = torch.linspace(0.5 / n, 1 - 0.5 / n, n, dtype=torch.float64)
        q = torch.distributions.Normal(0.0, 1.0).icdf(p).numpy() * scale
        return np.clip(q, lo, hi).astype(np.float32)
    raise ValueError(f"spacing must be 'linear' or 'normal', not {spacing!r}")


def grid_points(n: int, lo: float, hi: float, spacing: str = "linear",
                scale: float = 1.0) -> np.ndarray:
    """(n*n, 2) latents, row-major with the first row at the top (largest z[1])."""
    axis = grid_axis(n, lo, hi, spacing, scale)
    z0, z1 = np.meshgrid(axis, axis[::-1])
    return np.stack([z0.ravel(), z1.ravel()], 1)


def decode_grid(model: VAE, n: int, lo: float = -3.0, hi: float = 3.0,
                spacing: str = "linear", scale: float = 1.0) -> np.ndarray:
    """Pictures over an n x n grid: (n, n, 28, 28), row 0 at the top (largest z[1])."""
    return decode(model, grid_points(n, lo, hi, spacing, scale)).reshape(n, n, 28, 28)


def tile(pictures: np.ndarray) -> np.ndarray:
    """(rows, cols, h, w) -> one (rows*h, cols*w) image."""
    rows, cols, h, w = pictures.shape
    return pictures.transpose(0, 2, 1, 3).reshape(rows * h, cols * w)


def interpolate(z0, z1, steps: int, method: str = "linear") -> np.ndarray:
    """(steps, 2) latents from z0 to z1 inclusive. "slerp" follows the great circle around
    the origin with the radius changing linearly, which keeps the path in the dense middle
    of the prior instead of cutting through its centre."""
    a, b = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if method == "linear":
        return ((1 - t) * a + t * b).astype(np.float32)
    if method != "slerp":
        raise ValueError(f"method must be 'linear' or 'slerp', not {method!r}")
    ra, rb = np.linalg.norm(a), np.linalg.norm(b)
    if ra < 1e-8 or rb < 1e-8:
        return ((1 - t) * a + t * b).astype(np.float32)
    omega = np.arccos(np.clip(a @ b / (ra * rb), -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    dirs = (np.sin((1 - t) * omega) * a / ra + np.sin(t * omega) * b / rb) / np.sin(omega)
    return (dirs * ((1 - t) * ra + t * rb)).astype(np.float32)


def nearest(z_all: np.ndarray, z, k: int = 5) -> np.ndarray:
    """Indices of the k rows of z_all closest to z (Euclidean), nearest first."""
    d = np.sum((np.asarray(z_all) - np.asarray(z, np.float32).reshape(1, -1)) ** 2, axis=1)
    k = min(k, len(d))
    idx = np.argpartition(d, k - 1)[:k]
    return idx[np.argsort(d[idx])]


def ellipse(mu, logvar, n_sigma: float = 1.0, points: int = 64) -> np.ndarray:
    """(points, 2) outline of the n-sigma contour of N(mu, diag(exp(logvar)))."""
    t = np.linspace(0, 2 * np.pi, points)
    sd = np.exp(0.5 * np.asarray(logvar, np.float64))
    return (np.asarray(mu)[None, :] + n_sigma * np.stack([np.cos(t), np.sin(t)], 1) * sd
            ).astype(np.float32)


@torch.no_grad()
def prior_samples(n: int, temperature: float = 1.0, seed: int = 0,
                  model: VAE | None = None) -> np.ndarray:
    """(n, 2) latents from the model's prior (N(0, I) without a model, or for a standard
    one), each component's spread scaled by the temperature T: below 1 they keep to the
    dense middle (typical, clean digits); above 1 they reach the edges (odd ones)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, not {temperature!r}")
    if model is None or not model.prior.learned:
        rng = np.random.default_rng(seed)
        return (rng.standard_normal((n, 2)) * temperature).astype(np.float32)
    g = torch.Generator(model_device(model)).manual_seed(seed)
    with evaluating(model):
        return model.prior.sample(n, model.encode, g, temperature).cpu().numpy()


def parse_z(text: str) -> tuple[float, float]:
    """'0.5, -1.2' (or '(0.5 -1.2)', '[0.5; -1.2]') -> (0.5, -1.2); ValueError with a readable
    message for anything else."""
    cleaned = text.strip().strip("()[]").replace(";", ",").replace(",", " ").split()
    try:
        values = [float(v) for v in cleaned]
    except ValueError:
        values = []
    if len(values) != 2 or not all(np.isfinite(values)):
        raise ValueError(f"expected two numbers like '0.5, -1.2', got {text!r}")
    return values[0], values[1]
