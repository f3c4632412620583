"""The training loop, as a generator of metrics that the CLI, the browser and the benchmarks
all consume. It never prints: the caller decides how to report.

    model = new_model(cfg)
    for event in train(cfg, model, stop=threading.Event()):
        ...  # StepMetrics after every batch, EpochMetrics after every test pass, Finished last

The events and RunState are explorer/vae/events.py's; each epoch's time-lapse snapshot,
explorer/vae/snapshots.py's.

Recipe: dynamically binarized training images (a fresh Bernoulli draw per batch), Adam with
a one-cycle learning rate (30% cosine warm-up from lr/25, then cosine down to ~0) fitted to
whichever ends first, the epochs or the time budget; test ELBO on thresholded test digits.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch.nn.utils import parameters_to_vector

from explorer.datasets import reading
from explorer.vae.config import TrainConfig, resolve_device
from explorer.vae.events import EpochMetrics, Event, Finished, Rollback, RunState, StepMetrics
from explorer.vae.model import VAE, build_model
from explorer.vae.objectives import dataset_elbo, elbo_terms, iwae_terms
from explorer.vae.snapshots import SNAPSHOT_SIZE, snapshot

SPIKE_FACTOR = 10  # a loss this many times the first step's has exploded (Adam keeps
# blown-up weights finite, so waiting for NaN would let a dead model train on)
MAX_ROLLBACKS = 3  # spikes survived (roll back, fresh Adam moments, half the lr) before giving up
EVAL_SPEEDUP = 3.0  # a test pass handles images about this many times faster than training
# does (forward only, batches of 1,000: 3.3x measured on 2 CPU cores); it sizes the time the
# budget keeps for the last test pass until one has been timed


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded; the model holds the last good weights."""


def one_cycle(progress: float, lr: float) -> float:
    """Learning rate at progress in [0, 1]: cosine warm-up to lr over 30%, cosine to ~0."""
    p = min(max(progress, 0.0), 1.0)
    if p < 0.3:
        return lr * (0.04 + 0.96 * (1 - math.cos(math.pi * p / 0.3)) / 2)
    return lr * (1e-3 + (1 - 1e-3) * (1 + math.cos(math.pi * (p - 0.3) / 0.7)) / 2)


