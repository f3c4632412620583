"""A real server killed with SIGKILL while one run trains and two wait, then started again:
the waiting runs keep their places, the interrupted one goes on from its last saved epoch
(and ends with the very weights of a run that never stopped), every run finishes, and the
killed server's training processes do not linger."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import torch

from explorer.server import owners
from explorer.server.store import Store
from explorer.vae import checkpoint, runner
from explorer.vae.config import TrainConfig
from tests.conftest import ROOT, chromium_or_skip, until
from tooling.browser import chromium, free_port, new_page, wait_drawn

pytestmark = [pytest.mark.browser, pytest.mark.slow]
QUICK = dict(train_subset=2048, test_subset=256, batch_size=64, threads=1)
# long enough a budget that the epochs end it, so the learning rate follows the steps alone
LONG = TrainConfig(epochs=6, max_seconds=3600, seed=3, **QUICK)


def serve(runs, port):
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
           "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "LATENT_EXPLORER_RUNS": str(runs)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def visit(browser, port):
    """A first page: the app's script runs, and the line starts by itself."""
    context, page = new_page(browser, f"http://127.0.0.1:{port}/")
    wait_drawn(page)
    context.close()


def test_kill_9_mid_run_loses_nothing(tmp_path):
    chromium_or_skip()
    runs = tmp_path / "runs"
    store = Store(runs / ".line")
    people = [owners.from_browser(c * 32) for c in "abc"]
    store.add("long", people[0].id, "long", LONG.to_dict(), 3600, 10)
    short = [store.add(f"short{k}", who.id, f"short{k}",
                       TrainConfig(epochs=2, max_seconds=60, **QUICK).to_dict(), 60, 10)
             for k, who in enumerate(people[1:])]
    port = free_port()
    with chromium() as browser:
        server = serve(runs, port)
        try:
            until(lambda: _answers(port), 60, "the server")
            visit(browser, port)
            until(lambda: store.get("long").epochs_done >= 2, 180, "two saved epochs")
            workers = psutil.Process(server.pid).children(recursive=True)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
            at_kill = store.get("long")
            assert at_kill.state == "running" and [store.get(j.id).state for j in short] \
                == ["queued", "queued"]
            server = serve(runs, port)  # started again, on the same folders
            until(lambda: _answers(port), 60, "the server, again")
            visit(browser, port)
            until(lambda: all(store.get(j).state == "done" for j in
                              ("long", "short0", "short1")), 300, "every run to finish")
        finally:
            server.kill()
            server.wait(10)
    done = store.get("long")
    assert done.attempts == 2 and "restarted" in (done.note or "")
    assert [store.get(j.id).attempts for j in short] == [1, 1]
    assert store.get("short0").started > done.ended - 1  # places kept: after the long run
    model, ckpt = checkpoint.load(done.result)
    assert ckpt["history"]["epochs"]["epoch"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # none twice
    assert ckpt["metrics"]["steps"] == 6 * (2048 // 64)
    # the same weights as a run that never stopped
    straight = runner.run(LONG)
    for name, tensor in straight.model.state_dict().items():
        assert torch.equal(tensor, model.state_dict()[name]), name
    assert not Path(at_kill.resume).exists()  # the interim checkpoint is cleaned up
    gone = until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                                 for p in workers) or "gone", 60, "the old workers to exit")
    assert gone


def _answers(port):
    import urllib.request

    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
        return True
    except OSError:
        return False
