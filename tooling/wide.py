"""A deliberately wide model, for tests of the views: a checkpoint whose plane is another's
scaled by a factor (50 by default). The encoder's means are multiplied by it (its spreads
too), and the decoder reads z divided by it, so every digit decodes as before, 50 times
farther out: what a learned prior whose scale drifted looks like to a view.

    python -m tooling.wide pretrained/mnist.pt runs/wide.pt --factor 50
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch
from torch import nn

from explorer.vae import checkpoint


def _linear(seq: nn.Sequential, last: bool) -> nn.Linear:
    layers = [m for m in seq if isinstance(m, nn.Linear)]
    if not layers:
        raise ValueError("a network with no linear layer to scale")
    return layers[-1] if last else layers[0]


@torch.no_grad()
def widen(model: nn.Module, factor: float) -> nn.Module:
    """The model with its plane scaled by `factor`, in place (a standard-prior network with
    a linear last encoder layer and a linear first decoder layer, as every arch has)."""
    if model.prior.learned:
        raise ValueError("widen a standard-prior model (a learned prior would need scaling too)")
    d = model.cfg.latent_dim
    out = _linear(model.encoder, last=True)  # (2d, h): mu rows, then logvar rows
    out.weight[:d] *= factor
    out.bias[:d] *= factor
    out.bias[d:] += 2 * math.log(factor)  # sigma scales with the plane
    _linear(model.decoder, last=False).weight /= factor  # z / factor: the same pictures
    return model


def write(src: Path | str, dst: Path | str, factor: float = 50.0) -> Path:
    """Save a copy of the checkpoint `src` with its plane scaled by `factor` at `dst` (its
    history too: the time-lapse's maps and small manifolds scaled alike)."""
    from explorer.media.timelapse import grid_lims

    model, ckpt = checkpoint.load(src)
    widen(model, factor)
    metrics = {**(ckpt.get("metrics") or {}), "widened_from": Path(src).name,
               "widened_by": factor}
    history = dict(ckpt.get("history") or {})
    if history.get("snapshots") is not None:
        history["grid_lims"] = [v * factor for v in grid_lims(history, len(history["snapshots"]))]
        history["snapshots"] = history["snapshots"] * factor
    return checkpoint.save(dst, model, model.cfg, ckpt.get("train_config"), metrics, history)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tooling.wide", description=__doc__.split(
        "\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--factor", type=float, default=50.0)
    a = ap.parse_args(argv)
    print(write(a.src, a.dst, a.factor))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
