"""The VAE networks: ours and the variants people read about, behind one interface.

Every model maps images (N, 1, 28, 28) in [0, 1] to (mu, logvar), each (N, 2), and latents
(N, 2) to Bernoulli logits (N, 1, 28, 28). The loss lives in `objectives.py`.

Ours ("conv") is built for a 2-core CPU, where a 3x3 convolution on a 28x28 map costs more
than everything else put together. It reads the image through overlapping 8x8 patches at
stride 4 (one cheap convolution to a 7x7 grid of stroke features), thinks in dense layers
(a 2-D latent needs capacity between z and the pixels), and paints through one 3x3
convolution on the 7x7 grid whose 16 outputs per cell are shuffled into the 4x4 pixels of
that cell (sub-pixel convolution, Shi et al. 2016, https://arxiv.org/abs/1609.05158).
A learned per-pixel bias, started at the training images' mean, lets the network spend
itself on strokes, not background. SiLU (smooth) activations learn faster than ReLU here.
"""

from __future__ import annotations

import itertools

import torch
from torch import Tensor, nn

from explorer.vae.config import ARCHS, ModelConfig
from explorer.vae.priors import VampPrior, build_prior

# a posterior std outside [e^-6, e^3] never helps against a N(0, 1) prior, and an unbounded
# one lets a single bad step blow the loss up by orders of magnitude (the page's encoder
# applies the same clamp: explorer/page/network.py exports it as the encoder's last op)
LOGVAR_MIN, LOGVAR_MAX = -12.0, 6.0


def reparameterize(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I) drawn where mu lives (Kingma & Welling 2014).
    mu and logvar may carry leading sample dimensions (the IWAE bound draws K at once)."""
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + eps * (0.5 * logvar).exp()


class PixelBias(nn.Module):
    """Adds a learned (1, 28, 28) logit offset; `init_from_mean` starts it at the data mean."""

    def __init__(self, shape: tuple[int, ...] = (1, 28, 28)):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(shape))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.bias


class BoundMean(nn.Module):
    """The encoder's last step when its means are bounded: mu -> b * tanh(mu / b) on the
    first half of its outputs (the means; the log-variances pass). A learned prior leaves
    the plane's scale free; this keeps every encoded mean, and so a VampPrior's components,
    within +-b on each axis."""

    def __init__(self, bound: float):
        super().__init__()
        self.bound = float(bound)

    def forward(self, h: Tensor) -> Tensor:
        mu, logvar = h.chunk(2, dim=1)
        return torch.cat([self.bound * torch.tanh(mu / self.bound), logvar], dim=1)


class VAE(nn.Module):
    """encoder: image -> 2*latent numbers (mu, logvar); decoder: z -> logits; prior: p(z)."""

    def __init__(self, cfg: ModelConfig, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.cfg = cfg
        if cfg.mean_bound:
            encoder.append(BoundMean(cfg.mean_bound))
        self.encoder, self.decoder = encoder, decoder
        self.prior = build_prior(cfg.prior, cfg.latent_dim, cfg.components, cfg.anchor)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.encoder(x)  # (N, 2 * latent)
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(LOGVAR_MIN, LOGVAR_MAX)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)  # (N, 1, 28, 28) logits

    def log_prior(self, z: Tensor) -> Tensor:
        """log p(z) of this model's prior: (N, latent) -> (N,)."""
        return self.prior.log_prob(z, self.encode)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0,
               generator: torch.Generator | None = None) -> Tensor:
        """n pictures (probabilities) decoded from z drawn from the prior (its spread scaled
        by temperature), on the model's device (a generator must live there too)."""
        return torch.sigmoid(self.decode(self.prior.sample(n, self.encode, generator,
                                                           temperature)))

    @torch.no_grad()
    def init_from_data(self, images: Tensor) -> None:
        """Start from the training images (N, 1, 28, 28) in [0, 1]: the output at the logit
        of their mean (Burda et al. 2016), a VampPrior's pseudo-inputs at some of them."""
        p = images.mean(0).reshape(1, 28, 28).clamp(1e-3, 1 - 1e-3)
        logit = torch.log(p) - torch.log1p(-p)
        for module in self.decoder.modules():
            if isinstance(module, PixelBias):
                module.bias.copy_(logit)
        if isinstance(self.prior, VampPrior):
            self.prior.init_from_data(images)


