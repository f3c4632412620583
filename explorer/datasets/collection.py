"""A dataset made from your own pictures: a .zip or a folder (read safely by
explorer/datasets/archive.py), every image preprocessed into a 28x28 picture in worker processes
(picturepool.py; ink or the whole picture: preprocess.py, wholepicture.py), split 90/10
(splits.py: seeded, stratified by class) and kept as idx files with a manifest under the
data folder's `custom/<name>/` (explorer/datasets/registry.py; switched in at once:
datasetfolder.py), where every tab and the CLI find it.

The same pictures with the same settings are not preprocessed twice: the manifest keeps the
sha256 of the images (fingerprint.py), and `build` reuses a dataset whose images and settings match.

    manifest = collection.build("letters.zip", "letters", progress=print)
    python -m explorer.datasets import letters.zip --name letters [--preprocess whole]
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from explorer.datasets import archive, custom_folder, registry
from explorer.datasets.fingerprint import images_sha256
from explorer.datasets.holdout import split
from explorer.datasets.idx_files import idx_bytes
from explorer.datasets.picture_pool import Progress, Stopped, preprocess_all
from explorer.errors import CollectionError, DataError, TooManyClasses
from explorer.files import atomic_write, file_sha256
from explorer.preprocess.mnist_style import VERSION as PIPELINE
from explorer.preprocess.whole_picture import POLARITY, PREPROCESS

__all__ = ["POLARITY", "PREPROCESS", "Progress", "Stopped", "build", "describe_skips"]
MIN_IMAGES = 50
MIN_PER_CLASS = 5
MAX_CLASSES = 256  # labels are one byte each, as MNIST's idx files keep them


def _check_counts(labels: np.ndarray, classes: list[str], listing: archive.Listing) -> None:
    why = _skips(listing)
    if len(labels) < MIN_IMAGES:
        raise CollectionError(f"only {len(labels)} usable image{'s' * (len(labels) != 1)}; "
                              f"at least {MIN_IMAGES} are needed{why}")
    counts = np.bincount(labels, minlength=len(classes))
    small = [(classes[c], int(k)) for c, k in enumerate(counts) if k < MIN_PER_CLASS]
    if small:
        listed = ", ".join(f"{name!r} has {k}" for name, k in small[:5])
        raise CollectionError(f"each class needs at least {MIN_PER_CLASS} usable images: "
                              f"{listed}{why}")


def _skips(listing: archive.Listing) -> str:
    if not listing.skipped:
        return ""
    parts = [f"{k} {reason} (e.g. {', '.join(listing.examples.get(reason, [])[:3])})"
             for reason, k in listing.skipped.most_common(4)]
    return "; skipped: " + "; ".join(parts)


def describe_skips(manifest: dict) -> list[str]:
    """'12 not an image file (e.g. notes.txt, ...)', one line per reason, for people."""
    return [f"{k} {reason}" + (f" (e.g. {', '.join(manifest['skipped_examples'][reason])})"
                               if manifest.get("skipped_examples", {}).get(reason) else "")
            for reason, k in sorted(manifest.get("skipped", {}).items(), key=lambda t: -t[1])]


def build(source: Path | str, name: str | None = None, preprocess: str = "ink",
          polarity: str = "auto", seed: int = 0, root: Path | None = None,
          workers: int | None = None, progress: Callable[[Progress], None] | None = None,
          stop: threading.Event | None = None, label: str | None = None,
          owner_tag: str | None = None) -> dict:
    """Make (or reuse) the dataset `name` from the pictures at `source`; its manifest.

    `label`: what the manifest calls the source (an uploaded file's name; default: the
    source's name). `owner_tag`: whose it is (explorer/server/owners.py): kept as
    `name.tag`, apart from anyone else's `name` (None: the server's own, kept as `name`).
    Raises CollectionError (with the reason, for the person) and ValueError
    for a bad name or setting; nothing is written then, and an existing dataset of that name
    stays as it was."""
    if preprocess not in PREPROCESS:
        raise ValueError(f"preprocess must be one of {', '.join(PREPROCESS)}")
    if polarity not in POLARITY:
        raise ValueError(f"polarity must be one of {', '.join(POLARITY)}")
    source = Path(source)
    name = registry.check_name(name or registry.name_for(label or source))
    if owner_tag is not None:
        name = f"{name}.{owner_tag}"
    t0 = time.perf_counter()
    listing = archive.scan(source)
    if not listing.entries:
        raise CollectionError(f"no images found in {label or source.name}{_skips(listing)}")
    if len(listing.classes) > MAX_CLASSES:
        raise TooManyClasses(f"{label or source.name} has {len(listing.classes)} classes (one "
                             f"per folder); a dataset can have at most {MAX_CLASSES}")
    digest = images_sha256(listing, progress, stop)
    settings = {"images_sha256": digest, "preprocess": preprocess,
                "polarity": polarity if preprocess == "whole" else None, "seed": seed,
                "pipeline": PIPELINE if preprocess == "ink" else None}
    old = registry.manifest(name, root)
    if old is not None and all(old.get(k) == v for k, v in settings.items()):
        try:
            registry.check(name, root)
            return {**old, "reused": True}
        except DataError:
            pass  # damaged: make it again
    pixels, made = preprocess_all(listing, preprocess, polarity, workers, progress, stop)
    classes = listing.classes if listing.labelled else [registry.UNLABELLED]
    index = {c: i for i, c in enumerate(classes)}
    labels = np.array([index.get(e.label, 0) for e in listing.entries], np.uint8)[made]
    pixels = pixels[made]
    _check_counts(labels, classes, listing)
    if progress is not None:
        progress(Progress("writing", 0, 1))
    train, test = split(labels, seed)
    seconds = time.perf_counter() - t0
    manifest = {
        "format": registry.FORMAT, "name": name, "source": label or source.name,
        "kind": listing.kind, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **settings,
        "labelled": listing.labelled, "classes": classes,
        "counts": {"train": len(train), "test": len(test), "found": len(listing.entries),
                   "per_class": {c: int(k) for c, k in zip(classes, np.bincount(
                       labels, minlength=len(classes)), strict=True)}},
        "skipped": dict(Counter(listing.skipped)), "skipped_examples": listing.examples,
        "seconds": round(seconds, 2),
        "images_per_sec": round(len(listing.entries) / max(seconds, 1e-9), 1)}
    _write(name, root, manifest, {
        "train-images-idx3-ubyte": idx_bytes(pixels[train]),
        "train-labels-idx1-ubyte": idx_bytes(labels[train]),
        "t10k-images-idx3-ubyte": idx_bytes(pixels[test]),
        "t10k-labels-idx1-ubyte": idx_bytes(labels[test])})
    if progress is not None:
        progress(Progress("writing", 1, 1))
    return manifest


def _write(name: str, root: Path | None, manifest: dict, files: dict[str, bytes]) -> None:
    """The dataset's folder made anew and switched in at once (custom_folder.py): a
    reader sees the old dataset or the new one."""

    def write(folder: Path) -> None:
        for fname, raw in files.items():
            atomic_write(folder / fname, raw)
        manifest["files"] = {f: {"size": (folder / f).stat().st_size,
                                 "sha256": file_sha256(folder / f)} for f in files}
        atomic_write(folder / registry.MANIFEST, json.dumps(manifest, indent=1).encode())

    custom_folder.replace(registry.folder(name, root), write)
