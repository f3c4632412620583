"""The training line: everyone's Start joins one fair line (first come, first served, one
run per person at a time), a setting says how many runs train at once, and the runs go
through the engine (Dask) to worker processes or other machines.

Pages call the methods at the top, each with the caller's Owner: a request that names a job
the caller does not own is refused (NotYours) and changes nothing (an admin may see and
stop any). One dispatcher thread per server process does the rest, every TICK_S: it claims
queued jobs while there is room, streams their progress in, passes Stop and Pause on, saves
each whole epoch's checkpoint (where a restarted server goes on from), writes the finished
run into its owner's folder, and puts back in line the jobs of a server that died.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from explorer import checkpoint, datasets, runner
from explorer.config import TrainConfig
from explorer.files import atomic_write
from explorer.history import History
from explorer.train import Finished

from . import settings
from .engine import Engine
from .library import Library
from .live import JobView, Live, remaining, starts
from .owners import NotYours, Owner
from .store import Job, Store
from .task import channel, train_job

TICK_S = 0.25
LEASE_S = 15.0  # a server that has not renewed its leases for this long is taken for dead
RENEW_S = 2.0
PAUSE_HOLD_S = 120.0  # a paused run keeps its place on the machine this long while others wait
OVERHEAD_S = 3.0  # first guess of a run's seconds beyond its budget, until one is measured
RECENT = 16  # finished runs' live views kept in memory (older ones are read from disk)


class Line:
    def __init__(self, runs_dir: Path, engine: Engine | None = None,
                 runs_at_once: int | None = None, max_line: int | None = None,
                 task=train_job):
        self.runs_dir = Path(runs_dir)
        self.store = Store(self.runs_dir / ".line")
        self.library = Library(self.store, self.runs_dir)
        self.engine = engine or Engine.from_settings()
        self.capacity = runs_at_once or settings.runs_at_once()
        self.max_line = max_line or settings.max_line()
        self.task = task
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.live: dict[str, tuple[Live, object, object, float]] = {}  # id: live, future,
        self.recent: OrderedDict[str, Live] = OrderedDict()  # queue, launched at
        self.overhead = OVERHEAD_S
        self.lock = threading.RLock()
        self._wake, self._closed = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._renewed = 0.0

    # --- what pages ask, each with the caller --------------------------------------------

    def submit(self, owner: Owner, cfg: TrainConfig, name: str = "",
               continue_from: Path | str | None = None, replace: bool = False) -> Job:
        """Put a run in line (AlreadyInLine, LineFull, NotYours, ValueError, CheckpointError).
        `continue_from`: a run `owner` may read, to go on from (cfg: epochs to reach, and
        max_seconds more)."""
        if not cfg.max_seconds:
            raise ValueError("a run from the browser needs a time budget")
        self.library.check_dataset(owner, cfg.dataset)  # first: say nothing of others' names
        budget = float(cfg.max_seconds)
        if continue_from is not None:
            from explorer.resume import load_run

            continue_from = self.library.visible(owner, continue_from)
            cfg = load_run(continue_from, {"epochs": cfg.epochs,
                                           "max_seconds": cfg.max_seconds}).cfg
        cfg = TrainConfig.from_dict({**cfg.to_dict(), "threads": cfg.threads or 1}).validate()
        name = runner.safe_run_name(name or runner.default_name(cfg, continue_from))
        job = self.store.add(uuid.uuid4().hex[:16], owner.id, name, cfg.to_dict(), budget,
                             self.max_line, str(continue_from) if continue_from else None,
                             replace=replace)
        self.start()
        self._wake.set()
        return job

    def job(self, owner: Owner, job_id: str, admin_may: bool = True) -> Job:
        job = self.store.get(job_id) if isinstance(job_id, str) else None
        if job is None or (job.owner != owner.id and not (admin_may and owner.admin)):
            raise NotYours("that run is not yours")
        return job

    def latest(self, owner: Owner) -> Job | None:
        """Their run in line or training, else their last one."""
        jobs = self.store.of_owner(owner.id, limit=20)
        return next((j for j in jobs if j.active), jobs[0] if jobs else None)

    def leave(self, owner: Owner, job_id: str) -> bool:
        """Take their queued run out of the line."""
        self.job(owner, job_id, admin_may=False)
        return self.store.leave(job_id)

    def stop(self, owner: Owner, job_id: str) -> None:
        """Stop a run after its current step and save it as it is (a queued one leaves the
        line). The owner, or an admin."""
        job = self.job(owner, job_id)
        if job.state == "queued":
            self.store.leave(job_id)
        elif job.state == "running":
            self.store.update(job_id, control="stop")
            self._signal(job, "stop", True)
            self._signal(job, "pause", False)

    def pause(self, owner: Owner, job_id: str, paused: bool = True) -> None:
        """Hold a run between two steps (its time budget waits too), or let it go on."""
        job = self.job(owner, job_id, admin_may=False)
        if job.state != "running" or job.control == "stop":
            return
        self.store.update(job_id, control="pause" if paused else "")
        self._signal(job, "pause", paused)
        with self.lock:
            if job_id in self.live:
                self.live[job_id][0].paused_since = time.time() if paused else None
                self.live[job_id][0].version += 1

    def forget(self, owner: Owner, job_id: str) -> None:
        """Drop a finished run from their list (its saved model stays)."""
        self.job(owner, job_id, admin_may=False)
        self.store.forget(job_id)

    def view(self, owner: Owner, job_id: str) -> JobView:
        job = self.job(owner, job_id)
        state = "paused" if job.state == "running" and job.control == "pause" else job.state
        place = starts_in = None
        if job.state == "queued":
            place, starts_in = self.schedule().get(job.id, (None, None))
        with self.lock:
            live = self.live[job_id][0] if job_id in self.live else self.recent.get(job_id)
        if live is None:
            live = self._from_disk(job)
        view = live.view(job, state)
        return JobView(**{**view.__dict__, "place": place, "starts_in": starts_in})

    def schedule(self) -> dict[str, tuple[int, float]]:
        """Each queued job's place in line (1: next) and seconds until it should start."""
        active = self.store.active()
        now = time.time()
        with self.lock:
            lefts = [remaining(j.config, self.live[j.id][0].last if j.id in self.live
                               else None, j.budget, j.started, now)
                     + (PAUSE_HOLD_S if j.control == "pause" else 0.0)
                     for j in active if j.state == "running"]
        waiting = [j for j in active if j.state == "queued"]
        eta = starts(lefts, [j.budget for j in waiting], self.capacity, self.overhead)
        return {j.id: (k + 1, t) for k, (j, t) in enumerate(zip(waiting, eta, strict=True))}

    def everyone(self, owner: Owner) -> list[Job]:
        """Every run in line or training (an admin's view)."""
        if not owner.admin:
            raise NotYours("only an admin sees everyone's runs")
        return self.store.active()

    # --- the dispatcher ------------------------------------------------------------------

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
        try:
            self.engine.client()  # start (or reach) the workers now, not at the first Start
        except Exception as e:  # noqa: BLE001 - said, and tried again at the next claim
            print(f"latent-explorer line: the engine did not start: {e}", flush=True)
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
        while len(self.live) < self.capacity:
            job = self.store.claim(self.id, LEASE_S, self.capacity)
            if job is None:
                break
            self._launch(job)

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
        if datasets.is_builtin(dataset):
            return None
        folder = datasets.check(dataset)
        return {"id": dataset, "manifest": datasets.manifest(dataset),
                "files": {f: (folder / f).read_bytes() for f in datasets.FILES}}

    def _signal(self, job: Job, flag: str, on: bool) -> None:
        if job.state != "running":
            return
        event = self.engine.event(channel(job.id, job.attempts)[flag])
        event.set() if on else event.clear()

    def _drain(self, job_id: str, live: Live, queue) -> None:
        import pickle

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
