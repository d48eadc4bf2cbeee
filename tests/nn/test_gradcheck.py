"""Whole-network gradient checks (float64, central differences) for every layer and activation."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab.nn import (
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Flatten,
    PReLU,
    Sequential,
    gradcheck,
    gradcheck_details,
)

TOL = 1e-6


def data(n=6, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, size=n)


@pytest.mark.parametrize("name", actlab.names())
def test_every_activation_in_a_network(name):
    X, y = data()
    model = Sequential([Dense(4, 5), Activation(name), Dense(5, 3)], seed=3, dtype=np.float64)
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy")
    assert set(errors) == {"0.Dense.W", "0.Dense.b", "2.Dense.W", "2.Dense.b", "input"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name", actlab.names())
def test_every_activation_with_every_layer_type(name):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 2, 3)), rng.integers(0, 3, size=6)
    model = Sequential([Flatten(), Dense(6, 5), BatchNorm(5), Activation(name), Dropout(0.3),
                        PReLU(5), Dense(5, 4), Activation(name), Dense(4, 3)], seed=2)
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy")
    assert len(errors) == 10  # 3 Dense x (W, b), gamma, beta, alpha and the input
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name,params", [("leaky_relu", {"alpha": 0.2}), ("elu", {"alpha": 0.5}),
                                         ("gelu", {"approximate": "tanh"}), ("silu", {"beta": 1.7}),
                                         ("softplus", {"beta": 2.0}), ("celu", {"alpha": 2.0})])
def test_activation_parameters(name, params):
    X, y = data()
    model = Sequential([Dense(4, 5), Activation(name, **params), Dense(5, 3)], seed=1)
    assert gradcheck(model, X, y, "softmax_cross_entropy") < TOL


def test_two_hidden_layers_with_output_activation_and_sse():
    X, _ = data()
    y = np.random.default_rng(1).uniform(size=(6, 2))
    model = Sequential([Dense(4, 5), Activation("tanh"), Dense(5, 5), Activation("softmax"),
                        Dense(5, 2), Activation("sigmoid")], seed=2)
    assert gradcheck(model, X, y, "sse") < TOL


def test_dense_without_bias_and_constant_bias():
    X, y = data()
    model = Sequential([Dense(4, 5, bias=False), Activation("relu"),
                        Dense(5, 3, bias_init=0.1)], seed=4)
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy")
    assert "0.Dense.b" not in errors
    assert max(errors.values()) < TOL


@pytest.mark.parametrize("channels", [1, 5])
def test_prelu(channels):
    X, y = data()
    model = Sequential([Dense(4, 5), PReLU(channels), Dense(5, 3)], seed=5)
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy")
    assert errors["1.PReLU.alpha"] < TOL
    assert max(errors.values()) < TOL


def test_prelu_per_channel_on_3d_input():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 3, 2)), rng.integers(0, 2, size=4)
    model = Sequential([PReLU(3, init=0.1), Flatten(), Dense(6, 2)], seed=0)
    assert gradcheck(model, X, y, "softmax_cross_entropy") < TOL


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm(training):
    X, y = data(n=8)
    X = 3.0 * X + 1.0
    model = Sequential([Dense(4, 5), BatchNorm(5), Activation("tanh"), Dense(5, 3)], seed=6)
    bn = model.layers[1]
    bn.params["gamma"][:] = [0.5, 1.5, 2.0, 1.0, 0.7]
    bn.params["beta"][:] = [0.1, -0.2, 0.3, 0.0, 0.5]
    model.forward(X, training=True)  # move the running statistics away from (0, 1)
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy", training=training)
    assert errors["1.BatchNorm.gamma"] < TOL and errors["1.BatchNorm.beta"] < TOL
    assert max(errors.values()) < TOL


def test_batchnorm_on_channels_input():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(3, 2, 4)), rng.integers(0, 2, size=3)
    model = Sequential([BatchNorm(2), Flatten(), Dense(8, 2)], seed=0)
    assert gradcheck(model, X, y, "softmax_cross_entropy") < TOL


def test_dropout_with_replayed_masks():
    X, y = data(n=10)
    model = Sequential([Dense(4, 6), Activation("relu"), Dropout(0.4), Dense(6, 3)], seed=7)
    assert gradcheck(model, X, y, "softmax_cross_entropy", training=True) < TOL


def test_flatten():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(5, 2, 3)), rng.integers(0, 3, size=5)
    model = Sequential([Flatten(), Dense(6, 4), Activation("gelu"), Dense(4, 3)], seed=8)
    assert gradcheck(model, X, y, "softmax_cross_entropy") < TOL


@pytest.mark.parametrize("loss", ["sse", "mse", "binary_cross_entropy"])
def test_regression_and_binary_losses(loss):
    X, _ = data()
    y = (np.random.default_rng(4).uniform(size=(6, 2)) > 0.5).astype(float)
    model = Sequential([Dense(4, 5), Activation("silu"), Dense(5, 2)], seed=9)
    assert gradcheck(model, X, y, loss) < TOL


def test_softmax_cross_entropy_with_probability_targets():
    X, _ = data()
    y = np.random.default_rng(5).dirichlet(np.ones(3), size=6)
    model = Sequential([Dense(4, 5), Activation("elu"), Dense(5, 3)], seed=10)
    assert gradcheck(model, X, y, "softmax_cross_entropy") < TOL


def test_gradcheck_detects_a_wrong_gradient():
    class WrongTanh(Activation):
        def backward(self, dy):
            return 1.1 * super().backward(dy)

    X, y = data()
    model = Sequential([Dense(4, 5), WrongTanh("tanh"), Dense(5, 3)], seed=0)
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy")
    assert errors["0.Dense.W"] > 1e-2 and errors["input"] > 1e-2
    assert errors["2.Dense.W"] < TOL  # layers above the bug are unaffected


def test_gradcheck_leaves_the_model_alone_and_samples():
    X, y = data()
    model = Sequential([Dense(4, 5), Activation("relu"), Dropout(0.5), BatchNorm(5), Dense(5, 3)],
                       seed=1)
    before = model.state()
    rng_state = model.layers[2].rng.bit_generator.state
    err = gradcheck(model, X, y, "softmax_cross_entropy", max_entries=3)
    assert err < TOL
    after = model.state()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert model.layers[2].rng.bit_generator.state == rng_state
    assert model.dtype == np.float32
