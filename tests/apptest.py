"""Driving the app with Streamlit's own test driver (AppTest): helpers shared by the
tests of the tabs."""

import json
import time

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def image_urls(at) -> list[str]:
    return [img.url for el in at.get("image") for img in el.proto.imgs]


def image_captions(at) -> list[str]:
    return [img.caption for el in at.get("image") for img in el.proto.imgs]


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def wait_for(at, predicate, timeout: float = 120, every: float = 1.0) -> AppTest:
    """Rerun `at` every `every` seconds until predicate(at) holds (a background job's result
    reaches the page on a rerun); fails on an exception or after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(every)
        at.run()
        assert not at.exception, at.exception
        if predicate(at):
            return at
    raise AssertionError("timed out")


def open_tab(at, label: str) -> AppTest:
    """Tabs are lazy (only the open one runs): open one as a click would."""
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def component_data(at, name: str) -> dict:
    """What Python sends the page's Components v2 element `latent_explorer.<name>`."""
    [view] = [e for e in at.get("bidi_component") if f"latent_explorer.{name}" in
              e.proto.component_name]
    return json.loads(view.proto.bytes)


def explore_data(at) -> dict:
    """What Python sends the page's Explore view."""
    return component_data(at, "explore")


def downloads(at) -> dict[str, str]:
    """The download buttons on the page: label -> key."""
    return {b.proto.label: b.key for b in at.get("download_button")}
