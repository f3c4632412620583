"""explorer/media: strips, GIFs, manifold PNGs and the encoded CSV, checked by reading the
files back."""

import base64
import csv
import io

import numpy as np
from PIL import Image

from explorer import media


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
