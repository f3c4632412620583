import json
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from explorer.vae import checkpoint
from tests.conftest import ROOT

QUICK = ["--train-subset", "2000", "--test-subset", "500", "--batch-size", "64"]


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "train_cli.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_help_explains_every_flag():
    out = cli("--help").stdout
    for flag in ("--epochs", "--batch-size", "--lr", "--beta", "--seed", "--device", "--data",
                 "--out", "--max-seconds", "--arch", "--overwrite-pretrained", "--timelapse"):
        assert flag in out
    assert "{auto,cpu,cuda,mps}" in out and "(default: 30)" in out


def test_short_run_with_a_time_budget_writes_a_usable_checkpoint(tmp_path):
    out = tmp_path / "run.pt"
    gif = tmp_path / "run.gif"
    done = cli("--epochs", "100", "--max-seconds", "3", "--out", str(out), "--seed", "3",
               "--timelapse", str(gif), *QUICK)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["finished"] == "time budget" and summary["checkpoint"] == str(out)
    assert "test ELBO" in done.stderr  # per-epoch lines go through tqdm.write
    model, ckpt = checkpoint.load(out)
    assert ckpt["train_config"]["seed"] == 3 and ckpt["train_config"]["max_seconds"] == 3.0
    assert ckpt["metrics"]["test_elbo"] < 0 and "command" in ckpt["metrics"]
    assert len(ckpt["history"]["steps"]["loss"]) >= 1  # per-step losses kept (how many: load)
    # the time-lapse: a frame per epoch the checkpoint kept (the last one may be partial)
    assert Image.open(gif).n_frames == len(ckpt["history"]["snapshot_epochs"]) >= 1


def test_bad_values_give_a_message_not_a_traceback(tmp_path):
    done = cli("--lr", "-1", "--out", str(tmp_path / "x.pt"))
    assert done.returncode == 2 and "learning rate" in done.stderr
    assert "Traceback" not in done.stderr
    done = cli("--device", "cuda", "--out", str(tmp_path / "x.pt"), *QUICK)
    assert "Traceback" not in done.stderr
    if done.returncode:
        assert "no CUDA GPU" in done.stderr
    assert cli("--device", "tpu").returncode == 2


