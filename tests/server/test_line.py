"""explorer/server/line.py with a real Dask cluster of worker processes (the embedded
default): runs take turns in one fair line, each person sees and controls only their own,
Stop and Pause reach the worker, and a run that crashes fails alone."""

import os
import shutil
import signal
import time

import psutil
import pytest

from explorer.server import owners
from explorer.server.engine import Engine
from explorer.server.line import Line
from explorer.server.owners import NotYours
from explorer.server.store import AlreadyInLine
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from tests import conftest

A = owners.from_browser("a" * 32)
B = owners.from_browser("b" * 32)
C = owners.from_browser("c" * 32)
QUICK = dict(train_subset=2048, test_subset=256, batch_size=64)
ACTIVE = ("queued", "running", "paused")


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    line = Line(tmp_path_factory.mktemp("runs"), Engine(workers=1), runs_at_once=1)
    yield line
    line.close()
    line.engine.close()


def wait(line, who, job_id, until=lambda v: v.state not in ACTIVE, timeout=180):
    """The run's view once `until` holds of it (by default: it has ended)."""
    return conftest.until(lambda: v if until(v := line.view(who, job_id)) else None,
                          timeout, f"run {job_id}", every=0.1)


def long_run(line, who, name):
    """A run with a long budget, once it has taken a few steps."""
    job = line.submit(who, TrainConfig(epochs=1000, max_seconds=120, **QUICK), name)
    wait(line, who, job.id, until=lambda v: v.last is not None and v.last.step > 5)
    return job


def pause_and_resume(line, who, job_id):
    """Paused, the run says so within a second and takes not one step more in the next;
    resumed, it steps on within 10 s."""
    line.pause(who, job_id, True)
    time.sleep(1.0)
    held = line.view(who, job_id)
    assert held.state == "paused"
    time.sleep(1.0)
    assert line.view(who, job_id).last.step == held.last.step  # the pause reached the worker
    line.pause(who, job_id, False)
    wait(line, who, job_id, until=lambda v: v.last.step > held.last.step, timeout=10)


def test_the_scheduler_has_a_process_of_its_own(line):
    # every step's progress passes through the scheduler: in the web process it holds up
    # the pages (bench.classroom); test_restart.py's kill -9 sees it exit with the server
    client = line.engine.client()
    scheduler_pid = client.run_on_scheduler(os.getpid)
    assert scheduler_pid != os.getpid()
    assert psutil.Process(scheduler_pid).ppid() == os.getpid()


def test_runs_take_turns_and_nobody_touches_anyone_elses(line):
    first = line.submit(A, TrainConfig(epochs=1000, max_seconds=4, **QUICK), "a-run")
    wait(line, A, first.id, until=lambda v: v.state == "running")
    second = line.submit(B, TrainConfig(epochs=2, max_seconds=4, **QUICK), "../../b run")
    waiting = line.view(B, second.id)
    assert waiting.state == "queued" and waiting.place == 1 and waiting.starts_in > 0
    for act in (line.view, line.stop, line.leave, line.forget):
        with pytest.raises(NotYours):
            act(A, second.id)  # A can neither see nor stop nor remove B's run
    with pytest.raises(NotYours):
        line.pause(A, second.id, True)
    with pytest.raises(AlreadyInLine):
        line.submit(A, TrainConfig(epochs=1, max_seconds=3, **QUICK))  # one each
    done_a, done_b = wait(line, A, first.id), wait(line, B, second.id)
    assert (done_a.state, done_b.state) == ("done", "done")
    assert done_b.name == "b-run"  # a name cannot leave its owner's folder
    assert [line.library.run_file(B, done_b.path).mine, line.library.run_file(A, done_b.path)] \
        == [True, None]  # B's, and unseen by A
    _, ckpt = checkpoint.load(done_a.path)
    assert ckpt["metrics"]["source"] == "browser" and ckpt["metrics"]["steps"] > 0
    assert done_a.summary["finished"] == "time budget" and done_a.samples.shape == (8, 28, 28)
    assert line.latest(A).id == first.id and line.latest(C) is None


