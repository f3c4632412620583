"""Making a dataset from an uploaded zip in a background thread (explorer/datasets/collection.py
does the work, in worker processes), so that the page stays responsive and shows the progress.
Each import belongs to the person who started it: one at a time each, seen and stopped by
them alone, and the dataset is theirs (kept under their tag: two people's "digits" are two
datasets). Imports take turns (one builds at a time; the others wait, and say so). No
Streamlit here: the Train tab (explorer/ui/train/own_images.py) polls `ImportManager.current`.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from explorer.datasets import collection, registry
from explorer.errors import CollectionError, DataError
from explorer.server.owners import Owner

KEEP = 256  # finished imports remembered (each person's latest), for their result message
_turns = threading.Lock()  # one build at a time per server: each uses every core


class ImportBusy(RuntimeError):
    """This person is making a dataset already; one at a time each."""


@dataclass(frozen=True)
class ImportView:
    state: str  # "waiting" (for another's to finish), "running", "done", "failed", "stopped"
    name: str
    source: str
    phase: str
    done: int
    total: int
    manifest: dict | None
    error: str | None


class ImportJob:
    def __init__(self, upload: Path, label: str, name: str, preprocess: str, polarity: str,
                 root: Path | None = None, owner_tag: str | None = None):
        self.upload, self.label, self.name, self.root = upload, label, name, root
        self.preprocess, self.polarity, self.owner_tag = preprocess, polarity, owner_tag
        self.waiting = True
        self.stop_event = threading.Event()
        self.progress = collection.Progress("reading", 0, 0)
        self.manifest: dict | None = None
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name=f"import-{name}", daemon=True)

    def _run(self) -> None:
        try:
            while not _turns.acquire(timeout=0.2):  # another person's is being made
                if self.stop_event.is_set():
                    raise collection.Stopped
            self.waiting = False
            try:
                self.manifest = collection.build(
                    self.upload, self.name, self.preprocess, self.polarity, root=self.root,
                    progress=self._on_progress, stop=self.stop_event, label=self.label,
                    owner_tag=self.owner_tag)
            finally:
                _turns.release()
        except collection.Stopped:
            self.error = "stopped"
        except (CollectionError, DataError, ValueError) as e:
            self.error = str(e)
        except Exception as e:  # noqa: BLE001 - the page says so instead of a dead thread
            self.error = f"an unexpected error ({type(e).__name__}); nothing was written"
        finally:
            self.upload.unlink(missing_ok=True)

    def _on_progress(self, p: collection.Progress) -> None:
        self.progress = p

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def view(self) -> ImportView:
        p = self.progress
        state = (("waiting" if self.waiting else "running") if self.running
                 else "stopped" if self.error == "stopped" else "failed" if self.error
                 else "done")
        return ImportView(state, self.name, self.label, p.phase, p.done, p.total,
                          self.manifest, self.error)


class ImportManager:
    """Everyone's imports: one at a time each, each seen and stopped by its owner alone."""

    def __init__(self, root: Path | None = None):
        self.root = root
        self.jobs: dict[str, ImportJob] = {}  # owner id: their latest import
        self._lock = threading.Lock()

    def current(self, owner: Owner) -> ImportJob | None:
        with self._lock:
            return self.jobs.get(owner.id)

    def start(self, owner: Owner, data: bytes, label: str, name: str, preprocess: str = "ink",
              polarity: str = "auto") -> ImportJob:
        """Save the upload beside the datasets and make `owner`'s dataset from it in the
        background. ImportBusy while theirs is being made; ValueError for a bad name."""
        name = registry.check_name(name)
        with self._lock:
            mine = self.jobs.get(owner.id)
            if mine is not None and mine.running:
                raise ImportBusy(f"your dataset {mine.name!r} is being made; wait for it "
                                 "to finish (one at a time)")
            folder = registry.custom_root(self.root) / ".uploads"
            folder.mkdir(parents=True, exist_ok=True)
            upload = folder / f"{uuid.uuid4().hex}.zip"
            upload.write_bytes(data)
            job = ImportJob(upload, label, name, preprocess, polarity, self.root, owner.tag)
            self.jobs.pop(owner.id, None)
            self.jobs[owner.id] = job  # the newest last
            for old in [k for k, j in self.jobs.items() if not j.running][:-KEEP]:
                del self.jobs[old]  # a server that runs for a term keeps the recent ones
            job.thread.start()
            return job

    def stop(self, owner: Owner) -> None:
        """Stop `owner`'s own import (nobody else's)."""
        job = self.current(owner)
        if job is not None:
            job.stop_event.set()

    def forget(self, owner: Owner) -> None:
        with self._lock:
            job = self.jobs.get(owner.id)
            if job is not None and not job.running:
                del self.jobs[owner.id]
