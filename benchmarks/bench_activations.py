"""Elementwise activation speed: actlab vs naive NumPy vs PyTorch (CPU) vs the memory-copy limit.

For every registry entry (``actlab.names()``, default parameters), forward ``f(x)`` and backward
(the vector-Jacobian product ``g * f'(x)``) on float32 arrays of 1e6 and 1e7 elements:

* **actlab**: ``act(x, out=out)`` and ``act.backward(g, x, out=out)``, preallocated ``out``.
  The compiled float32 kernels (``actlab/activations/_kernels.c``) use the calling thread plus one
  helper thread above 65536 elements; ``ACTLAB_NO_FAST=1`` benchmarks the pure-NumPy path.
* **naive**: NumPy as the articles write it, e.g. ``1/(1+np.exp(-x))``, ``x*(x>0)``,
  ``0.5*x*(1+erf(x/sqrt2))`` (allocating, float32 throughout; see ``NAIVE_F``/``NAIVE_B``).
* **torch**: ``torch.nn.functional``/``torch._C._nn`` with ``out=`` where the op has an out
  variant; backward through the autograd-free ATen backward ops (``aten.sigmoid_backward``,
  ``aten.gelu_backward``, ...; their ``grad_input=``/``out=`` overloads where they exist), given
  the forward output where the op takes it (sigmoid, tanh, softmax, log_softmax, log_sigmoid's
  buffer). softsign has no backward op: it is the explicit formula in torch ops.
* **copy**: the memory-traffic limit: ``np.copyto(out, x)`` forward (1 input, 1 output) and
  ``np.add(g, x, out=out)`` backward (2 inputs, 1 output).

Timing is interleaved best-of-N: each repeat runs every contender once, in turn, and the fastest
repeat of each is kept (the least disturbed on a shared machine). torch runs with
``--threads`` intra-op threads (2 by default); BLAS is not involved. The ratio table gives
actlab/torch, actlab/naive and actlab/copy, with geometric means.

Run:  .venv/bin/python benchmarks/bench_activations.py [--quick] [--sizes 1e6 1e7] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np
from scipy import special

import actlab
from actlab.activations import _fast

SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SELU_A, SELU_L = 1.6732632423543772, 1.0507009873554805
PIECEWISE = {"identity", "relu", "leaky_relu", "relu6", "hard_sigmoid", "hard_swish", "hard_tanh"}
VECTOR = {"softmax", "log_softmax"}  # benchmarked on (n / 1000, 1000), along the last axis


# ----------------------------------------------------------------- naive NumPy (the articles)
def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


NAIVE_F: dict[str, Callable] = {
    "identity": lambda x: x.copy(),
    "sigmoid": _sig,
    "tanh": np.tanh,
    "relu": lambda x: x * (x > 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "relu6": lambda x: np.minimum(np.maximum(0, x), 6),
    "silu": lambda x: x * _sig(x),
    "gelu": lambda x: 0.5 * x * (1 + special.erf(x / np.float32(SQRT2))),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: SELU_L * np.where(x > 0, x, SELU_A * (np.exp(x) - 1)),
    "celu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "softplus": lambda x: np.log(1 + np.exp(x)),
    "log_sigmoid": lambda x: np.log(_sig(x)),
    "mish": lambda x: x * np.tanh(np.log(1 + np.exp(x))),
    "softmax": _softmax,
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(axis=-1, keepdims=True)),
    "hard_sigmoid": lambda x: np.clip((x + 3) / 6, 0, 1),
    "hard_swish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "softsign": lambda x: x / (1 + np.abs(x)),
}


def _mish_b(g, x):
    t = np.tanh(np.log(1 + np.exp(x)))
    return g * (t + x * (1 - t**2) * _sig(x))


def _softmax_b(g, x):
    s = _softmax(x)
    return s * (g - (g * s).sum(axis=-1, keepdims=True))


NAIVE_B: dict[str, Callable] = {
    "identity": lambda g, x: g.copy(),
    "sigmoid": lambda g, x: g * _sig(x) * (1 - _sig(x)),
    "tanh": lambda g, x: g * (1 - np.tanh(x) ** 2),
    "relu": lambda g, x: g * (x > 0),
    "leaky_relu": lambda g, x: g * np.where(x > 0, 1, np.float32(0.01)),
    "relu6": lambda g, x: g * ((x > 0) & (x < 6)),
    "silu": lambda g, x: g * (_sig(x) * (1 + x * (1 - _sig(x)))),
    "gelu": lambda g, x: g * (0.5 * (1 + special.erf(x / np.float32(SQRT2)))
                              + x * np.exp(-(x**2) / 2) * np.float32(INV_SQRT_2PI)),
    "elu": lambda g, x: g * np.where(x > 0, 1, np.exp(x)),
    "selu": lambda g, x: g * SELU_L * np.where(x > 0, 1, SELU_A * np.exp(x)),
    "celu": lambda g, x: g * np.where(x > 0, 1, np.exp(x)),
    "softplus": lambda g, x: g * _sig(x),
    "log_sigmoid": lambda g, x: g * (1 - _sig(x)),
    "mish": _mish_b,
    "softmax": _softmax_b,
    "log_softmax": lambda g, x: g - _softmax(x) * g.sum(axis=-1, keepdims=True),
    "hard_sigmoid": lambda g, x: g * ((x > -3) & (x < 3)) / 6,
    "hard_swish": lambda g, x: g * np.where(x < -3, 0, np.where(x > 3, 1, (2 * x + 3) / 6)),
    "hard_tanh": lambda g, x: g * ((x > -1) & (x < 1)),
    "softsign": lambda g, x: g / (1 + np.abs(x)) ** 2,
}


# ------------------------------------------------------------------------------------ torch
def torch_ops(torch):
    """name -> (forward(x, out), backward(g, x, y, aux, out), note); y = forward output."""
    nn, aten = torch._C._nn, torch.ops.aten
    F = torch.nn.functional
    f32 = torch.float32
    a, sc = SELU_A, SELU_L

    def softsign_b(g, x, y, aux, o):
        d = torch.abs(x).add_(1)
        d.mul_(d)
        return torch.div(g, d, out=o)

    return {
        "identity": (lambda x, o: o.copy_(x), lambda g, x, y, aux, o: o.copy_(g), "copy_"),
        "sigmoid": (lambda x, o: torch.sigmoid(x, out=o),
                    lambda g, x, y, aux, o: aten.sigmoid_backward.grad_input(g, y, grad_input=o),
                    "sigmoid_backward(g, y)"),
        "tanh": (lambda x, o: torch.tanh(x, out=o),
                 lambda g, x, y, aux, o: aten.tanh_backward.grad_input(g, y, grad_input=o),
                 "tanh_backward(g, y)"),
        "relu": (lambda x, o: torch.clamp_min(x, 0, out=o),
                 lambda g, x, y, aux, o: aten.threshold_backward.grad_input(g, x, 0, grad_input=o),
                 "threshold_backward"),
        "leaky_relu": (lambda x, o: nn.leaky_relu(x, 0.01, out=o),
                       lambda g, x, y, aux, o: aten.leaky_relu_backward.grad_input(
                           g, x, 0.01, False, grad_input=o), "leaky_relu_backward"),
        "relu6": (lambda x, o: nn.hardtanh(x, 0.0, 6.0, out=o),
                  lambda g, x, y, aux, o: aten.hardtanh_backward.grad_input(
                      g, x, 0.0, 6.0, grad_input=o), "hardtanh_backward(0, 6)"),
        "silu": (lambda x, o: nn.silu(x, out=o),
                 lambda g, x, y, aux, o: aten.silu_backward.grad_input(g, x, grad_input=o),
                 "silu_backward"),
        "gelu": (lambda x, o: nn.gelu(x, out=o),
                 lambda g, x, y, aux, o: aten.gelu_backward.grad_input(g, x, grad_input=o),
                 "gelu_backward (erf)"),
        "elu": (lambda x, o: nn.elu(x, 1.0, 1.0, 1.0, out=o),
                lambda g, x, y, aux, o: aten.elu_backward.grad_input(
                    g, 1.0, 1.0, 1.0, False, x, grad_input=o), "elu_backward"),
        "selu": (lambda x, o: nn.elu(x, a, sc, 1.0, out=o),
                 lambda g, x, y, aux, o: aten.elu_backward.grad_input(
                     g, a, sc, 1.0, False, x, grad_input=o), "elu_backward(selu)"),
        "celu": (lambda x, o: nn.elu(x, 1.0, 1.0, 1.0, out=o),
                 lambda g, x, y, aux, o: aten.elu_backward.grad_input(
                     g, 1.0, 1.0, 1.0, False, x, grad_input=o), "elu_backward(celu)"),
        "softplus": (lambda x, o: nn.softplus(x, 1.0, 20.0, out=o),
                     lambda g, x, y, aux, o: aten.softplus_backward.grad_input(
                         g, x, 1.0, 20.0, grad_input=o), "softplus_backward"),
        "log_sigmoid": (lambda x, o: nn.log_sigmoid(x, out=o),
                        lambda g, x, y, aux, o: aten.log_sigmoid_backward.grad_input(
                            g, x, aux, grad_input=o), "log_sigmoid_backward(buffer)"),
        "mish": (lambda x, o: nn.mish(x, out=o),
                 lambda g, x, y, aux, o: aten.mish_backward(g, x), "mish_backward (allocates)"),
        "softmax": (lambda x, o: torch._softmax(x, -1, False, out=o),
                    lambda g, x, y, aux, o: aten._softmax_backward_data.out(
                        g, y, -1, f32, grad_input=o), "_softmax_backward_data(g, y)"),
        "log_softmax": (lambda x, o: torch._log_softmax(x, -1, False, out=o),
                        lambda g, x, y, aux, o: aten._log_softmax_backward_data.out(
                            g, y, -1, f32, out=o), "_log_softmax_backward_data(g, y)"),
        "hard_sigmoid": (lambda x, o: nn.hardsigmoid(x, out=o),
                         lambda g, x, y, aux, o: aten.hardsigmoid_backward.grad_input(
                             g, x, grad_input=o), "hardsigmoid_backward"),
        "hard_swish": (lambda x, o: nn.hardswish(x, out=o),
                       lambda g, x, y, aux, o: aten.hardswish_backward.out(g, x, out=o),
                       "hardswish_backward"),
        "hard_tanh": (lambda x, o: nn.hardtanh(x, -1.0, 1.0, out=o),
                      lambda g, x, y, aux, o: aten.hardtanh_backward.grad_input(
                          g, x, -1.0, 1.0, grad_input=o), "hardtanh_backward"),
        "softsign": (lambda x, o: torch.div(x, torch.abs(x).add_(1), out=o), softsign_b,
                     "explicit g/(1+|x|)^2 in torch ops"),
    }, F


# ----------------------------------------------------------------------------------- timing
def interleaved_best(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Best wall time (ms) of each zero-argument callable; every repeat runs all in turn."""
    best = dict.fromkeys(contenders, math.inf)
    for fn in contenders.values():  # warm-up: page in outputs, load libraries
        fn()
    for _ in range(repeats):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], (time.perf_counter() - t0) * 1e3)
    return best


