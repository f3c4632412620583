"""explorer/ui/train/own_images.py through AppTest: a zip of letters uploaded on the Train tab is
made into a dataset in the background, shown class by class with its counts, and offered to
a new run; it is its maker's alone until shared; a zip that cannot be used gets its
reason."""

from streamlit.testing.v1 import AppTest

from explorer.datasets import registry
from explorer.server import owners
from tests.apptest import APP, errors, image_captions, open_tab, wait_for
from tooling.letters import letters_zip

A, B = "a1" * 16, "b2" * 16


def new_app(token: str = A) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["owner_token"] = token  # as the page's identity element sends it
    at.run()
    assert not at.exception, at.exception
    return at


def _wait_for(at, predicate):
    return wait_for(at, predicate, timeout=90, every=0.5)


def your_images(at):
    open_tab(at, "Train")
    at.session_state["train_tabs"] = "Your images"
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at, name: str, blob: bytes):
    at.file_uploader(key="imp_zip").set_value((name, blob, "application/zip"))
    [make] = [b for b in at.get("form_submit_button") if b.label == "Make the dataset"]
    make.click().run()
    assert not at.exception, at.exception
    return at


def test_a_zip_of_letters_becomes_a_dataset_to_train_on(tmp_path, own_data):
    z = letters_zip(tmp_path / "My Letters.zip", per_class=8, classes="abcdefg")
    at = upload(your_images(new_app()), "My Letters.zip", z.read_bytes())
    _wait_for(at, lambda a: any("is ready" in s.value for s in a.success))
    assert not errors(at)
    mine = f"my-letters.{owners.from_browser(A).tag}"
    assert registry.custom_names() == (mine,)
    text = " ".join(m.value for m in at.markdown)
    assert "**49** training and **7** test pictures, 7 classes" in text
    assert [c for c in image_captions(at) if "pictures" in c] == [f"{ch}: 8 pictures"
                                                                  for ch in "abcdefg"]
    [use] = [b for b in at.button if b.key == "imp_use"]
    use.click().run()
    assert at.session_state["train_tabs"] == "New run"
    assert at.session_state["t_dataset"] == mine
    assert "my-letters (56 pictures)" in at.selectbox(key="t_dataset").options[-1]
    # another person sees nothing of it: not to train on, not its pictures
    other = your_images(new_app(B))
    assert not any("my-letters" in o for o in other.selectbox(key="t_dataset").options)
    assert "my-letters" not in " ".join(m.value for m in other.markdown)
    assert not [c for c in image_captions(other) if "pictures" in c]
    # ... until its owner shares it
    at.session_state["train_tabs"] = "Your images"
    at.run()
    [share] = [b for b in at.button if b.key == "imp_share"]
    share.click().run()
    other.run()
    assert any("my-letters" in o and "shared" in o for o in other.selectbox(key="imp_show").options)


def test_a_zip_that_cannot_be_used_gets_its_reason(tmp_path, own_data):
    at = upload(your_images(new_app()), "holiday.zip", b"not really a zip")
    _wait_for(at, lambda a: bool(errors(a)))
    [message] = errors(at)
    assert "holiday.zip" in message and "not a zip archive" in message
    assert "Traceback" not in message and registry.custom_names() == ()
    few = letters_zip(tmp_path / "few.zip", per_class=3, classes="ab")
    upload(at, "few.zip", few.read_bytes())
    _wait_for(at, lambda a: any("at least 50" in e for e in errors(a)))


def test_an_import_is_seen_and_stopped_by_its_maker_alone(tmp_path, own_data):
    from explorer.server.dataset_imports import ImportManager

    z = letters_zip(tmp_path / "digits.zip", per_class=30, classes="abcdefghij")
    manager = ImportManager()
    a, b = owners.from_browser(A), owners.from_browser(B)
    job = manager.start(a, z.read_bytes(), "digits.zip", "digits")
    assert manager.current(b) is None  # B sees no import of A's ...
    manager.stop(b)  # ... and B's Stop stops nothing of A's
    job.thread.join(120)
    assert job.view().state == "done", job.view().error
    theirs = manager.start(b, z.read_bytes(), "digits.zip", "digits")  # the same name: B's own
    theirs.thread.join(120)
    assert job.manifest["name"] != theirs.manifest["name"]
    assert {registry.display_name(d) for d in registry.custom_names()} == {"digits"}
    assert len(registry.custom_names()) == 2


def test_a_zip_of_too_many_classes_says_so(tmp_path, own_data):
    from tests.datasets.test_collection import many_classes_zip

    z = many_classes_zip(tmp_path / "many.zip", 257)
    at = upload(your_images(new_app()), "many.zip", z.read_bytes())
    _wait_for(at, lambda a: bool(errors(a)))
    [message] = errors(at)
    assert "many.zip" in message and "257 classes" in message and "at most 256" in message
    assert "unexpected" not in message and registry.custom_names() == ()
