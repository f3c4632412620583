"""`python -m bench.digits`: real-world digits through three preprocessing pipelines.

The evaluation set (bench/digitset.py: nine styles, made from MNIST training digits and
fonts, seeded) goes through ours (explorer.preprocess.to_mnist), a minimal pipeline and a
naive resize; each 28x28 result is encoded by the same model (the shipped one unless
--model) and scored by the label vote of its 10 nearest encoded test digits (posterior
means). Prints a table per style, the time ours takes per image (the set, and a 12-megapixel
phone photo) and writes bench/results/digits.json.

Beside them, pictures with no digit (bench/nondigits.py: webcam test frames, screenshots,
words, borders, shapes, scenes): the share of those the app warns about ("does not look
like any digit": explorer/preprocess/nondigit.py on the picture, explorer/plane/outlier.py
in the latent plane, or refused outright), against the share of the real-world digits warned about.

The minimal pipeline is what a careful first attempt does: alpha onto white, ink polarity
from the border, crop to the ink, fit 20x20 with Lanczos, centre of mass in 28x28. The naive
one resizes the grey picture to 28x28, as it is. Three ablations (ours without background
removal, without ruled-line removal, without stroke evening) say what each elaborate step
earns, per style.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from bench import digitset, nondigits, write_json
from explorer.plane import outlier
from explorer.preprocess import mnist_style, nondigit
from explorer.preprocess.image_files import open_image
from explorer.preprocess.mnist_style import BOX, ImageError, center_by_mass
from explorer.preprocess.resample import resample

OUT = Path(__file__).parent / "results"
K = 10


# ---------------------------------------------------------------------------- baselines
def on_white(img: Image.Image) -> Image.Image:
    """A picture with transparency laid on white (others as they are)."""
    if img.mode not in ("LA", "RGBA"):
        return img
    rgba = img.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255,) * 4), rgba)


def minimal(data: bytes) -> np.ndarray:
    """Alpha onto white, ink polarity from the border, crop to the ink, fit 20x20 with
    Lanczos, centre of mass in 28x28."""
    img = on_white(open_image(data))
    g = np.asarray(img.convert("L"), np.float32) / 255
    page = float(np.median(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])))
    ink, page = (1 - g, 1 - page) if page > 0.5 else (g, page)  # dark on light: invert
    ink = np.clip((ink - page) / max(float(ink.max()) - page, 1e-6), 0, 1)
    rows, cols = np.nonzero((ink > 0.5).any(1))[0], np.nonzero((ink > 0.5).any(0))[0]
    if not len(rows):
        raise ImageError("no ink")
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    s = BOX / max(crop.shape)
    size = (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s)))
    fit = resample(crop, size, Image.Resampling.LANCZOS)
    fit = np.clip(fit, 0, 1)
    return center_by_mass(fit / max(float(fit.max()), 1e-6))


def naive(data: bytes) -> np.ndarray:
    """The picture in grey, resized to 28x28, as it is (alpha onto white)."""
    img = on_white(open_image(data))
    return np.asarray(img.convert("L").resize((28, 28), Image.Resampling.BILINEAR),
                      np.float32) / 255


PIPELINES: dict[str, Callable[[bytes], np.ndarray]] = {
    "ours": mnist_style.to_mnist, "minimal": minimal, "naive": naive}
ABLATIONS: dict[str, Callable[[bytes], np.ndarray]] = {  # ours with one elaborate step off
    "-bg": lambda d: mnist_style.stages(d, background=False).x,
    "-lines": lambda d: mnist_style.stages(d, lines=False).x,
    "-strokes": lambda d: mnist_style.stages(d, strokes=False).x,
    "-main": lambda d: mnist_style.stages(d, main=False).x,
}


# ---------------------------------------------------------------------------- scoring
def knn_labels(z: np.ndarray, z_test: np.ndarray, labels: np.ndarray, k: int = K) -> np.ndarray:
    """The label vote of the k nearest test encodings of each row of z (ties: the label
    of the nearest among the tied)."""
    d = ((z[:, None, :] - z_test[None]) ** 2).sum(-1)  # (N, 10000)
    near = np.argsort(d, 1)[:, :k]
    out = np.empty(len(z), np.int64)
    for i, row in enumerate(labels[near]):
        counts = np.bincount(row, minlength=10)
        tied = np.flatnonzero(counts == counts.max())
        out[i] = next(lab for lab in row if lab in tied)
    return out


def reference(model) -> tuple[np.ndarray, np.ndarray]:
    """The encoded test set's means (10000, 2) and labels."""
    from explorer.datasets import reading
    from explorer.plane import latent

    test = reading.load_split("test")
    return latent.encode_all(model, test.images)[0], test.labels.numpy()


