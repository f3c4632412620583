"""`python -m explorer.media` (explorer/media/__main__.py): each export written from a
terminal, and every bad argument explained."""

import subprocess
import sys

import pytest
from PIL import Image

from explorer.media.__main__ import main
from tests.conftest import ROOT


def test_media_cli_writes_each_export(tmp_path):
    ckpt = str(ROOT / "pretrained" / "mnist.pt")
    runs = [["timelapse", ckpt, "-o", str(tmp_path / "t.gif")],
            ["morph", ckpt, "--start", "3", "--end", "1.5,-1", "--steps", "5",
             "-o", str(tmp_path / "m.gif")],
            ["morph", ckpt, "--steps", "4", "-o", str(tmp_path / "m.png")],
            ["grid", ckpt, "--cells", "4", "--px", "30", "-o", str(tmp_path / "g.png")],
            ["csv", ckpt, "-o", str(tmp_path / "e.csv")]]
    for args in runs:
        r = subprocess.run([sys.executable, "-m", "explorer.media", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "t.gif").n_frames >= 40
    assert Image.open(tmp_path / "m.gif").n_frames == 5 + 3
    assert Image.open(tmp_path / "m.png").size[1] == 96
    assert Image.open(tmp_path / "g.png").size == (120, 120)
    lines = (tmp_path / "e.csv").read_text().splitlines()
    assert len(lines) == 10001 and lines[0].startswith("index,label,class,z0_mean")


@pytest.mark.parametrize("what", ["csv", "html"])
def test_media_cli_refuses_a_bad_checkpoint(tmp_path, what):
    bad, out = tmp_path / "x.pt", tmp_path / f"out.{what}"
    bad.write_bytes(b"not a checkpoint")
    r = subprocess.run([sys.executable, "-m", "explorer.media", what, str(bad), "-o", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not a readable checkpoint" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


@pytest.mark.parametrize("args,message", [
    (["morph", "--start", "10000"], "out of range"),
    (["morph", "--end", "left"], "two numbers"),
    (["morph", "--steps", "1"], "--steps must be between"),
    (["grid", "--cells", "5000"], "--cells must be between"),
    (["grid", "--px", "0"], "--px must be between"),
])
def test_media_cli_explains_bad_arguments(tmp_path, capsys, args, message):
    ckpt = str(ROOT / "pretrained" / "mnist.pt")
    out = tmp_path / "out.png"
    assert main([args[0], ckpt, *args[1:], "-o", str(out)]) == 2
    assert message in capsys.readouterr().err and not out.exists()


def test_media_cli_explains_an_unwritable_output(tmp_path, capsys):
    ckpt = str(ROOT / "pretrained" / "mnist.pt")
    target = tmp_path / "no-such-folder" / "g.png"
    assert main(["grid", ckpt, "--cells", "2", "-o", str(target)]) == 2
    assert "error:" in capsys.readouterr().err
