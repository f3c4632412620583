
import pytest
import torch

from explorer import paths
from explorer.datasets import reading


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
    tv = torchvision.datasets.MNIST(str(paths.data_dir()), train=False, download=False)
    assert torch.equal(tv.data, mnist_test.images[:, 0])
    assert torch.equal(tv.targets, mnist_test.labels)


def test_threshold_binarization(mnist_test):
    x = reading.binarize_threshold(mnist_test.images[:100])
    assert set(x.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(x, (mnist_test.images[:100].float() / 255 > 0.5).float())


def test_dynamic_binarization_is_a_fresh_bernoulli_draw(mnist_test):
    images = mnist_test.images[:500]
    g = torch.Generator().manual_seed(0)
    a, b = reading.binarize_dynamic(images, g), reading.binarize_dynamic(images, g)
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    assert not torch.equal(a, b), "two draws must differ"
    assert abs(a.mean().item() - reading.to_unit(images).mean().item()) < 0.005
    assert torch.equal(reading.fixed_binarization(images, 3), reading.fixed_binarization(images, 3))
    # pixels that are exactly 0 never become ink, pixels at 255 always do
    assert (a[images == 0] == 0).all() and (a[images == 255] == 1).all()


def test_read_idx_rejects_other_files(tmp_path):
    bad = tmp_path / "x"
    bad.write_bytes(b"not an idx file")
    with pytest.raises(reading.DataError):
        reading.read_idx(bad)
