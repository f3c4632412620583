"""Making a dataset from an uploaded zip in a background thread (explorer/collection.py does
the work, in worker processes), one at a time per server, so that the page stays responsive
and shows the progress. No Streamlit here: the Train tab (explorer/ui/own_images.py) polls
`ImportManager.current`.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from explorer import collection, datasets
from explorer.errors import CollectionError, DataError


class ImportBusy(RuntimeError):
    """Another dataset is being made; one at a time."""


@dataclass(frozen=True)
class ImportView:
    state: str  # "running", "done", "failed", "stopped"
    name: str
    source: str
    phase: str
    done: int
    total: int
    manifest: dict | None
    error: str | None


class ImportJob:
    def __init__(self, upload: Path, label: str, name: str, preprocess: str, polarity: str,
                 root: Path | None = None):
        self.upload, self.label, self.name, self.root = upload, label, name, root
        self.preprocess, self.polarity = preprocess, polarity
        self.stop_event = threading.Event()
        self.progress = collection.Progress("reading", 0, 0)
        self.manifest: dict | None = None
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name=f"import-{name}", daemon=True)

    def _run(self) -> None:
        try:
            self.manifest = collection.build(
                self.upload, self.name, self.preprocess, self.polarity, root=self.root,
                progress=self._on_progress, stop=self.stop_event, label=self.label)
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
        state = ("running" if self.running else "stopped" if self.error == "stopped"
                 else "failed" if self.error else "done")
        return ImportView(state, self.name, self.label, p.phase, p.done, p.total,
                          self.manifest, self.error)


class ImportManager:
    """One dataset being made at a time, for every session of the server."""

    def __init__(self, root: Path | None = None):
        self.root = root
        self.current: ImportJob | None = None
        self._lock = threading.Lock()

    def start(self, data: bytes, label: str, name: str, preprocess: str = "ink",
              polarity: str = "auto") -> ImportJob:
        """Save the upload beside the datasets and make the dataset from it in the
        background. ImportBusy while another is being made; ValueError for a bad name."""
        name = datasets.check_name(name)
        with self._lock:
            if self.current is not None and self.current.running:
                raise ImportBusy(f"the dataset {self.current.name!r} is being made; wait "
                                 "for it to finish (one at a time)")
            folder = datasets.custom_root(self.root) / ".uploads"
            folder.mkdir(parents=True, exist_ok=True)
            upload = folder / f"{uuid.uuid4().hex}.zip"
            upload.write_bytes(data)
            self.current = ImportJob(upload, label, name, preprocess, polarity, self.root)
            self.current.thread.start()
            return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop_event.set()
