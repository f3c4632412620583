"""The learning tools through AppTest: interpolation, prior samples, comparing runs, the
time-lapse and the exports (the downloads' bytes are checked in test_media.py and, through a
real browser, in test_browser.py)."""

import dataclasses

import numpy as np
import pytest

from explorer import checkpoint
from explorer.config import TrainConfig
from explorer.train import History, new_model, train
from tests.test_app import errors, image_captions, image_urls, new_app, open_tab


def downloads(at) -> dict[str, str]:
    return {b.proto.label: b.key for b in at.get("download_button")}


def test_interpolation_between_two_test_digits_draws_a_strip_and_a_path():
    at = open_tab(new_app(), "Interpolate")
    assert not errors(at)
    caption = [c for c in image_captions(at) if "→" in c][0]
    assert "test digit #" in caption and "10 steps (linear)" in caption
    chart = [c for c in at.get("plotly_chart") if "path (linear)" in c.proto.spec][0]
    assert '"Start"' in chart.proto.spec and '"End"' in chart.proto.spec
    assert {"Strip (PNG)", "Morph (GIF)", "Samples (PNG)"} <= set(downloads(at))
    before = image_urls(at)
    at.slider(key="ip_steps").set_value(16).run()
    at.radio(key="ip_method").set_value("slerp").run()
    assert not at.exception
    assert any("16 steps (slerp)" in c for c in image_captions(at))
    assert image_urls(at) != before


def test_typed_z_endpoints_and_a_bad_one():
    at = open_tab(new_app(), "Interpolate")
    at.radio(key="ip_src_b").set_value("typed z").run()
    at.text_input(key="ip_z_b").set_value("2.5, -0.5").run()
    assert any("z = (2.50, -0.50)" in c for c in image_captions(at))
    at.text_input(key="ip_z_b").set_value("two, three").run()
    assert not at.exception
    assert any("two numbers" in e for e in errors(at))


def test_your_digit_endpoint_needs_a_drawing_first_then_uses_it():
    at = open_tab(new_app(), "Interpolate")
    at.radio(key="ip_src_a").set_value("your digit").run()
    assert any("Draw or upload" in i.value for i in at.info)
    x = np.zeros((28, 28), np.float32)
    x[6:22, 13:16] = 1.0  # a 1
    at.session_state["your_digit"] = x
    at.run()
    assert any(c.startswith("your digit →") for c in image_captions(at))


def test_prior_samples_redraw_with_a_new_seed_and_temperature():
    at = open_tab(new_app(), "Interpolate")
    first = [c for c in image_captions(at) if "samples" in c][0]
    assert "64 samples, T = 1" in first and "#0" in first
    at.button(key="btn_prior_draw").click().run()
    at.slider(key="prior_t").set_value(0.5).run()
    caption = [c for c in image_captions(at) if "samples" in c][0]
    assert "T = 0.5" in caption and "#1" in caption


@pytest.fixture
def two_runs(tmp_path, monkeypatch):
    """Two short runs saved in a runs folder: beta 0.5 and beta 4."""
    paths = []
    for beta in (0.5, 4.0):
        cfg = TrainConfig(epochs=2, batch_size=64, train_subset=1024, test_subset=256, seed=0,
                          beta=beta)
        model, h = new_model(cfg), History()
        for event in train(cfg, model):
            h.add(event)
        path = checkpoint.RUNS_DIR / f"beta-{beta:g}.pt"
        checkpoint.save(path, model, cfg.model_config(), cfg.to_dict(), h.summary(),
                        h.to_dict())
        paths.append(str(path))
    yield paths
    for p in paths:
        checkpoint.Path(p).unlink(missing_ok=True)


def test_compare_two_runs_side_by_side(two_runs):
    at = open_tab(new_app(), "Compare")
    at.selectbox(key="cmp_a").set_value(two_runs[0]).run()
    at.selectbox(key="cmp_b").set_value(two_runs[1]).run()
    assert not at.exception and not errors(at)
    table = at.table[0].value
    assert list(table.columns) == ["", "Model A", "Model B"]
    rows = dict(zip(table[""], zip(table["Model A"], table["Model B"], strict=True),
                    strict=True))
    assert rows["beta"] == ("0.5", "4")
    assert float(rows["KL"][0]) > float(rows["KL"][1])  # beta 4 pays for less KL
    assert len([c for c in at.get("plotly_chart") if "z[0]" in c.proto.spec]) == 2
    assert any("beta" not in c and "manifold" in c for c in image_captions(at))
    curves = [c for c in at.get("plotly_chart") if "A: test -ELBO" in c.proto.spec]
    assert curves and "B: KL" in curves[0].proto.spec


def test_train_tab_replays_a_saved_models_time_lapse(two_runs):
    at = new_app()
    at.selectbox(key="model_path").set_value(two_runs[0]).run()
    open_tab(at, "Train")
    key = "tl_beta-0.5"
    slider = at.select_slider(key=key)
    assert list(slider.options) == ["1", "2"] and slider.value == 2
    before = image_urls(at)
    slider.set_value(1).run()
    assert not at.exception and image_urls(at) != before
    assert "Time-lapse (GIF)" in downloads(at)


def test_pretrained_time_lapse_without_grids():
    at = open_tab(new_app(), "Train")
    slider = at.select_slider(key="tl_mnist")
    assert len(slider.options) == 120  # every epoch of the shipped model's 120
    slider.set_value(10).run()
    assert not at.exception and not errors(at)


def test_state_survives_tab_switches():
    at = open_tab(new_app(), "Interpolate")
    at.slider(key="ip_steps").set_value(7).run()
    open_tab(at, "Explore")
    open_tab(at, "Interpolate")
    assert at.slider(key="ip_steps").value == 7


def test_time_lapse_of_a_run_without_snapshots_says_so(tmp_path):
    cfg = dataclasses.replace(TrainConfig(), epochs=1)
    path = checkpoint.RUNS_DIR / "no-history.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict(), {}, {})
    try:
        at = new_app()
        at.selectbox(key="model_path").set_value(str(path)).run()
        open_tab(at, "Train")
        assert any("no per-epoch snapshots" in c.value for c in at.caption)
    finally:
        path.unlink()




def test_compare_with_a_broken_run_file_says_so():
    broken = checkpoint.RUNS_DIR / "broken.pt"
    checkpoint.RUNS_DIR.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"PK\x03\x04 half a zip")
    try:
        at = open_tab(new_app(), "Compare")
        at.selectbox(key="cmp_b").set_value(str(broken)).run()
        assert not at.exception
        assert any("broken (" not in e and "cannot be loaded" in e for e in errors(at))
    finally:
        broken.unlink()