def evaluate(samples, pipelines: dict, model, ref) -> tuple[dict, dict, dict]:
    """(accuracy per style and "all", refusals per pipeline, seconds per image per
    pipeline) of each pipeline on the samples."""
    from explorer.plane import latent

    xs = {name: [] for name in pipelines}
    seconds = {name: [] for name in pipelines}
    refused = {name: 0 for name in pipelines}
    styles, labels = [], []
    for s in samples:
        styles.append(s.style)
        labels.append(s.label)
        for name, fn in pipelines.items():
            t = time.perf_counter()
            try:
                x = fn(s.data)
            except ImageError:
                refused[name] += 1
                x = np.zeros((28, 28), np.float32)  # a refusal counts as wrong
            seconds[name].append(time.perf_counter() - t)
            xs[name].append(x)
    styles_a, labels_a = np.array(styles), np.array(labels)
    correct = {}
    for name, pics in xs.items():
        z, _ = latent.encode_all(model, np.stack(pics)[:, None])
        correct[name] = (knn_labels(z, *ref) == labels_a) & np.array([p.max() > 0 for p in pics])
    table = {}
    for style in [*dict.fromkeys(styles), "all"]:
        m = np.ones(len(styles_a), bool) if style == "all" else styles_a == style
        table[style] = {"n": int(m.sum()), **{name: round(float(c[m].mean()), 3)
                                              for name, c in correct.items()}}
    return table, refused, seconds


def warned(samples, model, levels: outlier.Levels, ref_mu: np.ndarray) -> dict:
    """The share of each style (and of all) that the app warns about, as the Draw or upload
    tab does: refused, or a reason from explorer/preprocess/nondigit.py or
    explorer/plane/outlier.py; and how often each reason fires."""
    from explorer.plane import latent

    by_style: dict[str, list[bool]] = {}
    why: dict[str, int] = {}
    for s in samples:
        try:
            st = mnist_style.stages(s.data)
            mu, logvar = latent.encode_one(model, st.x)
            reasons = nondigit.reasons(st) + outlier.unfamiliar(levels, model, st.x, mu,
                                                                 logvar, ref_mu)
        except ImageError:
            reasons = ["refused"]
        for r in reasons:
            why[r] = why.get(r, 0) + 1
        by_style.setdefault(s.style, []).append(bool(reasons))
    every = [w for ws in by_style.values() for w in ws]
    return {**{k: round(float(np.mean(v)), 3) for k, v in by_style.items()},
            "all": round(float(np.mean(every)), 4), "n": len(every), "reasons": why}


