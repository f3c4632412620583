"""Training jobs in background threads, one at a time per server, shared by every session.

A job's thread never calls Streamlit: it consumes `explorer.train.train`, publishes what it
learns into the job under a lock, and saves the model atomically under runs/ when it ends.
The page polls the job (see ui/train.py). Every job has a time budget, so one that nobody
watches any more still ends.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from explorer import checkpoint, data, latent
from explorer.config import TrainConfig
from explorer.history import History
from explorer.resume import Continuation, load_run
from explorer.train import EpochMetrics, Finished, StepMetrics, TrainingDiverged, new_model, train

MAX_NAME = 64
TRAIN_THREADS = 1  # of the machine's cores, leave the rest to the page (2-core laptops)
KEEP_JOBS = 8  # finished jobs kept for display (each holds its loss history)
TRAIN_NICE = 10  # and run at a lower priority than the server, so page reruns win the CPU


def lower_priority(nice: int = TRAIN_NICE) -> bool:
    """Make the calling thread nicer by `nice` (Linux schedules each thread on its own;
    elsewhere the id of a thread is not a process id, so nothing is done). True if done."""
    if not sys.platform.startswith("linux") or nice <= 0:
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:
        return False
    return True


SAMPLE_Z = np.array([[x, y] for y in (1.2, -1.2) for x in (-1.8, -0.6, 0.6, 1.8)], np.float32)


class JobBusy(RuntimeError):
    """Another training job is running on this machine."""


def safe_run_name(name: str, fallback: str = "run") -> str:
    """A file stem that stays inside the runs folder: letters, digits, '.', '_', '-'."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", (name or "").replace("\0", "")).strip(".-_")
    return (name or fallback)[:MAX_NAME]


def run_path(runs_dir: Path, name: str) -> Path:
    """runs_dir/<safe name>.pt, numbered if taken; always inside runs_dir."""
    runs_dir = Path(runs_dir).resolve()
    stem = safe_run_name(name, time.strftime("run-%Y%m%d-%H%M%S"))
    path, k = runs_dir / f"{stem}.pt", 2
    while path.exists():
        path, k = runs_dir / f"{stem}-{k}.pt", k + 1
    if path.resolve().parent != runs_dir:
        raise ValueError(f"run name {name!r} leaves the runs folder")
    return path


CHART_POINTS = 600  # steps a view carries for the loss chart (evenly thinned)


@dataclass(frozen=True)
class JobView:
    """What the page shows of a job, consistent at one moment; `version` tells pollers
    whether anything changed since the view they drew."""
    state: str  # starting, running, paused, done, stopped, failed
    error: str | None
    path: str
    name: str
    cfg: TrainConfig
    version: int
    last: StepMetrics | None
    steps: dict[str, list[float]]  # at most CHART_POINTS of them, for the loss chart
    epochs: dict[str, list[float]]
    snapshot: np.ndarray | None  # (1000, 2) latent means after the last epoch
    labels: np.ndarray | None  # their labels
    samples: np.ndarray | None  # (8, 28, 28) decoded at SAMPLE_Z after the last epoch
    summary: dict
    started: float
    ended: float | None


@dataclass
class Job:
    cfg: TrainConfig
    path: Path
    state: str = "starting"  # starting, running, done, stopped, failed
    error: str | None = None
    started: float = field(default_factory=time.time)
    ended: float | None = None
    history: History = field(default_factory=History)
    samples: np.ndarray | None = None  # (8, 28, 28) decoded at SAMPLE_Z after each epoch
    continued: Continuation | None = None  # the saved run this one goes on with
    stop_event: threading.Event = field(default_factory=threading.Event)
    pause_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None
    version: int = 0  # bumped on every published change, so pollers can skip redraws

    @property
    def running(self) -> bool:
        return self.state in ("starting", "running", "paused")

    def view(self) -> JobView:
        """A consistent view of what the page shows; the step lists are thinned to
        CHART_POINTS, so it costs the same after a minute or an hour of training."""
        with self.lock:
            h = self.history
            n = len(h.steps["step"])
            keep = range(n) if n <= CHART_POINTS else np.linspace(0, n - 1, CHART_POINTS,
                                                                  dtype=int)
            return JobView(
                self.state, self.error, str(self.path), self.path.stem, self.cfg,
                self.version, h.last_step, {k: [v[i] for i in keep] for k, v in h.steps.items()},
                {k: list(v) for k, v in h.epochs.items()},
                h.snapshots[-1] if h.snapshots else None, h.snapshot_labels, self.samples,
                h.summary(), self.started, self.ended)


