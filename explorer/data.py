"""The datasets as tensors: the train and test splits, and how pixels become binary.

The files are found, fetched and md5-checked by explorer/provision.py; this module reads
them and keeps each split in memory once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import DataError
from .provision import DATASETS, ensure_dataset

__all__ = ["DATASETS", "DataError", "Split", "load_split", "read_idx"]


def read_idx(path: Path) -> np.ndarray:
    """An unsigned-byte idx file (as MNIST's) as a numpy array; DataError for anything else.
    (torchvision has a reader too, but importing torchvision costs 1.3 s on a 2-core machine,
    at every start of the CLI and of the app's training.)"""
    data = Path(path).read_bytes()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != 8:
        raise DataError(f"{path} is not an unsigned-byte idx file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    if len(data) != 4 + 4 * ndim + int(np.prod(dims)):
        raise DataError(f"{path} is truncated or has trailing bytes")
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # (N, 1, 28, 28) uint8, 0..255
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, n: int | None, seed: int = 0) -> Split:
        """The first n of a fixed random permutation (all of it when n is None)."""
        if n is None or n >= len(self):
            return self
        idx = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:n]
        return Split(self.images[idx], self.labels[idx])


_CACHE: dict[tuple, Split] = {}


def load_split(split: str = "train", dataset: str = "mnist", root: Path | None = None) -> Split:
    """The train or test split as uint8 tensors, provisioning the files if needed."""
    spec = DATASETS[dataset]
    key = (dataset, split, str(root))
    if key not in _CACHE:
        folder = ensure_dataset(spec, root)
        prefix = {"train": "train", "test": "t10k"}[split]
        x = read_idx(folder / f"{prefix}-images-idx3-ubyte")
        y = read_idx(folder / f"{prefix}-labels-idx1-ubyte")
        _CACHE[key] = Split(torch.from_numpy(x.copy()).unsqueeze(1),
                            torch.from_numpy(y.astype(np.int64)))
    return _CACHE[key]


# --- binarization ------------------------------------------------------------------------

def to_unit(x: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float in [0, 1]."""
    return x.float().div_(255.0)


def binarize_dynamic(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fresh Bernoulli draw with p = pixel/255 (the stronger training recipe)."""
    return torch.bernoulli(to_unit(x), generator=generator)


def binarize_threshold(x: torch.Tensor) -> torch.Tensor:
    """pixel/255 > 0.5, as the TF tutorial does (its test ELBO uses this)."""
    return (to_unit(x) > 0.5).float()


def fixed_binarization(x: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """One Bernoulli draw with a fixed seed: the test set for the IWAE bound."""
    return binarize_dynamic(x, torch.Generator().manual_seed(seed))
