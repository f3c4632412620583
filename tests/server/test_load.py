"""Many people at once: 8 browser sessions (one Chromium, 8 contexts) move z with the slider
keys and click the scatter while a training run goes on. Nobody sees an error, every input
gets its pixels in the page, and Python hears every one. (The timings under this load are a
benchmark figure: python -m bench.browser load.)"""


import pytest

from tests.conftest import visitors
from tooling.browser import (
    point,
    slider,
    start_training,
    view_state,
    wait_drawn,
    wait_server_z,
    zkey,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SESSIONS = 8


def test_eight_sessions_and_a_training_run(tmp_path):
    with visitors(SESSIONS) as (_, _, pages, errors):
        _, trainer = pages[0]
        start_training(trainer, 200, 600)
        # another person sees nothing of that run, and may Start one of their own
        _, other = pages[1]
        other.get_by_role("tab", name="Train").click()
        start = other.get_by_role("button", name="Start training")
        start.wait_for(timeout=30_000)
        assert start.is_enabled() and other.get_by_text("images/s").count() == 0
        other.get_by_role("tab", name="Explore").click()
        wait_drawn(other)  # the tab is drawn again before anyone moves in it
        for i, (_, page) in enumerate(pages[1:], start=1):
            slider(page, 0).focus()
            for _ in range(i):
                page.keyboard.press("ArrowRight")
            assert view_state(page)["z"] == zkey((0.05 * i, 0))  # in the page, at once
            p = point(page, i)
            page.mouse.click(*p["xy"])
            assert view_state(page)["selected"] == str(p["index"])
        for i, (_, page) in enumerate(pages[1:], start=1):  # ... and Python heard
            p = point(page, i)
            wait_server_z(page, (round(p["z"][0], 2), round(p["z"][1], 2)), p["index"],
                          timeout=60_000)
        for i, (_, page) in enumerate(pages):
            assert page.locator('[data-testid="stException"]').count() == 0, i
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0, i
        assert not errors, errors
        trainer.get_by_role("button", name="Stop").click()
        trainer.wait_for_selector("text=was stopped", timeout=60_000)
        for context, _ in pages:
            context.close()
