"""Each preprocessing step alone, then `to_mnist` on digits drawn with PIL in every guise."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile, ImageFilter

from explorer.preprocess import mnist_style as pp
from explorer.preprocess.mnist_style import ImageError, to_mnist
from tests.make_upload_corpus import (
    deep,
    encode,
    exif_rotated,
    frames,
    palette_with_transparency,
    png_header_only,
    seven,
    transparent_canvas,
)


# ---------------------------------------------------------------------------- helpers
def zero(size: tuple[int, int] = (160, 160), ink: object = 0, paper: object = 255,
         mode: str = "L") -> Image.Image:
    img = Image.new(mode, size, paper)
    w, h = size
    ImageDraw.Draw(img).ellipse((0.3 * w, 0.15 * h, 0.7 * w, 0.85 * h), outline=ink, width=12)
    return img


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    total = x.sum()
    return (float(x.sum(1) @ np.arange(x.shape[0]) / total),
            float(x.sum(0) @ np.arange(x.shape[1]) / total))


def assert_mnist_like(x: np.ndarray) -> None:
    """The properties that make an array look like an MNIST digit."""
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert x.max() > 0.95, "the stroke cores should be saturated"
    assert max(x[:2, :2].max(), x[:2, -2:].max(), x[-2:, :2].max(), x[-2:, -2:].max()) < 0.05
    rows, cols = np.nonzero((x > 0.05).any(1))[0], np.nonzero((x > 0.05).any(0))[0]
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert max(height, width) <= 21 and max(height, width) >= 19
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14.0) <= 1.0 and abs(cx - 14.0) <= 1.0


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference, forgiving the 1 px shift that rounding the centre of mass
    to whole pixels (as MNIST did) can cause between two renderings of one digit."""
    return min(float(np.abs(np.roll(a, (dy, dx), (0, 1)) - b).mean())
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


REFERENCE = None


def reference() -> np.ndarray:
    global REFERENCE
    if REFERENCE is None:
        REFERENCE = to_mnist(encode(seven()))
    return REFERENCE


def small_in_big() -> Image.Image:
    """A small seven off-centre in a big grey-paper canvas."""
    img = Image.new("L", (1500, 1100), 235)
    img.paste(seven((60, 70), width=6, paper=235), (1200, 150))
    return img


def shaded_photo() -> Image.Image:
    """Dark ink on paper lit unevenly (brightness falls from 1.0 to 0.35 across the page)."""
    rng = np.random.default_rng(0)
    paper = np.where(np.asarray(seven((240, 280), width=24)) < 128, 0.1, 0.9)
    light = np.linspace(1.0, 0.35, 240)[None, :] * np.linspace(1.0, 0.8, 280)[:, None]
    a = paper * light + rng.normal(0, 0.02, paper.shape)
    return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))


