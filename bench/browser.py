"""Browser benchmarks of the real app (`streamlit run app.py` + Debian's Chromium).

    python -m bench.browser latency [--runs 3]   # ours against the app before and baselines
    python -m bench.browser load [--sessions 8 --seconds 60]   # + a training run
    python -m bench.browser soak [--minutes 10]                # memory and stalls over time
    python -m bench.browser share                              # the share file, from file://
    python -m bench.browser how                                # the How it works tab

`latency` starts, in turn and `--runs` times (samples pooled, first pages the median of the
runs): a one-line Streamlit app (the floor of a first page), ours, the app as it was before
the Explore view ran in the page (git commit bench.legacy.BEFORE), and bench/baseline_app.py
(the same explorer the plain Streamlit way). Ours is timed in the page, from the input
event's timestamp to the end of the animation frame that paints its pixels; the others from
the release that makes Streamlit report to the frame in which Python's new preview is loaded
(bench/legacy.py). Server CPU is the server process's user + system time over the actions,
per action. Prints a table and writes bench/results/browser-<mode>.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from bench import legacy, write_json
from tooling.browser import (
    IDLE,
    chromium,
    drag_slider,
    latencies,
    new_page,
    point,
    screen_xy,
    slider,
    streamlit_server,
    view_state,
)

OUT = Path(__file__).parent / "results"
BASELINE = Path(__file__).parent / "baseline_app.py"
ONELINE = Path(__file__).parent / "oneline_app.py"
# drawn: the script has run, and the view has painted its first frame (pad, scatter, preview)
FIRST = f"""() => {{ const s = window.__lxStats && Object.values(window.__lxStats)[0];
  return !!document.querySelector('{IDLE}') && !!s && s.previews >= 1; }}"""


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))] if v else float("nan")


def summary(values) -> dict:
    if not values:
        return {"n": 0, "median_ms": None, "p95_ms": None, "max_ms": None}
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(pct(values, 95), 1), "max_ms": round(max(values), 1)}


def cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def wait_quiet(proc: psutil.Process, idle_s: float = 0.1, within_s: float = 2.5,
               timeout: float = 60.0) -> None:
    """Wait until the server is idle (its background imports done): less than idle_s of
    CPU in within_s, so that what follows is measured alone."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        c = cpu_s(proc)
        time.sleep(within_s)
        if cpu_s(proc) - c < idle_s:
            return


def ours(browser, a, env: dict | None = None) -> dict:
    """One server start of app.py: its first page, then every kind of input."""
    with streamlit_server(env=env) as srv:
        context, page = new_page(browser, srv.url)
        page.wait_for_function(FIRST, timeout=180_000)
        first = time.perf_counter() - srv.started
        page.wait_for_selector(IDLE, timeout=60_000)
        proc = psutil.Process(srv.proc.pid)
        wait_quiet(proc)
        c0 = cpu_s(proc)
        slider(page, 0).focus()
        for i in range(a.moves):  # four up, four down, ...: never stuck at an end
            page.keyboard.press("PageUp" if (i // 4) % 2 == 0 else "PageDown")
            page.wait_for_timeout(120)
        drags = [drag_slider(page, i % 2, 2.0)["previews_per_s"] for i in range(a.drags)]
        (x0, y0), (x1, y1) = screen_xy(page, "pad", (-3, -2.5)), screen_xy(page, "pad", (3, 2.5))
        page.mouse.move(x0, y0)
        page.mouse.down()
        for k in range(240):
            t = abs((k % 120) - 60) / 60
            page.mouse.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        page.mouse.up()
        for k in range(a.clicks):
            page.mouse.click(*point(page, k)["xy"])
            page.wait_for_timeout(200)
        grid = page.locator(".lx-grid")
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        for k in range(a.clicks):
            u, v = ((k * 7) % 15 + 0.5) / 15, ((k * 11) % 15 + 0.5) / 15
            page.mouse.click(box["x"] + u * box["width"], box["y"] + v * box["height"])
            page.wait_for_timeout(200)
        page.wait_for_selector(IDLE)
        actions = a.moves + a.drags + 1 + 2 * a.clicks
        cpu = (cpu_s(proc) - c0) / actions
        out = {"first_page_s": [round(first, 2)], "slider_drag_previews_per_s": drags,
               "server_cpu_ms_per_action": [round(cpu * 1000, 1)]}
        for kind in ("slider_key", "pad", "scatter", "manifold"):
            out[kind] = latencies(page, kind)
        assert view_state(page)["exceptions"] == []
        context.close()
    return out


def python_drawn(browser, a, server, markers: bool) -> dict:
    """One server start of an app whose preview Python draws (bench/legacy.py); markers:
    whether it lays the preview's marker over its scatter (the app before did)."""
    with server as srv:
        context, page = new_page(browser, srv.url)
        legacy.wait_drawn(page, markers=markers)
        first = time.perf_counter() - srv.started
        proc = psutil.Process(srv.proc.pid)
        wait_quiet(proc)
        c0 = cpu_s(proc)
        keys, pad = legacy.slider_keys(page, a.moves)
        clicks = legacy.scatter_clicks(page, a.clicks)
        cpu = (cpu_s(proc) - c0) / (a.moves + a.clicks)
        context.close()
    return {"first_page_s": [round(first, 2)], "slider_key": keys, "pad_after_python": pad,
            "scatter": clicks, "server_cpu_ms_per_action": [round(cpu * 1000, 1)]}


def oneline(browser) -> dict:
    with streamlit_server(script=ONELINE) as srv:
        context, page = new_page(browser, srv.url)
        page.wait_for_selector("text=Hello from a one-line", timeout=120_000)
        first = time.perf_counter() - srv.started
        context.close()
    return {"first_page_s": [round(first, 2)]}


def latency(a) -> dict:
    raw: dict[str, dict] = {"oneline": {}, "ours": {}, "before": {}, "baseline": {}}
    with chromium() as browser:  # already running, as a user's browser is
        for _ in range(a.runs):
            runs = {"oneline": lambda: oneline(browser), "ours": lambda: ours(browser, a),
                    "before": lambda: python_drawn(browser, a, legacy.before_app(a.before),
                                                   markers=True),
                    "baseline": lambda: python_drawn(
                        browser, a, streamlit_server(script=BASELINE), markers=False)}
            for name, run in runs.items():
                for key, values in run().items():
                    raw[name].setdefault(key, []).extend(values)
        with tempfile.TemporaryDirectory() as empty:  # what the very first start costs
            cold = ours(browser, argparse.Namespace(moves=4, drags=1, clicks=2),
                        env={"LATENT_EXPLORER_CACHE": empty})["first_page_s"][0]
    result = {"runs": a.runs, "moves": a.moves, "clicks": a.clicks, "before_commit": a.before,
              "first_start_with_empty_cache_s": cold}
    for name, r in raw.items():
        result[name] = {k: (summary(v) if k not in ("first_page_s", "slider_drag_previews_per_s",
                                                    "server_cpu_ms_per_action")
                            else {"median": round(statistics.median(v), 2), "runs": v})
                        for k, v in r.items()}
    print_latency(result)
    return result


def print_latency(r: dict) -> None:
    def cell(app, key, stat="median_ms"):
        v = r[app].get(key)
        return "-" if v is None else str(v.get(stat, v.get("median")))

    rows = [("first page drawn (s)", "first_page_s", "median")]
    rows += [(f"{label}, {s.split('_')[0]} (ms)", key, s)
             for label, key in (("slider key to pixels", "slider_key"),
                                ("pad pointer to pixels", "pad"),
                                ("scatter click to pixels", "scatter"),
                                ("manifold click to pixels", "manifold"))
             for s in ("median_ms", "p95_ms")]
    rows += [("slider drag: previews per second", "slider_drag_previews_per_s", "median"),
             ("server CPU per action (ms)", "server_cpu_ms_per_action", "median")]
    apps = ("ours", "before", "baseline", "oneline")
    print(f"{r['runs']} runs; before = commit {r['before_commit']}")
    print(f"{'':38s}" + "".join(f"{a:>10s}" for a in apps))
    for label, key, stat in rows:
        print(f"{label:38s}" + "".join(f"{cell(a, key, stat):>10s}" for a in apps))
    print(f"first start with an empty page cache: {r['first_start_with_empty_cache_s']} s")


def main() -> int:
    from bench import how, sessions, share

    ap = argparse.ArgumentParser(prog="python -m bench.browser",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["latency", "load", "soak", "share", "how"])
    ap.add_argument("--moves", type=int, default=40, help="slider key presses per run")
    ap.add_argument("--drags", type=int, default=3, help="2-second slider drags per run")
    ap.add_argument("--clicks", type=int, default=20, help="scatter (and manifold) clicks")
    ap.add_argument("--runs", type=int, default=3, help="latency: server starts of each app")
    ap.add_argument("--before", default=legacy.BEFORE, help="latency: the commit to compare")
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=10)
    a = ap.parse_args()
    modes = {"latency": latency, "load": sessions.load, "soak": sessions.soak,
             "share": share.run, "how": how.run}
    result = modes[a.mode](a)
    write_json(OUT / f"browser-{a.mode}.json", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
