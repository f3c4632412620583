"""Export a model's decoder (and encoder) as a portable network for the browser.

`export_sequential` turns an `nn.Sequential` into a JSON-able list of layers plus one flat
float32 weight array; `explorer/ui/static/latent_pad.js` interprets that list with
Float32Array loops, so the latent pad decodes z in the page, without a round trip to Python.
Batch norm (eval mode) is folded into the convolution or linear layer before it, or kept as a
per-channel affine map when there is none.

`bundle` packs a decoder, optionally an encoder and the encoded test digits into one binary
file, and `publish` writes it atomically under a content-hash name, so the page fetches each
model once and caches it for good. Layout of a bundle (little-endian):

    b"LXP1" | uint32 header length | header JSON (space-padded to 4 bytes) | body

The header names, for each part, its byte offset in the body and its length. Same model,
same points, same bytes: the export is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .model import PixelBias

MAGIC = b"LXP1"
POINT_SCALE = 4096  # points are stored as int16 z * 4096: a 1/4096 grid over [-8, 8)


class ExportError(ValueError):
    """A layer the browser's interpreter cannot run; the message names it."""


@dataclass(frozen=True)
class Exported:
    layers: list[dict]  # ops in order; weights referenced as [offset, length] into `weights`
    weights: np.ndarray  # float32, 1-D
    in_shape: tuple[int, ...]  # per sample, e.g. (2,) for a decoder
    out_shape: tuple[int, ...]  # per sample, e.g. (1, 28, 28)

    def header(self, offset: int = 0) -> dict:
        """The JSON part of this network, its weights placed at byte `offset` of a body."""
        return {"layers": self.layers, "in_shape": list(self.in_shape),
                "out_shape": list(self.out_shape), "weights": [offset, int(self.weights.size)]}


class _Weights:
    """Collects float32 arrays into one buffer, handing out [offset, length] references."""

    def __init__(self):
        self.parts: dict[int, np.ndarray] = {}  # offset -> array, in insertion order
        self.size = 0

    def add(self, x) -> list[int]:
        a = np.ascontiguousarray(np.asarray(x, dtype=np.float64).astype(np.float32).ravel())
        ref = [self.size, int(a.size)]
        self.parts[self.size] = a
        self.size += a.size
        return ref

    def get(self, ref: list[int]) -> np.ndarray:
        return self.parts[ref[0]]

    def replace(self, ref: list[int], x: np.ndarray) -> None:
        self.parts[ref[0]][:] = np.asarray(x, dtype=np.float64).astype(np.float32).ravel()

    def array(self) -> np.ndarray:
        return np.concatenate(list(self.parts.values())) if self.parts else np.zeros(0, "f4")


def _pair(v) -> list[int]:
    return [int(v), int(v)] if isinstance(v, int) else [int(x) for x in v]


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def _conv_out(size: int, k: int, s: int, p: int) -> int:
    return (size + 2 * p - k) // s + 1


def _check_conv(m: nn.Conv2d | nn.ConvTranspose2d, shape: tuple[int, ...], name: str) -> None:
    if len(shape) != 3 or shape[0] != m.in_channels:
        raise ExportError(f"{name}: expects ({m.in_channels}, H, W) input, gets {shape}")
    if m.groups != 1 or _pair(m.dilation) != [1, 1] or isinstance(m.padding, str):
        raise ExportError(f"{name}: only groups=1, dilation=1 and numeric padding are supported")
    if m.padding_mode != "zeros":
        raise ExportError(f"{name}: padding_mode {m.padding_mode!r} is not supported")


