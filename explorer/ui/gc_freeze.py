"""Keep the garbage collector off the page's critical path.

Streamlit runs a full collection after every script run (`runner.postScriptGC`), holding
the interpreter lock, and the server cannot send the run's last messages until it ends.
With torch, plotly and pandas imported that collection walks some 250,000 objects that live
as long as the process (modules, classes, functions): 100 to 250 ms on a 2-core machine,
most of a slider move's latency. `gc.freeze()` moves them out of the collector's sight;
refcounting still frees everything as before, and new cyclic garbage is still collected.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_frozen = 0  # len(sys.modules) at the last freeze


def freeze_long_lived() -> bool:
    """Collect once, then freeze what survived, whenever new modules have been imported
    since the last time (the first runs of each tab, a few times per process). True if it
    froze."""
    global _modules_frozen
    with _lock:
        if len(sys.modules) == _modules_frozen:
            return False
        gc.collect()
        gc.freeze()
        _modules_frozen = len(sys.modules)
        return True
