"""Every catalogue entry with parameters anywhere in their declared range (their extremes and
the extremes of every dtype included): values, derivatives, vjps and property sheets are correct
or a clear error, never NaN from an unrepresentable parameter, never a RuntimeWarning.

The reference is the same entry computed in float64 on the same (rounded) inputs; where it is
finite and fits the dtype, the float16/float32 result must be finite and close to it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actlab
from actlab.activations import registry

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
DTYPES = (np.float16, np.float32, np.float64)
EXTREMES = [5e-324, 1e-308, 1e-300, 1e-45, 1e-38, 1e-30, 1e-8, 6.1e-5, 0.5, 1.0, 2.0, 65504.0,
            7e4, 1e30, 3.4e38, 3.5e38, 1e200, 1.7e308, 1.79e308]
X_SPECIAL = [-np.inf, -1e308, -3.4e38, -7e4, -1e4, -710.0, -50.0, -3.0, -1.0, -1e-3, -1e-40,
             -0.0, 0.0, 1e-40, 1e-3, 1.0, 3.0, 50.0, 710.0, 1e4, 7e4, 3.4e38, 1e308, np.inf,
             np.nan]
TOL = {np.float16: (1e-2, 1e-3), np.float32: (1e-4, 1e-6), np.float64: (0.0, 0.0)}


def _param_values(p) -> st.SearchStrategy:
    """Floats anywhere in p's interval, weighted to its ends and to the dtype extremes."""
    lo = -math.inf if p.lower is None else p.lower
    hi = math.inf if p.upper is None else p.upper
    inside = [v for s in (1, -1) for v in EXTREMES if lo <= s * v <= hi] + [lo, hi]
    inside = [v for v in inside if math.isfinite(v) and _admissible(p, v)]
    spread = st.floats(min_value=lo if math.isfinite(lo) else None,
                       max_value=hi if math.isfinite(hi) else None,
                       exclude_min=p.lower_open, exclude_max=p.upper_open,
                       allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from(sorted(set(inside))), spread) if inside else spread


def _admissible(p, v) -> bool:
    try:
        p.validate(v, "x")
        return True
    except ValueError:
        return False


def _numeric(name):
    return [p for p in registry.spec(name).params if p.choices is None and p.kind is float]


NAMES = actlab.names()


def _inputs(dtype) -> st.SearchStrategy:
    with np.errstate(over="ignore"):
        special = np.array(X_SPECIAL).astype(dtype)
    finite = st.floats(allow_nan=False, allow_infinity=False, width=np.finfo(dtype).bits)
    return st.lists(st.one_of(st.sampled_from(list(special)), finite), min_size=1, max_size=12)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_parameters_across_their_range_and_every_dtype(name, data):
    params = {p.name: data.draw(_param_values(p), label=p.name) for p in _numeric(name)}
    dtype = data.draw(st.sampled_from(DTYPES), label="dtype")
    x = np.array(data.draw(_inputs(dtype), label="x"), dtype=dtype)
    f = actlab.get(name, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            f.info  # the property sheet: correct or a clear error
        except ValueError:
            pass
        y = f(x)
        g = np.ones_like(x)
        d = f.backward(g, x) if f.vector else f.grad(x)
        b = f.backward(g, x, y)
        x64 = x.astype(np.float64)
        ref_y, ref_d = f(x64), (f.backward(np.ones_like(x64), x64) if f.vector else f.grad(x64))
    assert y.dtype == d.dtype == b.dtype == dtype
    rtol, atol = TOL[dtype]
    big = float(np.finfo(dtype).max) / 2
    for got, ref in ((y, ref_y), (d, ref_d), (b, ref_d)):
        got = got.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            fits = np.isfinite(ref) & (np.abs(ref) < big)
            bad = fits & ~(np.abs(got - ref) <= rtol * np.abs(ref) + atol)
        assert not bad.any(), (params, x[bad], got[bad], ref[bad])


@pytest.mark.parametrize("name", [n for n in NAMES if any(
    p.choices is not None or p.kind is int for p in registry.spec(n).params)])
@SETTINGS
@given(data=st.data())
def test_integer_and_choice_parameters(name, data):
    """Any integer or any string: a valid entry that computes, or a clear ValueError."""
    params = {}
    for p in registry.spec(name).params:
        if p.choices is not None:
            params[p.name] = data.draw(st.one_of(st.sampled_from(list(p.choices)), st.text(
                max_size=6)), label=p.name)
        elif p.kind is int:
            params[p.name] = data.draw(st.integers(-2**70, 2**70) | st.integers(-4, 4),
                                       label=p.name)
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            f = actlab.get(name, **params)
            y = f(x)
        except ValueError:
            return
        assert y.shape == x.shape and np.isfinite(y).all()
