"""Exports: strips, GIFs, manifold PNGs, the encoded CSV and the time-lapse, checked by
reading the files back."""

import base64
import csv
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from explorer import latent, media
from tests.conftest import ROOT


def pictures(n: int) -> np.ndarray:
    """n distinct pictures: a bar moving left to right."""
    out = np.zeros((n, 28, 28), np.float32)
    for i in range(n):
        c = 2 + i * 24 // max(1, n - 1)
        out[i, 4:24, c:c + 3] = 1.0
    return out


def test_picture_is_dark_ink_on_white_at_the_size_asked():
    x = pictures(1)[0]
    img = media.picture(x, 28)
    assert img.size == (28, 28) and img.mode == "L"
    a = np.asarray(img)
    assert a[10, x[10].argmax()] == 0 and a[0, 0] == 255
    assert media.picture(x, 140).size == (140, 140)


def test_strip_png_round_trip():
    img = Image.open(io.BytesIO(media.png_bytes(media.strip(pictures(5), 64))))
    gap = max(2, 64 // 24)
    assert img.size == (5 * 64 + 4 * gap, 64)


def test_png_data_uri_decodes_to_the_same_picture():
    img = media.picture(pictures(1)[0], 56)
    uri = media.png_data_uri(img)
    head, data = uri.split(",", 1)
    assert head == "data:image/png;base64"
    back = Image.open(io.BytesIO(base64.b64decode(data)))
    assert back.format == "PNG" and np.array_equal(np.asarray(back), np.asarray(img))


def test_grid_image_has_the_resolution_asked_and_keeps_the_layout():
    grid = pictures(6).reshape(2, 3, 28, 28)
    img = np.asarray(Image.open(io.BytesIO(media.png_bytes(media.grid_image(grid, 56)))))
    assert img.shape == (2 * 56, 3 * 56)
    cell = img[56:, 112:]  # row 1, col 2: the last picture, its bar at the right
    ink_cols = np.flatnonzero((cell < 128).any(axis=0))
    assert ink_cols.min() > 28


def test_morph_gif_goes_there_and_back_and_rests_at_the_ends():
    gif = Image.open(io.BytesIO(media.morph_gif(pictures(6), px=64, ms=50, hold_ms=500)))
    assert gif.n_frames == 6 + 4  # forward, then back without repeating the ends
    durations = []
    frames = []
    for k in range(gif.n_frames):
        gif.seek(k)
        durations.append(gif.info["duration"])
        frames.append(np.asarray(gif.convert("L")))
    assert durations[0] == 500 and durations[5] == 500 and durations[1] == 50
    assert np.abs(frames[1].astype(int) - frames[-1]).max() < 8  # frame 1 again at the end
    assert np.abs(frames[0].astype(int) - frames[5]).max() > 100


def test_encoded_csv_has_a_row_per_image_with_its_values():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    labels = rng.integers(0, 10, 50)
    classes = tuple(f"c{i}" for i in range(10))
    rows = list(csv.DictReader(io.StringIO(media.encoded_csv(mu, logvar, labels,
                                                              classes).decode())))
    assert len(rows) == 50
    r = rows[17]
    assert int(r["index"]) == 17 and int(r["label"]) == labels[17]
    assert r["class"] == classes[labels[17]]
    np.testing.assert_allclose([float(r["z0_mean"]), float(r["z1_mean"])], mu[17], rtol=1e-5)
    np.testing.assert_allclose([float(r["z0_logvar"]), float(r["z1_logvar"])], logvar[17],
                               rtol=1e-5)


def test_timelapse_has_a_frame_per_epoch_on_fixed_axes():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    # clusters drifting apart over 4 epochs
    centres = rng.normal(size=(10, 2))
    snaps = np.stack([centres[labels] * (0.3 + 0.5 * e) + 0.1 * rng.normal(size=(200, 2))
                      for e in range(4)])
    grids = (rng.random((4, 6, 6, 28, 28)) * 255).astype(np.uint8)
    lim = media.timelapse_limit(snaps)
    assert lim >= np.quantile(np.abs(snaps), 0.99)
    frames = media.timelapse_frames(snaps, labels, [str(i) for i in range(10)], [1, 2, 5, 9],
                                    grids, px=200)
    assert len({f.size for f in frames}) == 1
    assert not np.array_equal(np.asarray(frames[0]), np.asarray(frames[-1]))
    gif = Image.open(io.BytesIO(media.timelapse_gif(snaps, labels, [str(i) for i in range(10)],
                                                    [1, 2, 5, 9], None, px=200)))
    assert gif.n_frames == 4
    with pytest.raises(ValueError, match="snapshots"):
        media.timelapse_frames(np.zeros((0, 10, 2)), labels, ["a"], [])


def test_history_timelapse_reads_old_and_new_checkpoints():
    assert media.history_timelapse({}) is None
    old = media.history_timelapse({"snapshots": np.zeros((3, 5, 2))})  # before grids were kept
    assert old[1] is None and old[2] == [1, 2, 3]
    new = media.history_timelapse({"snapshots": np.zeros((2, 5, 2)), "grids": np.zeros(
        (2, 6, 6, 28, 28), np.uint8), "snapshot_epochs": [1, 4]})
    assert new[1].shape == (2, 6, 6, 28, 28) and new[2] == [1, 4]


def test_prior_samples_scale_with_the_temperature():
    z1 = latent.prior_samples(20000, 1.0, seed=1)
    z3 = latent.prior_samples(20000, 0.3, seed=1)
    assert z1.shape == (20000, 2) and z1.dtype == np.float32
    assert abs(z1.std() - 1.0) < 0.03 and abs(z3.std() - 0.3) < 0.01
    np.testing.assert_array_equal(latent.prior_samples(5, 1.0, 7), latent.prior_samples(5, 1.0, 7))
    with pytest.raises(ValueError, match="temperature"):
        latent.prior_samples(4, 0.0)


@pytest.mark.parametrize("text,z", [("0.5, -1.2", (0.5, -1.2)), ("(1 2)", (1.0, 2.0)),
                                    ("[-3;4e-1]", (-3.0, 0.4))])
def test_parse_z_reads_what_people_type(text, z):
    assert latent.parse_z(text) == pytest.approx(z)


@pytest.mark.parametrize("text", ["", "1", "1, 2, 3", "a, b", "nan, 1", "inf 0"])
def test_parse_z_refuses_the_rest(text):
    with pytest.raises(ValueError, match="two numbers"):
        latent.parse_z(text)


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


def test_media_cli_refuses_a_bad_checkpoint(tmp_path):
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a checkpoint")
    r = subprocess.run([sys.executable, "-m", "explorer.media", "csv", str(bad), "-o",
                        str(tmp_path / "e.csv")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "error:" in r.stderr and "Traceback" not in r.stderr


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
    assert media.main([args[0], ckpt, *args[1:], "-o", str(out)]) == 2
    assert message in capsys.readouterr().err and not out.exists()


def test_media_cli_explains_an_unwritable_output(tmp_path, capsys):
    ckpt = str(ROOT / "pretrained" / "mnist.pt")
    target = tmp_path / "no-such-folder" / "g.png"
    assert media.main(["grid", ckpt, "--cells", "2", "-o", str(target)]) == 2
    assert "error:" in capsys.readouterr().err


def test_loss_axes_are_log_for_nats_and_linear_when_a_loss_is_negative():
    from explorer.ui import plots

    steps = {"step": [1, 2, 3], "loss": [540.0, 200.0, 150.0], "recon": [540.0, 190.0, 140.0],
             "kl": [0.0, 8.0, 9.0]}
    fig = plots.loss_figure(steps, {"step": [3], "test_elbo": [-151.0]})
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.range[0] < 0  # from 0.5 nats
    gaussian = {"step": [1, 2], "loss": [300.0, -900.0], "recon": [300.0, -910.0],
                "kl": [0.0, 10.0]}
    assert plots.loss_figure(gaussian).layout.yaxis.type == "linear"
    assert plots.compare_figure({"A": {"epochs": {"epoch": [1], "test_elbo": [-151.0],
                                                  "test_kl": [7.0]}}}).layout.yaxis.type == "log"
