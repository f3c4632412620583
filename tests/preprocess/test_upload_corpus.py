"""Hostile and odd uploads: every one gives a valid digit or an ImageError a person can read.

The corpus is generated into a temporary folder (see make_upload_corpus.py, which also
measures time and memory: `python tests/make_upload_corpus.py --measure`); no timing is
asserted here. Property-based tests throw random bytes and random small images at to_mnist.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from explorer.preprocess.mnist_style import ImageError, to_mnist
from tests.make_upload_corpus import DIGIT, EITHER, ERROR, CorpusCase, build_corpus, corpus_cases

CASES = corpus_cases()
TRACEBACK = re.compile(r"Traceback|File \"|line \d+|PIL\.|numpy\.|<_io|0x[0-9a-f]{6,}|Error:")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("upload-corpus")
    build_corpus(out)
    return out


def check_outcome(data: bytes) -> tuple[str, np.ndarray | str]:
    """Run to_mnist and check what comes back: ("digit", array) or ("error", message)."""
    try:
        x = to_mnist(data)
    except ImageError as e:
        message = str(e)
        assert message.strip(), "an ImageError needs a message"
        assert not TRACEBACK.search(message), f"looks like a traceback: {message!r}"
        return ERROR, message
    assert isinstance(x, np.ndarray) and x.shape == (28, 28) and x.dtype == np.float32
    assert np.isfinite(x).all() and 0.0 <= x.min() and x.max() <= 1.0
    return DIGIT, x


def test_corpus_is_big_and_varied() -> None:
    assert len(CASES) >= 40
    assert len({c.filename for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} == {ERROR, DIGIT, EITHER}


@pytest.mark.parametrize("case", CASES, ids=[c.filename for c in CASES])
def test_corpus_case(case: CorpusCase, corpus_dir: Path) -> None:
    got, result = check_outcome((corpus_dir / case.filename).read_bytes())
    if case.expect != EITHER:
        assert got == case.expect, f"{case.description}: {result}"
    if case.expect == ERROR:
        assert case.match in result
    if case.expect == DIGIT:  # a real digit, not a smudge: saturated strokes, dark corners
        assert result.max() > 0.95 and result[:3, :3].max() < 0.05 and result[-3:, -3:].max() < 0.05


@pytest.mark.parametrize("name", ["over_25mb.png", "padded_20mb.png", "empty.png", "digit.jpg",
                                  "drawing.png", "truncated_50pc.gif"])
def test_corpus_files_opened_as_file_objects(name: str, corpus_dir: Path) -> None:
    """Streamlit hands over a file object: it must behave like the bytes it holds."""
    case = next(c for c in CASES if c.filename == name)
    with open(corpus_dir / name, "rb") as f:
        try:
            to_mnist(f)
            got = DIGIT
        except ImageError as e:
            assert case.match in str(e)
            got = ERROR
    assert got == case.expect


SAFE = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SAFE
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash(data: bytes) -> None:
    check_outcome(data)


@st.composite
def small_images(draw: st.DrawFn) -> bytes:
    """A random small image in a random mode, saved in a random format."""
    w, h = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    mode = draw(st.sampled_from(["L", "RGB", "RGBA", "P"]))
    fmt = draw(st.sampled_from(["PNG", "JPEG", "GIF", "BMP"]))
    channels = {"L": 1, "RGB": 3, "RGBA": 4, "P": 1}[mode]
    pixels = draw(st.binary(min_size=w * h * channels, max_size=w * h * channels))
    img = Image.frombytes(mode, (w, h), pixels)
    if mode == "P":
        img.putpalette(list(range(256)) * 3)
    if fmt == "JPEG" and mode in ("RGBA", "P"):
        img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


@SAFE
@given(small_images())
def test_random_small_images_never_crash(data: bytes) -> None:
    check_outcome(data)


@SAFE
@given(small_images(), st.floats(0.0, 1.0))
def test_truncated_random_images_never_crash(data: bytes, keep: float) -> None:
    check_outcome(data[:int(len(data) * keep)])
