"""One measurement in a fresh process, so runs do not share caches, threads or memory peaks.

    python -m bench.worker KEY train THREADS SECONDS [--curve]   # train, then evaluate
    python -m bench.worker KEY infer THREADS                     # decode/encode latency
Prints one JSON object.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import statistics
import sys
import time

import torch

from explorer.datasets import reading
from explorer.plane.latent import evaluating, grid_points
from explorer.vae.objectives import dataset_elbo
from explorer.vae.train import EpochMetrics, StepMetrics, new_model, train

from .contestants import CONTESTANTS, KEYS

CURVE_EVERY = 2.0  # seconds of training between test evaluations on the curve run
TARGET = -160.0  # "seconds until it first reaches -160"


class PausableClock:
    """Training time that stops while we evaluate."""

    def __init__(self):
        self.paused = 0.0
        self._since: float | None = None

    def __call__(self) -> float:
        return time.perf_counter() - self.paused

    def pause(self):
        self._since = time.perf_counter()

    def resume(self):
        self.paused += time.perf_counter() - self._since


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_elbo(model, x) -> float:
    """Thresholded test ELBO, on the model's device (training may run on a GPU)."""
    device = next(model.parameters()).device
    with evaluating(model):
        r = dataset_elbo(model, x.to(device), model.cfg.likelihood,
                         generator=torch.Generator(device).manual_seed(0))
    return r["elbo"]


def run_train(cfg, seconds: float, curve: bool) -> dict:
    cfg = dataclasses.replace(cfg, epochs=10_000, max_seconds=seconds, test_subset=1)
    train_split, test = reading.load_split("train"), reading.load_split("test")
    x_test = reading.binarize_threshold(test.images)
    rss_before = peak_rss_mb()
    model = new_model(cfg, train_split)
    clock, points, next_eval, last = PausableClock(), [], CURVE_EVERY, None
    for event in train(cfg, model, train_split=train_split, test_split=test.subset(1),
                       clock=clock):
        if isinstance(event, StepMetrics):
            last = event
            if curve and event.elapsed >= next_eval:
                clock.pause()
                points.append((round(event.elapsed, 2), test_elbo(model, x_test)))
                clock.resume()
                next_eval += CURVE_EVERY
        elif isinstance(event, EpochMetrics):
            pass
    final = test_elbo(model, x_test)
    reached = next((t for t, e in points if e >= TARGET), None)
    return {"seconds": seconds, "test_elbo": final, "steps": last.step,
            "train_seconds": round(last.elapsed, 2),
            "images_per_sec": round(last.images_per_sec, 1),
            "epochs": round(last.step * cfg.batch_size / len(train_split), 2),
            "seconds_to_-160": reached, "curve": points,
            "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_mb": round(rss_before, 1)}


@torch.no_grad()
def run_infer(cfg) -> dict:
    model = new_model(cfg).eval()
    test = reading.load_split("test")
    x = test.images.float() / 255

    def timed(fn, repeat):
        fn()
        fn()
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    z1, z400 = torch.zeros(1, 2), torch.from_numpy(grid_points(20, -3, 3))
    return {
        "decode_1_ms": timed(lambda: model.decode(z1), 300) * 1e3,
        "decode_400_ms": timed(lambda: model.decode(z400), 30) * 1e3,
        "encode_10k_s": timed(lambda: [model.encode(x[i:i + 2000]) for i in range(0, 10000, 2000)],
                              5),
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def main(argv: list[str]) -> int:
    key, what, threads = KEYS[argv[0]], argv[1], int(argv[2])
    if threads:
        torch.set_num_threads(threads)
    cfg = dataclasses.replace(CONTESTANTS[key], threads=threads)
    if what == "train":
        out = run_train(cfg, float(argv[3]), "--curve" in argv)
    else:
        out = run_infer(cfg)
    print(json.dumps({"contestant": key, "torch_threads": torch.get_num_threads(), **out}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
