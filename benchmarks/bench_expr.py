"""Custom activations from formulas vs the registry's hand-written kernels (float64).

For each naive formula of the issue, the generated f and f' (closures over NumPy and registry
kernels) against the registry entry's own kernels, interleaved, best of N, threads pinned.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_expr.py [--n 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import actlab  # noqa: E402

FORMULAS = {
    "mish": "x * tanh(log(1 + exp(x)))",
    "silu": "x / (1 + exp(-x))",
    "softplus": "log(1 + exp(x))",
    "gelu": "0.5 * x * (1 + erf(x / sqrt(2)))",
    "log_sigmoid": "log(1 / (1 + exp(-x)))",
}


def best(fn, x, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args(argv)
    x = np.random.default_rng(0).normal(scale=4, size=args.n)
    rows = []
    print(f"n = {args.n}, float64, best of {args.repeats} (ms); ratio = formula / registry")
    for name, text in FORMULAS.items():
        mine, ref = actlab.define(text), actlab.get(name)
        for what in ("f", "grad"):
            a, b = (mine if what == "f" else mine.grad), (ref if what == "f" else ref.grad)
            ta = tb = float("inf")
            for _ in range(args.repeats):  # interleaved
                ta = min(ta, best(a, x, 1))
                tb = min(tb, best(b, x, 1))
            rows.append({"name": name, "what": what, "formula_ms": ta * 1e3,
                         "registry_ms": tb * 1e3})
            print(f"{name:12s} {what:5s} formula {ta * 1e3:8.2f}  registry {tb * 1e3:8.2f}  "
                  f"ratio {ta / tb:5.2f}")
    return rows


if __name__ == "__main__":
    main()
