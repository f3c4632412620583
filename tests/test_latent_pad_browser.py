"""The latent pad in a real browser: Debian's Chromium, driven by Playwright, against
`streamlit run tests/pad_app.py` (a copy in a temporary folder). Checks what only a browser
can: the preview morphs while the pointer moves, and z reaches Python on release, from the
arrow keys and from a paste."""

from __future__ import annotations

import re
import time

import pytest

from explorer.testing import IDLE, chromium
from tests.conftest import chromium_or_skip
from tests.pad_app import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATS = "() => window.__latentPad && window.__latentPad.pad"
# an independent count of what the page shows: hash the preview canvas on every frame
SAMPLER = """() => {
  const host = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
      .find(h => h.shadowRoot && h.shadowRoot.querySelector('.lp-preview'));
  const canvas = host.shadowRoot.querySelector('.lp-preview');
  const s = window.__sampler = {seen: new Set(), frames: 0, on: true};
  const tick = () => {
    if (!s.on) return;
    s.frames++; s.seen.add(canvas.toDataURL());
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


@pytest.fixture(scope="module")
def server():
    chromium_or_skip()
    with serve(static=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


def open_pad(browser, url, requests=None):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if requests is not None:
        page.on("requestfinished", lambda r: requests.append(r))
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_function(f"() => {{ const s = ({STATS})(); return s && s.ready && s.previews; }}",
                           timeout=60_000)
    return context, page, errors


@pytest.fixture
def page(server, browser):
    context, page, errors = open_pad(browser, server.url)
    yield page
    assert not errors, errors
    context.close()


def stats(page) -> dict:
    return page.evaluate("""() => { const s = window.__latentPad.pad;
        return {previews: s.previews, z: s.z, view: s.view, bytes: s.bytes,
                reported: s.reported}; }""")


def plot_point(page, z) -> tuple[float, float]:
    """Page coordinates of latent z on the pad (margins as in latent_pad.js)."""
    box = page.locator(".lp-pad").bounding_box()
    size = box["width"] - 46 - 12
    return (box["x"] + 46 + (z[0] + 4) / 8 * size, box["y"] + 10 + (4 - z[1]) / 8 * size)


def python_z(page) -> str:
    return page.locator('[data-testid="stImage"]:has-text("python z =")').inner_text()


def wait_python_z(page, z, timeout=20_000) -> None:
    text = f"python z = ({z[0]:.2f}, {z[1]:.2f})"
    page.wait_for_selector(f'[data-testid="stImage"]:has-text("{text}")', timeout=timeout)
    page.wait_for_function("""() => { const i = document.querySelector(
        '[data-testid="stImage"] img'); return i && i.complete && i.naturalWidth > 0; }""")


def test_bundle_comes_once_from_static_files(server, browser):
    requests = []
    context, page, errors = open_pad(browser, server.url, requests)
    bins = [r for r in requests if re.search(r"/app/static/latent-pad/\w+\.bin$", r.url)]
    assert len(bins) == 1, [r.url for r in bins]
    modules = [r for r in requests if re.search(r"/app/static/latent-pad/\w+\.js$", r.url)]
    assert len(modules) == 1, [r.url for r in modules]  # the pad's code, once
    size = bins[0].response().body().__len__()
    assert size == stats(page)["bytes"] > 100_000
    assert all(r.url.startswith(server.url) or r.url.startswith(("data:", "blob:"))
               for r in requests), "the page fetched something from elsewhere"
    page.locator('[data-testid="stSlider"] input[type="range"]').first.focus()
    page.keyboard.press("PageUp")  # a rerun sends new data to the pad ...
    page.wait_for_function(f"() => ({STATS})().z[0] > 0.5")
    page.wait_for_timeout(300)
    assert len([r for r in requests if "/latent-pad/" in r.url]) == 2  # ... and no new download
    assert not errors, errors
    context.close()


def test_drag_morphs_the_preview_and_release_reaches_python(page):
    page.evaluate(SAMPLER)
    before = stats(page)["previews"]
    x0, y0 = plot_point(page, (-3.0, -2.5))
    x1, y1 = plot_point(page, (3.0, 2.5))
    page.mouse.move(x0, y0)
    page.mouse.down()
    start, i = time.perf_counter(), 0
    while time.perf_counter() - start < 1.0:  # many small steps for one second
        t = (i % 200) / 200
        page.mouse.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        i += 1
    page.evaluate("() => { window.__sampler.on = false; }")
    drawn = stats(page)["previews"] - before
    seen = page.evaluate("() => window.__sampler.seen.size")
    assert drawn >= 30, f"{drawn} previews drawn in a 1 s drag ({i} pointer moves)"
    assert seen >= 30, f"{seen} distinct preview pictures seen in a 1 s drag"
    page.mouse.up()
    z = stats(page)["reported"]
    assert z is not None and z == stats(page)["z"]
    wait_python_z(page, z)  # the sliders and the Python-side preview moved there


def test_hover_previews_without_telling_python(page):
    before, x, y = stats(page), *plot_point(page, (2.0, -1.0))
    page.mouse.move(x, y, steps=5)
    page.wait_for_function(f"() => Math.abs(({STATS})().view[0] - 2) < 0.1")
    s = stats(page)
    assert s["previews"] > before["previews"] and s["z"] == before["z"]
    page.mouse.move(5, 5)  # leaving the pad returns the preview to z
    page.wait_for_function(f"() => {{ const s = ({STATS})(); return s.view[0] === s.z[0]; }}")
    assert "python z = (0.00, 0.00)" in python_z(page)


def test_arrow_keys_nudge_z(page):
    page.locator(".lp-pad").focus()
    page.keyboard.press("ArrowRight")
    assert stats(page)["z"] == [0.05, 0]
    wait_python_z(page, (0.05, 0))
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert stats(page)["z"] == [0, 0.25]
    wait_python_z(page, (0, 0.25))


def paste(page, text: str) -> None:
    page.locator(".lp-pad").focus()
    page.locator(".lp-pad").evaluate("""(pad, text) => { const dt = new DataTransfer();
        dt.setData('text/plain', text);
        pad.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true,
                                                       cancelable: true})); }""", text)


def test_paste_moves_and_bad_text_says_so(page):
    paste(page, "z = (1.25, -2.5)")
    wait_python_z(page, (1.25, -2.5))
    paste(page, "hello")
    assert "two numbers" in page.locator(".lp-msg").inner_text()
    assert stats(page)["z"] == [1.25, -2.5]
    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
    slider.focus()
    page.keyboard.press("ArrowRight")  # Python moves z away ...
    wait_python_z(page, (1.26, -2.5))
    page.wait_for_function(f"() => ({STATS})().z[0] === 1.26")  # ... the marker follows
    paste(page, "z[0] = 1.25, z[1] = -2.50")  # ... and the same z again still gets there
    wait_python_z(page, (1.25, -2.5))


def test_copy_puts_z_on_the_clipboard(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    paste(page, "0.53 -1.2")
    wait_python_z(page, (0.53, -1.2))
    page.locator(".lp-pad").focus()
    page.keyboard.press("Control+c")
    assert page.evaluate("() => navigator.clipboard.readText()") == "z = (0.53, -1.20)"
    page.evaluate("() => navigator.clipboard.writeText('')")
    page.locator(".lp-copy").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == "z = (0.53, -1.20)"
    assert re.search(r"copied", page.locator(".lp-msg").inner_text())


def test_without_static_serving_the_bundle_comes_inline(browser):
    with serve(static=False) as srv:
        requests = []
        context, page, errors = open_pad(browser, srv.url, requests)
        assert not [r for r in requests if "latent-pad" in r.url]
        assert stats(page)["bytes"] > 100_000
        paste(page, "-1, 1")
        wait_python_z(page, (-1, 1))
        assert not errors, errors
        context.close()
