"""Elementwise activation speed: actlab vs PyTorch (CPU) vs JAX jit vs naive NumPy vs memory copy.

For every registry entry (``actlab.names()``, default parameters), forward ``f(x)`` and backward
(the vector-Jacobian product ``g * f'(x)``) on float32 (or ``--dtype float64``) arrays of 1e2 to
1e7 elements (``--sizes``):

* **actlab**: ``act(x, out=out)`` and ``act.backward(g, x, y, out=out)``, preallocated ``out``.
  The compiled float32 kernels (``actlab/activations/_kernels.c``) use the calling thread plus one
  native helper thread (``_kernels_pool.c``) from ``_fast.SPLIT_MIN`` elements (``SPLIT_MIN_CHEAP``
  for piecewise-linear entries); ``ACTLAB_NO_FAST=1`` benchmarks the pure-NumPy path (as float64
  always does).
* **naive**: NumPy as the articles write it, e.g. ``1/(1+np.exp(-x))``, ``x*(x>0)``,
  ``0.5*x*(1+erf(x/sqrt2))`` (allocating; see ``NAIVE_F``/``NAIVE_B``).
* **torch**: ``torch.nn.functional``/``torch._C._nn`` with ``out=`` where the op has an out
  variant; backward through the autograd-free ATen backward ops (``aten.sigmoid_backward``,
  ``aten.gelu_backward``, ...; their ``grad_input=``/``out=`` overloads where they exist), given
  the forward output where the op takes it (sigmoid, tanh, softmax, log_softmax, log_sigmoid's
  buffer). softsign has no backward op: it is the explicit formula in torch ops. With
  ``--threads 2`` torch is timed at 1 and at 2 intra-op threads and the faster counts (on a
  shared 2-core machine either can win).
* **jax**: ``jax.jit`` of the ``jax.nn`` function and of its ``jax.vjp`` (allocating, as JAX
  always is; ``block_until_ready``). Skipped when jax is not importable in this interpreter.
* **copy**: the memory-traffic limit: ``np.copyto(out, x)`` forward (1 input, 1 output) and
  ``np.add(g, x, out=out)`` backward (2 inputs, 1 output).

Timing is interleaved best-of-N: each repeat runs every contender once, in turn (each timing
repeats the call until it lasts about a millisecond: small sizes measure the per-call cost), and
the fastest repeat of each is kept (the least disturbed on a shared machine). Before each timing
the calling thread waits :data:`SETTLE_S` (:func:`settle`): torch's OpenMP workers keep spinning
for 2-5 ms after a parallel call (libgomp's default wait policy), and a contender timed inside that
window shares its second core with them (measured: actlab's two-thread sigmoid 0.21 ms after a 5 ms
pause, 0.39-0.42 ms after 0-2 ms). Within its own timing every contender keeps its threads' habits.
The ratio tables give actlab/torch, actlab/jax, actlab/naive and actlab/copy with geometric means;
a summary gives the geometric mean and worst entry per size, and a per-call overhead table (1
element) gives microseconds per call.

Run:  .venv/bin/python benchmarks/bench_activations.py [--quick] [--sizes 1e3 1e6] [--repeats N]
      [--threads 1|2] [--dtype float32|float64] [--names relu gelu] [--json out.json]
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


# -------------------------------------------------------------------------------------- jax
def jax_ops():
    """name -> jax.numpy function of x (jit-compiled by the caller), or None without jax."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None, None
    nn = jax.nn
    return jax, {
        "identity": lambda x: x + 0,  # a copy, as actlab's out= is
        "sigmoid": nn.sigmoid, "tanh": jnp.tanh, "relu": nn.relu,
        "leaky_relu": lambda x: nn.leaky_relu(x, 0.01), "relu6": nn.relu6, "silu": nn.silu,
        "gelu": lambda x: nn.gelu(x, approximate=False), "mish": nn.mish,
        "softmax": lambda x: nn.softmax(x, axis=-1),
        "log_softmax": lambda x: nn.log_softmax(x, axis=-1),
        "elu": nn.elu, "selu": nn.selu, "celu": nn.celu, "softplus": nn.softplus,
        "log_sigmoid": nn.log_sigmoid, "hard_sigmoid": nn.hard_sigmoid,
        "hard_swish": nn.hard_swish, "hard_tanh": nn.hard_tanh, "softsign": nn.soft_sign,
    }


