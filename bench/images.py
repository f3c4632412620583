"""`python -m bench.images`: your own pictures, measured (issue 16).

1. Making a dataset: a zip of 10,000 typeset letters (tooling/letters.py: 64x64, PNG and
   JPEG) made into a dataset with worker processes (as the app and the CLI do) and, as the
   baseline in the same run, in one process, each three times in turn (the median run);
   pictures per second (the whole build: reading, hashing, preprocessing, writing) and peak
   memory (the process and its workers).
2. Does it separate them: a 1,500-letter zip (10 letters) through
   `train_cli.py --images ZIP --max-seconds 30`, then each held-out test letter is given the
   letter most of its 10 nearest encoded training letters have (on the encoder's means);
   against the same vote in pixel space (784-D) and chance.

Prints a table and writes bench/results/images.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "images.json"


def knn_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                 test_y: np.ndarray, k: int = 10) -> float:
    """The share of test points whose k nearest training points' majority label is theirs."""
    d = ((test_x[:, None, :] - train_x[None, :, :]) ** 2).sum(-1)
    near = np.argsort(d, axis=1)[:, :k]
    votes = np.array([np.bincount(train_y[n], minlength=train_y.max() + 1).argmax()
                      for n in near])
    return float((votes == test_y).mean())


def build_speed(zip_path: Path, workers: int, data_dir: Path) -> dict:
    """One build in a fresh process (its own peak memory): pictures per second."""
    code = f"""
import json, threading, time
import psutil
from explorer.datasets import collection
me, peak, stop = psutil.Process(), {{"total": 0, "worker": 0}}, threading.Event()
def watch():  # the main process and its workers (children of the forkserver, recursive)
    while not stop.is_set():
        kids = [p.memory_info().rss for p in me.children(recursive=True)
                if p.is_running()]
        peak["total"] = max(peak["total"], me.memory_info().rss + sum(kids))
        peak["worker"] = max([peak["worker"], *kids])
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
t = time.perf_counter()
m = collection.build({str(zip_path)!r}, "speed", workers={workers}, root={str(data_dir)!r})
s = time.perf_counter() - t
stop.set()
print(json.dumps({{"seconds": s, "images": m["counts"]["found"],
                  "peak_mb_total": peak["total"] / 2**20,
                  "peak_mb_worker": peak["worker"] / 2**20}}))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    return {"workers": workers, "images": r["images"], "seconds": round(r["seconds"], 2),
            "images_per_sec": round(r["images"] / r["seconds"], 1),
            "peak_mb_total": round(r["peak_mb_total"], 1),
            "peak_mb_per_worker": round(r["peak_mb_worker"], 1)}


def median_run(runs: list[dict]) -> dict:
    """The run of median time, with every run's pictures per second."""
    mid = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {**mid, "images_per_sec_each": [r["images_per_sec"] for r in runs]}


def separation(zip_path: Path, data_dir: Path, seconds: float) -> dict:
    import torch

    from explorer.datasets import reading
    from explorer.plane import latent
    from explorer.vae import checkpoint

    out = data_dir / "letters.pt"
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "train_cli.py", "--images", str(zip_path),
                           "--max-seconds", str(seconds), "--epochs", "1000", "--quiet",
                           "--data", str(data_dir), "--out", str(out), "--threads", "0"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    wall = time.perf_counter() - t
    summary = json.loads(done.stdout)
    model, _ = checkpoint.load(out)
    train, test = (reading.load_split(s, model.cfg.dataset, data_dir) for s in ("train", "test"))
    with torch.no_grad():
        mu_train, _ = latent.encode_all(model, train.images)
        mu_test, _ = latent.encode_all(model, test.images)
    ytr, yte = train.labels.numpy(), test.labels.numpy()
    px = lambda s: s.images.reshape(len(s), -1).float().numpy() / 255  # noqa: E731
    return {"train_images": len(train), "test_images": len(test),
            "train_seconds": summary.get("seconds"), "wall_seconds_with_import": round(wall, 1),
            "epochs": summary.get("epochs_done"), "test_elbo": summary.get("test_elbo"),
            "knn10_latent": knn_accuracy(mu_train, ytr, mu_test, yte),
            "knn10_pixels": knn_accuracy(px(train), ytr, px(test), yte),
            "chance": round(1 / (ytr.max() + 1), 3)}


def main() -> int:
    from tooling.letters import letters_zip

    ap = argparse.ArgumentParser(prog="python -m bench.images", description=__doc__)
    ap.add_argument("--images", type=int, default=10_000, help="pictures in the speed test")
    ap.add_argument("--seconds", type=float, default=30, help="training budget of the run")
    ap.add_argument("--repeats", type=int, default=3, help="builds of each kind (median)")
    a = ap.parse_args()
    result = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        tmp = Path(tmp)
        big = letters_zip(tmp / "big.zip", per_class=a.images // 10)
        result["zip_mb"] = round(big.stat().st_size / 2**20, 1)
        runs = [build_speed(big, w, tmp / f"data{w}-{k}")  # interleaved: load hits both
                for k in range(a.repeats) for w in (2, 1)]
        result["build"] = [median_run([r for r in runs if r["workers"] == w]) for w in (2, 1)]
        small = letters_zip(tmp / "letters.zip", per_class=150)
        result["letters"] = separation(small, tmp / "data", a.seconds)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"making a dataset of {a.images:,} letters ({result['zip_mb']} MB zip), "
          f"{result['cpus']} CPUs")
    print(f"{'':26s}{'pictures/s':>12s}{'seconds':>10s}{'peak MB (all, per worker)':>30s}")
    for r in result["build"]:
        label = f"{r['workers']} worker processes" if r["workers"] > 1 else "one process"
        print(f"{label:26s}{r['images_per_sec']:>12,.0f}{r['seconds']:>10.1f}"
              f"{r['peak_mb_total']:>18.0f}, {r['peak_mb_per_worker']:.0f}")
    r = result["letters"]
    print(f"\n1,500 letters, {r['train_seconds']} s of training ({r['epochs']} epochs), "
          f"{r['test_images']} held-out letters:")
    print(f"  10-NN vote on the 2-D encoding  {r['knn10_latent']:.3f}")
    print(f"  10-NN vote on the pixels (784-D) {r['knn10_pixels']:.3f}")
    print(f"  chance                          {r['chance']:.3f}")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
