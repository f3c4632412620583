"""A class on one server, in Debian's Chromium (one browser, a context per person).

    python -m bench.classroom class [--starters 30 --explorers 20 --budget 20]
    python -m bench.classroom cluster [...]      # the same, training on a separate Dask
                                                 # scheduler and 2 worker processes
    python -m bench.classroom restart [--waiting 10]   # kill -9 with 1 training, 10 waiting
    python -m bench.classroom soak [--minutes 60]      # people coming and going

`class`: `starters` people press Start on a `budget`-second run within 10 s while
`explorers` more explore (slider keys, clicks on the scatter, the pad and the manifold, in
turn) for `explore` seconds; then everyone waits for the line to empty. Run against this
app and, as the baseline in the same run, today's app before the line (git commit BEFORE),
where one run trains and every other Start is refused. Measured: Starts refused, runs lost
or failed, exceptions and console errors; each waiting person's place and ETA as the page
showed them at Start against when their run really started (median error); Explore
input-to-pixels (median, p95) and the web process's CPU per Explore action (training
excluded: the baseline's training thread is subtracted, ours trains in other processes);
the peak memory of the server and its training processes (PSS: shared pages once); the
makespan against the ideal (starters x budget / runs at once). Prints a table and writes
bench/results/class-<mode>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.browser import pct, summary
from bench.sessions import KINDS, act_in_turn, cpu_s, thread_cpu
from tooling import browser as tb

OUT = Path(__file__).parent / "results"
BEFORE = "ad6604a"  # main before the training line: one run per server, no owners
MAIN = '[data-testid="stMain"]'
ETA = re.compile(r"place (\d+)\b.*?should start in about (?:(\d+) min)? ?(?:(\d+) s)?", re.S)


def pss_mb(proc: psutil.Process) -> float:
    """The memory a process and its children (the training processes) take on the machine:
    their proportional set sizes (the pages they share, torch's libraries above all, counted
    once between them, not once per process as RSS would)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_full_info().pss
        except psutil.Error:
            pass
    return total / 2**20


class Peak:
    """The peak memory of a process and its children, sampled."""

    def __init__(self, proc: psutil.Process):
        self.proc, self.values, self._stop = proc, [pss_mb(proc)], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.5):
            try:
                self.values.append(pss_mb(self.proc))
            except psutil.Error:
                pass

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.values)


def fill_form(page, budget: float, name: str):
    """Open Train and set a `budget`-second run called `name` (before the clock starts):
    the Start button, or None where it is disabled (the baseline: one run at a time)."""
    page.get_by_role("tab", name="Train").click()
    start = page.get_by_role("button", name="Start training")
    start.wait_for(timeout=300_000)
    if not start.is_enabled():
        return None
    for role, label, value in (("spinbutton", "epochs", "200"),
                               ("spinbutton", "time budget (s)", str(int(budget))),
                               ("textbox", "run name (optional)", name)):
        field = page.get_by_role(role, name=label)
        field.wait_for(timeout=300_000)
        field.fill(value)
    return start


def answer(page, name: str, pressed: float, timeout: float = 300) -> dict:
    """What the page says once Start was pressed: accepted (the place and the ETA it shows,
    and when it was seen) or refused."""
    main = page.locator(MAIN)
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = main.inner_text()
        if any(said in text for said in ("images/s", "Starting: loading data",
                                         "and was saved")):  # started (or done already)
            return {"name": name, "pressed": pressed, "place": 0, "eta_s": 0.0,
                    "seen": time.time()}
        if (m := ETA.search(text)) is not None:
            eta = 60 * int(m.group(2) or 0) + int(m.group(3) or 0)
            return {"name": name, "pressed": pressed, "place": int(m.group(1)),
                    "eta_s": float(eta), "seen": time.time()}
        for refusal in ("already going", "line is full", "one run at a time"):
            if refusal in text:
                return {"name": name, "refused": refusal}
        page.wait_for_timeout(200)
    return {"name": name, "refused": f"no answer within {timeout:.0f} s"}


@contextmanager
def app(which: str, runs: Path, env: dict | None = None):
    """A server of this app (`ours`) or of today's before the line (`before`)."""
    env = {"LATENT_EXPLORER_RUNS": str(runs), **(env or {})}
    if which == "before":
        from bench.legacy import before_app

        with before_app(BEFORE) as srv:
            yield srv
    else:
        with tb.streamlit_server(env=env) as srv:
            yield srv


