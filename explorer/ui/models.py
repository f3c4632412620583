"""Which models exist, and their cached weights and encoded test sets.

Models are files: the shipped ones in pretrained/ and every run in runs/ (written by the
Train tab or by train_cli.py). A cache key is the path plus its modification time, so a
retrained file is re-read and switching back to a model is instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from explorer import checkpoint, data, latent
from explorer.model import VAE

RUNS_DIR = checkpoint.RUNS_DIR


@dataclass(frozen=True)
class ModelEntry:
    label: str
    path: str
    mtime: float
    shipped: bool


def available_models(runs_dir: Path = RUNS_DIR) -> list[ModelEntry]:
    """Shipped models first (MNIST's leading), then runs newest first."""
    entries = []
    shipped = sorted(checkpoint.PRETRAINED_DIR.glob("*.pt"),
                     key=lambda p: (p != checkpoint.PRETRAINED, p.name))
    for path in shipped:
        entries.append(ModelEntry(f"{path.stem} (pretrained)", str(path),
                                  path.stat().st_mtime, True))
    runs = [p for p in Path(runs_dir).glob("*.pt") if p.is_file()]
    for path in sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True):
        entries.append(ModelEntry(path.stem, str(path), path.stat().st_mtime, False))
    return entries


@st.cache_resource(max_entries=16, show_spinner="Loading model ...")
def load(path: str, mtime: float) -> tuple[VAE, dict]:
    """Shared by every session: never train or mutate what this returns."""
    model, ckpt = checkpoint.load(path)
    ckpt = {k: v for k, v in ckpt.items() if k != "state_dict"}
    return model, ckpt


@dataclass(frozen=True)
class Encoded:
    mu: np.ndarray  # (N, 2)
    logvar: np.ndarray  # (N, 2)
    labels: np.ndarray  # (N,)
    classes: tuple[str, ...]


@st.cache_data(max_entries=16, show_spinner="Encoding the 10,000 test digits ...")
def encoded_test_set(path: str, mtime: float) -> Encoded:
    model, _ = load(path, mtime)
    dataset = model.cfg.dataset
    test = data.load_split("test", dataset)
    mu, logvar = latent.encode_all(model, test.images)
    return Encoded(mu, logvar, test.labels.numpy(), data.DATASETS[dataset].classes)


@st.cache_resource(show_spinner="Checking the dataset ...")
def dataset_ready(dataset: str) -> bool:
    """Provision (or verify) the dataset once per server; raises data.DataError."""
    data.ensure_dataset(data.DATASETS[dataset])
    return True


@st.cache_data(max_entries=4, show_spinner=False)
def test_images(dataset: str) -> np.ndarray:
    """The test digits as floats in [0, 1], (N, 28, 28)."""
    return data.load_split("test", dataset).images[:, 0].numpy().astype(np.float32) / 255