def warnings(per_style: int, seed: int, model) -> dict:
    """What the "does not look like any digit" warning catches (non-digits) and costs
    (real-world digits falsely warned), on the same seed's sets."""
    from explorer.datasets import reading
    from explorer.plane import latent

    test = reading.load_split("test")
    mu, logvar = latent.encode_all(model, test.images)
    levels = outlier.test_set_levels(model, test.images[:, 0].numpy() / 255.0, mu, logvar)
    return {"nondigits": warned(nondigits.nondigit_set(per_style // 2, seed), model, levels, mu),
            "nondigit_styles": {k: v[0] for k, v in nondigits.STYLES.items()},
            "digits": warned(digitset.digit_set(per_style, seed), model, levels, mu)}


def run(per_style: int, seed: int, model_path: str | None, ablate: bool = True) -> dict:
    import torch

    from explorer import load_model

    torch.set_num_threads(1)
    model = load_model(model_path)
    t0 = time.perf_counter()
    pipelines = {**PIPELINES, **(ABLATIONS if ablate else {})}
    table, refused, seconds = evaluate(digitset.digit_set(per_style, seed), pipelines, model,
                                       reference(model))
    made = time.perf_counter() - t0
    seconds = seconds["ours"]
    big = digitset.big_photo(seed)
    mnist_style.to_mnist(big)  # warm
    photo_s = []
    for _ in range(30):
        t = time.perf_counter()
        mnist_style.to_mnist(big)
        photo_s.append(time.perf_counter() - t)
    ms = lambda v, q: round(1000 * float(np.percentile(v, q)), 1)  # noqa: E731
    return {"machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
            "model": model_path or "pretrained/mnist.pt", "k": K, "seed": seed,
            "per_style": per_style, "styles": {k: v[0] for k, v in digitset.STYLES.items()},
            "accuracy": table, "refused": refused,
            "ours_ms_per_image": {"median": ms(seconds, 50), "p95": ms(seconds, 95),
                                  "max": ms(seconds, 100)},
            "ours_ms_12mp_photo": {"n": len(photo_s), "bytes": len(big),
                                   "median": ms(photo_s, 50), "p95": ms(photo_s, 95)},
            "seconds_making_and_preprocessing": round(made, 1),
            "warnings": warnings(per_style, seed, model)}


def render(r: dict) -> str:
    extra = [k for k in ABLATIONS if k in r["accuracy"]["all"]]
    lines = [f"{'style':12} {'n':>4} {'ours':>6} {'minimal':>8} {'naive':>6} {'ours-min':>9}"
             + "".join(f" {k:>8}" for k in extra)]
    for style, row in r["accuracy"].items():
        lines.append(f"{style:12} {row['n']:>4} {row['ours']:>6.3f} {row['minimal']:>8.3f} "
                     f"{row['naive']:>6.3f} {100 * (row['ours'] - row['minimal']):>+8.1f}p"
                     + "".join(f" {row[k]:>8.3f}" for k in extra))
    if extra:
        lines.append("(-bg, -lines, -strokes, -main: ours with that step switched off)")
    t, p = r["ours_ms_per_image"], r["ours_ms_12mp_photo"]
    lines += ["", f"refused: {r['refused']}",
              f"ours per image: median {t['median']} ms, p95 {t['p95']} ms, max {t['max']} ms",
              f"ours on a 12 MP JPEG photo ({p['bytes'] / 1e6:.1f} MB): median {p['median']} ms,"
              f" p95 {p['p95']} ms ({p['n']} runs)", render_warnings(r["warnings"])]
    return "\n".join(lines)


def render_warnings(w: dict) -> str:
    lines = []
    for part, what in (("nondigits", "pictures with no digit, warned about"),
                       ("digits", "real-world digits, falsely warned about")):
        row = w[part]
        lines += ["", f"{what}: {100 * row['all']:.1f}% of {row['n']}",
                  "  " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in row.items()
                                   if k not in ("all", "n", "reasons")),
                  f"  reasons: {row['reasons']}"]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.digits",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-style", type=int, default=80, help="images per style (default 80)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default=None, help="checkpoint (default: the shipped model)")
    ap.add_argument("--out", default=str(OUT / "digits.json"))
    ap.add_argument("--no-ablations", action="store_true", help="skip ours minus one step")
    ap.add_argument("--only-warnings", action="store_true",
                    help="only what the 'does not look like any digit' warning catches")
    a = ap.parse_args()
    if a.only_warnings:
        from explorer import load_model

        r = {"warnings": warnings(a.per_style, a.seed, load_model(a.model))}
        print(render_warnings(r["warnings"]))
        a.out = a.out if a.out != str(OUT / "digits.json") else None  # keep the full run's
    else:
        r = run(a.per_style, a.seed, a.model, not a.no_ablations)
        print(render(r))
    if a.out:
        print()
        write_json(a.out, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
