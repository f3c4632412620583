"""`python -m bench`: ours against baselines (a), (b), (c) in one run on this machine.

For each contestant: training images/second; thresholded test ELBO (all 10k test digits, one
sample) after 10, 30 and 60 seconds of training, each a separate run whose schedule is fitted
to its budget; seconds until the 60-second run first reaches -160 (evaluated every 2 s of
training, the clock paused meanwhile); decode latency for 1 z and for 400 z (a 20x20 grid);
encode time for the 10k test set; peak memory of the training process. Prints a table and
writes bench/results/train.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

from bench import write_json

from .contestants import KEYS

OUT = Path(__file__).parent / "results"


def worker(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.worker", *args], capture_output=True,
                          text=True, cwd=Path(__file__).parent.parent)
    if done.returncode:
        raise RuntimeError(f"bench.worker {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(v, spec="{:.1f}"):
    return "-" if v is None else spec.format(v)


def table(rows: dict, budgets) -> str:
    head = (["contestant", "img/s"] + [f"ELBO@{b:g}s" for b in budgets]
            + ["s to -160", "dec 1z ms", "dec 400z ms", "enc 10k s", "peak MB"])
    lines = [head]
    for name, r in rows.items():
        lines.append([name, fmt(r["images_per_sec"], "{:.0f}")]
                     + [fmt(r["elbo"].get(f"{b:g}")) for b in budgets]
                     + [fmt(r["seconds_to_-160"]), fmt(r["decode_1_ms"], "{:.3f}"),
                        fmt(r["decode_400_ms"], "{:.2f}"), fmt(r["encode_10k_s"], "{:.3f}"),
                        fmt(r["peak_rss_mb"], "{:.0f}")])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True))
                     for line in lines)


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--budgets", default="10,30,60", help="training budgets in seconds")
    ap.add_argument("--only", default="ours,a,b,c",
                    help="contestants: ours,a,b,c (issue 3) or ours,mog,vamp,vamp32 "
                         "(learned priors)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads for every contestant (1: a second process on a 2-core "
                         "machine then cannot stall training; 0 = torch's default)")
    ap.add_argument("--out", default=str(OUT / "train.json"))
    a = ap.parse_args()
    budgets = [float(b) for b in a.budgets.split(",")]
    rows: dict[str, dict] = {}
    t0 = time.perf_counter()
    for key in a.only.split(","):
        name = KEYS[key]
        threads = str(a.threads)
        r = {"elbo": {}, **worker(key, "infer", threads)}
        for b in budgets:
            longest = b == max(budgets)
            res = worker(key, "train", threads, str(b), *(["--curve"] if longest else []))
            r["elbo"][f"{b:g}"] = res["test_elbo"]
            if longest:
                r.update(images_per_sec=res["images_per_sec"], curve=res["curve"],
                         peak_rss_mb=res["peak_rss_mb"], rss_before_mb=res["rss_before_mb"],
                         **{"seconds_to_-160": res["seconds_to_-160"]})
            print(f"  {name:26s} {b:4g} s: test ELBO {res['test_elbo']:8.2f} "
                  f"({res['epochs']} epochs, {res['images_per_sec']:.0f} img/s)", flush=True)
        rows[name] = r
        result = {"machine": f"{platform.machine()}, {a.threads or torch.get_num_threads()} "
                             "torch threads per contestant",
                  "torch": str(torch.__version__), "budgets": budgets,
                  "wall_seconds": round(time.perf_counter() - t0), "results": rows}
        write_json(a.out, result, say=False)  # after each contestant
    print()
    print(table(rows, budgets))
    print(f"\nwrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
