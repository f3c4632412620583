"""Where things live on disk. Imports nothing heavy, so the app's first page can ask.

The folders a person may move (data, runs, the page cache) are read from the environment
when asked for, never at import time; a command line flag passes its folder explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRETRAINED_DIR = REPO_ROOT / "pretrained"  # shipped weights, never overwritten silently
PRETRAINED = PRETRAINED_DIR / "mnist.pt"

DATA_ENV = "LATENT_EXPLORER_DATA"  # datasets (default: data/ in the repo)
RUNS_ENV = "LATENT_EXPLORER_RUNS"  # trained models (default: runs/)
CACHE_ENV = "LATENT_EXPLORER_CACHE"  # what the page needs of each model (default: cache/)


def _folder(env: str, default: str) -> Path:
    return Path(os.environ.get(env) or REPO_ROOT / default)


def data_dir() -> Path:
    return _folder(DATA_ENV, "data")


def runs_dir() -> Path:
    return _folder(RUNS_ENV, "runs")


def cache_dir() -> Path:
    return _folder(CACHE_ENV, "cache")


def shipped_models() -> list[Path]:
    """The checkpoints in pretrained/, MNIST's first."""
    return sorted(PRETRAINED_DIR.glob("*.pt"), key=lambda p: (p != PRETRAINED, p.name))


def is_shipped(path: Path | str) -> bool:
    """A checkpoint in pretrained/ (shared with everyone; never overwritten silently)."""
    try:
        p = Path(path).resolve()
        return p.parent == PRETRAINED_DIR.resolve() and p.suffix == ".pt" and p.is_file()
    except (OSError, ValueError):  # not a path at all (a NUL in it)
        return False
