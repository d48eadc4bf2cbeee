"""Derivatives: f' against central differences, backward as g * f', the y-only backward, and the
softmax/log_softmax Jacobians and vector-Jacobian products on several axes."""

from __future__ import annotations

import numpy as np
import pytest

from .cases import CASES, ELEMENTWISE, FAMILIES, VECTOR, Case, params

SMOOTH_POINTS = np.array(FAMILIES["normal"] + FAMILIES["small"])


def _away_from_kinks(case: Case, x: np.ndarray, margin: float) -> np.ndarray:
    keep = np.ones(x.shape, bool)
    for k in case.get().info.kinks:
        keep &= np.abs(x - k.x) > margin
    return x[keep]


@params(ELEMENTWISE)
def test_grad_matches_central_differences(case: Case):
    f = case.get()
    x = _away_from_kinks(case, SMOOTH_POINTS, 1e-3)
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    fd = (f(x + h) - f(x - h)) / ((x + h) - (x - h))
    np.testing.assert_allclose(f.grad(x), fd, rtol=1e-6, atol=1e-8)


def _inputs(dtype) -> tuple[np.ndarray, np.ndarray]:
    """Points incl. kinks, infinities and NaN, and upstream gradients incl. 0 and negatives."""
    x = np.concatenate([SMOOTH_POINTS, [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, np.inf, -np.inf,
                                        np.nan, 700.0, -700.0]])
    g = np.random.default_rng(5).normal(size=x.size) * 3
    g[::7] = 0.0
    with np.errstate(over="ignore"):
        return x.astype(dtype), g.astype(dtype)


@params(ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_is_g_times_grad(case: Case, dtype):
    """Exactly g * f'(x) in float64; in float32 a compiled fused kernel may round the product its
    own way (2 ULP; its f' alone meets the gold bound, see test_gold)."""
    f = case.get()
    x, g = _inputs(dtype)
    with np.errstate(invalid="ignore"):  # 0 * inf in the reference product
        want = g * f.grad(x)
    got = f.backward(g, x)
    assert got.dtype == dtype
    if dtype == np.float64:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        ok = ~np.isnan(want)
        np.testing.assert_array_max_ulp(got[ok], want[ok], maxulp=2)


@params(CASES)
def test_backward_with_y_matches_backward_with_x(case: Case):
    """Passing y = f(x) may save work, never change the result; entries whose derivative is
    exactly recoverable from y (spec.y_exact) also accept x=None."""
    f = case.get()
    x, g = _inputs(np.float64)
    if case.vector:
        x, g = x[:-4].reshape(-1, 4), g[:-4].reshape(-1, 4)  # finite rows
    y = f(x)
    want = f.backward(g, x)
    exact = not case.vector or case.name == "softmax"
    check = np.testing.assert_array_equal if exact else _close
    check(f.backward(g, x, y), want)
    if f.spec.y_exact:
        check(f.backward(g, None, y), want)
    else:
        with pytest.raises(ValueError, match="needs x"):
            f.backward(g, None, y)


def _close(got, want):
    # log_softmax from y uses exp(y) for softmax(x): equal to a few ULP of the larger terms
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * np.abs(want).max())


@params(ELEMENTWISE)
def test_elementwise_jacobian_is_diagonal(case: Case):
    f = case.get()
    x = np.array([[-2.0, 0.5, 3.0], [0.25, -0.75, 9.0]])
    jac = f.jacobian(x)
    assert jac.shape == (2, 3, 3)
    for row in range(2):
        np.testing.assert_array_equal(jac[row], np.diag(f.grad(x[row])))


# ------------------------------------------------------------------------- softmax, log_softmax
ROWS = np.random.default_rng(11).normal(scale=3, size=(6, 5))


@params(VECTOR)
def test_jacobian_matches_central_differences(case: Case):
    f = case.get()
    h = 1e-6
    for x in ROWS:
        eye = np.eye(x.size) * h
        fd = np.stack([(f(x + e) - f(x - e)) / (2 * h) for e in eye], axis=-1)  # d f_i / d x_j
        np.testing.assert_allclose(f.jacobian(x), fd, rtol=1e-6, atol=1e-8)


@params(VECTOR)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_backward_is_g_at_jacobian_on_any_axis(case: Case, axis: int):
    rng = np.random.default_rng(3)
    x = rng.normal(scale=4, size=(3, 4, 5))
    g = rng.normal(size=x.shape)
    f = case.get().__class__(case.get().spec, {**case.kwargs, "axis": axis})
    jac = f.jacobian(x)  # the chosen axis moved last: (..., n, n)
    xm, gm = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    want = np.einsum("...i,...ij->...j", gm, jac)
    np.testing.assert_allclose(np.moveaxis(f.backward(g, x), axis, -1), want,
                               rtol=1e-12, atol=1e-14)
    # and the values along that axis are those of the last-axis function on the moved array
    last = case.get().__class__(case.get().spec, {**case.kwargs, "axis": -1})
    np.testing.assert_array_equal(np.moveaxis(f(x), axis, -1), last(xm))
    np.testing.assert_allclose(jac, last.jacobian(xm), rtol=0, atol=0)


@params(VECTOR)
def test_grad_is_refused_for_vector_entries(case: Case):
    with pytest.raises(TypeError, match="jacobian"):
        case.get().grad(np.zeros(3))
