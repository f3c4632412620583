"""`python -m bench.browser how`: the How it works tab's updates, timed in the page from the
press (a new noise draw, or Enter on a new test digit number) to the animation frame in
which the new z is on the scatter (it is placed after the pictures and numbers of the same
rerun). Three server starts, samples pooled."""

from __future__ import annotations

from tooling import browser as tb

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


def run(a) -> dict:
    from bench.browser import summary

    eps, digit = [], []
    with tb.chromium() as browser:
        for _ in range(a.runs):
            with tb.streamlit_server() as srv:
                context, page = tb.new_page(browser, srv.url)
                tb.wait_drawn(page)
                page.get_by_role("tab", name="How it works").click()
                page.wait_for_selector('[data-testid="lxMarker"][data-id$="/z"]',
                                       state="attached", timeout=120_000)
                page.wait_for_selector(tb.IDLE)
                page.evaluate(PROBE)
                button = page.get_by_role("button", name="Draw ε again")
                for _ in range(a.clicks):
                    n = page.evaluate("window.__how.length")
                    button.click()
                    page.wait_for_function(f"window.__how.length > {n}", timeout=30_000)
                    page.wait_for_selector(tb.IDLE)
                eps += page.evaluate("window.__how")
                box = page.get_by_role("spinbutton", name="test digit #")
                for k in range(a.clicks):
                    n = page.evaluate("window.__how.length")
                    box.fill(str(10 + 37 * k))
                    box.press("Enter")
                    page.wait_for_function(f"window.__how.length > {n}", timeout=30_000)
                    page.wait_for_selector(tb.IDLE)
                digit += page.evaluate("window.__how")[a.clicks:]
                context.close()
    out = {"runs": a.runs, "new_eps_ms": summary(eps), "new_digit_ms": summary(digit)}
    print(f"{'':28s}{'median':>10s}{'p95':>10s}")
    for key, label in (("new_eps_ms", "draw a new eps"), ("new_digit_ms", "choose another digit")):
        print(f"{label:28s}{out[key]['median_ms']!s:>10s}{out[key]['p95_ms']!s:>10s}")
    return out
