"""The inferred property sheet equals the hand-written one for every registry entry written as
a formula (defaults, the parameter grid and the edge settings of the sheet tests)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import actlab
from actlab.activations.expr import define, entries

from ..cases import SHEET_CASES, Case, params

CASES = [c for c in SHEET_CASES if not c.vector]
EXACT = ("monotone", "smoothness", "zero_centred", "saturating", "exact_zeros", "bounded_below",
         "bounded_above")


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


def _inferred(case: Case):
    text, values = entries.form(case.name, case.kwargs)
    return define(text, **values).info


@params(CASES)
def test_inferred_sheet_equals_the_hand_written_one(case):
    got, want = _inferred(case), case.get().info
    for field in EXACT:
        assert getattr(got, field) == getattr(want, field), field
    assert all(_close(a, b) for a, b in zip(got.range, want.range)), (got.range, want.range)
    assert _close(got.max_abs_grad, want.max_abs_grad), (got.max_abs_grad, want.max_abs_grad)
    for which in ("minimum", "maximum"):
        g, w = getattr(got, which), getattr(want, which)
        assert (g is None) == (w is None), which
        if w is not None:
            assert _close(g.value, w.value) and _close(g.at, w.at), (which, g, w)
    assert len(got.kinks) == len(want.kinks), (got.kinks, want.kinks)
    for g, w in zip(got.kinks, want.kinks):
        assert g.x == w.x and g.derivative == pytest.approx(w.derivative, abs=1e-15)
        assert _close(g.left, w.left) and _close(g.right, w.right), (g, w)
    if dict(case.kwargs) == dict(actlab.get(case.name).params):  # the init rule: defaults only
        assert got.init == want.init


def test_sheet_of_a_new_function():
    """A formula no entry has: x * exp(-x^2), odd with two extrema; |x| - 1 with a V kink."""
    info = define("x * exp(-x**2)").info
    m = 1 / math.sqrt(2)
    assert info.minimum.at == pytest.approx(-m, rel=1e-12)
    assert info.maximum.value == pytest.approx(m * math.exp(-0.5), rel=1e-12)
    assert info.range[1] == pytest.approx(m * math.exp(-0.5), rel=1e-12)
    assert info.max_abs_grad == pytest.approx(1.0, rel=1e-9)
    assert not info.monotone and info.smoothness == "Cinf" and info.zero_centred
    assert info.saturating == "both" and not info.exact_zeros
    v = define("abs(x) - 1").info
    assert v.kinks[0].x == 0.0 and v.kinks[0].derivative == 0.0
    assert (v.kinks[0].left, v.kinks[0].right) == pytest.approx((-1.0, 1.0))
    assert v.minimum.value == -1.0 and v.minimum.at == 0.0 and v.smoothness == "C0"
    assert np.isinf(v.range[1]) and v.maximum is None
