"""Sequential: shapes and error messages, dtype discipline, traces, layer behaviour."""

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
    LayerError,
    PReLU,
    Sequential,
    softmax_cross_entropy,
)


def mlp(act="relu", **kw):
    return Sequential([Dense(4, 6), Activation(act), Dense(6, 3)], **kw)


def test_shape_mismatch_names_layer_and_shapes():
    m = Sequential([Dense(4, 6), Activation("relu"), Dense(5, 3)])
    with pytest.raises(LayerError) as e:
        m.forward(np.zeros((2, 4)))
    msg = str(e.value)
    assert "layer 2" in msg and "Dense" in msg and "(2, 6)" in msg and "(batch, 5)" in msg
    with pytest.raises(ValueError, match=r"layer 0 \(Dense.*\(3, 7\)"):
        m.forward(np.zeros((3, 7)))


@pytest.mark.parametrize("name", actlab.names())
def test_float32_end_to_end(name):
    m = Sequential([Dense(4, 6), Activation(name), Dropout(0.2), BatchNorm(6), PReLU(6),
                    Dense(6, 3)], seed=1)
    X = np.random.default_rng(0).normal(size=(8, 4))  # float64 in: converted once
    outs = m.forward_trace(X, training=True)
    assert [o.dtype for o in outs] == [np.float32] * len(m)
    _, d = softmax_cross_entropy.value_and_grad(outs[-1], np.arange(8) % 3)
    dx = m.backward(d)
    assert dx.dtype == np.float32 and dx.shape == (8, 4)
    assert all(g.dtype == np.float32 for g in m.gradients())
    assert all(p.dtype == np.float32 for p in m.parameters())


def test_forward_trace_predict_and_batches():
    m = mlp(seed=2)
    X = np.random.default_rng(1).normal(size=(10, 4)).astype(np.float32)
    trace = m.forward_trace(X)
    assert len(trace) == 3 and trace[1].shape == (10, 6)
    np.testing.assert_array_equal(trace[1], np.maximum(trace[0], 0))
    np.testing.assert_array_equal(trace[-1], m.predict(X))
    np.testing.assert_allclose(m.predict(X, batch_size=3), m.predict(X), rtol=1e-6)
    ev = m.evaluate(X, np.zeros(10, int), "softmax_cross_entropy", batch_size=4)
    assert ev["loss"] == pytest.approx(softmax_cross_entropy(m.predict(X), np.zeros(10, int)),
                                       rel=1e-5)


def test_parameters_gradients_and_mask_align():
    m = Sequential([Dense(4, 6), BatchNorm(6), PReLU(), Dense(6, 3, bias=False)])
    names = [n for n, _ in m.named_parameters()]
    assert names == ["0.Dense.W", "0.Dense.b", "1.BatchNorm.gamma", "1.BatchNorm.beta",
                     "2.PReLU.alpha", "3.Dense.W"]
    assert m.decay_mask() == [True, False, False, False, False, True]
    assert [p.shape for p in m.parameters()] == [g.shape for g in m.gradients()]
    assert m.n_params == 4 * 6 + 6 + 6 + 6 + 1 + 18


def test_seed_controls_initialisation():
    a, b, c = mlp(seed=5), mlp(seed=5), mlp(seed=6)
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(a.parameters()[0], c.parameters()[0])
    assert mlp(dtype=np.float64).parameters()[0].dtype == np.float64
    with pytest.raises(ValueError):
        mlp(dtype=np.int32)


def test_config_rebuilds_every_layer():
    layers = [Flatten(), Dense(4, 6, init="he_uniform", bias_init=0.1),
              Activation("leaky_relu", alpha=0.2), Dropout(0.3), BatchNorm(6, momentum=0.2),
              PReLU(6, init=0.1), Dense(6, 3), Activation("softmax")]
    for layer in layers:
        clone = type(layer)(**layer.config())
        assert clone.config() == layer.config()
    m = Sequential(layers, seed=3, dtype=np.float64)
    m2 = Sequential.from_config(m.config())
    assert m2.config() == m.config()
    assert all(np.array_equal(p, q) for p, q in zip(m.parameters(), m2.parameters()))


def test_dropout_behaviour():
    d = Sequential([Dropout(0.25)], seed=0)
    x = np.ones((200, 50), np.float32)
    np.testing.assert_array_equal(d.forward(x), x)  # identity in evaluation
    y = d.forward(x, training=True)
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(d.backward(np.ones_like(x)), y)
    with pytest.raises(ValueError):
        Dropout(1.0)


def test_batchnorm_statistics():
    bn = Sequential([BatchNorm(3, momentum=0.5)], dtype=np.float64)
    rng = np.random.default_rng(0)
    x = rng.normal(loc=[1.0, -2.0, 5.0], scale=[1.0, 3.0, 0.5], size=(64, 3))
    y = bn.forward(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5), rtol=1e-12)
    layer = bn.layers[0]
    np.testing.assert_allclose(layer.buffers["running_mean"], 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(layer.buffers["running_var"], 0.5 + 0.5 * x.var(axis=0, ddof=1))
    z = bn.forward(x)  # evaluation: running statistics
    expected = (x - layer.buffers["running_mean"]) / np.sqrt(layer.buffers["running_var"] + 1e-5)
    np.testing.assert_allclose(z, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="more than one value"):
        bn.forward(x[:1], training=True)


def test_prelu_values():
    m = Sequential([PReLU(2, init=0.25)], dtype=np.float64)
    m.layers[0].params["alpha"][:] = [0.1, 0.5]
    x = np.array([[-2.0, -2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(m.forward(x), [[-0.2, -1.0], [3.0, 0.0]])
    dx = m.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx, [[0.1, 0.5], [1.0, 0.5]])  # slope a at x = 0
    np.testing.assert_array_equal(m.layers[0].grads["alpha"], [-2.0, -2.0])


def test_backward_can_skip_input_gradient():
    m = mlp()
    out = m.forward(np.ones((2, 4)))
    assert m.backward(np.ones_like(out), need_input_grad=False) is None
    assert np.abs(m.layers[0].grads["W"]).sum() > 0


def test_invalid_layers():
    with pytest.raises(TypeError):
        Sequential([Dense(2, 2), "relu"])
    with pytest.raises(ValueError, match="unknown activation"):
        Activation("rleu")
    with pytest.raises(ValueError):
        Dense(0, 3)


def test_skipping_input_grad_stops_at_first_trained_layer_with_same_grads():
    from actlab.nn import Conv1d, Unflatten

    model = Sequential([Unflatten((1, 12)), Conv1d(1, 3, 3), Activation("relu"), Flatten(),
                        Dense(30, 2)], seed=4, dtype=np.float64)
    X = np.random.default_rng(1).standard_normal((5, 12))
    dy = np.random.default_rng(2).standard_normal((5, 2))
    calls = []
    original = model.layers[0].backward
    model.layers[0].backward = lambda d, **kw: calls.append(1) or original(d, **kw)

    model.forward(X, training=True)
    dx = model.backward(dy)
    full = [g.copy() for g in model.gradients()]
    assert dx.shape == X.shape and calls == [1]

    model.forward(X, training=True)
    assert model.backward(dy, need_input_grad=False) is None
    assert calls == [1]  # the parameter-free Unflatten below the conv was not back-propagated
    for a, b in zip(full, model.gradients()):
        np.testing.assert_array_equal(a, b)