# ---------------------------------------------------------------------------- to_mnist
GOOD = {
    "black_on_white": lambda: encode(seven()),
    "white_on_black": lambda: encode(seven(ink=255, paper=0)),
    "blue_ink_on_paper": lambda: encode(seven(ink=(20, 40, 210), paper=(250, 248, 238),
                                              mode="RGB")),
    "red_ink_on_yellow": lambda: encode(seven(ink=(200, 20, 20), paper=(250, 240, 170),
                                              mode="RGB")),
    "rgba_dark_strokes": lambda: encode(transparent_canvas((0, 0, 0, 255))),
    "rgba_light_strokes": lambda: encode(transparent_canvas((255, 255, 255, 255))),
    "palette_transparency": palette_with_transparency,
    "la": lambda: encode(seven().convert("LA")),
    "one_bit": lambda: encode(seven().convert("1")),
    "grey_16bit": lambda: encode(deep("I;16")),
    "int32_tiff": lambda: encode(deep("I"), "TIFF"),
    "float_tiff": lambda: encode(deep("F"), "TIFF"),
    "cmyk_jpeg": lambda: encode(seven().convert("CMYK"), "JPEG", quality=95),
    "jpeg": lambda: encode(seven(), "JPEG"),
    "gif": lambda: encode(seven(), "GIF"),
    "bmp": lambda: encode(seven(), "BMP"),
    "webp": lambda: encode(seven(), "WEBP"),
    "tiff": lambda: encode(seven(), "TIFF"),
    "animated_gif": lambda: frames("GIF", seven(), Image.new("L", (120, 140), 0)),
    "apng": lambda: frames("PNG", seven(), Image.new("L", (120, 140), 0)),
    "exif_6": lambda: exif_rotated(6, seven(), 95),
    "exif_8": lambda: exif_rotated(8, seven(), 95),
    "small_in_big_canvas": lambda: encode(small_in_big()),
    "shaded_photo": lambda: encode(shaded_photo(), "JPEG", quality=85),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_guise_gives_the_same_mnist_like_digit(name: str) -> None:
    x = to_mnist(GOOD[name]())
    assert_mnist_like(x)
    assert distance(x, reference()) < 0.05, "the same seven should give the same array"


@pytest.mark.parametrize("name", ["white_on_black", "blue_ink_on_paper", "rgba_dark_strokes",
                                  "rgba_light_strokes", "palette_transparency", "grey_16bit"])
def test_polarity_and_colour_variants_give_nearly_the_same_array(name: str) -> None:
    assert float(np.abs(to_mnist(GOOD[name]()) - reference()).mean()) < 0.01


@pytest.mark.parametrize("wrap", [bytes, bytearray, io.BytesIO,
                                  lambda b: Image.open(io.BytesIO(b))])
def test_inputs_bytes_file_or_pil_image(wrap) -> None:
    assert np.array_equal(to_mnist(wrap(encode(seven()))), reference())


def test_a_file_already_read_is_read_from_the_start() -> None:
    f = io.BytesIO(encode(seven()))
    f.read()
    assert np.array_equal(to_mnist(f), reference())


def test_exif_rotation_matters() -> None:
    """Without the EXIF transpose the stored pixels would give a very different array."""
    stored = Image.open(io.BytesIO(exif_rotated(6, seven(), 95)))
    unrotated = to_mnist(Image.fromarray(np.asarray(stored)))  # pixels only: no EXIF
    assert distance(unrotated, reference()) > 0.1
    assert distance(to_mnist(exif_rotated(6, seven(), 95)), reference()) < 0.05


def test_zero_is_centred_and_fills_the_height() -> None:
    for img in (zero(), zero(ink=255, paper=0)):
        x = to_mnist(img)
        assert_mnist_like(x)
        assert x[14, 14] < 0.05, "the hole of the zero stays empty"


def test_aspect_ratio_is_kept() -> None:
    bar = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(bar).rectangle((150, 40, 190, 360), fill=0)  # 1 wide : 8 tall
    x = to_mnist(bar)
    rows, cols = np.nonzero((x > 0.5).any(1))[0], np.nonzero((x > 0.5).any(0))[0]
    assert rows[-1] - rows[0] + 1 == 20 and cols[-1] - cols[0] + 1 <= 4


# ---------------------------------------------------------------------------- bad input
BAD = {
    "empty": (b"", "The file is empty"),
    "text": (b"hello, this is not a picture\n" * 20, "looks like text"),
    "html": (b"<!doctype html><html><body>7</body></html>", "HTML"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    "svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    "random_bytes": (bytes(range(256)) * 8, "not an image we can read"),
    "bomb": (png_header_only(50000, 50000), "the limit is 16 megapixels"),
    "over_limit": (png_header_only(8000, 6000), "8000 x 6000 pixels"),
    "white": (encode(Image.new("L", (50, 50), 255)), "No ink"),
    "black": (encode(Image.new("L", (50, 50), 0)), "No ink"),
    "uniform_colour": (encode(Image.new("RGB", (50, 50), (200, 30, 90))), "No ink"),
    "one_pixel": (encode(Image.new("L", (1, 1), 0)), "No ink"),
    "transparent": (encode(Image.new("RGBA", (50, 50), (0, 0, 0, 0))), "No ink"),
    "truncated_png": (encode(seven())[:-60], "truncated or corrupt"),
    "truncated_jpeg": (encode(seven(), "JPEG")[:700], "truncated or corrupt"),
    "noise": (encode(Image.fromarray(
        np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))), "No ink"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gives_a_readable_image_error(name: str) -> None:
    data, message = BAD[name]
    with pytest.raises(ImageError, match=message):
        to_mnist(data)


def test_image_error_is_a_value_error_and_not_for_other_types() -> None:
    assert issubclass(ImageError, ValueError)
    with pytest.raises(ImageError, match="not int"):
        to_mnist(42)  # type: ignore[arg-type]


def test_unexpected_library_errors_are_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_: object) -> None:
        raise RuntimeError("numpy exploded")

    monkeypatch.setattr(pp, "to_gray", boom)
    with pytest.raises(ImageError, match="could not be processed"):
        to_mnist(encode(seven()))


def test_global_pil_settings_are_left_alone() -> None:
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters))
    for data, _ in BAD.values():
        with pytest.raises(ImageError):
            to_mnist(data)
    to_mnist(encode(seven()))
    assert before == (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES,
                      list(warnings.filters))


