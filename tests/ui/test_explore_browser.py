"""The Explore view in a real browser (Debian's Chromium, driven by Playwright) against
`streamlit run app.py`: what only a browser shows. Every input gets its pixels from the
page itself; Python hears the result (the view shows the z each rerun sends it back)."""

from __future__ import annotations

import re

import pytest

from tooling.browser import (
    IDLE,
    ROOT_JS,
    SAMPLER,
    drag_slider,
    new_page,
    painted,
    point,
    screen_xy,
    slider,
    stop_sampler,
    streamlit_server,
    touch_drag,
    view_state,
    wait_digit_shown,
    wait_drawn,
    wait_server_z,
    zkey,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # fixtures: tests/conftest.py

def test_the_page_is_drawn_by_the_page(page, server):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() == 0  # no Plotly on the first page
    assert painted(page, ".lx-preview")
    files = [u for u in page.requests if "/app/static/latent-explorer/" in u]
    assert sorted(u.rsplit(".", 1)[1] for u in files) == ["bin", "bin", "js"]  # once each
    assert all(u.startswith((server.url, "data:", "blob:")) for u in page.requests)
    slider(page, 0).focus()
    page.keyboard.press("PageUp")  # a rerun sends the view new data ...
    wait_server_z(page, (0.5, 0))
    assert len([u for u in page.requests if "/latent-explorer/" in u]) == 3  # ... no download


@pytest.mark.parametrize("i", [0, 1])
def test_dragging_a_slider_morphs_the_digit_and_python_hears_the_release(page, i):
    page.evaluate(SAMPLER)
    drag = drag_slider(page, i, 1.0)
    seen = stop_sampler(page)
    # the digit morphs with the thumb: (nearly) every move of the drag paints a new preview,
    # however fast this machine moves it (the rate itself is bench.browser's to measure)
    moves = drag["moves_per_s"] * 1.0
    assert seen >= max(10, 0.6 * moves), f"{seen} distinct previews in a 1 s drag of z[{i}] " \
                                         f"({drag})"
    z = [float(v) for v in view_state(page)["z"].split(",")]
    assert z[1 - i] == 0 and z[i] != 0
    wait_server_z(page, z)
    assert float(slider(page, i).input_value()) == pytest.approx(z[i])


def test_slider_keys_and_an_exact_value(page):
    s = slider(page, 0)
    s.focus()
    for key, want in (("ArrowRight", 0.05), ("Shift+ArrowRight", 0.3), ("PageUp", 0.8),
                      ("End", 4.0), ("ArrowLeft", 3.95), ("Home", -4.0), ("PageDown", -4.0)):
        page.keyboard.press(key)
        assert view_state(page)["z"] == zkey((want, 0)), key
    wait_server_z(page, (-4, 0))
    exact = page.get_by_role("spinbutton", name="z[1], exact value")
    exact.fill("1.234")
    exact.press("Enter")
    wait_server_z(page, (-4, 1.23))
    assert float(slider(page, 1).input_value()) == pytest.approx(1.23)
    exact.fill("12")
    exact.press("Enter")  # beyond the model's ±4: the view extends to it, and says so
    wait_server_z(page, (-4, 12))
    assert "extends to ±15" in view_state(page)["status"]
    assert float(slider(page, 1).input_value()) == 12
    assert slider(page, 1).get_attribute("max") == "15"
    assert page.evaluate("() => window.__lxStats.explore.view.pad.plane.box") == [-15, 15, -15, 15]
    exact.fill("1e6")
    exact.press("Enter")  # too far for this model's plane: refused, with the reason
    assert "too far out" in view_state(page)["status"] and "±400" in view_state(page)["status"]
    assert view_state(page)["z"] == zkey((-4, 12)) and exact.input_value() == "12.00"


def test_a_pad_drag_morphs_the_digit_and_release_reaches_python(page):
    page.evaluate(SAMPLER)
    (x0, y0), (x1, y1) = screen_xy(page, "pad", (-3, -2.5)), screen_xy(page, "pad", (3, 2.5))
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(120):
        t = (k % 60) / 60
        page.mouse.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
    seen = stop_sampler(page)
    page.mouse.up()
    assert seen >= 30, f"{seen} distinct previews during a pad drag"
    z = [float(v) for v in view_state(page)["z"].split(",")]
    wait_server_z(page, z)


def test_hovering_the_pad_previews_without_telling_python(page):
    x, y = screen_xy(page, "pad", (2, -1))
    page.mouse.move(x, y, steps=5)
    page.wait_for_function(f"() => ({ROOT_JS}).querySelector('.lx-cap').textContent"
                           ".includes('(pointer)')")
    assert view_state(page)["z"] == "0,0"
    page.mouse.move(5, 5)
    page.wait_for_function(f"() => !({ROOT_JS}).querySelector('.lx-cap').textContent"
                           ".includes('(pointer)')")


def test_clicking_a_point_shows_the_digit_its_reconstruction_and_label(page):
    p = point(page, 3)
    page.mouse.click(*p["xy"])
    state = view_state(page)
    assert state["selected"] == str(p["index"])
    info = page.locator(".lx-digit-info").inner_text()
    assert f"Test digit #{p['index']}" in info and f"label {p['label']}" in info
    wait_digit_shown(page, p["index"])
    assert painted(page, ".lx-orig") and painted(page, ".lx-recon")
    z = (round(p["z"][0], 2), round(p["z"][1], 2))
    assert state["z"] == zkey(z)  # the preview moved to the digit
    wait_server_z(page, z, p["index"])
    # Python has both: the other tabs see them, and so does the view when it comes back
    page.get_by_role("tab", name="Interpolate").click()
    page.get_by_role("tab", name="Explore").click()
    wait_drawn(page)
    state = view_state(page)
    assert state["selected"] == str(p["index"]) and state["z"] == zkey(z)


def test_typing_a_digit_number_selects_it(page):
    box = page.get_by_role("spinbutton", name="test digit #")
    box.fill("42")
    box.press("Enter")
    wait_server_z(page, [float(v) for v in view_state(page)["z"].split(",")], 42)
    assert "Test digit #42" in page.locator(".lx-digit-info").inner_text()
    box.fill("10000")
    box.press("Enter")
    assert "#0 to #9999" in view_state(page)["status"]


def test_after_a_manifold_or_pad_move_the_digit_panel_says_what_the_preview_shows(page):
    p = point(page, 5)
    page.mouse.click(*p["xy"])
    wait_digit_shown(page, p["index"])
    now = page.locator(".lx-digit-now")
    assert now.inner_text() == ""  # the preview shows the clicked digit: nothing to add
    grid = page.locator(".lx-grid")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["width"] / 2)

    def says(words: str) -> str:
        page.wait_for_function(f"""(w) => ({ROOT_JS}).querySelector('.lx-digit-now')
            .textContent.includes(w)""", arg=words)
        return now.inner_text()

    text = says("on the manifold")
    z = [float(v) for v in view_state(page)["z"].split(",")]
    assert f"z = ({z[0]:.2f}, {z[1]:.2f})" in text and "clicked before" in text
    page.locator(".lx-pad").scroll_into_view_if_needed()
    page.mouse.click(*screen_xy(page, "pad", (1, -2)))
    assert "(1." in says("on the pad")
    page.mouse.click(*point(page, 5)["xy"])  # back on the digit: the note goes
    page.wait_for_function(f"() => ({ROOT_JS}).querySelector('.lx-digit-now').textContent"
                           " === ''")


