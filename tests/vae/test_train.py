import dataclasses
import threading
import time

import pytest
import torch

from explorer.datasets import reading
from explorer.vae import checkpoint
from explorer.vae.config import TrainConfig
from explorer.vae.objectives import elbo_terms
from explorer.vae.train import (
    EpochMetrics,
    Finished,
    Rollback,
    RunState,
    StepMetrics,
    TrainingDiverged,
    new_model,
    one_cycle,
    train,
)


def run(cfg, model=None, stop=None):
    model = model or new_model(cfg)
    events = list(train(cfg, model, stop))
    return model, events


def trained(cfg, model=None):
    """`model` (a new one for cfg when None) after a whole run of train."""
    model = new_model(cfg) if model is None else model
    for _ in train(cfg, model):
        pass
    return model


def steps(events):
    return [e for e in events if isinstance(e, StepMetrics)]


def test_one_cycle_schedule():
    assert one_cycle(0.0, 1.0) == pytest.approx(0.04)
    assert one_cycle(0.3, 1.0) == pytest.approx(1.0)
    assert one_cycle(1.0, 1.0) < 0.002
    values = [one_cycle(p / 100, 1.0) for p in range(101)]
    assert values.index(max(values)) == 30


def test_training_steps_lower_the_loss_on_a_fixed_batch(mnist_train):
    cfg = TrainConfig(seed=0)
    model = new_model(cfg)
    x = reading.binarize_threshold(mnist_train.images[:128])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)

    def loss():
        with torch.no_grad():
            return elbo_terms(model, x, generator=torch.Generator().manual_seed(9))[0].item()

    before = loss()
    for _ in range(30):
        value = elbo_terms(model, x, generator=g)[0]
        opt.zero_grad()
        value.backward()
        opt.step()
    assert loss() < before - 20


