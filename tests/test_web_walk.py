"""explorer/web/walk.js under Node: the seeded noise of the How it works walk (its ELBO
maths is elbo.js's: tests/test_web_elbo.py)."""

import json
import os
import subprocess

import numpy as np
import pytest

from explorer import web
from tooling.node import node_binary

RUNNER = """import { readFileSync, writeFileSync } from "node:fs";
const walk = await import(process.argv[2]);
const job = JSON.parse(readFileSync(process.argv[3], "utf8"));
const draw = walk.normals(job.seed), eps = [];
for (let i = 0; i < job.draws; i++) eps.push(draw());
const again = walk.normals(job.seed)();
writeFileSync(process.argv[4], JSON.stringify({ eps, again }));
"""


def run_walk_js(tmp_path, job: dict) -> dict:
    node = node_binary()
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Node.js (on PATH, or the playwright package's own)")
        pytest.skip("Node.js not found")
    (tmp_path / "walk.mjs").write_text(web.script(web.HERE / "walk.js"))
    (tmp_path / "run.mjs").write_text(RUNNER)
    (tmp_path / "job.json").write_text(json.dumps(job))
    subprocess.run([node, tmp_path / "run.mjs", (tmp_path / "walk.mjs").as_uri(),
                    tmp_path / "job.json", tmp_path / "out.json"], check=True,
                   capture_output=True, timeout=120)
    return json.loads((tmp_path / "out.json").read_text())


def test_the_pages_noise_is_standard_normal_and_seeded(tmp_path):
    out = run_walk_js(tmp_path, {"seed": 3, "draws": 20_000})
    eps = np.array(out["eps"])
    assert eps.shape == (20_000, 2)
    assert np.all(np.abs(eps.mean(0)) < 0.03) and np.all(np.abs(eps.std(0) - 1) < 0.03)
    assert abs(np.corrcoef(eps.T)[0, 1]) < 0.03
    assert out["again"] == out["eps"][0]  # the same seed, the same draw
