"""Processes that tests and benchmarks start beside them: a Dask scheduler, and stopping a
group of processes politely (terminate, a grace period, then kill)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"


def dask_scheduler(port: int, env: dict) -> subprocess.Popen:
    """`dask scheduler` on 127.0.0.1:port, its dashboard on any free port, quiet."""
    return subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--dashboard-address", "127.0.0.1:0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(procs, grace: float = 20.0) -> None:
    """Ask each process to end, give each `grace` seconds, then kill what is left."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
