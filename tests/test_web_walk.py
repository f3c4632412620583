"""explorer/web/walk.js under Node: the page's own maths for the How it works walk (the
prior's log-density as a mixture, the seeded noise) against Python's."""


import numpy as np
import pytest
import torch

from explorer.config import ModelConfig
from explorer.model import build_model
from tests.conftest import run_page_module

RUNNER = """import { readFileSync, writeFileSync } from "node:fs";
const walk = await import(process.argv[2]);
const job = JSON.parse(readFileSync(process.argv[3], "utf8"));
const logp = job.z.map((z) => walk.mixtureLogProb(job.prior, z));
const draw = walk.normals(job.seed), eps = [];
for (let i = 0; i < job.draws; i++) eps.push(draw());
const again = walk.normals(job.seed)();
writeFileSync(process.argv[4], JSON.stringify({ logp, eps, again }));
"""


def run_walk_js(tmp_path, job: dict) -> dict:
    return run_page_module(tmp_path, "walk.js", RUNNER, job)


@pytest.mark.parametrize("prior", ["standard", "mog", "vamp"])
def test_the_pages_prior_density_is_the_models(tmp_path, prior):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", prior=prior, components=6)).eval()
    with torch.no_grad():
        if prior == "mog":
            model.prior.mu.copy_(torch.randn(6, 2) * 1.5)
            model.prior.logvar.copy_(torch.randn(6, 2) * 0.3 - 1.0)
            model.prior.logits.copy_(torch.randn(6))
        if prior == "vamp":
            model.prior.pseudo.copy_(torch.randn_like(model.prior.pseudo) * 2)
        mu, logvar, logw = (t.numpy().tolist() for t in model.prior.components(model.encode))
        z = torch.from_numpy(np.random.default_rng(1).uniform(-5, 5, (200, 2)).astype("f4"))
        want = model.log_prior(z).numpy()
    prior_js = {"k": len(mu), "d": 2, "mu": sum(mu, []), "logvar": sum(logvar, []),
                "logw": logw}
    out = run_walk_js(tmp_path, {"prior": prior_js, "z": z.tolist(), "seed": 0, "draws": 1})
    assert np.allclose(out["logp"], want, atol=1e-4)


def test_the_pages_noise_is_standard_normal_and_seeded(tmp_path):
    prior = {"k": 1, "d": 2, "mu": [0, 0], "logvar": [0, 0], "logw": [0]}
    out = run_walk_js(tmp_path, {"prior": prior, "z": [], "seed": 3, "draws": 20_000})
    eps = np.array(out["eps"])
    assert eps.shape == (20_000, 2)
    assert np.all(np.abs(eps.mean(0)) < 0.03) and np.all(np.abs(eps.std(0) - 1) < 0.03)
    assert abs(np.corrcoef(eps.T)[0, 1]) < 0.03
    assert out["again"] == out["eps"][0]  # the same seed, the same draw