def bench_entry(name, n, repeats, rng, torch):
    shape = (n // 1000, 1000) if name in VECTOR and n >= 1000 else (n,)
    x = rng.standard_normal(shape, dtype=np.float32) * np.float32(3)
    g = rng.standard_normal(shape, dtype=np.float32)
    out = np.empty_like(x)
    act = actlab.get(name)
    fwd = {"actlab": lambda: act(x, out=out), "naive": lambda: NAIVE_F[name](x),
           "copy": lambda: np.copyto(out, x)}
    y = act(x)  # actlab gets the forward output too (torch's sigmoid/tanh/softmax ops take it)
    bwd = {"actlab": lambda: act.backward(g, x, y, out=out), "naive": lambda: NAIVE_B[name](g, x),
           "copy": lambda: np.add(g, x, out=out)}
    note = ""
    if torch is not None:
        ops, _ = torch_ops(torch)
        tf, tb, note = ops[name]
        tx, tg = torch.from_numpy(x), torch.from_numpy(g)
        to = torch.empty_like(tx)
        ty = tf(tx, torch.empty_like(tx)).clone()
        aux = torch.ops.aten.log_sigmoid_forward(tx)[1] if name == "log_sigmoid" else None
        fwd["torch"] = lambda: tf(tx, to)
        bwd["torch"] = lambda: tb(tg, tx, ty, aux, to)
    return interleaved_best(fwd, repeats), interleaved_best(bwd, repeats), note


def geomean(values):
    values = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def run(sizes, repeats, threads, names=None, stream=sys.stdout):
    """Benchmark, print the table, return the raw results. threads: torch's intra-op threads
    and whether actlab may use its helper thread (1: never, 2: from SPLIT_MIN elements)."""
    try:
        import torch
    except ImportError:
        torch = None
    saved = (torch.get_num_threads() if torch is not None else None, _fast.SPLIT_MIN)
    try:
        if torch is not None:
            torch.set_num_threads(threads)
        if threads < 2:
            _fast.SPLIT_MIN = 1 << 62
        return _run(sizes, repeats, threads, names, stream, torch)
    finally:
        if torch is not None:
            torch.set_num_threads(saved[0])
        _fast.SPLIT_MIN = saved[1]


def _run(sizes, repeats, threads, names, stream, torch):
    rng = np.random.default_rng(0)
    names = names or actlab.names()
    load0 = os.getloadavg()
    print(f"actlab activations benchmark: float32, interleaved best of {repeats}", file=stream)
    print(f"  machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load0[0]:.2f} at start (other processes share these cores)",
          file=stream)
    split = (f"2 threads (caller + 1 helper claiming chunks) from {_fast.SPLIT_MIN} elements"
             if threads >= 2 else "1 thread")
    print(f"  actlab: compiled kernels {'ON' if _fast.enabled() else 'OFF'} ({_fast.REASON}); "
          f"{split}", file=stream)
    if torch is not None:
        print(f"  torch {torch.__version__}: torch.set_num_threads({threads}) -> "
              f"{torch.get_num_threads()} threads", file=stream)
    else:
        print("  torch: not installed (no torch column)", file=stream)
    results = []
    for n in sizes:
        reps = max(3, repeats if n <= 2_000_000 else repeats // 3)
        for name in names:
            f, b, note = bench_entry(name, n, reps, rng, torch)
            for direction, t in (("forward", f), ("backward", b)):
                results.append({"name": name, "n": n, "direction": direction, "ms": t,
                                 "torch_op": note})
    report(results, stream)
    load1 = os.getloadavg()
    print(f"  load average {load1[0]:.2f} at the end", file=stream)
    return results


def report(results, stream=sys.stdout):
    def ratio(t, other):
        return t["actlab"] / t[other] if other in t else math.nan

    for n in sorted({r["n"] for r in results}):
        rows = [r for r in results if r["n"] == n]
        print(f"\n n = {n:.0e}   times in ms; ratios are actlab / other (< 1: actlab faster)",
              file=stream)
        head = (f"{'entry':13s}{'dir':4s}{'actlab':>8s}{'torch':>8s}{'naive':>8s}{'copy':>7s}"
                f"{'/torch':>8s}{'/naive':>8s}{'/copy':>7s}")
        print(head, file=stream)
        for r in rows:
            t = r["ms"]
            flag = ""
            if ratio(t, "torch") > 2:
                flag += "  > 2x torch"
            if r["name"] in PIECEWISE and ratio(t, "copy") > 1.3:
                flag += "  > 1.3x copy"
            print(f"{r['name']:13s}{r['direction'][:3]:4s}{t['actlab']:8.3f}"
                  f"{t.get('torch', math.nan):8.3f}{t['naive']:8.3f}{t['copy']:7.3f}"
                  f"{ratio(t, 'torch'):8.2f}{ratio(t, 'naive'):8.2f}{ratio(t, 'copy'):7.2f}{flag}",
                  file=stream)
        for direction in ("forward", "backward", None):
            sel = [r for r in rows if direction in (None, r["direction"])]
            gt = geomean([ratio(r["ms"], "torch") for r in sel])
            gn = geomean([ratio(r["ms"], "naive") for r in sel])
            worst = max(sel, key=lambda r: ratio(r["ms"], "torch") if "torch" in r["ms"] else 0)
            print(f"  geomean {direction or 'all':8s} actlab/torch {gt:5.2f}  actlab/naive "
                  f"{gn:5.2f}  worst vs torch: {worst['name']} {worst['direction']} "
                  f"{ratio(worst['ms'], 'torch'):.2f}", file=stream)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--threads", type=int, default=2,
                   help="torch intra-op threads; 1 also keeps actlab on one thread")
    p.add_argument("--names", nargs="+", help="only these entries")
    p.add_argument("--quick", action="store_true", help="smoke run: 1e4 elements, 3 repeats")
    p.add_argument("--json", help="write the raw results here")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes]
    if args.quick:
        sizes, args.repeats = [10_000] if args.sizes == [1e6, 1e7] else sizes, 3
    results = run(sizes, args.repeats, args.threads, args.names)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
