"""Run the real app (or a share file) in a real browser, for tests, benchmarks and the
README's screenshots: `streamlit run` on a free loopback port, and Debian's Chromium driven
by Playwright (never a downloaded browser).

The Explore view answers every input in the page (explorer/page/web/view.js); pages opened here
set `window.__lxBench` first, so the view keeps input-to-pixels timings and a handle on
itself in `window.__lxStats[id]` (id "explore" in the app, "share" in a share file).
"""

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

from tooling.processes import stop

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage",
                 "--enable-unsafe-swiftshader"]  # software WebGL for Plotly's scattergl
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, started: float, log=None):
        self.proc, self.port, self.started, self._log = proc, port, started, log
        self.url = f"http://127.0.0.1:{port}/"

    def log(self) -> str:
        """What the server has written to its log so far."""
        if self._log is None:
            return ""
        fd = self._log.fileno()  # read where the server writes, without moving its offset
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")


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
                time.sleep(0.05)
        yield Server(proc, port, started, log)
    finally:
        stop([proc], 10)
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


def new_page(browser, url: str | None = None, phone: bool = False, errors: list | None = None,
             offline: bool = False, viewport=(1400, 1000)):
    """A page in a fresh context with the view's timings on; console errors and page
    exceptions are appended to `errors`; `offline` aborts every request that is not file://
    (what a share file must survive)."""
    context = browser.new_context(**(PHONE if phone else
                                     {"viewport": {"width": viewport[0], "height": viewport[1]}}))
    context.add_init_script("window.__lxBench = true;")
    page = context.new_page()
    if errors is not None:
        page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    if offline:
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                   else r.abort())
    if url:
        page.goto(url, wait_until="commit")
    return context, page


def drawn_pages(browser, url: str, n: int, errors: list | None = None) -> list:
    """n visitors (context, page) on `url`, each in its own context, once all are drawn."""
    pages = [new_page(browser, url, errors=errors) for _ in range(n)]
    for _, page in pages:
        wait_drawn(page)
    return pages


# --- the Explore view ------------------------------------------------------------------

ROOT_JS = """(() => { let r = document.querySelector('.lx'); if (r) return r;
  for (const h of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    r = h.shadowRoot && h.shadowRoot.querySelector('.lx'); if (r) return r; }
  return null; })()"""
STATE = f"""() => {{ const r = {ROOT_JS};
  const s = window.__lxStats && Object.values(window.__lxStats)[0];
  const grid = r && r.querySelector('.lx-grid');
  const app = document.querySelector('[data-testid="stApp"]');
  return {{ready: !!r && r.dataset.ready === '1', grid: !!grid && grid.dataset.ready === '1',
    z: r && r.dataset.z, selected: r ? r.dataset.selected : null,
    server_z: r && r.dataset.serverZ, server_selected: r ? r.dataset.serverSelected : null,
    previews: s ? s.previews : 0, script: app ? app.dataset.testScriptState : null,
    status: r ? r.querySelector('.lx-status').textContent : null,
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')]
      .map(e => e.innerText.slice(0, 1500))}}; }}"""


def view_state(page) -> dict:
    return page.evaluate(STATE)


def wait_drawn(page, timeout: float = 120_000, streamlit: bool = True) -> None:
    """Wait until the Explore view is drawn: its model loaded, the manifold decoded, and
    (in the app) the script idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        if streamlit:
            page.wait_for_selector(IDLE, timeout=timeout)
        page.wait_for_function(f"() => {{ const s = ({STATE})(); return s.ready && s.grid; }}",
                               timeout=timeout)
    except PlaywrightTimeout as e:  # say what was missing
        raise AssertionError(f"the Explore view was not drawn: {view_state(page)}") from e


def zkey(z) -> str:
    """z as the view writes it in its data-z attributes: '0.05,-1.2'."""
    return ",".join(f"{round(float(v), 2) + 0.0:g}" for v in z)


def wait_server_z(page, z, selected: int | None = None, timeout: float = 20_000) -> None:
    """Wait until Python has z (and the selected digit): the view shows what the last rerun
    sent it."""
    want = [zkey(z), "" if selected is None else str(selected)]
    page.wait_for_function(f"""(want) => {{ const s = ({STATE})();
        return s.server_z === want[0] && (want[1] === "" || s.server_selected === want[1]); }}""",
                           arg=want, timeout=timeout)


def latencies(page, kind: str) -> list[float]:
    """Input-to-pixels times (ms) the view recorded for one kind of input."""
    return page.evaluate("(k) => (Object.values(window.__lxStats)[0].latency[k] || []).slice()",
                         kind)


def screen_xy(page, part: str, z) -> tuple[float, float]:
    """Page coordinates of latent z on the view's "pad" or "scatter"."""
    return tuple(page.evaluate("""([part, z]) => {
        const plane = Object.values(window.__lxStats)[0].view[part].plane;
        const r = plane.host.getBoundingClientRect();
        return [r.left + plane.X(z[0]), r.top + plane.Y(z[1])]; }""", [part, list(z)]))


