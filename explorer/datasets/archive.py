"""The image files of a picture collection, a .zip or a folder, read without trusting it.

A collection is a list of image files, each with its class: the first folder under the
top (`a/x.png` is an "a"), or none when there are no class folders. A zip made by
compressing one folder (its only top-level entry is that folder) is read from inside it, and
so is a folder holding nothing but one folder. Nothing is extracted to disk: members are read
into memory one at a time, within limits checked first on the archive's directory and then
again while reading (a member that inflates past what it declared stops there).

What is skipped is counted by reason, with the first few names, and never followed or
opened: absolute paths, `..`, drive letters, links, nested archives, files that are not
images by name, files too large for an image, hidden files and folders (`.DS_Store`,
`__MACOSX/`), files outside the class folders. A collection past the limits is refused whole
with CollectionError.

    listing = archive.scan("letters.zip")
    for entry in listing.entries:
        raw = listing.read(entry)       # bytes, or CollectionError for this member
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from explorer.errors import CollectionError
from explorer.preprocess.image_files import MAX_BYTES

MAX_ARCHIVE_BYTES = 200 * 2**20  # what the page accepts as an upload, and the CLI as a zip
MAX_FILES = 100_000  # images in one collection
MAX_TOTAL_BYTES = 2**30  # uncompressed bytes of those images, declared and read
MAX_RATIO = 100  # a member over 1 MB that inflates more than this is a bomb, not a picture
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
ARCHIVE_SUFFIXES = {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst"}
EXAMPLES = 5  # names kept per skip reason

# the reasons a file is skipped, in the words a person reads
UNSAFE = "unsafe path (absolute, '..' or a drive letter)"
LINK = "link"
NESTED = "archive inside the archive"
NOT_IMAGE = "not an image file"
TOO_BIG = f"larger than {MAX_BYTES >> 20} MB"
BOMB = "compressed suspiciously well (a zip bomb?)"
HIDDEN = "hidden or system file"
OUTSIDE = "outside the class folders"
UNREADABLE = "could not be read from the archive"


@dataclass(frozen=True)
class Entry:
    name: str  # the path inside the collection (posix), as the person named it
    label: str | None  # the class folder, or None in a collection without classes
    size: int  # bytes, as declared (zip) or on disk (folder)


@dataclass
class Listing:
    source: Path
    kind: str  # "zip" or "folder"
    entries: list[Entry]
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> first names

    @property
    def labelled(self) -> bool:
        return any(e.label is not None for e in self.entries)

    @property
    def classes(self) -> list[str]:
        return sorted({e.label for e in self.entries if e.label is not None})

    def skip(self, reason: str, name: str) -> None:
        self.skipped[reason] += 1
        names = self.examples.setdefault(reason, [])
        if len(names) < EXAMPLES:
            names.append(name)

    def read(self, entry: Entry, zf: zipfile.ZipFile | None = None) -> bytes:
        """The bytes of one entry (`zf`: an open ZipFile of the source, to read many
        without opening it for each). CollectionError when it cannot be read within the
        limits (each member is read no further than it declared: all of them together, no
        further than the total checked by `scan`)."""
        if self.kind == "folder":
            return _read_file(self.source, entry)
        if zf is not None:
            return _read_member(zf, entry)
        with zipfile.ZipFile(self.source) as own:
            return _read_member(own, entry)

    def opened(self) -> zipfile.ZipFile | None:
        """An open ZipFile of a zip source (close it), None for a folder."""
        return zipfile.ZipFile(self.source) if self.kind == "zip" else None


def scan(source: Path | str) -> Listing:
    """The images of a .zip file or a folder, with their classes; CollectionError for a
    collection that cannot be read or breaks the limits."""
    source = Path(source)
    if source.is_dir():
        return _scan_folder(source)
    if not source.is_file():
        raise CollectionError(f"{source} is neither a .zip file nor a folder")
    return _scan_zip(source)


def _scan_zip(source: Path) -> Listing:
    size = source.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        raise CollectionError(f"the archive is {size / 2**20:.0f} MB; the limit is "
                              f"{MAX_ARCHIVE_BYTES >> 20} MB")
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as e:
        raise CollectionError(f"{source.name} is not a zip archive, or a damaged or "
                              f"truncated one ({e})") from None
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        raise CollectionError(f"the archive declares {declared / 2**30:.1f} GB uncompressed; "
                              f"the limit is {MAX_TOTAL_BYTES >> 30} GB")
    listing = Listing(source, "zip", [])
    found: list[tuple[PurePosixPath, int]] = []
    for info in infos:
        name = info.filename.replace("\\", "/")
        if info.is_dir() or name.endswith("/"):
            continue
        kind = (info.external_attr >> 16) & 0o170000
        if _unsafe(name):
            listing.skip(UNSAFE, name)
        elif kind == stat.S_IFLNK:
            listing.skip(LINK, name)
        elif info.file_size > MAX_BYTES and _is_image(name):
            listing.skip(TOO_BIG, name)
        elif (info.file_size > 2**20 and info.compress_size > 0
              and info.file_size / info.compress_size > MAX_RATIO):
            listing.skip(BOMB, name)
        else:
            found.append((PurePosixPath(name), info.file_size))
    return _classify(listing, found)


def _scan_folder(source: Path) -> Listing:
    listing = Listing(source, "folder", [])
    found: list[tuple[PurePosixPath, int]] = []
    top, total = source.resolve(), 0
    for folder, dirs, files in os.walk(source, followlinks=False):
        here = Path(folder)
        for d in list(dirs):
            if (here / d).is_symlink():
                listing.skip(LINK, str((here / d).relative_to(source)))
                dirs.remove(d)
        dirs.sort()
        for f in sorted(files):
            path = here / f
            rel = PurePosixPath(path.relative_to(source).as_posix())
            if path.is_symlink():
                listing.skip(LINK, str(rel))
                continue
            try:
                st = path.stat()
            except OSError:
                listing.skip(UNREADABLE, str(rel))
                continue
            if not stat.S_ISREG(st.st_mode) or not path.resolve().is_relative_to(top):
                listing.skip(LINK, str(rel))
            elif st.st_size > MAX_BYTES and _is_image(str(rel)):
                listing.skip(TOO_BIG, str(rel))
            else:
                found.append((rel, st.st_size))
            total += st.st_size
            if total > MAX_TOTAL_BYTES:
                raise CollectionError(f"the folder holds more than {MAX_TOTAL_BYTES >> 30} GB; "
                                      "that is the limit")
            if len(found) > MAX_FILES:  # stop walking a huge tree early
                break
    return _classify(listing, found)


def _classify(listing: Listing, found: list[tuple[PurePosixPath, int]]) -> Listing:
    """Drop what is not an image, read from inside a single top folder, label by the first
    folder below it; then the limits on the whole."""
    kept = []  # (path in the collection, path below the top folders, size)
    for path, size in found:
        name = str(path)
        if any(p.startswith(".") or p == "__MACOSX" for p in path.parts):
            listing.skip(HIDDEN, name)
        elif path.suffix.lower() in ARCHIVE_SUFFIXES:
            listing.skip(NESTED, name)
        elif not _is_image(name):
            listing.skip(NOT_IMAGE, name)
        else:
            kept.append((path, path, size))
    while kept and all(len(rel.parts) > 1 for _, rel, _ in kept) \
            and len({rel.parts[0] for _, rel, _ in kept}) == 1:
        kept = [(path, PurePosixPath(*rel.parts[1:]), size) for path, rel, size in kept]
    labelled = any(len(rel.parts) > 1 for _, rel, _ in kept)
    for path, rel, size in kept:
        if labelled and len(rel.parts) == 1:
            listing.skip(OUTSIDE, str(path))
        else:
            listing.entries.append(Entry(str(path), rel.parts[0] if labelled else None, size))
    if len(listing.entries) > MAX_FILES:
        raise CollectionError(f"the collection has more than {MAX_FILES:,} images; the limit "
                              f"is {MAX_FILES:,}")
    total = sum(e.size for e in listing.entries)
    if total > MAX_TOTAL_BYTES:
        raise CollectionError(f"the images declare {total / 2**30:.1f} GB uncompressed; the "
                              f"limit is {MAX_TOTAL_BYTES >> 30} GB")
    return listing


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return (name.startswith("/") or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts
            or "\0" in name)


def _is_image(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES


def _read_member(zf: zipfile.ZipFile, entry: Entry) -> bytes:
    try:
        info = zf.getinfo(entry.name)
    except KeyError:  # the directory spelled the name with backslashes
        info = next((i for i in zf.infolist() if i.filename.replace("\\", "/") == entry.name),
                    None)
        if info is None:
            raise CollectionError(f"{entry.name}: {UNREADABLE}") from None
    try:
        with zf.open(info) as f:
            raw = f.read(min(info.file_size, MAX_BYTES) + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as e:
        raise CollectionError(f"{entry.name}: {UNREADABLE} ({e})") from None
    if len(raw) > min(info.file_size, MAX_BYTES):  # inflates past what it declared
        raise CollectionError(f"{entry.name}: {BOMB}")
    return raw


def _read_file(source: Path, entry: Entry) -> bytes:
    path = source / entry.name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise CollectionError(f"{entry.name}: {UNREADABLE} ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise CollectionError(f"{entry.name}: {TOO_BIG}")
    return raw