def test_clicking_a_manifold_cell_moves_there(page):
    grid = page.locator(".lx-grid")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    cell = box["width"] / 15  # 15 cells a side, linear from -3 to 3: column 3, row 2
    page.mouse.click(box["x"] + 3.5 * cell, box["y"] + 2.5 * cell)
    z = (round(-3 + 6 * 3 / 14, 2), round(-3 + 6 * 12 / 14, 2))
    assert view_state(page)["z"] == zkey(z)
    wait_server_z(page, z)


def test_the_manifold_settings_redraw_it(page):
    page.locator(".lx-grid").scroll_into_view_if_needed()
    before = page.evaluate(f"() => ({ROOT_JS}).querySelector('.lx-grid canvas').toDataURL()")
    page.get_by_role("radio", name="normal").check()
    page.get_by_label("cells per side").fill("25")
    wait_drawn(page)
    after = page.evaluate(f"() => ({ROOT_JS}).querySelector('.lx-grid canvas').toDataURL()")
    assert after != before


def paste(page, text: str) -> None:
    page.locator(".lx-pad").focus()
    page.locator(".lx-pad").evaluate("""(pad, text) => { const dt = new DataTransfer();
        dt.setData('text/plain', text);
        pad.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true,
                                                       cancelable: true})); }""", text)


