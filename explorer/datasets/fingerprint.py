"""The sha256 of a collection's images (their names, classes and bytes, in order): what
tells explorer/datasets/collection.py that a dataset made before can be reused as it is."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from explorer.datasets import archive
from explorer.datasets.picture_pool import Progress, Stopped
from explorer.errors import CollectionError


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
