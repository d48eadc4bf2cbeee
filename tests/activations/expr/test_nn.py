"""Custom and trainable activations in networks: gradients by finite differences, the
whole-network gradient check, training with SGD/Adam, save/load, and model files that try to
smuggle code."""

from __future__ import annotations

import json

import numpy as np
import pytest

import actlab
from actlab.nn import Activation, Dense, Sequential, fit, load, save
from actlab.nn import serialize as S
from actlab.nn.gradcheck import gradcheck_details
from actlab.nn.optim import SGD, Adam

RNG = np.random.default_rng(3)
X = RNG.normal(size=(8, 3))
Y = RNG.integers(0, 2, size=8)

LAYERS = {
    "silu-beta": lambda: Activation("silu", trainable=("beta",)),
    "leaky-alpha-per-channel": lambda: Activation("leaky_relu", alpha=0.2, trainable="alpha",
                                                  channels=5),
    "elu-alpha": lambda: Activation("elu", alpha=0.7, trainable=("alpha",)),
    "softplus-beta-per-channel": lambda: Activation("softplus", beta=1.5, trainable=("beta",),
                                                    channels=5),
    "expr-two-params": lambda: Activation(actlab.define("a * x * tanh(softplus(b * x))",
                                                        a=0.9, b=1.2), trainable=("a", "b")),
    "expr-fixed": lambda: Activation("expr:x * tanh(softplus(x))"),
}


def _net(layer, dtype=np.float64):
    return Sequential([Dense(3, 5), layer, Dense(5, 2)], seed=2, dtype=dtype)


@pytest.mark.parametrize("key", list(LAYERS))
def test_whole_network_gradcheck(key):
    errors = gradcheck_details(_net(LAYERS[key]()), X, Y, "softmax_cross_entropy")
    assert max(errors.values()) < 1e-6, errors
    layer = LAYERS[key]()
    assert {k for k in errors if ".Activation." in k} == {f"1.Activation.{p}"
                                                          for p in layer.trainable}


def test_parameter_gradient_by_finite_differences_directly():
    """df/dbeta of x sigma(beta x) = x^2 sigma'(beta x), through the layer's backward."""
    layer = Activation("silu", beta=1.3, trainable=("beta",), channels=2)
    layer.build(np.random.default_rng(0), np.dtype(np.float64))
    layer.params["beta"][:] = [1.3, 0.4]
    x = np.random.default_rng(1).normal(size=(4, 2)) * 3
    dy = np.random.default_rng(2).normal(size=(4, 2))
    layer.forward(x)
    layer.backward(dy)
    for c in range(2):
        num = []
        for s in (1, -1):
            layer.params["beta"][c] += s * 1e-6
            num.append(float((dy * layer.forward(x)).sum()))
            layer.params["beta"][c] -= s * 1e-6
        fd = (num[0] - num[1]) / 2e-6
        assert layer.grads["beta"][c] == pytest.approx(fd, rel=1e-7)


def test_per_channel_gradient_on_image_shaped_input():
    """(batch, C, H, W): one parameter per channel, summed over batch and space."""
    layer = Activation("elu", alpha=0.5, trainable=("alpha",), channels=3)
    layer.build(np.random.default_rng(0), np.dtype(np.float64))
    layer.params["alpha"][:] = [0.5, 1.0, 2.0]
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    dy = np.random.default_rng(2).normal(size=x.shape)
    layer.forward(x)
    dx = layer.backward(dy)
    for c in range(3):
        a = layer.params["alpha"][c]
        want = (dy[:, c] * np.where(x[:, c] > 0, 0.0, np.expm1(x[:, c]))).sum()
        assert layer.grads["alpha"][c] == pytest.approx(want, rel=1e-12)
        np.testing.assert_allclose(dx[:, c], dy[:, c] * np.where(x[:, c] > 0, 1, a * np.exp(
            x[:, c])), rtol=1e-13)
    learned = layer.learned()
    assert [f.params["alpha"] for f in learned] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("optimizer", [SGD(lr=0.5), Adam(lr=0.05)], ids=["sgd", "adam"])
def test_trainable_parameter_learns(optimizer):
    """Fitting y = x sigma(2x): the learnt beta approaches 2 from 1."""
    x = np.linspace(-4, 4, 64)[:, None]
    target = actlab.get("silu", beta=2.0)(x)
    model = Sequential([Activation("silu", trainable=("beta",))], dtype=np.float64)
    fit(model, x, target, loss="mse", optimizer=optimizer, epochs=60, batch_size=16,
        progress=False)
    assert abs(model[0].params["beta"][0] - 2.0) < 0.2
    assert model[0].learned().params["beta"] == pytest.approx(model[0].params["beta"][0])


