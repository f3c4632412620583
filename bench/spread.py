"""`python -m bench.spread CKPT ...`: each model's likelihood beside its plane's spread.

For every checkpoint: the thresholded test ELBO; the IWAE bound (K importance samples on
the first N test digits binarized with a fixed seed; `-k 1000 -n 0` is the card's figure);
the spread of the encoded test means |mu| (median, 99%, 99.9%, max) and the half-width of
the centred square holding 99.5% of them; the share of 10,000 prior samples inside that
square; the extent the views start from and whether every class shows in it (its median
point inside); and the training images/s the checkpoint records. Prints a table and writes
bench/results/spread.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from explorer.datasets import reading
from explorer.plane import extent, latent
from explorer.vae import checkpoint
from explorer.vae.evaluate import evaluate

OUT = Path(__file__).parent / "results" / "spread.json"
PRIOR_SAMPLES = 10_000


def measure(path: Path, k: int, n: int | None) -> dict:
    model, ckpt = checkpoint.load(path)
    test = reading.load_split("test", model.cfg.dataset)
    mu, _ = latent.encode_all(model, test.images)
    labels = test.labels.numpy()
    s = extent.spread(mu)
    with torch.no_grad():
        z = model.prior.sample(PRIOR_SAMPLES, model.encode, torch.Generator().manual_seed(0))
    half = extent.extent_of(mu)
    medians = np.array([np.median(mu[labels == c], axis=0) for c in np.unique(labels)])
    ev = evaluate(model, model.cfg.dataset, k=0)
    if k:
        ev.update({x: y for x, y in evaluate(model, model.cfg.dataset, k=k, n=n).items()
                   if x.startswith("iwae") or x == "n_test"})
    m = ckpt.get("metrics") or {}
    return {"checkpoint": str(path), "prior": model.cfg.prior,
            "components": model.cfg.components, "anchor": model.cfg.anchor,
            "mean_bound": model.cfg.mean_bound,
            "spread_weight": (ckpt.get("train_config") or {}).get("spread", 0.0),
            "epochs": m.get("epochs_done"), "seconds": m.get("seconds"),
            "images_per_sec": m.get("images_per_sec"),
            "elbo_thresholded": ev["elbo_thresholded"], "iwae": ev.get("iwae"),
            "iwae_k": k, "iwae_n": ev["n_test"] if k else None,
            "spread": s, "within_6": float((np.linalg.norm(mu, axis=1) <= 6).mean()),
            "prior_in_box": extent.share_inside(z.numpy(), s["box995"]),
            "extent": half, "classes_in_view": int((np.abs(medians).max(1) <= half).sum()),
            "classes": len(medians)}


def table(rows: list[dict]) -> str:
    head = ["model", "ep", "img/s", "ELBO", "IWAE", "|mu| med", "99%", "99.9%", "max",
            "box99.5", "prior in box", "view"]
    lines = [head]
    for r in rows:
        s, iw = r["spread"], r["iwae"]
        lines.append([Path(r["checkpoint"]).stem, str(r["epochs"]),
                      f"{r['images_per_sec'] or 0:,.0f}", f"{r['elbo_thresholded']:.2f}",
                      "-" if iw is None else f"{iw:.2f}", f"{s['median']:.2f}",
                      f"{s['p99']:.2f}", f"{s['p999']:.2f}", f"{s['max']:.1f}",
                      f"{s['box995']:.2f}", f"{100 * r['prior_in_box']:.1f}%",
                      f"±{r['extent']:g} ({r['classes_in_view']}/{r['classes']})"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
                     for line in lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.spread", description=__doc__.split(
        "\n\n")[0].split(": ", 1)[1])
    ap.add_argument("checkpoints", nargs="+", type=Path)
    ap.add_argument("-k", type=int, default=100, help="IWAE samples (0 = skip; cards use 1000)")
    ap.add_argument("-n", type=int, default=2000, help="test digits for IWAE (0 = all 10k)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    rows = [measure(p, a.k, a.n or None) for p in a.checkpoints]
    print(table(rows))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
