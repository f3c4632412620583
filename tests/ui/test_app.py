"""The app as a whole through Streamlit's own test driver: real widgets, real session
state, the page cache, model switching, and what the first page imports."""

import json
import os
import subprocess
import sys

from explorer import paths
from explorer.datasets import provision
from explorer.page import prepared
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from explorer.vae.train import new_model
from tests.apptest import errors, explore_data, new_app, open_tab
from tests.conftest import ROOT


def test_page_loads_with_its_tabs_and_the_pretrained_model():
    at = new_app()
    assert [t.label for t in at.tabs] == ["Explore", "How it works", "Draw or upload",
                                         "Interpolate", "Compare", "Train"]
    assert at.selectbox(key="model_path").value == str(checkpoint.PRETRAINED)
    assert "test ELBO" in "".join(c.value for c in at.caption)
    assert not errors(at)
    assert not at.get("plotly_chart")  # the page draws the Explore view itself
    data = explore_data(at)
    assert data["z"] == [0.0, 0.0] and data["selected"] is None and data["fallback"] is None
    assert data["classes"] == [str(d) for d in range(10)]
    # the page reads the model's extent from its data file: ±4 for the shipped model
    assert prepared.prepare(checkpoint.PRETRAINED).extent == 4.0
    for part in ("page", "digits"):  # content-hash files the page fetches once
        assert (ROOT / data[part]["src"].removeprefix("app/")).is_file()
    assert {b.key for b in at.get("download_button")} >= {"dl_csv", "dl_share"}


def test_the_first_page_imports_neither_torch_nor_pandas():
    """Run as a fresh server process would (the page cache is ready; the background
    warm-up, which imports them once the first page is out, is held back). Plotly's
    graph objects are imported by `import streamlit` itself, for its chart theme."""
    prepared.prepare(checkpoint.PRETRAINED)  # as `make data` does
    code = f"""
import sys
from streamlit.testing.v1 import AppTest
import explorer.ui.warmup as warmup
warmup.start = lambda: None
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120).run()
assert not at.exception, at.exception
print(sorted(m for m in ("torch", "pandas", "torchvision") if m in sys.modules))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_switching_models_reencodes_and_switches_back(tmp_path):
    cfg = TrainConfig(train_subset=512)
    path = paths.runs_dir() / "apptest-switch.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict(), {"test_elbo": -300.0})
    try:
        at = new_app()
        box = at.selectbox(key="model_path")
        assert path.stem in box.options  # options are shown by their labels
        box.set_value(str(path)).run()
        assert not at.exception
        assert "-300.0" in "".join(c.value for c in at.caption)
        at.selectbox(key="model_path").set_value(str(checkpoint.PRETRAINED)).run()
        assert not at.exception
    finally:
        path.unlink(missing_ok=True)


def test_state_survives_tab_switches():
    at = open_tab(new_app(), "Interpolate")
    at.slider(key="ip_steps").set_value(7).run()
    open_tab(at, "Explore")
    open_tab(at, "Interpolate")
    assert at.slider(key="ip_steps").value == 7


def test_a_model_whose_dataset_is_missing_is_listed_unavailable_and_says_why(newcomer_data):
    """Fashion-MNIST neither installed nor downloadable: its model is listed, picking it says
    which dataset and the command that gets it (no traceback, no tab), and the other
    models work as before, Compare included."""
    from explorer.ui import models

    models.page_data.clear()  # another test may have prepared it with Fashion-MNIST present
    fashion = str(checkpoint.PRETRAINED.with_name("fashion-mnist.pt"))
    at = new_app()
    box = at.selectbox(key="model_path")
    assert box.value == str(checkpoint.PRETRAINED)
    assert "fashion-mnist (pretrained)" in box.options  # not known yet: the first pick tries
    for _ in range(2):  # the first pick tries the download, the second knows
        at.selectbox(key="model_path").set_value(fashion).run()
        assert not at.exception and not at.tabs
        said = [w.value for w in at.warning]
        assert len(said) == 2  # in the sidebar, and in place of the tabs
        assert all("Fashion-MNIST, which is not on this server" in w and
                   "`sudo apt-get install dataset-fashion-mnist`" in w for w in said)
    assert "fashion-mnist (pretrained, unavailable)" in at.selectbox(key="model_path").options
    at.selectbox(key="model_path").set_value(str(checkpoint.PRETRAINED)).run()
    assert not at.exception and not at.warning and explore_data(at)["classes"][0] == "0"
    open_tab(at, "Compare")  # Model B defaults to a model that can be shown
    assert at.selectbox(key="cmp_b").value == str(checkpoint.PRETRAINED.with_name("mnist-vamp.pt"))
    assert not at.warning and not errors(at)
    at.selectbox(key="cmp_b").set_value(fashion).run()
    assert "`sudo apt-get install dataset-fashion-mnist`" in at.warning[0].value


def test_a_first_visit_provisions_mnist_and_prepares_the_page(tmp_path):
    """`streamlit run app.py` alone from a bare clone (no data/, no cache/), as Streamlit
    hosts start an app: the first visit fetches MNIST and prepares the page cache; the next
    fetches and builds nothing. Run as a fresh server process would."""
    env = {"LATENT_EXPLORER_DATA": str(tmp_path / "data"),
           "LATENT_EXPLORER_CACHE": str(tmp_path / "cache"),
           "LATENT_EXPLORER_RUNS": str(tmp_path / "runs")}
    code = f"""
import json, shutil
from streamlit.testing.v1 import AppTest
from explorer.page import prepared
from explorer.datasets import provision
from tests.apptest import explore_data

fetched, builds = [], []
def download(spec, root):  # stands in for torchvision's download: this test needs no network
    fetched.append(spec.name)
    out = provision.raw_dir(spec, root)
    out.mkdir(parents=True)
    for name in spec.files:
        shutil.copy({str(paths.data_dir() / "MNIST" / "raw")!r} + "/" + name, out / name)
provision._from_torchvision = download
build = prepared._build
prepared._build = lambda *a: builds.append(a[0].name) or build(*a)
for visit in range(2):
    at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=300).run()
    assert not at.exception, at.exception
    assert explore_data(at)["classes"][0] == "0"
print(json.dumps([fetched, builds]))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env={**os.environ, **env})
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == [["MNIST"], ["mnist.pt"]]
    assert not provision.check_files(provision.MNIST, tmp_path / "data")
    assert [p.name for p in (tmp_path / "cache").glob("*/meta.json")] == ["meta.json"]


def test_a_session_that_visits_every_tab_logs_no_warning():
    """Streamlit warns in the server's log when a widget gets both a default and a value
    set through session state (the Draw or upload tab's input mode once did, on every
    visit after the first)."""
    import io
    import logging

    at = new_app()
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.WARNING)
    loggers = [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)
               if n.startswith(("streamlit", "explorer"))]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        tabs = ["How it works", "Draw or upload", "Interpolate", "Compare", "Train", "Explore"]
        for label in tabs + tabs:  # a second visit: the values kept across tabs are set again
            open_tab(at, label)
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    # AppTest runs the script in bare mode, where Streamlit says so at every cached call:
    # that line is the harness's, not the page's
    lines = [ln for ln in log.getvalue().splitlines() if "missing ScriptRunContext" not in ln]
    assert lines == []
