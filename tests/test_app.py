"""The app through Streamlit's own test driver: real widgets, real session state."""

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from explorer import checkpoint, pagecache
from explorer.config import TrainConfig
from explorer.train import new_model
from explorer.ui.explore_view import as_index, as_z
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


def explore_data(at) -> dict:
    """What Python sends the page's Explore view (its Components v2 element)."""
    [view] = [e for e in at.get("bidi_component") if "latent_explorer.explore" in
              e.proto.component_name]
    return json.loads(view.proto.bytes)


def test_page_loads_with_its_tabs_and_the_pretrained_model():
    at = new_app()
    assert [t.label for t in at.tabs] == ["Explore", "Draw or upload", "Interpolate", "Compare",
                                         "Train"]
    assert at.selectbox(key="model_path").value == str(checkpoint.PRETRAINED)
    assert "test ELBO" in "".join(c.value for c in at.caption)
    assert not errors(at)
    assert not at.get("plotly_chart")  # the page draws the Explore view itself
    data = explore_data(at)
    assert data["z"] == [0.0, 0.0] and data["selected"] is None and data["fallback"] is None
    assert data["classes"] == [str(d) for d in range(10)] and data["lim"] == 4.0
    for part in ("page", "digits"):  # content-hash files the page fetches once
        assert (ROOT / data[part]["src"].removeprefix("app/")).is_file()
    assert {b.key for b in at.get("download_button")} >= {"dl_csv", "dl_share"}


def test_z_and_the_clicked_digit_are_set_through_session_state():
    at = new_app()
    at.session_state["z0"] = 2.5
    at.session_state["selected"] = 17
    at.run()
    assert not at.exception
    data = explore_data(at)
    assert data["z"] == [2.5, 0.0] and data["selected"] == 17
    open_tab(at, "Interpolate")  # the other tabs see the digit clicked on Explore
    assert not at.button(key="btn_ip_sel_a").proto.disabled


@pytest.mark.parametrize("value,lim,z", [
    ([0.5, -1.25], 4, (0.5, -1.25)), ([0.123, 9], 4, (0.12, 4.0)), ([1, 2, 7], 4, (1.0, 2.0)),
    (["0.5", "1"], 4, (0.5, 1.0)), ([float("nan"), 0], 4, None), (["x", 0], 4, None),
    ([1], 4, None), (None, 4, None), ({"0": 1}, 4, None),
])
def test_a_z_reported_by_the_page_is_checked_before_use(value, lim, z):
    assert as_z(value, lim) == z


@pytest.mark.parametrize("value,index", [
    (17, 17), (9999, 9999), (10_000, None), (-1, None), (3.0, 3), (3.5, None), ("3", None),
    (None, None), (True, None), ([3], None),
])
def test_a_digit_reported_by_the_page_is_checked_before_use(value, index):
    assert as_index(value, 10_000) == index


def test_a_network_the_page_cannot_run_is_drawn_by_python(monkeypatch, tmp_path):
    """Issue 13, part 5: the page says so, Python decodes, nothing breaks."""
    from explorer import webnet
    from explorer.ui import models

    def refuse(model):
        raise webnet.ExportError("layer 9 (Tanh): the page has no implementation of Tanh")

    monkeypatch.setattr(webnet, "export_decoder", refuse)
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path))
    models.page_data.clear()
    try:
        at = new_app()
        fallback = explore_data(at)["fallback"]
        assert "Tanh" in fallback["reason"] and "server" in fallback["reason"]
        assert fallback["preview"].startswith("data:image/png;base64,")
        assert fallback["grid"].startswith("data:image/png;base64,") and fallback["recon"] is None
        at.session_state["z0"], at.session_state["selected"] = 1.5, 3
        at.run()
        moved = explore_data(at)["fallback"]
        assert moved["z"] == [1.5, 0.0] and moved["preview"] != fallback["preview"]
        assert moved["recon"].startswith("data:image/png;base64,")
        [share] = [b for b in at.get("download_button") if b.key == "dl_share"]
        assert share.proto.disabled  # no share file without the network
    finally:
        models.page_data.clear()


def test_the_first_page_imports_neither_torch_nor_pandas():
    """Run as a fresh server process would (the page cache is ready; the background
    warm-up, which imports them once the first page is out, is held back). Plotly's
    graph objects are imported by `import streamlit` itself, for its chart theme."""
    pagecache.prepare(checkpoint.PRETRAINED)  # as `make data` does
    code = f"""
import sys
from streamlit.testing.v1 import AppTest
import explorer.ui.warmup as warmup
warmup.start = lambda: None
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120).run()
assert not at.exception, at.exception
print(sorted(m for m in ("torch", "pandas", "torchvision") if m in sys.modules))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


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
    at.session_state["z1"] = -1.0
    at.run()
    assert not at.exception and explore_data(at)["z"] == [0.0, -1.0]


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
