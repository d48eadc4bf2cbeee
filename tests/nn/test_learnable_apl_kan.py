"""APL and KANLinear: gradients by finite differences, kink conventions, B-splines against
scipy, the grid update and configuration errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import BSpline

from actlab.nn import APL, KANLinear, Sequential, gradcheck_details
from actlab.nn.learnable.bspline import (
    adaptive_grid, bspline_bases, bspline_derivative, uniform_grid,
)


# ------------------------------------------------------------------------------ APL
@pytest.mark.parametrize("units, shape", [(1, (5, 3)), (3, (5, 3)), (3, (4, 3, 2))])
def test_apl_gradcheck_inputs_and_parameters(units, shape):
    model = Sequential([APL(units, hinges=3, init_scale=0.5)], seed=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=shape), rng.normal(size=shape)
    errors = gradcheck_details(model, X, y, "mse")
    assert set(errors) == {"0.APL.a", "0.APL.b", "input"}
    assert max(errors.values()) < 1e-6, errors


def test_apl_formula_and_kink_conventions():
    model = Sequential([APL(2, hinges=1)], seed=0, dtype=np.float64)
    layer = model.layers[0]
    layer.params["a"][:] = [[0.5], [-2.0]]
    layer.params["b"][:] = [[-1.0], [1.0]]
    x = np.array([[-3.0, -3.0], [-1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    y = model.forward(x, training=True)
    np.testing.assert_array_equal(y[:, 0], [1.0, 0.0, 0.0, 2.0])   # relu(x) + 0.5 relu(-1 - x)
    np.testing.assert_array_equal(y[:, 1], [-8.0, -2.0, 1.0, 2.0])  # relu(x) - 2 relu(1 - x)
    dx = model.backward(np.ones_like(x))
    # unit 0: at the hinge x = b = -1 the hinge is off (right-hand slope 0); at x = 0 relu'(0) = 0
    np.testing.assert_array_equal(dx[:, 0], [-0.5, 0.0, 0.0, 1.0])
    # unit 1: at x = 0 only the hinge is on (slope 2); at the hinge x = 1 relu is on (slope 1)
    np.testing.assert_array_equal(dx[:, 1], [2.0, 2.0, 1.0, 1.0])
    np.testing.assert_array_equal(layer.grads["a"][:, 0], [2.0, 5.0])  # sum of max(0, b - x)
    np.testing.assert_array_equal(layer.grads["b"][:, 0], [0.5, -4.0])  # a * #(x < b)


@pytest.mark.parametrize("kwargs, message", [
    ({"num_units": 0}, "num_units"), ({"hinges": 0}, "hinges"), ({"hinges": 1.5}, "hinges"),
    ({"init_scale": -1.0}, "init_scale"), ({"init_scale": float("nan")}, "init_scale"),
])
def test_apl_bad_configuration(kwargs, message):
    with pytest.raises(ValueError, match=message):
        APL(**kwargs)


# ------------------------------------------------------------------------------ B-splines
@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_bases_match_scipy_basis_elements(order):
    grid = adaptive_grid(np.random.default_rng(0).normal(size=(50, 2)), 6, order, 0.3)
    x = np.random.default_rng(1).uniform(-4, 4, size=(200, 2))
    B, _ = bspline_bases(x, grid, order)
    assert B.shape == (200, 2, 6 + order)
    for i in range(2):
        t = grid[i]
        for c in range(6 + order):
            ref = BSpline.basis_element(t[c:c + order + 2], extrapolate=False)(x[:, i])
            np.testing.assert_allclose(B[:, i, c], np.nan_to_num(ref, nan=0.0), atol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_basis_derivative_by_central_differences(order):
    grid = uniform_grid(1, 5, order, -1.0, 1.0, np.float64)
    x = np.random.default_rng(2).uniform(-1.5, 1.5, size=(100, 1))
    x = x[np.min(np.abs(x - grid[0][None, :]), axis=1) > 1e-4]  # away from knots for order 1
    _, prev = bspline_bases(x, grid, order)
    d = bspline_derivative(prev, grid, order)
    eps = 1e-6
    up, down = bspline_bases(x + eps, grid, order)[0], bspline_bases(x - eps, grid, order)[0]
    num = (up - down) / (2 * eps)
    np.testing.assert_allclose(d, num, atol=1e-6)


def test_repeated_knots_divide_safely():
    grid = np.array([[0.0, 0.0, 0.0, 1.0, 2.0, 2.0, 2.0]])
    B, prev = bspline_bases(np.array([[0.0], [0.5], [1.5]]), grid, 2)
    assert np.all(np.isfinite(B)) and np.all(np.isfinite(bspline_derivative(prev, grid, 2)))
    np.testing.assert_allclose(B.sum(axis=-1).ravel(), 1.0)


# ------------------------------------------------------------------------------ KAN
@pytest.mark.parametrize("order", [1, 2, 3])
def test_kan_gradcheck_inputs_and_parameters(order):
    model = Sequential([KANLinear(3, 4, order=order, grid_range=(-2, 2)), KANLinear(4, 2)],
                       seed=0, dtype=np.float64)
    rng = np.random.default_rng(3)
    for layer in model.layers:
        layer.params["spline_W"] += rng.normal(scale=0.5, size=layer.params["spline_W"].shape)
    X = rng.uniform(-1.9, 1.9, size=(6, 3))
    errors = gradcheck_details(model, X, np.array([0, 1, 1, 0, 1, 0]), "softmax_cross_entropy")
    assert set(errors) == {"0.KANLinear.base_W", "0.KANLinear.spline_W",
                           "1.KANLinear.base_W", "1.KANLinear.spline_W", "input"}
    assert max(errors.values()) < 1e-6, errors


def test_kan_forward_is_the_sum_of_edge_functions():
    model = Sequential([KANLinear(3, 2, grid_size=4)], seed=0, dtype=np.float64)
    layer = model.layers[0]
    x = np.random.default_rng(4).uniform(-1, 1, size=(7, 3))
    y = model.forward(x)
    curves = {}
    for i in range(3):
        for label, phi in layer.learned_curves(x[:, i], max_curves=6):
            curves.setdefault(label, {})[i] = phi
    expected = np.zeros_like(y)
    for o in range(2):
        for i in range(3):
            expected[:, o] += curves[f"edge {i}\u2192{o}"][i]
    np.testing.assert_allclose(y, expected, atol=1e-12)


def test_update_grid_covers_the_data_and_keeps_the_function():
    model = Sequential([KANLinear(2, 3)], seed=0, dtype=np.float64)
    layer = model.layers[0]
    rng = np.random.default_rng(5)
    x = rng.normal(scale=[0.3, 0.6], size=(400, 2))
    before = model.forward(x)
    layer.update_grid(x)
    grid = layer.buffers["grid"]
    k = layer.order
    assert np.all(np.diff(grid, axis=1) > 0)
    np.testing.assert_allclose(grid[:, k], x.min(axis=0))
    np.testing.assert_allclose(grid[:, -1 - k], x.max(axis=0))
    after = model.forward(x)
    assert np.max(np.abs(after - before)) < 0.02 * np.max(np.abs(before))
    assert layer.curve_range() == pytest.approx((x.min(), x.max()))


def test_update_grid_handles_a_constant_feature():
    model = Sequential([KANLinear(2, 1)], seed=0, dtype=np.float32)
    x = np.stack([np.full(10, 3.0), np.linspace(-1, 1, 10)], axis=1)
    model.layers[0].update_grid(x)
    grid = model.layers[0].buffers["grid"]
    assert grid.dtype == np.float32 and np.all(np.diff(grid, axis=1) > 0)
    assert np.all(np.isfinite(model.forward(x)))


@pytest.mark.parametrize("x, message", [
    (np.zeros((1, 2)), "at least 2"), (np.array([[0.0, np.nan], [1.0, 1.0]]), "finite"),
    (np.zeros((5, 3)), r"\(batch, 2\)"),
])
def test_update_grid_bad_input(x, message):
    layer = Sequential([KANLinear(2, 1)], seed=0).layers[0]
    with pytest.raises(ValueError, match=message):
        layer.update_grid(x)


@pytest.mark.parametrize("kwargs, message", [
    ({"grid_size": 0}, "grid_size"), ({"order": -1}, "order"), ({"order": 9}, "order"),
    ({"grid_range": (1, -1)}, "grid_range"), ({"grid_eps": 2.0}, "grid_eps"),
    ({"scale_noise": -0.1}, "scale_noise"), ({"init": "no_such_init"}, "no_such_init"),
    ({"in_features": 0}, "in_features"),
])
def test_kan_bad_configuration(kwargs, message):
    args = {"in_features": 2, "out_features": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        KANLinear(**args)


def test_kan_keeps_dtype_and_checks_input_shape():
    model = Sequential([KANLinear(2, 3)], seed=0, dtype=np.float32)
    y = model.forward(np.zeros((4, 2), np.float32), training=True)
    assert y.dtype == np.float32
    assert model.backward(np.ones_like(y)).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(batch, 2\)"):
        model.forward(np.zeros((4, 5)))
