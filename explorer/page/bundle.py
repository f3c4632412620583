"""The one file format the page reads (explorer/page/web/nn_runtime.js, parseBundle): networks
(as explorer/page/network.py exports them), the encoded test digits' means and labels, the test
digits themselves, and the prior as a mixture of Gaussians. Little-endian:

    b"LXP1" | uint32 header length | header JSON (space-padded to 4 bytes) | body

The header names each part's byte offset in the body and its length. Weights are float32
(exact) or float16 (`half=True`: half the size, for the share file). Same inputs, same bytes.
Needs no torch: the page cache and the share file read it in the app's first second.
"""

from __future__ import annotations

import gzip
import json
import struct
from dataclasses import dataclass

import numpy as np

MAGIC = b"LXP1"
VERSION = 3  # 2: weight dtypes, test digits; 3: the prior
POINT_SCALE = 4096  # points are stored as int16 z * scale: at most 4096 (a 1/4096 grid), and
# a smaller power of two where the points reach beyond +-8, so that no point is ever clipped
DIGIT_LEVELS = 16  # grey levels of the test digits in the page (a 28x28 digit shows no more)


@dataclass(frozen=True)
class Exported:
    layers: list[dict]  # ops in order; weights referenced as [offset, length] into `weights`
    weights: np.ndarray  # float32, 1-D
    in_shape: tuple[int, ...]  # per sample, e.g. (2,) for a decoder
    out_shape: tuple[int, ...]  # per sample, e.g. (1, 28, 28)


def pack(decoder: Exported | None = None, points: np.ndarray | None = None,
         labels: np.ndarray | None = None, *, encoder: Exported | None = None,
         digits: np.ndarray | None = None, prior: tuple | None = None,
         meta: dict | None = None, half: bool = False) -> bytes:
    """One file for the page: networks, the test digits' means (N, 2) with labels (N,), the
    test digits (N, 28, 28) uint8 0..255 (stored at DIGIT_LEVELS grey levels, gzipped), and
    the prior as the components of a mixture: (mu (K, D), logvar (K, D), log weights (K,))."""
    body, header = [], {"version": VERSION, "meta": dict(meta or {})}

    def put(raw: bytes) -> int:
        offset = sum(len(b) for b in body)
        body.append(raw + b"\0" * (-len(raw) % 4))  # every part starts 4-byte aligned
        return offset

    for name, net in (("decoder", decoder), ("encoder", encoder)):
        if net is not None:
            dtype = "<f2" if half else "<f4"
            offset = put(net.weights.astype(dtype).tobytes())
            header[name] = {"layers": net.layers, "in_shape": list(net.in_shape),
                            "out_shape": list(net.out_shape),
                            "weights": [offset, int(net.weights.size)], "dtype": dtype[1:]}
    if points is not None:
        z = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        scale = point_scale(z)
        q = np.rint(z * scale).astype("<i2")
        lab = (np.zeros(len(z)) if labels is None else np.asarray(labels)).astype(np.uint8)
        header["points"] = {"n": len(z), "scale": scale, "xy": put(q.tobytes()),
                            "labels": put(lab.tobytes())}
    if prior is not None:
        mu, logvar, log_w = (np.asarray(a, "<f4") for a in prior)
        header["prior"] = {"k": int(mu.shape[0]), "d": int(mu.shape[1]), "mu": put(mu.tobytes()),
                           "logvar": put(logvar.tobytes()), "logw": put(log_w.tobytes())}
    if digits is not None:
        d = np.asarray(digits)
        levels = np.rint(d.astype(np.float32) * ((DIGIT_LEVELS - 1) / 255)).astype(np.uint8)
        packed = gzip.compress(levels.tobytes(), compresslevel=6, mtime=0)
        header["digits"] = {"n": len(d), "h": int(d.shape[1]), "w": int(d.shape[2]),
                            "levels": DIGIT_LEVELS, "encoding": "gzip",
                            "offset": put(packed), "length": len(packed)}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-(len(text) + 8) % 4)
    return MAGIC + struct.pack("<I", len(text)) + text + b"".join(body)


def point_scale(z: np.ndarray) -> float:
    """The largest power of two, at most POINT_SCALE, at which every point fits an int16
    (ValueError for points that are not finite, or beyond +-2^30)."""
    z = np.asarray(z, dtype=np.float64)
    if not np.isfinite(z).all():
        raise ValueError("the points are not all finite")
    far = float(np.abs(z).max()) if z.size else 0.0
    if far > 2.0**30:
        raise ValueError(f"a point lies at {far:.3g}: too far out to store")
    scale = float(POINT_SCALE)
    while far * scale > 32767:
        scale /= 2
    return scale


def unpack(data: bytes) -> tuple[dict, bytes]:
    """(header, body) of a file written by `pack`; raises ValueError for anything else."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise ValueError("not a Latent Explorer data file")
    (n,) = struct.unpack("<I", data[4:8])
    try:
        header = json.loads(data[8:8 + n])
    except ValueError:
        raise ValueError("the data file's header is damaged") from None
    if not isinstance(header, dict) or header.get("version") != VERSION:
        raise ValueError("a data file of another version")
    return header, data[8 + n:]