# ---------------------------------------------------------------------------- the steps
@pytest.mark.parametrize("stroke", [(0, 0, 0, 255), (255, 255, 255, 255), (200, 0, 0, 255)])
def test_flatten_alpha_keeps_strokes_visible_on_a_transparent_canvas(stroke) -> None:
    gray = pp.to_gray(pp.flatten_alpha(transparent_canvas(stroke)))
    assert gray.max() - gray.min() > 0.25, "the strokes contrast with the chosen page"
    assert gray[0, 0] in (0.0, 1.0)


def test_flatten_alpha_continues_the_paper_into_transparent_margins() -> None:
    img = seven(ink=(0, 0, 0, 255), paper=(230, 230, 230, 255), mode="RGBA", size=(200, 200))
    ImageDraw.Draw(img).rectangle((0, 0, 199, 15), fill=(0, 0, 0, 0))
    flat = np.asarray(pp.flatten_alpha(img).convert("L"))
    assert flat[5, 100] == 230


def test_flatten_alpha_leaves_opaque_modes_alone() -> None:
    img = seven()
    assert pp.flatten_alpha(img) is img


def test_to_gray_uses_luminance() -> None:
    rgb = Image.new("RGB", (3, 1))
    rgb.putdata([(0, 0, 255), (255, 255, 255), (255, 0, 0)])
    gray = pp.to_gray(rgb)
    assert gray.dtype == np.float32 and gray[0, 1] == 1.0
    assert gray[0, 0] < 0.15 and 0.25 < gray[0, 2] < 0.35  # blue ink is dark, red mid


@pytest.mark.parametrize("img, dark_on_light", [
    (seven(), True), (seven(ink=255, paper=0), False), (shaded_photo(), True),
    (zero(ink=180, paper=120), False), (zero(ink=90, paper=160), True),
])
def test_ink_polarity(img: Image.Image, dark_on_light: bool) -> None:
    assert pp.ink_polarity(pp.to_gray(img)) is dark_on_light


def test_to_ink_is_white_on_black_with_saturated_strokes() -> None:
    ink = pp.to_ink(pp.to_gray(seven()))
    strokes = np.asarray(seven()) < 128
    assert ink[~strokes].max() < 0.05 and np.median(ink[strokes]) > 0.95


def test_to_ink_removes_uneven_lighting() -> None:
    ink = pp.to_ink(pp.to_gray(shaded_photo()))
    strokes = np.asarray(seven((240, 280), width=24)) < 128
    assert np.percentile(ink[~strokes], 99) < 0.1
    assert np.percentile(ink[strokes], 10) > 0.6, "ink in the dark corner is found too"


@pytest.mark.parametrize("gray", [np.full((30, 30), 0.7, np.float32),
                                  np.zeros((1, 1), np.float32)])
def test_to_ink_refuses_blank(gray: np.ndarray) -> None:
    with pytest.raises(ImageError, match="No ink found: the image is blank"):
        pp.to_ink(gray)


@pytest.mark.parametrize(("shape", "k"), [((64, 48), 15), ((20, 64), 5), ((7, 9), 3),
                                         ((40, 33), 13), ((9, 9), 9), ((30, 30), 1)])
def test_rank_filter_is_pils_min_and_max_filter(shape, k) -> None:
    a = np.random.default_rng(k).random(shape).astype(np.float32)
    img = Image.fromarray(a, "F")
    for pair, pil in ((np.minimum, ImageFilter.MinFilter), (np.maximum, ImageFilter.MaxFilter)):
        np.testing.assert_array_equal(pp.rank_filter(a, k, pair), np.asarray(img.filter(pil(k))))


def test_remove_background_flattens_a_gradient() -> None:
    ramp = np.tile(np.linspace(0.0, 0.6, 200, dtype=np.float32), (150, 1))
    assert pp.remove_background(ramp).max() < 0.15


