"""Preprocessing every picture of a collection (archive.py's listing) into 28x28, in worker
processes: the slow part of making a dataset of your own (collection.py).
Also the build's progress reports and its Stop, which every phase of a build shares."""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.datasets import archive
from explorer.errors import CollectionError, ImageError
from explorer.preprocess.whole_picture import SIDE, preprocess_one

CHUNK = 128  # images per task of a worker process, at least
TASKS_PER_WORKER = 8  # at most (about): each task reads the zip's directory once (a tenth of
# a second for 100,000 entries), so a large collection goes in larger tasks


@dataclass(frozen=True)
class Progress:
    phase: str  # "reading" (hashing the images), "preprocessing", "writing"
    done: int
    total: int


class Stopped(CollectionError):
    """The build was asked to stop; nothing was written."""


def _work(source: str, kind: str, chunk: list[tuple[int, archive.Entry]], preprocess: str,
          polarity: str, zf: zipfile.ZipFile | None = None
          ) -> list[tuple[int, bytes | None, str | None]]:
    """(index, 784 bytes or None, why not) for each entry of `chunk`; in a worker process,
    which opens the zip for the task (`zf`: one open already, in this process)."""
    listing = archive.Listing(Path(source), kind, [])
    own = zf is None and kind == "zip"
    if own:
        zf = listing.opened()
    out = []
    try:
        for i, entry in chunk:
            try:
                out.append((i, preprocess_one(listing.read(entry, zf), preprocess,
                                              polarity).tobytes(), None))
            except (ImageError, CollectionError) as e:
                out.append((i, None, _reason(e)))
            except Exception:  # noqa: BLE001 - one bad picture never stops the others
                out.append((i, None, "could not be made into a picture"))
    finally:
        if own:
            zf.close()
    return out


def _reason(e: Exception) -> str:
    text = str(e)
    if isinstance(e, CollectionError) and ": " in text:
        text = text.split(": ", 1)[1]
    return text.split(". ")[0].rstrip(".")[:120]


def preprocess_all(listing: archive.Listing, preprocess: str = "ink", polarity: str = "auto",
                   workers: int | None = None,
                   progress: Callable[[Progress], None] | None = None,
                   stop: threading.Event | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every entry's picture, (N, 28, 28) uint8, and whether it was made, (N,) bool (the
    reason for each one that was not is counted in the listing's skips)."""
    n = len(listing.entries)
    pixels = np.zeros((n, SIDE, SIDE), np.uint8)
    made = np.zeros(n, bool)
    workers = workers or min(4, os.cpu_count() or 1)
    size = max(CHUNK, math.ceil(n / (workers * TASKS_PER_WORKER)))
    chunks = [list(enumerate(listing.entries))[i:i + size] for i in range(0, n, size)]
    args = (str(listing.source), listing.kind)

    def keep_results(results, done):
        """Each picture made into `pixels`, each one not into the listing's skips."""
        for i, raw, why in results:
            if raw is None:
                listing.skip(why, listing.entries[i].name)
            else:
                pixels[i] = np.frombuffer(raw, np.uint8).reshape(SIDE, SIDE)
                made[i] = True
        if progress is not None:
            progress(Progress("preprocessing", done, n))

    def stopping() -> None:
        if stop is not None and stop.is_set():
            raise Stopped("stopped")

    if workers == 1 or n <= 2 * CHUNK:  # not worth starting processes
        zf = listing.opened()  # its directory read once
        try:
            done = 0
            for chunk in chunks:
                stopping()
                done += len(chunk)
                keep_results(_work(*args, chunk, preprocess, polarity, zf), done)
        finally:
            if zf is not None:
                zf.close()
        return pixels, made
    # forkserver: workers start from a clean process, not a fork of a threaded server
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_work, *args, chunk, preprocess, polarity) for chunk in chunks]
        done = 0
        try:
            for future, chunk in zip(futures, chunks, strict=True):
                stopping()
                results = future.result()
                done += len(chunk)
                keep_results(results, done)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return pixels, made
