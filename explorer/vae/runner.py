"""One training run from its config to a checkpoint: what `train_cli.py` and the server's
training line (explorer/server/) both call, so that naming the run, loading its data,
continuing a saved one, keeping its history and making its checkpoint are written once.

    outcome = runner.run(cfg, stop=stop, on_event=print)
    checkpoint.write(path, outcome.checkpoint({"source": "cli"}))

The budget is the config's own (`max_seconds`: the training loop keeps it, pauses not
counted). `on_epoch` hears every epoch's end with the run as it stands; after a whole epoch
(`event.state` set) a caller can keep a checkpoint to go on from if the process dies (the
server does).
"""

from __future__ import annotations

import platform
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from explorer.datasets import reading
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from explorer.vae.history import History
from explorer.vae.model import VAE
from explorer.vae.resume import Continuation
from explorer.vae.train import EpochMetrics, Event, Finished, TrainingDiverged, new_model, train

MAX_NAME = 64


def safe_run_name(name: str, fallback: str = "run") -> str:
    """A file stem that stays inside its folder: letters, digits, '.', '_', '-' (no '..',
    no '/', no NUL), at most MAX_NAME characters."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", (name or "").replace("\0", ""))
    name = re.sub(r"\.{2,}", ".", name).strip(".-_")
    return (name or fallback)[:MAX_NAME]


def default_name(cfg: TrainConfig, continued: Path | str | None = None) -> str:
    """<date>-<arch>-beta<b>-seed<s>, or <name>-continued for a continued run."""
    if continued is not None:
        return f"{Path(continued).stem}-continued"
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg.arch}-beta{cfg.beta:g}-seed{cfg.seed}"


def run_path(folder: Path, name: str) -> Path:
    """folder/<safe name>.pt, numbered when taken (a run is never overwritten); always inside
    `folder`."""
    folder = Path(folder).resolve()
    stem = safe_run_name(name, time.strftime("run-%Y%m%d-%H%M%S"))
    path, k = folder / f"{stem}.pt", 2
    while path.exists():
        path, k = folder / f"{stem}-{k}.pt", k + 1
    if path.resolve().parent != folder:
        raise ValueError(f"run name {name!r} leaves the runs folder")
    return path


def machine() -> str:
    """What trained it: OS, CPU or GPU, threads (for the metrics card)."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    threads = torch.get_num_threads()
    return f"{platform.system()} {platform.machine()}, {cpu}, {threads} threads{gpu}"


@dataclass
class Outcome:
    """A run as it stands: its model, config and history (and how it ended)."""
    cfg: TrainConfig
    model: VAE
    history: History
    finished: Finished | None = None
    error: str | None = None  # the loss diverged: the model holds the last good weights

    @property
    def trained(self) -> bool:
        return self.history.last_step is not None

    def metrics(self, extra: dict | None = None) -> dict:
        out = {**self.history.summary(), **(extra or {})}
        if self.error:
            out["error"] = self.error
        return out

    def checkpoint(self, extra: dict | None = None, resume: dict | None = None) -> bytes:
        """The checkpoint file's bytes, to go on from `resume` (default: where it ended)."""
        if resume is None and self.finished is not None:
            resume = self.finished.state
        return checkpoint.dumps(self.model, self.cfg.model_config(), self.cfg.to_dict(),
                                self.metrics(extra), self.history.to_dict(), resume=resume)


def run(cfg: TrainConfig, continued: Continuation | None = None, *,
        stop: threading.Event | None = None, pause: threading.Event | None = None,
        on_event: Callable[[Event], None] | None = None,
        on_epoch: Callable[[Outcome, EpochMetrics], None] | None = None,
        root: Path | None = None) -> Outcome:
    """Train cfg (or go on with a saved run) until its epochs, its budget or `stop`.

    Raises DataError when the data cannot be had and ValueError for a run that cannot go on;
    a diverged loss ends the run with `error` set and the last good weights kept."""
    train_split = reading.load_split("train", cfg.dataset, root)
    test_split = reading.load_split("test", cfg.dataset, root)
    model = continued.model if continued else new_model(cfg, train_split)
    outcome = Outcome(cfg, model, continued.history if continued else History())
    try:
        for event in train(cfg, model, stop, train_split, test_split, pause=pause,
                           resume=continued.state if continued else None, root=root):
            outcome.history.add(event)
            if isinstance(event, Finished):
                outcome.finished = event
            if on_event is not None:
                on_event(event)
            if on_epoch is not None and isinstance(event, EpochMetrics):
                on_epoch(outcome, event)
    except TrainingDiverged as e:
        outcome.error = str(e)
    return outcome
