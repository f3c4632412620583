"""Benchmarks: ours against the baselines, in one run on this machine. See `python -m bench -h`."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path | str, result, say: bool = True) -> Path:
    """A benchmark's results as JSON at `path` (its folder made); says where when `say`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    if say:
        print(f"wrote {path}")
    return path
