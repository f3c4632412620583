"""Which models exist, what the Explore page needs of each, and their weights.

Models are files: the shipped ones in pretrained/ and every run in runs/ (written by the
Train tab or by train_cli.py). A cache key is the path plus its modification time, so a
retrained file is read again and switching back to a model is instant.

What the Explore page needs (the card, the encoded test set, the data files for the page)
comes from explorer/page/prepared.py without torch; the weights themselves (for the other tabs)
load torch when first asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer import paths
from explorer.errors import DatasetMissing
from explorer.page import metrics_card, prepared
from explorer.server import here
from explorer.server.owners import NOBODY, Owner
from explorer.ui.warmup import server_torch


@dataclass(frozen=True)
class ModelEntry:
    label: str
    path: str
    mtime: float
    shipped: bool
    missing: DatasetMissing | None = None  # the optional dataset it is shown with is not here
    mine: bool = False  # the visitor's own run (they may share, unshare, delete it)
    shared: bool = True  # with everyone (the shipped and the server's runs always are)


def available_models(owner: Owner | None = None) -> list[ModelEntry]:
    """The models `owner` may explore: the shipped ones first (MNIST's leading), then the
    runs they see (theirs, the server's, the shared ones), newest first. A shipped model
    whose optional dataset is not here is listed, marked unavailable. Nobody known yet
    (`None`): the shipped, the server's and the shared ones."""
    entries = []
    for p in paths.shipped_models():
        missing = metrics_card.missing_dataset(p)
        label = f"{p.stem} (pretrained{', unavailable' if missing else ''})"
        entries.append(ModelEntry(label, str(p), p.stat().st_mtime, True, missing))
    for run in here.library().runs(owner or NOBODY):
        path = run.path
        words = (["yours"] if run.mine else []) + (["shared"] if run.shared and run.owner_tag
                                                   else [])
        if not run.mine and not run.shared:
            words = ["private"]  # an admin sees it
        label = f"{path.stem} ({', '.join(words)})" if words else path.stem
        entries.append(ModelEntry(label, str(path), path.stat().st_mtime, False,
                                  mine=run.mine, shared=run.shared))
    return entries


@st.cache_resource(max_entries=16, show_spinner="Preparing this model for the page (once) ...")
def page_data(path: str, mtime: float) -> prepared.PageData:
    """Raises CheckpointError or DataError (explorer.errors) for a model that cannot be used."""
    return prepared.prepare(path)


@st.cache_resource(max_entries=16, show_spinner="Loading model ...")
def load(path: str, mtime: float):
    """(model, checkpoint without weights), shared by every session: never train or mutate
    what this returns."""
    server_torch()
    from explorer.vae import checkpoint

    model, ckpt = checkpoint.load(path)
    return model, {k: v for k, v in ckpt.items() if k != "state_dict"}


@dataclass(frozen=True)
class Encoded:
    mu: np.ndarray  # (N, 2)
    logvar: np.ndarray  # (N, 2)
    labels: np.ndarray  # (N,)
    classes: tuple[str, ...]


@st.cache_data(max_entries=16, show_spinner=False)
def encoded_test_set(path: str, mtime: float) -> Encoded:
    page = page_data(path, mtime)
    mu, logvar, labels = page.encoded()
    return Encoded(mu, logvar, labels.astype(np.int64), tuple(page.meta["classes"]))


@st.cache_resource(max_entries=16, show_spinner=False)
def test_scatter(path: str, mtime: float, **style):
    """3,000 of the test digits on the model's own plane (its extent), with latent_scatter's
    `style` (height, point_size, opacity); shared by every visitor, so never mutated."""
    from explorer.ui import plots  # Plotly: not for the first page

    enc = encoded_test_set(path, mtime)
    return plots.sampled_scatter(enc.mu, enc.labels, enc.classes,
                                 page_data(path, mtime).extent, **style)


@st.cache_resource(show_spinner="Checking the dataset ...")
def dataset_ready(dataset: str) -> bool:
    """Provision (or verify) the dataset once per server; raises DataError."""
    from explorer.datasets import reading

    reading.ensure(dataset)
    return True


@st.cache_data(max_entries=4, show_spinner=False)
def test_images(dataset: str) -> np.ndarray:
    """The test digits as floats in [0, 1], (N, 28, 28)."""
    from explorer.datasets import reading

    return reading.load_split("test", dataset).images[:, 0].numpy().astype(np.float32) / 255


@st.cache_data(max_entries=8, show_spinner="Measuring where the digits are ...")
def densities(path: str, mtime: float, n_train: int = 10_000) -> dict:
    """The prior and the aggregate posterior of n_train training digits on a grid over the
    model's extent (explorer/plane/density.py), and the holes between them."""
    from explorer.datasets import reading
    from explorer.plane import density, latent

    model, _ = load(path, mtime)
    split = reading.load_split("train", model.cfg.dataset).subset(n_train, seed=0)
    mu, logvar = latent.encode_all(model, split.images)
    axis, points = density.grid(page_data(path, mtime).extent)
    prior = density.prior_density(model, points)
    agg = density.aggregate_density(mu, logvar, points)
    hole = density.holes(prior, agg)
    return {"axis": axis, "prior": prior, "aggregate": agg, "holes": hole, "mu": mu,
            "logvar": logvar, "level": density.region_level(prior),
            "hole_mass": float(prior[hole].sum() / prior.sum())}
