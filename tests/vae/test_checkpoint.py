import io
import os
import pickle
import zipfile

import pytest
import torch

from explorer import load_model
from explorer.vae import checkpoint
from explorer.vae.checkpoint import CheckpointError
from explorer.vae.config import ModelConfig, TrainConfig
from explorer.vae.model import build_model


@pytest.fixture
def saved(tmp_path, conv_model):
    path = tmp_path / "m.pt"
    checkpoint.save(path, conv_model, ModelConfig(), TrainConfig().to_dict(),
                    {"test_elbo": -150.0}, {"steps": {"loss": [1.0, 2.0]}})
    return path


def test_round_trip_keeps_weights_config_and_metrics(saved, conv_model):
    model, ckpt = checkpoint.load(saved)
    z = torch.randn(5, 2)
    with torch.no_grad():
        assert torch.equal(model.decode(z), conv_model.decode(z))
    assert ckpt["metrics"]["test_elbo"] == -150.0
    assert ckpt["train_config"]["epochs"] == TrainConfig().epochs
    assert ckpt["versions"]["torch"] == str(torch.__version__)
    assert not model.training
    assert isinstance(load_model(saved), torch.nn.Module)
    assert list(saved.parent.iterdir()) == [saved]  # no temp files left behind


class Payload:
    """Unpickling this would create a file: the attack a safe loader must not run."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _write(path, blob):
    path.write_bytes(blob)
    return path


def _variants(tmp_path, saved):
    good = saved.read_bytes()
    buf = io.BytesIO()
    torch.save({"format": "latent-explorer", "version": 1, "state_dict": {}, "x": Payload(
        str(tmp_path / "pwned"))}, buf)
    other = build_model(ModelConfig(arch="mlp"))
    wrong_arch = {"format": "latent-explorer", "version": 1,
                  "model_config": vars(ModelConfig()).copy(), "state_dict": other.state_dict()}
    nan_state = {k: v.clone() for k, v in torch.load(saved, weights_only=True)["state_dict"]
                 .items()}
    next(iter(nan_state.values())).view(-1)[0] = float("nan")

    def dump(obj):
        b = io.BytesIO()
        torch.save(obj, b)
        return b.getvalue()

    base = torch.load(saved, weights_only=True)
    return {
        "empty": (b"", "empty"),
        "truncated": (good[: len(good) // 2], "not a readable checkpoint"),
        "garbage": (os.urandom(4096), "not a readable checkpoint"),
        "plain pickle payload": (pickle.dumps(Payload(str(tmp_path / "pwned"))),
                                 "not a readable checkpoint"),
        "torch pickle payload": (buf.getvalue(), "not a readable checkpoint"),
        "foreign dict": (dump({"weights": torch.zeros(3)}), "not a Latent Explorer checkpoint"),
        "future version": (dump({**base, "version": 99}), "newer version"),
        "wrong architecture": (dump(wrong_arch), "do not match"),
        "wrong latent size": (dump({**base, "model_config": {**base["model_config"],
                                                             "latent_dim": 3}}), "latent size 3"),
        "NaN weights": (dump({**base, "state_dict": nan_state}), "NaN"),
    }


def test_bad_checkpoints_are_refused_and_run_no_code(tmp_path, saved):
    for name, (blob, reason) in _variants(tmp_path, saved).items():
        path = _write(tmp_path / f"{name}.pt", blob)
        with pytest.raises(CheckpointError) as err:
            checkpoint.load(path)
        assert reason in str(err.value), name
        assert str(path) in str(err.value), name
        assert not (tmp_path / "pwned").exists(), f"{name} executed code"


def test_missing_file_and_zip_with_tampered_entry(tmp_path, saved):
    with pytest.raises(CheckpointError, match="no such file"):
        checkpoint.load(tmp_path / "nope.pt")
    tampered = tmp_path / "tampered.pt"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            blob = src.read(item)
            if item.filename.endswith("data.pkl"):
                blob = blob.replace(b"state_dict", b"state_dicX")
            dst.writestr(item, blob)
    with pytest.raises(CheckpointError):
        checkpoint.load(tampered)


def test_pretrained_files_are_never_overwritten_silently(conv_model):
    target = checkpoint.PRETRAINED_DIR / "should-not-exist.pt"
    with pytest.raises(CheckpointError, match="refusing to overwrite"):
        checkpoint.save(target, conv_model, ModelConfig())
    assert not target.exists()


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, saved, conv_model, monkeypatch):
    before = saved.read_bytes()

    def crash(obj, f, *a, **k):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError):
        checkpoint.save(saved, conv_model, ModelConfig())
    assert saved.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


WRITER = """
import io, sys, time, torch
from explorer.vae import checkpoint
from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model
real_save = torch.save

def half_then_hang(obj, f, *a, **k):  # stops inside the write: half the bytes are out
    buf = io.BytesIO()
    real_save(obj, buf, *a, **k)
    f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
    f.flush()
    print("mid-write", flush=True)
    time.sleep(600)

torch.save = half_then_hang
checkpoint.save(sys.argv[1], build_model(ModelConfig()), ModelConfig())
"""


def test_killing_the_writer_mid_save_leaves_the_previous_file_intact(tmp_path, saved):
    """The writer is killed while half its bytes are written (it says so and hangs there);
    the half-written file is not the checkpoint, which is the old one and loads."""
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    before = saved.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(saved)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "mid-write"
        partial = [p for p in tmp_path.iterdir() if p != saved]
        assert len(partial) == 1 and 0 < partial[0].stat().st_size < len(before)  # torn
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert saved.read_bytes() == before
    checkpoint.load(saved)