def _ours(cfg: ModelConfig) -> VAE:
    c, d = cfg.width, cfg.latent_dim
    encoder = nn.Sequential(
        nn.Conv2d(1, 16, 8, stride=4, padding=2), nn.SiLU(),  # (N, 16, 7, 7)
        nn.Flatten(), nn.Linear(16 * 49, 256), nn.SiLU(),
        nn.Linear(256, 128), nn.SiLU(),
        nn.Linear(128, 2 * d),
    )
    decoder = nn.Sequential(
        nn.Linear(d, 128), nn.SiLU(),
        nn.Linear(128, 256), nn.SiLU(),
        nn.Linear(256, c * 49), nn.SiLU(), nn.Unflatten(1, (c, 7, 7)),
        nn.Conv2d(c, 16, 3, padding=1),  # (N, 16, 7, 7): a 4x4 pixel block per cell
        nn.PixelShuffle(4),  # (N, 1, 28, 28)
        PixelBias(),
    )
    nn.init.zeros_(decoder[-3].bias)  # the per-pixel bias carries the offset instead
    return VAE(cfg, encoder, decoder)


def _tutorial(cfg: ModelConfig) -> VAE:
    """The TensorFlow CVAE tutorial's network, ported layer for layer."""
    d = cfg.latent_dim
    encoder = nn.Sequential(
        nn.Conv2d(1, 32, 3, stride=2), nn.ReLU(),  # (N, 32, 13, 13)
        nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),  # (N, 64, 6, 6)
        nn.Flatten(), nn.Linear(2304, 2 * d),
    )
    decoder = nn.Sequential(
        nn.Linear(d, 7 * 7 * 32), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
        nn.ConvTranspose2d(32, 64, 3, 2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 1, padding=1),
    )
    return VAE(cfg, encoder, decoder)


def _mlp_of(cfg: ModelConfig, hidden: tuple[int, ...]) -> VAE:
    """784 -> hidden -> z and back through the hidden sizes reversed, ReLU between."""
    def layers(sizes):  # Linear, ReLU, ..., Linear
        out = []
        for a, b in itertools.pairwise(sizes):
            out += [nn.Linear(a, b), nn.ReLU()]
        return out[:-1]

    encoder = nn.Sequential(nn.Flatten(), *layers((784, *hidden, 2 * cfg.latent_dim)))
    decoder = nn.Sequential(*layers((cfg.latent_dim, *hidden[::-1], 784)),
                            nn.Unflatten(1, (1, 28, 28)))
    return VAE(cfg, encoder, decoder)


def _mlp(cfg: ModelConfig) -> VAE:
    """The strongest simple peer: 784-256-128 -> z -> 128-256-784 (Davidson et al. 2018)."""
    return _mlp_of(cfg, (256, 128))


def _keras_mlp(cfg: ModelConfig) -> VAE:
    """The Keras 'VAE on MNIST' write-up: 784-256 -> z -> 256-784."""
    return _mlp_of(cfg, (256,))


def _conv_bn(cfg: ModelConfig) -> VAE:
    """A textbook deeper conv VAE: batch norm, LeakyReLU, upsample + conv decoder."""
    d, act = cfg.latent_dim, (lambda: nn.LeakyReLU(0.2))
    encoder = nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32), act(),  # (N, 32, 14, 14)
        nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), act(),  # (N, 64, 7, 7)
        nn.Flatten(), nn.Linear(64 * 49, 256), nn.BatchNorm1d(256), act(),
        nn.Linear(256, 2 * d),
    )
    decoder = nn.Sequential(
        nn.Linear(d, 256), act(), nn.Linear(256, 64 * 49), act(), nn.Unflatten(1, (64, 7, 7)),
        nn.Upsample(scale_factor=2), nn.Conv2d(64, 32, 3, padding=1), nn.BatchNorm2d(32), act(),
        nn.Upsample(scale_factor=2), nn.Conv2d(32, 1, 3, padding=1),
    )
    return VAE(cfg, encoder, decoder)


BUILDERS = {"conv": _ours, "tutorial": _tutorial, "mlp": _mlp, "keras_mlp": _keras_mlp,
            "conv_bn": _conv_bn}
assert set(BUILDERS) == set(ARCHS)


def build_model(cfg: ModelConfig) -> VAE:
    if cfg.arch not in BUILDERS:
        raise ValueError(f"unknown architecture {cfg.arch!r} (known: {', '.join(BUILDERS)})")
    if cfg.latent_dim < 1:
        raise ValueError("latent_dim must be at least 1")
    return BUILDERS[cfg.arch](cfg)

