"""The app in a real browser: Debian's Chromium, driven by Playwright, against
`streamlit run app.py`. Only what a browser alone can show is tested here."""

import io
import os

import pytest
from PIL import Image, ImageDraw

from explorer.testing import chromium, streamlit_server, wait_drawn
from tests.conftest import chromium_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PREVIEW = '[data-testid="stImage"]:has-text("decoded at") img'


@pytest.fixture(scope="module")
def server():
    chromium_or_skip()
    with streamlit_server(env={"LATENT_EXPLORER_RUNS": os.environ["LATENT_EXPLORER_RUNS"]}) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


@pytest.fixture
def page(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    wait_drawn(page)  # the preview and the scatter, with its layout
    yield page
    assert not errors, errors
    context.close()


def preview_src(page) -> str:
    return page.locator(PREVIEW).get_attribute("src")


def wait_new_preview(page, old: str, timeout=20_000) -> str:
    page.wait_for_function(
        """(old) => { const box = Array.from(document.querySelectorAll('[data-testid="stImage"]'))
                        .find(e => e.textContent.includes('decoded at'));
             const i = box && box.querySelector('img');
             return i && i.src !== old && i.complete && i.naturalWidth > 0; }""",
        arg=old, timeout=timeout)
    return preview_src(page)


def test_page_loads_without_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
    assert page.evaluate("() => document.querySelector('.js-plotly-plot').data.length") >= 10


def test_moving_a_slider_changes_the_preview(page):
    before = preview_src(page)
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    for _ in range(5):
        page.keyboard.press("PageUp")  # react-aria: a big step, committed on key up
    after = wait_new_preview(page, before)
    assert after != before
    assert after.startswith("data:image/png;base64,")  # arrives with the rerun, no fetch
    assert page.locator('[data-testid="stImage"]:has-text("decoded at z = (0.00")').count() == 0


def click_a_point(page):
    """Click a digit of the scatter's first trace at its pixel position; returns its z."""
    xy = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const t = gd._fullData[0]; let k = 0;
        while (Math.abs(t.x[k]) > 3 || Math.abs(t.y[k]) > 3) k++;  // one inside the view
        const r = gd.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p(t.x[k]), r.top + ya._offset + ya.l2p(t.y[k])];
    }""")
    page.mouse.click(xy[0], xy[1])


def test_clicking_a_point_moves_the_preview(page):
    before = preview_src(page)
    click_a_point(page)  # whichever digit is drawn on top there gets selected
    page.wait_for_selector("text=Test digit #", timeout=20_000)
    wait_new_preview(page, before)
    text = page.locator('[data-testid="stMarkdownContainer"]:has-text("Test digit #")').inner_text()
    z = text.split("z = (")[1].split(")")[0]
    caption = page.locator('[data-testid="stImage"]:has-text("decoded at")').inner_text()
    assert f"decoded at z = ({z})" in caption  # the preview moved to the digit's z
    assert page.locator('[data-testid="stImage"]:has-text("reconstruction")').count() == 1
    ring = page.locator('[data-testid="lxMarker"][data-id$="/selected"]')  # marked on the plot
    ring.wait_for(timeout=10_000)
    ring_z = [float(ring.get_attribute(f"data-{c}")) for c in "xy"]
    assert f"{ring_z[0]:.2f}, {ring_z[1]:.2f}" == z
    # move away with a slider, then click the same digit again: the preview comes back
    moved = preview_src(page)
    page.locator('[data-testid="stSlider"] input[type="range"]').first.focus()
    page.keyboard.press("PageUp")
    away = wait_new_preview(page, moved)
    page.wait_for_timeout(400)  # not a double click
    click_a_point(page)
    wait_new_preview(page, away)
    caption = page.locator('[data-testid="stImage"]:has-text("decoded at")').inner_text()
    assert f"decoded at z = ({z})" in caption


def test_clicking_a_manifold_cell_moves_the_preview_there(page):
    grid = page.locator('.st-key-grid .js-plotly-plot')
    grid.scroll_into_view_if_needed()
    page.wait_for_function("() => { const gd = document.querySelector('.st-key-grid "
                           ".js-plotly-plot'); return gd && gd._fullLayout && gd._fullData; }")
    x, y, z = page.evaluate("""() => {
        const gd = document.querySelector('.st-key-grid .js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
        const t = gd._fullData[0], k = 2 * Math.round(Math.sqrt(t.x.length)) + 3;  // row 2, col 3
        return [r.left + xa._offset + xa.l2p(t.x[k]), r.top + ya._offset + ya.l2p(t.y[k]),
                t.customdata[k]];
    }""")
    before = preview_src(page)
    page.mouse.move(x, y)  # Plotly picks the point under the pointer on hover
    page.mouse.click(x, y)
    wait_new_preview(page, before)
    caption = page.locator('[data-testid="stImage"]:has-text("decoded at")').inner_text()
    assert f"decoded at z = ({z[0]:.2f}, {z[1]:.2f})" in caption


def digit_png() -> bytes:
    img = Image.new("RGB", (240, 320), "white")
    ImageDraw.Draw(img).ellipse((50, 40, 190, 280), outline=(30, 30, 120), width=24)  # a 0
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_uploading_a_drawing_shows_its_position(page, tmp_path):
    page.get_by_role("tab", name="Draw or upload").click()
    page.get_by_role("radio", name="Upload an image").click()
    path = tmp_path / "zero.png"
    path.write_bytes(digit_png())
    uploader = page.locator('[data-testid="stFileUploader"]')
    assert "25MB per file" in uploader.inner_text()  # .streamlit/config.toml's limit
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.wait_for_selector("text=Latent mean", timeout=30_000)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .flatMap(gd => (gd.data || []).map(t => t.name)).includes('1-sigma of q(z|x)')""",
                           timeout=30_000)
    names = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .flatMap(gd => (gd.data || []).map(t => t.name))""")
    assert "your digit (mean)" in names


def test_training_streams_updates_and_stops(page):
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("spinbutton", name="epochs").fill("50")
    page.get_by_role("spinbutton", name="time budget (s)").fill("120")
    page.get_by_role("button", name="Start training").click()
    lengths = []
    for _ in range(60):  # the loss chart must grow at least twice while we watch
        page.wait_for_timeout(500)
        n = page.evaluate("""() => { const gd = Array.from(document.querySelectorAll(
            '.js-plotly-plot')).find(g => g.data[0] && g.data[0].name.startsWith('loss'));
            return gd ? gd.data[0].x.length : 0; }""")
        if n and (not lengths or n > lengths[-1]):
            lengths.append(n)
        if len(lengths) >= 3:
            break
    assert len(lengths) >= 3, lengths
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("text=was stopped", timeout=60_000)
    assert page.get_by_role("button", name="Explore this model").count() == 1



def test_drawing_a_stroke_traces_its_path_on_the_scatter(page):
    page.get_by_role("tab", name="Draw or upload").click()
    canvas = page.locator('[data-testid="drawPadCanvas"]')
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 90, box["y"] + 60)
    page.mouse.down()
    # a 7, drawn slowly enough for several updates to reach Python on the way
    for i in range(1, 41):
        t = i / 40
        x, y = (90 + 110 * min(1, 2 * t), 60) if t < 0.5 else (200 - 80 * (2 * t - 1),
                                                              60 + 160 * (2 * t - 1))
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(40)
    page.mouse.up()
    page.wait_for_selector("text=Latent mean", timeout=30_000)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="lxMarker"]')]
        .some(e => e.dataset.id.endsWith('/trail') && Number(e.dataset.points) >= 2)""",
                           timeout=30_000)
    sigma = page.locator('[data-testid="lxMarker"][data-id$="/sigma"]')
    assert int(sigma.get_attribute("data-points")) > 10  # the 1-sigma ellipse
    assert page.locator('[data-testid="stImage"]:has-text("reconstruction")').count() >= 1
    # what a stroke updates arrives inside the rerun: no picture to fetch per update
    for caption in ("as MNIST sees it", "reconstruction", "nearest test digits"):
        src = page.locator(f'[data-testid="stImage"]:has-text("{caption}") img').first
        assert src.get_attribute("src").startswith("data:image/png;base64,"), caption
    page.get_by_role("button", name="Clear").click()
    page.wait_for_selector("text=Latent mean", state="detached", timeout=30_000)


def test_downloads_arrive_as_real_files(page, tmp_path):
    """The exports are made when clicked (deferred downloads): the browser gets the files."""
    with page.expect_download(timeout=60_000) as d:
        page.get_by_role("button", name="Encoded test set (CSV)").click()
    csv = tmp_path / "encoded.csv"
    d.value.save_as(csv)
    lines = csv.read_text().splitlines()
    assert d.value.suggested_filename == "encoded-test-set-mnist.csv"
    assert len(lines) == 10_001 and lines[0].startswith("index,label,class,z0_mean")
    page.get_by_role("tab", name="Interpolate").click()
    page.wait_for_selector("text=10 steps (linear)", timeout=30_000)
    with page.expect_download(timeout=60_000) as d:
        page.get_by_role("button", name="Morph (GIF)").click()
    gif = tmp_path / "morph.gif"
    d.value.save_as(gif)
    assert Image.open(gif).n_frames == 10 + 8  # there and back
