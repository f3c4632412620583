"""This server process's one training line, library and dataset imports (made when first
asked for, one per runs folder), shared by every session and thread. Importing this needs
no torch: the first page asks the library which runs a visitor sees."""

from __future__ import annotations

import threading

from explorer import paths
from explorer.server.library import Library
from explorer.server.store import Store

_lock = threading.Lock()
_made: dict[tuple, object] = {}


def _one(kind: str, make):
    key = (kind, str(paths.runs_dir()), str(paths.data_dir()))
    with _lock:
        if key not in _made:
            _made[key] = make()
        return _made[key]


def library() -> Library:
    return _one("library", lambda: Library(Store(paths.runs_dir() / ".line"),
                                           paths.runs_dir()))


def line():
    """The training line, its dispatcher started (and with it, in the background, the
    workers); imports torch and Dask: not for the first page."""
    from explorer.server.line import Line

    made = _one("line", lambda: Line(paths.runs_dir()))
    made.start()
    return made


def imports():
    from explorer.server.dataset_imports import ImportManager

    return _one("imports", ImportManager)


def resume_waiting() -> None:
    """Start the line now if runs are waiting or were running when the server stopped (a
    restart): they go on without waiting for someone to open the Train tab."""
    if library().store.active():
        line()
