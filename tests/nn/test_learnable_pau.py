"""PAU: the rational function against mpmath, gradients by finite differences, the initial fit,
extreme inputs and configuration errors."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import actlab
from actlab.nn import PAU, Sequential, gradcheck_details
from actlab.nn.learnable.rational import fit_rational, rational, rational_grads

VERSIONS = ("A", "B", "C")


def random_coefficients(version: str, seed: int = 0, degrees=(5, 4)):
    rng = np.random.default_rng(seed)
    nb = degrees[1] + (1 if version == "C" else 0)
    return rng.normal(size=degrees[0] + 1), rng.normal(size=nb)


def gold(x: float, a, b, version: str) -> float:
    """P/Q at 60 digits, straight from the definition."""
    with mpmath.workdps(60):
        X = mpmath.mpf(x)
        P = sum(mpmath.mpf(float(c)) * X ** j for j, c in enumerate(a))
        if version == "A":
            Q = 1 + sum(abs(mpmath.mpf(float(c)) * X ** (k + 1)) for k, c in enumerate(b))
        elif version == "B":
            Q = 1 + abs(sum(mpmath.mpf(float(c)) * X ** (k + 1) for k, c in enumerate(b)))
        else:
            Q = mpmath.mpf("0.1") + abs(sum(mpmath.mpf(float(c)) * X ** k for k, c in enumerate(b)))
        return float(P / Q)


@pytest.mark.parametrize("version", VERSIONS)
def test_value_matches_mpmath_from_tiny_to_huge_inputs(version):
    a, b = random_coefficients(version, seed=1)
    xs = np.array([-1e300, -1e20, -3e4, -7.5, -1.0, -0.3, 0.0, 1e-8, 0.9, 2.0, 1e5, 1e250])
    together, _ = rational(xs, a, b, version)  # one huge entry: the scaled path for all
    for xi, yi in zip(xs, together):
        alone = rational(np.array([xi]), a, b, version)[0][0]  # the plain path where it is safe
        ref = gold(xi, a, b, version)
        assert yi == pytest.approx(ref, rel=1e-12, abs=1e-300), (xi, yi, ref)
        assert alone == pytest.approx(ref, rel=1e-12, abs=1e-300), (xi, alone, ref)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_give_limits_without_warnings(version, dtype):
    a, b = (c.astype(dtype) for c in random_coefficients(version, seed=2))
    big = np.finfo(dtype).max
    x = np.array([-np.inf, -big, -1e4, 0.0, 1e4, big, np.inf, np.nan], dtype)
    y, ctx = rational(x, a, b, version)
    assert y.dtype == dtype
    assert not np.any(np.isnan(y[:-1])) and np.isnan(y[-1])
    assert np.all(np.isfinite(y[2:-3]))
    lead = a[-1] / abs(b[-1])  # F(x) ~ x^(m-n) a_m / |b_n| sign(x)^n for large |x|
    assert np.sign(y[-2]) == np.sign(lead) and np.isinf(y[-2])
    dx, da, db = rational_grads(np.ones_like(x), ctx, a, b, reduce=np.sum)
    assert dx.dtype == dtype


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scaled", [False, True])
def test_gradients_by_central_differences(version, scaled):
    a, b = random_coefficients(version, seed=3)
    x = np.random.default_rng(4).normal(scale=2.0, size=60)
    x = x[np.abs(x) > 1e-3][:40]  # away from version A's kink at 0
    if scaled:  # a large entry switches the whole array to the overflow-free form
        x = np.append(x, 1e200)
    eps = 1e-6
    _, ctx = rational(x, a, b, version)
    dx, da, db = rational_grads(np.ones_like(x), ctx, a, b, reduce=lambda g: g)
    h = eps * np.maximum(1.0, np.abs(x))  # a relative step for the huge entry
    num = (rational(x + h, a, b, version)[0] - rational(x - h, a, b, version)[0]) / (2 * h)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)
    for coef, grads in ((a, da), (b, db)):
        for j in range(len(coef)):
            up, down = coef.copy(), coef.copy()
            up[j] += eps
            down[j] -= eps
            args_up = (up, b) if coef is a else (a, up)
            args_down = (down, b) if coef is a else (a, down)
            diff = rational(x, *args_up, version)[0] - rational(x, *args_down, version)[0]
            num = diff / (2 * eps)
            # (not at the huge entry: its rounding noise |F| 1e-16 / eps swamps the tiny ones)
            np.testing.assert_allclose(np.broadcast_to(grads[j], x.shape)[:40], num[:40],
                                       rtol=1e-6, atol=1e-8)


def test_kink_of_version_a_at_zero_uses_sign_zero():
    """Q_A has |b_1 x|: its slope at x = 0 is taken as 0, so F'(0) = P'(0)/Q(0) = a_1."""
    a, b = random_coefficients("A", seed=5)
    _, ctx = rational(np.array([0.0]), a, b, "A")
    dx, _, _ = rational_grads(np.ones(1), ctx, a, b, reduce=np.sum)
    assert dx[0] == a[1]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("channels", [1, 3])
def test_layer_gradcheck_inputs_and_every_coefficient(version, channels):
    layer = PAU(channels, version=version, target="tanh")
    model = Sequential([layer], seed=0, dtype=np.float64)
    rng = np.random.default_rng(6)
    for key, p in model.layers[0].params.items():
        p += rng.normal(scale=0.1, size=p.shape)
    X = rng.normal(scale=1.5, size=(4, 3, 5))
    y = rng.normal(size=(4, 3, 5))
    errors = gradcheck_details(model, X, y, "mse")
    assert set(errors) == {"0.PAU.numerator", "0.PAU.denominator", "input"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("target, max_abs, rms", [
    ("leaky_relu", 0.05, 0.01), ("relu", 0.05, 0.01), ("tanh", 1e-4, 1e-4),
    ("silu", 1e-4, 1e-4), ("sigmoid", 1e-6, 1e-6),
])
def test_initial_fit_error_is_small_and_reported_honestly(target, max_abs, rms):
    layer = PAU(target=target)
    model = Sequential([layer], seed=0, dtype=np.float64)
    err = layer.fit_error
    assert err["max_abs"] < max_abs and err["rms"] < rms
    grid = np.linspace(-3.0, 3.0, 1001)
    diff = model.forward(grid) - actlab.get(target)(grid)
    assert err["max_abs"] == pytest.approx(np.max(np.abs(diff)), rel=1e-9)
    assert err["rms"] == pytest.approx(np.sqrt(np.mean(diff ** 2)), rel=1e-9)


def test_fit_of_a_parameterised_entry_and_versions_b_c_agree():
    fit_b = fit_rational(actlab.get("leaky_relu", alpha=0.2), version="B")
    fit_c = fit_rational(actlab.get("leaky_relu", alpha=0.2), version="C")
    assert fit_b.max_abs_error < 0.05 and fit_c.max_abs_error <= fit_b.max_abs_error * 1.01
    layer = PAU(target="leaky_relu", target_params={"alpha": 0.2})
    assert layer.config()["target_params"] == {"alpha": 0.2}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_channels_are_independent(dtype):
    model = Sequential([PAU(2, target="tanh")], seed=0, dtype=dtype)
    layer = model.layers[0]
    layer.params["numerator"][1] *= 2.0
    x = np.random.default_rng(0).normal(size=(3, 2, 4)).astype(dtype)
    y = model.forward(x)
    assert y.dtype == dtype and y.shape == x.shape
    shared = Sequential([PAU(1, target="tanh")], seed=0, dtype=dtype)
    np.testing.assert_allclose(y[:, 0], shared.forward(x[:, 0]), rtol=1e-6)
    np.testing.assert_allclose(y[:, 1], 2.0 * shared.forward(x[:, 1]), rtol=1e-6)
    np.testing.assert_allclose(y[:, 0], np.tanh(x[:, 0]), atol=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    ({"degrees": (5,)}, "degrees"),
    ({"degrees": (5, 40)}, "degrees"),
    ({"degrees": (5.0, 4)}, "degrees"),
    ({"version": "D"}, "version"),
    ({"target": "softmax"}, "vector-valued"),
    ({"target": "no_such_entry"}, "no_such_entry"),
    ({"interval": (3, -3)}, "interval"),
    ({"num_parameters": 0}, "num_parameters"),
])
def test_bad_configuration_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PAU(**kwargs)


def test_per_channel_shape_mismatch_names_the_shapes():
    model = Sequential([PAU(3)], seed=0)
    with pytest.raises(ValueError, match=r"\(batch, 3, \.\.\.\)"):
        model.forward(np.zeros((2, 4)))
