"""One SGD step on a 2-2-1 sigmoid network, worked out by hand with scalar arithmetic."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from actlab.nn import SGD, Activation, Dense, Sequential, fit


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


W1 = [[0.15, 0.25], [0.20, 0.30]]  # W1[i][j]: input i -> hidden j
B1 = [0.35, 0.35]
W2 = [0.40, 0.45]
B2 = 0.60


def hand_grads(x, t):
    """Gradients of 1/2 (o - t)^2 for one sample, by the chain rule."""
    h = [sig(x[0] * W1[0][j] + x[1] * W1[1][j] + B1[j]) for j in range(2)]
    o = sig(h[0] * W2[0] + h[1] * W2[1] + B2)
    d_o = (o - t) * o * (1 - o)
    dW2 = [d_o * h[j] for j in range(2)]
    dB2 = d_o
    d_h = [d_o * W2[j] * h[j] * (1 - h[j]) for j in range(2)]
    dW1 = [[x[i] * d_h[j] for j in range(2)] for i in range(2)]
    return 0.5 * (o - t) ** 2, dW1, d_h, dW2, dB2


def model():
    m = Sequential([Dense(2, 2), Activation("sigmoid"), Dense(2, 1), Activation("sigmoid")],
                   dtype=np.float64)
    m.layers[0].params["W"][:] = W1
    m.layers[0].params["b"][:] = B1
    m.layers[2].params["W"][:, 0] = W2
    m.layers[2].params["b"][:] = B2
    return m


def test_one_sgd_step_on_two_samples():
    X = [[0.05, 0.10], [0.50, -0.30]]
    T = [0.01, 0.99]
    lr = 0.5
    per = [hand_grads(x, t) for x, t in zip(X, T)]
    mean = lambda k, *idx: sum(_at(p[k], idx) for p in per) / 2  # noqa: E731
    m = model()
    history = fit(m, np.array(X), np.array(T), loss="sse", optimizer=SGD(lr=lr), epochs=1,
                  batch_size=2, shuffle=False, progress=False)
    assert math.isclose(history[0].train_loss, mean(0), rel_tol=1e-12)
    for i in range(2):
        for j in range(2):
            assert math.isclose(m.layers[0].params["W"][i, j], W1[i][j] - lr * mean(1, i, j),
                                rel_tol=1e-12)
        assert math.isclose(m.layers[0].params["b"][i], B1[i] - lr * mean(2, i), rel_tol=1e-12)
        assert math.isclose(m.layers[2].params["W"][i, 0], W2[i] - lr * mean(3, i), rel_tol=1e-12)
    assert math.isclose(m.layers[2].params["b"][0], B2 - lr * mean(4), rel_tol=1e-12)


def _at(value, idx):
    for i in idx:
        value = value[i]
    return value


def test_backward_by_hand_single_sample():
    x, t = [0.05, 0.10], 0.01
    loss, dW1, dB1, dW2, dB2 = hand_grads(x, t)
    m = model()
    out = m.forward(np.array([x]))
    from actlab.nn import sse

    value, dout = sse.value_and_grad(out, np.array([[t]]))
    m.backward(dout)
    assert math.isclose(value, loss, rel_tol=1e-13)
    np.testing.assert_allclose(m.layers[0].grads["W"], dW1, rtol=1e-12)
    np.testing.assert_allclose(m.layers[0].grads["b"], dB1, rtol=1e-12)
    np.testing.assert_allclose(m.layers[2].grads["W"][:, 0], dW2, rtol=1e-12)
    np.testing.assert_allclose(m.layers[2].grads["b"], [dB2], rtol=1e-12)


def test_tutorial_loss_falls_monotonically():
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "examples"))
    try:
        import from_scratch
    finally:
        sys.path.pop(0)
    losses, pred = from_scratch.main(verbose=False)
    assert len(losses) == 1500
    assert all(b < a for a, b in zip(losses, losses[1:])), "loss must fall at every iteration"
    assert losses[-1] < 0.01 * losses[0]
    np.testing.assert_array_equal(np.round(pred), [0, 1, 1, 0])
