"""The engine that runs training jobs: a Dask distributed client, started when first needed.

By default (nothing to set up) a local cluster: a scheduler and worker processes on this
machine, one worker per run at once, one thread each, started as `dask scheduler` and `dask
worker` (fresh interpreters: a process spawned from the web server would run the Streamlit
script again as its main module). The scheduler has a process of its own so that its work
(every step's progress passes through it) never holds up a page. A run that crashes or runs
out of memory kills its worker process (restarted by its nanny), never the web server; if
the web server dies, the scheduler exits (explorer/server/parentwatch.py) and the workers
follow it. With LATENT_EXPLORER_SCHEDULER set
to tcp://HOST:PORT, runs go to that cluster instead, whose workers pull them (`make
scheduler`, `make worker SCHEDULER=...`); a worker started with `--resources GPU=1` takes
the runs that can use a GPU. The web process then does page work only.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask

from explorer import paths
from explorer.server import settings
from explorer.server.parentwatch import PARENT_ENV

# a task whose worker died (out of memory, killed) fails at once with the reason, instead of
# being run again elsewhere, possibly to take another worker with it (`make scheduler` sets
# the same)
dask.config.set({"distributed.scheduler.allowed-failures": 0})
SCHEDULER_ENV = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}


class Engine:
    def __init__(self, address: str | None = None, workers: int = 1, memory: str = "4GiB",
                 processes: bool = True):
        self.address, self.workers, self.memory = address, workers, memory
        self.processes = processes  # False: worker threads in this process (tests only)
        self._client = None
        self._cluster = None
        self._workers: list[subprocess.Popen] = []
        self._scheduler: subprocess.Popen | None = None
        self._warming: list = []  # futures of the workers' warm-up (kept, else cancelled)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> Engine:
        return cls(settings.scheduler(), settings.runs_at_once(), settings.worker_memory())

    @property
    def where(self) -> str:
        """Where runs train, for the page and the logs."""
        if self.address:
            return f"the Dask cluster at {self.address}"
        return f"{self.workers} worker process{'es' * (self.workers != 1)} on this server"

    def client(self):
        """The Dask client, connecting (or starting the local cluster) on first use."""
        with self._lock:
            if self._client is None:
                from distributed import Client, LocalCluster

                if self.address:
                    self._client = Client(self.address, timeout="20s", set_as_default=False)
                    return self._client
                if self.processes:
                    self._client = Client(self._start_scheduler(), timeout="20s",
                                          set_as_default=False)
                    address = self._client.scheduler.address
                    self._workers = [self._start_worker(k, address)
                                     for k in range(self.workers)]
                    self._client.wait_for_workers(self.workers, timeout=120)
                else:
                    self._cluster = LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=False,
                        protocol="tcp", host="127.0.0.1", scheduler_port=0,
                        dashboard_address="127.0.0.1:0",  # loopback, any free port
                        silence_logs=logging.ERROR)
                    self._client = Client(self._cluster, set_as_default=False)
                self._warm()
            return self._client

    def _warm(self) -> None:
        """Have each worker import torch and read MNIST now, so that the first run starts
        as fast as the next (and its estimate holds)."""
        from explorer.server.task import warm

        workers = list(self._client.scheduler_info(n_workers=-1).get("workers", {}))
        self._warming = [self._client.submit(warm, pure=False, workers=[w], key=f"lx-warm-{w}")
                         for w in workers]

    def _command(self, *args: str, log: str) -> subprocess.Popen:
        """`dask <args>` in a fresh interpreter that imports this repository, its output to
        runs/.line/<log>."""
        path = paths.runs_dir() / ".line" / log
        path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **SCHEDULER_ENV, PARENT_ENV: str(os.getpid()),
               "PYTHONPATH": os.pathsep.join(
                   [str(paths.REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        with open(path, "w") as out:
            return subprocess.Popen([str(Path(sys.executable).parent / "dask"), *args],
                                    env=env, stdout=out, stderr=subprocess.STDOUT,
                                    cwd=paths.REPO_ROOT)

    def _start_scheduler(self, timeout: float = 60.0) -> str:
        """Start the scheduler (loopback, any free port) and return its address."""
        file = paths.runs_dir() / ".line" / f"scheduler-{os.getpid()}.json"
        file.unlink(missing_ok=True)
        self._scheduler = self._command(
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
            "--scheduler-file", str(file), "--preload", "explorer.server.parentwatch",
            log="scheduler.log")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._scheduler.poll() is None:
            try:
                return json.loads(file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        self._scheduler.kill()
        raise RuntimeError("the training scheduler did not start (runs/.line/scheduler.log "
                           "says why)")

    def _start_worker(self, k: int, address: str) -> subprocess.Popen:
        return self._command("worker", address, "--nthreads", "1", "--nworkers", "1",
                             "--preload", "explorer.server.task",  # its dask_setup
                             "--memory-limit", self.memory, "--death-timeout", "15",
                             "--no-dashboard", "--name", f"local-{k}", log=f"worker-{k}.log")

    def gpu_workers(self) -> int:
        """Workers that offer a GPU (started with --resources GPU=1)."""
        info = self.client().scheduler_info(n_workers=-1).get("workers", {})
        return sum(1 for w in info.values() if (w.get("resources") or {}).get("GPU", 0) >= 1)

    def submit(self, fn, spec: dict, key: str, gpu: bool = False):
        return self.client().submit(fn, spec, key=key, pure=False, retries=0,
                                    resources={"GPU": 1} if gpu else None)

    def event(self, name: str):
        from distributed import Event

        return Event(name, client=self.client())

    def queue(self, name: str):
        from distributed import Queue

        return Queue(name, client=self.client())

    def close(self) -> None:
        with self._lock:
            procs = [*self._workers, *filter(None, [self._scheduler])]
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client, self._cluster, self._workers = None, None, []
            self._scheduler = None
