"""The share file (explorer/share.py, `python -m explorer.media html`): one HTML file of the
Explore view that works from file:// with no network, on a phone too."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer import checkpoint, pagecache, share, webnet
from explorer.config import TrainConfig
from explorer.train import new_model
from tests.conftest import ROOT, chromium_or_skip
from tooling.browser import (
    ROOT_JS,
    SAMPLER,
    chromium,
    new_page,
    point,
    screen_xy,
    stop_sampler,
    touch_drag,
    view_state,
    wait_digit_shown,
    wait_drawn,
)


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


def test_a_model_the_page_cannot_run_is_not_shared(tmp_path, monkeypatch):
    cfg = TrainConfig(train_subset=512)
    path = tmp_path / "small.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict())

    def refuse(model):
        raise webnet.ExportError("layer 3 (Tanh): the page has no implementation of Tanh")

    monkeypatch.setattr(webnet, "export_decoder", refuse)
    page = pagecache.prepare(path, tmp_path / "cache")
    with pytest.raises(share.ShareError, match="Tanh"):
        share.html(page)


def test_cli_refuses_a_bad_checkpoint_plainly(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"nope")
    run = subprocess.run([sys.executable, "-m", "explorer.media", "html", str(bad), "-o",
                          str(tmp_path / "x.html")], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and "not a readable checkpoint" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "x.html").exists()


@pytest.mark.browser
@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_opens_from_file_offline_drags_and_taps(share_file, phone):
    chromium_or_skip()
    with chromium() as browser:
        errors, blocked = [], []
        context, page = new_page(browser, phone=phone, errors=errors, offline=True)
        page.on("requestfailed", lambda r: blocked.append(r.url))
        page.goto(share_file.as_uri())
        wait_drawn(page, timeout=30_000, streamlit=False)
        page.evaluate(SAMPLER)
        (x0, y0), (x1, y1) = screen_xy(page, "pad", (-2.5, -2)), screen_xy(page, "pad", (2.5, 2))
        if phone:
            touch_drag(page, (x0, y0), (x1, y1))
        else:
            page.mouse.move(x0, y0)
            page.mouse.down()
            for k in range(80):
                page.mouse.move(x0 + (x1 - x0) * k / 79, y0 + (y1 - y0) * k / 79)
            page.mouse.up()
        seen = stop_sampler(page)
        assert seen >= (10 if phone else 30), seen
        p = point(page, 5)
        page.locator(".lx-scatter").scroll_into_view_if_needed()
        p = point(page, 5)  # where it is now
        if phone:
            page.touchscreen.tap(*p["xy"])
        else:
            page.mouse.click(*p["xy"])
        page.wait_for_function(f"() => ({ROOT_JS}).dataset.selected === '{p['index']}'")
        info = page.locator(".lx-digit-info")
        wait_digit_shown(page, p["index"])
        assert f"Test digit #{p['index']}" in info.inner_text()
        assert f"label {p['label']}" in info.inner_text()
        assert view_state(page)["status"] == ""
        assert not errors, errors
        assert not blocked, blocked  # it asked for nothing
        context.close()
