import json
import subprocess
import sys

from tests.conftest import ROOT


def test_evaluate_prints_json_with_the_split_and_a_tighter_iwae(tmp_path):
    card = tmp_path / "card.json"
    done = subprocess.run([sys.executable, "-m", "explorer.vae.evaluate", "-k", "100", "-n", "300",
                           "--card", str(card)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["n_test"] == 300 and out["iwae_k"] == 100
    assert out["iwae"] > out["elbo_binarized"]  # the importance-weighted bound is tighter
    assert json.loads(card.read_text())["evaluate"]["iwae"] == out["iwae"]


def test_the_elbo_matches_one_computed_here_from_the_models_outputs():
    """The reported single-sample ELBO on 200 thresholded test digits agrees with a
    64-sample estimate made here from encode, decode and the prior alone (a sign, a missing
    term or a per-pixel mean would be off by far more than the 1.5 nats allowed); and the
    trained model's ELBO beats an untrained one's."""
    import torch
    from torch.distributions import Normal

    from explorer import load_model
    from explorer.datasets import reading
    from explorer.vae.config import ModelConfig
    from explorer.vae.evaluate import evaluate
    from explorer.vae.model import build_model

    model = load_model()
    assert model.cfg.likelihood == "bernoulli"
    out = evaluate(model, k=0, n=200)
    x = reading.binarize_threshold(reading.load_split("test").images[:200])
    with torch.no_grad():
        mu, logvar = model.encode(x)
        q = Normal(mu, (0.5 * logvar).exp())
        z = q.sample((64,))  # (64, 200, 2)
        logits = model.decode(z.flatten(0, 1))
        log_px = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits, x.repeat(64, 1, 1, 1), reduction="none").flatten(1).sum(1).view(64, -1)
        log_pz = model.log_prior(z.flatten(0, 1)).view(64, -1)
        elbo = (log_px + log_pz - q.log_prob(z).sum(-1)).mean().item()
    assert abs(out["elbo_thresholded"] - elbo) < 1.5, (out, elbo)
    assert abs(out["recon_thresholded"] + log_px.mean().item()) < 1.5
    torch.manual_seed(0)
    untrained = build_model(ModelConfig(**vars(model.cfg))).eval()
    assert evaluate(untrained, k=0, n=200)["elbo_thresholded"] < out["elbo_thresholded"] - 100


def test_evaluate_reports_a_bad_checkpoint_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"nope")
    done = subprocess.run([sys.executable, "-m", "explorer.vae.evaluate", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr


def test_a_cards_note_stays_with_its_checkpoint_and_is_shown_on_the_page(small_ckpt, tmp_path):
    """A note written into a metrics card by hand (what the model is: the shipped VampPrior's
    wide plane) survives the card being written again for the same checkpoint, not for
    another; the page's summary of the model says it."""
    import shutil

    from explorer.page import prepared
    from explorer.vae import checkpoint
    from explorer.vae.config import TrainConfig
    from explorer.vae.evaluate import write_card
    from explorer.vae.train import new_model

    card = small_ckpt.with_suffix(".json")
    write_card(small_ckpt, {"n_test": 1}, card)
    written = json.loads(card.read_text())
    card.write_text(json.dumps({**written, "note": "a model with a wide plane"}))
    write_card(small_ckpt, {"n_test": 2}, card)
    assert json.loads(card.read_text())["note"] == "a model with a wide plane"
    page = prepared.prepare(small_ckpt, cache=tmp_path / "cache")
    assert page.summary()[-1] == "a model with a wide plane"
    other = tmp_path / "other.pt"
    cfg = TrainConfig(train_subset=512, seed=5)
    checkpoint.save(other, new_model(cfg), cfg.model_config(), cfg.to_dict(), {})
    shutil.copy(card, other.with_suffix(".json"))
    write_card(other, {"n_test": 3}, other.with_suffix(".json"))
    assert "note" not in json.loads(other.with_suffix(".json").read_text())
