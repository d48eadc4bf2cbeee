"""Custom activations on arbitrary floats (hypothesis), and their registry behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import actlab
from actlab.activations import registry
from actlab.activations.expr import define

from ..cases import SETTINGS

NAIVE = ["x * tanh(log(1 + exp(x)))", "x / (1 + exp(-x))", "log(1 + exp(x))",
         "0.5 * x * (1 + erf(x / sqrt(2)))", "log(1 / (1 + exp(-x)))",
         "where(x > 0, x, 0.3 * (exp(x) - 1))", "x * min(max(x + 3, 0), 6) / 6"]


@pytest.mark.parametrize("text", NAIVE)
@SETTINGS
@given(x=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(allow_nan=False)))
def test_naive_formulas_on_any_floats(text, x):
    """No NaN, no warning (warnings are errors), the range holds, monotone ones stay ordered."""
    f = define(text)
    x = np.sort(x)
    y, d = f(x), f.grad(x)
    assert not np.isnan(y).any() and not np.isnan(d).any()
    lo, hi = f.info.range
    assert (y >= lo - 1e-15).all() and (y <= hi + 1e-15).all()
    if f.info.monotone:
        assert (y[:-1] <= y[1:]).all()


def test_names_registration_and_redefinition():
    f = define("x * sigmoid(x)", name="b1_test_gate")
    assert actlab.get("b1_test_gate") == f and "b1_test_gate" not in actlab.names()
    g = define("x * sigmoid(2 * x)", name="b1_test_gate")  # redefinition replaces
    assert float(actlab.get("b1_test_gate")(1.0)) == float(g(1.0)) != float(f(1.0))
    for bad in ("relu", "swish", "Upper", "two words", "_private"):
        with pytest.raises(ValueError, match="activation name"):
            define("x", name=bad)
    assert registry.spec("b1_test_gate").extra["expr"] == "x * sigmoid(2 * x)"


def test_expr_names_resolve_with_declared_parameters():
    f = actlab.get("expr:x * sigmoid(c * x)", c=2.0)
    assert f.params == {"c": 2.0} and f == actlab.get(f.name, c=2.0)
    assert actlab.get(f, c=3.0).params == {"c": 3.0}
    assert actlab.Activation.from_config(f.config()) == f
    with pytest.raises(ValueError, match="unknown name 'c'"):
        actlab.get("expr:x * sigmoid(c * x) + 0")
    with pytest.raises(ValueError, match="unknown name 'c'"):  # d declared, c no longer
        actlab.get("expr:x * sigmoid(c * x)", d=1.0)


def test_out_argument_and_input_untouched():
    f = define("x * tanh(softplus(x))")
    x = np.linspace(-3, 3, 7)
    keep = x.copy()
    out = np.empty_like(x)
    assert f(x, out=out) is out
    np.testing.assert_array_equal(out, actlab.get("mish")(x))
    np.testing.assert_array_equal(x, keep)
    f(x, out=x)
    np.testing.assert_array_equal(x, out)
