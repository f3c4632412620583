"""Checkpoints: one file with weights, configs, metrics and versions.

Written atomically (a temp file in the same folder, fsync, then rename), so a crash while
saving leaves the previous file whole. Read with `torch.load(weights_only=True)`, which
unpickles only tensors and plain containers and so never runs code from the file; then
validated against the architecture its config names, so a truncated, foreign or tampered
file is refused with a `CheckpointError` that names the file and the reason.
"""

from __future__ import annotations

import io
import math
import platform
import time
import warnings
from pathlib import Path

import torch

from explorer import paths
from explorer.errors import CheckpointError
from explorer.files import atomic_write
from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model

FORMAT = "latent-explorer"
VERSION = 1  # bump when the layout changes; newer files are refused by older code
PRETRAINED_DIR, PRETRAINED = paths.PRETRAINED_DIR, paths.PRETRAINED


def versions() -> dict[str, str]:
    return {"torch": str(torch.__version__), "python": platform.python_version(),
            "format": str(VERSION)}


def is_protected(path: Path | str) -> bool:
    """True for files under pretrained/: the shipped models are never overwritten silently."""
    try:
        Path(path).resolve().relative_to(PRETRAINED_DIR.resolve())
        return True
    except ValueError:
        return False


def payload(model: torch.nn.Module, model_config: ModelConfig, train_config: dict | None = None,
            metrics: dict | None = None, history: dict | None = None,
            resume: dict | None = None) -> dict:
    """What a checkpoint holds, as plain data. `resume` is where the run stands
    (train.RunState: optimizer, generators, position), so that it can be continued exactly."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "model_config": vars(model_config).copy(),
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        "train_config": dict(train_config or {}),
        "metrics": dict(metrics or {}),
        "history": dict(history or {}),
        "resume": resume,
        "versions": versions(),
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def dumps(*args, **kwargs) -> bytes:
    """The checkpoint file's bytes (payload's arguments): what a training worker on another
    machine sends back for the server to write."""
    buf = io.BytesIO()
    torch.save(payload(*args, **kwargs), buf)
    return buf.getvalue()


def save(path: Path | str, model: torch.nn.Module, model_config: ModelConfig,
         train_config: dict | None = None, metrics: dict | None = None,
         history: dict | None = None, allow_pretrained: bool = False,
         resume: dict | None = None) -> Path:
    """Write the checkpoint atomically; refuses pretrained/ unless allow_pretrained."""
    data = payload(model, model_config, train_config, metrics, history, resume)
    return write(path, lambda f: torch.save(data, f), allow_pretrained)


def write(path: Path | str, data, allow_pretrained: bool = False) -> Path:
    """Write a checkpoint's bytes (or a function that writes them) atomically; refuses
    pretrained/ unless allow_pretrained."""
    path = Path(path)
    if is_protected(path) and not allow_pretrained:
        raise CheckpointError(path, "refusing to overwrite a shipped pretrained model "
                                    "(pass allow_pretrained / --overwrite-pretrained)")
    return atomic_write(path, data)


def read(path: Path | str) -> dict:
    """The validated checkpoint dict (weights still on CPU, model not built)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "no such file")
    if path.stat().st_size == 0:
        raise CheckpointError(path, "the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the pickle-protocol notice of hostile files
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - every unpickling failure means the same to users
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()] or [type(e).__name__]
        reason = next((ln for ln in lines if "WeightsUnpickler error" in ln), lines[0])[:200]
        raise CheckpointError(path, f"not a readable checkpoint (truncated, corrupt or unsafe: "
                                    f"{reason})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(path, "not a Latent Explorer checkpoint")
    version = ckpt.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CheckpointError(path, f"written by a newer version (format {version}); "
                                    "update Latent Explorer to read it")
    for key, kind in (("model_config", dict), ("state_dict", dict)):
        if not isinstance(ckpt.get(key), kind):
            raise CheckpointError(path, f"missing or malformed {key!r}")
    return ckpt


def model_config_of(path: Path | str, ckpt: dict) -> ModelConfig:
    known = set(ModelConfig.__dataclass_fields__)
    raw = ckpt["model_config"]
    if set(raw) - known:
        raise CheckpointError(path, f"unknown model settings {sorted(set(raw) - known)}")
    try:
        cfg = ModelConfig(**raw)
    except TypeError as e:
        raise CheckpointError(path, f"bad model config: {e}") from None
    if cfg.latent_dim != 2:
        raise CheckpointError(path, f"latent size {cfg.latent_dim}; this app draws 2-D latents")
    return cfg


def load(path: Path | str | None = None) -> tuple[torch.nn.Module, dict]:
    """(model in eval mode on CPU, checkpoint dict); `None` means the shipped MNIST model."""
    path = Path(path) if path is not None else PRETRAINED
    ckpt = read(path)
    cfg = model_config_of(path, ckpt)
    try:
        model = build_model(cfg)
    except ValueError as e:
        raise CheckpointError(path, str(e)) from None
    expected = model.state_dict()
    state = ckpt["state_dict"]
    missing, extra = set(expected) - set(state), set(state) - set(expected)
    if missing or extra:
        raise CheckpointError(path, f"weights do not match architecture {cfg.arch!r} (missing "
                                    f"{sorted(missing)[:3]}, unexpected {sorted(extra)[:3]})")
    for name, tensor in state.items():
        if not isinstance(tensor, torch.Tensor) or tensor.shape != expected[name].shape:
            got = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
            raise CheckpointError(path, f"weight {name!r} has shape {got}, "
                                        f"expected {tuple(expected[name].shape)}")
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise CheckpointError(path, f"weight {name!r} contains NaN or infinity")
    model.load_state_dict(state)
    return model.eval(), ckpt


def card(ckpt: dict) -> dict:
    """What a person wants to know about a checkpoint, as plain JSON-able data."""
    m = ckpt.get("metrics", {})
    return {
        "model": ckpt.get("model_config", {}),
        "train_config": ckpt.get("train_config", {}),
        "metrics": {k: v for k, v in m.items() if not (isinstance(v, float) and math.isnan(v))},
        "versions": ckpt.get("versions", {}),
        "saved_at": ckpt.get("saved_at"),
    }
