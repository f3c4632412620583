"""Three people on one server, each in a browser of their own (three Chromium contexts):
none sees, pauses or stops another's run; the second and third Start join the line and show
their place; all three runs finish and are saved as their owners'. Who a browser is
survives a reload and a new tab, and is not carried by a copied URL."""

import re

import pytest

from tests.conftest import visitors
from tooling.browser import (
    new_page,
    start_training,
    wait_drawn,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def button(page, name):
    """A button of the page itself (not Streamlit's own "Stop" while a script runs)."""
    return page.locator('[data-testid="stMain"]').get_by_role("button", name=name)


def train_tab(page):
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)


def test_three_people_train_and_nobody_touches_anyone_elses_run():
    with visitors(3) as (srv, browser, people, errors):
        (ctx_a, a), (_, b), (_, c) = people
        start_training(a, 200, 1200)  # A trains (until stopped) ...
        for page, place in ((b, 1), (c, 2)):  # ... B and C wait, each told their place
            start_training(page, 1, 5, wait=False)
            page.wait_for_selector(f"text=place {place}", timeout=30_000)
            assert page.get_by_role("button", name="Start training").is_enabled()
            assert button(page, "Stop").count() == 0  # not A's
            assert button(page, "Pause").count() == 0
            assert page.get_by_text("images/s").count() == 0  # nothing of A's run
        # A, on a reload and in a new tab, is still A; a copied URL carries nothing
        a.reload()
        wait_drawn(a)
        train_tab(a)
        button(a, "Stop").wait_for(timeout=30_000)
        tab = ctx_a.new_page()
        tab.goto(srv.url)
        wait_drawn(tab)
        train_tab(tab)
        button(tab, "Stop").wait_for(timeout=30_000)
        tab.close()
        stranger_ctx, stranger = new_page(browser, a.url, errors=errors)
        wait_drawn(stranger)
        train_tab(stranger)
        assert button(stranger, "Stop").count() == 0
        stranger_ctx.close()
        button(a, "Stop").click()  # A is done; the line moves on
        for page in (a, b, c):  # every run finishes, and each owner is told
            page.wait_for_selector("text=and was saved", timeout=180_000)
        names = [page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
                 for page in (a, b, c)]
        saved = [re.search(r"model list as (\S+) \(yours\)", n).group(1) for n in names]
        assert len(set(saved)) == 3
        for page, name in zip((a, b, c), saved, strict=True):
            page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').click()
            options = page.get_by_role("option").all_inner_texts()
            page.keyboard.press("Escape")
            assert f"{name} (yours)" in options  # one's own ...
            assert not any(f"{other} (yours)" in options or other in options
                           for other in saved if other != name)  # ... and no one else's
        assert not errors, errors
        for context, _ in people:
            context.close()
