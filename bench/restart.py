"""`python -m bench.classroom restart`: the server killed with SIGKILL while one run trains
and `--waiting` wait in line, then started again on the same folders. Reported: how many of
the runs finish, in which order, how many epochs the interrupted one lost (what it had
trained at the kill, by its owner's page, less what was saved), and how long the line took
to go on after the restart."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from explorer.server import owners
from explorer.server.store import Store
from explorer.vae.config import TrainConfig
from tooling import browser as tb
from tooling.served import wait_health

KEY = "latent-explorer-owner"  # where the page keeps a browser's secret (ui/static/identity.js)
PROGRESS = re.compile(r"epoch (\d+)/\d+ · step (\d+)/(\d+)")


def serve(runs: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(tb.REPO / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=tb.REPO,
        env={**os.environ, "LATENT_EXPLORER_RUNS": str(runs)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def owner_page(browser, url: str, token: str):
    """A page of the browser whose secret is `token` (the owner of the running run)."""
    wait_health(url, 120)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(f"window.localStorage.setItem({KEY!r}, {token!r});")
    page = context.new_page()
    page.goto(url)
    tb.wait_drawn(page)
    return context, page


def restart(a) -> dict:
    runs = Path(tempfile.mkdtemp(prefix="restart-"))
    store = Store(runs / ".line")
    tokens = [f"{k:032x}" for k in range(1, a.waiting + 2)]
    who = [owners.from_browser(t) for t in tokens]
    # epochs of 20,000 images (a few seconds each): it is killed after its second
    long = TrainConfig(epochs=30, max_seconds=600, train_subset=20000, threads=1)
    store.add("j00", who[0].id, "interrupted", long.to_dict(), 600, 60)
    for k in range(1, a.waiting + 1):
        store.add(f"j{k:02d}", who[k].id, f"waiting-{k:02d}",
                  TrainConfig(epochs=200, max_seconds=a.budget, threads=1).to_dict(), a.budget,
                  60)
    port = tb.free_port()
    with tb.chromium() as browser:
        server = serve(runs, port)
        context, page = owner_page(browser, f"http://127.0.0.1:{port}/", tokens[0])
        page.get_by_role("tab", name="Train").click()
        while (store.get("j00").epochs_done or 0) < 2:
            if store.get("j00").state not in ("queued", "running"):
                raise RuntimeError(f"the run ended before the kill: {store.get('j00')}")
            print(f"  training: {store.get('j00').state}, epochs saved "
                  f"{store.get('j00').epochs_done}", end="\r", flush=True)
            time.sleep(0.5)
        time.sleep(1.5)  # into its third epoch: what a kill there loses
        text = page.locator('[data-testid="stMain"]').inner_text()
        m = PROGRESS.search(text)
        os.kill(server.pid, signal.SIGKILL)
        killed_at = time.time()
        server.wait(10)
        context.close()
        epoch, step, total = (int(v) for v in m.groups())
        at_kill = store.get("j00")
        saved = torch.load(io.BytesIO(Path(at_kill.resume).read_bytes()),
                           weights_only=True)["resume"]["step"]
        steps_per_epoch = total // long.epochs
        server = serve(runs, port)
        context, page = owner_page(browser, f"http://127.0.0.1:{port}/", tokens[0])
        resumed = None
        deadline = time.time() + 60 * 30
        while time.time() < deadline:
            jobs = {j.id: j for j in store.recent()}
            if resumed is None and jobs["j00"].state == "running":
                resumed = time.time() - killed_at
            if all(not j.active for j in jobs.values()):
                break
            print("  " + " ".join(f"{j.name}:{j.state}" for j in jobs.values()), end="\r",
                  flush=True)
            time.sleep(1)
        page.get_by_role("tab", name="Train").click()
        page.wait_for_selector("text=and was saved", timeout=120_000)
        owner_sees = "interrupted" in page.locator('[data-testid="stMain"]').inner_text()
        context.close()
        server.terminate()
        server.wait(20)
    jobs = sorted(store.recent(), key=lambda j: j.seq)
    out = {"waiting": a.waiting, "runs": len(jobs),
           "finished": sum(j.state == "done" for j in jobs),
           "order_kept": [j.name for j in sorted(jobs, key=lambda j: j.started)]
           == [j.name for j in jobs],
           "interrupted_attempts": jobs[0].attempts,
           "epoch_in_progress_at_kill": epoch, "step_at_kill": step,
           "step_saved": saved, "epochs_lost": round((step - saved) / steps_per_epoch, 2),
           "seconds_from_kill_to_training_again": round(resumed, 1) if resumed else None,
           "owner_finds_their_run": owner_sees}
    for k, v in out.items():
        print(f"{k:40s} {v}")
    return out
