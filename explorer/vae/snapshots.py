"""What a run keeps of each epoch for its time-lapse: the latent means of a fixed set of
test digits and a small manifold over where they lie (explorer/vae/train.py takes one after
every test pass; explorer/media/timelapse.py draws them)."""

from __future__ import annotations

import numpy as np
import torch

from explorer.datasets import reading
from explorer.plane import extent
from explorer.vae.config import TrainConfig
from explorer.vae.model import VAE

SNAPSHOT_SIZE = 1000  # test digits whose latent means are kept each epoch (time-lapse)
SNAPSHOT_GRID = 6  # and a 6x6 manifold over the epoch's plane (extent.snapshot_range), uint8


def snapshot_labels(cfg: TrainConfig, test_split: reading.Split | None = None) -> np.ndarray:
    """Labels of the test digits whose latent means a run keeps each epoch (the same subset
    train() takes). A run's history keeps them; this is for checkpoints older than that."""
    test_split = test_split or reading.load_split("test", cfg.dataset)
    return test_split.subset(cfg.test_subset or None, seed=0).labels[:SNAPSHOT_SIZE].numpy()


@torch.no_grad()
def snapshot(model: VAE, x: torch.Tensor, device: torch.device) -> dict:
    """The latent means of the snapshot digits and a small manifold (uint8) over where they
    lie this epoch, with its half-width, for the time-lapse (the model is left training)."""
    model.eval()
    mu = model.encode(x.to(device))[0].cpu().numpy()
    lim = extent.snapshot_range(mu)
    axis = torch.linspace(-lim, lim, SNAPSHOT_GRID)
    z = torch.stack(torch.meshgrid(axis, axis.flip(0), indexing="xy"), -1).reshape(-1, 2)
    pictures = torch.sigmoid(model.decode(z.to(device))).cpu()
    model.train()
    grid = (pictures.reshape(SNAPSHOT_GRID, SNAPSHOT_GRID, 28, 28) * 255).round().byte()
    return {"snapshot_z": mu, "snapshot_grid": grid.numpy(), "snapshot_lim": lim}
