"""The app's other tabs in a real browser: Debian's Chromium, driven by Playwright, against
`streamlit run app.py`. Only what a browser alone can show is tested here (the Explore
view: tests/ui/test_explore_browser.py)."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tooling.browser import start_training

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # fixtures: tests/conftest.py


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


STEPS = ["as uploaded", "ink found", "cropped", "fitted 20x20", "centred 28x28", "reconstruction"]


def test_an_upload_shows_its_steps_in_a_row_and_a_non_digit_is_flagged(page, tmp_path):
    page.get_by_role("tab", name="Draw or upload").click()
    page.get_by_role("radio", name="Upload an image").click()
    img = Image.new("RGB", (240, 240), "white")  # a W: placed on the map, but flagged
    ImageDraw.Draw(img).line([(30, 40), (80, 200), (120, 90), (160, 200), (210, 40)],
                             fill=(20, 20, 20), width=16)
    path = tmp_path / "w.png"
    img.save(path)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    warning = page.locator('[data-testid="stAlert"]', has_text="does not look like any digit")
    warning.wait_for(timeout=60_000)
    assert warning.is_visible()
    strip = page.locator(".st-key-digit_steps")
    page.wait_for_function("""() => { const imgs = document.querySelectorAll(
        '.st-key-digit_steps img'); return imgs.length === 6 &&
        [...imgs].every(i => i.complete && i.naturalWidth > 0); }""", timeout=30_000)
    assert strip.locator('[data-testid="stImageCaption"]').all_inner_texts() == STEPS
    boxes = strip.locator("img").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width]; })")
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)  # left to right, in order
    assert max(b[1] for b in boxes) - min(b[1] for b in boxes) < 5  # in one row
    assert all(b[2] >= 60 for b in boxes)  # each big enough to see


def test_training_streams_updates_and_stops(page):
    start_training(page, 50, 120, wait=False)
    chart = """() => { const gd = document.querySelector(
        '.st-key-loss_chart .js-plotly-plot');  // the run's own, not a time-lapse's
        return gd && gd.data && gd.data[0] ? gd.data[0].x.length : 0; }"""
    # the first steps (a training process starts and loads torch: slow on a busy machine)
    page.wait_for_function(chart, timeout=120_000)
    lengths = []
    for _ in range(180):  # then the loss chart must grow at least twice while we watch
        page.wait_for_timeout(500)
        n = page.evaluate(chart)
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


def download(page, button: str, folder) -> tuple[str, bytes]:
    """Click a download button; (the file's suggested name, its bytes)."""
    with page.expect_download(timeout=60_000) as d:
        page.get_by_role("button", name=button).click()
    path = folder / d.value.suggested_filename
    d.value.save_as(path)
    return d.value.suggested_filename, path.read_bytes()


def test_downloads_arrive_as_real_files(page, tmp_path):
    """The exports are made when clicked (deferred downloads): the browser gets the files."""
    name, csv = download(page, "Encoded test set (CSV)", tmp_path)
    lines = csv.decode().splitlines()
    assert name == "encoded-test-set-mnist.csv"
    assert len(lines) == 10_001 and lines[0].startswith("index,label,class,z0_mean")
    name, html = download(page, "Share this view (HTML)", tmp_path)  # the view, to take away
    assert name == "latent-explorer-mnist.html" and b'id="lx-data"' in html
    page.get_by_role("tab", name="Interpolate").click()
    page.wait_for_selector("text=10 steps (linear)", timeout=30_000)
    _, gif = download(page, "Morph (GIF)", tmp_path)
    assert Image.open(io.BytesIO(gif)).n_frames == 10 + 8  # there and back


WALK = """[...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .map(h => h.shadowRoot && h.shadowRoot.querySelector('.lw')).find(Boolean)"""


def walk_state(page) -> dict:
    """What the How it works walk shows: its root's data attributes, status line, loss."""
    return page.evaluate(f"""() => {{ const r = {WALK};
      return r ? {{...r.dataset, status: r.querySelector('.lw-status').textContent,
                   loss: r.querySelector('.lw-loss').textContent}} : null; }}""")


def wait_walk(page, test: str) -> dict:
    """Wait until `test` (JS, of `s`: what walk_state returns) holds; return the state."""
    page.wait_for_function(f"""() => {{ const r = {WALK}; if (!r || !r.dataset.recon) return false;
      const s = {{...r.dataset, status: r.querySelector('.lw-status').textContent,
                  loss: r.querySelector('.lw-loss').textContent}}; return {test}; }}""",
                           timeout=60_000)
    return walk_state(page)


def check_against_python(shown: dict, model, test_images) -> None:
    """The page's numbers are those of explorer.plane.walkthrough.walk for the same digit and
    noise."""
    from explorer.plane import walkthrough

    def pair(key):
        return np.array([float(v) for v in shown[key].split(",")], np.float32)

    w = walkthrough.walk(model, test_images[int(shown["index"])], pair("eps"))
    assert np.allclose(pair("mu"), w.mu, atol=2e-3)
    assert np.allclose(pair("sigma"), w.sigma, rtol=1e-2)
    assert np.allclose(pair("z"), w.z, atol=2e-3)
    assert abs(float(shown["recon"]) - w.recon_nats) < 0.05
    assert abs(float(shown["kl"]) - w.kl_nats) < 0.01


def test_how_it_works_runs_the_digit_through_the_model_in_the_page(page, mnist_test):
    from explorer.vae import checkpoint

    model, _ = checkpoint.load(checkpoint.PRETRAINED)
    images = mnist_test.images[:, 0].numpy() / 255.0
    page.get_by_role("tab", name="How it works").click()
    first = wait_walk(page, "s.index === '0'")
    check_against_python(first, model, images)
    page.get_by_role("button", name="Draw ε again").click()  # a new eps: a new z, same q(z|x)
    drawn = wait_walk(page, f"s.eps !== '{first['eps']}'")
    assert drawn["mu"] == first["mu"] and drawn["kl"] == first["kl"] and drawn["z"] != first["z"]
    check_against_python(drawn, model, images)
    box = page.get_by_role("spinbutton", name="test digit #")
    box.fill("4")
    box.press("Enter")
    other = wait_walk(page, "s.index === '4'")
    assert other["mu"] != first["mu"]
    check_against_python(other, model, images)
    page.get_by_role("slider", name="beta").fill("4")
    wait_walk(page, "s.loss.startsWith('At β = 4 ')")
    box.fill("10000")  # there are 10,000 test digits: #0 to #9999
    box.press("Enter")
    shown = wait_walk(page, "s.status.includes('no test digit #10000')")
    assert shown["index"] == "4" and box.input_value() == "4"
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(gd => (gd.data || []).some(t => t.type === 'heatmap')).length === 2""",
                           timeout=60_000)  # the prior and the aggregate posterior
    page.get_by_role("tab", name="Explore").click()  # the choice outlives the tab
    page.get_by_role("tab", name="How it works").click()
    back = wait_walk(page, "s.index === '4'")
    assert back["eps"] == drawn["eps"] and back["loss"].startswith("At β = 4 ")