@pytest.mark.parametrize("key", list(LAYERS))
def test_save_load_round_trip(tmp_path, key):
    m = _net(LAYERS[key](), np.float32)
    fit(m, X, np.eye(2)[Y], loss="mse", optimizer="adam", epochs=2, batch_size=4,
        progress=False)
    path = save(m, tmp_path / "m.npz")
    back = load(path)
    np.testing.assert_array_equal(back.forward(X), m.forward(X))
    assert back[1].config() == m[1].config()
    for k, v in m[1].params.items():
        np.testing.assert_array_equal(back[1].params[k], v)


def test_named_custom_activation_round_trips_in_config(tmp_path):
    f = actlab.define("x * sigmoid(k * x)", name="b1_swish_k", k=1.7)
    assert actlab.get("b1_swish_k") == f and actlab.get("b1_swish_k", k=2.0).params == {"k": 2.0}
    m = _net(Activation(f), np.float32)
    config = m.config()
    assert config["layers"][1]["config"]["expr"] == "x * sigmoid(k * x)"
    back = load(save(m, tmp_path / "m.npz"))
    assert back[1].f.name == "b1_swish_k"
    cfg = actlab.get("b1_swish_k").config()
    assert actlab.Activation.from_config(cfg) == actlab.get("b1_swish_k")


@pytest.mark.parametrize("evil", [
    "__import__('os').system('touch /tmp/pwned')", "x.__class__", "(lambda: 0)()",
    "x ** 10 ** 10", "x" + "+x" * 10**5])
def test_model_file_cannot_run_code(tmp_path, evil):
    m = _net(Activation("expr:x * tanh(softplus(x))"), np.float32)
    path = save(m, tmp_path / "m.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays[S._META]))
    meta["model"]["layers"][1]["config"]["expr"] = evil
    meta["model"]["layers"][1]["config"]["name"] = "expr:" + evil
    arrays[S._META] = np.array(json.dumps(meta))
    np.savez(tmp_path / "evil.npz", **arrays)
    with pytest.raises(ValueError, match="incompatible architecture"):
        load(tmp_path / "evil.npz")


def test_bad_trainable_requests():
    with pytest.raises(ValueError, match="no parameter 'gamma'"):
        Activation("silu", trainable=("gamma",))
    with pytest.raises(ValueError, match="no parameter"):
        Activation("relu", trainable=("alpha",))
    with pytest.raises(ValueError, match="no expression form"):
        Activation("softmax", trainable=("axis",))
    with pytest.raises(ValueError, match="channels"):
        Activation("silu", trainable=("beta",), channels=0)
    layer = Activation("silu", trainable=("beta",), channels=3)
    m = Sequential([Dense(2, 4), layer], dtype=np.float64)
    with pytest.raises(ValueError, match="expects input of shape"):
        m.forward(np.ones((2, 2)))


def test_learned_curves_are_plotted():
    from actlab.plotting.learned import learnable_layers, plot_learned

    model = _net(Activation("silu", trainable=("beta",), channels=5))
    model[1].params["beta"][:] = np.linspace(0.5, 2.5, 5)
    assert [i for i, _ in learnable_layers(model)] == [1]
    assert learnable_layers(_net(Activation("silu"))) == []
    curves = model[1].learned_curves(np.array([-1.0, 1.0]), max_curves=3)
    assert [label for label, _ in curves] == ["beta=0.5", "beta=1", "beta=1.5"]
    np.testing.assert_allclose(curves[2][1], actlab.get("silu", beta=1.5)([-1.0, 1.0]))
    fig = plot_learned(model)
    assert "trains beta" in fig.axes[0].get_title()


def test_pau_fits_a_formula_and_round_trips(tmp_path):
    from actlab.nn import PAU

    m = Sequential([Dense(2, 3), PAU(target="expr:x*tanh(softplus(x))"), Dense(3, 1)], seed=0)
    assert m[1].fit_error["max_abs"] < 1e-3
    back = load(save(m, tmp_path / "m.npz"))
    np.testing.assert_array_equal(back.forward(X[:, :2]), m.forward(X[:, :2]))
