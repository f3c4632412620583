"""Training jobs of the browser: one at a time, always ending, never losing a model."""

import os
import sys
import threading
import time

import pytest

from explorer import checkpoint
from explorer.config import TrainConfig
from explorer.ui import jobs
from explorer.ui.jobs import JobBusy, JobManager, run_path, safe_run_name

QUICK = dict(train_subset=2048, test_subset=256, batch_size=64, threads=1)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/path", "a\0b", "x" * 500, "",
                                  "..", "....", "con/../..", "~/.bashrc", "run name !"])
def test_run_names_cannot_leave_the_runs_folder(tmp_path, name):
    path = run_path(tmp_path, name)
    assert path.parent == tmp_path.resolve()
    assert path.suffix == ".pt" and 0 < len(path.stem) <= jobs.MAX_NAME
    assert "\0" not in str(path) and ".." not in path.stem.split("-")
    path.write_bytes(b"taken")
    assert run_path(tmp_path, name) != path  # a taken name gets a number, never overwritten


def test_safe_run_name_keeps_ordinary_names():
    assert safe_run_name("beta4-seed1") == "beta4-seed1"
    assert safe_run_name("my run.v2") == "my-run.v2"


def wait(job, timeout=120):
    job.thread.join(timeout)
    assert not job.thread.is_alive(), "the job thread did not end"
    return job.view()


def test_a_job_nobody_watches_ends_at_its_time_budget(tmp_path):
    manager = JobManager(tmp_path)
    t0 = time.perf_counter()
    job = manager.start(TrainConfig(epochs=1000, max_seconds=2, **QUICK), "unwatched")
    v = wait(job, 60)
    assert time.perf_counter() - t0 < 30
    assert v.state == "done" and v.summary["finished"] == "time budget"
    model, ckpt = checkpoint.load(v.path)
    assert ckpt["metrics"]["source"] == "browser"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_training_thread_yields_the_cpu_to_the_pages(tmp_path):
    manager = JobManager(tmp_path)
    job = manager.start(TrainConfig(epochs=1000, max_seconds=3, **QUICK), "nice")
    try:
        deadline = time.perf_counter() + 30
        while job.view().last is None and time.perf_counter() < deadline:
            time.sleep(0.05)
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())
        nice = os.getpriority(os.PRIO_PROCESS, job.thread.native_id)
        assert nice == min(19, base + jobs.TRAIN_NICE)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base  # not ours
    finally:
        manager.stop()
        wait(job, 60)


def test_a_second_start_is_refused_while_one_runs(tmp_path):
    manager = JobManager(tmp_path)
    job = manager.start(TrainConfig(epochs=1000, max_seconds=20, **QUICK), "first")
    try:
        with pytest.raises(JobBusy, match="already going"):
            manager.start(TrainConfig(max_seconds=5, **QUICK), "second")
    finally:
        manager.stop()
        wait(job)
    assert not (tmp_path / "second.pt").exists()


def test_browser_jobs_need_a_time_budget(tmp_path):
    with pytest.raises(ValueError, match="time budget"):
        JobManager(tmp_path).start(TrainConfig(**QUICK))


def test_stop_before_the_first_step_saves_nothing(tmp_path, monkeypatch):
    manager = JobManager(tmp_path)
    started = threading.Event()
    real = jobs.new_model

    def slow_model(cfg, split):
        started.set()
        time.sleep(0.5)  # Stop is pressed while the model is being built
        return real(cfg, split)

    monkeypatch.setattr(jobs, "new_model", slow_model)
    job = manager.start(TrainConfig(max_seconds=30, **QUICK), "early")
    started.wait(10)
    manager.stop()
    v = wait(job)
    assert v.state == "stopped" and "nothing was trained" in v.error
    assert list(tmp_path.iterdir()) == []


def test_stop_during_evaluation_leaves_a_consistent_model(tmp_path, monkeypatch):
    manager = JobManager(tmp_path)
    from explorer import train as train_mod

    real = train_mod.dataset_elbo

    def stop_then_evaluate(*args, **kwargs):
        manager.stop()  # pressed while the test pass runs
        return real(*args, **kwargs)

    monkeypatch.setattr(train_mod, "dataset_elbo", stop_then_evaluate)
    job = manager.start(TrainConfig(epochs=5, max_seconds=60, **QUICK), "during-eval")
    v = wait(job)
    assert v.state == "stopped"
    model, ckpt = checkpoint.load(v.path)
    assert ckpt["metrics"]["steps"] == 2048 // 64  # one whole epoch, then the stop
    assert ckpt["metrics"]["finished"] == "stopped"


