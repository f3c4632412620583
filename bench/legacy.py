"""Probes for apps whose preview Python draws: the app as it was before the Explore view ran
in the page (git commit BEFORE, run from an extracted copy) and bench/baseline_app.py (the
plain Streamlit way). Latency is measured in the page, from the key or pointer release (when
a Streamlit slider or a Plotly click reports) to the animation frame in which the new
preview picture is loaded; the old latent pad's own previews are read from its counters.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tooling.browser import IDLE, REPO, streamlit_server

BEFORE = "3dd52b3"  # main before issue 13: Python drew the preview; Plotly drew the charts

PROBE = """() => {
  if (window.__lat) return;
  window.__lat = []; window.__t0 = null; window.__padlat = []; window.__tp = null;
  let last = null, padSeen = 0, polling = false;
  const pad = () => window.__latentPad && window.__latentPad.latent_pad;
  const find = () => { const box = [...document.querySelectorAll('[data-testid="stImage"]')]
      .find(e => e.textContent.includes('decoded at')); return box && box.querySelector('img'); };
  const tick = () => {
    const i = find();
    if (window.__t0 !== null && i && i.src !== last && i.complete && i.naturalWidth) {
      window.__lat.push(performance.now() - window.__t0); window.__t0 = null; last = i.src; }
    const p = pad();
    if (window.__tp !== null && p && p.previews !== padSeen) {
      window.__padlat.push(performance.now() - window.__tp); window.__tp = null;
      padSeen = p.previews; }
    polling = window.__t0 !== null || window.__tp !== null;
    if (polling) requestAnimationFrame(tick);
  };
  const arm = (withPad) => {
    const t = performance.now(), i = find(), p = pad();
    last = i ? i.src : null; window.__t0 = t;
    if (withPad) { padSeen = p ? p.previews : 0; window.__tp = t; }
    if (!polling) { polling = true; requestAnimationFrame(tick); }
  };
  addEventListener('keyup', e => arm(e.target.type === 'range'), true);
  let inPlot = false;  // Plotly covers the page with a drag layer on pointerdown
  addEventListener('pointerdown', e => { inPlot = !!e.target.closest('.js-plotly-plot'); }, true);
  addEventListener('pointerup', () => { if (inPlot) arm(false); inPlot = false; }, true);
}"""

DRAWN = """(markers) => {
  const box = [...document.querySelectorAll('[data-testid="stImage"]')]
      .find(e => e.textContent.includes('decoded at'));
  const img = box && box.querySelector('img'), gd = document.querySelector('.js-plotly-plot');
  return !!(img && img.complete && img.naturalWidth && gd && gd._fullData && gd._fullData.length
            && (!markers || gd.querySelector('[data-testid="lxMarker"]')));
}"""

POINT = """(k) => {
  const gd = document.querySelector('.js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  const t = gd._fullData[k % 10]; const n = t.x.length; let j = (k * 7919) % n;
  while (Math.abs(t.x[j]) > 3.5 || Math.abs(t.y[j]) > 3.5) j = (j + 1) % n;
  return [r.left + xa._offset + xa.l2p(t.x[j]), r.top + ya._offset + ya.l2p(t.y[j])];
}"""


@contextmanager
def before_app(rev: str = BEFORE):
    """A server of the app at git commit `rev`, run from an extracted copy with this
    checkout's data and virtual environment (runs and its static files kept apart)."""
    with tempfile.TemporaryDirectory(prefix="latent-explorer-before-") as tmp:
        archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=REPO,
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = {"LATENT_EXPLORER_DATA": str(REPO / "data"),
               "LATENT_EXPLORER_RUNS": str(Path(tmp) / "runs"), "PYTHONPATH": tmp}
        with streamlit_server(env=env, script=Path(tmp) / "app.py", cwd=Path(tmp)) as srv:
            yield srv


def wait_drawn(page, markers: bool = True, timeout: float = 180_000) -> None:
    page.wait_for_timeout(100)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_function(DRAWN, arg=markers, timeout=timeout)
    page.evaluate(PROBE)


def _wait_count(page, name: str, n: int, timeout: float = 10.0) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if page.evaluate(f"window.{name}.length") >= n:
            return True
        page.wait_for_timeout(5)
    return False


def slider_keys(page, moves: int) -> tuple[list[float], list[float]]:
    """PageUp / PageDown on the first slider: (release -> Python's preview, -> old pad's)."""
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    start, pad0 = page.evaluate("window.__lat.length"), page.evaluate("window.__padlat.length")
    for i in range(moves):
        page.keyboard.press("PageUp" if (i // 4) % 2 == 0 else "PageDown")
        _wait_count(page, "__lat", start + i + 1)
        page.wait_for_timeout(50)
    return page.evaluate("window.__lat")[start:], page.evaluate("window.__padlat")[pad0:]


def scatter_clicks(page, clicks: int) -> list[float]:
    """Clicks on points of the Plotly scatter, a different digit each time."""
    start = page.evaluate("window.__lat.length")
    for k in range(clicks):
        page.mouse.click(*page.evaluate(POINT, k))
        _wait_count(page, "__lat", start + k + 1)
        page.wait_for_timeout(350)  # two clicks within 300 ms are Plotly's double click
    return page.evaluate("window.__lat")[start:]
