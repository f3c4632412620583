"""The datasets as tensors: the train and test splits, and how pixels become binary.

The built-in datasets' files are found, fetched and md5-checked by provision.py; datasets
made from your pictures (collection.py) live under the data folder's custom/ (registry.py).
This module reads either and keeps each split in memory once per process.

    python -m explorer.datasets import PATH --name NAME [--preprocess ink|whole]   # make one
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.datasets import registry
from explorer.datasets.provision import DATASETS, ensure_dataset
from explorer.errors import DataError

__all__ = ["DATASETS", "DataError", "Split", "ensure", "load_split", "read_idx"]


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


CACHED_SPLITS = 6  # kept in memory, the most recently used (MNIST's two: 55 MB)
_CACHE: OrderedDict[tuple, Split] = OrderedDict()
_cache_lock = threading.Lock()


def ensure(dataset: str, root: Path | None = None) -> Path:
    """The folder of a dataset's files, provisioning a built-in one if needed; DataError for
    one that is not there (or damaged) and cannot be fetched."""
    if dataset in DATASETS:
        return ensure_dataset(DATASETS[dataset], root)
    return registry.check(dataset, root)


def load_split(split: str = "train", dataset: str = "mnist", root: Path | None = None) -> Split:
    """The train or test split as uint8 tensors, provisioning the files if needed (DataError
    when they cannot be had). Kept in memory by the files' real folder, so every data folder
    that links the same files shares one copy."""
    folder = ensure(dataset, root)
    key = (split, str(folder.resolve()))
    if dataset not in DATASETS:  # one of your own: made again under the same name, reread
        m = registry.manifest(dataset, root) or {}
        key = (*key, m.get("images_sha256"), m.get("created"))
    with _cache_lock:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    prefix = {"train": "train", "test": "t10k"}[split]
    x = read_idx(folder / f"{prefix}-images-idx3-ubyte")
    y = read_idx(folder / f"{prefix}-labels-idx1-ubyte")
    found = Split(torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64)))
    with _cache_lock:  # a server that runs for a term: bounded, least recently used out
        _CACHE[key] = found
        while len(_CACHE) > CACHED_SPLITS:
            _CACHE.popitem(last=False)
    return found


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


def main(argv: list[str] | None = None) -> int:
    """`python -m explorer.datasets import PATH --name NAME`: make a dataset of your pictures."""
    import argparse
    import sys

    from tqdm import tqdm

    from explorer.errors import CollectionError

    ap = argparse.ArgumentParser(prog="python -m explorer.datasets",
                                 description="Make a dataset from your own pictures.")
    sub = ap.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="a .zip or a folder of pictures (one subfolder per "
                                        "class, or none) -> a dataset under the data folder")
    imp.add_argument("path", type=Path)
    imp.add_argument("--name", default=None, help="the dataset's name (default: from PATH)")
    add_picture_flags(imp)
    imp.add_argument("--seed", type=int, default=0, help="of the 90/10 train/test split")
    imp.add_argument("--data", type=Path, default=None, help="the data folder")
    a = ap.parse_args(argv)
    try:
        manifest = import_with_progress(a.path, a.name, a.preprocess, a.polarity, a.seed,
                                        a.data, tqdm)
    except (CollectionError, DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: manifest[k] for k in ("name", "classes", "counts", "skipped",
                                               "reused") if k in manifest}, indent=1))
    return 0


def add_picture_flags(ap, when: str = "") -> None:
    """--preprocess and --polarity, with their choices and help: how pictures of your own
    become 28x28 (this module's `import` and train_cli.py --images); `when` starts the help."""
    from explorer.datasets import collection

    ap.add_argument("--preprocess", default="ink", choices=tuple(collection.PREPROCESS),
                    help=when + "; ".join(f"{k} = {v}" for k, v in collection.PREPROCESS.items()))
    ap.add_argument("--polarity", default="auto", choices=tuple(collection.POLARITY),
                    help=f"{when}for --preprocess whole: " + "; ".join(
                        f"{k} = {v}" for k, v in collection.POLARITY.items()))


def import_with_progress(path, name, preprocess, polarity, seed, root, tqdm) -> dict:
    """collection.build with a tqdm bar per phase (on stderr); the manifest."""
    from explorer.datasets import collection

    bars: dict[str, object] = {}

    def progress(p) -> None:
        bar = bars.get(p.phase)
        if bar is None:
            bar = bars[p.phase] = tqdm(total=p.total, desc=p.phase, unit="img", leave=False)
        bar.update(p.done - bar.n)

    try:
        return collection.build(path, name, preprocess, polarity, seed, root,
                                progress=progress)
    finally:
        for bar in bars.values():
            bar.close()


if __name__ == "__main__":
    raise SystemExit(main())