def new_model(cfg: TrainConfig, train_split: reading.Split | None = None) -> VAE:
    """A freshly initialised model for cfg: same seed, same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = build_model(cfg.model_config())
    split = train_split if train_split is not None else reading.load_split("train", cfg.dataset)
    model.init_from_data(reading.to_unit(split.images[:10000]))
    return model


def _evaluate(model: VAE, x: torch.Tensor, cfg: TrainConfig, device: torch.device,
              stop: threading.Event) -> dict | None:
    model.eval()
    gen = torch.Generator(device).manual_seed(1234)
    try:
        return dataset_elbo(model, x.to(device), cfg.likelihood, generator=gen,
                            should_stop=stop.is_set)
    finally:
        model.train()


@torch.no_grad()
def _restore(params: list[torch.Tensor], flat: torch.Tensor) -> None:
    """Copy a flat vector (parameters_to_vector's) back into the parameters, in place.
    (torch's vector_to_parameters would make them views of `flat` instead.)"""
    offset = 0
    for p in params:
        p.copy_(flat[offset:offset + p.numel()].view_as(p))
        offset += p.numel()


def train(cfg: TrainConfig, model: VAE, stop: threading.Event | None = None,
          train_split: reading.Split | None = None,
          test_split: reading.Split | None = None,
          clock: Callable[[], float] = time.perf_counter,
          pause: threading.Event | None = None,
          resume: RunState | None = None, root: Path | None = None) -> Iterator[Event]:
    """Train `model` in place, yielding metrics.

    A loss that turns NaN, infinite or spikes is not stepped on: the weights go back to the
    last good step, Adam's moments are cleared and the learning rate halved (a Rollback
    event says so). After MAX_ROLLBACKS of those it raises TrainingDiverged, with the model
    holding the last good weights.

    The time budget (`cfg.max_seconds`) holds the whole run, its last test pass included:
    training stops early enough for that pass (timed on the run's earlier passes, estimated
    from the training speed before the first), so that a 20-second run ends in about 20 s.

    `clock` measures training time for the budget and the schedule; a benchmark that
    evaluates between steps passes one that it pauses meanwhile. While `pause` is set the
    run waits between two steps, and that time does not count. `resume`, the state a
    Finished event carried (kept in checkpoints), goes on from there: the same seed and the
    same total steps give the same weights as a run that never stopped. The weights are the
    model's own (the checkpoint's). `root`: the data folder (default paths.data_dir()).
    `cfg.threads` is the caller's to apply, at its process's start (torch's thread count is
    the whole process's, not this run's).
    """
    cfg.validate(root)
    stop = stop or threading.Event()
    device = resolve_device(cfg.device)
    train_split = (train_split or reading.load_split("train", cfg.dataset, root)).subset(
        cfg.train_subset or None, seed=cfg.seed)
    test_split = (test_split or reading.load_split("test", cfg.dataset, root)).subset(
        cfg.test_subset or None, seed=0)
    x_test = reading.binarize_threshold(test_split.images)
    x_snap, snap_labels = x_test[:SNAPSHOT_SIZE], test_split.labels[:SNAPSHOT_SIZE].numpy()
    images = train_split.images
    n, bs = len(images), min(cfg.batch_size, len(images))
    steps_per_epoch = max(1, n // bs)
    total = steps_per_epoch * cfg.epochs

    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr, fused=device.type in ("cpu", "cuda"))
    last_good = parameters_to_vector(params).detach().clone()  # the weights of the last good step
    data_gen = torch.Generator().manual_seed(cfg.seed)  # order and binarization
    noise_gen = torch.Generator(device).manual_seed(cfg.seed + 1)  # reparameterization
    run = resume or RunState()
    if run.optimizer is not None:
        opt.load_state_dict(run.optimizer)
    if run.data_rng is not None:
        data_gen.set_state(run.data_rng)
        noise_gen.set_state(run.noise_rng)
    if run.order is not None and len(run.order) != n:
        raise ValueError(f"the run trained on {len(run.order)} images, not {n}")

    step, seen, first_loss = run.step, run.seen, run.first_loss
    rollbacks, lr_scale, order = run.rollbacks, run.lr_scale, run.order
    t0, paused = clock() - run.elapsed, 0.0
    reason = "completed"
    eval_s = None  # how long this run's last test pass took (with its snapshot)

    def reserve(elapsed: float) -> float:
        """The budget's time kept for the last test pass (after a step of this call)."""
        if eval_s is not None:
            return eval_s
        per_image = (elapsed - run.elapsed) / ((step - run.step) * bs)
        return len(x_test) * per_image / EVAL_SPEEDUP

    def state(epoch: int, b: int, order: torch.Tensor | None) -> dict:
        return RunState(epoch, b, step, seen, clock() - t0 - paused, first_loss, rollbacks,
                        lr_scale, order, data_gen.get_state(), noise_gen.get_state(),
                        opt.state_dict()).to_dict()

    epoch = run.epoch
    for epoch in range(run.epoch, cfg.epochs + 1):
        epoch_start = step
        if order is None:
            order = torch.randperm(n, generator=data_gen)
        for b in range(run.batch if epoch == run.epoch else 0, steps_per_epoch):
            if pause is not None and pause.is_set():
                since = clock()
                while pause.is_set() and not stop.is_set():
                    time.sleep(0.05)
                paused += clock() - since
            elapsed = clock() - t0 - paused
            out_of_time = (cfg.max_seconds and step > run.step
                           and elapsed + reserve(elapsed) >= cfg.max_seconds)
            if stop.is_set() or out_of_time:
                reason = "stopped" if stop.is_set() else "time budget"
                resume_at = (epoch, b, order)  # this epoch's order is drawn already
                break
            progress = step / total
            if cfg.max_seconds:
                progress = max(progress, elapsed / cfg.max_seconds)
            lr = lr_scale * (one_cycle(progress, cfg.lr) if cfg.schedule == "one-cycle"
                             else cfg.lr)
            for group in opt.param_groups:
                group["lr"] = lr
            batch = images[order[b * bs:(b + 1) * bs]]
            x = (reading.binarize_dynamic(batch, data_gen) if cfg.binarization == "dynamic"
                 else reading.binarize_threshold(batch)).to(device, non_blocking=True)
            loss, recon, kl = (
                elbo_terms(model, x, cfg.beta, cfg.likelihood, noise_gen, cfg.spread)
                if cfg.samples == 1
                else iwae_terms(model, x, cfg.samples, cfg.beta, cfg.likelihood, noise_gen,
                                cfg.spread))
            loss_value = loss.item()
            first_loss = first_loss or loss_value
            if not math.isfinite(loss_value) or loss_value > SPIKE_FACTOR * abs(first_loss):
                _restore(params, last_good)
                rollbacks += 1
                if rollbacks > MAX_ROLLBACKS:
                    raise TrainingDiverged(
                        f"the loss became {loss_value:.3g} at step {step + 1} (epoch {epoch}), "
                        f"{rollbacks} times; try a smaller learning rate than {cfg.lr:g}. The "
                        "model keeps the weights of the last good step.")
                opt.state.clear()  # the moments carried the blow-up
                lr_scale *= 0.5
                yield Rollback(step + 1, loss_value, lr_scale)
                continue
            last_good.copy_(parameters_to_vector(params).detach())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.clip, foreach=True)
            opt.step()
            step += 1
            seen += len(batch)
            elapsed = clock() - t0 - paused
            yield StepMetrics(epoch, step, total, loss_value, recon.item(), kl.item(), cfg.beta,
                              lr, seen / max(elapsed, 1e-9), elapsed)
        else:
            resume_at = (epoch + 1, 0, None)  # the next epoch draws its own
        partial = reason != "completed"
        if partial and (stop.is_set() or step == epoch_start):
            break  # Stop pressed, or nothing new since the last test pass: none to wait for
        since = clock()
        ev = _evaluate(model, x_test, cfg, device, stop)
        if ev is None:
            reason = "stopped"
            break
        snap = snapshot(model, x_snap, device)
        eval_s = clock() - since
        yield EpochMetrics(epoch, step, total, ev["elbo"], ev["recon"], ev["kl"],
                           clock() - t0 - paused, partial, snapshot_labels=snap_labels,
                           state=None if partial else state(*resume_at), **snap)
        if partial:
            break
        order = None
    else:
        resume_at = (max(epoch, cfg.epochs) + 1, 0, None)
    model.eval()
    yield Finished(reason, step, clock() - t0 - paused, state(*resume_at))
