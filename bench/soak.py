"""`python -m bench.classroom soak [--minutes 60]`: people coming and going for an hour.
One after another, each new person (a fresh browser context: a new owner) explores for a
while, starts a short run (and leaves: their run finishes alone and waits for them), and
every third one makes a dataset of their pictures (a zip of 200 letters); runs pile up in
the line and train as they go. Sampled every 10 s: the memory of the server and its training
processes (PSS). Reported: the growth after warm-up (the first 10 minutes), and every error
(a failed run or import, an exception on a page, a console error)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import psutil

from bench.classroom import jobs_of, pss_mb
from bench.sessions import act, report
from tooling import browser as tb
from tooling.letters import letters_zip

WARMUP_S = 600


def person(browser, url: str, k: int, zip_path: Path, budget: float, errors: list) -> dict:
    context, page = tb.new_page(browser, url, errors=errors)
    tb.wait_drawn(page, timeout=300_000)
    for i in range(16):
        act(page, k * 16 + i)
        page.wait_for_timeout(150)
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("spinbutton", name="epochs").fill("200")
    page.get_by_role("spinbutton", name="time budget (s)").fill(str(int(budget)))
    page.get_by_role("button", name="Start training").click()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("waiting in line").or_(main.get_by_text("Starting:")).or_(
        main.get_by_text("images/s")).first.wait_for(timeout=120_000)  # it joined the line
    imported = None
    if k % 3 == 0:
        page.get_by_role("tab", name="Your images").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(zip_path)
        page.get_by_role("button", name="Make the dataset").click()
        page.get_by_text("is ready").or_(page.get_by_text("could not be made")).first.wait_for(
            timeout=120_000)
        imported = page.get_by_text("is ready").count() > 0
    shown = page.locator('[data-testid="stException"]').count()
    context.close()
    return {"imported": imported, "exceptions": shown}


def soak(a) -> dict:
    runs = Path(tempfile.mkdtemp(prefix="soak-runs-"))
    data = Path(tempfile.mkdtemp(prefix="soak-data-"))
    (data / "MNIST").symlink_to((tb.REPO / "data" / "MNIST").resolve())
    zip_path = letters_zip(Path(tempfile.mkdtemp()) / "letters.zip", per_class=20,
                           classes="abcdefghij")
    env = {"LATENT_EXPLORER_RUNS": str(runs), "LATENT_EXPLORER_DATA": str(data)}
    errors, samples, people, imports_failed, shown = [], [], 0, 0, 0
    with tb.streamlit_server(env=env) as srv, tb.chromium() as browser:
        proc = psutil.Process(srv.proc.pid)
        t0 = last = time.time()
        while time.time() - t0 < a.minutes * 60:
            done = person(browser, srv.url, people, zip_path, a.budget, errors)
            people += 1
            imports_failed += done["imported"] is False
            shown += done["exceptions"]
            if time.time() - last >= 10 or not samples:
                samples.append((round(time.time() - t0), round(pss_mb(proc), 1)))
                last = time.time()
        while any(j.active for j in jobs_of(runs)):  # the line empties
            time.sleep(2)
        samples.append((round(time.time() - t0), round(pss_mb(proc), 1)))
    jobs = jobs_of(runs)
    warm = next((m for t, m in samples if t >= WARMUP_S), samples[0][1])
    after = [m for t, m in samples if t >= WARMUP_S] or [samples[-1][1]]
    out = {"minutes": a.minutes, "people": people, "runs": len(jobs),
           "runs_done": sum(j.state == "done" for j in jobs),
           "runs_failed": sum(j.state == "failed" for j in jobs),
           "imports": (people + 2) // 3, "imports_failed": imports_failed,
           "exceptions_shown": shown, "console_errors": errors[:10],
           "memory_after_warmup_mb": warm, "memory_end_mb": samples[-1][1],
           "memory_max_after_warmup_mb": max(after),
           "growth_after_warmup_mb": round(max(after) - warm, 1),
           "samples": samples}
    return report(out, 32)
