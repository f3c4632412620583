"""explorer/page/web/elbo.js under Node: the page's one copy of the ELBO's terms (the
reconstruction term, Bernoulli and Gaussian, the KL, log N and a mixture prior's
log-density) against explorer/vae/objectives.py and explorer/vae/priors.py, with the constants
that Python sends (objectives.page_terms)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from explorer.vae import objectives, priors
from explorer.vae.config import ModelConfig
from explorer.vae.model import build_model
from tests.conftest import run_page_module

RUNNER = Path(__file__).parent / "js" / "elbo.mjs"


def run_elbo_js(tmp_path, job: dict) -> dict:
    return run_page_module(tmp_path, "elbo.js", RUNNER.read_text(), job)


def model_prior(name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A model's prior as the mixture the page gets (page/prepared.py), its components moved off
    their starting values."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", prior=name, components=6)).eval()
    with torch.no_grad():
        if name == "mog":
            model.prior.mu.copy_(torch.randn(6, 2) * 1.5)
            model.prior.logvar.copy_(torch.randn(6, 2) * 0.3 - 1.0)
            model.prior.logits.copy_(torch.randn(6))
        if name == "vamp":
            model.prior.pseudo.copy_(torch.randn_like(model.prior.pseudo) * 2)
        return tuple(c.detach() for c in model.prior.components(model.encode))


def job_for(likelihood: str, prior: str = "mog") -> tuple[dict, dict]:
    """A job for the runner, and the tensors it was made of."""
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(3, 1, 28, 28, generator=g) * 4
    x = torch.rand(3, 1, 28, 28, generator=g)
    if likelihood == "bernoulli":
        x = (x > 0.5).float()
    mu, logvar = torch.randn(4, 2, generator=g), torch.randn(4, 2, generator=g)
    z = torch.randn(4, 2, generator=g) * 2
    pmu, plogvar, logw = model_prior(prior)
    zs = torch.from_numpy(np.random.default_rng(1).uniform(-5, 5, (200, 2)).astype("f4"))
    eps = torch.randn(500, 2, generator=g)
    flat = lambda t: t.reshape(len(t), -1).tolist()  # noqa: E731
    job = {"terms": objectives.page_terms(likelihood),
           "nll": [{"logits": a, "x": b} for a, b in zip(flat(logits), flat(x), strict=True)],
           "q": [{"mu": m, "logvar": lv, "z": zz} for m, lv, zz in
                 zip(mu.tolist(), logvar.tolist(), z.tolist(), strict=True)],
           "prior": {"k": len(pmu), "d": 2, "mu": pmu.flatten().tolist(),
                     "logvar": plogvar.flatten().tolist(), "logw": logw.tolist()},
           "z": zs.tolist(), "eps": eps.tolist()}
    return job, dict(logits=logits, x=x, mu=mu, logvar=logvar, z=z, prior=(pmu, plogvar, logw),
                     zs=zs, eps=eps)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_the_pages_reconstruction_term_is_pythons(tmp_path, likelihood):
    job, t = job_for(likelihood)
    out = run_elbo_js(tmp_path, job)
    want = objectives.reconstruction_nll(t["logits"], t["x"], likelihood).numpy()
    pixels = objectives.pixel_nll(t["logits"], t["x"], likelihood).reshape(3, -1).numpy()
    np.testing.assert_allclose([c["sum"] for c in out["nll"]], want, rtol=1e-5)
    np.testing.assert_allclose([c["pixels"] for c in out["nll"]], pixels, rtol=1e-4, atol=1e-5)
    assert out["refused"] and "likelihood" in out["refused"]  # no terms, no maths


def test_a_new_sigma_in_python_reaches_the_page(tmp_path, monkeypatch):
    monkeypatch.setattr(objectives, "GAUSSIAN_SIGMA", 0.25)
    job, t = job_for("gaussian")
    out = run_elbo_js(tmp_path, job)
    want = objectives.reconstruction_nll(t["logits"], t["x"], "gaussian").numpy()
    np.testing.assert_allclose([c["sum"] for c in out["nll"]], want, rtol=1e-5)


def test_the_pages_kl_and_log_normal_are_pythons(tmp_path):
    job, t = job_for("bernoulli")
    out = run_elbo_js(tmp_path, job)
    np.testing.assert_allclose(out["kl"], objectives.gaussian_kl(t["mu"], t["logvar"]).numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(out["logNormal"],
                               priors.log_normal(t["z"], t["mu"], t["logvar"]).numpy(), rtol=1e-5)


@pytest.mark.parametrize("prior", ["standard", "mog", "vamp"])
def test_the_pages_prior_density_and_its_kl_are_the_models(tmp_path, prior):
    job, t = job_for("bernoulli", prior)
    out = run_elbo_js(tmp_path, job)
    pmu, plogvar, logw = t["prior"]
    want = priors.mixture_log_prob(t["zs"], pmu, plogvar, logw).numpy()
    np.testing.assert_allclose(out["mixture"], want, atol=1e-4)
    mu, logvar = t["mu"][:1], t["logvar"][:1]
    z = mu + (0.5 * logvar).exp() * t["eps"]
    kl = (priors.log_normal(z, mu, logvar) - priors.mixture_log_prob(z, pmu, plogvar, logw))
    assert out["mixtureKl"] == pytest.approx(kl.mean().item(), abs=1e-4)
