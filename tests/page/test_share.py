"""The share file (explorer/page/share.py, `python -m explorer.media html`): one HTML file of the
Explore view that works from file:// with no network, on a phone too."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.page import prepared, share
from explorer.vae import checkpoint
from tests.conftest import ROOT, chromium_or_skip
from tooling import browser as tb


@pytest.fixture(scope="module")
def share_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("share") / "mnist.html"
    run = subprocess.run([sys.executable, "-m", "explorer.media", "html",
                          str(checkpoint.PRETRAINED), "-o", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def test_the_shipped_model_fits_in_three_megabytes(share_file):
    text = share_file.read_text()
    assert share_file.stat().st_size <= 3_000_000
    assert "<title>Latent Explorer: mnist</title>" in text
    assert "IWAE (K=1000" in text and "test ELBO -125.2" in text  # its metrics card
    for forbidden in ("http://", "https://", "src=", "href="):  # nothing fetched from anywhere
        assert forbidden not in text.split('id="lx-data"')[0].split("<script")[0], forbidden


def test_a_model_the_page_cannot_run_is_not_shared(small_ckpt, tmp_path, page_cannot_run_it):
    page = prepared.prepare(small_ckpt, tmp_path / "cache")
    with pytest.raises(share.ShareError, match="Tanh"):
        share.html(page)


@pytest.mark.browser
@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_opens_from_file_offline_drags_and_taps(share_file, phone):
    chromium_or_skip()
    with tb.chromium() as browser:
        errors, blocked = [], []
        context, page = tb.new_page(browser, phone=phone, errors=errors, offline=True)
        page.on("requestfailed", lambda r: blocked.append(r.url))
        page.goto(share_file.as_uri())
        tb.wait_drawn(page, timeout=30_000, streamlit=False)
        page.evaluate(tb.SAMPLER)
        (x0, y0) = tb.screen_xy(page, "pad", (-2.5, -2))
        (x1, y1) = tb.screen_xy(page, "pad", (2.5, 2))
        if phone:
            tb.touch_drag(page, (x0, y0), (x1, y1))
        else:
            page.mouse.move(x0, y0)
            page.mouse.down()
            for k in range(80):
                page.mouse.move(x0 + (x1 - x0) * k / 79, y0 + (y1 - y0) * k / 79)
            page.mouse.up()
        seen = tb.stop_sampler(page)
        assert seen >= (10 if phone else 30), seen
        p = tb.point(page, 5)
        page.locator(".lx-scatter").scroll_into_view_if_needed()
        p = tb.point(page, 5)  # where it is now
        if phone:
            page.touchscreen.tap(*p["xy"])
        else:
            page.mouse.click(*p["xy"])
        page.wait_for_function(f"() => ({tb.ROOT_JS}).dataset.selected === '{p['index']}'")
        info = page.locator(".lx-digit-info")
        tb.wait_digit_shown(page, p["index"])
        assert f"Test digit #{p['index']}" in info.inner_text()
        assert f"label {p['label']}" in info.inner_text()
        assert tb.view_state(page)["status"] == ""
        assert not errors, errors
        assert not blocked, blocked  # it asked for nothing
        context.close()


@pytest.mark.browser
def test_a_model_of_other_pictures_says_what_they_are(tmp_path, fashion_mnist):
    chromium_or_skip()
    out = tmp_path / "fashion.html"
    share.write(checkpoint.PRETRAINED.with_name("fashion-mnist.pt"), out)
    assert "squeezes every 28x28 image into" in out.read_text()
    with tb.chromium() as browser:
        errors = []
        context, page = tb.new_page(browser, errors=errors, offline=True)
        page.goto(out.as_uri())
        tb.wait_drawn(page, timeout=30_000, streamlit=False)
        assert page.locator(".lx-scattercol h4").inner_text() == "The encoded test images"
        assert page.locator(".lx-manifold h4").inner_text().startswith("Manifold: decoded images")
        box = page.get_by_role("spinbutton", name="test image #")
        box.fill("7")
        box.press("Enter")
        page.wait_for_function("() => document.querySelector('.lx-digit-info').textContent"
                               ".startsWith('Test image #7, label ')")
        box.fill("10000")
        box.press("Enter")
        page.wait_for_function(f"() => ({tb.ROOT_JS}).querySelector('.lx-status').textContent"
                               ".includes('There are test images #0 to #9999')")
        assert not errors, errors
        context.close()
