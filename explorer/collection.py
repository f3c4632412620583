"""A dataset made from your own pictures: a .zip or a folder (read safely by
explorer/archive.py), every image preprocessed into a 28x28 picture in worker processes,
split 90/10 (seeded, stratified by class) and kept as idx files with a manifest under the
data folder's `custom/<name>/` (explorer/datasets.py), where every tab and the CLI find it.

The same pictures with the same settings are not preprocessed twice: the manifest keeps the
sha256 of the images, and `build` reuses a dataset whose images and settings match.

    manifest = collection.build("letters.zip", "letters", progress=print)
    python -m explorer.data import letters.zip --name letters [--preprocess whole]
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from . import archive, datasets
from .errors import CollectionError, DataError, ImageError
from .files import atomic_write, file_sha256
from .images import open_image
from .preprocess import VERSION as PIPELINE
from .preprocess import flatten_alpha, ink_polarity, to_gray, to_mnist
from .provision import idx_bytes

PREPROCESS = {
    "ink": "ink on paper: the ink found, cropped, fitted into 20x20 and centred by its mass "
           "in 28x28, as MNIST was made (handwriting, letters, glyphs, sketches)",
    "whole": "the whole picture: greyscale, fitted into 28x28 and padded (icons, shapes, "
             "anything whose background belongs to it)",
}
POLARITY = {  # for "whole": what becomes ink (1) and what background (0)
    "auto": "decided per picture: the minority that departs from its surroundings is ink",
    "dark-on-light": "dark shapes on a light background (inverted, as MNIST is light on dark)",
    "light-on-dark": "light shapes on a dark background (kept as they are)",
}
MIN_IMAGES = 50
MIN_PER_CLASS = 5
TEST_FRACTION = 0.1
CHUNK = 128  # images per task of a worker process
SIDE = 28


@dataclass(frozen=True)
class Progress:
    phase: str  # "reading" (hashing the images), "preprocessing", "writing"
    done: int
    total: int


class Stopped(CollectionError):
    """The build was asked to stop; nothing was written."""


# --- one picture ------------------------------------------------------------------------

def whole_picture(raw: bytes, polarity: str = "auto") -> np.ndarray:
    """The whole picture as float32 (28, 28) in [0, 1], light = 1: greyscale (transparent
    pixels onto a page), fitted into 28x28 keeping its aspect ratio, padded with background.
    Raises ImageError."""
    gray = to_gray(flatten_alpha(open_image(raw)))
    dark_ink = ink_polarity(gray) if polarity == "auto" else polarity == "dark-on-light"
    ink = 1.0 - gray if dark_ink else gray
    h, w = ink.shape
    s = SIDE / max(h, w)
    size = (max(1, min(SIDE, round(w * s))), max(1, min(SIDE, round(h * s))))
    img = Image.fromarray(np.ascontiguousarray(ink, np.float32), "F")
    method = Image.Resampling.BOX if s < 1 else Image.Resampling.BICUBIC
    fitted = np.clip(np.asarray(img.resize(size, method), np.float32), 0, 1)
    out = np.zeros((SIDE, SIDE), np.float32)
    top, left = (SIDE - size[1]) // 2, (SIDE - size[0]) // 2
    out[top:top + size[1], left:left + size[0]] = fitted
    return out


def preprocess_one(raw: bytes, preprocess: str, polarity: str) -> np.ndarray:
    """One picture's bytes -> uint8 (28, 28), 0..255 as MNIST's; ImageError."""
    x = to_mnist(raw) if preprocess == "ink" else whole_picture(raw, polarity)
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


def _work(source: str, kind: str, chunk: list[tuple[int, archive.Entry]], preprocess: str,
          polarity: str) -> list[tuple[int, bytes | None, str | None]]:
    """In a worker process: (index, 784 bytes or None, why not) for each entry of `chunk`."""
    listing = archive.Listing(Path(source), kind, [])
    zf = _opened(listing)
    out = []
    for i, entry in chunk:
        try:
            out.append((i, preprocess_one(listing.read(entry, zf), preprocess,
                                          polarity).tobytes(), None))
        except (ImageError, CollectionError) as e:
            out.append((i, None, _reason(e)))
        except Exception:  # noqa: BLE001 - one bad picture never stops the others
            out.append((i, None, "could not be made into a picture"))
    return out


_OPEN: dict[str, zipfile.ZipFile] = {}


def _opened(listing: archive.Listing) -> zipfile.ZipFile | None:
    """The worker's open zip of `listing` (read its directory once per process, not once
    per chunk: a directory of 100,000 entries takes a tenth of a second to read)."""
    if listing.kind != "zip":
        return None
    key = str(listing.source)
    if key not in _OPEN:
        _close_zips()
        _OPEN[key] = listing.opened()
    return _OPEN[key]


def _close_zips() -> None:
    for zf in _OPEN.values():
        zf.close()
    _OPEN.clear()


def _reason(e: Exception) -> str:
    text = str(e)
    if isinstance(e, CollectionError) and ": " in text:
        text = text.split(": ", 1)[1]
    return text.split(". ")[0].rstrip(".")[:120]


# --- the collection -----------------------------------------------------------------------

def images_sha256(listing: archive.Listing, progress: Callable[[Progress], None] | None = None,
                  stop: threading.Event | None = None) -> str:
    """The sha256 of the images: their names, classes and bytes, in order."""
    h = hashlib.sha256()
    zf = listing.opened()
    try:
        for k, entry in enumerate(listing.entries):
            if stop is not None and stop.is_set():
                raise Stopped("stopped")
            try:
                digest = hashlib.sha256(listing.read(entry, zf)).hexdigest()
            except CollectionError:
                digest = "unreadable"
            h.update(f"{entry.name}\0{entry.label}\0{digest}\n".encode())
            if progress is not None and (k % 500 == 0 or k + 1 == len(listing.entries)):
                progress(Progress("reading", k + 1, len(listing.entries)))
    finally:
        if zf is not None:
            zf.close()
    return h.hexdigest()


def preprocess_all(listing: archive.Listing, preprocess: str = "ink", polarity: str = "auto",
                   workers: int | None = None,
                   progress: Callable[[Progress], None] | None = None,
                   stop: threading.Event | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every entry's picture, (N, 28, 28) uint8, and whether it was made, (N,) bool (the
    reason for each one that was not is counted in the listing's skips)."""
    n = len(listing.entries)
    pixels = np.zeros((n, SIDE, SIDE), np.uint8)
    made = np.zeros(n, bool)
    chunks = [list(enumerate(listing.entries))[i:i + CHUNK] for i in range(0, n, CHUNK)]
    workers = workers or min(4, os.cpu_count() or 1)
    args = (str(listing.source), listing.kind)

    def take(results, done):
        for i, raw, why in results:
            if raw is None:
                listing.skip(why, listing.entries[i].name)
            else:
                pixels[i] = np.frombuffer(raw, np.uint8).reshape(SIDE, SIDE)
                made[i] = True
        if progress is not None:
            progress(Progress("preprocessing", done, n))

    if workers == 1 or n <= 2 * CHUNK:  # not worth starting processes
        done = 0
        try:
            for chunk in chunks:
                if stop is not None and stop.is_set():
                    raise Stopped("stopped")
                done += len(chunk)
                take(_work(*args, chunk, preprocess, polarity), done)
        finally:
            _close_zips()  # this process goes on: leave no file open
        return pixels, made
    # forkserver: workers start from a clean process, not a fork of a threaded server
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_work, *args, chunk, preprocess, polarity) for chunk in chunks]
        done = 0
        try:
            for future, chunk in zip(futures, chunks, strict=True):
                if stop is not None and stop.is_set():
                    raise Stopped("stopped")
                results = future.result()
                done += len(chunk)
                take(results, done)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return pixels, made


