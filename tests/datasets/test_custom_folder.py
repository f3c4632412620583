"""explorer/datasets/custom_folder.py: a dataset's folder replaced in one step, so that a reader
never finds it missing; folders made before versions still read, and are replaced too."""

import shutil
import sys
import threading

import pytest

from explorer.datasets import collection, custom_folder, reading, registry
from tooling.letters import letters_zip


def writes(text: str):
    return lambda folder: (folder / "manifest.json").write_text(text)


@pytest.fixture
def fast_switching():
    """Threads take turns every microsecond, so that a reader lands between any two steps."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("legacy", [False, True])
def test_a_reader_never_finds_it_missing_while_it_is_replaced(tmp_path, fast_switching, legacy):
    final = tmp_path / "custom" / "letters"
    if legacy:  # a real folder, as datasets were kept before versions
        final.mkdir(parents=True)
        writes("old")(final)
    else:
        custom_folder.replace(final, writes("old"))
    missing, seen, done = [], set(), threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.add((final / "manifest.json").read_text())
            except OSError as e:
                missing.append(e)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for k in range(300):
            custom_folder.replace(final, writes(str(k)))
    finally:
        done.set()
        reader.join()
    assert not missing, f"the folder was missing {len(missing)} times: {missing[0]}"
    assert (final / "manifest.json").read_text() == "299" and len(seen) > 1
    kept = [p.name for p in final.parent.iterdir()]
    assert final.is_symlink() and len(kept) == 3  # the link, the new version, the one before


def test_a_failed_write_changes_nothing_and_remove_leaves_nothing(tmp_path):
    final = tmp_path / "custom" / "letters"
    custom_folder.replace(final, writes("old"))

    def broken(folder):
        writes("half")(folder)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        custom_folder.replace(final, broken)
    assert (final / "manifest.json").read_text() == "old"
    custom_folder.replace(final, writes("new"))
    custom_folder.remove(final)
    assert list(final.parent.iterdir()) == []


def test_a_dataset_made_before_versions_still_loads_and_is_made_again(tmp_path, own_data):
    z = letters_zip(tmp_path / "letters.zip", per_class=8, classes="abcdefg")
    collection.build(z, "letters")
    final = registry.folder("letters")
    version = final.resolve()
    final.unlink()  # as it was kept before: a real folder, no versions
    shutil.copytree(version, final)
    shutil.rmtree(version)
    assert registry.custom_names() == ("letters",) and registry.check("letters")
    assert len(reading.load_split("test", "letters")) == 7
    m = collection.build(z, "letters", seed=1)  # made again: now a link to a version
    assert final.is_symlink() and registry.manifest("letters")["seed"] == m["seed"] == 1
    assert sorted(p.name.split("@")[0] for p in final.parent.iterdir()) == [".letters",
                                                                            "letters"]
