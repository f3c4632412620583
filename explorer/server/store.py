"""The training line on disk: one SQLite file (the standard library's) in the runs folder,
so that queued and running runs outlive the server process, and two server processes on the
same folders agree on who runs what.

A job is queued, then running (held by one server process under a lease it renews every
few seconds), then done, stopped, failed or left (its owner left the line). A server that
dies leaves its lease to expire; the next one puts the job back in line at its old place,
to go on from its last saved epoch. Every change is one transaction (BEGIN IMMEDIATE), so
"at most one run per person", "the line is full" and "claim the next job" hold with any
number of threads and processes.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

FILE = ".line.sqlite3"
ACTIVE = ("queued", "running")
ENDED = ("done", "stopped", "failed", "left")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,           -- place in line: lower goes first, kept across restarts
  owner TEXT NOT NULL,            -- owners.Owner.id
  name TEXT NOT NULL,             -- the run's file name (stem), in its owner's folder
  config TEXT NOT NULL,           -- TrainConfig as JSON (a continued run's: its totals)
  continue_from TEXT,             -- the saved run it goes on from (its path)
  state TEXT NOT NULL,            -- queued running done stopped failed left
  created REAL NOT NULL,
  started REAL,
  ended REAL,
  budget REAL NOT NULL,           -- seconds of training this leg may take
  trained REAL NOT NULL DEFAULT 0,  -- seconds of it trained so far (at the last report)
  runner TEXT,                    -- the server process that holds it while it runs
  lease REAL,                     -- until when that holds, unless renewed
  resume TEXT,                    -- its last whole epoch, saved: where a restart goes on
  epochs_done INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  control TEXT NOT NULL DEFAULT '',  -- what its owner asked: '', 'pause' or 'stop'
  result TEXT,                    -- the saved run's path
  error TEXT,
  note TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created);
CREATE TABLE IF NOT EXISTS shared (
  kind TEXT NOT NULL,             -- 'run' or 'dataset'
  key TEXT NOT NULL,              -- a run's path in the runs folder, or a dataset's id
  since REAL NOT NULL,
  PRIMARY KEY (kind, key)
);
"""


class LineFull(RuntimeError):
    """The line holds as many runs as it may; Start says so."""


class AlreadyInLine(RuntimeError):
    """This person has a run queued or running already (at most one each)."""

    def __init__(self, job: Job):
        where = ("is training" if job.state == "running" else "is waiting in line")
        super().__init__(f"Your run {job.name!r} {where}: one run at a time each.")
        self.job = job


@dataclass(frozen=True)
class Job:
    id: str
    seq: int
    owner: str
    name: str
    config: dict
    continue_from: str | None
    state: str
    created: float
    started: float | None
    ended: float | None
    budget: float
    trained: float
    runner: str | None
    lease: float | None
    resume: str | None
    epochs_done: int
    attempts: int
    control: str
    result: str | None
    error: str | None
    note: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        values = dict(row)
        values["config"] = json.loads(values["config"])
        return cls(**values)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


COLUMNS = tuple(f.name for f in fields(Job))


