"""Latent Explorer: a 2-D convolutional VAE on MNIST, and the maths to explore its latent plane.

    import explorer
    model = explorer.load_model()          # the shipped pretrained MNIST model, eval, CPU
    mu, logvar = model.encode(x)           # x: (N, 1, 28, 28) in [0, 1], 1 = ink
    probs = model.decode(z).sigmoid()      # z: (N, 2) -> (N, 1, 28, 28)

Nothing in this package imports Streamlit except `explorer.ui`. Importing the package does
not import torch (the app's first page needs none): the names below load on first use.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from explorer.errors import CheckpointError
from explorer.paths import PRETRAINED

_LAZY = {"ModelConfig": ".vae.config", "TrainConfig": ".vae.config", "VAE": ".vae.model"}


def load_model(path: str | Path | None = None):
    """The VAE from a checkpoint, in eval mode on CPU; None = the shipped MNIST model.

    Raises CheckpointError (naming the file and the reason) for a missing, corrupt or
    incompatible file.
    """
    from explorer.vae.checkpoint import load

    return load(path)[0]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CheckpointError", "ModelConfig", "PRETRAINED", "TrainConfig", "VAE", "load_model"]
