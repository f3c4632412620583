"""What the page needs of a checkpoint, computed once and kept on disk.

For each checkpoint, keyed by the sha256 of its bytes, a folder under the cache folder
(`cache/` in the repo, git-ignored; see paths.cache_dir) holds:

    meta.json     the model's card (and its evaluation, from the metrics card beside a
                  shipped model), dataset and class names, the plane's extent and spread
                  (explorer/plane/extent.py: where every view of the model starts), and the
                  files below with their sizes and sha256 (written last: a folder without
                  it is unfinished)
    page.bin      the decoder (float32), the encoded test digits' means and labels, and
                  the prior as a mixture of Gaussians; its meta has the likelihood's
                  constants (objectives.page_terms) for the page's ELBO maths
    encoder.bin   the encoder (float32), for How it works (the Explore view does without)
    digits.bin    the test digits (the same bytes for every model of a dataset)
    share.bin     the decoder (float16), points and digits in one file, for the share file
    encoded.npz   mu, logvar and labels of the test set, for Python (CSV export)

Reading a prepared folder needs no torch: the app's first page comes from here. A folder
that is missing, of another format, or whose files do not match their recorded sha256 is
rebuilt (that loads torch, the model and the test set once), never trusted.

    python -m explorer.page.prepared [CHECKPOINT ...]   # prepare ahead (default: pretrained/)
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer import paths
from explorer.datasets import provision, registry
from explorer.errors import DatasetMissing
from explorer.files import atomic_write, file_sha256
from explorer.page.metrics_card import metrics_card, missing_dataset
from explorer.plane import extent

FORMAT = 5  # bump when what is stored changes (4: the plane's extent and spread; 5: the
# encoder's logvar clamp, the ELBO's constants): every folder of another format is rebuilt
KEEP = 32  # folders kept (the most recently used); older ones are deleted
FILES = ("page.bin", "encoder.bin", "digits.bin", "share.bin", "encoded.npz")

_lock = threading.Lock()  # one build at a time in this process


@dataclass(frozen=True)
class PageData:
    folder: Path
    meta: dict

    @property
    def name(self) -> str:
        return self.meta["checkpoint"]["name"]

    @property
    def decoder_error(self) -> str | None:
        """Why the page cannot run this model's decoder (None when it can)."""
        return self.meta.get("decoder_error")

    @property
    def extent(self) -> float:
        """Half-width of the square every view of this model starts from (explorer.plane.extent)."""
        return float(self.meta["extent"])

    def file(self, name: str) -> Path | None:
        """Path of one of FILES, or None where this model has none (no share.bin for a
        decoder the page cannot run)."""
        return self.folder / name if name in self.meta["files"] else None

    def content_name(self, name: str) -> str:
        """A name for the file that changes with its content (for caching in the page)."""
        return self.meta["files"][name]["sha256"][:24] + Path(name).suffix

    def summary(self) -> list[str]:
        """The model in a few plain lines: network, training, metrics (sidebar, share file)."""
        card = self.meta.get("card") or {}
        model, m, t = card.get("model", {}), card.get("metrics", {}), card.get("train_config")
        lines = [f"{model.get('arch', '?')} network, {model.get('likelihood', 'bernoulli')} "
                 f"likelihood, trained on {self.meta.get('dataset', '?')}"]
        if t:
            lines.append(f"beta {t.get('beta', 1):g}, lr {t.get('lr', 0):g}, batch "
                         f"{t.get('batch_size', '?')}, seed {t.get('seed', '?')}")
        if "test_elbo" in m:
            lines.append(f"test ELBO {m['test_elbo']:.1f} nats (reconstruction "
                         f"{m.get('test_recon', 0):.1f} + KL {m.get('test_kl', 0):.1f})")
        evaluation = self.meta.get("evaluation") or {}
        if "iwae" in evaluation:
            lines.append(f"IWAE (K={evaluation.get('iwae_k', '?')}, binarized test set) "
                         f"{evaluation['iwae']:.1f} nats")
        if "epochs_done" in m:
            lines.append(f"{m['epochs_done']:g} epochs, {m.get('seconds', 0):.0f} s of training")
        spread = self.meta.get("spread") or {}
        if spread:
            lines.append(f"plane: views start at ±{self.extent:g} (99.5% of the test set "
                         f"inside); |z| median {spread['median']:.3g}, max {spread['max']:.3g}")
        if self.meta.get("note"):  # what its metrics card says it is
            lines.append(str(self.meta["note"]))
        return lines

    def encoded(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mu (N, 2), logvar (N, 2), labels (N,)) of the test set."""
        with np.load(self.folder / "encoded.npz") as f:
            return f["mu"], f["logvar"], f["labels"]


def folder_for(sha256: str, cache: Path | None = None) -> Path:
    return Path(cache or paths.cache_dir()) / sha256[:32]


def read(folder: Path, sha256: str, card_sha256: str | None = None) -> PageData | None:
    """The prepared data in `folder` if it is complete, of this format, for this checkpoint
    (and metrics card) and intact; None otherwise."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if (meta.get("format") != FORMAT or meta["checkpoint"]["sha256"] != sha256
                or meta["checkpoint"].get("card_sha256") != card_sha256
                or meta.get("dataset_sha256") != _dataset_sha256(meta["dataset"])):
            return None  # (a dataset of your own made again: its test images changed)
        for name, entry in meta["files"].items():
            path = folder / name
            if (name not in FILES or path.stat().st_size != entry["size"]
                    or file_sha256(path) != entry["sha256"]):
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return PageData(folder, meta)


