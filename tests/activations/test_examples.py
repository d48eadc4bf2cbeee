"""The articles' worked examples, checked against mpmath, and the numbers REFERENCE.md quotes."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy import optimize

import actlab

from . import mp_reference
from .cases import tolerance, ulp_error
from .gold import split


def _mp(fn, x) -> tuple[np.ndarray, np.ndarray]:
    with mp.workdps(mp_reference.DPS):
        pairs = [split(fn(mp.mpf(float(v)))) for v in np.ravel(x)]
    hi, lo = (np.array(c).reshape(np.shape(x)) for c in zip(*pairs))
    return hi, lo


def assert_ulps(got, hi, lo, ulps=4.0):
    err = ulp_error(np.ravel(got), np.ravel(hi), np.ravel(lo))
    assert (err <= ulps).all(), err


def test_sigmoid_of_the_articles_matrix():
    x = np.array([[0.8, -0.9], [1.2, -1.1]])
    y = actlab.sigmoid(x)
    np.testing.assert_allclose(y, [[0.68997448, 0.2890505], [0.76852478, 0.24973989]], atol=5e-9)
    assert_ulps(y, *_mp(mp_reference.sig, x))


def test_relu_of_a_unit():
    x = np.array([1.0, -2.0, 3.0])
    w = np.array([0.4, 0.3, 0.5])
    b = -0.5
    z = w @ x + b  # 0.4 - 0.6 + 1.5 - 0.5
    assert z == pytest.approx(0.8, abs=1e-15)
    assert actlab.relu(z) == z and actlab.get("relu").grad(z) == 1.0
    assert actlab.relu(w @ -x + b) == 0.0


def test_tanh_of_the_articles_matrix():
    x = np.array([[0.5, -0.6], [0.9, -1.0]])
    y = actlab.tanh(x)
    np.testing.assert_allclose(y, [[0.46211716, -0.53704957], [0.71629787, -0.76159416]],
                               atol=5e-9)
    assert_ulps(y, *_mp(mp.tanh, x))


def test_tanh_is_a_rescaled_sigmoid():
    x = np.linspace(-20, 20, 4001)
    # 2 sigma(2x) - 1 cancels near 0: compare in absolute terms there
    np.testing.assert_allclose(actlab.tanh(x), 2 * actlab.sigmoid(2 * x) - 1, rtol=1e-15,
                               atol=4.5e-16)
    np.testing.assert_allclose(actlab.get("tanh").grad(x), 4 * actlab.get("sigmoid").grad(2 * x),
                               rtol=1e-14, atol=0)


def test_softmax_of_the_articles_vector():
    y = actlab.softmax(np.array([2.0, 1.0, 0.1]))
    np.testing.assert_allclose(y, [0.65900114, 0.24243297, 0.09856589], atol=5e-9)
    ref = mp_reference.softmax([2.0, 1.0, 0.1])
    with mp.workdps(mp_reference.DPS):
        hi, lo = zip(*[split(v) for v in ref.f])
    assert_ulps(y, np.array(hi), np.array(lo))
    assert y.sum() == pytest.approx(1.0, abs=2.3e-16)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, axis", [((3,), -1), ((3,), 0), ((3, 1), 0), ((1, 3), 1),
                                         ((2, 3, 4), 1), ((3, 2, 2), 0), ((2, 2, 3), -1)])
def test_large_logits_are_exact_on_any_axis(name: str, shape, axis: int):
    row = [1000.0, 1000.5, -1000.0]
    ref = mp_reference.VECTOR[name](row)
    with mp.workdps(mp_reference.DPS):
        hi, lo = (np.array(c) for c in zip(*[split(v) for v in ref.f]))
    n_axis = axis % len(shape)
    x = np.moveaxis(np.broadcast_to(np.array(row), tuple(np.delete(shape, n_axis)) + (3,)),
                    -1, n_axis)
    y = actlab.get(name, axis=axis)(x)
    y_last = np.moveaxis(y, n_axis, -1).reshape(-1, 3)
    for r in y_last:
        err = ulp_error(r, hi, lo)
        assert (err <= tolerance(np.array(ref.cond_f, dtype=float))).all(), (r, hi)
    if name == "softmax":
        np.testing.assert_allclose(y_last[0], [0.37754067, 0.62245933, 0.0], atol=5e-9)


def _deviation(approximate: str):
    """The largest |approximation - exact GELU|, located by scipy: (value, x)."""
    x = np.linspace(0, 6, 60001)
    d = np.abs(actlab.gelu(x, approximate=approximate) - actlab.gelu(x))
    i = int(np.argmax(d))
    res = optimize.minimize_scalar(
        lambda t: -abs(float(actlab.gelu(t, approximate=approximate) - actlab.gelu(t))),
        bounds=(x[i] - 1e-3, x[i] + 1e-3), method="bounded", options={"xatol": 1e-10})
    return -res.fun, res.x


@pytest.mark.parametrize("approximate, size, where", [("tanh", 4.73e-4, 2.70),
                                                      ("sigmoid", 2.03e-2, 2.27)])
def test_gelu_approximation_error(approximate: str, size: float, where: float):
    """REFERENCE.md: tanh approximation within 4.73e-4 (x = +-2.70), sigmoid within 2.03e-2
    (x = +-2.27). Verified: 4.7324e-4 at 2.6989 and 2.0335e-2 at 2.2704; the deviation
    x (g(x) - Phi(x)) is even, so the same holds at the negative point."""
    value, x = _deviation(approximate)
    assert value == pytest.approx(size, rel=5e-3) and x == pytest.approx(where, abs=6e-3)
    for t in (x, -x):
        dev = float(actlab.gelu(t, approximate=approximate) - actlab.gelu(t))
        assert abs(dev) == pytest.approx(value, rel=1e-9)
    grid = np.linspace(-12, 12, 24001)
    worst = np.abs(actlab.gelu(grid, approximate=approximate) - actlab.gelu(grid)).max()
    assert worst <= value * (1 + 1e-12)


def test_sigmoid_and_tanh_derivative_maxima():
    assert actlab.get("sigmoid").grad(0.0) == 0.25 == actlab.get("sigmoid").info.max_abs_grad
    assert actlab.get("tanh").grad(0.0) == 1.0 == actlab.get("tanh").info.max_abs_grad
    assert actlab.get("sigmoid").grad(40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)


def test_gelu_tail_is_not_zero():
    """REFERENCE.md's first trap: 0.5 x (1 + erf(x / sqrt 2)) gives -0.0 at x = -10."""
    assert actlab.gelu(-10.0) == pytest.approx(-7.619853024160527e-23, rel=1e-15)
    assert actlab.softplus(710.0) == 710.0 and np.isfinite(actlab.softplus(1e308))