def test_stop_and_pause_reach_the_worker_within_a_second(line):
    job = long_run(line, C, "long")
    pause_and_resume(line, C, job.id)
    asked = time.time()
    line.stop(C, job.id)
    v = wait(line, C, job.id, timeout=30)
    assert v.state == "stopped" and v.summary["finished"] == "stopped"
    assert time.time() - asked < 10  # it stopped at the next step, and saved
    _, ckpt = checkpoint.load(v.path)
    assert ckpt["metrics"]["finished"] == "stopped" and ckpt["resume"]["step"] > 0


def test_a_run_that_crashes_fails_alone(line):
    doomed = line.submit(A, TrainConfig(epochs=1000, max_seconds=120, **QUICK), "doomed")
    after = line.submit(B, TrainConfig(epochs=1, max_seconds=3, **QUICK), "after")
    wait(line, A, doomed.id, until=lambda v: v.last is not None)
    workers = [p for p in psutil.Process().children(recursive=True)
               if "multiprocessing" in " ".join(p.cmdline()) and p.cpu_percent(0.2) > 10]
    assert workers, "no busy worker process found"
    for p in workers:
        os.kill(p.pid, signal.SIGKILL)  # as the kernel's OOM killer would
    v = wait(line, A, doomed.id, timeout=60)
    assert v.state == "failed" and "stopped unexpectedly" in v.error
    assert wait(line, B, after.id, timeout=180).state == "done"  # the line goes on


def test_a_dataset_or_run_of_someone_else_is_refused(line, small_ckpt):
    before = len(line.store.active())
    with pytest.raises(NotYours):
        line.submit(A, TrainConfig(max_seconds=3, dataset=f"digits.{B.tag}", **QUICK))
    theirs = line.library.folder(B) / "b-own.pt"  # a run of B's
    theirs.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(small_ckpt, theirs)
    with pytest.raises(NotYours):
        line.submit(A, TrainConfig(epochs=5, max_seconds=3), continue_from=theirs)
    assert len(line.store.active()) == before  # nothing joined the line
    line.library.share(B, theirs)  # shared: A may continue it, as a copy of A's own
    job = line.submit(A, TrainConfig(epochs=3, max_seconds=3), continue_from=theirs)
    v = wait(line, A, job.id)
    assert v.state == "done", v.error
    assert line.library.run_file(A, v.path).mine
    _, ckpt = checkpoint.load(v.path)
    assert ckpt["metrics"]["continued_from"] == "b-own"


def test_the_training_thread_yields_the_cpu_to_the_pages(line):
    """Worker processes train at a lower priority than the web server's pages."""
    job = line.submit(A, TrainConfig(epochs=1000, max_seconds=60, **QUICK), "nice")
    try:
        wait(line, A, job.id, until=lambda v: v.last is not None)
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())
        workers = [p for p in psutil.Process().children(recursive=True)
                   if "multiprocessing" in " ".join(p.cmdline())]
        nice = {os.getpriority(os.PRIO_PROCESS, t.id) for p in workers for t in p.threads()}
        assert min(19, base + 10) in nice  # the training thread
        assert os.getpriority(os.PRIO_PROCESS, os.getpid()) == base  # the server's own
    finally:
        line.stop(A, job.id)
        wait(line, A, job.id)


# --- failures, with worker threads in this process (so that a test can break the run) ---

@pytest.fixture(scope="module")
def thread_line(tmp_path_factory):
    line = Line(tmp_path_factory.mktemp("runs"), Engine(workers=1, processes=False),
                runs_at_once=1)
    yield line
    line.close()
    line.engine.close()


def _files(line):
    return sorted(p.name for p in line.runs_dir.rglob("*.pt"))


