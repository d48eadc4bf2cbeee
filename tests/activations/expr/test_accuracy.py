"""Generated code against mpmath on the probe: every registry entry written as a (naive) formula,
the naive formulas of the issue, and formulas that must be reported as inaccurate."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab.activations.expr import accuracy, accuracy_of, define, entries

from ..cases import ELEMENTWISE, Case, params

NAIVE = {
    "mish": "x * tanh(log(1 + exp(x)))",
    "silu": "x / (1 + exp(-x))",
    "softplus": "log(1 + exp(x))",
    "gelu": "0.5 * x * (1 + erf(x / sqrt(2)))",
    "log_sigmoid": "log(1 / (1 + exp(-x)))",
}
EXTREMES = np.array([-np.inf, -1.7976931348623157e308, -1e300, -746.0, -745.13, -700.0, -40.0,
                     -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, 40.0, 700.0, 710.0, 745.13, 1e300,
                     1.7976931348623157e308, np.inf, np.nan])


def _form(case: Case):
    text, values = entries.form(case.name, case.kwargs)
    return define(text, **values)


@pytest.mark.parametrize("name", list(NAIVE))
def test_naive_formulas_meet_the_bound(name):
    f = define(NAIVE[name])
    acc = accuracy_of(f)
    assert acc.ok, str(acc)
    # ... and agree with the registry's own exact kernels, without a warning anywhere (below
    # 1e-305 the results are subnormal: there the bound is 4 ULP + 2 |x f'/f| ~ 1500 ULP, which
    # the mpmath check above enforces, and the registry's tails are sharper)
    x = EXTREMES
    for mine, theirs in ((f(x), actlab.get(name)(x)), (f.grad(x), actlab.get(name).grad(x))):
        np.testing.assert_allclose(mine, theirs, rtol=4e-15, atol=1e-305)


@params(ELEMENTWISE)
def test_every_registry_entry_as_a_formula_meets_the_bound(case):
    acc = accuracy_of(_form(case))
    assert acc.points == accuracy.PROBE.size
    if case.kwargs.get("beta", 1.0) > 1 and case.name == "softplus":
        # known limit of the naive form: beta * x overflows at the largest float, before the
        # division by beta brings it back (the registry's softplus(beta) kernel does not)
        assert [(m.x, m.what) for m in acc.misses] == [(np.finfo(float).max, "f")]
        return
    assert acc.ok, str(acc)


@params(ELEMENTWISE)
def test_formula_matches_the_kernel_including_kinks(case):
    f, ref = _form(case), case.get()
    x = np.concatenate([np.linspace(-8, 8, 1601), [k.x for k in ref.info.kinks]])
    np.testing.assert_allclose(f(x), ref(x), rtol=2e-14, atol=1e-300)
    np.testing.assert_allclose(f.grad(x), ref.grad(x), rtol=2e-14, atol=1e-15)
    for k in ref.info.kinks:  # actlab's convention exactly at the kink
        assert float(f.grad(k.x)) == pytest.approx(k.derivative, abs=1e-15)


@pytest.mark.parametrize("text, where", [
    ("1 - cos(x)", 1e-8),            # cancellation
    ("sinh(x) / cosh(x)", 1e3),      # inf / inf
    ("cosh(x) - sinh(x)", 1e3),      # inf - inf
])
def test_inaccurate_formulas_are_reported(text, where):
    acc = accuracy_of(define(text))
    assert not acc.ok
    assert any(abs(m.x) == where for m in acc.misses), str(acc)
    assert "misses" in str(acc)


def test_check_flag_raises_on_inaccurate_code():
    with pytest.raises(ValueError, match="accuracy bound"):
        define("1 - cos(x)", check=True)
    assert define(NAIVE["mish"], check=True)(1.0) == actlab.get("mish")(1.0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_in_is_dtype_out_and_no_warnings(dtype):
    f = define("x * sigmoid(beta * x) + max(x, 0) / (1 + abs(x))", beta=1.5)
    with np.errstate(over="ignore"):
        x = EXTREMES.astype(dtype)
    for out in (f(x), f.grad(x), f.backward(np.ones_like(x), x)):
        assert out.dtype == dtype and out.shape == x.shape
        assert not np.isnan(out[~np.isnan(x)]).any()
    assert isinstance(f(2), float) or np.ndim(f(2)) == 0
    assert f(np.empty((0, 3))).shape == (0, 3)


def test_info_carries_the_accuracy_and_method():
    info = define(NAIVE["silu"]).info
    assert info.accuracy.ok and info.accuracy.worst_f >= 0
    assert "inferred" in info.method
    d = info.to_dict()
    assert d["accuracy"]["points"] == accuracy.PROBE.size + 3  # and the minimum, neighbours


# |u| of a node SymPy cannot see is real (erfc, a catalogue entry, min, expm1, ...): its
# derivative must be sign(u) u', not a re/im form the generated code cannot evaluate
ABS_OF_NODES = ["exp(-abs(1 - erf(x)))", "exp(-abs(1 - tanh(x)))", "abs(sigmoid(x) - x)",
                "exp(-abs(min(x, 0) - x))", "abs(1 - exp(x))", "abs(log(1 + exp(x)) - 1)"]


@pytest.mark.parametrize("text", ABS_OF_NODES)
def test_abs_of_any_real_node_differentiates_as_sign(text):
    f = define(text)
    x = np.array([-3.0, -1.3, -0.4, 0.3, 0.8, 1.7, 2.9])
    h = 1e-6
    fd = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(f.grad(x), fd, rtol=1e-6, atol=1e-8)
    assert f.info.accuracy.ok
