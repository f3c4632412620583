"""Preloaded into the Dask scheduler that the web server starts for itself (the embedded
default, explorer/server/engine.py): the scheduler exits as soon as the web server that
started it is gone, even after `kill -9`, and its workers follow it (`--death-timeout`)."""

from __future__ import annotations

import os
import threading
import time

PARENT_ENV = "LATENT_EXPLORER_PARENT"  # the web server's process id


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def dask_setup(scheduler) -> None:  # noqa: ARG001 - Dask's preload hook
    parent = int(os.environ.get(PARENT_ENV, "0"))
    if parent:
        threading.Thread(target=_watch, args=(parent,), daemon=True,
                         name="parent-watch").start()