def test_refuses_to_overwrite_pretrained():
    target = checkpoint.PRETRAINED
    before = target.read_bytes() if target.exists() else None
    done = cli("--out", str(target), "--epochs", "1", *QUICK)
    assert done.returncode == 2 and "--overwrite-pretrained" in done.stderr
    assert (target.read_bytes() if target.exists() else None) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_saves_a_usable_checkpoint(tmp_path):
    out = tmp_path / "interrupted.pt"
    proc = subprocess.Popen([sys.executable, "train_cli.py", "--epochs", "500", "--out", str(out),
                             *QUICK], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 60
    line = ""
    while "epoch" not in line and time.time() < deadline:  # wait for the first epoch line
        line = proc.stderr.readline()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert json.loads(stdout)["finished"] == "stopped"
    model, ckpt = checkpoint.load(out)
    assert ckpt["metrics"]["steps"] > 0


def test_a_run_continued_carries_its_curves_and_state_on(tmp_path):
    first, more = tmp_path / "first.pt", tmp_path / "more.pt"
    assert cli("--epochs", "1", "--out", str(first), "--quiet", *QUICK).returncode == 0
    done = cli("--resume", str(first), "--epochs", "2", "--out", str(more), "--quiet")
    assert done.returncode == 0, done.stderr
    _, a = checkpoint.load(first)
    _, b = checkpoint.load(more)
    per_epoch = 2000 // 64
    assert a["history"]["epochs"]["epoch"] == [1.0]
    assert b["history"]["epochs"]["epoch"] == [1.0, 2.0]  # the curves carry on ...
    assert b["history"]["steps"]["step"][-1] == 2 * per_epoch  # ... and so do the steps
    assert b["resume"]["step"] == 2 * per_epoch and b["resume"]["optimizer"]["state"]
    assert b["train_config"]["train_subset"] == 2000 and b["metrics"]["continued_from"]


@pytest.mark.parametrize("args,message", [
    (["--arch", "mlp"], "trained with arch 'conv'"),
    (["--dataset", "fashion-mnist"], "trained with dataset 'mnist'"),
    (["--epochs", "120"], "has done its 120 epochs"),
])
def test_continuing_refuses_changes_it_cannot_take(tmp_path, args, message):
    done = cli("--resume", str(checkpoint.PRETRAINED), *args, "--out", str(tmp_path / "x.pt"))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.pt").exists()


def test_continuing_a_model_saved_without_optimizer_state_says_so(tmp_path):
    out = tmp_path / "x.pt"
    done = cli("--resume", str(checkpoint.PRETRAINED), "--epochs", "121", "--max-seconds", "2",
               "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "no optimizer state" in done.stderr and "fresh optimizer" in done.stderr
    _, ckpt = checkpoint.load(out)
    assert ckpt["history"]["epochs"]["epoch"][-1] == 121  # its 120 epochs, then one more


def test_your_own_pictures_are_made_into_a_dataset_and_trained_on(tmp_path, own_data):
    from tooling.letters import letters_zip

    z = letters_zip(tmp_path / "letters.zip", per_class=8, classes="abcdefg")
    env_data = ["--data", str(own_data)]
    done = cli("--images", str(z), "--epochs", "1", "--out", str(tmp_path / "l.pt"), *env_data)
    assert done.returncode == 0, done.stderr
    assert "made dataset 'letters': 49 training and 7 test images, 7 classes" in done.stderr
    model, ckpt = checkpoint.load(tmp_path / "l.pt")
    assert model.cfg.dataset == "letters" and ckpt["train_config"]["dataset"] == "letters"
    again = cli("--images", str(z), "--epochs", "1", "--out", str(tmp_path / "m.pt"), *env_data)
    assert again.returncode == 0 and "reusing dataset 'letters'" in again.stderr
    only = subprocess.run([sys.executable, "-m", "explorer.datasets", "import", str(z), "--name",
                           "glyphs", "--data", str(own_data)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert only.returncode == 0 and json.loads(only.stdout)["counts"]["test"] == 7
    assert (own_data / "custom" / "glyphs" / "manifest.json").is_file()
    # and the model is used wherever one of MNIST is: the page, the share file, the exports
    from explorer.media.__main__ import main as media
    from explorer.page import prepared

    page = prepared.prepare(tmp_path / "l.pt", cache=tmp_path / "cache")
    assert page.meta["classes"] == list("abcdefg") and page.meta["points"] == 7
    out = {w: tmp_path / f"l.{w}" for w in ("csv", "html", "timelapse")}
    assert all(media([w, str(tmp_path / "l.pt"), "-o", str(o)]) == 0 for w, o in out.items())
    rows = [r.split(",") for r in out["csv"].read_text().splitlines()[1:]]
    assert sorted(r[2] for r in rows) == list("abcdefg")  # one held-out letter of each
    assert b'"classes": ["a", "b", "c", "d", "e", "f", "g"]' in out["html"].read_bytes()
    assert b"squeezes every 28x28 picture into" in out["html"].read_bytes()
    assert out["timelapse"].read_bytes()[:6] == b"GIF89a"


def test_a_collection_that_cannot_be_used_is_refused_with_the_reason(tmp_path, own_data):
    bad = tmp_path / "holiday.zip"
    bad.write_bytes(b"these are not the pictures you are looking for")
    done = cli("--images", str(bad), "--data", str(own_data))
    assert done.returncode == 2 and "not a zip archive" in done.stderr
    assert "Traceback" not in done.stderr
    both = cli("--images", str(bad), "--dataset", "mnist")
    assert both.returncode == 2 and "not both" in both.stderr
    imp = subprocess.run([sys.executable, "-m", "explorer.datasets", "import", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert imp.returncode == 2 and "not a zip archive" in imp.stderr
    assert not (own_data / "custom").exists() or not any((own_data / "custom").iterdir())


def test_the_data_flag_is_passed_on_not_written_to_the_environment(tmp_path, own_data,
                                                                   monkeypatch):
    """--data reaches every part (making the dataset, checking the config, continuing a run,
    the time-lapse's classes) as a parameter: the process's environment stays as it was."""
    import os

    import train_cli
    from explorer import paths
    from tooling.letters import letters_zip

    z = letters_zip(tmp_path / "letters.zip", per_class=8, classes="abcdefg")
    monkeypatch.delenv(paths.DATA_ENV)  # only the flag says where the data is
    ours = lambda: {k: v for k, v in os.environ.items() if k.startswith("LATENT_EXPLORER")}  # noqa: E731
    before = ours()  # (torch itself may note its compile cache there)
    data = ["--data", str(own_data), "--quiet"]
    assert train_cli.main(["--images", str(z), "--epochs", "1", "--out", str(tmp_path / "l.pt"),
                           "--timelapse", str(tmp_path / "l.gif"), *data]) == 0
    assert ours() == before
    assert train_cli.main(["--resume", str(tmp_path / "l.pt"), "--epochs", "2",
                           "--out", str(tmp_path / "m.pt"), *data]) == 0
    assert ours() == before
    assert (tmp_path / "l.gif").read_bytes()[:6] == b"GIF89a"


def test_too_many_classes_is_a_message_not_a_traceback(tmp_path, own_data, capsys):
    import train_cli
    from tests.datasets.test_collection import many_classes_zip

    z = many_classes_zip(tmp_path / "many.zip", 257)
    assert train_cli.main(["--images", str(z), "--data", str(own_data), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "257 classes" in err and "at most 256" in err and "Traceback" not in err
