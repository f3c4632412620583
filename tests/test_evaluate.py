import json
import subprocess
import sys

from tests.conftest import ROOT


def test_evaluate_prints_json_with_the_split_and_a_tighter_iwae(tmp_path):
    card = tmp_path / "card.json"
    done = subprocess.run([sys.executable, "-m", "explorer.evaluate", "-k", "100", "-n", "300",
                           "--card", str(card)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["n_test"] == 300 and out["iwae_k"] == 100
    assert out["elbo_thresholded"] == -(out["recon_thresholded"] + out["kl_thresholded"])
    assert out["iwae"] > out["elbo_binarized"]  # the importance-weighted bound is tighter
    assert json.loads(card.read_text())["evaluate"]["iwae"] == out["iwae"]


def test_evaluate_reports_a_bad_checkpoint_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"nope")
    done = subprocess.run([sys.executable, "-m", "explorer.evaluate", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr
