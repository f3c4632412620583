"""explorer/page/web/walk.js under Node: the seeded noise of the How it works walk (its ELBO
maths is elbo.js's: tests/page/test_web_elbo.py)."""


import numpy as np

from tests.conftest import run_page_module

RUNNER = """import { readFileSync, writeFileSync } from "node:fs";
const walk = await import(process.argv[2]);
const job = JSON.parse(readFileSync(process.argv[3], "utf8"));
const draw = walk.normals(job.seed), eps = [];
for (let i = 0; i < job.draws; i++) eps.push(draw());
const again = walk.normals(job.seed)();
writeFileSync(process.argv[4], JSON.stringify({ eps, again }));
"""


def run_walk_js(tmp_path, job: dict) -> dict:
    return run_page_module(tmp_path, "walk.js", RUNNER, job)


def test_the_pages_noise_is_standard_normal_and_seeded(tmp_path):
    out = run_walk_js(tmp_path, {"seed": 3, "draws": 20_000})
    eps = np.array(out["eps"])
    assert eps.shape == (20_000, 2)
    assert np.all(np.abs(eps.mean(0)) < 0.03) and np.all(np.abs(eps.std(0) - 1) < 0.03)
    assert abs(np.corrcoef(eps.T)[0, 1]) < 0.03
    assert out["again"] == out["eps"][0]  # the same seed, the same draw
