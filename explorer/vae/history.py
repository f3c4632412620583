"""What a run remembers: its steps, its epochs and the latent maps of its time-lapse, kept
compactly for the page's charts, checkpoints and time-lapses. Fed by explorer.vae.train's events.
"""

from __future__ import annotations

import numpy as np
import torch

from explorer.vae.train import EpochMetrics, Event, Finished, Rollback, StepMetrics

MAX_SNAPSHOTS = 40  # a checkpoint keeps at most this many epochs of them, evenly spaced


class History:
    """Everything a run reports, kept compactly for charts, checkpoints and time-lapses."""

    STEP_KEYS = ("step", "loss", "recon", "kl", "lr", "images_per_sec")
    EPOCH_KEYS = ("epoch", "step", "test_elbo", "test_recon", "test_kl", "elapsed")

    def __init__(self) -> None:
        self.steps: dict[str, list[float]] = {k: [] for k in self.STEP_KEYS}
        self.epochs: dict[str, list[float]] = {k: [] for k in self.EPOCH_KEYS}
        self.snapshots: list[np.ndarray] = []  # per epoch: (SNAPSHOT_SIZE, 2) latent means
        self.grids: list[np.ndarray] = []  # per epoch: (6, 6, 28, 28) uint8 manifold
        self.grid_lims: list[float] = []  # per epoch: that manifold's half-width
        self.snapshot_epochs: list[int] = []
        self.snapshot_labels: np.ndarray | None = None  # (SNAPSHOT_SIZE,): the snapshot digits'
        self.rollbacks: list[int] = []
        self.last_step: StepMetrics | None = None
        self.finished: Finished | None = None

    @classmethod
    def from_dict(cls, d: dict | None, summary: dict | None = None) -> History:
        """A checkpoint's history (to_dict), to go on adding to when a run is continued: its
        curves carry on where they stopped. `summary`: the checkpoint's metrics, for the
        last step's numbers (steps, seconds) when the run continues."""
        h, d = cls(), d or {}
        for k in cls.STEP_KEYS:
            h.steps[k] = [float(v) for v in (d.get("steps") or {}).get(k, [])]
        for k in cls.EPOCH_KEYS:
            h.epochs[k] = [float(v) for v in (d.get("epochs") or {}).get(k, [])]
        if d.get("snapshots") is not None:
            h.snapshots = [np.asarray(s, np.float32) for s in d["snapshots"]]
            h.grids = [np.asarray(g) for g in d["grids"]] if d.get("grids") is not None else []
            h.grid_lims = [float(v) for v in d.get("grid_lims") or [2.5] * len(h.grids)]
            h.snapshot_epochs = [int(e) for e in d.get("snapshot_epochs")
                                 or range(1, len(h.snapshots) + 1)]  # older: every epoch
        if d.get("snapshot_labels") is not None:
            h.snapshot_labels = np.asarray(d["snapshot_labels"], np.int64)
        h.rollbacks = [int(r) for r in (summary or {}).get("rollbacks", [])]
        return h

    def add(self, event: Event) -> None:
        if isinstance(event, StepMetrics):
            self.last_step = event
            for k in self.STEP_KEYS:
                self.steps[k].append(getattr(event, k))
        elif isinstance(event, EpochMetrics):
            for k in self.EPOCH_KEYS:
                self.epochs[k].append(getattr(event, k))
            if event.snapshot_z is not None:
                if self.snapshot_labels is None and event.snapshot_labels is not None:
                    self.snapshot_labels = np.asarray(event.snapshot_labels, np.int64)
                self.snapshots.append(event.snapshot_z.astype(np.float32))
                self.grids.append(event.snapshot_grid)
                self.grid_lims.append(float(event.snapshot_lim))
                self.snapshot_epochs.append(event.epoch)
        elif isinstance(event, Rollback):
            self.rollbacks.append(event.step)
        else:
            self.finished = event

    def to_dict(self, max_points: int = 2000) -> dict:
        """Plain data for a checkpoint: steps thinned to at most max_points."""
        n = len(self.steps["step"])
        keep = sorted(set(np.linspace(0, n - 1, min(n, max_points)).astype(int))) if n else []
        return {
            "steps": {k: [float(v[i]) for i in keep] for k, v in self.steps.items()},
            "epochs": {k: [float(x) for x in v] for k, v in self.epochs.items()},
            **self._thinned_snapshots(),
        }

    def _thinned_snapshots(self) -> dict:
        """At most MAX_SNAPSHOTS epochs, evenly spaced, always with the first and the last."""
        if not self.snapshots:
            return {"snapshots": None, "grids": None, "grid_lims": None, "snapshot_epochs": [],
                    "snapshot_labels": None}
        n = len(self.snapshots)
        keep = sorted(set(np.linspace(0, n - 1, min(n, MAX_SNAPSHOTS)).round().astype(int)))
        return {"snapshots": torch.from_numpy(np.stack([self.snapshots[i] for i in keep])),
                "grids": (torch.from_numpy(np.stack([self.grids[i] for i in keep]))
                          if len(self.grids) == n else None),  # older runs kept none
                "grid_lims": ([float(self.grid_lims[i]) for i in keep]
                              if len(self.grid_lims) == n else None),
                "snapshot_epochs": [int(self.snapshot_epochs[i]) for i in keep],
                "snapshot_labels": (None if self.snapshot_labels is None
                                    else torch.from_numpy(self.snapshot_labels))}

    def summary(self) -> dict:
        """The headline numbers of the run (for metrics cards)."""
        out: dict = {}
        if self.epochs["epoch"]:
            e = self.epochs
            out.update(test_elbo=e["test_elbo"][-1], test_recon=e["test_recon"][-1],
                       test_kl=e["test_kl"][-1], epochs_done=e["epoch"][-1])
        if self.last_step:
            out.update(steps=self.last_step.step, seconds=round(self.last_step.elapsed, 1),
                       images_per_sec=round(self.last_step.images_per_sec, 1),
                       final_loss=self.last_step.loss)
        if self.finished:
            out["finished"] = self.finished.reason
        if self.rollbacks:
            out["rollbacks"] = list(self.rollbacks)
        return out
