"""Every view of a plane follows the model it shows, in Chromium: every tab, with every
shipped model and a deliberately wide one (the shipped MNIST model with its plane scaled 50
times: tooling/wide.py, an equivalent model). Each view starts at the model's extent
(explorer/plane/extent.py), and no encoded point is drawn at a frame's edge unless it lies there:
the points each view holds are the encoded test set, unclipped."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import paths
from explorer.page import prepared
from explorer.plane import extent
from tooling import wide
from tooling.browser import IDLE, chromium, new_page, streamlit_server, wait_drawn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDE = "mnist-wide50"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A server whose runs folder holds the wide model, and a browser page on it."""
    from tests.conftest import chromium_or_skip

    chromium_or_skip()
    runs = tmp_path_factory.mktemp("runs")
    wide.write(paths.PRETRAINED, runs / f"{WIDE}.pt", 50.0)
    models = {f"{p.stem} (pretrained)": p for p in paths.shipped_models()}
    models[WIDE] = runs / f"{WIDE}.pt"
    with streamlit_server(env={"LATENT_EXPLORER_RUNS": str(runs)}) as srv, chromium() as b:
        errors: list[str] = []
        context, page = new_page(b, srv.url, errors=errors)
        page.wait_for_selector(IDLE, timeout=120_000)
        yield page, models, errors
        context.close()
        # a session that visited every tab (each with every model) left no warning
        log = srv.log()
        assert not [ln for ln in log.splitlines() if "warn" in ln.lower()], log[-3000:]


def idle(page) -> None:
    for _ in range(2):  # a rerun may start just after the first idle
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE, timeout=180_000)


def pick(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=label, exact=True).click()
    idle(page)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    idle(page)


def close(got, want, tol: float) -> bool:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return got.shape == want.shape and float(np.abs(got - want).max()) <= tol


VIEW = """(part) => { const v = window.__lxStats.explore.view, p = v.points;
  const r = v.root.querySelectorAll('.lx-range'), opts = v.manifold.inputs.lim.options;
  return {lim: v.lim, scatter: v.scatter.plane.box, pad: v.pad.plane.box,
    sliders: [...r].map(e => [Number(e.min), Number(e.max)]),
    ranges: [...opts].map(o => Number(o.value)), scale: v.points && 1,
    z: Array.from(p.z)}; }"""


def showing(page, where: str, mu: np.ndarray, scale: float) -> None:
    """Wait until the page's view (a JS expression for it) holds this model's points."""
    page.wait_for_function(f"""([first, tol]) => {{ const v = {where}, p = v && v.points;
        return !!p && Math.abs(p.z[0] - first[0]) <= tol && Math.abs(p.z[1] - first[1]) <= tol;
        }}""", arg=[mu[0].tolist(), 0.5 / scale + 1e-6], timeout=120_000)


def check_explore(page, half: float, mu: np.ndarray, scale: float) -> None:
    wait_drawn(page)
    showing(page, "window.__lxStats.explore.view", mu, scale)
    v = page.evaluate(VIEW)
    assert v["lim"] == half
    assert v["scatter"] == [-half, half, -half, half] and v["pad"] == v["scatter"]
    assert v["sliders"] == [[-half, half]] * 2
    assert close(v["ranges"], np.array([2, 3, 4, 5, 6, 7, 8]) * half / 8, 1e-3 * half)
    z = np.asarray(v["z"]).reshape(-1, 2)
    assert close(z, mu, 0.5 / scale + 1e-6)  # every point where it lies, however far


PLOTLY = """(key) => { const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd._fullLayout || !gd._fullLayout.yaxis) return null;
  return {x: gd._fullLayout.xaxis.range, y: gd._fullLayout.yaxis.range,
    traces: gd._fullData.filter(t => /^\\d$|^[A-Z]/.test(t.name) && t.mode === 'markers'
      && t.customdata).map(t => ({idx: Array.from(t.customdata), x: Array.from(t.x),
      y: Array.from(t.y)}))}; }"""


def check_plotly(page, key: str, half: float, mu: np.ndarray) -> dict:
    page.wait_for_function(f"() => ({PLOTLY})('{key}') !== null", timeout=60_000)
    fig = page.evaluate(PLOTLY, key)
    lo, hi = fig["y"]
    assert lo <= -half * 0.999 and hi >= half * 0.999, (key, fig["y"], half)  # the extent,
    assert hi - lo <= 4.01 * half, (key, fig["y"], half)  # not some constant far beyond it
    assert fig["traces"], key
    for t in fig["traces"]:  # the test digits it holds are where they lie
        idx = np.asarray(t["idx"], int)
        assert close(np.stack([t["x"], t["y"]], 1), mu[idx], 1e-4 * max(half, 1)), key
    return fig


@pytest.mark.parametrize("label", ["mnist (pretrained)", "fashion-mnist (pretrained)",
                                   "mnist-vamp (pretrained)", WIDE])
def test_every_view_of_every_model_starts_at_its_extent_and_clips_no_point(app, label):
    page, models, errors = app
    if label not in models:
        pytest.skip(f"{label} is not shipped")
    data = prepared.prepare(models[label])
    half, (mu, _, _) = data.extent, data.encoded()
    assert half == extent.extent_of(mu)
    if label == WIDE:
        assert half == 50 * prepared.prepare(paths.PRETRAINED).extent
    scale = 4096.0
    while np.abs(mu).max() * scale > 32767:
        scale /= 2
    tab(page, "Explore")
    pick(page, label)
    check_explore(page, half, mu, scale)

    tab(page, "How it works")
    page.wait_for_function("() => window.__lxStats.walk && window.__lxStats.walk.view"
                           ".root.dataset.mu", timeout=120_000)
    showing(page, "window.__lxStats.walk.view", mu, scale)
    walk = page.evaluate("""() => { const v = window.__lxStats.walk.view;
        return {box: v.plane.box, z: Array.from(v.points.z)}; }""")
    assert walk["box"][1] >= half and walk["box"][1] <= 2 * half  # its extent (or the digit's)
    assert close(np.asarray(walk["z"]).reshape(-1, 2), mu, 0.5 / scale + 1e-6)

    tab(page, "Draw or upload")
    check_plotly(page, "draw_scatter", half, mu)
    tab(page, "Interpolate")
    check_plotly(page, "chart_ip_scatter", half, mu)
    tab(page, "Compare")  # each model on its own plane (A keeps the model it was set to)
    for key, chart in (("cmp_a", "chart_cmp_True"), ("cmp_b", "chart_cmp_False")):
        shown = page.locator(f".st-key-{key} input[role='combobox']").input_value()
        other = prepared.prepare(models[shown])
        check_plotly(page, chart, other.extent, other.encoded()[0])
    tab(page, "Train")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
