"""What the first page does not need, imported in the background once it is out.

The Explore tab's first page is drawn without torch or Plotly (2 to 3 s of imports on a
2-core machine). A person who then opens another tab, uploads a digit or starts training
should not wait for them either: one daemon thread per server imports them shortly after
the first page has been sent, and then starts the training line if runs were waiting or
training when the server last stopped (they go on by themselves).
"""

from __future__ import annotations

import os
import sys
import threading

_started = threading.Event()
DELAY_S = 1.5  # let the page fetch its script and the model's data first
THREADS_ENV = "OMP_NUM_THREADS"  # torch's intra-op threads, read once when torch loads


def one_torch_thread() -> None:
    """At the app's start, before torch is imported: one intra-op thread for the server.
    The server does many tiny inferences while the browser, other sessions or a training
    run keep the cores busy; with two threads each of them waits for a second core to come
    free (tens to hundreds of ms on a 2-core machine), with one it takes a fraction of a
    millisecond. The count is the whole process's, so it is set once, as torch starts, and
    never by a session's thread or the warm-up's; a count set by whoever started the
    server wins. (Training workers are processes of their own: explorer/server/task.py.)"""
    if "torch" not in sys.modules:
        os.environ.setdefault(THREADS_ENV, "1")


def server_torch():
    """torch (imported here, off the first page's path); its threads: one_torch_thread."""
    import torch

    return torch


def _imports() -> None:
    server_torch()
    import explorer.ui.plots  # noqa: F401  (pandas, then Plotly)
    from explorer.plane import latent  # noqa: F401
    from explorer.preprocess import mnist_style  # noqa: F401
    from explorer.server import here
    from explorer.ui.gc_freeze import freeze_long_lived
    from explorer.vae import checkpoint  # noqa: F401

    freeze_long_lived()  # else every later rerun's collection walks all of torch
    here.resume_waiting()  # runs left in line or training by a server that stopped


def start() -> None:
    """Start the background imports once per server process."""
    if _started.is_set():
        return
    _started.set()
    timer = threading.Timer(DELAY_S, _imports)
    timer.daemon = True
    timer.name = "latent-explorer-warmup"
    timer.start()
