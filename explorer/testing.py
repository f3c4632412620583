"""Run the real app for browser tests and benchmarks: `streamlit run app.py` on a free
loopback port, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage",
                 "--enable-unsafe-swiftshader"]  # software WebGL for Plotly's scattergl
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, started: float):
        self.proc, self.port, self.started = proc, port, started
        self.url = f"http://127.0.0.1:{port}/"


@contextmanager
def streamlit_server(env: dict | None = None, timeout: float = 90.0, script: Path | None = None,
                     cwd: Path = REPO, options: tuple[str, ...] = ()):
    """Start the app (or another script, run from `cwd` with more `options`); yields a
    Server once /_stcore/health answers; stops it afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script or REPO / "app.py"),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", *options]
    started = time.perf_counter()
    # the server's log goes to a file: a pipe nobody reads would block it once full
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"streamlit exited: {log.read()[-2000:]}") from None
                if time.perf_counter() - started > timeout:
                    raise RuntimeError("streamlit did not answer its health check") from None
                time.sleep(0.2)
        yield Server(proc, port, started)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium(headless: bool = True):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=headless)
        try:
            yield browser
        finally:
            browser.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run that the last action caused has finished."""
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=timeout)


# --- measuring previews in the page (tests and bench/browser.py) ---------------------

PROBE = """() => {
  if (window.__lat) return;
  // Armed by a key or pointer release; polls each animation frame only while a measurement
  // is pending (a page polling forever costs CPU, and 8 of them slow the server they measure)
  window.__lat = []; window.__t0 = null;
  // the latent pad's big preview, decoded in the page when Python sends it the new z
  window.__padlat = []; window.__tp = null;
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
  // Plotly covers the page with a drag layer on pointerdown: the release lands on that
  let inPlot = false;
  addEventListener('pointerdown', e => { inPlot = !!e.target.closest('.js-plotly-plot'); }, true);
  addEventListener('pointerup', () => { if (inPlot) arm(false); inPlot = false; }, true);
}"""

POINT = """(k) => {
  const gd = document.querySelector('.js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  const t = gd._fullData[k % 10]; const n = t.x.length; let j = (k * 7919) % n;
  while (Math.abs(t.x[j]) > 3.5 || Math.abs(t.y[j]) > 3.5) j = (j + 1) % n;
  return [r.left + xa._offset + xa.l2p(t.x[j]), r.top + ya._offset + ya.l2p(t.y[j])];
}"""


def open_pages(browser, url, n: int, markers: bool = True) -> list:
    """n sessions loading at the same time; [(context, page)] once every one is drawn."""
    opened = []
    for _ in range(n):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(url, wait_until="commit")
        opened.append((context, page))
    for _, page in opened:
        wait_drawn(page, markers=markers)
    return opened


def open_page(browser, url, markers: bool = True):
    return open_pages(browser, url, 1, markers)[0]


def wait_drawn(page, timeout: float = 180_000, markers: bool = True) -> None:
    """Wait until the Explore tab's preview and scatter are drawn (after a load or a tab
    switch), with the preview's marker over the scatter (markers=False for a page that has
    none, such as bench/baseline_app.py), then install the latency probe."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_timeout(100)
    try:
        page.wait_for_selector(IDLE, timeout=timeout)
        page.wait_for_function(f"(markers) => {{ const s = ({DRAWN})(); return s.preview && "
                               "s.scatter && (!markers || s.marker); }", arg=markers,
                               timeout=timeout)
    except PlaywrightTimeout as e:  # say what was missing
        raise AssertionError(f"the Explore tab was not drawn: {page.evaluate(DRAWN)}") from e
    page.evaluate(PROBE)


DRAWN = """() => {
  const box = [...document.querySelectorAll('[data-testid="stImage"]')]
      .find(e => e.textContent.includes('decoded at'));
  const img = box && box.querySelector('img'), gd = document.querySelector('.js-plotly-plot');
  const app = document.querySelector('[data-testid="stApp"]');
  return {script: app && app.dataset.testScriptState,
          preview: !!(img && img.complete && img.naturalWidth),
          scatter: !!(gd && gd._fullData && gd._fullData.length),
          marker: !!(gd && gd.querySelector('[data-testid="lxMarker"]')),
          markers_anywhere: document.querySelectorAll('[data-testid="lxMarker"]').length,
          exceptions: [...document.querySelectorAll('[data-testid="stException"]')]
              .map(e => e.innerText.slice(0, 1500))};
}"""


def wait_for_count(page, n, timeout=10.0):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if page.evaluate("window.__lat.length") >= n:
            return True
        page.wait_for_timeout(5)
    return False


def _counter(page, name: str, n: int) -> int:
    """How many of these the page has done before (so repeated calls keep varying)."""
    return page.evaluate(f"(n) => {{ const k = window.{name} || 0; window.{name} = k + n; "
                         "return k; }", n)


def slider_moves(page, moves: int) -> list[float]:
    """Key presses on the first slider: four up, four down, ... (never stuck at an end)."""
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    start = page.evaluate("window.__lat.length")
    done = _counter(page, "__moves", moves)
    for i in range(moves):
        page.keyboard.press("PageUp" if ((done + i) // 4) % 2 == 0 else "PageDown")
        wait_for_count(page, start + i + 1)
        page.wait_for_timeout(50)
    return page.evaluate("window.__lat")[start:]


def scatter_clicks(page, clicks: int) -> list[float]:
    """Clicks on points of the scatter, a different digit each time."""
    start = page.evaluate("window.__lat.length")
    first = _counter(page, "__clicks", clicks)
    done = 0
    for k in range(first, first + clicks):
        x, y = page.evaluate(POINT, k)
        page.mouse.click(x, y)
        if wait_for_count(page, start + done + 1):
            done += 1
        page.wait_for_timeout(350)  # two clicks within 300 ms are Plotly's double click
    return page.evaluate("window.__lat")[start:]