def split(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the train and test splits: TEST_FRACTION of each class (at least one) to
    test, chosen by `seed`; both shuffled."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        k = max(1, round(TEST_FRACTION * len(idx)))
        test.append(idx[:k])
        train.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


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
    name = datasets.check_name(name or datasets.name_for(label or source))
    if owner_tag is not None:
        name = f"{name}.{owner_tag}"
    t0 = time.perf_counter()
    listing = archive.scan(source)
    if not listing.entries:
        raise CollectionError(f"no images found in {label or source.name}{_skips(listing)}")
    digest = images_sha256(listing, progress, stop)
    settings = {"images_sha256": digest, "preprocess": preprocess,
                "polarity": polarity if preprocess == "whole" else None, "seed": seed,
                "pipeline": PIPELINE if preprocess == "ink" else None}
    old = datasets.manifest(name, root)
    if old is not None and all(old.get(k) == v for k, v in settings.items()):
        try:
            datasets.check(name, root)
            return {**old, "reused": True}
        except DataError:
            pass  # damaged: make it again
    pixels, made = preprocess_all(listing, preprocess, polarity, workers, progress, stop)
    classes = listing.classes if listing.labelled else [datasets.UNLABELLED]
    index = {c: i for i, c in enumerate(classes)}
    labels = np.array([index.get(e.label, 0) for e in listing.entries], np.uint8)[made]
    pixels = pixels[made]
    _check_counts(labels, classes, listing)
    if progress is not None:
        progress(Progress("writing", 0, 1))
    train, test = split(labels, seed)
    seconds = time.perf_counter() - t0
    manifest = {
        "format": datasets.FORMAT, "name": name, "source": label or source.name,
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
    """Into a new folder beside the dataset's, then swapped in: a reader sees the old
    dataset or the new one."""
    final = datasets.folder(name, root)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for fname, raw in files.items():
            atomic_write(tmp / fname, raw)
        manifest["files"] = {f: {"size": (tmp / f).stat().st_size,
                                 "sha256": file_sha256(tmp / f)} for f in files}
        atomic_write(tmp / datasets.MANIFEST, json.dumps(manifest, indent=1).encode())
        old = final.parent / f".{name}.{os.getpid()}.old"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
