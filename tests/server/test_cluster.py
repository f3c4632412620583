"""Training through a Dask cluster of separate processes, as on several machines: a
scheduler and workers started with `dask scheduler` / `dask worker` (what `make scheduler`
and `make worker` run), sharing no disk with the server. The worker trains on MNIST from its
own data folder and on a dataset of someone's pictures that travels with the job; Stop and
Pause reach it; the checkpoint comes back and the server writes it; a worker started with
`--resources GPU=1` takes the runs."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from explorer import paths
from explorer.datasets import collection
from explorer.server import owners
from explorer.server.engine import Engine
from explorer.server.line import Line
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from tests.conftest import ROOT
from tests.server.test_line import long_run, pause_and_resume, wait
from tooling.browser import free_port
from tooling.letters import letters_zip
from tooling.processes import DASK, dask_scheduler, stop

A = owners.from_browser("d" * 32)


def _health(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the scheduler did not start")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two workers (one announcing a GPU) in processes of their own, each
    worker with a data folder of its own (MNIST in it, as `make worker` provisions it)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [dask_scheduler(port, env)]
    _health(port)
    address = f"tcp://127.0.0.1:{port}"
    for name, extra in (("plain", []), ("gpu-box", ["--resources", "GPU=1"])):
        data = tmp_path_factory.mktemp(f"worker-{name}-data")
        (data / "MNIST").symlink_to((paths.data_dir() / "MNIST").resolve())
        cwd = tmp_path_factory.mktemp(f"worker-{name}")
        procs.append(subprocess.Popen(
            [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1", "--name", name,
             "--no-dashboard", *extra],
            cwd=cwd, env={**env, paths.DATA_ENV: str(data), paths.RUNS_ENV: str(cwd / "runs")},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    engine = Engine(address)
    deadline = time.time() + 60
    while len(engine.client().scheduler_info()["workers"]) < 2 and time.time() < deadline:
        time.sleep(0.2)
    yield engine
    engine.close()
    stop(procs)


@pytest.fixture(scope="module")
def line(cluster, tmp_path_factory):
    line = Line(tmp_path_factory.mktemp("server-runs"), cluster, runs_at_once=2)
    yield line
    line.close()


def test_a_run_trains_on_a_worker_with_stop_and_pause(line):
    job = long_run(line, A, "on-a-worker")
    pause_and_resume(line, A, job.id)
    line.stop(A, job.id)
    v = wait(line, A, job.id, timeout=30)
    assert v.state == "stopped" and v.path is not None
    assert Path(v.path).parent == line.library.folder(A)  # written by the server
    _, ckpt = checkpoint.load(v.path)
    assert ckpt["metrics"]["finished"] == "stopped"
    assert ckpt["metrics"]["worker"] == "gpu-box"  # the GPU worker takes the runs


def test_a_dataset_of_pictures_travels_with_the_job(line, tmp_path, own_data):
    z = letters_zip(tmp_path / "letters.zip", per_class=10, classes="abcdefgh")
    dataset = collection.build(z, "letters", owner_tag=A.tag)["name"]
    job = line.submit(A, TrainConfig(dataset=dataset, epochs=2, max_seconds=30, batch_size=16),
                      "letters-run")
    v = wait(line, A, job.id)
    assert v.state == "done", v.error
    _, ckpt = checkpoint.load(v.path)
    assert ckpt["train_config"]["dataset"] == dataset and ckpt["metrics"]["steps"] > 0
