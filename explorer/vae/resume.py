"""Continuing a saved run: its settings, weights, optimizer, random generators and history,
so that it goes on where it stopped (same seed, same total steps: the same weights as a run
that never stopped), from the CLI (`train_cli.py --resume`) or the Train tab.

    continued = resume.load_run("runs/my-run.pt", {"epochs": 60})
    for event in train(continued.cfg, continued.model, resume=continued.state): ...
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from explorer.vae.history import History
from explorer.vae.model import VAE
from explorer.vae.train import RunState

# what a continued run cannot change: the network, its prior and the data it learns
FIXED = ("arch", "likelihood", "prior", "components", "anchor", "mean_bound", "dataset",
         "binarization",
         "train_subset")


@dataclass
class Continuation:
    path: Path  # the saved run it goes on with
    cfg: TrainConfig
    model: VAE
    state: RunState
    history: History
    note: str | None  # something the person should know (a fresh optimizer, say)


def load_run(path: Path | str, changes: dict | None = None,
             root: Path | None = None) -> Continuation:
    """The run saved at `path`, ready to go on with `changes` to its settings (`epochs`: the
    total to reach; `max_seconds`: seconds more of training; device, threads, ...); `root`:
    the data folder its dataset is under (default paths.data_dir()).

    Raises CheckpointError for a file that is not a usable checkpoint and ValueError (with
    a message a person can act on) for a change it cannot take."""
    model, ckpt = checkpoint.load(path)
    saved = TrainConfig.from_dict(ckpt.get("train_config") or {})
    changes = dict(changes or {})
    for name in FIXED:
        if name in changes and changes[name] != getattr(saved, name):
            raise ValueError(f"this run was trained with {name} {getattr(saved, name)!r}; "
                             f"a continued run keeps it (start a new run for "
                             f"{name} {changes[name]!r})")
    metrics, note = ckpt.get("metrics") or {}, None
    if ckpt.get("resume"):
        state = RunState.from_dict(ckpt["resume"])
    else:  # saved before runs kept their state: the weights go on, the rest starts afresh
        done = int(metrics.get("epochs_done", 0))
        state = RunState(epoch=done + 1, step=int(metrics.get("steps", 0)),
                         elapsed=float(metrics.get("seconds", 0.0)))
        note = ("this checkpoint has no optimizer state (it was saved before runs kept it): "
                "continuing with a fresh optimizer")
    if changes.get("max_seconds"):  # a budget for this leg, on top of the time so far
        changes["max_seconds"] = state.elapsed + float(changes["max_seconds"])
    cfg = dataclasses.replace(saved, **changes).validate(root)
    if state.epoch > cfg.epochs:
        raise ValueError(f"this run has done its {state.epoch - 1} epochs; ask for more "
                         f"(epochs above {state.epoch - 1}) to continue it")
    return Continuation(Path(path), cfg, model, state,
                        History.from_dict(ckpt.get("history"), metrics), note)
