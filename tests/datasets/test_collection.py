"""explorer/datasets/collection.py and registry.py: a dataset made from a zip or a folder of
pictures, split, stored with its manifest, reused by its hash, made again when the pictures
change, refused with the reason when it cannot be used; then read like any dataset."""

import io
import json
import os
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from explorer.datasets import collection, picture_pool, reading, registry
from explorer.errors import CollectionError, DataError
from explorer.preprocess import whole_picture
from explorer.vae.config import TrainConfig
from tooling.letters import encode, letter, letters_folder, letters_zip


def files_outside(root, data_folder) -> set:
    return {os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
            if not os.path.join(d, f).startswith(str(data_folder))}


def test_a_zip_of_letters_becomes_a_dataset_like_mnist(tmp_path, own_data):
    z = letters_zip(tmp_path / "letters.zip", per_class=8, classes="abcdefg")
    before = files_outside(tmp_path, own_data)
    m = collection.build(z, "letters")
    assert files_outside(tmp_path, own_data) == before  # nothing written outside the data
    assert m["classes"] == list("abcdefg") and m["labelled"] and m["source"] == "letters.zip"
    assert m["counts"]["train"] == 49 and m["counts"]["test"] == 7  # one of 8 per class
    assert m["counts"]["per_class"] == dict.fromkeys("abcdefg", 8) and m["skipped"] == {}
    assert registry.names() == ("mnist", "fashion-mnist", "letters")
    assert registry.classes("letters") == tuple("abcdefg")
    train, test = reading.load_split("train", "letters"), reading.load_split("test", "letters")
    assert train.images.shape == (49, 1, 28, 28) and test.images.shape == (7, 1, 28, 28)
    assert sorted(test.labels.tolist()) == list(range(7))  # stratified
    assert train.images.float().mean() > 5  # ink was found: not blank pictures
    # centred by mass, as MNIST
    img = train.images[0, 0].float()
    cy = float((img.sum(1).numpy() * np.arange(28)).sum() / img.sum().item())
    assert abs(cy - 13.5) < 1.5
    assert TrainConfig(dataset="letters").validate().dataset == "letters"
    manifest = json.loads((own_data / "custom" / "letters" / "manifest.json").read_text())
    assert set(manifest["files"]) == set(registry.FILES)


def test_the_same_pictures_are_reused_and_changed_ones_made_again(tmp_path, own_data,
                                                                  monkeypatch):
    z = letters_zip(tmp_path / "l.zip", per_class=8, classes="abcdefg")
    first = collection.build(z, "mine")
    stamp = (own_data / "custom" / "mine" / "train-images-idx3-ubyte").stat().st_mtime_ns
    again = collection.build(z, "mine")
    assert again["reused"] and again["images_sha256"] == first["images_sha256"]
    assert (own_data / "custom" / "mine" / "train-images-idx3-ubyte").stat().st_mtime_ns == stamp
    other = collection.build(z, "mine", seed=1)  # another split: made again
    assert not other.get("reused")
    monkeypatch.setattr(collection, "PIPELINE", collection.PIPELINE + 1)  # a new pipeline
    assert not collection.build(z, "mine", seed=1).get("reused")
    with zipfile.ZipFile(z, "a") as zf:  # one more picture: new images, made again
        zf.writestr("letters/a/extra.png", encode(letter("a", np.random.default_rng(7)), "PNG"))
    changed = collection.build(z, "mine")
    assert changed["images_sha256"] != first["images_sha256"] and not changed.get("reused")
    assert changed["counts"]["per_class"]["a"] == 9
    assert len(reading.load_split("train", "mine")) + len(reading.load_split("test", "mine")) == 57


def _png(shade=0, size=(40, 40), ink=True) -> bytes:
    img = Image.new("L", size, 255)
    if ink:
        img.paste(shade, (10, 8, 30, 32))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_a_folder_without_classes_is_unlabelled_and_whole_pictures_keep_their_frame(
        tmp_path, own_data):
    top = tmp_path / "icons"
    top.mkdir()
    for k in range(60):
        (top / f"{k}.png").write_bytes(_png(shade=k))
    m = collection.build(top, "icons", preprocess="whole", polarity="dark-on-light")
    assert not m["labelled"] and m["classes"] == [registry.UNLABELLED]
    x = reading.load_split("train", "icons").images[0, 0].numpy()
    # a dark block on light paper, fitted whole: ink (light) where the block was
    assert x[14, 14] > 200 and x[1, 1] < 30 and x[14, 2] < 30


@pytest.mark.parametrize("polarity,centre", [("dark-on-light", "ink"), ("light-on-dark", "paper"),
                                             ("auto", "ink")])
def test_whole_picture_polarity(polarity, centre):
    x = whole_picture.whole_picture(_png(), polarity)
    inside, outside = x[14, 14], x[3, 14]
    assert (inside > outside) == (centre == "ink")


