"""The errors people see, importable without torch (the app's first page catches them)."""

from __future__ import annotations

from pathlib import Path


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with the file and the reason in the message."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = Path(path), reason


class DataError(RuntimeError):
    """The dataset is missing, incomplete or not the official files."""


class DatasetMissing(DataError):
    """An optional built-in dataset that is not on this machine and could not be fetched:
    the models shown with it wait, and `get_it` is the one command that gets it."""

    def __init__(self, title: str, get_it: str, errors: list[str] | tuple = ()):
        super().__init__(f"{title} is not on this machine: get it with `{get_it}`")
        self.title, self.get_it, self.errors = title, get_it, list(errors)


class ImageError(ValueError):
    """An upload that cannot become a digit; str(error) is written for the person uploading."""


class CollectionError(DataError):
    """A picture collection (a zip or a folder) that cannot become a dataset, or one of its
    files that cannot be read; str(error) says why, for the person who gave it."""


class TooManyClasses(CollectionError):
    """A collection with more classes (subfolders) than a dataset can hold."""
