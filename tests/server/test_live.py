"""explorer/server/live.py: when a waiting run should start, and a live view's bounds."""

import pytest

from explorer.server.live import STEP_POINTS, Live, remaining, starts
from explorer.vae.train import StepMetrics


def test_waiting_runs_start_as_the_runs_ahead_use_their_budgets():
    # one run at once, 8 s left of the running one, each run 20 s plus 2 s of overhead
    assert starts([8.0], [20, 20, 20], slots=1, overhead=2.0) == [10.0, 32.0, 54.0]
    # two at once: the first waiting one takes the slot that frees first
    assert starts([8.0, 15.0], [20, 20, 20], 2, 0.0) == [8.0, 15.0, 28.0]
    assert starts([], [20, 20], 2, 1.0) == [0.0, 0.0]  # room now
    # more running than slots (the setting was lowered): a slot frees when the extra end
    assert starts([5.0, 9.0, 30.0], [10], 2, 0.0) == [9.0]


def test_the_eta_of_a_class_is_its_share_of_the_machine():
    """30 people, 20 s each, one at a time: the last starts after 29 runs."""
    eta = starts([], [20.0] * 30, 1, 0.0)
    assert eta[-1] == pytest.approx(29 * 20.0) and eta == sorted(eta)


def _step(k, elapsed=0.0):
    return StepMetrics(1, k, 10 ** 6, 100.0, 99.0, 1.0, 1.0, 1e-3, 1000.0, elapsed)


def test_a_running_job_has_its_budget_less_what_it_trained():
    assert remaining({"max_seconds": 20}, _step(5, elapsed=12.5), 20, None) == 7.5
    # a continued run's budget is its total: 100 s trained before, 20 more asked for
    assert remaining({"max_seconds": 120}, _step(5, elapsed=110.0), 20, None) == 10.0
    assert remaining({"max_seconds": 20}, None, 20, started=100.0, now=104.0) == 16.0


def test_a_live_view_keeps_bounded_steps_however_long_it_runs():
    live = Live()
    for k in range(1, 3 * STEP_POINTS):
        live.add("event", _step(k))
    n = len(live.history.steps["step"])
    assert STEP_POINTS // 2 <= n <= STEP_POINTS
    assert live.last.step == 3 * STEP_POINTS - 1  # the newest is always known
    steps = live.history.steps["step"]
    assert steps == sorted(steps) and steps[0] == 1
