"""Many people at once: 8 browser sessions (one Chromium, 8 contexts) move sliders and click
the scatter while a training run goes on. Nobody sees an error and everybody gets previews.
(The latency under this load is a benchmark figure: python -m bench.browser load.)"""

import os

import pytest

from explorer.testing import (
    chromium,
    open_pages,
    scatter_clicks,
    slider_moves,
    streamlit_server,
    wait_drawn,
)
from tests.conftest import chromium_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SESSIONS = 8


def test_eight_sessions_and_a_training_run(tmp_path):
    chromium_or_skip()
    with streamlit_server(env={"LATENT_EXPLORER_RUNS": os.environ["LATENT_EXPLORER_RUNS"]}) as srv:
        with chromium() as browser:
            pages = open_pages(browser, srv.url, SESSIONS)
            _, trainer = pages[0]
            trainer.get_by_role("tab", name="Train").click()
            trainer.get_by_role("spinbutton", name="epochs").fill("200")
            trainer.get_by_role("spinbutton", name="time budget (s)").fill("600")
            trainer.get_by_role("button", name="Start training").click()
            trainer.wait_for_selector("text=images/s", timeout=60_000)
            # a second session is told that a run is going, rather than queued silently
            _, other = pages[1]
            other.get_by_role("tab", name="Train").click()
            other.wait_for_selector("text=images/s", timeout=20_000)  # it shows the run
            assert other.get_by_role("button", name="Start training").is_disabled()
            other.get_by_role("tab", name="Explore").click()
            wait_drawn(other)  # the tab is drawn again before anyone moves in it
            previews = {i: [] for i in range(SESSIONS)}
            for _round in range(1):
                for i, (_, page) in enumerate(pages[1:], start=1):
                    previews[i] += slider_moves(page, 1) + scatter_clicks(page, 1)
            for i, (_, page) in enumerate(pages):
                assert page.locator('[data-testid="stException"]').count() == 0, i
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0, i
            assert all(len(previews[i]) >= 2 for i in range(1, SESSIONS)), repr(previews)
            trainer.get_by_role("button", name="Stop").click()
            trainer.wait_for_selector("text=was stopped", timeout=60_000)
            for context, _ in pages:
                context.close()
