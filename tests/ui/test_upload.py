"""explorer/ui/draw/tab.py through AppTest: an uploaded drawing lands on the plane; a bad
file gets one clear message."""

import io
import json

import pytest
from PIL import Image, ImageDraw

from explorer.ui.draw import examples
from tests.apptest import errors, explore_data, image_captions, new_app, open_tab


def upload_mode(at):
    open_tab(at, "Draw or upload")
    at.button_group(key="input_mode").set_value("Upload an image").run()
    assert not at.exception
    return at


def digit_png(invert=False, rgba=False) -> bytes:
    img = Image.new("RGBA" if rgba else "L", (300, 400), (0, 0, 0, 0) if rgba else 255)
    d = ImageDraw.Draw(img)
    ink = (20, 20, 160, 255) if rgba else 0
    d.line([(80, 80), (230, 80), (130, 330)], fill=ink, width=26)  # a 7
    if invert and not rgba:
        img = Image.eval(img, lambda v: 255 - v)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("variant", ["dark-on-light", "light-on-dark", "transparent"])
def test_upload_a_drawing_shows_its_position(variant):
    at = upload_mode(new_app())
    blob = digit_png(invert=variant == "light-on-dark", rgba=variant == "transparent")
    at.file_uploader(key="upload").set_value(("seven.png", blob, "image/png")).run()
    assert not at.exception and not errors(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Latent mean" in text and "Nearest test digits" in text
    assert [c.key for c in at.get("plotly_chart")] == ["upload_scatter"]  # only this tab runs


@pytest.mark.parametrize("name,blob,expected", [
    ("empty.png", b"", "empty"),
    ("notes.png", b"just some text, not an image\n" * 20, "not an image"),
    ("drawing.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
    ("truncated.png", digit_png()[:200], "truncated"),
    ("blank.png", None, "ink"),
])
def test_bad_uploads_give_a_message_and_nothing_breaks(name, blob, expected):
    if blob is None:
        buf = io.BytesIO()
        Image.new("L", (64, 64), 255).save(buf, format="PNG")
        blob = buf.getvalue()
    at = upload_mode(new_app())
    at.file_uploader(key="upload").set_value((name, blob, "image/png")).run()
    assert not at.exception
    messages = errors(at)
    assert len(messages) == 1 and expected.lower() in messages[0].lower(), messages
    assert "Traceback" not in messages[0]
    open_tab(at, "Explore")  # the rest of the app still works
    at.session_state["z1"] = -1.0
    at.run()
    assert not at.exception and explore_data(at)["z"] == [0.0, -1.0]


STEPS = ["as uploaded", "ink found", "cropped", "fitted 20x20", "centred 28x28", "reconstruction"]


def steps_shown(at) -> list[str]:
    return [c for c in image_captions(at) if c in STEPS]


def test_a_photo_from_the_camera_goes_through_the_same_steps():
    """AppTest sets the camera's photo as the browser would send it (one JPEG)."""
    at = new_app()
    open_tab(at, "Draw or upload")
    at.button_group(key="input_mode").set_value("Take a photo").run()
    assert not at.exception and len(at.camera_input) == 1
    photo = (examples.DIR / "photo-7.jpg").read_bytes()  # a pen 7 photographed on paper
    at.camera_input(key="camera").set_value(("photo.jpg", photo, "image/jpeg")).run()
    assert not at.exception and not errors(at)
    assert steps_shown(at) == STEPS
    text = " ".join(m.value for m in at.markdown)
    assert "Latent mean" in text and "Most of them are **7**" in text
    assert not at.warning  # a real digit: no warning


def test_an_example_runs_with_one_click_and_a_letter_gets_the_warning():
    at = upload_mode(new_app())
    assert len(examples.index()) >= 8
    at.button(key="example_typeset-3.png").click().run()
    assert not at.exception and not errors(at) and steps_shown(at) == STEPS
    assert "Most of them are **3**" in " ".join(m.value for m in at.markdown)
    img = Image.new("L", (240, 240), 255)  # a W is no digit: placed, but with a warning
    ImageDraw.Draw(img).line([(30, 40), (80, 200), (120, 90), (160, 200), (210, 40)], fill=0,
                             width=16)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    at.file_uploader(key="upload").set_value(("w.png", buf.getvalue(), "image/png")).run()
    assert not at.exception and steps_shown(at) == STEPS  # the upload replaced the example
    assert "does not look like any digit" in " ".join(w.value for w in at.warning)


def camera_frame() -> bytes:
    """A webcam's test frame as Chromium's fake camera draws it: a green field, a timer,
    bright corner squares and a pie; no digit."""
    from bench.nondigits import camera

    return camera(__import__("numpy").random.default_rng(3))


def test_a_camera_frame_with_no_digit_gets_the_warning():
    at = upload_mode(new_app())
    at.file_uploader(key="upload").set_value(("frame.jpg", camera_frame(), "image/jpeg")).run()
    assert not at.exception and steps_shown(at) == STEPS
    warning = " ".join(w.value for w in at.warning)
    assert "does not look like any digit" in warning and "pieces" in warning


def drawing(trail: list[list[float]]):
    """The Draw tab with a stroke drawn and an earlier path through the plane."""
    import base64

    img = Image.new("RGB", (112, 112), "white")
    ImageDraw.Draw(img).line([(40, 20), (70, 90)], fill="black", width=8)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    at = new_app()
    at.session_state["draw_trail"] = trail
    at.session_state["draw_canvas"] = {"drawing": {"png": url, "strokes": 1, "seq": 1}}
    open_tab(at, "Draw or upload")
    [chart] = at.get("plotly_chart")
    return json.loads(chart.proto.spec)["layout"]


def test_a_drawn_path_beyond_the_plane_extends_the_view_to_it():
    near = drawing([[0.5, 0.5]])
    assert near["xaxis"]["range"] == [-4, 4] and near["yaxis"]["range"] == [-4, 4]
    far = drawing([[-30.0, 1.0], [-10.0, 0.5]])  # a path out to z[0] = -30 ...
    assert far["xaxis"]["range"] == [-40, 40] == far["yaxis"]["range"]  # ... is all in view
