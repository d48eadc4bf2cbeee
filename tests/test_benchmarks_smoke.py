"""Smoke tests for the benchmark scripts (benchmarks/bench_*.py): their quick modes run end to end
and print the ratio tables (no timings are asserted; the numbers mean nothing on a shared test
machine)."""

from __future__ import annotations

import importlib.util
import io
import json
import math
import os
from pathlib import Path

import actlab
from actlab.activations import _fast

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name: str = "bench_activations"):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_mode_runs_every_entry():
    bench = load()
    assert set(bench.NAIVE_F) == set(bench.NAIVE_B) == set(actlab.names())
    stream = io.StringIO()
    results = bench.run([10_000], repeats=1, threads=1, stream=stream, jax=False)
    assert {(r["name"], r["direction"]) for r in results} == {
        (n, d) for n in actlab.names() for d in ("forward", "backward")
    }
    for r in results:
        assert r["n"] == 10_000
        assert all(t > 0 and math.isfinite(t) for t in r["ms"].values())
    text = stream.getvalue()
    assert "geomean all" in text and "actlab/torch" in text


def test_main_quick_flag(capsys):
    bench = load()
    results = bench.main(["--quick", "--no-jax", "--names", "relu", "gelu"])
    assert {r["name"] for r in results} == {"relu", "gelu"}
    assert all(r["n"] == 10_000 for r in results)
    assert "n = 1e+04" in capsys.readouterr().out


def test_parallel_bench_quick_mode_checks_identical_results():
    bench = load("bench_parallel")
    stream = io.StringIO()
    best = bench.run(bench.study(2, 1, 8), jobs=2, repeats=1, dask=False, stream=stream)
    assert set(best) == {"sequential", "loky x2"} and all(t > 0 for t in best.values())
    assert "speed-up" in stream.getvalue()


def test_training_quick_tiny_nets(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "")
    bench = load("bench_training")
    threads = _fast.get_num_threads()
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    out = tmp_path / "rows.json"
    assert bench.main(["--quick", "--no-jax", "--threads", "1", "--steps", "1", "--repeats",
                       "1", "--only", "tiny", "--json", str(out)]) == 0
    assert _fast.get_num_threads() == threads  # the process is left as it was
    assert cores is None or os.sched_getaffinity(0) == cores
    rows = json.loads(out.read_text())["rows"]
    assert [r["case"] for r in rows] == [f"tiny {s} tanh bs {b}" for s in ("2-8-8-1",
                                         "2-32-32-32-1") for b in (10, 30)]
    assert all(r["actlab"] > 0 and r["numpy"] > 0 for r in rows)
    text = capsys.readouterr().out
    assert "np/act" in text and "targets:" in text


def test_startup_quick(capsys):
    best = load("bench_startup").main(["--quick"])
    assert set(best) >= {"python -c pass", "import numpy", "actlab --help"}
    assert all(t > 0 for t in best.values())
    assert "over numpy" in capsys.readouterr().out
