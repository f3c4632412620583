"""Latent Explorer: a 2-D convolutional VAE on MNIST, and the maths to explore its latent plane.

    import explorer
    model = explorer.load_model()          # the shipped pretrained MNIST model, eval, CPU
    mu, logvar = model.encode(x)           # x: (N, 1, 28, 28) in [0, 1], 1 = ink
    probs = model.decode(z).sigmoid()      # z: (N, 2) -> (N, 1, 28, 28)

Nothing in this package imports Streamlit except `explorer.ui`.
"""

from __future__ import annotations

from pathlib import Path

from .checkpoint import PRETRAINED, CheckpointError
from .config import ModelConfig, TrainConfig
from .model import VAE


def load_model(path: str | Path | None = None) -> VAE:
    """The VAE from a checkpoint, in eval mode on CPU; None = the shipped MNIST model.

    Raises CheckpointError (naming the file and the reason) for a missing, corrupt or
    incompatible file.
    """
    from .checkpoint import load

    return load(path)[0]


__all__ = ["CheckpointError", "ModelConfig", "PRETRAINED", "TrainConfig", "VAE", "load_model"]