class JobManager:
    """At most one running job per process; keeps the last KEEP_JOBS for display."""

    def __init__(self, runs_dir: Path):
        self.runs_dir = Path(runs_dir)
        self.lock = threading.Lock()
        self.jobs: list[Job] = []

    @property
    def current(self) -> Job | None:
        with self.lock:
            return self.jobs[-1] if self.jobs else None

    def start(self, cfg: TrainConfig, name: str = "", continue_from: Path | None = None) -> Job:
        """A run of cfg, or (continue_from) the saved run at that path gone on to cfg.epochs
        for cfg.max_seconds more seconds. Raises JobBusy, ValueError or CheckpointError."""
        if not cfg.max_seconds:
            raise ValueError("a job from the browser needs a time budget")
        go_on = None
        if continue_from is not None:
            go_on = load_run(continue_from, {"epochs": cfg.epochs,
                                             "max_seconds": cfg.max_seconds})
            cfg = go_on.cfg
        cfg = cfg.validate()
        with self.lock:
            if self.jobs and self.jobs[-1].running:
                raise JobBusy("A training run is already going on this machine; wait for it "
                              "to finish or stop it first.")
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            job = Job(replace(cfg, threads=cfg.threads or TRAIN_THREADS),
                      run_path(self.runs_dir, name), continued=go_on)
            if go_on is not None:
                job.history = go_on.history
            job.thread = threading.Thread(target=self._run, args=(job,), daemon=True,
                                          name=f"train-{job.path.stem}")
            self.jobs = [*self.jobs[-(KEEP_JOBS - 1):], job]  # a server that runs for weeks
        job.thread.start()
        return job

    def stop(self) -> None:
        job = self.current
        if job is not None:
            job.stop_event.set()
            job.pause_event.clear()

    def pause(self, paused: bool = True) -> None:
        """Hold the current run between two steps (its time budget waits too), or let it
        go on."""
        job = self.current
        if job is None or not job.running:
            return
        with job.lock:
            if paused:
                job.pause_event.set()
            else:
                job.pause_event.clear()
            if job.state != "starting":
                job.state = "paused" if paused else "running"
            job.version += 1

    def _publish(self, job: Job, event) -> None:
        with job.lock:
            job.history.add(event)
            job.state = "paused" if job.pause_event.is_set() else "running"
            job.version += 1

    def _run(self, job: Job) -> None:
        cfg = job.cfg
        try:
            torch.set_num_threads(cfg.threads)
            lower_priority()
            train_split = data.load_split("train", cfg.dataset)
            test_split = data.load_split("test", cfg.dataset)
            go_on = job.continued
            model = go_on.model if go_on else new_model(cfg, train_split)
            finished = None
            for event in train(cfg, model, job.stop_event, train_split, test_split,
                               pause=job.pause_event, resume=go_on.state if go_on else None):
                if isinstance(event, EpochMetrics):  # on the model's device, in eval mode
                    samples = latent.decode(model, SAMPLE_Z)
                    with job.lock:
                        job.samples = samples
                elif isinstance(event, Finished):
                    finished = event
                self._publish(job, event)
            if job.history.last_step is None:  # stopped before the first step
                with job.lock:
                    job.state, job.ended = "stopped", time.time()
                    job.error = "Stopped before the first step: nothing was trained or saved."
                    job.version += 1
                return
            metrics = {**job.history.summary(), "source": "browser"}
            if go_on is not None:
                metrics["continued_from"] = str(go_on.path)
            checkpoint.save(job.path, model, cfg.model_config(), cfg.to_dict(), metrics,
                            job.history.to_dict(), resume=finished.state if finished else None)
            final = "stopped" if job.stop_event.is_set() else "done"
            with job.lock:
                job.state, job.ended = final, time.time()
                job.version += 1
        except Exception as e:  # noqa: BLE001 - any failure is shown on the page
            message = str(e) if isinstance(e, TrainingDiverged) else f"{type(e).__name__}: {e}"
            if not isinstance(e, TrainingDiverged | RuntimeError):
                traceback.print_exc()
            with job.lock:
                job.state, job.error, job.ended = "failed", message, time.time()
                job.version += 1
