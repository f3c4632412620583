"""What a Dask worker runs for one job of the training line: the run itself
(explorer/vae/runner.py), with its owner's Stop and Pause read from the scheduler, its progress
and each whole epoch's checkpoint sent back as it goes, and the final checkpoint returned.

The worker needs no disk shared with the web server: MNIST and Fashion-MNIST are
provisioned on the worker, a dataset of someone's own pictures travels with the job, a run
to continue travels as its checkpoint's bytes, and nothing is written here but those. Dask
cannot interrupt a running task, so Stop and Pause are flags (distributed.Event) that a
thread of the task copies into the training loop's own flags every POLL_S.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

POLL_S = 0.2  # Stop and Pause reach the loop within this
SEND_S = 0.25  # progress goes back in batches this often (a step takes ~10 ms)
TRAIN_NICE = 10  # below the pages: on a shared machine a rerun wins the CPU over a step
SAMPLE_Z = np.array([[x, y] for y in (1.2, -1.2) for x in (-1.8, -0.6, 0.6, 1.8)], np.float32)


def channel(job_id: str, attempt: int) -> dict[str, str]:
    """The names of a job's flags and progress queue on the scheduler."""
    return {"stop": f"lx-stop-{job_id}", "pause": f"lx-pause-{job_id}",
            "progress": f"lx-progress-{job_id}-{attempt}"}


def lower_priority(nice: int = TRAIN_NICE) -> bool:
    """Make the calling thread `nice` nicer than its process (Linux schedules each thread on
    its own; elsewhere nothing is done; a worker's thread that runs job after job stays at
    that). True if done."""
    if not sys.platform.startswith("linux") or nice <= 0:
        return False
    try:
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, base + nice))
    except OSError:
        return False
    return True


def install_dataset(bundle: dict | None) -> None:
    """Put a dataset of someone's own pictures where this worker reads datasets, unless the
    same images are there already (the web server's own machine, or an earlier job)."""
    if not bundle:
        return
    from explorer.datasets import registry
    from explorer.files import atomic_write

    have = registry.manifest(bundle["id"]) or {}
    if have.get("images_sha256") == bundle["manifest"].get("images_sha256"):
        try:
            registry.check(bundle["id"])
            return
        except Exception:  # noqa: BLE001 - damaged here: written again below
            pass
    folder = registry.folder(bundle["id"])
    for name, raw in bundle["files"].items():
        atomic_write(folder / name, raw)
    atomic_write(folder / registry.MANIFEST, json.dumps(bundle["manifest"]).encode())


class Reporter:
    """Collects the run's events and sends them to the server in batches, in order."""

    def __init__(self, queue):
        self.queue, self.items = queue, []
        self.lock = threading.Lock()  # the list
        self.sending = threading.Lock()  # one batch at a time, so that they arrive in order
        self.lost = False  # the scheduler went away: nobody is listening any more

    def add(self, item) -> None:
        with self.lock:
            self.items.append(item)

    def flush(self) -> None:
        with self.sending:
            with self.lock:
                items, self.items = self.items, []
            if not items or self.lost:
                return
            try:
                self.queue.put(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL))
            except Exception:  # noqa: BLE001 - the server is gone: the run is abandoned
                self.lost = True


def _watch(flags: dict, stop: threading.Event, pause: threading.Event, reporter: Reporter,
           done: threading.Event) -> None:
    """Copy Stop and Pause into the loop's flags, and send progress, until the run ends."""
    last_sent = 0.0
    while not done.wait(POLL_S):
        try:
            if flags["stop"].is_set():
                stop.set()
            (pause.set if flags["pause"].is_set() else pause.clear)()
        except Exception:  # noqa: BLE001 - the scheduler is gone (the server died): stop
            reporter.lost = True
            stop.set()
            pause.clear()
        if time.monotonic() - last_sent >= SEND_S:
            reporter.flush()
            last_sent = time.monotonic()


def dask_setup(worker) -> None:  # noqa: ARG001 - Dask's preload hook
    """At the worker process's start (`dask worker --preload explorer.server.task`), before
    any job: one torch thread. Each worker runs one job at a time with one thread
    (--nthreads 1), and torch's thread count is the whole process's, so it is set here once,
    never by a job (a job's `threads` is 1: explorer/server/line.py)."""
    import torch

    torch.set_num_threads(1)


def warm() -> None:
    """What every run needs, loaded once per worker process: torch, the training code and
    MNIST (provisioned here when missing: a worker on another machine)."""
    from explorer.datasets import reading  # noqa: F401
    from explorer.vae import runner  # noqa: F401

    reading.load_split("train")
    reading.load_split("test")


def train_job(spec: dict) -> dict:
    """Run one job (spec: job, attempt, config, resume: checkpoint bytes or None, dataset:
    bundle or None, extra: metrics for the card). Returns {"checkpoint": bytes or None,
    "trained": bool, "reason": str, "error": str or None}."""
    from distributed import Event, Queue, get_worker

    from explorer.plane import latent
    from explorer.vae import resume, runner
    from explorer.vae.config import TrainConfig
    from explorer.vae.train import EpochMetrics, Finished

    install_dataset(spec.get("dataset"))  # before the config is checked: it names it
    cfg = TrainConfig.from_dict(spec["config"]).validate()
    lower_priority()
    names = channel(spec["job"], spec["attempt"])
    flags = {"stop": Event(names["stop"]), "pause": Event(names["pause"])}
    reporter = Reporter(Queue(names["progress"]))
    stop, pause, done = threading.Event(), threading.Event(), threading.Event()
    watcher = threading.Thread(target=_watch, args=(flags, stop, pause, reporter, done),
                               daemon=True, name=f"watch-{spec['job']}")
    watcher.start()
    continued = None
    try:
        if spec.get("resume"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "resume.pt"
                path.write_bytes(spec["resume"])
                # the job's config is the run's as resolved when it joined the line (the
                # epochs to reach, and its total budget)
                continued = dataclasses.replace(
                    resume.load_run(path, {"epochs": cfg.epochs}), cfg=cfg)

        def on_event(event) -> None:
            if isinstance(event, EpochMetrics | Finished):
                event = dataclasses.replace(event, state=None)  # the optimizer stays here
            reporter.add(("event", event))

        def on_epoch(outcome, event) -> None:
            reporter.add(("samples", latent.decode(outcome.model, SAMPLE_Z)))
            if event.state is not None:  # a whole epoch: where a restart would go on from
                reporter.add(("epoch", event.epoch,
                              outcome.checkpoint(spec["extra"], event.state)))
            reporter.flush()

        outcome = runner.run(cfg, continued, stop=stop, pause=pause, on_event=on_event,
                             on_epoch=on_epoch)
    finally:
        done.set()
        watcher.join()
        reporter.flush()
    reason = outcome.finished.reason if outcome.finished else "failed"
    where = {"machine": runner.machine(), "worker": str(get_worker().name)}
    blob = (outcome.checkpoint({**spec["extra"], **where})
            if outcome.trained and not reporter.lost else None)
    return {"checkpoint": blob, "trained": outcome.trained, "reason": reason,
            "error": outcome.error, **where}