# ----------------------------------------------------------------------------------- timing
def calls_per_timing(fn: Callable[[], object], target_s: float = 1e-3) -> int:
    """How many calls make one timing last about target_s (at least 1)."""
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    return max(1, min(10_000, int(target_s / max(dt, 1e-7))))


#: seconds of quiet before each timing, longer than the other contenders' threads spin
SETTLE_S = 0.01


def settle(seconds: float = SETTLE_S) -> None:
    """Wait on this thread alone, busily: a sleep lets the virtual CPU idle and the next
    timing start cold (measured: every contender, the copy too, 10-20 % slower)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def interleaved_best(contenders: dict[str, Callable[[], object]], repeats: int,
                     setup: dict[str, Callable[[], object]] | None = None) -> dict[str, float]:
    """Best wall time (ms per call) of each zero-argument callable; every repeat runs all in
    turn. setup[name]() runs before each of that contender's timings (torch's thread count)."""
    setup = setup or {}
    best = dict.fromkeys(contenders, math.inf)
    number = {}
    for name, fn in contenders.items():  # warm-up: page in outputs, load libraries, compile
        setup.get(name, lambda: None)()
        fn()
        number[name] = calls_per_timing(fn)
    for _ in range(repeats):
        for name, fn in contenders.items():
            setup.get(name, lambda: None)()
            k = number[name]
            settle()
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) * 1e3 / k)
    return best


def bench_entry(name, n, repeats, rng, torch, jax_pair=(None, None), threads=1,
                dtype=np.float32):
    vec = name in VECTOR
    shape = (n // 1000, 1000) if vec and n >= 1000 else (n,)
    x = rng.standard_normal(shape).astype(dtype) * np.dtype(dtype).type(3)
    g = rng.standard_normal(shape).astype(dtype)
    out = np.empty_like(x)
    act = actlab.get(name)
    fwd = {"actlab": lambda: act(x, out=out), "naive": lambda: NAIVE_F[name](x),
           "copy": lambda: np.copyto(out, x)}
    y = act(x)  # actlab gets the forward output too (torch's sigmoid/tanh/softmax ops take it)
    bwd = {"actlab": lambda: act.backward(g, x, y, out=out), "naive": lambda: NAIVE_B[name](g, x),
           "copy": lambda: np.add(g, x, out=out)}
    setup = {}
    note = ""
    if torch is not None:
        ops, _ = torch_ops(torch)
        tf, tb, note = ops[name]
        tx, tg = torch.from_numpy(x), torch.from_numpy(g)
        to = torch.empty_like(tx)
        ty = tf(tx, torch.empty_like(tx)).clone()
        aux = torch.ops.aten.log_sigmoid_forward(tx)[1] if name == "log_sigmoid" else None
        for key, nt in [("torch", threads)] + ([("torch1", 1)] if threads > 1 else []):
            fwd[key] = lambda: tf(tx, to)
            bwd[key] = lambda: tb(tg, tx, ty, aux, to)
            setup[key] = (lambda k: lambda: torch.set_num_threads(k))(nt)
    jax, jops = jax_pair
    if jax is not None:
        jf = jax.jit(jops[name])
        jb = jax.jit(lambda gg, xx: jax.vjp(jops[name], xx)[1](gg)[0])
        jx, jg = jax.device_put(x), jax.device_put(g)
        fwd["jax"] = lambda: jf(jx).block_until_ready()
        bwd["jax"] = lambda: jb(jg, jx).block_until_ready()
    f, b = interleaved_best(fwd, repeats, setup), interleaved_best(bwd, repeats, setup)
    for t in (f, b):
        if "torch1" in t:
            t["torch"] = min(t["torch"], t.pop("torch1"))
    return f, b, note


def geomean(values):
    values = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def run(sizes, repeats, threads, names=None, stream=sys.stdout, dtype=np.float32, jax=True):
    """Benchmark, print the tables, return the raw results. threads: torch's intra-op threads
    and whether actlab may use its helper thread (1: never, 2: from the split sizes)."""
    try:
        import torch
    except ImportError:
        torch = None
    saved = torch.get_num_threads() if torch is not None else None
    try:
        if threads < 2:  # XLA's own pool: one thread too (read when jax loads)
            os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                               "intra_op_parallelism_threads=1")
        jax_pair = jax_ops() if jax else (None, None)
        with _fast.limit_threads(min(threads, 2)):
            return _run(sizes, repeats, threads, names, stream, torch, jax_pair, np.dtype(dtype))
    finally:
        if torch is not None:
            torch.set_num_threads(saved)


def _run(sizes, repeats, threads, names, stream, torch, jax_pair, dtype):
    rng = np.random.default_rng(0)
    names = names or actlab.names()
    load0 = os.getloadavg()
    print(f"actlab activations benchmark: {dtype.name}, interleaved best of {repeats}",
          file=stream)
    print(f"  machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load0[0]:.2f} at start (other processes share these cores)",
          file=stream)
    split = (f"2 threads (caller + native helper claiming chunks) from {_fast.SPLIT_MIN} elements "
             f"({_fast.SPLIT_MIN_CHEAP} piecewise-linear)" if threads >= 2 else "1 thread")
    kernels = "ON" if _fast.enabled() and dtype == np.float32 else "OFF"
    print(f"  actlab: compiled kernels {kernels} ({_fast.REASON}); {split}", file=stream)
    if torch is not None:
        which = "best of 1 and 2 threads" if threads > 1 else "1 thread"
        print(f"  torch {torch.__version__}: {which}", file=stream)
    else:
        print("  torch: not installed (no torch column)", file=stream)
    jax = jax_pair[0]
    jax_note = (f"jax {jax.__version__}, jit on {jax.devices()[0]}" if jax
                else "not importable (no jax column)")
    print(f"  jax: {jax_note}", file=stream)
    results = []
    for n in sizes:
        reps = max(3, repeats if n <= 2_000_000 else repeats // 3)
        for name in names:
            f, b, note = bench_entry(name, n, reps, rng, torch, jax_pair, threads, dtype)
            for direction, t in (("forward", f), ("backward", b)):
                results.append({"name": name, "n": n, "direction": direction, "ms": t,
                                "torch_op": note, "dtype": dtype.name})
    report(results, stream)
    overhead(names[:1] if len(names) < 3 else ["relu", "sigmoid", "gelu"], torch, jax_pair,
             dtype, stream)
    load1 = os.getloadavg()
    print(f"  load average {load1[0]:.2f} at the end", file=stream)
    return results


def _ratio(t, other):
    return t["actlab"] / t[other] if other in t else math.nan


def report(results, stream=sys.stdout):
    cols = ["torch", "jax", "naive", "copy"]
    for n in sorted({r["n"] for r in results}):
        rows = [r for r in results if r["n"] == n]
        print(f"\n n = {n:.0e}   times in ms; ratios are actlab / other (< 1: actlab faster)",
              file=stream)
        head = (f"{'entry':13s}{'dir':4s}{'actlab':>9s}" + "".join(f"{c:>9s}" for c in cols)
                + "".join(f"{'/' + c:>7s}" for c in cols))
        print(head, file=stream)
        for r in rows:
            t = r["ms"]
            flag = ""
            if _ratio(t, "torch") > 1.5:
                flag += "  > 1.5x torch"
            if r["name"] in PIECEWISE and _ratio(t, "copy") > 1.3:
                flag += "  > 1.3x copy"
            print(f"{r['name']:13s}{r['direction'][:3]:4s}{t['actlab']:9.4f}"
                  + "".join(f"{t.get(c, math.nan):9.4f}" for c in cols)
                  + "".join(f"{_ratio(t, c):7.2f}" for c in cols) + flag, file=stream)
        for direction in ("forward", "backward", None):
            sel = [r for r in rows if direction in (None, r["direction"])]
            gt = geomean([_ratio(r["ms"], "torch") for r in sel])
            gj = geomean([_ratio(r["ms"], "jax") for r in sel])
            gn = geomean([_ratio(r["ms"], "naive") for r in sel])
            worst = max(sel, key=lambda r: _ratio(r["ms"], "torch") if "torch" in r["ms"] else 0)
            print(f"  geomean {direction or 'all':8s} actlab/torch {gt:5.2f}  actlab/jax {gj:5.2f}"
                  f"  actlab/naive {gn:5.2f}  worst vs torch: {worst['name']} "
                  f"{worst['direction']} {_ratio(worst['ms'], 'torch'):.2f}", file=stream)
    print("\n summary: geometric mean actlab/torch (forward, backward, all) and the worst entry",
          file=stream)
    for n in sorted({r["n"] for r in results}):
        rows = [r for r in results if r["n"] == n]
        g = [geomean([_ratio(r["ms"], "torch") for r in rows if d in (None, r["direction"])])
             for d in ("forward", "backward", None)]
        gj = geomean([_ratio(r["ms"], "jax") for r in rows])
        worst = max(rows, key=lambda r: _ratio(r["ms"], "torch") if "torch" in r["ms"] else 0)
        print(f"  n = {n:8.0e}  fwd {g[0]:5.2f}  bwd {g[1]:5.2f}  all {g[2]:5.2f}  "
              f"(vs jax {gj:5.2f})  worst {worst['name']} {worst['direction']} "
              f"{_ratio(worst['ms'], 'torch'):.2f}", file=stream)


def overhead(names, torch, jax_pair, dtype, stream):
    """Microseconds per call on one element (the fixed cost of a call)."""
    print(f"\n per-call overhead: microseconds per call on 1 element ({dtype.name})", file=stream)
    print(f"{'call':34s}{'actlab':>8s}{'numpy':>8s}{'torch':>8s}{'jax':>8s}", file=stream)
    x = np.full(1, 0.5, dtype)
    g, out = x.copy(), x.copy()
    jax, jops = jax_pair
    for name in names:
        act = actlab.get(name)
        y = act(x)
        base = {"relu": lambda: np.maximum(x, 0), "sigmoid": lambda: NAIVE_F["sigmoid"](x),
                "gelu": lambda: NAIVE_F["gelu"](x)}.get(name, lambda: NAIVE_F[name](x))
        for label, fn, ref in [
            (f"{name}(x)", lambda: act(x), base),
            (f"{name}(x, out=out)", lambda: act(x, out=out), base),
            (f"{name}.backward(g, x, y)", lambda: act.backward(g, x, y),
             lambda: NAIVE_B[name](g, x)),
        ]:
            cont = {"actlab": fn, "numpy": ref}
            if torch is not None:
                tf, tb, _ = torch_ops(torch)[0][name]
                tx = torch.from_numpy(x)
                ty = tf(tx, torch.empty_like(tx)).clone()
                aux = torch.ops.aten.log_sigmoid_forward(tx)[1] if name == "log_sigmoid" else None
                cont["torch"] = ((lambda: tb(tx, tx, ty, aux, torch.empty_like(tx)))
                                 if "backward" in label else (lambda: tf(tx, torch.empty_like(tx))))
            if jax is not None:
                jfn = jax.jit(jops[name]) if "backward" not in label else jax.jit(
                    lambda gg, xx: jax.vjp(jops[name], xx)[1](gg)[0])
                jx = jax.device_put(x)
                cont["jax"] = ((lambda: jfn(jx, jx).block_until_ready()) if "backward" in label
                               else (lambda: jfn(jx).block_until_ready()))
            t = interleaved_best(cont, 5)
            print(f"{label:34s}" + "".join(f"{t[k] * 1e3:8.2f}" if k in t else f"{'-':>8s}"
                                           for k in ("actlab", "numpy", "torch", "jax")),
                  file=stream)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=float, nargs="+", default=[1e2, 1e3, 1e4, 1e5, 1e6, 1e7])
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--threads", type=int, default=2,
                   help="2: torch best of 1 and 2 threads, actlab's helper thread on; "
                        "1: everything on one thread")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--names", nargs="+", help="only these entries")
    p.add_argument("--no-jax", action="store_true", help="leave out the JAX column")
    p.add_argument("--quick", action="store_true", help="smoke run: 1e4 elements, 3 repeats")
    p.add_argument("--json", help="write the raw results here")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes]
    if args.quick:
        sizes = [10_000] if args.sizes == p.get_default("sizes") else sizes
        args.repeats = 3
    results = run(sizes, args.repeats, args.threads, args.names, dtype=np.dtype(args.dtype),
                  jax=not args.no_jax)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