def test_paste_and_copy_z(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    paste(page, "z = (1.25, -2.5)")
    wait_server_z(page, (1.25, -2.5))
    paste(page, "hello")
    assert "two numbers" in page.locator(".lx-msg").inner_text()
    assert view_state(page)["z"] == zkey((1.25, -2.5))
    page.locator(".lx-pad").press("Control+c")
    assert page.evaluate("() => navigator.clipboard.readText()") == "z = (1.25, -2.50)"
    assert re.search("copied", page.locator(".lx-msg").inner_text())


def test_downloads_come_from_the_page(page, tmp_path):
    with page.expect_download(timeout=30_000) as d:
        page.locator(".lx-save").click()
    assert d.value.suggested_filename == "decoded-z0.00_0.00.png"
    d.value.save_as(tmp_path / "p.png")
    from PIL import Image
    assert Image.open(tmp_path / "p.png").size == (280, 280)
    with page.expect_download(timeout=30_000) as d:
        page.get_by_role("button", name="Download PNG").last.click()
    d.value.save_as(tmp_path / "m.png")
    assert Image.open(tmp_path / "m.png").size == (15 * 56, 15 * 56)


def test_a_phone_gets_the_pad_and_sliders_first_and_touch_drags(server, browser):
    errors = []
    context, page = new_page(browser, server.url, phone=True, errors=errors)
    wait_drawn(page)
    pad = page.locator(".lx-pad").bounding_box()
    scatter = page.locator(".lx-scatter").bounding_box()
    sliders = slider(page, 1).bounding_box()
    assert pad["y"] + pad["height"] <= 844 and sliders["y"] + sliders["height"] <= 844  # 1st screen
    assert scatter["y"] > pad["y"] and abs(scatter["width"] - scatter["height"]) < 60
    page.evaluate(SAMPLER)
    touch_drag(page, screen_xy(page, "pad", (-2, -2)), screen_xy(page, "pad", (2, 2)))
    assert stop_sampler(page) >= 10
    wait_server_z(page, (2, 2))
    # every tab in sight: none hidden behind the tab bar's scroll arrow
    bar = page.locator('[role="tablist"]')
    assert bar.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    tabs = page.get_by_role("tab")
    assert tabs.count() == 6
    for i in range(6):
        b = tabs.nth(i).bounding_box()
        assert 0 <= b["x"] and b["x"] + b["width"] <= 390, tabs.nth(i).inner_text()
    page.get_by_role("tab", name="Train").tap()
    page.wait_for_selector(IDLE, timeout=120_000)
    assert page.get_by_role("tab", name="Train").get_attribute("aria-selected") == "true"
    assert not errors, errors
    context.close()


def test_without_static_serving_the_files_come_inline(browser):
    with streamlit_server(options=("--server.enableStaticServing", "false")) as srv:
        errors = []
        context, page = new_page(browser, srv.url, errors=errors)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        wait_drawn(page)
        assert not [u for u in requests if "latent-explorer" in u]
        paste(page, "-1, 1")
        wait_server_z(page, (-1, 1))
        assert not errors, errors
        context.close()
