"""`python -m bench.browser how`: the How it works walk, answered in the page, against the
same tab drawn by Python (git commit BEFORE, the tab before it ran in the page), started in
turn `--runs` times with samples pooled.

Three inputs, `--clicks` of each per run: a new noise draw (the button), another test digit
(a number typed, then Enter), and beta (a key press on its slider; the page only). In the
page: from the input event's timestamp to the end of the animation frame that painted the
new numbers (walk.js records it). Python's tab: from the press to the animation frame in
which the new z marker is on its scatter (it is placed after the pictures and numbers of the
same rerun). Server CPU: the server process's user + system seconds per input.
"""

from __future__ import annotations

import psutil

from bench import legacy
from tooling import browser as tb

BEFORE = "6dc3d2f"  # How it works drawn by Python, one rerun per input
WALK = """[...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
  .map(h => h.shadowRoot && h.shadowRoot.querySelector('.lw')).find(Boolean)"""
PROBE = """() => {
  window.__how = []; let t0 = null, last = null;
  const z = () => { const m = document.querySelector('[data-testid="lxMarker"][data-id$="/z"]');
                    return m ? m.dataset.x + ',' + m.dataset.y : null; };
  const tick = () => { const now = z();
    if (t0 !== null && now !== last) { window.__how.push(performance.now() - t0); t0 = null; }
    last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const arm = () => { last = z(); t0 = performance.now(); };
  addEventListener('pointerup', e => { if (e.target.closest('button')) arm(); }, true);
  addEventListener('keyup', e => { if (e.key === 'Enter') arm(); }, true);
}"""


def _cpu(srv) -> float:
    t = psutil.Process(srv.proc.pid).cpu_times()
    return t.user + t.system


def in_the_page(browser, clicks: int) -> dict:
    """The walk as the app runs it now: {kind: [ms]} and the server's CPU per input."""
    with tb.streamlit_server() as srv:
        context, page = tb.new_page(browser, srv.url)
        tb.wait_drawn(page)
        page.get_by_role("tab", name="How it works").click()
        page.wait_for_function(f"() => {{ const r = {WALK}; return r && r.dataset.recon; }}",
                               timeout=120_000)
        page.wait_for_selector(tb.IDLE)
        cpu0 = _cpu(srv)
        count = "() => window.__lxStats.walk.frames"
        button = page.get_by_role("button", name="Draw ε again")
        box = page.get_by_role("spinbutton", name="test digit #")
        beta = page.get_by_role("slider", name="beta")
        for k in range(clicks):
            digit, key = str(10 + 37 * k), "ArrowRight" if k % 2 == 0 else "ArrowLeft"
            for act in (button.click, lambda d=digit: (box.fill(d), box.press("Enter")),
                        lambda key=key: beta.press(key)):
                n = page.evaluate(count)
                act()
                page.wait_for_function(f"({count})() > {n}", timeout=30_000)
        page.wait_for_selector(tb.IDLE)
        cpu = (_cpu(srv) - cpu0) / (3 * clicks)
        got = page.evaluate("window.__lxStats.walk.latency")
        context.close()
    return {"eps": got.get("draw", []), "digit": got.get("digit", []),
            "beta": got.get("beta", []), "cpu_ms": 1000 * cpu}


def on_the_server(browser, clicks: int, rev: str) -> dict:
    """The tab as Python drew it at `rev`: {kind: [ms]} and the server's CPU per input."""
    with legacy.before_app(rev) as srv:
        context, page = tb.new_page(browser, srv.url)
        tb.wait_drawn(page)
        page.get_by_role("tab", name="How it works").click()
        page.wait_for_selector('[data-testid="lxMarker"][data-id$="/z"]', state="attached",
                               timeout=180_000)
        page.wait_for_selector(tb.IDLE)
        page.evaluate(PROBE)
        cpu0 = _cpu(srv)
        button = page.get_by_role("button", name="Draw ε again")
        box = page.get_by_role("spinbutton", name="test digit #")
        out = {"eps": [], "digit": []}
        for k in range(clicks):
            digit = str(10 + 37 * k)
            for kind, act in (("eps", button.click),
                              ("digit", lambda d=digit: (box.fill(d), box.press("Enter")))):
                n = page.evaluate("window.__how.length")
                act()
                page.wait_for_function(f"window.__how.length > {n}", timeout=30_000)
                page.wait_for_selector(tb.IDLE)
                out[kind].append(page.evaluate("window.__how")[-1])
        out["cpu_ms"] = 1000 * (_cpu(srv) - cpu0) / (2 * clicks)
        context.close()
    return out


def run(a) -> dict:
    from bench.browser import summary

    pooled = {"page": {"eps": [], "digit": [], "beta": [], "cpu_ms": []},
              "server": {"eps": [], "digit": [], "cpu_ms": []}}
    with tb.chromium() as browser:
        for _ in range(a.runs):
            for name, got in (("page", in_the_page(browser, a.clicks)),
                              ("server", on_the_server(browser, a.clicks, BEFORE))):
                for key, values in got.items():
                    pooled[name][key] += values if isinstance(values, list) else [values]
    out = {"runs": a.runs, "clicks": a.clicks, "before": BEFORE}
    for name, got in pooled.items():
        out[name] = {f"{k}_ms": summary(v) for k, v in got.items() if k != "cpu_ms"}
        out[name]["server_cpu_ms_per_input"] = round(sum(got["cpu_ms"]) / len(got["cpu_ms"]), 1)
    print(f"{'input to pixels (ms)':30s}{'page median':>13s}{'p95':>8s}"
          f"{'Python median':>15s}{'p95':>8s}")
    for key, label in (("eps_ms", "draw a new eps"), ("digit_ms", "choose another digit"),
                       ("beta_ms", "move beta")):
        page, server = out["page"][key], out["server"].get(key, {})
        print(f"{label:30s}{page['median_ms']!s:>13s}{page['p95_ms']!s:>8s}"
              f"{server.get('median_ms', '-')!s:>15s}{server.get('p95_ms', '-')!s:>8s}")
    print(f"{'server CPU per input (ms)':30s}{out['page']['server_cpu_ms_per_input']!s:>13s}"
          f"{'':8s}{out['server']['server_cpu_ms_per_input']!s:>15s}")
    return out
