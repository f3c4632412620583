"""explorer/ui/train.py through AppTest: a run started, watched, stopped and saved; a
second start refused."""

import time
from pathlib import Path

import numpy as np
import pytest

from explorer import checkpoint, paths
from explorer.config import TrainConfig
from tests.apptest import new_app, open_tab, wait_for


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
    wait_for(at, lambda a: any(b.key == "stop" for b in a.button))
    wait_for(at, lambda a: any("epoch" in getattr(p, "text", "") for p in a.get("progress"))
              or any(m.label == "loss (nats)" for m in a.metric), timeout=60)
    at.button(key="stop").click().run()
    wait_for(at, lambda a: any("was stopped" in s.value for s in a.success))
    saved = [s.value for s in at.success][0]
    name = saved.split("`")[1]
    assert name.startswith(str(paths.runs_dir())) and "apptest-run" in name
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
    assert np.isfinite(job.view().summary.get("final_loss", 0.0))


def test_pause_resume_and_continue_from_the_page(small_ckpt, monkeypatch):
    """A run paused and resumed from the page, then the sidebar's model continued."""
    import shutil

    from explorer.ui.train import job_manager

    run = paths.runs_dir() / "apptest-small.pt"
    shutil.copy(small_ckpt, run)
    try:
        at = new_app()
        at.selectbox(key="model_path").set_value(str(run)).run()
        open_tab(at, "Train")
        at.session_state["train_tabs"] = "Continue a run"  # its sub-tab: only the open one runs
        at.run()
        assert any("Continue apptest-small" in m.value for m in at.markdown)
        at.number_input(key="c_epochs").set_value(400)  # 4 steps an epoch: long enough
        at.number_input(key="c_budget").set_value(60)
        submit = [b for b in at.get("form_submit_button") if "Continue" in b.label][0]
        submit.click().run()
        assert not at.exception
        wait_for(at, lambda a: any(b.key == "pause" for b in a.button))
        at.button(key="pause").click().run()
        wait_for(at, lambda a: any("Paused" in i.value for i in a.info), timeout=30)
        assert job_manager().current.pause_event.is_set()
        steps = job_manager().current.view().last.step
        time.sleep(1.0)
        assert job_manager().current.view().last.step == steps  # held
        at.button(key="pause").click().run()  # now "Resume"
        assert not job_manager().current.pause_event.is_set()
        wait_for(at, lambda a: job_manager().current.view().last.step > steps, timeout=30)
        at.button(key="stop").click().run()
        wait_for(at, lambda a: any("was stopped" in s.value for s in a.success))
        saved = [s.value for s in at.success][0].split("`")[1]
        assert "apptest-small-continued" in saved
        _, ckpt = checkpoint.load(saved)
        assert ckpt["metrics"]["continued_from"] == str(run) and ckpt["resume"]["step"] > 0
    finally:
        run.unlink(missing_ok=True)
