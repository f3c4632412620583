"""explorer/ui/how/tab.py and view.py through AppTest: what Python sends the page's walk,
what the page reports checked before use, the walk drawn by Python for a network the page
cannot run, and the prior against the aggregate posterior."""


import numpy as np
import pytest

from explorer import paths
from explorer.ui.how import tab
from explorer.ui.how.view import as_choice
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from explorer.vae.train import new_model
from tests.apptest import component_data, errors, image_captions, new_app, open_tab
from tests.conftest import ROOT


def walk_data(at) -> dict:
    """What Python sends the page's How it works walk."""
    return component_data(at, "how")


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def python_draws_it(monkeypatch, tmp_path, page_cannot_run_it):
    """The app with a network the page cannot run (its page cache kept apart)."""
    from explorer.ui import models

    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path))
    models.page_data.clear()
    yield
    models.page_data.clear()


def test_the_walk_runs_in_the_page_from_the_digit_clicked_on_explore():
    at = new_app()
    at.session_state["selected"] = 12
    open_tab(at, "How it works")
    assert not errors(at)
    data = walk_data(at)
    assert {k: data[k] for k in ("src", "index", "seed", "beta", "selected", "drawing")} == \
        {"src": "test", "index": 12, "seed": 0, "beta": 1.0, "selected": 12, "drawing": None}
    assert data["show"] == tab.PAGE_SHOW and data["classes"] == [str(d) for d in range(10)]
    for part in ("page", "encoder", "digits"):  # content-hash files, as the Explore view's
        assert (ROOT / data[part]["src"].removeprefix("app/")).is_file()
    assert not at.metric  # the numbers are the page's
    text = " ".join(md.value for md in at.markdown)
    assert "of the prior's mass lies in holes" in text
    assert len(at.get("plotly_chart")) == 2  # the prior, the aggregate posterior


def test_what_the_page_chose_is_kept_and_a_drawing_is_offered():
    at = open_tab(new_app(), "How it works")
    at.session_state["how_src"], at.session_state["how_idx"] = "drawing", 40
    at.session_state["how_seed"], at.session_state["how_beta"] = 3, 2.5
    at.session_state["your_digit"] = np.eye(28, dtype=np.float32)
    open_tab(at, "Explore")
    open_tab(at, "How it works")  # the tab is built again from what was chosen
    data = walk_data(at)
    assert (data["src"], data["index"], data["seed"], data["beta"]) == ("drawing", 40, 3, 2.5)
    assert len(data["drawing"]) == 784 and sum(data["drawing"]) == 28.0


@pytest.mark.parametrize("value,choice", [
    ({"src": "test", "index": 5, "seed": 2, "beta": 1.5},
     {"src": "test", "index": 5, "seed": 2, "beta": 1.5}),
    ({"src": "drawing", "index": 0.0, "seed": 7.0, "beta": 0},
     {"src": "drawing", "index": 0, "seed": 7, "beta": 0.0}),
    ({"src": "test", "index": 10_000, "seed": 0, "beta": 1}, None),
    ({"src": "test", "index": -1, "seed": 0, "beta": 1}, None),
    ({"src": "test", "index": 1.5, "seed": 0, "beta": 1}, None),
    ({"src": "test", "index": 1, "seed": 0, "beta": 11}, None),
    ({"src": "test", "index": True, "seed": 0, "beta": 1}, None),
    ({"src": "camera", "index": 1, "seed": 0, "beta": 1}, None),
    ({"src": "test", "index": "1", "seed": 0, "beta": 1}, None),
    ({"src": "test", "seed": 0, "beta": 1}, None), (None, None), ([1, 2], None),
])
def test_a_choice_reported_by_the_page_is_checked_before_use(value, choice):
    assert as_choice(value, 10_000) == choice


def test_python_draws_the_walk_for_a_network_the_page_cannot_run(python_draws_it):
    at = open_tab(new_app(), "How it works")
    assert not errors(at) and any("cannot run in the page" in i.value for i in at.info)
    assert not [e for e in at.get("bidi_component")
                if "latent_explorer.how" in e.proto.component_name]
    m = metrics(at)
    recon = float(m["reconstruction, −log p(x|z)"].split()[0])
    kl = float(m["KL(q(z|x) ‖ p(z))"].split()[0])
    assert float(m["ELBO = −(recon + KL)"].split()[0]) == round(-(recon + kl), 1)
    assert len(at.get("plotly_chart")) == 3  # the scatter, the prior, the aggregate posterior

    def z_line(at):
        return [el.value for el in at.get("latex") if "varepsilon" in el.value]

    before = z_line(at)
    at.button(key="how_draw").click().run()  # a new eps: a new z, the same digit
    assert not at.exception and before and z_line(at) != before
    assert metrics(at)["KL(q(z|x) ‖ p(z))"] == m["KL(q(z|x) ‖ p(z))"]  # KL depends on x only
    at.number_input(key="how_idx").set_value(17).run()
    assert not at.exception and metrics(at)["KL(q(z|x) ‖ p(z))"] != m["KL(q(z|x) ‖ p(z))"]
    at.slider(key="how_beta").set_value(4.0).run()
    assert any("At β = 4" in md.value for md in at.markdown)
    at.radio(key="how_src").set_value("drawing").run()
    assert any("Draw or upload a digit" in i.value for i in at.info)
    at.session_state["your_digit"] = np.eye(28, dtype=np.float32)
    at.run()
    assert not at.exception and any("your drawing" in c for c in image_captions(at))


def test_a_learned_prior_model_says_its_kl_is_estimated(python_draws_it):
    cfg = TrainConfig(train_subset=512, prior="mog", components=8)
    path = paths.runs_dir() / "apptest-mog.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict())
    try:
        at = new_app()
        at.selectbox(key="model_path").set_value(str(path)).run()
        open_tab(at, "How it works")
        assert not errors(at)
        assert any("Monte Carlo" in c.value for c in at.caption)
        assert any("(mog)" in md.value for md in at.markdown)  # the prior's own density
        open_tab(at, "Interpolate")  # samples drawn from the model's own prior
        assert not at.exception and any("mog" in md.value for md in at.markdown)
    finally:
        path.unlink(missing_ok=True)