def test_events_metrics_and_split(small_cfg):
    cfg = dataclasses.replace(small_cfg, epochs=2, beta=2.0)
    model, events = run(cfg)
    s = steps(events)
    assert len(s) == 2 * (1024 // 64) and s[-1].step == s[-1].total_steps
    for m in s:
        assert m.loss == pytest.approx(m.recon + 2.0 * m.kl, rel=1e-5)
        assert m.images_per_sec > 0 and m.beta == 2.0 and m.lr > 0
    epochs = [e for e in events if isinstance(e, EpochMetrics)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert epochs[-1].test_elbo == pytest.approx(-(epochs[-1].test_recon + epochs[-1].test_kl))
    assert epochs[-1].snapshot_z.shape == (256, 2)
    from explorer.plane import extent  # the time-lapse's small manifold spans the epoch's plane
    assert epochs[-1].snapshot_lim == extent.snapshot_range(epochs[-1].snapshot_z)
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    assert not model.training


def test_same_seed_same_losses_other_seed_other_losses(small_cfg):
    a = [m.loss for m in steps(run(small_cfg)[1])]
    b = [m.loss for m in steps(run(small_cfg)[1])]
    c = [m.loss for m in steps(run(dataclasses.replace(small_cfg, seed=1))[1])]
    assert a == b
    assert a != c


def test_stop_event_stops_cleanly(small_cfg):
    cfg = dataclasses.replace(small_cfg, epochs=50)
    stop = threading.Event()
    model, events = new_model(cfg), []
    for e in train(cfg, model, stop):
        events.append(e)
        if isinstance(e, StepMetrics) and e.step == 5:
            stop.set()
    assert len(steps(events)) == 5
    assert events[-1] == Finished("stopped", 5, events[-1].elapsed)


def test_time_budget_ends_the_run_and_fits_the_schedule(small_cfg):
    cfg = dataclasses.replace(small_cfg, epochs=1000, max_seconds=1.5)
    _, events = run(cfg)
    assert events[-1].reason == "time budget"
    s = steps(events)
    assert s[-1].elapsed < 3.0
    assert s[-1].lr < 0.2 * cfg.lr  # the schedule followed the clock down
    # the final weights were tested: cut mid-epoch (a partial pass) or right after a whole one
    last = events[-2]
    assert isinstance(last, EpochMetrics) and last.step == s[-1].step
    assert last.partial == (s[-1].step % (cfg.train_subset // cfg.batch_size) != 0)


class StepClock:
    """Time as a run would see it if each step took `step_s` and each test pass `eval_s`."""

    def __init__(self, monkeypatch, step_s: float, eval_s: float):
        import explorer.vae.train as train_module

        self.now, self.step_s = 0.0, step_s
        evaluate = train_module._evaluate

        def slow_evaluate(*args, **kwargs):
            self.now += eval_s
            return evaluate(*args, **kwargs)

        monkeypatch.setattr(train_module, "_evaluate", slow_evaluate)

    def __call__(self) -> float:
        return self.now

    def run(self, cfg):
        events = []
        for e in train(cfg, new_model(cfg), clock=self):
            events.append(e)
            if isinstance(e, StepMetrics):
                self.now += self.step_s
        return events


def test_the_budget_holds_the_last_test_pass(small_cfg, monkeypatch):
    # steps of 0.1 s, test passes of 2 s, 10 s in all: training stops near 8 s, not at 10
    clock = StepClock(monkeypatch, step_s=0.1, eval_s=2.0)
    cfg = dataclasses.replace(small_cfg, epochs=1000, max_seconds=10.0)
    events = clock.run(cfg)
    assert events[-1].reason == "time budget"
    assert 9.5 <= events[-1].elapsed <= 10.0 + 0.1 + 1e-6  # the budget used, within a step
    assert isinstance(events[-2], EpochMetrics) and events[-2].partial


def test_before_any_test_pass_the_budget_keeps_an_estimate(small_cfg, monkeypatch):
    # 16 steps of 0.1 s in the first epoch and a 1-s budget: the budget ends in the first
    # epoch, so the pass is estimated from the training speed (256 test digits: ~0.13 s)
    clock = StepClock(monkeypatch, step_s=0.1, eval_s=0.0)
    events = clock.run(dataclasses.replace(small_cfg, epochs=1000, max_seconds=1.0))
    assert events[-1].reason == "time budget"
    assert len(steps(events)) == 9  # 0.9 s trained + the pass's ~0.13 s > 1 s


def test_divergence_stops_with_a_clear_error_and_keeps_good_weights(small_cfg):
    # a constant lr of 1 blows up within a few steps on any CPU (one-cycle warms up, too gently)
    cfg = dataclasses.replace(small_cfg, lr=1.0, epochs=20, schedule="constant")
    model = new_model(cfg)
    with pytest.raises(TrainingDiverged, match="smaller learning rate"):
        trained(cfg, model)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    with torch.no_grad():
        loss = elbo_terms(model, torch.rand(8, 1, 28, 28).round())[0]
    assert torch.isfinite(loss)


def test_bad_config_is_refused(small_cfg):
    for bad in (dict(lr=-1.0), dict(batch_size=0), dict(beta=11.0), dict(arch="x")):
        with pytest.raises(ValueError):
            dataclasses.replace(small_cfg, **bad).validate()


def test_a_single_spike_is_rolled_back_and_training_goes_on(small_cfg, monkeypatch):
    cfg = dataclasses.replace(small_cfg, epochs=2)
    model = new_model(cfg)
    decode, calls = model.decode, {"n": 0}

    def flaky(z):
        calls["n"] += 1
        out = decode(z)
        return out * float("nan") if calls["n"] == 5 and model.training else out

    monkeypatch.setattr(model, "decode", flaky)
    events = list(train(cfg, model))
    rollbacks = [e for e in events if isinstance(e, Rollback)]
    assert len(rollbacks) == 1 and rollbacks[0].step == 5 and rollbacks[0].lr_scale == 0.5
    assert events[-1].reason == "completed"
    assert len(steps(events)) == 2 * (1024 // 64) - 1  # the spiked batch is skipped
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_a_rollback_restores_the_weights_of_the_last_good_step(small_cfg, monkeypatch):
    """Twice: a restore that left the weights sharing memory with the saved copy would make
    the second one restore nothing."""
    cfg = dataclasses.replace(small_cfg, epochs=2)
    model = new_model(cfg)
    decode, seen = model.decode, []

    def flaky(z):
        if not model.training:
            return decode(z)
        seen.append([p.detach().clone() for p in model.parameters()])  # before this step
        out = decode(z)
        return out * float("nan") if len(seen) in (5, 9) else out

    monkeypatch.setattr(model, "decode", flaky)
    rollbacks = 0
    for event in train(cfg, model):
        if isinstance(event, Rollback):
            rollbacks += 1
            before_last_good_step = seen[-2]
            now = list(model.parameters())
            assert all(torch.equal(a, b) for a, b in zip(now, before_last_good_step, strict=True))
            assert not torch.equal(now[0], seen[-1][0])  # it did undo that step's update
    assert rollbacks == 2


@pytest.mark.parametrize("stop_after", [5, 16, 21])  # mid-epoch, at an epoch's end, later
def test_a_stopped_run_continued_from_its_checkpoint_ends_with_the_same_weights(
        small_cfg, tmp_path, stop_after):
    cfg = dataclasses.replace(small_cfg, epochs=3)  # 16 steps an epoch
    straight = trained(cfg)
    model, stop = new_model(cfg), threading.Event()
    for event in train(cfg, model, stop):
        if isinstance(event, StepMetrics) and event.step == stop_after:
            stop.set()
    assert event.reason == "stopped" and event.step == stop_after
    checkpoint.save(tmp_path / "half.pt", model, cfg.model_config(), cfg.to_dict(),
                    resume=event.state)
    model, ckpt = checkpoint.load(tmp_path / "half.pt")  # through the file, as the CLI does
    events = list(train(cfg, model, resume=RunState.from_dict(ckpt["resume"])))
    assert events[0].step == stop_after + 1 and events[-1].reason == "completed"
    for a, b in zip(straight.state_dict().values(), model.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_a_paused_run_ends_with_the_same_weights_and_does_not_count_the_pause(small_cfg):
    cfg = dataclasses.replace(small_cfg, epochs=2)
    straight = trained(cfg)
    model, pause = new_model(cfg), threading.Event()
    t0 = time.perf_counter()
    for event in train(cfg, model, pause=pause):
        if isinstance(event, StepMetrics) and event.step == 10:
            pause.set()
            threading.Timer(0.5, pause.clear).start()
    wall = time.perf_counter() - t0
    assert event.elapsed < wall - 0.45  # the half second paused is not training time
    for a, b in zip(straight.state_dict().values(), model.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_training_leaves_torch_threads_to_the_process(small_cfg):
    """torch's thread count is the whole process's (the server's, every session's): a run
    never sets it, whatever its `threads` says (the CLI's main and a worker's start do)."""
    before = torch.get_num_threads()
    cfg = dataclasses.replace(small_cfg, threads=before + 1, train_subset=256, test_subset=64)
    for _ in train(cfg, new_model(cfg)):
        assert torch.get_num_threads() == before
