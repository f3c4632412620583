"""explorer/server/store.py: the line on disk. One run per person, a line that can be full,
replacing a waiting run keeps its place, claims that respect the runs at once (with several
processes racing), and a dead server's runs put back at their places."""

import multiprocessing
import time

import pytest

from explorer.server.store import AlreadyInLine, LineFull, Store


def add(store, owner, max_line=10, replace=False, budget=20.0):
    return store.add(f"{owner}-{time.perf_counter_ns()}", owner, f"run-{owner}", {"epochs": 1},
                     budget, max_line, replace=replace)


def test_one_run_per_person_and_replacing_keeps_the_place(tmp_path):
    store = Store(tmp_path)
    a, b = add(store, "a"), add(store, "b")
    with pytest.raises(AlreadyInLine, match="is waiting in line") as err:
        add(store, "a")
    assert err.value.job.id == a.id
    again = add(store, "a", replace=True)
    assert [j.id for j in store.active()] == [again.id, b.id]  # a's place, before b
    assert store.get(a.id).state == "left" and store.get(a.id).note == "replaced by a new run"
    running = store.claim("server-1", 20, limit=1)
    assert running.id == again.id and running.state == "running"
    with pytest.raises(AlreadyInLine, match="is training"):
        add(store, "a", replace=True)  # a running run is not replaced


def test_the_line_can_be_full(tmp_path):
    store = Store(tmp_path)
    for k in range(3):
        add(store, f"p{k}", max_line=3)
    with pytest.raises(LineFull, match="full"):
        add(store, "late", max_line=3)
    store.leave(store.active()[0].id)
    add(store, "late", max_line=3)  # room again


def test_claims_respect_the_runs_at_once(tmp_path):
    store = Store(tmp_path)
    jobs = [add(store, f"p{k}") for k in range(4)]
    assert store.claim("s", 20, limit=2).id == jobs[0].id
    assert store.claim("s", 20, limit=2).id == jobs[1].id
    assert store.claim("s", 20, limit=2) is None  # two run already
    store.update(jobs[0].id, state="done")
    assert store.claim("s", 20, limit=2).id == jobs[2].id


def test_a_dead_servers_runs_go_back_at_their_places(tmp_path):
    store = Store(tmp_path)
    first, second = add(store, "a"), add(store, "b")
    store.claim("dead-server", lease_s=0.01, limit=1)
    time.sleep(0.05)
    assert [j.id for j in store.requeue_expired()] == [first.id]
    assert [(j.id, j.state) for j in store.active()] == [(first.id, "queued"),
                                                         (second.id, "queued")]
    again = store.claim("new-server", 20, limit=1)
    assert again.id == first.id and again.attempts == 2 and "restarted" in again.note


def test_a_lease_that_is_renewed_is_kept(tmp_path):
    store = Store(tmp_path)
    add(store, "a")
    store.claim("alive", lease_s=0.2, limit=1)
    for _ in range(3):
        time.sleep(0.1)
        store.renew("alive", 0.2)
    assert store.requeue_expired() == []


def _claim_all(folder, runner, out):
    store = Store(folder)
    got = []
    while (job := store.claim(runner, 60, limit=100)) is not None:
        got.append(job.id)
    out.put(got)


def test_two_servers_on_the_same_folders_never_run_the_same_job(tmp_path):
    store = Store(tmp_path)
    ids = {add(store, f"p{k}", max_line=100).id for k in range(40)}
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(tmp_path, f"server-{k}", out))
             for k in range(2)]
    for p in procs:
        p.start()
    claimed = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(claimed[0] + claimed[1]) == sorted(ids)  # every job once, by one server
    assert not set(claimed[0]) & set(claimed[1])


def test_sharing_is_kept(tmp_path):
    store = Store(tmp_path)
    store.set_shared("run", "abc/x.pt", True)
    store.set_shared("dataset", "digits.abc", True)
    assert Store(tmp_path).shared("run") == {"abc/x.pt"}  # on disk, for the next process
    store.set_shared("run", "abc/x.pt", False)
    assert store.shared("run") == frozenset() and store.shared("dataset") == {"digits.abc"}
