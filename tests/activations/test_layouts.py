"""Results never depend on memory layout (issue 11, class 7).

Every registry entry, with every parameter setting of ``cases.CASES``, in float32 (the compiled
kernels) and float64 (NumPy), gives bit-identical ``f``, ``grad`` and ``backward`` (from ``x``
and, for y-exact entries, from ``y``) for the same values held C-ordered, Fortran-ordered,
strided, with negative strides, at an odd byte offset, and as 0-d arrays; ``out=`` arrays of any
layout receive the same bits. The registry copies every other layout to C order before it picks
a kernel, so one kernel serves them all.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import actlab

from .cases import CASES

DTYPES = [np.float32, np.float64]
LAYOUTS = ["fortran", "strided", "negative", "offset"]


def _values(dtype) -> np.ndarray:
    """(24, 37) values: ordinary, large, tiny, signed zeros, infinities and NaN."""
    rng = np.random.default_rng(2026)
    v = rng.standard_normal(24 * 37) * 10.0 ** rng.uniform(-3, 2.5, 24 * 37)
    v[:12] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 3.0, -3.0, 6.0, 1e30, -1e30]
    with np.errstate(over="ignore"):
        return v.astype(dtype).reshape(24, 37)


def _layout(c: np.ndarray, kind: str) -> np.ndarray:
    """The values of ``c`` held in another layout (asserted not C-contiguous, except offset)."""
    if kind == "fortran":
        a = np.asfortranarray(c)
    elif kind == "strided":
        wide = np.zeros((c.shape[0], 2 * c.shape[1]), c.dtype)
        wide[:, ::2] = c
        a = wide[:, ::2]
    elif kind == "negative":
        flipped = c[::-1, ::-1].copy()
        a = flipped[::-1, ::-1]
    else:  # C order, but starting one element into its buffer (not 16/32-byte aligned)
        buf = np.empty(c.size + 1, c.dtype)
        a = buf[1:].reshape(c.shape)
        a[...] = c
    assert np.array_equal(a, c, equal_nan=True)
    assert kind == "offset" or not a.flags.c_contiguous
    return a


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _same(got, want, what: str) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, what
    bad = _bits(got) != _bits(want)
    assert not bad.any(), f"{what}: {int(bad.sum())} of {bad.size} elements differ"


def _results(act: actlab.Activation, x: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
    out = {"f": act(x), "backward": act.backward(g, x)}
    if not act.vector:
        out["grad"] = act.grad(x)
    if act.spec.y_exact:
        out["backward from y"] = act.backward(g, None, act(x))
    return out


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_layout_gives_the_same_bits(case, dtype):
    act = case.get()
    x = _values(dtype)
    g = np.random.default_rng(9).standard_normal(x.shape).astype(dtype)
    want = _results(act, x, g)
    for layout in LAYOUTS:
        got = _results(act, _layout(x, layout), _layout(g, layout))
        for key, value in want.items():
            _same(got[key], value, f"{case.id} {layout} {key}")


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_out_of_any_layout_and_0d(case, dtype):
    act = case.get()
    x = _values(dtype)
    g = np.ones_like(x)
    want_f, want_b = act(x), act.backward(g, x)
    for layout in LAYOUTS:
        out = _layout(np.zeros_like(x), layout)
        assert act(x, out=out) is out
        _same(np.ascontiguousarray(out), want_f, f"{case.id} f out={layout}")
        out = _layout(np.zeros_like(x), layout)
        assert act.backward(g, x, out=out) is out
        _same(np.ascontiguousarray(out), want_b, f"{case.id} backward out={layout}")
    # 0-d arrays: the same bits as the same value in a one-element array
    one = np.ones(1, dtype)
    for v in x.ravel()[:12]:
        _same(np.asarray(act(np.array(v))), act(np.array([v]))[0], f"{case.id} 0-d f of {v}")
        _same(np.asarray(act.backward(one[0], np.array(v))),
              act.backward(one, np.array([v]))[0], f"{case.id} 0-d backward of {v}")


def test_softmax_any_axis_any_layout():
    x = _values(np.float32)
    for axis in (0, 1, -1):
        act = actlab.get("softmax", axis=axis)
        want = act(x)
        for layout in LAYOUTS:
            _same(act(_layout(x, layout)), want, f"softmax axis={axis} {layout}")


def test_large_arrays_split_over_threads():
    """Above the two-thread split size, every layout still gives the same bits."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((300, 700)) * 8).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    for name in ("gelu", "relu", "softmax"):
        act = actlab.get(name)
        want_f, want_b = act(x), act.backward(g, x)
        for layout in LAYOUTS:
            xl, gl = _layout(x, layout), _layout(g, layout)
            _same(act(xl), want_f, f"{name} {layout} f")
            _same(act.backward(gl, xl), want_b, f"{name} {layout} backward")


def test_no_fast_environment_variable_read_at_import():
    env = {**os.environ, "ACTLAB_NO_FAST": "1"}
    code = "from actlab.activations import _fast; print(_fast.enabled())"
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "False"
