"""Does an input look like any digit the model has seen? Its encoding against the test set's.

A 2-D encoder puts *every* input somewhere on the plane, letters and noise included, so the
place alone says little. Three measures of one encoding, each taken on the encoded test set
too:

- `far`: how far its mean lies from the nearest test digit's mean (for a test digit: from
  the nearest *other* one). Inputs unlike anything in training can land off the map.
- `unsure`: the largest posterior standard deviation: noise gets a wide q(z|x), because the
  encoder cannot say where it goes.
- `redraw`: the reconstruction term, -log p(x|z) at the mean in nats: a letter lands among
  the digits but the decoder redraws it as a digit, and the pixels disagree.

The *familiar* region is where 99% of the encoded test set lies in these three measures
together: each test digit gets its rank in each measure (0 to 1), its worst rank is its
score, and the levels are the measures' quantiles at the 99th percentile of that score.
So exactly 1% of test digits fall outside (a known false-alarm rate), and an input outside
is stranger, in at least one measure, than 99 test digits in 100.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.plane import latent
from explorer.vae.objectives import reconstruction_nll

INSIDE = 0.99  # the share of the encoded test set inside the familiar region
MEASURES = ("far", "unsure", "redraw")
REASONS = {
    "far": "it lands far from every test digit",
    "unsure": "the encoder cannot tell where it goes (a very wide spread)",
    "redraw": "the model cannot redraw it: its reconstruction differs from it",
}


@dataclass(frozen=True)
class Levels:
    far: float  # distance to the nearest test mean
    unsure: float  # largest posterior standard deviation
    redraw: float  # reconstruction term, nats


def nearest_distance(mu: np.ndarray, ref: np.ndarray, exclude_self: bool = False,
                     chunk: int = 1000) -> np.ndarray:
    """Each row of mu's distance to the nearest row of ref (N,); with exclude_self (mu is
    ref), a point's own zero distance is skipped."""
    out = np.empty(len(mu), np.float32)
    r2 = (ref.astype(np.float64) ** 2).sum(1)
    for i in range(0, len(mu), chunk):
        m = mu[i:i + chunk].astype(np.float64)
        d2 = (m ** 2).sum(1)[:, None] + r2[None] - 2 * m @ ref.T.astype(np.float64)
        if exclude_self:
            d2[np.arange(len(m)), np.arange(i, i + len(m))] = np.inf
        out[i:i + chunk] = np.sqrt(np.maximum(d2.min(1), 0.0))
    return out


@torch.no_grad()
def redraw_nats(model, x: np.ndarray, mu: np.ndarray, batch: int = 2000) -> np.ndarray:
    """-log p(x | z = mu) of pictures x (N, 28, 28) in [0, 1] under the model's own
    likelihood, (N,)."""
    out = []
    with latent.evaluating(model):
        device = latent.model_device(model)
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(np.asarray(x[i:i + batch], np.float32)).reshape(-1, 1, 28, 28)
            logits = model.decode(torch.from_numpy(np.asarray(mu[i:i + batch], np.float32))
                                  .to(device)).cpu()
            out.append(reconstruction_nll(logits, xb, model.cfg.likelihood).numpy())
    return np.concatenate(out)


def measures(model, x: np.ndarray, mu: np.ndarray, logvar: np.ndarray, ref_mu: np.ndarray,
             exclude_self: bool = False) -> np.ndarray:
    """(N, 3): far, unsure, redraw for pictures x (N, 28, 28) encoded as (mu, logvar)."""
    return np.stack([nearest_distance(mu, ref_mu, exclude_self),
                     np.exp(0.5 * np.asarray(logvar)).max(1),
                     redraw_nats(model, x, mu)], 1).astype(np.float64)


def fit_levels(stats: np.ndarray, inside: float = INSIDE) -> Levels:
    """The levels of the region holding `inside` of the rows of stats (N, 3) (see above)."""
    n = len(stats)
    ranks = stats.argsort(0).argsort(0) / max(n - 1, 1)  # each measure's empirical CDF
    score = float(np.quantile(ranks.max(1), inside))
    return Levels(*(float(v) for v in np.quantile(stats, score, axis=0)))


def test_set_levels(model, images: np.ndarray, mu: np.ndarray, logvar: np.ndarray) -> Levels:
    """Levels from the test set itself: images (N, 28, 28) in [0, 1] and their encodings."""
    return fit_levels(measures(model, images, mu, logvar, mu, exclude_self=True))


def unfamiliar(levels: Levels, model, x: np.ndarray, mu: np.ndarray, logvar: np.ndarray,
               ref_mu: np.ndarray) -> list[str]:
    """Why one picture x (28, 28), encoded as (mu, logvar) (2,), lies outside the familiar
    region: the names of the measures over their levels (empty: it looks like a digit)."""
    stats = measures(model, np.asarray(x)[None], np.asarray(mu)[None],
                     np.asarray(logvar)[None], ref_mu)[0]
    return [name for name, v in zip(MEASURES, stats, strict=True) if v > getattr(levels, name)]
