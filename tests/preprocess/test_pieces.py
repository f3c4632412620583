"""explorer/preprocess/pieces.py and nondigit.py: the ink's separate pieces, keeping the digit
and dropping what lies far from it, and the checks that tell a picture with one digit from
a webcam frame, a screenshot, a word or a border."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench import digitset, nondigits
from explorer.preprocess import mnist_style, nondigit, pieces


def test_components_label_8_connected_pieces():
    mask = np.zeros((6, 8), bool)
    mask[0, 0] = mask[1, 1] = True  # diagonal neighbours: one piece
    mask[4:6, 5:8] = True
    mask[0, 6] = True
    lab = pieces.components(mask)
    assert len(np.unique(lab[mask])) == 3 and (lab[~mask] == 0).all()
    assert lab[0, 0] == lab[1, 1] != lab[4, 5]


def test_keep_main_drops_far_pieces_and_keeps_near_ones():
    ink = np.zeros((400, 400), np.float32)
    ink[100:300, 150:170] = 1.0  # the digit's stroke
    ink[90:95, 175:230] = 1.0  # a detached top bar, close to it: part of the digit
    ink[5:20, 5:20] = 1.0  # a corner mark, far away
    ink[380:390, 300:390] = 1.0  # a caption, far away
    kept = pieces.keep_main(ink)
    assert kept[100:300, 150:170].min() == 1.0 and kept[90:95, 175:230].min() == 1.0
    assert kept[:30, :30].max() == 0.0 and kept[370:, 290:].max() == 0.0
    one = np.zeros((50, 50), np.float32)
    one[10:40, 20:25] = 0.8
    assert pieces.keep_main(one) is one  # one piece: as it was


def frame_stages(seed: int = 3) -> mnist_style.Stages:
    return mnist_style.stages(nondigits.camera(np.random.default_rng(seed)))


def test_a_webcam_frame_is_no_digit_and_its_timer_and_corners_are_left_out():
    s = frame_stages()
    assert nondigit.reasons(s)  # warned about
    h, w = s.ink.shape
    corner = max(1, h // 12)
    assert s.ink[:corner, :corner].max() > 0.5  # found as ink ...
    assert s.kept[:corner, :corner].max() == 0 and s.kept[:h // 8].max() == 0  # ... not kept
    assert max(s.crop.shape) < 0.8 * min(h, w)  # cropped to the pie, not the whole frame


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("style", list(nondigits.STYLES))
def test_what_each_check_catches(style):
    """Of a few pictures of each kind with no digit, most are caught by the picture's
    checks alone (the latent plane's own check, plane/outlier.py, catches more)."""
    caught = 0
    for i in range(5):
        try:
            caught += bool(nondigit.reasons(mnist_style.stages(nondigits.make(style, i).data)))
        except mnist_style.ImageError:
            caught += 1  # refused outright: not read as a digit either
    assert caught >= {"shapes": 1, "scene": 1, "border": 3}.get(style, 4), style


def test_real_digits_pass_the_checks():
    samples = list(digitset.digit_set(3, seed=5))
    warned = [s.name for s in samples if nondigit.reasons(mnist_style.stages(s.data))]
    assert not warned
    img = Image.new("L", (300, 300), 255)  # a 0 drawn with a pen: a ring, not a solid shape
    ImageDraw.Draw(img).ellipse((90, 40, 210, 260), outline=0, width=14)
    assert nondigit.reasons(mnist_style.stages(png(img))) == []


def test_a_frame_and_a_word_are_named_for_what_gives_them_away():
    frame = Image.new("L", (400, 300), 250)
    ImageDraw.Draw(frame).rectangle((30, 30, 370, 270), outline=20, width=8)
    assert "corners" in nondigit.reasons(mnist_style.stages(png(frame)))
    word = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(word).text((20, 40), "hello", fill=0,
                              font=nondigits._font(np.random.default_rng(0), 90))
    assert {"wide", "pieces"} & set(nondigit.reasons(mnist_style.stages(png(word))))
