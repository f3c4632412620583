"""A dataset's folder under custom/, replaced as a whole, atomically: a reader sees the old
dataset or the new one, never neither and never a mix.

`custom/<name>` is a symbolic link to a hidden version folder beside it
(`custom/.<name>@<id>`), switched by os.replace (one rename(2): atomic). The version it
replaced is kept until the next switch, so a reader that opened it a moment ago can finish;
older ones are removed. A dataset folder made before versions (a real folder at
`custom/<name>`) still loads as it is, and is exchanged for the link atomically where the
system can (Linux's renameat2 RENAME_EXCHANGE), else by two renames; where symbolic links
cannot be made (Windows without the right), folders are swapped by two renames."""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

VERSION = "@"  # .<name>@<id>: a version of <name>; .<name>@<id>.tmp: one being written


def _versions(final: Path) -> list[Path]:
    return [p for p in final.parent.glob(f".{final.name}{VERSION}*")
            if not p.name.endswith(".tmp") and not p.is_symlink() and p.is_dir()]


def _current(final: Path) -> str | None:
    """The version folder's name `final` links to (None: a real folder, or nothing)."""
    return os.readlink(final) if final.is_symlink() else None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the system
    or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _two_renames(final: Path, new: Path) -> None:
    """The fallback: between the two renames a reader finds no folder."""
    old = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.old")
    if final.exists() or final.is_symlink():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def replace(final: Path, write: Callable[[Path], None]) -> None:
    """Make the folder `final` anew: `write(folder)` fills a fresh version folder, which
    then takes `final`'s place in one step. Nothing changes if `write` raises."""
    final.parent.mkdir(parents=True, exist_ok=True)
    stem = f".{final.name}{VERSION}{time.time_ns():x}.{os.getpid()}.{threading.get_ident()}"
    tmp = final.with_name(stem + ".tmp")
    tmp.mkdir()
    try:
        write(tmp)
        version = tmp.rename(final.with_name(stem))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = _current(final)
    link = final.with_name(stem + ".link.tmp")
    try:
        os.symlink(version.name, link, target_is_directory=True)
    except (OSError, NotImplementedError):  # no symbolic links here
        _two_renames(final, version)
        return
    if final.is_symlink() or not final.exists():
        os.replace(link, final)
    elif _exchange(link, final):  # a folder from before versions: now at `link`
        shutil.rmtree(link, ignore_errors=True)
    else:
        _two_renames(final, link)
    for p in _versions(final):
        if p.name not in (version.name, previous):
            shutil.rmtree(p, ignore_errors=True)


def remove(final: Path) -> None:
    """Remove the folder `final` (a link and its versions, or a real folder from before)."""
    if final.is_symlink():
        final.unlink()
    else:
        shutil.rmtree(final, ignore_errors=True)
    for p in _versions(final):
        shutil.rmtree(p, ignore_errors=True)
