"""Who may see, use, change and share which run and which dataset.

Runs: the server's own are `runs/<name>.pt` (train_cli.py's, and every run saved before
owners existed) and everyone sees them; a person's are `runs/<tag>/<name>.pt` and only they
see them, unless they share one (read-only: others explore it, compare with it, and continue
it as their own copy). The shipped models in pretrained/ are shared. An admin sees every run.

Datasets of your own pictures: the server's are `custom/<name>/`; a person's are
`custom/<name>.<tag>/`, seen and used by them alone unless shared. Built-in ones are for all.

Every check works on the resolved path, so a crafted name (`..`, an absolute path, a link)
names nothing visible and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explorer import paths
from explorer.datasets import custom_folder, registry
from explorer.server.owners import TAG, NotYours, Owner, tag_of
from explorer.server.store import Store


@dataclass(frozen=True)
class RunFile:
    path: Path
    owner_tag: str | None  # None: the server's (or shipped)
    mine: bool
    shared: bool  # by its owner, with everyone (the server's and shipped ones always are)


class Library:
    def __init__(self, store: Store, runs_dir: Path | None = None,
                 data_root: Path | None = None):
        self.store = store
        self.runs_dir = Path(runs_dir or paths.runs_dir())
        self.data_root = data_root

    # --- runs ----------------------------------------------------------------------------

    def folder(self, owner: Owner | str) -> Path:
        """Where an owner's runs are saved."""
        oid = owner if isinstance(owner, str) else owner.id
        return self.runs_dir if oid == "server" else self.runs_dir / tag_of(oid)

    def _key(self, path: Path | str) -> tuple[str | None, str] | None:
        """(owner tag or None, key in the shared table) of a run file, or None for a path
        that is not a run file in the runs folder."""
        try:
            rel = Path(path).resolve().relative_to(self.runs_dir.resolve())
        except (ValueError, OSError):  # outside the runs folder, or not a path (a NUL in it)
            return None
        if rel.suffix != ".pt" or rel.name.startswith("."):
            return None
        if len(rel.parts) == 1:
            return None, rel.as_posix()
        if len(rel.parts) == 2 and TAG.fullmatch(rel.parts[0]):
            return rel.parts[0], rel.as_posix()
        return None

    def run_file(self, owner: Owner, path: Path | str) -> RunFile | None:
        """What `owner` may know of the run at `path` (None: it is not visible to them)."""
        if paths.is_shipped(path):
            return RunFile(Path(path), None, False, True)
        key = self._key(path)
        if key is None or not (self.runs_dir / key[1]).is_file():
            return None
        tag, rel = key
        mine = tag is not None and tag == owner.tag
        shared = tag is None or rel in self.store.shared("run")
        if mine or shared or owner.admin:
            return RunFile(self.runs_dir / rel, tag, mine, shared)
        return None

    def runs(self, owner: Owner) -> list[RunFile]:
        """The runs `owner` sees, newest first: theirs, the server's, the shared ones."""
        shared = self.store.shared("run")
        folders = [self.runs_dir]
        if self.runs_dir.is_dir():
            folders += [p for p in self.runs_dir.iterdir() if p.is_dir() and TAG.fullmatch(p.name)
                        and (p.name == owner.tag or owner.admin
                             or any(k.startswith(p.name + "/") for k in shared))]
        found = []
        for folder in folders:
            tag = None if folder == self.runs_dir else folder.name
            for path in folder.glob("*.pt"):
                if not path.is_file() or path.name.startswith("."):
                    continue
                rel = path.relative_to(self.runs_dir).as_posix()
                mine = tag is not None and tag == owner.tag
                is_shared = tag is None or rel in shared
                if mine or is_shared or owner.admin:
                    found.append(RunFile(path, tag, mine, is_shared))
        return sorted(found, key=lambda r: r.path.stat().st_mtime, reverse=True)

    def visible(self, owner: Owner, path: Path | str) -> Path:
        """The path of a run `owner` may read (explore, compare, continue); NotYours else."""
        run = self.run_file(owner, path)
        if run is None:
            raise NotYours("that run is not yours, and nobody shared it with you")
        return run.path

    def mine(self, owner: Owner, path: Path | str) -> Path:
        """The path of a run of `owner`'s own; NotYours for anything else."""
        run = self.run_file(owner, path)
        if run is None or not run.mine:
            raise NotYours("only the person who made a run can share, unshare or delete it")
        return run.path

    def share(self, owner: Owner, path: Path | str, shared: bool = True) -> None:
        run = self.mine(owner, path)
        self.store.set_shared("run", run.relative_to(self.runs_dir).as_posix(), shared)

    def delete(self, owner: Owner, path: Path | str) -> None:
        run = self.mine(owner, path)
        self.store.set_shared("run", run.relative_to(self.runs_dir).as_posix(), False)
        run.unlink(missing_ok=True)

    # --- datasets ----------------------------------------------------------------------------

    def dataset_id(self, owner: Owner, name: str) -> str:
        """The id under which `owner`'s dataset called `name` is kept."""
        name = registry.check_name(name)
        return name if owner.is_server else f"{name}.{owner.tag}"

    def dataset_owner(self, dataset: str) -> str | None:
        """The tag of a dataset's owner (None: built in, or the server's)."""
        _, _, tag = dataset.partition(".")
        return tag or None

    def can_use(self, owner: Owner, dataset: str) -> bool:
        """Whether `owner` may see a dataset's pictures and train on it."""
        if registry.is_builtin(dataset) or owner.admin:
            return True
        tag = self.dataset_owner(dataset)
        return tag is None or tag == owner.tag or dataset in self.store.shared("dataset")

    def check_dataset(self, owner: Owner, dataset: str) -> str:
        if not self.can_use(owner, dataset):
            raise NotYours(f"the dataset {registry.title(dataset, self.data_root)!r} is not "
                           "yours, and nobody shared it with you")
        return dataset

    def datasets(self, owner: Owner) -> list[str]:
        """Datasets of pictures `owner` may use: theirs first, then the shared ones."""
        ids = [d for d in registry.custom_names(self.data_root) if self.can_use(owner, d)]
        return sorted(ids, key=lambda d: (self.dataset_owner(d) != owner.tag, d))

    def own_dataset(self, owner: Owner, dataset: str) -> str:
        tag = self.dataset_owner(dataset)
        if (tag is None and not owner.is_server) or (tag is not None and tag != owner.tag):
            raise NotYours("only the person who made a dataset can share, unshare or delete it")
        return dataset

    def share_dataset(self, owner: Owner, dataset: str, shared: bool = True) -> None:
        self.store.set_shared("dataset", self.own_dataset(owner, dataset), shared)

    def dataset_shared(self, dataset: str) -> bool:
        return self.dataset_owner(dataset) is None or dataset in self.store.shared("dataset")

    def delete_dataset(self, owner: Owner, dataset: str) -> None:
        self.own_dataset(owner, dataset)
        self.store.set_shared("dataset", dataset, False)
        custom_folder.remove(registry.folder(dataset, self.data_root))
