"""Smoke test for benchmarks/bench_activations.py: its quick mode runs end to end (no timings
are asserted; the numbers mean nothing on a shared test machine)."""

from __future__ import annotations

import importlib.util
import io
import math
from pathlib import Path

import actlab

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_activations.py"


def load():
    spec = importlib.util.spec_from_file_location("bench_activations", BENCH)
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
