"""explorer/ui/own_images.py through AppTest: a zip of letters uploaded on the Train tab is
made into a dataset in the background, shown class by class with its counts, and offered to
a new run; a zip that cannot be used gets its reason."""

from explorer import datasets
from tests.apptest import errors, image_captions, new_app, open_tab, wait_for
from tooling.letters import letters_zip


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
    assert datasets.custom_names() == ("my-letters",)
    text = " ".join(m.value for m in at.markdown)
    assert "**49** training and **7** test pictures, 7 classes" in text
    assert [c for c in image_captions(at) if "pictures" in c] == [f"{ch}: 8 pictures"
                                                                  for ch in "abcdefg"]
    [use] = [b for b in at.button if b.key == "imp_use"]
    use.click().run()
    assert at.session_state["train_tabs"] == "New run"
    assert at.selectbox(key="t_data").value == "my-letters"
    assert "my-letters" in at.selectbox(key="t_data").options[-1]


def test_a_zip_that_cannot_be_used_gets_its_reason(tmp_path, own_data):
    at = upload(your_images(new_app()), "holiday.zip", b"not really a zip")
    _wait_for(at, lambda a: bool(errors(a)))
    [message] = errors(at)
    assert "holiday.zip" in message and "not a zip archive" in message
    assert "Traceback" not in message and datasets.custom_names() == ()
    few = letters_zip(tmp_path / "few.zip", per_class=3, classes="ab")
    upload(at, "few.zip", few.read_bytes())
    _wait_for(at, lambda a: any("at least 50" in e for e in errors(a)))
