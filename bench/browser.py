"""Browser benchmarks of the real app (`streamlit run app.py` + Debian's Chromium).

    python -m bench.browser latency [--runs 3 --moves 50 --clicks 20]   # ours and baseline
    python -m bench.browser load [--sessions 8 --seconds 60]   # many sessions + a training job
    python -m bench.browser soak [--minutes 10]                # memory growth over time

Latencies are measured in the page: from the key or pointer release to the animation frame
in which the new preview image is loaded. `latency` measures app.py and, in the same run,
bench/baseline_app.py: the same explorer written the plain Streamlit way (whole-script
reruns, a Plotly selection for clicks). Memory is the server process's RSS (psutil).
Prints a table and writes bench/results/browser-<mode>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path

import psutil
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.testing import (
    chromium,
    open_page,
    open_pages,
    scatter_clicks,
    slider_moves,
    streamlit_server,
    wait_drawn,
)

OUT = Path(__file__).parent / "results"
BASELINE = Path(__file__).parent / "baseline_app.py"


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))] if v else float("nan")


def summary(values) -> dict:
    if not values:
        return {"n": 0, "median_ms": None, "p95_ms": None, "max_ms": None}
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(pct(values, 95), 1), "max_ms": round(max(values), 1)}


def latency_of(script: Path | None, a) -> dict:
    """Raw samples (ms) of one server start, page load, slider moves and clicks."""
    with chromium() as browser:  # already running, as a user's browser is
        with streamlit_server(script=script) as srv:
            t_open = time.perf_counter()
            context, page = open_page(browser, srv.url, markers=script is None)
            first_page = time.perf_counter() - srv.started
            reload_t = time.perf_counter() - t_open
            sliders = slider_moves(page, a.moves)
            pad = page.evaluate("window.__padlat")
            clicks = scatter_clicks(page, a.clicks)
            context.close()
    return {"startup_s": [round(first_page, 2)], "page_open_s": [round(reload_t, 2)],
            "slider": sliders, "pad": pad, "click": clicks}


def latency(a) -> dict:
    """app.py and bench/baseline_app.py (the plain Streamlit way), taking turns `runs`
    times; the samples of all runs are pooled, startup is the median of the runs."""
    raw = {"ours": {}, "baseline": {}}
    for _ in range(a.runs):
        for name, script in (("ours", None), ("baseline", BASELINE)):
            for key, values in latency_of(script, a).items():
                raw[name].setdefault(key, []).extend(values)

    def report(r: dict) -> dict:
        return {"startup_to_first_drawn_page_s": statistics.median(r["startup_s"]),
                "startup_runs_s": r["startup_s"],
                "page_open_s": statistics.median(r["page_open_s"]),
                "slider_release_to_preview": summary(r["slider"]),
                "slider_release_to_pad_preview": summary(r["pad"]),
                "scatter_click_to_preview": summary(r["click"])}

    ours, baseline = report(raw["ours"]), report(raw["baseline"])
    rows = [("slider release to preview, median (ms)", "slider_release_to_preview", "median_ms"),
            ("slider release to preview, p95 (ms)", "slider_release_to_preview", "p95_ms"),
            ("scatter click to preview, median (ms)", "scatter_click_to_preview", "median_ms"),
            ("scatter click to preview, p95 (ms)", "scatter_click_to_preview", "p95_ms"),
            ("clicks that moved the preview", "scatter_click_to_preview", "n")]
    print(f"{a.runs} runs of {a.moves} moves and {a.clicks} clicks each")
    print(f"{'':40s} {'ours':>10s} {'baseline':>10s}")
    for label, key, stat in rows:
        print(f"{label:40s} {ours[key][stat]!s:>10s} {baseline[key][stat]!s:>10s}")
    print(f"{'streamlit run to first drawn page (s)':40s} "
          f"{ours['startup_to_first_drawn_page_s']:>10} "
          f"{baseline['startup_to_first_drawn_page_s']:>10}")
    return {**ours, "runs": a.runs, "moves": a.moves, "clicks": a.clicks,
            "baseline": {"app": "bench/baseline_app.py", **baseline}}


def server_rss_mb(proc: psutil.Process) -> float:
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def load(a) -> dict:
    with streamlit_server() as srv:
        proc = psutil.Process(srv.proc.pid)
        peak = [server_rss_mb(proc)]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(server_rss_mb(proc))
                time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with chromium() as browser:
            pages = open_pages(browser, srv.url, a.sessions)
            # one session starts a training job (it runs on one core of the server)
            _, trainer = pages[0]
            trainer.get_by_role("tab", name="Train").click()
            trainer.get_by_role("spinbutton", name="epochs").fill("200")
            trainer.get_by_role("spinbutton", name="time budget (s)").fill(str(a.seconds + 60))
            trainer.get_by_role("button", name="Start training").click()
            trainer.wait_for_selector("text=images/s", timeout=60_000)
            trainer.get_by_role("tab", name="Explore").click()
            wait_drawn(trainer)
            lat: list[float] = []
            t_end = time.perf_counter() + a.seconds
            rounds = 0
            while time.perf_counter() < t_end:  # round-robin: each session acts in turn
                for i, (_, page) in enumerate(pages):
                    lat += slider_moves(page, 1) if (rounds + i) % 2 else scatter_clicks(page, 1)
                rounds += 1
            errors = sum(p.locator('[data-testid="stException"]').count() for _, p in pages)
            trainer.get_by_role("tab", name="Train").click()
            trainer.get_by_role("button", name="Stop").click()
            for context, _ in pages:
                context.close()
        stop.set()
        sampler.join()
    return {"sessions": a.sessions, "seconds": a.seconds, "actions": len(lat),
            "preview_latency": summary(lat), "exceptions_shown": errors,
            "server_peak_rss_mb": round(max(peak), 1), "server_start_rss_mb": round(peak[0], 1)}


STATE = """() => ({
  script: document.querySelector('[data-testid="stApp"]').dataset.testScriptState,
  tab: [...document.querySelectorAll('[role="tab"]')].filter(t =>
      t.getAttribute('aria-selected') === 'true').map(t => t.textContent),
  preview: !![...document.querySelectorAll('[data-testid="stImage"]')].find(e =>
      e.textContent.includes('decoded at')),
  plot: !!document.querySelector('.js-plotly-plot'),
  exceptions: document.querySelectorAll('[data-testid="stException"]').length})"""


def flip_tabs(page, stalls: list, t0: float) -> None:
    """Open another tab and come back to Explore. If Explore is not drawn within a minute,
    record what the page showed (and a screenshot), click Explore again and go on."""
    page.get_by_role("tab", name="Draw or upload").click()
    page.get_by_role("tab", name="Explore").click()
    for _ in range(3):
        try:
            wait_drawn(page, timeout=60_000)
            return
        except PlaywrightTimeout:  # what was on the page?
            shot = OUT / f"soak-stall-{len(stalls)}.png"
            page.screenshot(path=str(shot))
            stalls.append({"at_s": round(time.perf_counter() - t0, 1),
                           "page": page.evaluate(STATE), "screenshot": shot.name})
            print("stall:", stalls[-1], flush=True)
            page.get_by_role("tab", name="Explore").click()
    raise RuntimeError("Explore was not drawn after three tries")


def soak(a) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as srv:
        proc = psutil.Process(srv.proc.pid)
        with chromium() as browser:
            context, page = open_page(browser, srv.url)
            samples, lat, stalls = [], [], []
            t0 = time.perf_counter()
            warm = None
            while time.perf_counter() - t0 < a.minutes * 60:
                lat += slider_moves(page, 4) + scatter_clicks(page, 2)
                flip_tabs(page, stalls, t0)
                elapsed = time.perf_counter() - t0
                samples.append((round(elapsed, 1), round(server_rss_mb(proc), 1)))
                if warm is None and elapsed > 60:
                    warm = samples[-1][1]
            context.close()
    end = samples[-1][1]
    return {"minutes": a.minutes, "rounds": len(samples), "actions": len(lat),
            "preview_latency": summary(lat), "stalls": stalls,
            "rss_after_warmup_mb": warm, "rss_end_mb": end,
            "growth_after_warmup_mb": round(end - (warm or samples[0][1]), 1),
            "samples": samples[:: max(1, len(samples) // 60)]}


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split(
        "\n\n")[0])
    ap.add_argument("mode", choices=["latency", "load", "soak"])
    ap.add_argument("--moves", type=int, default=50)
    ap.add_argument("--clicks", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3, help="latency: server starts of each app")
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=10)
    a = ap.parse_args()
    result = {"latency": latency, "load": load, "soak": soak}[a.mode](a)
    for k, v in result.items():
        if k != "samples":
            print(f"{k:34s} {v}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"browser-{a.mode}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
