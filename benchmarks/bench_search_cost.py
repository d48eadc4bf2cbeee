"""Per-run cost of ``actlab search`` and the projected time of each budget (CPU seconds).

Measures process CPU time (not wall time, so a busy shared machine does not inflate it) of
3-epoch runs of a seeded sample of the swish space's admitted candidates and of relu, on
MNIST-1D with the default MLP (6 x 64), one BLAS thread, then multiplies by the epochs each
budget asks for. Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_search_cost.py``.
"""

from __future__ import annotations

import time

import numpy as np

from actlab.studies.records import RunConfig
from actlab.studies.runner import load_dataset, run_one
from actlab.studies.search import BUDGETS, SPACES
from actlab.studies.search.halving import _population
from actlab.studies.search.screen import screen_all


def cpu_of(cfg: RunConfig, ds) -> float:
    t = time.process_time()
    run_one(cfg, ds)
    return time.process_time() - t


def main(n: int = 12, epochs: int = 3) -> None:
    space = SPACES["swish"]
    pool = screen_all(space, list(space.trees()))
    cands = _population(pool, space, pool.kept(), [], n, np.random.default_rng(1), True)
    ds = load_dataset("mnist1d")
    base = RunConfig("mnist1d", "relu", depth=6, width=64, init="he_normal", lr=5e-3)
    cpu_of(base.replace(epochs=1), ds)  # warm up
    expr = [cpu_of(base.replace(activation=c.activation, epochs=epochs), ds) for c in cands]
    relu = [cpu_of(base.replace(epochs=epochs), ds) for _ in range(3)]
    e, r = float(np.median(expr)) / epochs, float(np.median(relu)) / epochs
    print(f"CPU s per epoch (median): candidate formulas {e:.3f} (min {min(expr) / epochs:.3f},"
          f" max {max(expr) / epochs:.3f}), relu {r:.3f}")
    for name, b in BUDGETS.items():
        ep = b.screen * b.stages[0].epochs * b.stages[0].seeds
        ep += sum(b.stages[i - 1].keep * s.epochs * s.seeds for i, s in enumerate(b.stages) if i)
        tune = b.grid * max(1, round(b.final_epochs / 4)) + 2 * b.final_epochs
        fin = b.finalists * (tune + (b.final_seeds - 1) * b.final_epochs)
        basel = 4 * (tune + (b.final_seeds - 1) * b.final_epochs)
        tr = 9 * (tune + (b.transfer_seeds - 1) * b.final_epochs) * 1437 / 3200  # digits
        cpu = (ep + fin) * e + basel * r + tr * (e + r) / 2
        print(f"{name}: {cpu:.0f} CPU s, about {cpu / 2 / 60:.1f} min on 2 cores")


if __name__ == "__main__":
    main()