def test_stop_during_saving_still_writes_a_whole_file(tmp_path, monkeypatch):
    manager = JobManager(tmp_path)
    real = checkpoint.save

    def stop_while_saving(*args, **kwargs):
        manager.stop()
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs.checkpoint, "save", stop_while_saving)
    job = manager.start(TrainConfig(epochs=1, max_seconds=60, **QUICK), "during-save")
    v = wait(job)
    assert v.state == "stopped"
    checkpoint.load(v.path)  # loads: the file is whole
    assert [p.name for p in tmp_path.iterdir()] == ["during-save.pt"]


def test_a_diverging_run_fails_clearly_and_saves_nothing(tmp_path, monkeypatch):
    manager = JobManager(tmp_path)
    keep = tmp_path / "earlier.pt"
    keep.write_bytes(b"an earlier model")
    real = jobs.new_model

    def exploding(cfg, split):  # from step 10 on every loss is NaN: no rollback can help
        model, calls = real(cfg, split), {"n": 0}
        decode = model.decode

        def nan_after(z):
            calls["n"] += 1
            return decode(z) * (float("nan") if calls["n"] > 10 else 1.0)

        model.decode = nan_after
        return model

    monkeypatch.setattr(jobs, "new_model", exploding)
    job = manager.start(TrainConfig(epochs=50, max_seconds=60, **QUICK), "explode")
    v = wait(job)
    assert v.state == "failed" and "smaller learning rate" in v.error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier.pt"]
    assert keep.read_bytes() == b"an earlier model"


def test_the_manager_recovers_after_a_thread_raises(tmp_path, monkeypatch):
    manager = JobManager(tmp_path)

    def broken(cfg, split):
        raise MemoryError("simulated out of memory")

    monkeypatch.setattr(jobs, "new_model", broken)
    v = wait(manager.start(TrainConfig(max_seconds=10, **QUICK), "oom"))
    assert v.state == "failed" and "MemoryError" in v.error
    monkeypatch.undo()
    v = wait(manager.start(TrainConfig(epochs=1, max_seconds=30, **QUICK), "after"))
    assert v.state == "done"


def test_a_long_running_server_keeps_only_the_last_jobs(tmp_path, monkeypatch):
    def finish_at_once(self, job):
        with job.lock:
            job.state = "done"

    monkeypatch.setattr(JobManager, "_run", finish_at_once)
    manager = JobManager(tmp_path)
    started = []
    for i in range(jobs.KEEP_JOBS + 3):
        started.append(manager.start(TrainConfig(max_seconds=5), f"r{i}"))
        started[-1].thread.join(10)
    assert manager.jobs == started[-jobs.KEEP_JOBS:] and manager.current is started[-1]


def steps_so_far(job) -> int:
    last = job.view().last
    return 0 if last is None else last.step


def test_a_paused_job_waits_without_spending_its_budget_and_resumes(tmp_path):
    manager = JobManager(tmp_path)
    job = manager.start(TrainConfig(epochs=1000, max_seconds=4, **QUICK), "paused")
    deadline = time.perf_counter() + 30
    while steps_so_far(job) < 3 and time.perf_counter() < deadline:
        time.sleep(0.02)
    manager.pause()
    time.sleep(0.3)  # the step under way ends
    held = steps_so_far(job)
    time.sleep(1.0)
    assert job.view().state == "paused" and steps_so_far(job) == held
    manager.pause(False)
    while steps_so_far(job) == held and time.perf_counter() < deadline:
        time.sleep(0.02)
    assert job.view().state == "running"
    v = wait(job, 60)
    assert v.state == "done" and v.summary["finished"] == "time budget"
    assert 3.5 < v.summary["seconds"] < 5  # the paused second did not count


def test_a_saved_run_is_continued_as_a_new_run_and_the_old_one_is_kept(tmp_path):
    manager = JobManager(tmp_path)
    first = wait(manager.start(TrainConfig(epochs=1, max_seconds=60, **QUICK), "first"))
    before = (tmp_path / "first.pt").read_bytes()
    more = wait(manager.start(TrainConfig(epochs=2, max_seconds=60), "more",
                              continue_from=first.path))
    assert more.state == "done" and more.path != first.path
    assert (tmp_path / "first.pt").read_bytes() == before
    _, ckpt = checkpoint.load(more.path)
    assert ckpt["history"]["epochs"]["epoch"] == [1.0, 2.0]
    assert ckpt["train_config"]["train_subset"] == QUICK["train_subset"]  # its own settings
    with pytest.raises(ValueError, match="has done its 2 epochs"):
        manager.start(TrainConfig(epochs=2, max_seconds=60), "again", continue_from=more.path)
