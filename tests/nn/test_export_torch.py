"""``to_torch`` / ``from_torch``: same outputs and input gradients as actlab (float64, 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab.nn import (
    Activation,
    BatchNorm,
    Conv1d,
    Conv2d,
    Dense,
    Dropout,
    Flatten,
    MaxPool1d,
    MaxPool2d,
    PReLU,
    Sequential,
    Unflatten,
    from_torch,
    to_torch,
)

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
TOL = dict(rtol=1e-10, atol=1e-10)

# every catalogue entry, and non-default parameters where the torch module changes with them
ACTIVATIONS = [(n, {}) for n in actlab.names()] + [
    ("leaky_relu", {"alpha": 0.2}), ("silu", {"beta": 1.7}), ("gelu", {"approximate": "tanh"}),
    ("gelu", {"approximate": "sigmoid"}), ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}),
    ("softplus", {"beta": 2.0}), ("softmax", {"axis": 0}),
]


def _check(model: Sequential, x: np.ndarray, seed: int = 0) -> None:
    """Outputs and input gradients (for a random output gradient) agree with the torch copy."""
    tm = to_torch(model)
    dy_shape = model.forward(x).shape
    dy = np.random.default_rng(seed).normal(size=dy_shape)
    y = model.forward(x)
    dx = model.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    yt = tm(xt)
    yt.backward(torch.from_numpy(dy))
    assert yt.dtype == torch.float64
    np.testing.assert_allclose(yt.detach().numpy(), y, **TOL)
    np.testing.assert_allclose(xt.grad.numpy(), dx, **TOL)


@pytest.mark.parametrize("name, params", ACTIVATIONS, ids=lambda v: str(v))
def test_every_activation_matches_torch(name, params, rng):
    model = Sequential([Dense(3, 6), Activation(name, **params), Dense(6, 2)], seed=1,
                       dtype=np.float64)
    x = rng.uniform(-4, 4, size=(7, 3))
    _check(model, x)
    back = from_torch(to_torch(model))
    assert back.layers[1].f == model.layers[1].f  # canonical name and parameters survive
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def _trained_a_little(model: Sequential, x: np.ndarray) -> Sequential:
    model.forward(x, training=True)  # BatchNorm running statistics move off 0 / 1
    model.forward(x * 0.5 + 1.0, training=True)
    return model


def test_cnn2d_with_every_layer_type(rng):
    model = Sequential([
        Unflatten((2, 6, 6)), Conv2d(2, 3, 3, padding=1), BatchNorm(3), PReLU(3),
        MaxPool2d(2, padding=1), Conv2d(3, 4, 2, stride=(2, 1), bias=False), Activation("mish"),
        Flatten(), Dropout(0.3), Dense(24, 5), BatchNorm(5), Activation("elu"), Dense(5, 3),
        Activation("log_softmax"),
    ], seed=3, dtype=np.float64)
    x = rng.normal(size=(4, 72))
    _trained_a_little(model, x)
    _check(model, x)
    back = from_torch(to_torch(model))
    assert [type(a) for a in back.layers] == [type(a) for a in model.layers]
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    for (ka, a), (kb, b) in zip(sorted(model.state().items()), sorted(back.state().items())):
        assert ka == kb
        np.testing.assert_array_equal(a, b)


def test_cnn1d_and_float32(rng):
    model = Sequential([Unflatten((1, 10)), Conv1d(1, 2, 3, stride=2, padding=1), PReLU(),
                        MaxPool1d(2), Flatten(), Dense(4, 2)], seed=0, dtype=np.float64)
    _check(model, rng.normal(size=(3, 10)))
    m32 = model.astype(np.float32)
    t32 = to_torch(m32)
    x = rng.normal(size=(3, 10)).astype(np.float32)
    assert next(t32.parameters()).dtype == torch.float32
    np.testing.assert_allclose(t32(torch.from_numpy(x)).detach().numpy(), m32.predict(x),
                               rtol=1e-5, atol=1e-6)
    assert from_torch(t32).dtype == np.float32


def test_entries_without_a_torch_module_run_actlab_inside_torch(rng, monkeypatch):
    from actlab.nn.export import torch as export

    monkeypatch.setattr(export, "_SAME", {})  # pretend torch had none of them
    model = Sequential([Dense(3, 4), Activation("hard_swish"), Dense(4, 4),
                        Activation("softmax")], seed=0, dtype=np.float64)
    tm = to_torch(model)
    assert type(tm[1]).__name__ == "ActlabActivation"
    x = rng.uniform(-5, 5, size=(6, 3))
    x[0, 0] = -3.0  # a kink
    _check(model, x)
    assert from_torch(tm).layers[1].f == actlab.get("hard_swish")


def test_unsupported_modules_are_named():
    with pytest.raises(TypeError, match="unsupported module.*LSTM"):
        from_torch(torch.nn.Sequential(torch.nn.LSTM(2, 2)))
    with pytest.raises(ValueError, match="min_val=-1"):
        from_torch(torch.nn.Sequential(torch.nn.Hardtanh(-2.0, 2.0)))
    with pytest.raises(TypeError, match="actlab.nn.Sequential"):
        to_torch(torch.nn.Linear(2, 2))


def test_learnable_layers_train_in_torch(rng):
    from actlab.nn import APL, PAU, KANLinear

    model = Sequential([Dense(3, 6), PAU(target="tanh"), Dense(6, 5), APL(5), KANLinear(5, 4),
                        Dense(4, 2)], seed=2, dtype=np.float64)
    x = rng.normal(size=(6, 3))
    _check(model, x)
    tm = to_torch(model)
    dy = rng.normal(size=(6, 2))
    model.forward(x, training=True)
    model.backward(dy)
    tm(torch.from_numpy(x)).backward(torch.from_numpy(dy))
    for i in (1, 3, 4):  # parameter gradients reach torch's optimizers
        for key, g in model.layers[i].grads.items():
            np.testing.assert_allclose(getattr(tm[i], key).grad.numpy(), g, **TOL)
    with torch.no_grad():
        tm[1].numerator.mul_(1.1)  # a change made in torch carries back
    back = from_torch(tm)
    assert [type(a) for a in back.layers] == [type(a) for a in model.layers]
    np.testing.assert_allclose(back.predict(x), tm(torch.from_numpy(x)).detach().numpy(), **TOL)
    assert not np.allclose(back.predict(x), model.predict(x))


def test_trainable_and_formula_activations(rng):
    f = actlab.define("x * tanh(softplus(beta * x))", name="mish_b_export", beta=1.0)
    model = Sequential([Dense(3, 4), Activation("silu", trainable=("beta",)), Dense(4, 4),
                        Activation(f), Dense(4, 2)], seed=0, dtype=np.float64)
    model.layers[1].params["beta"][...] = 1.7
    x = rng.normal(size=(5, 3))
    _check(model, x)
    tm = to_torch(model)
    assert type(tm[1]).__name__ == "ActlabLayer" and type(tm[3]).__name__ == "ActlabActivation"
    back = from_torch(tm)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert back.layers[3].f.spec.extra["expr"] == f.spec.extra["expr"]