def test_crop_to_ink_ignores_specks() -> None:
    ink = np.zeros((200, 200), np.float32)
    ink[50:150, 80:120] = 1.0
    ink[5, 190] = 1.0  # a speck of dust far away
    crop = pp.crop_to_ink(ink)
    assert crop.shape == (100, 40)
    with pytest.raises(ImageError, match="No ink"):
        pp.crop_to_ink(np.zeros((5, 5), np.float32))


def test_normalize_strokes_widens_thin_lines_and_thins_bold_ones() -> None:
    thin = np.zeros((400, 300), np.float32)
    thin[50:350, 150] = 1.0  # a 1 px pen line, 300 px long
    out = pp.normalize_strokes(thin)
    assert max(out.shape) <= 8 * pp.BOX + 40
    width_at_20px = (out > 0.5).sum(1).max() * 20 / max(out.shape)
    assert width_at_20px >= 1.5
    bold = np.zeros((160, 120), np.float32)
    bold[10:150, 30:70] = 1.0  # a bar 5 px wide at the 20 px scale, like a marker
    width_at_20px = (pp.normalize_strokes(bold) > 0.5).sum(1).max() * 20 / 160
    assert 1.5 <= width_at_20px <= 3.5
    right = np.zeros((100, 60), np.float32)
    right[10:90, 20:32] = 1.0  # already about STROKE wide: left alone
    assert np.array_equal(pp.normalize_strokes(right), right)


def test_stages_keep_each_picture_in_order() -> None:
    s = pp.stages(encode(seven()))
    assert s.image.size == seven().size
    assert s.ink.shape == (s.image.size[1], s.image.size[0])
    assert s.crop.shape[0] <= s.ink.shape[0] and s.crop.shape[1] <= s.ink.shape[1]
    assert max(s.fit.shape) == pp.BOX and s.fit.max() == 1.0
    assert np.array_equal(s.x, reference())


def test_ruled_lines_are_removed_and_the_digit_kept() -> None:
    img = seven((300, 300), width=14)
    d = ImageDraw.Draw(img)
    for y in range(20, 300, 45):
        d.line([(0, y), (299, y + 8)], fill=150, width=3)  # rules, a little askew
    ink = pp.to_ink(pp.to_gray(img))
    strokes = np.asarray(seven((300, 300), width=14)) < 128
    assert np.percentile(ink[~strokes], 99.5) < 0.1, "the rules are gone"
    assert np.median(ink[strokes]) > 0.9, "the digit stays"
    assert np.percentile(pp.to_ink(pp.to_gray(img), lines=False)[~strokes], 99.5) > 0.3


@pytest.mark.parametrize("shape, expected", [((100, 50), (20, 10)), ((5, 3), (20, 12)),
                                             ((7, 70), (2, 20)), ((20, 20), (20, 20))])
def test_fit_20x20_keeps_aspect_ratio(shape: tuple[int, int], expected: tuple[int, int]) -> None:
    out = pp.fit_20x20(np.ones(shape, np.float32))
    assert out.shape == expected and out.max() == 1.0 and out.dtype == np.float32


def test_center_by_mass_puts_the_mass_at_14_14() -> None:
    digit = np.zeros((20, 12), np.float32)
    digit[2:6, :] = 1.0  # top-heavy, like a seven
    digit[:, 5:8] = 0.5
    out = pp.center_by_mass(digit)
    cy, cx = centre_of_mass(out)
    assert out.shape == (28, 28) and abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert np.isclose(out.sum(), digit.sum())


def test_center_by_mass_clips_so_the_digit_stays_in_frame() -> None:
    digit = np.zeros((20, 20), np.float32)
    digit[0, 0] = 1.0  # all the mass in a corner: a full shift would push the rest out
    out = pp.center_by_mass(digit)
    assert np.isclose(out.sum(), 1.0) and out[8, 8] == 1.0


def test_to_pil() -> None:
    x = np.linspace(-0.5, 1.5, 28 * 28, dtype=np.float32).reshape(28, 28)
    img = pp.to_pil(x)
    assert img.mode == "L" and img.size == (28, 28)
    assert np.asarray(img).min() == 0 and np.asarray(img).max() == 255
    big = pp.to_pil(reference(), scale=5)
    assert big.size == (140, 140) and big.mode == "L"
    assert pp.to_pil(reference()[None]).size == (28, 28)
