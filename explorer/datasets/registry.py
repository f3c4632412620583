"""Which datasets there are, and what is known of each without reading its images: the two
built in (explorer/datasets/provision.py fetches them) and the ones made from your pictures
(explorer/datasets/collection.py), each a folder `custom/<name>/` in the data folder holding its
train and test splits as idx files (MNIST's format) and a `manifest.json`. Imports neither
torch nor the images, so a config, the CLI's --help and the app's first page can ask.

    datasets.names()              # ("mnist", "fashion-mnist", "letters", ...)
    datasets.classes("letters")   # ("a", "b", ...), or ("unlabelled",) without class folders
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from explorer import paths
from explorer.datasets.provision import DATASETS as BUILTIN
from explorer.errors import DataError

CUSTOM = "custom"  # the folder under the data folder
MANIFEST = "manifest.json"
FORMAT = 1  # of a custom dataset's folder and manifest
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")
UNLABELLED = "unlabelled"  # the one class of a collection without class folders
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")  # what a person types
# how it is kept: the name, and for a person's own the tag of its owner (explorer/server/
# owners.py), so that two people's "digits" are two datasets
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}(\.[0-9a-f]{12})?")


def custom_root(root: Path | None = None) -> Path:
    return Path(root or paths.data_dir()) / CUSTOM


def folder(dataset: str, root: Path | None = None) -> Path:
    """The folder of a dataset of pictures, by its id (a name, or name.tag)."""
    if not isinstance(dataset, str) or not ID.fullmatch(dataset) or dataset in BUILTIN:
        raise ValueError(f"{dataset!r} does not name a dataset of pictures")
    return custom_root(root) / dataset


def display_name(dataset: str) -> str:
    """The name its owner gave it (an id without its owner's tag)."""
    return dataset.partition(".")[0]


def check_name(name: str) -> str:
    """`name` if it can name a dataset of your own; ValueError saying why not."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"a dataset name is 1 to 40 lower-case letters, digits, '-' or '_', "
                         f"starting with a letter or digit (not {name!r})")
    if name in BUILTIN:
        raise ValueError(f"{name!r} is a built-in dataset; choose another name")
    return name


def name_for(source: Path | str) -> str:
    """A dataset name made from a file or folder name: 'My Letters (2).zip' -> 'my-letters-2'."""
    stem = Path(source).name.removesuffix(".zip") if str(source).lower().endswith(".zip") \
        else Path(source).name
    name = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")[:40] or "my-images"
    return name if name not in BUILTIN else f"{name}-images"


def manifest(name: str, root: Path | None = None) -> dict | None:
    """The manifest of a dataset of your own, or None where there is no usable one."""
    try:
        m = json.loads((folder(name, root) / MANIFEST).read_text())
    except (ValueError, OSError):
        return None
    ok = isinstance(m, dict) and m.get("format") == FORMAT and isinstance(m.get("classes"), list)
    return m if ok else None


def custom_names(root: Path | None = None) -> tuple[str, ...]:
    base = custom_root(root)
    if not base.is_dir():
        return ()
    return tuple(sorted(p.name for p in base.iterdir()
                        if p.is_dir() and ID.fullmatch(p.name) and p.name not in BUILTIN
                        and manifest(p.name, root) is not None))


def names(root: Path | None = None) -> tuple[str, ...]:
    """Every dataset a model can be trained on here."""
    return (*BUILTIN, *custom_names(root))


def is_builtin(name: str) -> bool:
    return name in BUILTIN


def classes(name: str, root: Path | None = None) -> tuple[str, ...]:
    """The class names of a dataset (label i is classes[i]); DataError for an unknown one."""
    if name in BUILTIN:
        return BUILTIN[name].classes
    m = manifest(name, root) if ID.fullmatch(name or "") else None
    if m is None:
        raise DataError(f"there is no dataset {name!r} here: make it with "
                        f"`python -m explorer.datasets import PATH --name {name}` or on the Train "
                        "tab, or copy its folder to the data folder's custom/")
    return tuple(m["classes"])


def noun(name: str) -> str:
    """What one of a dataset's pictures is called in the page: 'digit' for MNIST, 'image'
    for Fashion-MNIST, 'picture' for a dataset of your own."""
    return {"mnist": "digit", "fashion-mnist": "image"}.get(name, "picture")


def title(name: str, root: Path | None = None) -> str:
    """How a person sees a dataset's name: 'MNIST', 'letters (1,500 pictures)'."""
    if name in BUILTIN:
        return BUILTIN[name].name.replace("FashionMNIST", "Fashion-MNIST")
    m = manifest(name, root)
    if m is None:
        return f"{display_name(name)} (missing)"
    n = m["counts"]["train"] + m["counts"]["test"]
    return f"{display_name(name)} ({n:,} pictures)"


def check(name: str, root: Path | None = None) -> Path:
    """The folder of a dataset of your own whose files are all there, at their recorded
    sizes; DataError saying what to do otherwise."""
    classes(name, root)  # DataError for an unknown one
    m, base = manifest(name, root), folder(name, root)
    for fname in FILES:
        entry, path = (m.get("files") or {}).get(fname), base / fname
        if not entry or not path.is_file() or path.stat().st_size != entry.get("size"):
            raise DataError(f"the dataset {name!r} is incomplete or damaged ({fname}): make "
                            "it again from its pictures")
    return base
