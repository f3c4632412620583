"""`python -m explorer.vae.evaluate [CHECKPOINT]`: a checkpoint's test metrics as JSON.

- elbo_thresholded: single-sample ELBO on the 10k test digits thresholded at 0.5 (the TF
  tutorial's metric), with its split into reconstruction and KL;
- iwae: the IWAE bound on log p(x) with K importance samples on the test digits binarized by
  one Bernoulli draw with a fixed seed (the usual "test log-likelihood");
- spread: where the encoded test means lie (|mu| median, 99%, 99.9%, max; the half-width of
  the centred square holding 99.5% of them, and the share of 10,000 prior samples inside
  it): an explorer needs a plane it can show, as much as a likelihood (explorer/plane/extent.py).

With -k 0 and --card, a card already written for the same checkpoint keeps its IWAE; a
card keeps the `note` written into it (what the model is) while its checkpoint is the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from explorer import paths
from explorer.datasets import reading
from explorer.plane import extent, latent
from explorer.vae.checkpoint import PRETRAINED, CheckpointError, load, read
from explorer.vae.config import DEVICES, resolve_device
from explorer.vae.objectives import dataset_elbo, iwae_bound


@torch.no_grad()
def evaluate(model, dataset: str = "mnist", k: int = 1000, n: int | None = None,
             seed: int = 0, batch: int = 20, progress: bool = False,
             root: Path | None = None) -> dict:
    """Metrics on the first n test digits (all 10k when n is None), computed on the model's
    device (the test digits and the random draws go there; the binarization is drawn on
    the CPU, so the binarized test set is the same on every device)."""
    test = reading.load_split("test", dataset, root)
    n = n or len(test)
    images = test.images[:n]
    likelihood, device = model.cfg.likelihood, next(model.parameters()).device
    model.eval()
    t0 = time.perf_counter()
    gen = torch.Generator(device).manual_seed(seed)
    th = dataset_elbo(model, reading.binarize_threshold(images).to(device), likelihood,
                      generator=gen)
    out = {
        "n_test": n,
        "elbo_thresholded": th["elbo"],
        "recon_thresholded": th["recon"],
        "kl_thresholded": th["kl"],
    }
    if k:
        x = reading.fixed_binarization(images, seed).to(device)
        total, gen = 0.0, torch.Generator(device).manual_seed(seed + 1)
        for i in tqdm(range(0, n, batch), desc=f"IWAE K={k}", disable=not progress,
                      unit_scale=batch, unit="img"):
            total += iwae_bound(model, x[i:i + batch], k, likelihood, generator=gen).sum().item()
        stoch = dataset_elbo(model, x, likelihood, generator=gen)
        out.update({"iwae_k": k, "iwae": total / n, "elbo_binarized": stoch["elbo"],
                    "recon_binarized": stoch["recon"], "kl_binarized": stoch["kl"]})
    out["spread"] = spread(model, images, seed)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


@torch.no_grad()
def spread(model, images: torch.Tensor, seed: int = 0, samples: int = 10_000) -> dict:
    """The spread of the encoded means of `images` (explorer.plane.extent.spread), the extent
    views start from, and the share of `samples` prior draws inside the 99.5% square."""
    mu, _ = latent.encode_all(model, images)
    s = extent.spread(mu)
    gen = torch.Generator(next(model.parameters()).device).manual_seed(seed)
    z = model.prior.sample(samples, model.encode, gen).cpu().numpy()
    return {**{k: round(v, 3) for k, v in s.items()}, "extent": extent.extent_of(mu),
            "prior_in_box": round(extent.share_inside(z, s["box995"]), 4)}


def write_card(checkpoint_path: Path, evaluation: dict, out: Path) -> dict:
    """A metrics card: how the model was made (from the checkpoint) and what it scores."""
    ckpt = read(checkpoint_path)
    m = ckpt.get("metrics", {})
    card = {
        "file": Path(checkpoint_path).name,
        "sha256": hashlib.sha256(Path(checkpoint_path).read_bytes()).hexdigest(),
        "how_it_was_made": {
            "command": m.get("command"), "epochs": m.get("epochs_done"),
            "steps": m.get("steps"), "seconds": m.get("seconds"),
            "images_per_sec": m.get("images_per_sec"), "machine": m.get("machine"),
            "seed": ckpt.get("train_config", {}).get("seed"),
            "train_config": ckpt.get("train_config"), "saved_at": ckpt.get("saved_at"),
            "versions": ckpt.get("versions"),
        },
        "model": ckpt.get("model_config"),
        "evaluate": evaluation,
        "evaluate_command": f"python -m explorer.vae.evaluate {checkpoint_path} -k "
                            f"{evaluation.get('iwae_k', 0)}",
    }
    try:  # a note written into the card by hand (what the model is) stays with its model
        before = json.loads(Path(out).read_text())
        if before.get("sha256") == card["sha256"] and before.get("note"):
            card["note"] = before["note"]
    except (OSError, ValueError, AttributeError):
        pass
    Path(out).write_text(json.dumps(card, indent=2) + "\n")
    return card


def kept_iwae(checkpoint_path: Path, card_path: Path) -> dict:
    """The IWAE entries of a card already written for this very checkpoint (else none)."""
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError):
        return {}
    if card.get("sha256") != hashlib.sha256(checkpoint_path.read_bytes()).hexdigest():
        return {}
    ev = card.get("evaluate") or {}
    return {k: v for k, v in ev.items() if k.startswith("iwae") or k.endswith("_binarized")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m explorer.vae.evaluate", description=__doc__.split(
        "\n\n")[0].split(": ", 1)[1], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default=None,
                    help="checkpoint file (default: the shipped pretrained/mnist.pt)")
    ap.add_argument("-k", type=int, default=1000, help="importance samples for IWAE (0 = skip)")
    ap.add_argument("-n", type=int, default=0, help="test digits to use (0 = all 10k)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the fixed binarization")
    ap.add_argument("--card", default=None, help="also write a metrics card (JSON) here")
    ap.add_argument("--data", type=Path, default=None,
                    help=f"data folder (default: data/ in the repo, or ${paths.DATA_ENV})")
    ap.add_argument("--device", default="cpu", choices=DEVICES,
                    help="where to compute (auto: a GPU when there is one)")
    a = ap.parse_args(argv)
    try:
        model, ckpt = load(a.checkpoint)
        model.to(resolve_device(a.device))
        result = evaluate(model, model.cfg.dataset, a.k, a.n or None, a.seed, progress=True,
                          root=a.data)
    except (CheckpointError, reading.DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    result = {"checkpoint": a.checkpoint or "pretrained/mnist.pt", **result}
    if a.card and not a.k:
        result = {**kept_iwae(Path(a.checkpoint or PRETRAINED), Path(a.card)), **result}
    print(json.dumps(result, indent=2))
    if a.card:
        write_card(Path(a.checkpoint or PRETRAINED), result, Path(a.card))
    return 0


if __name__ == "__main__":
    sys.exit(main())