def test_a_diverging_run_fails_clearly_and_saves_nothing(thread_line, monkeypatch):
    from explorer.vae import train as train_mod

    real = train_mod.elbo_terms
    calls = {"n": 0}

    def nan_after_ten(model, x, *args, **kwargs):  # from step 10 on no rollback can help
        calls["n"] += 1
        loss, recon, kl = real(model, x, *args, **kwargs)
        return (loss * float("nan") if calls["n"] > 10 else loss), recon, kl

    monkeypatch.setattr(train_mod, "elbo_terms", nan_after_ten)
    before = _files(thread_line)
    job = thread_line.submit(A, TrainConfig(epochs=50, max_seconds=60, **QUICK), "explode")
    v = wait(thread_line, A, job.id)
    assert v.state == "failed" and "smaller learning rate" in v.error
    assert _files(thread_line) == before


def test_a_run_that_raises_fails_alone_and_the_next_one_trains(thread_line, monkeypatch):
    from explorer.vae import runner

    def broken(*args, **kwargs):
        raise MemoryError("simulated out of memory")

    monkeypatch.setattr(runner, "new_model", broken)
    job = thread_line.submit(B, TrainConfig(max_seconds=10, **QUICK), "oom")
    v = wait(thread_line, B, job.id)
    assert v.state == "failed" and "MemoryError" in v.error
    monkeypatch.undo()
    job = thread_line.submit(B, TrainConfig(epochs=1, max_seconds=30, **QUICK), "after-oom")
    assert wait(thread_line, B, job.id).state == "done"


def test_stop_before_the_first_step_saves_nothing(thread_line, monkeypatch):
    from explorer.vae import runner

    real, started = runner.new_model, []

    def slow_model(cfg, split):
        started.append(True)
        time.sleep(1.0)  # Stop is pressed while the model is being built
        return real(cfg, split)

    monkeypatch.setattr(runner, "new_model", slow_model)
    before = _files(thread_line)
    job = thread_line.submit(C, TrainConfig(max_seconds=30, **QUICK), "early")
    wait(thread_line, C, job.id, until=lambda v: bool(started))
    thread_line.stop(C, job.id)
    v = wait(thread_line, C, job.id)
    assert v.state == "stopped" and "nothing was trained" in v.note
    assert _files(thread_line) == before


def test_a_paused_run_does_not_spend_its_budget(thread_line):
    job = thread_line.submit(A, TrainConfig(epochs=1000, max_seconds=3, **QUICK), "paused")
    wait(thread_line, A, job.id, until=lambda v: v.last is not None and v.last.step > 2)
    thread_line.pause(A, job.id, True)
    time.sleep(2.0)
    thread_line.pause(A, job.id, False)
    v = wait(thread_line, A, job.id)
    assert v.state == "done" and v.summary["finished"] == "time budget"
    assert 3.0 <= v.summary["seconds"] < 4.5  # the paused seconds did not count


def test_a_continued_run_is_a_new_run_and_the_old_one_is_kept(thread_line):
    first = wait(thread_line, B, thread_line.submit(
        B, TrainConfig(epochs=1, max_seconds=60, **QUICK), "first").id)
    before = open(first.path, "rb").read()
    more = wait(thread_line, B, thread_line.submit(B, TrainConfig(epochs=2, max_seconds=60),
                                                   continue_from=first.path).id)
    assert more.state == "done" and more.path != first.path and more.name == "first-continued"
    assert open(first.path, "rb").read() == before
    _, ckpt = checkpoint.load(more.path)
    assert ckpt["history"]["epochs"]["epoch"] == [1.0, 2.0]
    assert ckpt["train_config"]["train_subset"] == QUICK["train_subset"]  # its own settings
    with pytest.raises(ValueError, match="has done its 2 epochs"):
        thread_line.submit(B, TrainConfig(epochs=2, max_seconds=60), continue_from=more.path)
