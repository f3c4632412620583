"""explorer/ui/train/tab.py and progress.py through AppTest: a person's run joins the line,
is watched, stopped and saved as theirs; another person sees none of it and waits in line
with a place; signed-in accounts own runs, and an admin sees and stops everyone's."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import paths
from explorer.server import here, owners
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from tests.apptest import APP, open_tab, wait_for

A_TOKEN, B_TOKEN = "1" * 32, "2" * 32


def person(token=None, user=None) -> AppTest:
    """A visitor's session: a browser (its secret, as the page sends it) or an account."""
    at = AppTest.from_file(APP, default_timeout=120)
    if token:
        at.session_state["owner_token"] = token
    if user:
        at.user = {"is_logged_in": True, **user}
    at.run()
    assert not at.exception, at.exception
    return at


def start(at, budget=60, epochs=50, name="../../apptest run"):
    open_tab(at, "Train")
    at.number_input(key="t_epochs").set_value(epochs)
    at.number_input(key="t_budget").set_value(budget)
    at.text_input(key="t_name").set_value(name)
    [b for b in at.get("form_submit_button") if "Start" in b.label][0].click().run()
    assert not at.exception, at.exception
    return at


def texts(at, kind):
    return " ".join(e.value for e in getattr(at, kind))


def test_a_run_is_watched_stopped_and_saved_as_its_owners_alone():
    a = start(person(A_TOKEN))
    wait_for(a, lambda at: any(b.key == "stop" for b in at.button))
    b = start(person(B_TOKEN), budget=5, epochs=1, name="b-run")
    wait_for(b, lambda at: "waiting in line: **place 1**" in texts(at, "info"))
    assert not any(x.key in ("stop", "pause") for x in b.button)  # B cannot touch A's run
    assert "apptest" not in texts(b, "markdown") + texts(b, "caption")
    wait_for(a, lambda at: any(m.label == "loss (nats)" for m in at.metric), timeout=120)
    a.button(key="stop").click().run()
    wait_for(a, lambda at: "was stopped" in texts(at, "success"))
    said = texts(a, "success")
    assert "**apptest-run**" in said and str(paths.runs_dir()) not in said  # by name, no path
    who = owners.from_browser(A_TOKEN)
    [run] = [r for r in here.library().runs(who) if r.mine and r.path.stem == "apptest-run"]
    _, ckpt = checkpoint.load(run.path)
    assert ckpt["metrics"]["finished"] == "stopped" and ckpt["metrics"]["steps"] > 0
    assert "apptest-run (yours)" in a.selectbox(key="model_path").options
    a.button(key="explore_new").click().run()
    assert a.session_state["model_path"] == str(run.path)
    wait_for(b, lambda at: "finished" in texts(at, "success"), timeout=180)  # B's turn came
    assert "apptest-run (yours)" not in " ".join(b.selectbox(key="model_path").options)
    # another session of B's, its model picker's value crafted to A's run, is shown the
    # default model instead (and nothing of A's)
    crafted = AppTest.from_file(APP, default_timeout=120)
    crafted.session_state["owner_token"] = B_TOKEN
    crafted.session_state["model_path"] = str(run.path)
    crafted.run()
    assert crafted.session_state["model_path"] == str(checkpoint.PRETRAINED)


def test_a_second_start_offers_to_replace_the_waiting_run():
    busy = here.line().submit(owners.from_browser("3" * 32),
                              TrainConfig(epochs=50, max_seconds=30, train_subset=4096), "busy")
    try:
        at = start(person("4" * 32), budget=5, name="mine")
        wait_for(at, lambda at: "place 1" in texts(at, "info"))
        start(at, budget=6, name="mine-instead")
        assert "one run at a time each" in texts(at, "error")
        at.button(key="replace").click().run()
        wait_for(at, lambda at: "**mine-instead** is waiting in line: **place 1**"
                 in texts(at, "info"))
        at.button(key="leave").click().run()
        wait_for(at, lambda at: "out of the line" in texts(at, "caption"))
    finally:
        here.line().stop(owners.from_browser("3" * 32), busy.id)


def test_a_signed_in_teacher_sees_and_stops_everyones_runs(monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_ADMINS", "teacher@school.org")
    student = start(person(user={"email": "kim@school.org"}), budget=60, name="kims")
    wait_for(student, lambda at: any(b.key in ("stop", "leave") for b in at.button))
    teacher = open_tab(person(user={"email": "teacher@school.org"}), "Train")
    assert "Signed in as **teacher@school.org** (admin)" in texts(teacher, "caption")
    kim = here.line().latest(owners.from_login({"is_logged_in": True,
                                                "email": "kim@school.org"}))
    assert "**kims** · kim@school.org" in texts(teacher, "markdown")
    [stop] = [b for b in teacher.button if b.key == f"admin_stop_{kim.id}"]
    stop.click().run()
    wait_for(student, lambda at: "was stopped" in texts(at, "success")
             or "out of the line" in texts(at, "caption"), timeout=120)
    other = open_tab(person(user={"email": "lee@school.org"}), "Train")
    assert not [b for b in other.button if b.key.startswith("admin_stop_")]


def test_logged_out_visitors_are_asked_to_log_in():
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": False}
    at.run()
    open_tab(at, "Train")
    assert "Log in (in the sidebar) to train models" in texts(at, "info")
    assert any(b.key == "login" for b in at.button)
    assert not at.get("form_submit_button")


def test_pause_resume_and_continue_from_the_page(small_ckpt):
    """The sidebar's model (the server's) continued as the visitor's own run, paused and
    resumed from the page."""
    import shutil

    run = paths.runs_dir() / "apptest-small.pt"
    shutil.copy(small_ckpt, run)
    who = owners.from_browser("5" * 32)
    try:
        at = person("5" * 32)
        at.selectbox(key="model_path").set_value(str(run)).run()
        open_tab(at, "Train")
        at.session_state["train_tabs"] = "Continue a run"  # its sub-tab: only the open one runs
        at.run()
        assert any("Continue apptest-small" in m.value for m in at.markdown)
        at.number_input(key="continue_epochs").set_value(400)  # 4 steps an epoch: long enough
        at.number_input(key="continue_budget").set_value(60)
        [b for b in at.get("form_submit_button") if "Continue" in b.label][0].click().run()
        assert not at.exception
        wait_for(at, lambda a: any(b.key == "pause" for b in a.button)
                 and here.line().latest(who).state == "running", timeout=300)
        job = here.line().latest(who)
        # its first steps (slow to come on a busy machine: a process loads torch and data)
        wait_for(at, lambda a: here.line().view(who, job.id).last is not None, timeout=300)
        at.button(key="pause").click().run()
        wait_for(at, lambda a: any("Paused" in i.value for i in a.info), timeout=30)
        time.sleep(1.0)
        steps = here.line().view(who, job.id).last.step
        time.sleep(1.0)
        assert here.line().view(who, job.id).last.step == steps  # held
        at.button(key="pause").click().run()  # now "Resume"
        wait_for(at, lambda a: here.line().view(who, job.id).last.step > steps, timeout=30)
        at.button(key="stop").click().run()
        wait_for(at, lambda a: "was stopped" in texts(a, "success"))
        saved = here.line().view(who, job.id).path
        assert Path(saved).stem == "apptest-small-continued"
        _, ckpt = checkpoint.load(saved)
        assert ckpt["metrics"]["continued_from"] == "apptest-small" and ckpt["resume"]["step"]
    finally:
        run.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _quick_line():
    """Every run here trains on a few images (the form keeps its own defaults)."""
    yield
