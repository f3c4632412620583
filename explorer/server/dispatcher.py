"""The thread that moves the training line, one per server process, every TICK_S: it claims
queued jobs while there is room, launches them on the engine (Dask), streams their progress
in, saves each whole epoch's checkpoint (where a restarted server goes on from), writes each
finished run into its owner's folder, stops a run held paused while others wait, and puts
back in line the jobs of a server that died. What pages ask is explorer/server/line.py's.
"""

from __future__ import annotations

import pickle
import socket
import threading
import time
from pathlib import Path

from explorer.datasets import registry
from explorer.files import atomic_write
from explorer.server.live import Live
from explorer.server.store import Job
from explorer.server.task import channel
from explorer.vae import checkpoint, runner
from explorer.vae.config import TrainConfig
from explorer.vae.history import History
from explorer.vae.train import Finished

TICK_S = 0.25
LEASE_S = 15.0  # a server that has not renewed its leases for this long is taken for dead
RENEW_S = 2.0
PAUSE_HOLD_S = 120.0  # a paused run keeps its place on the machine this long while others wait
RECENT = 16  # finished runs' live views kept in memory (older ones are read from disk)


class Dispatcher:
    """The dispatching half of explorer.server.line.Line (its state is set up there)."""

    def start(self) -> None:
        with self.lock:
            if self._thread is None or not self._thread.is_alive():
                self._closed.clear()
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="latent-explorer-line")
                self._thread.start()

    def close(self) -> None:
        """Stop dispatching (tests); running jobs are left to their leases."""
        self._closed.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        self._engine_ready()  # start (or reach) the workers now, not at the first Start
        while not self._closed.is_set():
            try:
                self.tick()
            except Exception as e:  # noqa: BLE001 - the line must outlive any one failure
                print(f"latent-explorer line: {type(e).__name__}: {e}", flush=True)
            self._wake.wait(TICK_S)
            self._wake.clear()

    def tick(self) -> None:
        if time.monotonic() - self._renewed > RENEW_S:
            self.store.renew(self.id, LEASE_S)
            self.store.requeue_expired(dead=self._gone)
            self._renewed = time.monotonic()
        with self.lock:
            running = list(self.live.items())
        for job_id, (live, future, queue, _) in running:
            self._drain(job_id, live, queue)
            if future.done():
                self._finish(job_id)
        self._hold_limit()
        if len(self.live) < self.capacity and not self._engine_ready():
            return  # waiting runs keep their places until the workers can be reached
        while len(self.live) < self.capacity:
            job = self.store.claim(self.id, LEASE_S, self.capacity)
            if job is None:
                break
            try:
                self._launch(job)
            except Exception as e:  # noqa: BLE001 - this run fails alone, with the reason
                self.store.update(job.id, state="failed", ended=time.time(), runner=None,
                                  lease=None, error=f"it could not be started: {failure(e)}")

    def _engine_ready(self) -> bool:
        try:
            self.engine.client()
            return True
        except Exception as e:  # noqa: BLE001 - said once a minute, tried again each tick
            if time.monotonic() - getattr(self, "_said", -60.0) >= 60:
                print(f"latent-explorer line: cannot reach the workers: {e}", flush=True)
                self._said = time.monotonic()
            return False

    def _gone(self, runner: str | None) -> bool:
        """A runner that was a process of this machine that no longer runs (a server killed
        and started again): its jobs need not wait for their leases."""
        host, _, rest = (runner or "").partition(":")
        pid = rest.partition(":")[0]
        if runner == self.id or host != socket.gethostname() or not pid.isdigit():
            return False
        import psutil  # (Dask's own dependency)

        try:
            return psutil.Process(int(pid)).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False

    def _launch(self, job: Job) -> None:
        names = channel(job.id, job.attempts)
        source = next((p for p in (job.resume, job.continue_from) if p and Path(p).is_file()),
                      None)
        history = None
        if source is not None:
            ckpt = checkpoint.read(source)
            history = History.from_dict(ckpt.get("history"), ckpt.get("metrics"))
        cfg = TrainConfig.from_dict(job.config)
        extra = {"source": "browser"}
        if job.continue_from:
            extra["continued_from"] = Path(job.continue_from).stem
        spec = {"job": job.id, "attempt": job.attempts, "config": job.config, "extra": extra,
                "resume": Path(source).read_bytes() if source else None,
                "dataset": None if self.engine.address is None else self._bundle(cfg.dataset)}
        for flag in ("stop", "pause"):
            self.engine.event(names[flag]).clear()
        if job.control:
            self.engine.event(names[job.control]).set()
        gpu = cfg.device in ("auto", "cuda") and self.engine.address is not None \
            and self.engine.gpu_workers() > 0
        queue = self.engine.queue(names["progress"])
        future = self.engine.submit(self.task, spec, key=f"lx-train-{job.id}-{job.attempts}",
                                    gpu=gpu)
        live = Live(history)
        live.fresh = source is None
        if job.control == "pause":
            live.paused_since = time.time()
        with self.lock:
            self.live[job.id] = (live, future, queue, time.time())

    def _bundle(self, dataset: str) -> dict | None:
        """A dataset of pictures, to travel with a job to a worker elsewhere."""
        if registry.is_builtin(dataset):
            return None
        folder = registry.check(dataset)
        return {"id": dataset, "manifest": registry.manifest(dataset),
                "files": {f: (folder / f).read_bytes() for f in registry.FILES}}

    def _signal(self, job: Job, flag: str, on: bool) -> None:
        if job.state != "running":
            return
        event = self.engine.event(channel(job.id, job.attempts)[flag])
        event.set() if on else event.clear()

    def _drain(self, job_id: str, live: Live, queue) -> None:
        try:
            batches = queue.get(batch=True)
        except Exception:  # noqa: BLE001 - the scheduler is away: try again next tick
            return
        for raw in batches:
            for item in pickle.loads(raw):
                if item[0] == "epoch":
                    path = self.runs_dir / ".line" / f"{job_id}.pt"
                    atomic_write(path, item[2])
                    last = live.last
                    self.store.update(job_id, runner=self.id, resume=str(path),
                                      epochs_done=int(item[1]),
                                      trained=last.elapsed if last else 0.0)
                else:
                    live.add(*item)

    def _finish(self, job_id: str) -> None:
        with self.lock:  # in one step, so that a page always finds its view
            live, future, queue, launched = self.live.pop(job_id)
            self.recent[job_id] = live
            while len(self.recent) > RECENT:
                self.recent.popitem(last=False)
        self._drain(job_id, live, queue)
        job = self.store.get(job_id)
        state, path, error, note = "failed", None, None, None
        try:
            result = future.result()
        except Exception as e:  # noqa: BLE001 - the run failed alone; its owner is told why
            error = failure(e)
        else:
            if result["error"]:
                error = result["error"]
            elif not result["trained"]:
                state, note = "stopped", ("Stopped before the first step: nothing was trained "
                                          "or saved.")
            elif result["checkpoint"] is not None:
                folder = self.library.folder(job.owner)
                path = runner.run_path(folder, job.name)
                checkpoint.write(path, result["checkpoint"])
                state = "stopped" if result["reason"] == "stopped" else "done"
                if live.fresh and live.last is not None and state == "done":
                    # what a run takes beyond its training time, for the next estimates
                    spent = max(0.0, time.time() - launched - live.last.elapsed)
                    self.overhead = 0.7 * self.overhead + 0.3 * spent
        said = {"note": note} if note else {}  # else keep what it said (a restart, a hold)
        self.store.update(job_id, state=state, ended=time.time(), error=error, **said,
                          result=str(path) if path else None, runner=None, lease=None)
        if job is not None and job.resume:
            Path(job.resume).unlink(missing_ok=True)
        try:
            queue.close()
            names = channel(job_id, job.attempts if job else 0)
            for flag in ("stop", "pause"):
                self.engine.event(names[flag]).clear()
        except Exception:  # noqa: BLE001 - the scheduler is away: nothing left to release
            pass

    def _hold_limit(self) -> None:
        """A run paused for PAUSE_HOLD_S while others wait is stopped and saved."""
        with self.lock:
            held = [(job_id, live) for job_id, (live, *_) in self.live.items()
                    if live.paused_since and time.time() - live.paused_since > PAUSE_HOLD_S]
        if not held or not any(j.state == "queued" for j in self.store.active()):
            return
        for job_id, live in held:
            job = self.store.get(job_id)
            self.store.update(job_id, control="stop",
                              note=f"Paused for over {PAUSE_HOLD_S:.0f} s while others were "
                                   "waiting: saved as it was. Continue it any time.")
            self._signal(job, "stop", True)
            self._signal(job, "pause", False)
            live.paused_since = None

    def _from_disk(self, job: Job) -> Live:
        """The view of a run that is not in memory: its saved checkpoint's history."""
        live = Live()
        source = job.result or job.resume
        if source and Path(source).is_file():
            try:
                ckpt = checkpoint.read(source)
            except checkpoint.CheckpointError:
                return live
            metrics = ckpt.get("metrics") or {}
            live = Live(History.from_dict(ckpt.get("history"), metrics))
            if "finished" in metrics:  # how it ended, for the metrics card
                live.history.finished = Finished(metrics["finished"], metrics.get("steps", 0),
                                                 metrics.get("seconds", 0.0))
        return live


def failure(e: BaseException) -> str:
    """Why a run failed, for its owner."""
    kind = type(e).__name__
    if kind == "KilledWorker" or "KilledWorker" in str(e):
        return ("the process training it stopped unexpectedly (it may have run out of memory); "
                "nothing else was affected, and every saved model is unchanged")
    if kind in ("DataError", "ValueError", "CheckpointError", "DatasetMissing"):
        return str(e)
    return f"{kind}: {e}"