def test_too_few_pictures_or_a_small_class_is_refused_and_nothing_written(tmp_path, own_data):
    z = letters_zip(tmp_path / "few.zip", per_class=4, classes="abcdefghijklm")
    with pytest.raises(CollectionError, match="at least 5 usable images: 'a' has 4"):
        collection.build(z, "few")
    z = letters_zip(tmp_path / "tiny.zip", per_class=5, classes="ab")
    with pytest.raises(CollectionError, match="only 10 usable images; at least 50"):
        collection.build(z, "tiny")
    assert registry.custom_names() == ()
    assert not any((own_data / "custom").glob("*")) or all(
        p.name == ".uploads" for p in (own_data / "custom").iterdir())


def test_undecodable_and_blank_pictures_are_skipped_and_counted(tmp_path, own_data):
    z = letters_zip(tmp_path / "l.zip", per_class=8, classes="abcdefg")
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr("letters/a/broken.png", b"\x89PNG\r\n\x1a\n" + bytes(30))
        zf.writestr("letters/b/blank.png", _png(ink=False))
        zf.writestr("letters/b/notes.txt", b"hello")
    m = collection.build(z, "l")
    assert m["counts"]["per_class"]["a"] == 8 and m["counts"]["found"] == 58
    assert sum(m["skipped"].values()) == 3
    lines = collection.describe_skips(m)
    assert any("broken.png" in line for line in lines) and any("blank.png" in line
                                                                for line in lines)


def test_an_existing_dataset_survives_a_failed_or_stopped_build(tmp_path, own_data):
    good = collection.build(letters_zip(tmp_path / "g.zip", per_class=8, classes="abcdefg"),
                            "keep")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(CollectionError, match="not a zip"):
        collection.build(bad, "keep")
    stop = threading.Event()
    stop.set()
    with pytest.raises(collection.Stopped):
        collection.build(letters_zip(tmp_path / "o.zip", per_class=9, classes="abcdefg"),
                         "keep", stop=stop)
    assert registry.manifest("keep")["images_sha256"] == good["images_sha256"]
    assert len(reading.load_split("train", "keep")) == 49


def test_worker_processes_make_the_same_pictures_as_one_process(tmp_path):
    folder = letters_folder(tmp_path / "l", per_class=30, classes="abcdefghij")
    from explorer.datasets import archive

    listing = archive.scan(folder)
    assert len(listing.entries) == 300 > 2 * picture_pool.CHUNK  # the pool is used
    pooled, made = picture_pool.preprocess_all(listing, workers=2)
    alone, made1 = picture_pool.preprocess_all(archive.scan(folder), workers=1)
    assert made.all() and made1.all() and np.array_equal(pooled, alone)


@pytest.mark.parametrize("name", ["mnist", "Letters", "a b", "../x", "", "x" * 41, "-x"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError):
        registry.check_name(name)


def test_names_are_made_from_file_names():
    assert registry.name_for("My Letters (2).zip") == "my-letters-2"
    assert registry.name_for("/some/where/Glyphs") == "glyphs"
    assert registry.name_for("mnist.zip") == "mnist-images"
    assert registry.name_for("???.zip") == "my-images"


def test_an_unknown_or_damaged_dataset_says_what_to_do(own_data, tmp_path):
    with pytest.raises(DataError, match="no dataset 'nothing'"):
        registry.classes("nothing")
    with pytest.raises(ValueError, match="dataset must be one of"):
        TrainConfig(dataset="nothing").validate()
    collection.build(letters_zip(tmp_path / "l.zip", per_class=8, classes="abcdefg"), "hurt")
    (own_data / "custom" / "hurt" / "t10k-images-idx3-ubyte").write_bytes(b"short")
    with pytest.raises(DataError, match="damaged"):
        reading.load_split("test", "hurt")


def many_classes_zip(path, classes: int):
    """A zip of `classes` class folders of one tiny picture each."""
    buf = io.BytesIO()
    Image.new("L", (4, 4), 255).save(buf, "PNG")
    with zipfile.ZipFile(path, "w") as z:
        for c in range(classes):
            z.writestr(f"c{c:03d}/one.png", buf.getvalue())
    return path


def test_more_classes_than_labels_can_hold_is_refused_clearly(tmp_path, own_data):
    """Labels are one byte: 257 class folders get a TooManyClasses that says so (not numpy's
    OverflowError), before any picture is read, and nothing is written."""
    from explorer.errors import TooManyClasses

    z = many_classes_zip(tmp_path / "many.zip", collection.MAX_CLASSES + 1)
    with pytest.raises(TooManyClasses, match="257 classes.*at most 256"):
        collection.build(z, "many")
    assert registry.custom_names() == () and not (own_data / "custom" / "many").exists()
