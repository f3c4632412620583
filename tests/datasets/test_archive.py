"""explorer/datasets/archive.py: what a picture collection holds, read without trusting it. Every
hostile case gets its reason, and nothing is ever written."""

import io
import os
import stat
import zipfile

import pytest
from PIL import Image

from explorer.datasets import archive
from explorer.errors import CollectionError


def png(shade: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (32, 32), shade).save(buf, format="PNG")
    return buf.getvalue()


def make_zip(path, members: dict, links: dict | None = None, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def files_under(folder) -> set:
    return {os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs}


def test_class_folders_label_the_images_inside_a_zipped_folder(tmp_path):
    z = make_zip(tmp_path / "letters.zip", {
        "letters/a/1.png": png(), "letters/a/2.jpg": png(), "letters/b/1.png": png(),
        "letters/b/deeper/3.png": png(), "letters/readme.txt": b"hi",
        "letters/loose.png": png(), "letters/.DS_Store": b"x",
        "__MACOSX/letters/a/._1.png": b"x"})
    listing = archive.scan(z)
    assert listing.labelled and listing.classes == ["a", "b"]
    assert {(e.name, e.label) for e in listing.entries} == {
        ("letters/a/1.png", "a"), ("letters/a/2.jpg", "a"), ("letters/b/1.png", "b"),
        ("letters/b/deeper/3.png", "b")}
    assert listing.skipped == {archive.NOT_IMAGE: 1, archive.OUTSIDE: 1, archive.HIDDEN: 2}
    assert listing.read(listing.entries[0]) == png()


def test_without_class_folders_the_set_is_unlabelled(tmp_path):
    z = make_zip(tmp_path / "icons.zip", {f"icons/{k}.png": png(k) for k in range(3)})
    listing = archive.scan(z)
    assert not listing.labelled and listing.classes == []
    assert [e.label for e in listing.entries] == [None] * 3


def test_a_folder_is_read_like_a_zip_and_its_links_are_never_followed(tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(png(9))
    top = tmp_path / "shapes"
    for cls in ("round", "square"):
        (top / cls).mkdir(parents=True)
        (top / cls / "1.png").write_bytes(png())
    (top / "round" / "link.png").symlink_to(outside)
    (top / "linked-dir").symlink_to(tmp_path)
    listing = archive.scan(top)
    assert listing.kind == "folder" and listing.classes == ["round", "square"]
    assert len(listing.entries) == 2 and listing.skipped[archive.LINK] == 2
    assert all(listing.read(e) == png() for e in listing.entries)


@pytest.mark.parametrize("name,reason", [
    ("../evil.png", archive.UNSAFE), ("a/../../evil.png", archive.UNSAFE),
    ("/etc/evil.png", archive.UNSAFE), ("C:/evil.png", archive.UNSAFE),
    ("c:\\windows\\evil.png", archive.UNSAFE), ("a/inner.zip", archive.NESTED),
    ("a/inner.tar.gz", archive.NESTED), ("a/notes.pdf", archive.NOT_IMAGE),
])
def test_unsafe_and_unwanted_members_are_skipped_and_named(tmp_path, name, reason):
    z = make_zip(tmp_path / "x.zip", {name: png(), "a/fine.png": png()})
    listing = archive.scan(z)
    assert listing.skipped == {reason: 1}
    assert listing.examples[reason] == [name.replace("\\", "/")]
    assert [e.name for e in listing.entries] == ["a/fine.png"]


def test_links_inside_a_zip_are_skipped(tmp_path):
    z = make_zip(tmp_path / "x.zip", {"a/fine.png": png()}, links={"a/passwd.png": "/etc/passwd"})
    listing = archive.scan(z)
    assert listing.skipped == {archive.LINK: 1} and len(listing.entries) == 1


def test_a_zip_bomb_by_ratio_is_skipped_and_one_by_declared_size_refused(tmp_path):
    bomb = make_zip(tmp_path / "ratio.zip", {"a/zeros.bmp": bytes(20 * 2**20),
                                             "a/fine.png": png()})
    listing = archive.scan(bomb)
    assert listing.skipped == {archive.BOMB: 1} and len(listing.entries) == 1
    # a directory that declares more than the limit is refused before anything is read
    big = tmp_path / "declared.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zf:
        for k in range(60):
            zf.writestr(f"a/{k}.png", png())
    raw = bytearray(big.read_bytes())
    at = 0
    for _ in range(60):  # every member claims 20 MB in the directory: 1.2 GB in all
        at = raw.find(b"PK\x01\x02", at) + 4
        raw[at + 20:at + 24] = (20 * 2**20).to_bytes(4, "little")
    big.write_bytes(bytes(raw))
    with pytest.raises(CollectionError, match="limit"):
        archive.scan(big)


def test_a_member_that_inflates_past_what_it_declared_is_not_read(tmp_path):
    z = tmp_path / "liar.zip"
    make_zip(z, {"a/big.png": png() + bytes(5000), "a/fine.png": png()})
    raw = bytearray(z.read_bytes())
    central = raw.find(b"PK\x01\x02")  # the first member claims 10 bytes in the directory
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    listing = archive.scan(z)
    entry = next(e for e in listing.entries if e.name == "a/big.png")
    with pytest.raises(CollectionError):
        listing.read(entry)


@pytest.mark.parametrize("content,match", [
    (b"", "not a zip"), (os.urandom(4096), "not a zip"), (b"PK\x03\x04" + bytes(100), "not a zip"),
])
def test_what_is_not_a_zip_is_refused(tmp_path, content, match):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(content)
    with pytest.raises(CollectionError, match=match):
        archive.scan(bad)


def test_a_truncated_zip_is_refused(tmp_path):
    z = make_zip(tmp_path / "t.zip", {f"a/{k}.png": png(k) for k in range(20)})
    z.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
    with pytest.raises(CollectionError, match="damaged or truncated"):
        archive.scan(z)


def test_too_many_images_or_too_large_an_archive_is_refused(tmp_path, monkeypatch):
    z = make_zip(tmp_path / "many.zip", {f"a/{k}.png": png() for k in range(12)})
    monkeypatch.setattr(archive, "MAX_FILES", 10)
    with pytest.raises(CollectionError, match="more than 10 images"):
        archive.scan(z)
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 100)
    with pytest.raises(CollectionError, match="limit is 0 MB|the limit"):
        archive.scan(z)


def test_reading_writes_nothing_anywhere(tmp_path):
    z = make_zip(tmp_path / "x.zip", {"../../evil.png": png(), "/tmp/evil.png": png(),
                                      "a/1.png": png(), "a/inner.zip": b"PK"})
    before = files_under(tmp_path)
    listing = archive.scan(z)
    for e in listing.entries:
        listing.read(e)
    assert files_under(tmp_path) == before
