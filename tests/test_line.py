"""explorer/server/line.py with a real Dask cluster of worker processes (the embedded
default): runs take turns in one fair line, each person sees and controls only their own,
Stop and Pause reach the worker, and a run that crashes fails alone."""

import os
import signal
import time

import psutil
import pytest

from explorer import checkpoint
from explorer.config import TrainConfig
from explorer.server import owners
from explorer.server.engine import Engine
from explorer.server.line import Line
from explorer.server.owners import NotYours
from explorer.server.store import AlreadyInLine

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
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = line.view(who, job_id)
        if until(v):
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out: {line.view(who, job_id)}")


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
    job = line.submit(C, TrainConfig(epochs=1000, max_seconds=120, **QUICK), "long")
    v = wait(line, C, job.id, until=lambda v: v.last is not None and v.last.step > 5)
    line.pause(C, job.id, True)
    time.sleep(1.0)
    held = line.view(C, job.id)
    assert held.state == "paused"
    time.sleep(1.0)
    assert line.view(C, job.id).last.step == held.last.step  # not one step more
    line.pause(C, job.id, False)
    wait(line, C, job.id, until=lambda v: v.last.step > held.last.step, timeout=10)
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


def test_a_dataset_or_run_of_someone_else_is_refused(line, tmp_path):
    before = len(line.store.active())
    with pytest.raises(NotYours):
        line.submit(A, TrainConfig(max_seconds=3, dataset=f"digits.{B.tag}", **QUICK))
    theirs = line.library.folder(B) / "after.pt"
    with pytest.raises(NotYours):
        line.submit(A, TrainConfig(epochs=5, max_seconds=3), continue_from=theirs)
    assert len(line.store.active()) == before  # nothing joined the line
    line.library.share(B, theirs)  # shared: A may continue it, as a copy of A's own
    job = line.submit(A, TrainConfig(epochs=3, max_seconds=3), continue_from=theirs)
    v = wait(line, A, job.id)
    assert v.state == "done", v.error
    assert line.library.run_file(A, v.path).mine
    _, ckpt = checkpoint.load(v.path)
    assert ckpt["metrics"]["continued_from"] == "after"
