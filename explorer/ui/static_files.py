"""Files the page fetches once and keeps: the Explore view's script and each model's data,
published under content-hash names in the app's static/ folder (served at app/static/ when
`server.enableStaticServing` is on, as in .streamlit/config.toml). A new model or a new
script gets a new name, so a browser never shows a stale one.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import streamlit as st
from streamlit.file_util import get_app_static_dir
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from explorer.files import atomic_write

FOLDER = "latent-explorer"  # app/static/latent-explorer/<name>
KEEP = 48  # files kept in the folder (the most recently published)

_lock = threading.Lock()
_done: set[Path] = set()  # published by this process (and so known to be there)


def _static_folder() -> Path | None:
    ctx = get_script_run_ctx()
    if ctx is None or not st.get_option("server.enableStaticServing"):
        return None
    return Path(get_app_static_dir(ctx.main_script_path)) / FOLDER


def url_for(name: str, content: bytes | Path) -> str | None:
    """The page's URL of `content` (bytes, or a file to copy) published as `name`; None
    without static serving, or where the app's folder cannot be written (then the caller
    sends the content inline)."""
    folder = _static_folder()
    if folder is None:
        return None
    path = folder / name
    if path not in _done:
        with _lock:
            try:
                if not path.is_file():
                    atomic_write(path, content if isinstance(content, bytes)
                                 else Path(content).read_bytes())
                    _prune(folder)
                else:
                    os.utime(path)  # recently used: kept by _prune
            except OSError:
                return None
            _done.add(path)
    return f"app/static/{FOLDER}/{name}"


def _prune(folder: Path) -> None:
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:  # deleted meanwhile by another process pruning the same folder
            return 0.0
    for old in sorted(folder.iterdir(), key=mtime, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)
        _done.discard(old)