def jobs_of(runs: Path) -> list:
    from explorer.server.store import Store

    return Store(runs / ".line").recent(1000) if (runs / ".line").exists() else []


def classroom(a, which: str, env: dict | None = None, runs_at_once: int = 1) -> dict:
    runs = Path(tempfile.mkdtemp(prefix=f"class-{which}-"))
    with app(which, runs, env) as srv:
        proc = psutil.Process(srv.proc.pid)
        peak = Peak(proc)
        errors: list[str] = []
        with tb.chromium() as browser:
            explorers = [tb.new_page(browser, srv.url, errors=errors)
                         for _ in range(a.explorers)]
            starters = [tb.new_page(browser, srv.url, errors=errors)
                        for _ in range(a.starters)]
            for _, page in explorers + starters:
                tb.wait_drawn(page, timeout=300_000)
            time.sleep(3)  # the background imports
            buttons = [fill_form(page, a.budget, f"s{k:02d}")  # each form filled in ...
                       for k, (_, page) in enumerate(starters)]
            t0, pressed, web0 = time.time(), [], cpu_s(proc)
            gap = 10.0 / max(1, a.starters)
            for k, start in enumerate(buttons):  # ... then Start pressed within 10 s, in turn
                try:  # (the baseline greys Start out once a run trains)
                    if start is not None and start.is_disabled(timeout=5_000):
                        buttons[k] = None  # greyed out meanwhile: refused
                    elif start is not None:  # a click in the page itself (Playwright's
                        start.evaluate("b => b.click()")  # checks take ~0.7 s each here)
                except (PlaywrightTimeout, PlaywrightError):
                    buttons[k] = None
                pressed.append(time.time())
                wait = t0 + (k + 1) * gap - time.time()
                if wait > 0:
                    time.sleep(wait)
            pressing = time.time() - t0
            said = [answer(page, f"s{k:02d}", pressed[k]) if start is not None else
                    {"name": f"s{k:02d}", "refused": "Start is disabled (one run at a time)"}
                    for k, ((_, page), start) in enumerate(zip(starters, buttons, strict=True))]
            cpu0, total0 = thread_cpu(proc), cpu_s(proc)
            actions = act_in_turn(explorers, time.time() + a.explore, clock=time.time)
            total = cpu_s(proc) - total0
            training = max(c - cpu0.get(t, 0.0) for t, c in thread_cpu(proc).items()) \
                if which == "before" else 0.0
            latency = {kind: summary([x for _, p in explorers for x in tb.latencies(p, kind)])
                       for kind in KINDS}
            accepted = [s for s in said if "refused" not in s]
            deadline = time.time() + a.starters * a.budget * 3 + 300
            while which != "before" and time.time() < deadline:
                jobs = jobs_of(runs)
                if len(jobs) >= len(accepted) and all(not j.active for j in jobs):
                    break
                print(f"  {sum(not j.active for j in jobs)} of {len(accepted)} runs ended",
                      end="\r", flush=True)
                time.sleep(2)
            web_total = cpu_s(proc) - web0  # pages, the line, and (before) its training
            shown = sum(p.locator('[data-testid="stException"]').count()
                        for _, p in explorers + starters)
            for context, _ in explorers + starters:
                context.close()
        rss = peak.stop()
    jobs = {j.name: j for j in jobs_of(runs)}
    done = [j for j in jobs.values() if j.state == "done"]
    errs = []
    for s in accepted:
        job = jobs.get(s["name"])
        if job is not None and job.started and s["eta_s"] > 0:
            errs.append(abs(job.started - s["seen"] - s["eta_s"]) / max(s["eta_s"], 1.0))
    ends = [j.ended for j in done if j.ended]
    makespan = max(ends) - t0 if ends else None
    ideal = a.starters * a.budget / runs_at_once
    out = {
        "app": which, "starters": a.starters, "explorers": a.explorers, "budget_s": a.budget,
        "runs_at_once": runs_at_once if which != "before" else 1,
        "seconds_to_press": round(pressing, 1),
        "starts_refused": sum("refused" in s for s in said),
        "runs_lost": len(accepted) - len(jobs) if which != "before" else None,
        "runs_failed": sum(j.state == "failed" for j in jobs.values()),
        "runs_done": len(done), "exceptions_shown": shown, "console_errors": errors[:10],
        "places_shown": [s.get("place") for s in said],
        "median_eta_error": round(statistics.median(errs), 3) if errs else None,
        "p90_eta_error": round(pct(errs, 90), 3) if errs else None,
        "explore_actions": actions, "input_to_pixels": latency,
        "web_cpu_ms_per_explore_action": round((total - training) / max(actions, 1) * 1000, 1),
        "web_cpu_s_whole_class": round(web_total, 1),
        "peak_memory_mb": round(rss, 1),
        "makespan_s": round(makespan, 1) if makespan else None,
        "ideal_makespan_s": ideal if which != "before" else None,
        "makespan_over_ideal": round(makespan / ideal, 3) if makespan and which != "before"
        else None,
    }
    return out


