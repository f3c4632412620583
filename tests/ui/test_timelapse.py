"""explorer/ui/train/timelapse.py through AppTest: a saved run's time-lapse replayed."""

import dataclasses

from explorer import paths
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from explorer.vae.train import new_model
from tests.apptest import downloads, errors, image_urls, new_app, open_tab


def test_train_tab_replays_a_saved_models_time_lapse(two_runs):
    at = new_app()
    at.selectbox(key="model_path").set_value(two_runs[0]).run()
    open_tab(at, "Train")
    key = "tl_epoch_beta-0.5"
    slider = at.select_slider(key=key)
    assert list(slider.options) == ["1", "2"] and slider.value == 2
    before = image_urls(at)
    slider.set_value(1).run()
    assert not at.exception and image_urls(at) != before
    assert "Time-lapse (GIF)" in downloads(at)


def test_pretrained_time_lapse_without_grids():
    at = open_tab(new_app(), "Train")
    slider = at.select_slider(key="tl_epoch_mnist")
    assert len(slider.options) == 120  # every epoch of the shipped model's 120
    slider.set_value(10).run()
    assert not at.exception and not errors(at)


def test_time_lapse_of_a_run_without_snapshots_says_so(tmp_path):
    cfg = dataclasses.replace(TrainConfig(), epochs=1)
    path = paths.runs_dir() / "no-history.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict(), {}, {})
    try:
        at = new_app()
        at.selectbox(key="model_path").set_value(str(path)).run()
        open_tab(at, "Train")
        assert any("no per-epoch snapshots" in c.value for c in at.caption)
    finally:
        path.unlink()
