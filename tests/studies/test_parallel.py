"""Backends for study runs: identical results on loky, Dask and any job count; no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from actlab.studies import parallel
from actlab.studies.records import RunConfig
from actlab.studies.runner import run_many
from actlab.studies.store import Store

CONFIGS = [RunConfig("digits", a, seed=s, depth=1, width=8, epochs=2, batch_size=128)
           for a in ("relu", "tanh") for s in (0, 1)]


def _timeless(r):
    """A result without its wall-clock times (the only fields that may differ)."""
    return replace(r, wall_seconds=0.0, epochs=tuple(replace(e, seconds=0.0) for e in r.epochs))


def _square(x, worker=False):
    return x * x, os.getpid(), worker


def test_results_identical_across_backends_and_job_counts(tmp_path):
    distributed = pytest.importorskip("distributed")
    with Store(tmp_path / "one.sqlite") as store:
        ref, _ = run_many(CONFIGS, store, jobs=1, progress=False, log=None)
    with Store(tmp_path / "loky.sqlite") as store, parallel.configured("loky"):
        loky, _ = run_many(CONFIGS, store, jobs=2, progress=False, log=None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        with Store(tmp_path / "dask.sqlite") as store, \
                parallel.configured("dask", cluster.scheduler_address):
            dask, reused = run_many(CONFIGS, store, jobs=2, progress=False, log=None)
    assert reused == 0
    for a, b, c in zip(ref, loky, dask, strict=True):
        assert a.key == b.key == c.key
        assert _timeless(a) == _timeless(b) == _timeless(c)
    assert len({r.test_loss for r in ref}) == len(ref)  # the runs really differ


def test_dask_local_cluster_yields_every_result():
    pytest.importorskip("distributed")
    shared = [1.5]  # an argument several tasks share is scattered once
    tasks = [(3,), (4,), (5,)]
    with parallel.configured("dask"):
        out = list(parallel.execute(_square, tasks, jobs=2, child_kwargs={"worker": True}))
        again = list(parallel.execute(_square, [(6,)], jobs=2))  # the block's cluster, reused
        cluster = parallel._STACK[-1][1]["dask_cluster"]
        workers = set(parallel._STACK[-1][1]["dask_client"].run(os.getpid).values())
    assert sorted(r[0] for r in out) == [9, 16, 25] and again[0][0] == 36
    assert all(pid != os.getpid() and worker for _, pid, worker in out)
    assert len(workers) == 2 and {pid for _, pid, _ in out + again} <= workers
    assert cluster.status.name == "closed"  # closed with the block
    assert parallel._shared([(shared, 1), (shared, 2), ([1], 3)]) == {id(shared)}


def test_default_backend_follows_joblib_parallel_config():
    from joblib import parallel_config

    with parallel_config(backend="threading"):
        out = list(parallel.execute(_square, [(2,), (3,)], jobs=2))
    assert sorted(r[0] for r in out) == [4, 9]
    assert {pid for _, pid, _ in out} == {os.getpid()}  # threads of this process
    with parallel.configured("loky"), parallel_config(backend="threading"):
        out = list(parallel.execute(_square, [(2,), (3,)], jobs=2))
    assert {pid for _, pid, _ in out} != {os.getpid()}  # an explicit backend wins


def test_one_job_runs_in_order_here():
    out = list(parallel.execute(_square, [(3,), (1,), (2,)], jobs=1,
                                child_kwargs={"worker": True}))
    assert out == [(9, os.getpid(), False), (1, os.getpid(), False), (4, os.getpid(), False)]


@pytest.mark.parametrize("backend, scheduler, message", [
    ("spark", None, "unknown backend 'spark'"),
    ("loky", "tcp://127.0.0.1:8786", "needs backend 'dask' or 'ray'"),
    ("dask", " ", "must be an address"),
])
def test_bad_configuration_names_the_problem(backend, scheduler, message):
    with pytest.raises(ValueError, match=message):
        parallel.configured(backend, scheduler)


def test_cli_scheduler_without_dask_backend_exits_2(tmp_path):
    from actlab.cli import main

    assert main(["compare", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)]) == 2


# --------------------------------------------------------------------------- kill test
def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("backend", ["loky", pytest.param("dask", marks=pytest.mark.slow)])
def test_sigkill_of_parent_leaves_no_worker(tmp_path, backend):
    from .test_resume import _wait_for_runs

    if backend == "dask":
        pytest.importorskip("distributed")
    cmd = [sys.executable, "-m", "actlab", "compare", "--dataset", "digits",
           "--activations", "relu,tanh", "--depth", "2", "--width", "16", "--epochs", "20",
           "--seeds", "4", "--batch-size", "32", "--jobs", "2", "--no-progress",
           "--backend", backend, "--out", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_runs(proc, tmp_path / "results.sqlite", 1, timeout=120)
    workers = _descendants(proc.pid)
    assert len(workers) >= 2  # the two workers (and loky's resource tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [p for p in workers if _alive(p)]
    for p in survivors:  # never leave them behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not survivors, f"processes outlived their killed parent: {survivors}"


@pytest.mark.slow
def test_ray_gives_the_same_results(tmp_path):
    pytest.importorskip("ray")
    with Store(tmp_path / "one.sqlite") as store:
        ref, _ = run_many(CONFIGS, store, jobs=1, progress=False, log=None)
    with Store(tmp_path / "ray.sqlite") as store, parallel.configured("ray"):
        got, _ = run_many(CONFIGS, store, jobs=2, progress=False, log=None)
    assert [_timeless(r) for r in ref] == [_timeless(r) for r in got]
