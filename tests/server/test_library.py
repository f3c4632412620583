"""explorer/server/library.py: each person sees their own runs and datasets, the server's
and the shared ones; only the owner shares, unshares or deletes; a crafted path or name
(`..`, absolute, another's folder) names nothing and changes nothing."""

import pytest

from explorer.datasets import collection, reading, registry
from explorer.server import owners
from explorer.server.library import Library
from explorer.server.owners import NotYours
from explorer.server.store import Store
from tooling.letters import letters_zip

A = owners.from_browser("a" * 32)
B = owners.from_browser("b" * 32)
TEACHER = owners.Owner("user:teacher@school.org", "teacher@school.org", admin=True)


@pytest.fixture
def library(tmp_path):
    runs = tmp_path / "runs"
    lib = Library(Store(runs / ".line"), runs)
    for who, name in ((A, "mine"), (B, "theirs")):
        lib.folder(who).mkdir(parents=True)
        (lib.folder(who) / f"{name}.pt").write_bytes(b"weights")
    (runs / "cli-run.pt").write_bytes(b"weights")  # train_cli.py's, or saved before owners
    return lib


def names(lib, who):
    return sorted(r.path.stem for r in lib.runs(who))


def refused(who, target, *acts):
    """Each of `acts` (library methods) refuses `who` on `target` with NotYours."""
    for act in acts:
        with pytest.raises(NotYours):
            act(who, target)


def test_each_sees_their_own_and_the_servers_runs(library):
    assert names(library, A) == ["cli-run", "mine"]
    assert names(library, B) == ["cli-run", "theirs"]
    assert names(library, owners.NOBODY) == ["cli-run"]
    assert names(library, TEACHER) == ["cli-run", "mine", "theirs"]  # an admin sees every run
    [mine] = [r for r in library.runs(A) if r.mine]
    assert not mine.shared and mine.path.parent.name == A.tag


def test_sharing_shows_a_run_to_everyone_read_only(library):
    theirs = library.folder(B) / "theirs.pt"
    refused(A, theirs, library.visible, library.share)  # only its owner shares it
    library.share(B, theirs)
    assert names(library, A) == ["cli-run", "mine", "theirs"]
    assert library.visible(A, theirs) == theirs  # A may explore it and continue it ...
    refused(A, theirs, library.share, library.delete)  # ... but not change it
    assert theirs.is_file()
    library.share(B, theirs, False)
    assert names(library, A) == ["cli-run", "mine"]


def test_only_the_owner_deletes(library):
    mine = library.folder(A) / "mine.pt"
    refused(B, mine, library.delete)
    refused(TEACHER, mine, library.delete)  # an admin stops runs, and deletes none
    refused(A, library.runs_dir / "cli-run.pt", library.delete)  # the server's
    library.delete(A, mine)
    assert not mine.exists()


@pytest.mark.parametrize("crafted", [
    "{runs}/{b}/theirs.pt", "{runs}/{a}/../{b}/theirs.pt", "{runs}/{a}/../../etc/passwd",
    "/etc/passwd", "{runs}/.line/.line.sqlite3", "{runs}/{a}/mine.pt/../../{b}/theirs.pt",
    "{runs}/{b}", "../{b}/theirs.pt", "{runs}/{a}/\0mine.pt"])
def test_a_crafted_path_names_nothing(library, crafted):
    path = crafted.format(runs=library.runs_dir, a=A.tag, b=B.tag)
    assert library.run_file(A, path) is None
    refused(A, path, library.visible, library.share)
    assert (library.folder(B) / "theirs.pt").is_file()


def test_two_people_importing_digits_zip_get_two_datasets(tmp_path, own_data, library):
    z = letters_zip(tmp_path / "digits.zip", per_class=8, classes="abcdefg")
    made = {who.id: collection.build(z, "digits", owner_tag=who.tag)["name"]
            for who in (A, B)}
    a_id, b_id = made[A.id], made[B.id]
    assert a_id != b_id and registry.display_name(a_id) == registry.display_name(b_id) == "digits"
    assert library.datasets(A) == [a_id] and library.datasets(B) == [b_id]
    # neither trains on, nor sees, nor deletes the other's
    refused(A, b_id, library.check_dataset, library.delete_dataset)
    library.share_dataset(B, b_id)
    assert library.datasets(A) == [a_id, b_id] and library.can_use(A, b_id)
    library.delete_dataset(B, b_id)
    assert library.datasets(A) == [a_id]
    assert len(reading.load_split("train", a_id).labels) == 49  # A's is untouched
    with pytest.raises(ValueError):
        registry.folder(f"../{a_id}")
