"""Kinks: f' exactly at every kink is the sheet's decided value (in every dtype, from grad and from
backward), it agrees with the independent mpmath convention, and one-sided difference quotients
give the sheet's left and right derivatives."""

from __future__ import annotations

import numpy as np
import pytest

from . import mp_reference
from .cases import ELEMENTWISE, SHEET_CASES, Case, params

KINKED = [c for c in SHEET_CASES if not c.vector and c.get().info.kinks]


def test_the_catalogue_has_kinks_to_test():
    assert {c.name for c in KINKED} >= {"relu", "leaky_relu", "relu6", "hard_sigmoid",
                                        "hard_swish", "hard_tanh", "selu"}


@params(KINKED)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_derivative_at_the_kink_is_the_decided_value(case: Case, dtype):
    f = case.get()
    for k in f.info.kinks:
        x = np.full(3, k.x, dtype=dtype)
        want = np.full(3, k.derivative, dtype=dtype)
        np.testing.assert_array_equal(f.grad(x), want, err_msg=f"f'({k.x})")
        np.testing.assert_array_equal(f.backward(np.ones_like(x), x), want)
        if f.spec.y_exact:
            np.testing.assert_array_equal(f.backward(np.ones_like(x), None, f(x)), want)


@params([c for c in KINKED if c in ELEMENTWISE])
def test_kink_convention_matches_the_reference(case: Case):
    ref = mp_reference.reference(case.name, case.kwargs)
    for k in case.get().info.kinks:
        assert float(ref.df(mp_reference.mpf(k.x))) == pytest.approx(k.derivative, rel=1e-15)


@params(KINKED)
def test_one_sided_derivatives(case: Case):
    f = case.get()
    h = 1e-7
    for k in f.info.kinks:
        x = np.array([k.x - h, k.x, k.x + h])
        y = f(x)
        left, right = (y[1] - y[0]) / h, (y[2] - y[1]) / h
        assert left == pytest.approx(k.left, abs=1e-6), f"left derivative at {k.x}"
        assert right == pytest.approx(k.right, abs=1e-6), f"right derivative at {k.x}"
        assert k.left != k.right, "a kink is a jump in f'"
        # f' just beside the kink is the one-sided derivative
        d = f.grad(np.array([np.nextafter(k.x, -np.inf), np.nextafter(k.x, np.inf)]))
        np.testing.assert_allclose(d, [k.left, k.right], atol=1e-12)


@params(KINKED)
def test_f_is_continuous_at_the_kink(case: Case):
    f = case.get()
    for k in f.info.kinks:
        y = f(np.array([np.nextafter(k.x, -np.inf), k.x, np.nextafter(k.x, np.inf)]))
        np.testing.assert_allclose(y, y[1], atol=1e-14)
