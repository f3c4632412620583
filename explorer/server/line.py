"""The training line: everyone's Start joins one fair line (first come, first served, one
run per person at a time), a setting says how many runs train at once, and the runs go
through the engine (Dask) to worker processes or other machines.

Pages call these methods, each with the caller's Owner: a request that names a job the
caller does not own is refused (NotYours) and changes nothing (an admin may see and stop
any). One dispatcher thread per server process does the rest (explorer/server/
dispatcher.py).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from explorer.server import settings
from explorer.server.dispatcher import PAUSE_HOLD_S, Dispatcher
from explorer.server.engine import Engine
from explorer.server.library import Library
from explorer.server.live import JobView, Live, remaining, starts
from explorer.server.owners import NotYours, Owner
from explorer.server.store import Job, Store
from explorer.server.task import train_job
from explorer.vae import runner
from explorer.vae.config import TrainConfig

OVERHEAD_S = 3.0  # first guess of a run's seconds beyond its budget, until one is measured


class Line(Dispatcher):
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
        if owner is None:
            raise NotYours("sign in (or let the page say which browser this is) to train")
        if not cfg.max_seconds:
            raise ValueError("a run from the browser needs a time budget")
        self.library.check_dataset(owner, cfg.dataset)  # first: say nothing of others' names
        budget = float(cfg.max_seconds)
        if continue_from is not None:
            from explorer.vae.resume import load_run

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
        if job is None or owner is None or (job.owner != owner.id
                                            and not (admin_may and owner.admin)):
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
