"""What a training run tells its caller (explorer/vae/train.py yields these events) and where it
stands between two steps (RunState: what a checkpoint keeps to go on exactly)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class StepMetrics:
    epoch: int  # 1-based epoch in progress
    step: int  # 1-based global step
    total_steps: int
    loss: float  # recon + beta * kl, nats per image
    recon: float  # -log p(x|z), nats per image
    kl: float  # KL(q(z|x) || p(z)), nats per image
    beta: float
    lr: float
    images_per_sec: float
    elapsed: float  # seconds of training so far


@dataclass
class EpochMetrics:
    epoch: int
    step: int
    total_steps: int
    test_elbo: float  # thresholded test digits, one sample, nats per image
    test_recon: float
    test_kl: float
    elapsed: float
    partial: bool = False  # the epoch was cut short by a stop or the time budget
    snapshot_z: np.ndarray | None = field(default=None, repr=False)  # (SNAPSHOT_SIZE, 2)
    snapshot_grid: np.ndarray | None = field(default=None, repr=False)  # (6, 6, 28, 28) uint8
    snapshot_labels: np.ndarray | None = field(default=None, repr=False)  # (SNAPSHOT_SIZE,)
    # where the run stands after a whole epoch (RunState as a dict, as Finished carries it):
    # a checkpoint saved with it goes on from here exactly (None after a partial epoch)
    state: dict | None = field(default=None, repr=False, compare=False)
    snapshot_lim: float = 2.5  # the manifold's half-width (runs before it followed the plane)


@dataclass
class Rollback:
    step: int  # the step whose loss spiked (it was not taken)
    loss: float
    lr_scale: float  # the learning rate is multiplied by this from now on


@dataclass
class Finished:
    reason: str  # "completed", "stopped" or "time budget"
    step: int
    elapsed: float
    state: dict | None = field(default=None, repr=False, compare=False)  # to go on (RunState)


@dataclass
class RunState:
    """Where a run stands between two steps: all that `train` needs to go on exactly as it
    would have without stopping (same seed, same steps, same weights)."""
    epoch: int = 1  # the epoch in progress
    batch: int = 0  # the next batch of that epoch
    step: int = 0
    seen: int = 0  # training images so far
    elapsed: float = 0.0  # seconds of training so far (pauses not counted)
    first_loss: float | None = None  # the yardstick of spikes
    rollbacks: int = 0
    lr_scale: float = 1.0
    order: torch.Tensor | None = None  # the epoch's permutation of the training images
    data_rng: torch.Tensor | None = None  # generator states: order and binarization ...
    noise_rng: torch.Tensor | None = None  # ... and the reparameterization noise
    optimizer: dict | None = None  # Adam's state dict

    def to_dict(self) -> dict:
        return {k: v for k, v in vars(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> RunState:
        known = set(cls.__dataclass_fields__)
        if not isinstance(d, dict) or set(d) - known:
            raise ValueError("the checkpoint's training state is not one this version reads")
        return cls(**d)


Event = StepMetrics | EpochMetrics | Rollback | Finished
