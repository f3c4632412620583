"""`python -m bench.browser load` and `soak`: many sessions at once with a training run, and
one session for a long time. Input-to-pixels times come from the view itself (tooling/
browser.py); "Python heard" is checked at the end of each session's actions; memory is the
server process's RSS (psutil).
"""

from __future__ import annotations

import threading
import time

import psutil
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tooling import browser as tb
from tooling.browser import start_training, view_state, wait_drawn  # the rest: tb.*


def rss_mb(proc: psutil.Process) -> float:
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def thread_cpu(proc: psutil.Process) -> dict[int, float]:
    return {t.id: t.user_time + t.system_time for t in proc.threads()}


KINDS = ("slider_key", "scatter", "pad", "manifold")


def act(page, k: int) -> None:
    """One input, by turns: a slider key, a click on a test digit, on the pad, on a cell of
    the manifold."""
    kind = KINDS[k % 4]
    if kind == "slider_key":
        tb.slider(page, 0).focus()
        page.keyboard.press("PageUp" if (k // 16) % 2 == 0 else "PageDown")
    elif kind == "scatter":
        page.locator(".lx-scatter").scroll_into_view_if_needed()
        page.mouse.click(*tb.point(page, k)["xy"])
    elif kind == "pad":
        page.locator(".lx-pad").scroll_into_view_if_needed()
        z = ((k * 37) % 61 / 10 - 3, (k * 53) % 61 / 10 - 3)
        page.mouse.click(*tb.screen_xy(page, "pad", z))
    else:
        page.locator(".lx-grid").scroll_into_view_if_needed()
        box = page.locator(".lx-grid").bounding_box()
        page.mouse.click(box["x"] + ((k * 7) % 15 + 0.5) / 15 * box["width"],
                         box["y"] + ((k * 11) % 15 + 0.5) / 15 * box["height"])


def act_in_turn(pages, until: float, actions: int = 0, clock=time.perf_counter) -> int:
    """Each page acts in turn (act), 60 ms apart, until `clock()` passes `until`; the count
    of actions so far (starting from `actions`)."""
    while clock() < until:
        for i, (_, page) in enumerate(pages):
            act(page, actions + i)
            page.wait_for_timeout(60)
        actions += len(pages)
    return actions


def report(out: dict, width: int = 30) -> dict:
    """Prints a run's results, one a line (all but its samples, which it thins to about
    60 for the JSON); returns them."""
    samples = out.get("samples")
    if samples is not None:
        out = {**out, "samples": samples[:: max(1, len(samples) // 60)]}
    for key, v in out.items():
        if key != "samples":
            print(f"{key:{width}s} {v}")
    return out


def summary_of(pages, kinds=KINDS) -> dict:
    from bench.browser import summary

    return {kind: summary([x for _, p in pages for x in tb.latencies(p, kind)])
            for kind in kinds}


def load(a) -> dict:
    """`sessions` browser sessions act in turn for `seconds` while one of them trains."""
    with tb.streamlit_server() as srv:
        proc = psutil.Process(srv.proc.pid)
        peak, stop = [rss_mb(proc)], threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(rss_mb(proc))
                time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        errors: list[str] = []
        with tb.chromium() as browser:
            pages = [tb.new_page(browser, srv.url, errors=errors) for _ in range(a.sessions)]
            for _, page in pages:
                wait_drawn(page)
            _, trainer = pages[0]
            start_training(trainer, 200, a.seconds + 60)
            trainer.get_by_role("tab", name="Explore").click()
            wait_drawn(trainer)
            cpu0, total0 = thread_cpu(proc), cpu_s(proc)
            actions = act_in_turn(pages, time.perf_counter() + a.seconds)
            heard = 0
            for _, page in pages:  # every session's last z reaches Python
                try:
                    tb.wait_server_z(page, [float(v) for v in view_state(page)["z"].split(",")],
                                  timeout=30_000)
                    heard += 1
                except PlaywrightTimeout:
                    pass
            # the process's CPU (threads that ended included) less the busiest thread's: the
            # training run, alive all along
            total = cpu_s(proc) - total0
            training = max(c - cpu0.get(t, 0.0) for t, c in thread_cpu(proc).items())
            result = summary_of(pages)
            shown = sum(p.locator('[data-testid="stException"]').count() for _, p in pages)
            trainer.get_by_role("tab", name="Train").click()
            trainer.get_by_role("button", name="Stop").click()
            for context, _ in pages:
                context.close()
        stop.set()
        sampler.join()
    out = {"sessions": a.sessions, "seconds": a.seconds, "actions": actions,
           "input_to_pixels": result, "sessions_python_heard": heard,
           "exceptions_shown": shown, "console_errors": errors[:10],
           "server_cpu_ms_per_action_without_training":
               round((total - training) / actions * 1000, 1),
           "training_thread_cpu_s": round(training, 1),
           "server_peak_rss_mb": round(max(peak), 1), "server_start_rss_mb": round(peak[0], 1)}
    for k, v in out.items():
        print(f"{k:42s} {v}")
    return out


def soak(a) -> dict:
    """One session for `minutes`: slider keys, clicks, and a tab switch each round."""
    with tb.streamlit_server() as srv:
        proc = psutil.Process(srv.proc.pid)
        errors: list[str] = []
        with tb.chromium() as browser:
            context, page = tb.new_page(browser, srv.url, errors=errors)
            wait_drawn(page)
            samples, stalls, lat = [], [], {kind: [] for kind in KINDS}
            t0, warm, k = time.perf_counter(), None, 0
            while time.perf_counter() - t0 < a.minutes * 60:
                for _ in range(8):
                    act(page, k)
                    k += 1
                    page.wait_for_timeout(100)
                for kind in lat:  # the view is made anew when the tab comes back
                    lat[kind] += tb.latencies(page, kind)
                page.get_by_role("tab", name="Draw or upload").click()
                page.get_by_role("tab", name="Explore").click()
                try:
                    wait_drawn(page, timeout=60_000)
                except AssertionError as e:
                    stalls.append({"at_s": round(time.perf_counter() - t0, 1), "state": str(e)})
                    page.get_by_role("tab", name="Explore").click()
                    wait_drawn(page, timeout=60_000)
                elapsed = time.perf_counter() - t0
                samples.append((round(elapsed, 1), round(rss_mb(proc), 1)))
                if warm is None and elapsed > 60:
                    warm = samples[-1][1]
            context.close()
    from bench.browser import summary

    end = samples[-1][1]
    out = {"minutes": a.minutes, "rounds": len(samples), "actions": k,
           "input_to_pixels": {kind: summary(v) for kind, v in lat.items()},
           "stalls": stalls, "console_errors": errors[:10], "rss_after_warmup_mb": warm,
           "rss_end_mb": end, "growth_after_warmup_mb": round(end - (warm or samples[0][1]), 1),
           "samples": samples}
    return report(out)