def prepare(checkpoint_path: Path | str, cache: Path | None = None,
            log=lambda msg: None) -> PageData:
    """The page data of a checkpoint: read from the cache, or built (and stored) when it is
    missing, stale or damaged. Raises checkpoint.CheckpointError or reading.DataError when the
    checkpoint or its dataset cannot be used."""
    checkpoint_path = Path(checkpoint_path)
    try:
        sha = file_sha256(checkpoint_path)
    except OSError:
        from explorer.vae.checkpoint import CheckpointError

        raise CheckpointError(checkpoint_path, "no such file") from None
    folder = folder_for(sha, cache)
    card_sha = metrics_card(checkpoint_path)[1]
    found = read(folder, sha, card_sha)
    spec = provision.DATASETS.get(found.meta["dataset"]) if found else None
    if spec and not provision.present(spec):  # prepared once, gone since: every tab but
        provision.ensure_dataset(spec)  # Explore needs it (fetched, or DatasetMissing)
    if found is None:
        with _lock:
            found = read(folder, sha, card_sha)  # built by another session meanwhile?
            if found is None:
                found = _build(checkpoint_path, sha, folder, log)
                _prune(folder.parent, keep=folder)
    try:
        (folder / "meta.json").touch()  # recently used: kept by _prune
    except OSError:
        pass  # a read-only cache still serves
    return found


