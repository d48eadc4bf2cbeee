"""Initializer variances (statistical, with tolerances), fans and the "auto" choice."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.nn import Activation, BatchNorm, Dense, Dropout, PReLU, Sequential
from actlab.nn import init as I

SHAPE = (400, 300)  # 120000 draws: the sample variance is within ~1.5% (4 sigma ~ 1.6%)
FAN_IN, FAN_OUT = SHAPE

CASES = {
    "he_normal": 2 / FAN_IN,
    "he_uniform": 2 / FAN_IN,
    "glorot_normal": 2 / (FAN_IN + FAN_OUT),
    "glorot_uniform": 2 / (FAN_IN + FAN_OUT),
    "lecun_normal": 1 / FAN_IN,
    "lecun_uniform": 1 / FAN_IN,
}


@pytest.mark.parametrize("name", list(CASES))
def test_variance_mean_and_support(name):
    w = I.get_initializer(name)(SHAPE, np.random.default_rng(0), np.float64)
    var = CASES[name]
    assert w.shape == SHAPE
    assert abs(w.var() / var - 1) < 0.02
    assert abs(w.mean()) < 4 * np.sqrt(var / w.size)
    if name.endswith("uniform"):
        assert np.abs(w).max() <= np.sqrt(3 * var)
        assert np.abs(w).max() > 0.99 * np.sqrt(3 * var)
    else:  # truncated at two standard deviations of the untruncated normal
        limit = 2 * np.sqrt(var) / I.TRUNCATED_NORMAL_STD
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.99 * limit


@pytest.mark.parametrize("mode,n", [("fan_in", 300), ("fan_out", 500), ("fan_avg", 400)])
@pytest.mark.parametrize("distribution", ["normal", "truncated_normal", "uniform"])
def test_variance_scaling(mode, n, distribution):
    init = I.variance_scaling(3.0, mode, distribution)
    w = init((300, 500), np.random.default_rng(1), np.float64)
    assert abs(w.var() / (3.0 / n) - 1) < 0.02
    if distribution == "normal":  # untruncated: some draws beyond 3 sigma (p ~ 0.0027)
        assert np.abs(w).max() > 3 * np.sqrt(3.0 / n)


def test_fans_for_conv_layout():
    assert I.fans((3, 4)) == (3, 4)
    assert I.fans((8, 3, 5, 5), in_axis=1, out_axis=0) == (75, 200)
    w = I.get_initializer("he_normal", in_axis=1, out_axis=0)((64, 16, 3, 3),
                                                              np.random.default_rng(0), np.float64)
    assert abs(w.var() / (2 / (16 * 9)) - 1) < 0.03


def test_dtype_determinism_and_constants():
    a = I.he_normal((5, 7), np.random.default_rng(3), np.float32)
    b = I.he_normal((5, 7), np.random.default_rng(3), np.float32)
    assert a.dtype == np.float32 and np.array_equal(a, b)
    assert not np.array_equal(a, I.he_normal((5, 7), np.random.default_rng(4), np.float32))
    np.testing.assert_array_equal(I.get_initializer("constant:0.1")((3,), None, np.float64), 0.1)
    np.testing.assert_array_equal(I.get_initializer(0.25)((2,), None, np.float64), 0.25)
    np.testing.assert_array_equal(I.zeros((2, 2)), 0)
    assert I.get_initializer("kaiming_uniform") is I.he_uniform
    for bad in ("he", "constant:x", True, [1]):
        with pytest.raises(ValueError):
            I.get_initializer(bad)


@pytest.mark.parametrize("act,expected", [("relu", "he_normal"), ("selu", "lecun_normal"),
                                          ("tanh", "glorot_uniform"), ("gelu", "he_normal")])
def test_auto_init_follows_the_activation(act, expected):
    import actlab

    assert actlab.get(act).info.init == expected
    m = Sequential([Dense(50, 400), BatchNorm(400), Dropout(0.1), Activation(act), Dense(400, 2)],
                   seed=0, dtype=np.float64)
    assert m.layers[0].auto_init == expected
    assert m.layers[4].auto_init == "glorot_uniform"  # nothing follows the last Dense
    w = m.layers[0].params["W"]
    target = CASES[expected] * FAN_IN / 50 if expected != "glorot_uniform" else 2 / 450
    assert abs(w.var() / target - 1) < 0.05


def test_auto_init_prelu_and_explicit_init():
    m = Sequential([Dense(4, 4), PReLU(), Dense(4, 4, init="lecun_uniform", bias_init=0.1),
                    Dense(4, 2)])
    assert m.layers[0].auto_init == "he_normal"
    assert m.layers[2].init == "lecun_uniform"
    np.testing.assert_array_equal(m.layers[2].params["b"], np.float32(0.1))
    assert m.layers[3].auto_init == "glorot_uniform"
