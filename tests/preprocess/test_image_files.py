"""explorer/preprocess/image_files.py: untrusted files opened safely, or refused with a
readable reason."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from explorer.errors import ImageError
from explorer.preprocess import image_files
from explorer.preprocess.mnist_style import flatten_alpha, to_gray, to_mnist
from tests.make_upload_corpus import (
    deep,
    encode,
    exif_rotated,
    frames,
    palette_with_transparency,
    seven,
)


def test_file_object_over_the_byte_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_files, "MAX_BYTES", 1000)
    with pytest.raises(ImageError, match="The file is larger than that; the limit is 0 MB"):
        to_mnist(io.BytesIO(encode(seven()) + b"\0" * 2000))


def test_read_bytes_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert image_files.read_bytes(memoryview(b"abc")) == b"abc"
    monkeypatch.setattr(image_files, "MAX_BYTES", 10)
    with pytest.raises(ImageError, match="The file is 0.0 MB; the limit is 0 MB"):
        image_files.read_bytes(b"x" * 11)
    with pytest.raises(ImageError, match="empty"):
        image_files.read_bytes(io.BytesIO())


@pytest.mark.parametrize("head, what", [(b"%PDF-1.4", "PDF"), (b"  <svg>", "SVG"),
                                        (b"<!DOCTYPE HTML>", "HTML"), (b"<html>", "HTML")])
def test_sniff_names_the_document_type(head: bytes, what: str) -> None:
    with pytest.raises(ImageError, match=what):
        image_files.sniff(head)


def test_sniff_lets_images_through() -> None:
    image_files.sniff(encode(seven()))
    image_files.sniff(encode(seven(), "JPEG"))


def test_check_size() -> None:
    image_files.check_size((4000, 4000))
    with pytest.raises(ImageError, match="50000 x 50000 pixels; the limit is 16 megapixels"):
        image_files.check_size((50000, 50000))
    with pytest.raises(ImageError, match="no pixels"):
        image_files.check_size((0, 10))


MODES = {
    "1": lambda: seven().convert("1"),
    "P": lambda: seven().convert("P"),
    "P+transparency": lambda: Image.open(io.BytesIO(palette_with_transparency())),
    "L+transparency": lambda: Image.open(io.BytesIO(encode(seven(), transparency=255))),
    "LA": lambda: seven().convert("LA"),
    "RGBA": lambda: seven().convert("RGBA"),
    "CMYK": lambda: seven().convert("CMYK"),
    "YCbCr": lambda: seven().convert("YCbCr"),
    "I;16": lambda: deep("I;16"),
    "I": lambda: deep("I"),
    "F": lambda: deep("F"),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_open_image_normalises_the_mode(mode: str) -> None:
    img = image_files.open_image(MODES[mode]())
    assert img.mode in ("L", "LA", "RGB", "RGBA", "F")
    gray = to_gray(flatten_alpha(img))
    assert gray.shape == (140, 120) and 0.0 <= gray.min() and gray.max() <= 1.0
    assert gray.max() - gray.min() > 0.9, f"{mode}: the contrast survives"


def test_transparency_becomes_alpha() -> None:
    assert image_files.open_image(MODES["P+transparency"]()).mode == "RGBA"
    assert image_files.open_image(MODES["L+transparency"]()).mode == "LA"


def test_deep_images_are_scaled_to_0_255() -> None:
    img = image_files.open_image(Image.fromarray(np.array([[0, 65535]], dtype=np.uint16)))
    assert img.mode == "F" and np.allclose(np.asarray(img), [[0, 255]])
    img = image_files.open_image(Image.fromarray(np.array([[0.0, 0.5]], dtype=np.float32), "F"))
    assert np.allclose(np.asarray(img), [[0, 127.5]])


def test_open_image_shrinks_and_takes_the_first_frame() -> None:
    big = image_files.open_image(encode(seven((3000, 2000), width=100), "JPEG"))
    assert max(big.size) <= image_files.WORK_SIDE
    first = image_files.open_image(frames("GIF", seven(), Image.new("L", (120, 140), 0)))
    assert np.asarray(first.convert("L")).max() == 255


def test_open_image_applies_exif_orientation() -> None:
    img = image_files.open_image(exif_rotated(8, seven(), 95))
    assert img.size == (120, 140)