def point(page, k: int) -> dict:
    """The k-th test digit drawn on the scatter (one inside ±3): index, z, label, screen xy."""
    p = page.evaluate("""(k) => { const v = Object.values(window.__lxStats)[0].view, p = v.points;
        let i = (k * 7919) % p.n;
        while (Math.abs(p.z[2 * i]) > 3 || Math.abs(p.z[2 * i + 1]) > 3) i = (i + 1) % p.n;
        return {index: i, z: [p.z[2 * i], p.z[2 * i + 1]], label: v.classes[p.labels[i]]}; }""", k)
    p["xy"] = screen_xy(page, "scatter", p["z"])
    return p


def slider(page, i: int):
    return page.get_by_role("slider", name=f"z[{i}]", exact=True)


def drag_slider(page, i: int, seconds: float) -> dict:
    """Drag the thumb of z[i] back and forth for `seconds`: distinct previews per second."""
    box = slider(page, i).bounding_box()
    y, x0, x1 = box["y"] + box["height"] / 2, box["x"] + 8, box["x"] + box["width"] - 8
    start_previews = view_state(page)["previews"]
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        u = 0.5 - 0.5 * __import__("math").cos(n / 40)
        page.mouse.move(x0 + (x1 - x0) * u, y)
        n += 1
    elapsed = time.perf_counter() - t0
    previews = view_state(page)["previews"] - start_previews
    page.mouse.up()
    return {"previews_per_s": previews / elapsed, "moves_per_s": n / elapsed}


def start_training(page, epochs: int, seconds: float, wait: bool = True) -> None:
    """Start a run from the Train tab (and, with `wait`, until its first steps show)."""
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("spinbutton", name="epochs").fill(str(epochs))
    page.get_by_role("spinbutton", name="time budget (s)").fill(str(int(seconds)))
    page.get_by_role("button", name="Start training").click()
    if wait:
        page.wait_for_selector("text=images/s", timeout=60_000)


def wait_digit_shown(page, index: int, timeout: float = 20_000) -> None:
    """Wait until the view shows test digit `index` (its picture loaded)."""
    page.wait_for_function(f"""(i) => {{ const t = ({ROOT_JS}).querySelector('.lx-digit-info')
        .textContent; return t.includes('Test digit #' + i + ',') && !t.includes('loading'); }}""",
                           arg=index, timeout=timeout)


# an independent count of what the page shows: every frame, the preview canvas as a PNG
SAMPLER = f"""() => {{
  const canvas = ({ROOT_JS}).querySelector('.lx-preview');
  const s = window.__sampler = {{seen: new Set(), frames: 0, on: true}};
  const tick = () => {{ if (!s.on) return; s.frames++; s.seen.add(canvas.toDataURL());
                        requestAnimationFrame(tick); }};
  requestAnimationFrame(tick);
}}"""


def stop_sampler(page) -> int:
    return page.evaluate("() => { window.__sampler.on = false; "
                         "return window.__sampler.seen.size; }")


def painted(page, selector: str) -> bool:
    """True when the canvas shows something other than one flat colour."""
    return page.evaluate(f"""() => {{ const c = ({ROOT_JS}).querySelector({selector!r});
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0]) return true;
        return false; }}""")


def touch_drag(page, start, end, steps: int = 30, pause_ms: float = 16) -> None:
    """A one-finger drag through Chromium's touch input (as a phone sends it), a move
    every pause_ms (plus the time Chromium takes to take it)."""
    cdp = page.context.new_cdp_session(page)
    send = lambda kind, pts: cdp.send("Input.dispatchTouchEvent",  # noqa: E731
                                      {"type": kind, "touchPoints": pts})
    send("touchStart", [{"x": start[0], "y": start[1]}])
    for k in range(1, steps + 1):
        t = k / steps
        send("touchMove", [{"x": start[0] + (end[0] - start[0]) * t,
                            "y": start[1] + (end[1] - start[1]) * t}])
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    send("touchEnd", [])
