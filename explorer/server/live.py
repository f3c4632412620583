"""What the page shows of a run: its progress as it streams in from the worker (a Live per
running job), a consistent view of it at one moment (JobView), and when a waiting run will
start (`starts`, from the budgets of the runs ahead).

Memory stays bounded however long a run trains: a live view keeps at most STEP_POINTS steps
(halving them when full) and the newest snapshot of the latent map.
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import dataclass

import numpy as np

from explorer.vae.config import TrainConfig
from explorer.vae.history import History
from explorer.vae.train import EpochMetrics, Finished, Rollback, StepMetrics

CHART_POINTS = 600  # steps a view carries for the loss chart (evenly thinned)
STEP_POINTS = 4000  # steps a live run keeps; every other one is dropped when full


@dataclass(frozen=True)
class JobView:
    """What the page shows of a job, consistent at one moment; `version` tells pollers
    whether anything changed since the view they drew."""
    id: str
    state: str  # queued, running, paused, done, stopped, failed, left
    error: str | None
    note: str | None
    path: str | None  # the saved run, once saved
    name: str
    cfg: TrainConfig
    version: int
    last: StepMetrics | None
    steps: dict[str, list[float]]  # at most CHART_POINTS of them, for the loss chart
    epochs: dict[str, list[float]]
    snapshot: np.ndarray | None  # (1000, 2) latent means after the last epoch
    labels: np.ndarray | None  # their labels
    samples: np.ndarray | None  # (8, 28, 28) decoded at 8 fixed points after the last epoch
    summary: dict
    started: float | None
    ended: float | None
    place: int | None = None  # in line (1: next), while queued
    starts_in: float | None = None  # seconds until it is expected to start, while queued


class Live:
    """A running job's progress, fed by batches from its worker (thread-safe)."""

    def __init__(self, history: History | None = None):
        self.history = history or History()
        self.samples: np.ndarray | None = None
        self.version = 0
        self.lock = threading.Lock()
        self.paused_since: float | None = None
        self.fresh = False  # a new run (not continued, not resumed): its overhead is telling

    def add(self, kind: str, *payload) -> None:
        with self.lock:
            if kind == "event":
                event = payload[0]
                if isinstance(event, StepMetrics | EpochMetrics | Rollback | Finished):
                    self.history.add(event)
                    if len(self.history.steps["step"]) > STEP_POINTS:
                        for k, v in self.history.steps.items():
                            self.history.steps[k] = v[::2]
            elif kind == "samples":
                self.samples = payload[0]
            self.version += 1

    @property
    def last(self) -> StepMetrics | None:
        return self.history.last_step

    def view(self, job, state: str) -> JobView:
        """The page's view of `job` (a store.Job) as it stands."""
        with self.lock:
            h = self.history
            n = len(h.steps["step"])
            keep = range(n) if n <= CHART_POINTS else np.linspace(0, n - 1, CHART_POINTS,
                                                                  dtype=int)
            return JobView(
                job.id, state, job.error, job.note, job.result, job.name,
                TrainConfig.from_dict(job.config), self.version, h.last_step,
                {k: [v[i] for i in keep] for k, v in h.steps.items()},
                {k: list(v) for k, v in h.epochs.items()},
                h.snapshots[-1] if h.snapshots else None, h.snapshot_labels, self.samples,
                h.summary(), job.started, job.ended)


def remaining(cfg: dict, last: StepMetrics | None, budget: float,
              started: float | None, now: float | None = None) -> float:
    """Seconds of training a running job has left: its budget (a continued run's total)
    less what it has trained, by its last report or else by the clock."""
    if last is not None:
        return max(0.0, float(cfg.get("max_seconds") or budget) - last.elapsed)
    since = (now or time.time()) - started if started else 0.0
    return max(0.0, budget - since)


def starts(running_left: list[float], waiting: list[float], slots: int,
           overhead: float) -> list[float]:
    """Seconds until each waiting run starts, in line order: the runs at once free up as the
    running ones finish (`running_left`: their seconds left) and each waiting one then takes
    the first free slot for its budget plus `overhead` (starting, the last test pass,
    saving: measured on the runs that finished)."""
    lefts = sorted(left + overhead for left in running_left)
    free = lefts[max(0, len(lefts) - slots):]  # more running than slots: the last to end
    free += [0.0] * (slots - len(free))
    heapq.heapify(free)
    out = []
    for budget in waiting:
        t = heapq.heappop(free)
        out.append(t)
        heapq.heappush(free, t + budget + overhead)
    return out
