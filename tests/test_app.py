"""The app through Streamlit's own test driver: real widgets, real session state."""

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from explorer import checkpoint
from explorer.config import TrainConfig
from explorer.train import new_model
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def image_urls(at) -> list[str]:
    return [img.url for el in at.get("image") for img in el.proto.imgs]


def image_captions(at) -> list[str]:
    return [img.caption for el in at.get("image") for img in el.proto.imgs]


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def open_tab(at, label: str) -> AppTest:
    """Tabs are lazy (only the open one runs): open one as a click would."""
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def upload_mode(at) -> AppTest:
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


def test_page_loads_with_its_tabs_and_the_pretrained_model():
    at = new_app()
    assert [t.label for t in at.tabs] == ["Explore", "Draw or upload", "Interpolate", "Compare",
                                         "Train"]
    assert at.selectbox(key="model_path").value == str(checkpoint.PRETRAINED)
    assert len(at.get("plotly_chart")) >= 2  # scatter and manifold
    assert "test ELBO" in "".join(c.value for c in at.caption)
    assert not errors(at)


def test_slider_changes_the_preview():
    at = new_app()
    before = image_urls(at)
    at.slider(key="z0").set_value(2.5).run()
    after = image_urls(at)
    assert not at.exception
    assert after[0] != before[0]
    assert "decoded at z = (2.50, 0.00)" in image_captions(at)


def test_manifold_controls_redraw_the_grid():
    at = new_app()
    at.slider(key="grid_n").set_value(25).run()
    at.radio(key="grid_spacing").set_value("normal").run()
    assert not at.exception


def test_switching_models_reencodes_and_switches_back(tmp_path):
    cfg = TrainConfig(train_subset=512)
    path = checkpoint.RUNS_DIR / "apptest-switch.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict(), {"test_elbo": -300.0})
    try:
        at = new_app()
        box = at.selectbox(key="model_path")
        assert path.stem in box.options  # options are shown by their labels
        box.set_value(str(path)).run()
        assert not at.exception
        assert "-300.0" in "".join(c.value for c in at.caption)
        at.selectbox(key="model_path").set_value(str(checkpoint.PRETRAINED)).run()
        assert not at.exception
    finally:
        path.unlink(missing_ok=True)


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
    at.slider(key="z1").set_value(-1.0).run()
    assert not at.exception


def _wait_for(at, predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(1.0)
        at.run()
        assert not at.exception, at.exception
        if predicate(at):
            return
    raise AssertionError("timed out")


def _set_form(at, budget):
    at.number_input(key="t_epochs").set_value(50)
    at.number_input(key="t_budget").set_value(budget)
    at.text_input(key="t_name").set_value("../../apptest run")


def test_train_tab_starts_stops_and_saves_a_model():
    at = open_tab(new_app(), "Train")
    _set_form(at, 60)
    submit = [b for b in at.get("form_submit_button") if "Start" in b.label][0]
    submit.click().run()
    assert not at.exception
    _wait_for(at, lambda a: any(b.key == "stop" for b in a.button))
    _wait_for(at, lambda a: any("epoch" in getattr(p, "text", "") for p in a.get("progress"))
              or any(m.label == "loss (nats)" for m in a.metric), timeout=60)
    at.button(key="stop").click().run()
    _wait_for(at, lambda a: any("was stopped" in s.value for s in a.success))
    saved = [s.value for s in at.success][0]
    name = saved.split("`")[1]
    assert name.startswith(str(checkpoint.RUNS_DIR)) and "apptest-run" in name
    model, ckpt = checkpoint.load(name)
    assert ckpt["metrics"]["finished"] == "stopped"
    assert Path(name).stem in at.selectbox(key="model_path").options
    # this session replays the run it watched; a new one shows the sidebar's model
    sidebar_model = "Of the model chosen in the sidebar"
    assert not any(sidebar_model in c.value for c in at.caption)
    assert any(sidebar_model in c.value for c in open_tab(new_app(), "Train").caption)
    at.button(key="explore_new").click().run()
    assert at.selectbox(key="model_path").value == name


def test_a_second_start_while_one_runs_is_refused():
    from explorer.ui.train import job_manager

    manager = job_manager()
    job = manager.start(TrainConfig(epochs=50, max_seconds=30, train_subset=20000), "busy")
    try:
        at = open_tab(new_app(), "Train")
        submit = [b for b in at.get("form_submit_button") if "Start" in b.label][0]
        assert submit.proto.disabled  # the form says so before anyone clicks
        with pytest.raises(Exception, match="already going"):
            manager.start(TrainConfig(max_seconds=5), "second")
    finally:
        manager.stop()
        job.thread.join(60)
    assert not job.thread.is_alive()
    assert np.isfinite(job.view()["summary"].get("final_loss", 0.0))


@pytest.mark.parametrize("point,target", [
    ({"plot": "scatter", "customdata": 17}, ("digit", 17)),
    ({"plot": "scatter", "customdata": [9999]}, ("digit", 9999)),
    ({"plot": "scatter", "customdata": {"0": 3}}, ("digit", 3)),
    ({"plot": "grid", "customdata": [0.5, -1.25]}, ("z", (0.5, -1.25))),
    ({"plot": "grid", "customdata": {"0": 0.5, "1": 2}}, ("z", (0.5, 2.0))),
    ({"plot": "scatter", "customdata": 10000}, None),  # no such test digit
    ({"plot": "scatter", "customdata": -1}, None),
    ({"plot": "scatter", "customdata": "x"}, None),
    ({"plot": "scatter", "customdata": None}, None),
    ({"plot": "grid", "customdata": ["nan", 0]}, None),
    ({"plot": "grid", "customdata": [1]}, None),
    ({"plot": "legend", "customdata": 3}, None),
    ({}, None),
])
def test_a_click_reported_by_the_page_is_checked_before_use(point, target):
    from explorer.ui.explore import pick_target

    assert pick_target(point, 10_000) == target