def export_sequential(seq: nn.Sequential, in_shape: tuple[int, ...]) -> Exported:
    """The layer list and weights of `seq` for one sample of shape `in_shape`."""
    w = _Weights()
    layers: list[dict] = []
    shape = tuple(int(s) for s in in_shape)
    for i, m in enumerate(seq):
        name = f"layer {i} ({type(m).__name__})"
        if isinstance(m, nn.Linear):
            if shape != (m.in_features,):
                raise ExportError(f"{name}: expects ({m.in_features},) input, gets {shape}")
            bias = _np(m.bias) if m.bias is not None else np.zeros(m.out_features)
            shape = (m.out_features,)
            layers.append({"op": "linear", "in": m.in_features, "out": m.out_features,
                           "w": w.add(_np(m.weight)), "b": w.add(bias), "shape": list(shape)})
        elif isinstance(m, nn.Conv2d):
            _check_conv(m, shape, name)
            (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
            c, h, wd = shape
            shape = (m.out_channels, _conv_out(h, kh, sh, ph), _conv_out(wd, kw, sw, pw))
            bias = _np(m.bias) if m.bias is not None else np.zeros(m.out_channels)
            layers.append({"op": "conv2d", "k": [kh, kw], "stride": [sh, sw], "pad": [ph, pw],
                           "in_shape": [c, h, wd], "shape": list(shape),
                           "w": w.add(_np(m.weight)), "b": w.add(bias)})
        elif isinstance(m, nn.ConvTranspose2d):
            _check_conv(m, shape, name)
            (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
            oph, opw = _pair(m.output_padding)
            c, h, wd = shape
            shape = (m.out_channels, (h - 1) * sh - 2 * ph + kh + oph,
                     (wd - 1) * sw - 2 * pw + kw + opw)
            bias = _np(m.bias) if m.bias is not None else np.zeros(m.out_channels)
            layers.append({"op": "conv_transpose2d", "k": [kh, kw], "stride": [sh, sw],
                           "pad": [ph, pw], "in_shape": [c, h, wd], "shape": list(shape),
                           "w": w.add(_np(m.weight)), "b": w.add(bias)})  # w: (Cin, Cout, kh, kw)
        elif isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
            _batch_norm(m, shape, layers, w, name)
        elif isinstance(m, nn.ReLU):
            layers.append({"op": "relu", "shape": list(shape)})
        elif isinstance(m, nn.SiLU):
            layers.append({"op": "silu", "shape": list(shape)})
        elif isinstance(m, nn.LeakyReLU):
            layers.append({"op": "leaky_relu", "slope": float(m.negative_slope),
                           "shape": list(shape)})
        elif isinstance(m, nn.Unflatten | nn.Flatten):
            if isinstance(m, nn.Unflatten):
                if m.dim != 1:
                    raise ExportError(f"{name}: only Unflatten(1, ...) is supported")
                new = tuple(int(s) for s in m.unflattened_size)
            else:
                if m.start_dim != 1 or m.end_dim != -1:
                    raise ExportError(f"{name}: only Flatten(1, -1) is supported")
                new = (int(np.prod(shape)),)
            if int(np.prod(new)) != int(np.prod(shape)):
                raise ExportError(f"{name}: cannot reshape {shape} to {new}")
            shape = new
            layers.append({"op": "reshape", "shape": list(shape)})
        elif isinstance(m, nn.PixelShuffle):
            r = int(m.upscale_factor)
            if len(shape) != 3 or shape[0] % (r * r):
                raise ExportError(f"{name}: {shape} is not (C * {r * r}, H, W)")
            shape = (shape[0] // (r * r), shape[1] * r, shape[2] * r)
            layers.append({"op": "pixel_shuffle", "r": r, "shape": list(shape)})
        elif isinstance(m, nn.Upsample):
            scale = m.scale_factor
            scale = scale[0] if isinstance(scale, tuple) and len(set(scale)) == 1 else scale
            if (m.mode != "nearest" or m.size is not None or not isinstance(scale, int | float)
                    or float(scale) != int(scale) or len(shape) != 3):
                raise ExportError(f"{name}: only nearest upsampling by a whole factor is supported")
            s = int(scale)
            shape = (shape[0], shape[1] * s, shape[2] * s)
            layers.append({"op": "upsample", "scale": s, "shape": list(shape)})
        elif isinstance(m, PixelBias):
            if tuple(m.bias.shape) != shape:
                raise ExportError(f"{name}: bias {tuple(m.bias.shape)} does not match {shape}")
            layers.append({"op": "add", "b": w.add(_np(m.bias)), "shape": list(shape)})
        elif isinstance(m, nn.Identity | nn.Dropout):
            continue  # nothing to do at inference
        else:
            raise ExportError(f"{name}: no browser implementation for {type(m).__name__}")
    return Exported(layers, w.array(), tuple(int(s) for s in in_shape), shape)


def _batch_norm(m, shape, layers: list[dict], w: _Weights, name: str) -> None:
    """Eval-mode batch norm is y = x * scale + shift per channel; fold it into the layer
    before when that layer is linear in its weights, else keep it as an affine op."""
    if m.running_mean is None or m.running_var is None:
        raise ExportError(f"{name}: needs running statistics (track_running_stats=True)")
    if shape[0] != m.num_features:
        raise ExportError(f"{name}: {m.num_features} channels, input {shape}")
    scale = 1.0 / np.sqrt(_np(m.running_var) + m.eps)
    if m.affine:
        scale = scale * _np(m.weight)
    shift = -_np(m.running_mean) * scale + (_np(m.bias) if m.affine else 0.0)
    prev = layers[-1] if layers else None
    if prev and prev["op"] in ("linear", "conv2d", "conv_transpose2d"):
        weight = w.get(prev["w"]).astype(np.float64)
        if prev["op"] == "conv_transpose2d":  # (Cin, Cout, kh, kw): out channels on axis 1
            cin = prev["in_shape"][0]
            weight = weight.reshape(cin, m.num_features, -1) * scale[None, :, None]
        else:
            weight = weight.reshape(m.num_features, -1) * scale[:, None]
        w.replace(prev["w"], weight)
        w.replace(prev["b"], w.get(prev["b"]).astype(np.float64) * scale + shift)
        return
    layers.append({"op": "affine", "scale": w.add(scale), "shift": w.add(shift),
                   "shape": list(shape)})


def _latent_dim(model: nn.Module) -> int:
    cfg = getattr(model, "cfg", None)
    return int(getattr(cfg, "latent_dim", 2))


def export_decoder(model: nn.Module) -> Exported:
    """z (latent_dim,) -> logits (1, 28, 28); `model` is a VAE or its decoder."""
    decoder = getattr(model, "decoder", model)
    return export_sequential(decoder, (_latent_dim(model),))


def export_encoder(model: nn.Module) -> Exported:
    """image (1, 28, 28) -> (2 * latent_dim,): mu, then logvar (unclamped)."""
    return export_sequential(model.encoder, (1, 28, 28))


def _pad4(b: bytes, fill: bytes = b"\0") -> bytes:
    return b + fill * (-len(b) % 4)


def bundle(decoder: Exported, points: np.ndarray | None = None,
           labels: np.ndarray | None = None, encoder: Exported | None = None,
           meta: dict | None = None) -> bytes:
    """One file for the page: networks, and the test digits' means (N, 2) with labels (N,)."""
    body, header = [], {"version": 1, "meta": dict(meta or {})}

    def put(raw: bytes) -> int:
        offset = sum(len(b) for b in body)
        body.append(_pad4(raw))
        return offset

    header["decoder"] = decoder.header(put(decoder.weights.astype("<f4").tobytes()))
    if encoder is not None:
        header["encoder"] = encoder.header(put(encoder.weights.astype("<f4").tobytes()))
    if points is not None:
        z = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        q = np.clip(np.rint(z * POINT_SCALE), -32768, 32767).astype("<i2")
        lab = (np.zeros(len(z)) if labels is None else np.asarray(labels)).astype(np.uint8)
        header["points"] = {"n": len(z), "scale": POINT_SCALE, "xy": put(q.tobytes()),
                            "labels": put(lab.tobytes())}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-(len(text) + 8) % 4)
    return MAGIC + struct.pack("<I", len(text)) + text + b"".join(body)


def read_bundle(data: bytes) -> tuple[dict, bytes]:
    """(header, body) of a bundle; raises ValueError for anything else."""
    if data[:4] != MAGIC or len(data) < 8:
        raise ValueError("not a latent pad bundle")
    (n,) = struct.unpack("<I", data[4:8])
    return json.loads(data[8:8 + n]), data[8 + n:]


def bundle_name(data: bytes, suffix: str = ".bin") -> str:
    """A content-hash file name: a new model gets a new name, so caches never go stale."""
    return hashlib.sha256(data).hexdigest()[:24] + suffix


def publish(data: bytes, directory: Path | str, keep: int = 32, suffix: str = ".bin") -> str:
    """Write `data` as bundle_name(data, suffix) in `directory` (atomically, once) and return
    the name. Keeps the `keep` most recently published *suffix files there, deletes the rest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = bundle_name(data, suffix)
    path = directory / name
    if not path.is_file() or path.stat().st_size != len(data):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    else:
        path.touch()
    old = sorted(directory.glob(f"*{suffix}"), key=_mtime, reverse=True)
    for p in old[keep:]:
        p.unlink(missing_ok=True)
    return name


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # deleted meanwhile by another process pruning the same folder
        return 0.0