def _build(checkpoint_path: Path, sha: str, folder: Path, log) -> PageData:
    import torch

    from explorer.datasets import reading  # torch: only here
    from explorer.page import bundle, network  # torch: only here
    from explorer.plane import latent  # torch: only here
    from explorer.vae import checkpoint, objectives  # torch: only here

    model, ckpt = checkpoint.load(checkpoint_path)
    test = reading.load_split("test", model.cfg.dataset)  # DatasetMissing: said in one line
    log(f"preparing {checkpoint_path.name} for the page (once) ...")
    mu, logvar = latent.encode_all(model, test.images)
    labels = test.labels.numpy().astype(np.uint8)
    digits = test.images[:, 0].numpy()
    try:
        decoder, encoder, error = network.export_decoder(model), network.export_encoder(model), None
    except network.ExportError as e:
        decoder, encoder, error = None, None, str(e)
    with torch.no_grad():  # the prior, as the mixture it is (a VampPrior's too)
        prior = tuple(t.cpu().numpy() for t in model.prior.components(model.encode))
    half = extent.extent_of(mu)  # where every view of it starts, in the page too
    meta_model = {"name": checkpoint_path.stem, "arch": model.cfg.arch,
                  "likelihood": model.cfg.likelihood, "prior": model.cfg.prior, "extent": half,
                  "elbo": objectives.page_terms(model.cfg.likelihood)}  # explorer/page/web/elbo.js
    parts = {
        "page.bin": bundle.pack(decoder, mu, labels, prior=prior, meta=meta_model),
        "digits.bin": bundle.pack(digits=digits),
        "encoded.npz": _npz(mu=mu, logvar=logvar, labels=labels),
    }
    if encoder is not None:  # for How it works only: the Explore view does not fetch it
        parts["encoder.bin"] = bundle.pack(encoder=encoder)
    if decoder is not None:
        parts["share.bin"] = bundle.pack(decoder, mu, labels, digits=digits, half=True,
                                         meta=meta_model)
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)  # stale or damaged: start again
    files = {}
    for name, raw in parts.items():
        atomic_write(folder / name, raw)
        files[name] = {"size": len(raw), "sha256": file_sha256(folder / name)}
    card, card_sha = metrics_card(checkpoint_path)
    meta = {"format": FORMAT,
            "checkpoint": {"sha256": sha, "name": checkpoint_path.stem, "card_sha256": card_sha,
                           "size": checkpoint_path.stat().st_size},
            "evaluation": (card or {}).get("evaluate") if isinstance(card, dict) else None,
            "note": (card or {}).get("note") if isinstance(card, dict) else None,
            "dataset": model.cfg.dataset, "points": len(mu),
            "extent": half, "spread": extent.spread(mu),
            "dataset_sha256": _dataset_sha256(model.cfg.dataset),
            "classes": list(registry.classes(model.cfg.dataset)),
            "card": checkpoint.card(ckpt), "decoder_error": error, "files": files}
    atomic_write(folder / "meta.json", json.dumps(meta, indent=1, default=_plain).encode())
    return PageData(folder, json.loads((folder / "meta.json").read_text()))


def _dataset_sha256(name: str) -> str | None:
    """For a dataset of your own, the hash of the pictures it was made from (None for a
    built-in one, whose files are checked by provision)."""
    if registry.is_builtin(name):
        return None
    return (registry.manifest(name) or {}).get("images_sha256")


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _plain(value):
    """JSON for the odd number type in a checkpoint's card."""
    return value.item() if hasattr(value, "item") else str(value)


def _prune(cache: Path, keep: Path) -> None:
    """Delete all but the KEEP most recently used folders (never `keep`)."""
    def used(p: Path) -> float:
        try:
            return (p / "meta.json").stat().st_mtime
        except OSError:
            return 0.0
    folders = sorted((p for p in cache.iterdir() if p.is_dir()), key=used, reverse=True)
    for old in folders[KEEP:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Prepare each model; a model whose optional dataset is not here gets one line saying
    which dataset and how to get it, and does not fail the set-up (only MNIST is required)."""
    import argparse

    from explorer.errors import DataError
    from explorer.vae.checkpoint import CheckpointError

    ap = argparse.ArgumentParser(prog="python -m explorer.page.prepared",
                                 description="Prepare what the Explore page needs of models.")
    ap.add_argument("checkpoints", nargs="*", help="checkpoints (default: those in pretrained/)")
    a = ap.parse_args(argv)
    status = 0
    for path in a.checkpoints or paths.shipped_models():
        try:
            missing = missing_dataset(path)
            if missing:
                raise missing
            page = prepare(path, log=lambda msg: print(msg, file=sys.stderr))
        except DatasetMissing as e:
            print(f"{path}: unavailable until {e.title} is here: get it with `{e.get_it}`",
                  file=sys.stderr)
            continue
        except (CheckpointError, DataError) as e:
            print(f"error: {e}", file=sys.stderr)
            status = 2
            continue
        note = f" (the page cannot run its decoder: {page.decoder_error})" \
            if page.decoder_error else ""
        print(f"{path}: ready in {page.folder}{note}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