class Store:
    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self, write: bool = False):
        """A connection for one transaction (sqlite3 connections are per thread)."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db
            if write:
                db.execute("COMMIT")
        except BaseException:
            if write and db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _one(self, db, where: str, *args) -> Job | None:
        row = db.execute(f"SELECT * FROM jobs WHERE {where}", args).fetchone()
        return Job.from_row(row) if row else None

    def _many(self, db, where: str, *args) -> list[Job]:
        return [Job.from_row(r) for r in db.execute(f"SELECT * FROM jobs WHERE {where}", args)]

    # --- the line ------------------------------------------------------------------------

    def add(self, job_id: str, owner: str, name: str, config: dict, budget: float,
            max_line: int, continue_from: str | None = None, replace: bool = False) -> Job:
        """Queue a run at the back of the line. Raises AlreadyInLine when `owner` has one
        queued or running (with `replace`, a queued one is replaced, keeping its place), and
        LineFull when the line is full."""
        with self._db(write=True) as db:
            mine = self._one(db, "owner = ? AND state IN ('queued', 'running')", owner)
            seq = None
            if mine is not None:
                if not replace or mine.state != "queued":
                    raise AlreadyInLine(mine)
                seq = mine.seq
                db.execute("UPDATE jobs SET state = 'left', ended = ?, note = ? WHERE id = ?",
                           (time.time(), "replaced by a new run", mine.id))
            else:
                waiting = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'")
                if waiting.fetchone()[0] >= max_line:
                    raise LineFull(f"The line is full ({max_line} runs waiting); try again "
                                   "when it has moved.")
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs").fetchone()[0]
            db.execute("INSERT INTO jobs (id, seq, owner, name, config, continue_from, state, "
                       "created, budget) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
                       (job_id, seq, owner, name, json.dumps(config), continue_from,
                        time.time(), float(budget)))
            return self._one(db, "id = ?", job_id)

    def get(self, job_id: str) -> Job | None:
        with self._db() as db:
            return self._one(db, "id = ?", job_id)

    def of_owner(self, owner: str, limit: int = 50) -> list[Job]:
        """Their jobs, newest first."""
        with self._db() as db:
            return self._many(db, "owner = ? ORDER BY created DESC LIMIT ?", owner, limit)

    def active(self) -> list[Job]:
        """Running jobs, then the line in order."""
        with self._db() as db:
            return self._many(db, "state IN ('queued', 'running') "
                                  "ORDER BY state = 'queued', seq")

    def recent(self, limit: int = 200) -> list[Job]:
        with self._db() as db:
            return self._many(db, "1 ORDER BY created DESC LIMIT ?", limit)

    def claim(self, runner: str, lease_s: float, limit: int) -> Job | None:
        """The first queued job, now running under `runner`'s lease, if fewer than `limit`
        run (in every server process on these folders); else None."""
        with self._db(write=True) as db:
            running = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running'")
            if running.fetchone()[0] >= limit:
                return None
            job = self._one(db, "state = 'queued' ORDER BY seq LIMIT 1")
            if job is None:
                return None
            now = time.time()
            db.execute("UPDATE jobs SET state = 'running', runner = ?, lease = ?, "
                       "started = COALESCE(started, ?), attempts = attempts + 1 WHERE id = ?",
                       (runner, now + lease_s, now, job.id))
            return self._one(db, "id = ?", job.id)

    def renew(self, runner: str, lease_s: float) -> None:
        with self._db(write=True) as db:
            db.execute("UPDATE jobs SET lease = ? WHERE runner = ? AND state = 'running'",
                       (time.time() + lease_s, runner))

    def requeue_expired(self, dead=lambda runner: False) -> list[Job]:
        """Jobs whose server died (their lease ran out, or `dead(runner)` knows it is gone):
        back in line at their place."""
        with self._db(write=True) as db:
            lost = [j for j in self._many(db, "state = 'running'")
                    if j.lease < time.time() or dead(j.runner)]
            for job in lost:
                db.execute("UPDATE jobs SET state = 'queued', runner = NULL, lease = NULL, "
                           "note = ? WHERE id = ?",
                           ("the server restarted: going on from the last saved epoch",
                            job.id))
            return lost

    def update(self, job_id: str, runner: str | None = None, **values) -> bool:
        """Set columns of a job (only while `runner` holds it, when given); True if done."""
        bad = set(values) - set(COLUMNS)
        if bad:
            raise ValueError(f"unknown job fields {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in values)
        where, args = "id = ?", [job_id]
        if runner is not None:
            where += " AND runner = ? AND state = 'running'"
            args.append(runner)
        with self._db(write=True) as db:
            cur = db.execute(f"UPDATE jobs SET {sets} WHERE {where}",
                             [*values.values(), *args])
            return cur.rowcount == 1

    def leave(self, job_id: str) -> bool:
        """Take a queued job out of the line; False if it is no longer queued."""
        with self._db(write=True) as db:
            cur = db.execute("UPDATE jobs SET state = 'left', ended = ? "
                             "WHERE id = ? AND state = 'queued'", (time.time(), job_id))
            return cur.rowcount == 1

    def forget(self, job_id: str) -> None:
        with self._db(write=True) as db:
            db.execute("DELETE FROM jobs WHERE id = ? AND state NOT IN ('queued', 'running')",
                       (job_id,))

    # --- what is shared --------------------------------------------------------------------

    def set_shared(self, kind: str, key: str, shared: bool) -> None:
        with self._db(write=True) as db:
            if shared:
                db.execute("INSERT OR IGNORE INTO shared (kind, key, since) VALUES (?, ?, ?)",
                           (kind, key, time.time()))
            else:
                db.execute("DELETE FROM shared WHERE kind = ? AND key = ?", (kind, key))

    def shared(self, kind: str) -> frozenset[str]:
        with self._db() as db:
            return frozenset(r[0] for r in db.execute("SELECT key FROM shared WHERE kind = ?",
                                                       (kind,)))
