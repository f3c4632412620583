"""explorer/ui/how.py through AppTest: one digit taken through the model, with its numbers,
and the prior against the aggregate posterior."""


from explorer import checkpoint, paths
from explorer.config import TrainConfig
from explorer.train import new_model
from tests.apptest import errors, new_app, open_tab


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_a_test_digit_through_the_model_with_its_numbers():
    at = open_tab(new_app(), "How it works")
    assert not errors(at)
    m = metrics(at)
    recon = float(m["reconstruction, −log p(x|z)"].split()[0])
    kl = float(m["KL(q(z|x) ‖ p(z))"].split()[0])
    assert float(m["ELBO = −(recon + KL)"].split()[0]) == round(-(recon + kl), 1)
    text = " ".join(md.value for md in at.markdown)
    assert "of the prior's mass lies in holes" in text
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


def test_your_drawing_is_needed_first_then_used():
    at = open_tab(new_app(), "How it works")
    at.radio(key="how_src").set_value("your drawing").run()
    assert any("Draw or upload a digit" in i.value for i in at.info)
    at.session_state["your_digit"] = __import__("numpy").eye(28, dtype="float32")
    at.run()
    assert not at.exception and any("your drawing" in img.caption for el in at.get("image")
                                    for img in el.proto.imgs)


def test_a_learned_prior_model_says_its_kl_is_estimated(tmp_path):
    cfg = TrainConfig(train_subset=512, prior="mog", components=8)
    path = paths.runs_dir() / "apptest-mog.pt"
    checkpoint.save(path, new_model(cfg), cfg.model_config(), cfg.to_dict())
    try:
        at = new_app()
        at.selectbox(key="model_path").set_value(str(path)).run()
        open_tab(at, "How it works")
        assert not errors(at)
        assert any("Monte Carlo" in c.value for c in at.caption)
        open_tab(at, "Interpolate")  # samples drawn from the model's own prior
        assert not at.exception and any("mog" in md.value for md in at.markdown)
    finally:
        path.unlink(missing_ok=True)
