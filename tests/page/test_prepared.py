"""explorer/page/prepared.py: what the Explore page needs of a checkpoint, kept on disk by the
checkpoint's sha256, read without torch, and rebuilt (never trusted) when it is missing,
stale or damaged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from explorer.errors import CheckpointError
from explorer.page import bundle, metrics_card, prepared
from explorer.vae import checkpoint, objectives
from explorer.vae.config import TrainConfig
from explorer.vae.train import new_model
from tests.conftest import ROOT


@pytest.fixture
def builds(monkeypatch):
    """Counts the builds (each one loads the model and encodes the test set)."""
    count = {"n": 0}
    build = prepared._build

    def counted(*args):
        count["n"] += 1
        return build(*args)

    monkeypatch.setattr(prepared, "_build", counted)
    return count


def test_prepare_builds_once_then_reads(small_ckpt, tmp_path, builds):
    cache = tmp_path / "cache"
    page = prepared.prepare(small_ckpt, cache)
    assert builds["n"] == 1 and page.folder.parent == cache
    assert set(page.meta["files"]) == set(prepared.FILES)
    assert page.meta["classes"] == [str(d) for d in range(10)] and page.meta["points"] == 10_000
    assert page.meta["card"]["metrics"]["test_elbo"] == -300.0
    again = prepared.prepare(small_ckpt, cache)
    assert builds["n"] == 1 and again.meta == page.meta
    mu, logvar, labels = page.encoded()
    assert mu.shape == logvar.shape == (10_000, 2) and labels.shape == (10_000,)
    header, _ = bundle.unpack(page.file("page.bin").read_bytes())
    assert header["points"]["n"] == 10_000 and header["decoder"]["dtype"] == "f4"
    assert "encoder" not in header  # the Explore view does not need it ...
    assert header["prior"]["k"] == 1 and header["meta"]["prior"] == "standard"
    assert header["meta"]["elbo"] == objectives.page_terms(header["meta"]["likelihood"])
    header, _ = bundle.unpack(page.file("encoder.bin").read_bytes())  # ... How it works does
    assert header["encoder"]["in_shape"] == [1, 28, 28] and "decoder" not in header
    header, _ = bundle.unpack(page.file("share.bin").read_bytes())
    assert header["decoder"]["dtype"] == "f2" and header["digits"]["n"] == 10_000
    assert page.content_name("page.bin").endswith(".bin")
    assert page.content_name("page.bin") != page.content_name("digits.bin")


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "missing file", "no meta",
                                    "meta not json", "other format", "other checkpoint"])
def test_a_damaged_or_stale_cache_is_rebuilt(small_ckpt, tmp_path, builds, damage):
    cache = tmp_path / "cache"
    page = prepared.prepare(small_ckpt, cache)
    good = {name: (page.folder / name).read_bytes() for name in prepared.FILES}
    meta_path = page.folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    if damage == "flipped byte":
        raw = bytearray(good["page.bin"])
        raw[len(raw) // 2] ^= 0xFF
        (page.folder / "page.bin").write_bytes(bytes(raw))
    elif damage == "truncated":
        (page.folder / "digits.bin").write_bytes(good["digits.bin"][:1000])
    elif damage == "missing file":
        (page.folder / "encoded.npz").unlink()
    elif damage == "no meta":
        meta_path.unlink()
    elif damage == "meta not json":
        meta_path.write_text("{ not json")
    elif damage == "other format":
        meta_path.write_text(json.dumps({**meta, "format": prepared.FORMAT + 1}))
    else:  # a folder left by another checkpoint under this one's name
        meta_path.write_text(json.dumps({**meta, "checkpoint": {**meta["checkpoint"],
                                                                "sha256": "0" * 64}}))
    again = prepared.prepare(small_ckpt, cache)
    assert builds["n"] == 2, "the damaged cache was trusted"
    for name, raw in good.items():
        assert (again.folder / name).read_bytes() == raw  # the same export, rebuilt
    assert json.loads((again.folder / "meta.json").read_text())["format"] == prepared.FORMAT


def test_a_changed_checkpoint_gets_its_own_folder(small_ckpt, tmp_path, builds):
    cache = tmp_path / "cache"
    first = prepared.prepare(small_ckpt, cache)
    cfg = TrainConfig(train_subset=512, seed=1)
    checkpoint.save(small_ckpt, new_model(cfg), cfg.model_config(), cfg.to_dict())
    second = prepared.prepare(small_ckpt, cache)
    assert builds["n"] == 2 and second.folder != first.folder
    assert second.meta["checkpoint"]["sha256"] != first.meta["checkpoint"]["sha256"]


def test_a_changed_metrics_card_is_read_again(small_ckpt, tmp_path, builds):
    cache = tmp_path / "cache"
    assert prepared.prepare(small_ckpt, cache).meta["evaluation"] is None
    small_ckpt.with_suffix(".json").write_text(json.dumps({"evaluate": {"iwae": -130.5,
                                                                         "iwae_k": 1000}}))
    page = prepared.prepare(small_ckpt, cache)
    assert builds["n"] == 2 and page.meta["evaluation"]["iwae"] == -130.5


def test_a_network_the_page_cannot_run_is_said_and_kept_from_sharing(small_ckpt, tmp_path,
                                                                     page_cannot_run_it):
    page = prepared.prepare(small_ckpt, tmp_path / "cache")
    assert "Tanh" in page.decoder_error
    assert page.file("share.bin") is None and page.file("page.bin") is not None
    header, _ = bundle.unpack(page.file("page.bin").read_bytes())
    assert "decoder" not in header and header["points"]["n"] == 10_000


def test_unusable_checkpoints_are_refused_with_a_reason(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        prepared.prepare(tmp_path / "nothing.pt", tmp_path / "cache")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        prepared.prepare(bad, tmp_path / "cache")
    assert not any((tmp_path / "cache").glob("*/meta.json"))


def test_old_folders_are_pruned(small_ckpt, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setattr(prepared, "KEEP", 2)
    for i in range(3):
        (cache / f"old{i}").mkdir(parents=True)
        (cache / f"old{i}" / "meta.json").write_text("{}")
        os.utime(cache / f"old{i}" / "meta.json", (1e9 + i, 1e9 + i))
    page = prepared.prepare(small_ckpt, cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted([page.folder.name, "old2"])


def test_a_prepared_cache_is_read_without_torch(tmp_path):
    """What the app's first page does: no torch import when the cache is ready."""
    cache = tmp_path / "cache"
    shutil.copy(checkpoint.PRETRAINED, tmp_path / "mnist.pt")
    prepared.prepare(tmp_path / "mnist.pt", cache)
    code = ("import sys; from explorer.page import prepared; "
            f"p = prepared.prepare({str(tmp_path / 'mnist.pt')!r}, {str(cache)!r}); "
            "print(p.name, len(p.encoded()[0]), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    assert out == ["mnist", "10000", "False"]


def test_cli_prepares_and_reports(small_ckpt, tmp_path):
    env = {**os.environ, "LATENT_EXPLORER_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "explorer.page.prepared", str(small_ckpt),
                          str(tmp_path / "missing.pt")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert f"{small_ckpt}: ready in" in run.stdout
    assert "missing.pt: no such file" in run.stderr and "Traceback" not in run.stderr
    assert np.load(next((tmp_path / "cache").glob("*/encoded.npz")))["mu"].shape == (10_000, 2)


def test_setup_says_in_one_line_which_model_waits_for_which_dataset(newcomer_data, tmp_path,
                                                                    capsys, unreachable_fashion):
    """`make data` on a machine without Fashion-MNIST: MNIST's models are prepared, the
    Fashion-MNIST model gets one line naming the dataset and the command that gets it, and
    the set-up succeeds; the second time nothing is tried again."""
    shipped = [str(checkpoint.PRETRAINED), str(checkpoint.PRETRAINED.with_name("fashion-mnist.pt"))]
    for _ in range(2):
        assert prepared.main(shipped) == 0
        out, err = capsys.readouterr()
        assert f"{shipped[0]}: ready in" in out
        assert err.strip().splitlines()[-1] == (
            f"{shipped[1]}: unavailable until Fashion-MNIST is here: get it with "
            "`sudo apt-get install dataset-fashion-mnist`")
        assert "fashion" not in out.lower() and "Traceback" not in err
    assert unreachable_fashion[1] == ["FashionMNIST"]  # one download tried, the first time
    assert metrics_card.missing_dataset(shipped[1]).get_it.startswith("sudo apt-get")
    assert metrics_card.missing_dataset(shipped[0]) is None