def print_table(rows: list[dict], keys: list[str]) -> None:
    print(f"{'':38s}" + "".join(f"{r['app']:>22s}" for r in rows))
    for key in keys:
        cells = []
        for r in rows:
            v = r.get(key)
            if isinstance(v, dict):
                v = f"{v.get('median_ms')} / {v.get('p95_ms')} ms"
            cells.append(f"{str(v):>22s}")
        print(f"{key:38s}" + "".join(cells))


def flat(r: dict) -> dict:
    out = {k: v for k, v in r.items() if k != "input_to_pixels"}
    for kind, s in r["input_to_pixels"].items():
        out[f"{kind} (median / p95)"] = s
    return out


KEYS = ["starts_refused", "runs_lost", "runs_failed", "runs_done", "exceptions_shown",
        "median_eta_error", "p90_eta_error", "slider_key (median / p95)",
        "scatter (median / p95)", "pad (median / p95)", "manifold (median / p95)",
        "web_cpu_ms_per_explore_action", "web_cpu_s_whole_class", "peak_memory_mb",
        "makespan_s", "ideal_makespan_s", "makespan_over_ideal"]


@contextmanager
def dask_cluster(workers: int = 2):
    """A scheduler and `workers` worker processes of their own (as `make scheduler` and
    `make worker` start them)."""
    from tooling.browser import REPO, free_port
    from tooling.processes import DASK, dask_scheduler, stop

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [dask_scheduler(port, env)]
    procs += [subprocess.Popen([str(DASK), "worker", f"tcp://127.0.0.1:{port}", "--nthreads",
                                "1", "--nworkers", "1", "--no-dashboard", "--name", f"w{k}",
                                "--preload", "explorer.server.task"],  # one torch thread
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
              for k in range(workers)]
    try:
        time.sleep(5)
        yield f"tcp://127.0.0.1:{port}", procs
    finally:
        stop(procs)


def run_class(a) -> list[dict]:
    rows = [classroom(a, "ours")]
    OUT.mkdir(exist_ok=True)  # kept should the baseline fail
    (OUT / "class-class.partial.json").write_text(json.dumps(rows, indent=1, default=str))
    if not a.no_baseline:
        rows.append(classroom(a, "before"))
    return rows


def run_cluster(a) -> list[dict]:
    with dask_cluster(2) as (address, procs):
        workers = [psutil.Process(p.pid) for p in procs[1:]]
        workers += [c for w in workers for c in w.children(recursive=True)]
        before = sum(cpu_s(w) for w in workers)
        row = classroom(a, "ours", env={"LATENT_EXPLORER_SCHEDULER": address,
                                        "LATENT_EXPLORER_RUNS_AT_ONCE": "2"}, runs_at_once=2)
        row["app"] = "ours, cluster"
        row["workers_cpu_s"] = round(sum(cpu_s(w) for w in workers) - before, 1)
    return [row]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.classroom", description=__doc__)
    ap.add_argument("mode", choices=("class", "cluster", "restart", "soak"))
    ap.add_argument("--starters", type=int, default=30)
    ap.add_argument("--explorers", type=int, default=20)
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--explore", type=float, default=120.0, help="seconds of exploring")
    ap.add_argument("--waiting", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--no-baseline", action="store_true")
    a = ap.parse_args(argv)
    if a.mode in ("class", "cluster"):
        rows = run_class(a) if a.mode == "class" else run_cluster(a)
        print_table([flat(r) for r in rows], KEYS + (["workers_cpu_s"] if a.mode == "cluster"
                                                    else []))
    elif a.mode == "restart":
        from bench.restart import restart

        rows = [restart(a)]
    else:
        from bench.soak import soak

        rows = [soak(a)]
    OUT.mkdir(exist_ok=True)
    (OUT / f"class-{a.mode}.json").write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
