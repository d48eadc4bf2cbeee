"""Extremal inputs: +-inf give the limits, NaN propagates, nothing ever warns.

The limits are written out here for every entry (a new entry fails until it is added), and
checked against the property sheet where the sheet implies them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from actlab.activations.exponential import SELU_ALPHA, SELU_SCALE

from .cases import ELEMENTWISE, FAMILIES, VECTOR, Case, params

INF = np.inf
DTYPES = (np.float16, np.float32, np.float64)


def limits(case: Case) -> tuple[float, float, float, float]:
    """(f(-inf), f(+inf), f'(-inf), f'(+inf)) from the definitions."""
    p = case.kwargs
    table = {
        "identity": (-INF, INF, 1, 1),
        "sigmoid": (0, 1, 0, 0),
        "tanh": (-1, 1, 0, 0),
        "relu": (0, INF, 0, 1),
        "leaky_relu": (-INF if p.get("alpha", 0) > 0 else 0, INF, p.get("alpha"), 1),
        "relu6": (0, 6, 0, 0),
        "silu": (0, INF, 0, 1),
        "gelu": (0, INF, 0, 1),
        "elu": (-p.get("alpha", 1), INF, 0, 1),
        "selu": (-SELU_SCALE * SELU_ALPHA, INF, 0, SELU_SCALE),
        "celu": (-p.get("alpha", 1), INF, 0, 1),
        "softplus": (0, INF, 0, 1),
        "log_sigmoid": (-INF, 0, 1, 0),
        "mish": (0, INF, 0, 1),
        "hard_sigmoid": (0, 1, 0, 0),
        "hard_swish": (0, INF, 0, 1),
        "hard_tanh": (-1, 1, 0, 0),
        "softsign": (-1, 1, 0, 0),
    }
    return table[case.name]  # KeyError: write down the new entry's limits


@params(ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_infinities_give_the_limits(case: Case, dtype):
    f = case.get()
    f_lo, f_hi, d_lo, d_hi = limits(case)
    x = np.array([-INF, INF], dtype=dtype)
    y, d = f(x), f.grad(x)
    want_y = np.array([f_lo, f_hi], dtype=dtype)
    want_d = np.array([d_lo, d_hi], dtype=dtype)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(d, want_d)
    np.testing.assert_array_equal(f.backward(np.ones(2, dtype), x), want_d)


@params(ELEMENTWISE)
def test_limits_agree_with_the_sheet(case: Case):
    """Bounded sides of the range are the limits unless the extremum is attained."""
    info = case.get().info
    f_lo, f_hi, d_lo, d_hi = limits(case)
    assert min(f_lo, f_hi) >= info.range[0] and max(f_lo, f_hi) <= info.range[1]
    if info.minimum is None:
        assert info.range[0] in (f_lo, f_hi)
    if info.maximum is None:
        assert info.range[1] in (f_lo, f_hi)
    assert max(abs(d_lo), abs(d_hi)) <= info.max_abs_grad
    assert (d_lo == 0) == (info.saturating in ("left", "both"))
    assert (d_hi == 0) == (info.saturating in ("right", "both"))


@params(ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_propagates(case: Case, dtype):
    f = case.get()
    x = np.array([np.nan, 1.0, np.nan, -2.0], dtype=dtype)
    nan = np.isnan(x)
    assert np.array_equal(np.isnan(f(x)), nan)
    assert np.array_equal(np.isnan(f.grad(x)), nan)
    g = np.array([1.0, np.nan, 0.0, 2.0], dtype=dtype)
    assert np.isnan(f.backward(g, x)[nan]).all()
    assert np.isnan(f.backward(g, x)[1])  # NaN in g
    if case.get().spec.y_exact:
        assert np.isnan(f.backward(g, None, f(x))[nan]).all()


EXTREMES = np.array(sorted({*[v for fam in FAMILIES.values() for v in fam], INF, -INF}))


@params(ELEMENTWISE + VECTOR)
@pytest.mark.parametrize("dtype", DTYPES)
def test_no_input_warns(case: Case, dtype):
    """Every trap, both infinities and NaN, in every dtype: no warning (and f' stays finite)."""
    f = case.get()
    with np.errstate(over="ignore"):  # float16/32 overflow of the float64 traps is intended
        x = np.append(EXTREMES, np.nan).astype(dtype)
    with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"):  # NumPy default
        warnings.simplefilter("error")
        y = f(x)
        g = f.backward(np.ones_like(x), x)
        f.backward(np.ones_like(x), x, y)
        if case.vector:
            f.jacobian(x.reshape(-1, 2) if x.size % 2 == 0 else x[:-1].reshape(-1, 2))
        else:
            d = f.grad(x)
            assert np.isfinite(d[~np.isnan(x)]).all(), "f' must be finite (max_abs_grad)"
            np.testing.assert_array_equal(g, d)
    assert not np.isnan(y[~np.isnan(x)]).any() or case.vector


@params(VECTOR)
def test_vector_entries_at_infinity(case: Case):
    f = case.get()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one_hot = f(np.array([INF, 1.0, -3.0]))
        minus = f(np.array([-INF, 0.0]))
        nan_row = f(np.array([[0.0, np.nan, 1.0], [0.0, 1.0, 2.0]]))
    if case.name == "softmax":
        np.testing.assert_array_equal(one_hot, [1.0, 0.0, 0.0])  # the limit; torch gives NaN
        np.testing.assert_array_equal(minus, [0.0, 1.0])
    else:
        np.testing.assert_array_equal(one_hot, [0.0, -INF, -INF])
        np.testing.assert_array_equal(minus, [-INF, 0.0])
    assert np.isnan(nan_row[0]).all() and np.isfinite(nan_row[1]).all()
    jac = f.jacobian(np.array([INF, 1.0]))
    assert np.isfinite(jac).all()
