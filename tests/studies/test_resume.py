"""A study killed at any moment (SIGKILL) or interrupted (Ctrl-C) loses no finished run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from actlab.studies.compare import CompareSpec, run_compare
from actlab.studies.store import Store

SPEC = dict(dataset="digits", activations=("relu", "tanh"), depth=2, width=8, epochs=3,
            seeds=6, batch_size=64, lr=3e-3)

SCRIPT = textwrap.dedent(f"""
    import sys
    from actlab.studies.compare import CompareSpec, run_compare
    run_compare(CompareSpec(**{SPEC!r}), sys.argv[1], jobs=1, progress=False, report=False)
""")


def _count(db) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def _wait_for_runs(proc, db, n, timeout=60.0):
    t0 = time.monotonic()
    while _count(db) < n:
        if proc.poll() is not None:
            pytest.fail(f"the study ended before {n} runs were stored")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            pytest.fail("timed out waiting for runs")
        time.sleep(0.02)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_study_then_resume(tmp_path):
    db = tmp_path / "results.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_runs(proc, db, 2)
    time.sleep(0.05)  # land somewhere inside the next run
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = [k for (k,) in con.execute("SELECT key FROM runs")]
    con.close()
    total = len(SPEC["activations"]) * SPEC["seeds"]
    assert 2 <= len(stored) < total
    with Store(db) as store:  # every stored run is complete
        for r in store.results(stored):
            assert r.epochs_run == 3 and len(r.epochs) == 3
            assert {row.epoch for row in r.layers} == {0, 1, 2, 3}
    res = run_compare(CompareSpec(**SPEC), tmp_path, jobs=1, progress=False, report=False,
                      log=None)
    assert res.reused == len(stored)
    assert len(res.results) == total
    with Store(db) as store:
        assert len(store) == total


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_stops_cleanly(tmp_path):
    cmd = [sys.executable, "-m", "actlab", "compare", "--dataset", "digits",
           "--activations", "relu,tanh", "--depth", "2", "--width", "8", "--epochs", "3",
           # far more runs than can finish between the first stored run and the signal
           # (the study used to end before SIGINT arrived): the test still takes ~1 run
           "--seeds", "500", "--batch-size", "64", "--lr", "0.003", "--jobs", "1",
           "--no-progress",
           "--out", str(tmp_path)]
    # SIGINT at its default in the child, whatever the runner does with it (nohup, `&`)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    db = tmp_path / "results.sqlite"
    _wait_for_runs(proc, db, 1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "rerun the same command" in err
    assert "Traceback" not in err
    n = _count(db)
    assert n >= 1
    with Store(db) as store:
        for r in store:
            assert r.epochs_run == 3


def test_parallel_runs_match_sequential_runs(tmp_path):
    from actlab.studies.records import RunConfig
    from actlab.studies.runner import run_many

    configs = [RunConfig("digits", a, seed=s, depth=2, width=8, epochs=2, batch_size=128)
               for a in ("relu", "tanh") for s in (0, 1)]
    with Store(tmp_path / "seq.sqlite") as a, Store(tmp_path / "par.sqlite") as b:
        seq, _ = run_many(configs, a, jobs=1, progress=False, log=None)
        par, reused = run_many(configs, b, jobs=2, progress=False, log=None)
    assert reused == 0
    for x, y in zip(seq, par, strict=True):
        assert x.key == y.key
        assert (x.test_loss, x.test_accuracy) == (y.test_loss, y.test_accuracy)
        assert [e.train_loss for e in x.epochs] == [e.train_loss for e in y.epochs]
        assert [r.grad_norm for r in x.layers] == [r.grad_norm for r in y.layers]
