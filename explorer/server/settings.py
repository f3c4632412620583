"""The server's settings, read from the environment when asked for (never at import time),
each with a default that suits the machine. One table of them is in the README's "Serving a
class" section.

    LATENT_EXPLORER_RUNS_AT_ONCE   training runs at once (default: half the cores, at least 1)
    LATENT_EXPLORER_MAX_LINE       runs waiting in line before Start says the line is full (60)
    LATENT_EXPLORER_SCHEDULER      tcp://HOST:PORT of a Dask scheduler whose workers train
                                   (default: worker processes started by this server)
    LATENT_EXPLORER_ADMINS         accounts (login e-mails) that see and can stop every run
    LATENT_EXPLORER_WORKER_MEMORY  memory of each local training process before it is
                                   stopped (default: 4GiB)
"""

from __future__ import annotations

import os


def _int(name: str, default: int, low: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < low:
        raise ValueError(f"{name} must be at least {low}, not {value}")
    return value


def runs_at_once() -> int:
    """On 2 cores, one run (one thread) leaves the other core to the pages."""
    return _int("LATENT_EXPLORER_RUNS_AT_ONCE", max(1, (os.cpu_count() or 2) // 2))


def max_line() -> int:
    return _int("LATENT_EXPLORER_MAX_LINE", 60)


def scheduler() -> str | None:
    return os.environ.get("LATENT_EXPLORER_SCHEDULER", "").strip() or None


def admins() -> frozenset[str]:
    raw = os.environ.get("LATENT_EXPLORER_ADMINS", "")
    return frozenset(a.strip().lower() for a in raw.split(",") if a.strip())


def worker_memory() -> str:
    return os.environ.get("LATENT_EXPLORER_WORKER_MEMORY", "").strip() or "4GiB"
