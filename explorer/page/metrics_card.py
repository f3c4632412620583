"""The metrics card beside a shipped checkpoint (pretrained/mnist.json for mnist.pt, written
by `python -m explorer.vae.evaluate --card`): read without torch, it also says whether the
model's dataset can be had on this machine (explorer/page/prepared.py and the model picker)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from explorer.datasets import provision
from explorer.errors import DatasetMissing


def metrics_card(checkpoint_path: Path) -> tuple[dict | None, str | None]:
    """The metrics card beside a checkpoint (pretrained/mnist.json for mnist.pt, written by
    `python -m explorer.vae.evaluate --card`) and its sha256, or (None, None)."""
    card = checkpoint_path.with_suffix(".json")
    try:
        raw = card.read_bytes()
        return json.loads(raw), hashlib.sha256(raw).hexdigest()
    except (OSError, ValueError):
        return None, None


def missing_dataset(checkpoint_path: Path) -> DatasetMissing | None:
    """Why a shipped model cannot be shown on this machine: its metrics card names an optional
    dataset that is not here and could not be fetched. None when it can, or when that is not
    known yet (a first try fetches it once). Cheap, and needs no torch."""
    card = metrics_card(Path(checkpoint_path))[0]
    model = card.get("model") if isinstance(card, dict) else None
    spec = provision.DATASETS.get(model.get("dataset")) if isinstance(model, dict) else None
    return DatasetMissing(spec.title, spec.get_it) if spec and provision.unreachable(spec) \
        else None
