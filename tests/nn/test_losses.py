"""Losses against direct formulas, including extreme logits (warnings are errors in this suite)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.nn import binary_cross_entropy, get_loss, mse, softmax_cross_entropy, sse

rng = np.random.default_rng(0)
P = rng.normal(size=(5, 3))
T = rng.normal(size=(5, 3))


def numeric_grad(loss, p, t, h=1e-6):
    g = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[idx] = h
        g[idx] = (loss(p + e, t) - loss(p - e, t)) / (2 * h)
    return g


def test_sse_convention():
    value, grad = sse.value_and_grad(P, T)
    direct = sum(0.5 * sum((P[n, k] - T[n, k]) ** 2 for k in range(3)) for n in range(5)) / 5
    assert value == pytest.approx(direct, rel=1e-13)
    np.testing.assert_allclose(grad, (P - T) / 5, rtol=1e-13)


def test_mse_convention():
    value, grad = mse.value_and_grad(P, T)
    assert value == pytest.approx(np.mean((P - T) ** 2), rel=1e-13)
    np.testing.assert_allclose(grad, 2 * (P - T) / 15, rtol=1e-13)


def test_binary_cross_entropy_from_logits():
    y = (T > 0).astype(float)
    value, grad = binary_cross_entropy.value_and_grad(P, y)
    s = 1 / (1 + np.exp(-P))
    direct = np.mean(-(y * np.log(s) + (1 - y) * np.log(1 - s)))
    assert value == pytest.approx(direct, rel=1e-12)
    np.testing.assert_allclose(grad, (s - y) / y.size, rtol=1e-12)
    np.testing.assert_allclose(grad, numeric_grad(binary_cross_entropy, P, y), atol=1e-9)


def test_softmax_cross_entropy_labels_and_one_hot():
    labels = np.array([0, 2, 1, 1, 0])
    onehot = np.eye(3)[labels]
    value, grad = softmax_cross_entropy.value_and_grad(P, labels)
    soft = np.exp(P) / np.exp(P).sum(axis=1, keepdims=True)
    direct = -np.mean(np.log(soft[np.arange(5), labels]))
    assert value == pytest.approx(direct, rel=1e-12)
    np.testing.assert_allclose(grad, (soft - onehot) / 5, atol=1e-15)
    v2, g2 = softmax_cross_entropy.value_and_grad(P, onehot)
    assert v2 == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(g2, grad, atol=1e-15)
    probs = rng.dirichlet(np.ones(3), size=5)
    np.testing.assert_allclose(softmax_cross_entropy.grad(P, probs),
                               numeric_grad(softmax_cross_entropy, P, probs), atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_are_exact_and_silent(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype)
    value, grad = softmax_cross_entropy.value_and_grad(z, np.array([1, 2]))
    # row 0: logsumexp = 1000, minus z[0,1] = -1000 -> 2000; row 1: 1000 + log1p(e^-1) - 999
    expected = (2000.0 + 1.0 + math.log1p(math.exp(-1.0))) / 2
    assert value == pytest.approx(expected, rel=1e-6)
    assert grad.dtype == dtype and np.isfinite(grad).all()
    np.testing.assert_allclose(grad[0], [0.5, -0.5, 0.0], atol=1e-7)
    zb = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]], dtype)
    yb = np.array([1.0, 0.0, 0.0, 1.0])
    value, grad = binary_cross_entropy.value_and_grad(zb, yb)
    assert value == pytest.approx((0 + 0 + 1000 + 1000) / 4, rel=1e-6)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad[:, 0], [0.0, 0.0, 0.25, -0.25], atol=1e-7)
    assert binary_cross_entropy.accuracy(zb, yb) == 0.5


def test_dtype_and_shapes():
    p32 = P.astype(np.float32)
    for loss in (sse, mse):
        value, grad = loss.value_and_grad(p32, T)
        assert grad.dtype == np.float32 and isinstance(value, float)
    col = rng.normal(size=(4, 1))
    assert mse(col, col[:, 0]) == 0.0  # (N,) targets for (N, 1) outputs
    with pytest.raises(ValueError, match="shape"):
        mse(P, T[:, :2])
    with pytest.raises(ValueError, match="labels"):
        softmax_cross_entropy(P, np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match="targets"):
        softmax_cross_entropy(P, np.zeros((5, 2)))


def test_accuracy_and_names():
    labels = np.array([0, 2, 1, 1, 0])
    assert softmax_cross_entropy.accuracy(np.eye(3)[labels] * 5, labels) == 1.0
    assert softmax_cross_entropy.accuracy(P, labels) == np.mean(P.argmax(1) == labels)
    assert mse.accuracy(P, T) is None and not mse.classification
    assert get_loss("cross_entropy") is softmax_cross_entropy
    assert get_loss("BCE") is binary_cross_entropy
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("hinge")
