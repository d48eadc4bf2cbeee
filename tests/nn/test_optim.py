"""Optimizer, penalty and clipping arithmetic against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.nn import (
    L1,
    L2,
    SGD,
    Adam,
    clip_grad_norm,
    clip_grad_value,
    get_optimizer,
    global_norm,
)


def run(opt, grads_seq, p0=1.0):
    p = np.array([p0])
    for g in grads_seq:
        opt.step([p], [np.array([g])])
    return p[0]


def test_plain_sgd():
    assert run(SGD(lr=0.1), [2.0, -1.0, 0.5]) == pytest.approx(1.0 - 0.1 * (2.0 - 1.0 + 0.5))


def test_momentum_constant_gradient_closed_form():
    lr, mu, g, t = 0.1, 0.9, 0.3, 7
    # v_k = g (1 - mu^k) / (1 - mu); p_t = p0 - lr * sum_k v_k
    expected = 1.0 - lr * sum(g * (1 - mu**k) / (1 - mu) for k in range(1, t + 1))
    assert run(SGD(lr=lr, momentum=mu), [g] * t) == pytest.approx(expected, rel=1e-12)


def test_momentum_and_nesterov_by_hand():
    lr, mu = 0.05, 0.8
    gs = [1.0, -2.0, 0.5]
    v1 = gs[0]
    v2 = mu * v1 + gs[1]
    v3 = mu * v2 + gs[2]
    heavy = 1.0 - lr * (v1 + v2 + v3)
    nesterov = 1.0 - lr * ((gs[0] + mu * v1) + (gs[1] + mu * v2) + (gs[2] + mu * v3))
    assert run(SGD(lr=lr, momentum=mu), gs) == pytest.approx(heavy, rel=1e-12)
    assert run(SGD(lr=lr, momentum=mu, nesterov=True), gs) == pytest.approx(nesterov, rel=1e-12)


def test_adam_constant_gradient_bias_correction():
    # with a constant gradient the bias-corrected moments are exactly g and g^2,
    # so every step is lr * g / (|g| + eps): the first step is not shrunk by (1 - beta)
    lr, eps, g = 0.01, 1e-8, -0.4
    for t in (1, 2, 10):
        p = run(Adam(lr=lr, eps=eps), [g] * t)
        assert p == pytest.approx(1.0 - t * lr * g / (abs(g) + eps), rel=1e-12)


def test_adam_textbook_formula():
    lr, (b1, b2), eps = 0.1, (0.8, 0.95), 1e-3
    gs = [0.5, -1.5, 2.0, 0.1]
    p, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat, vhat = m / (1 - b1**t), v / (1 - b2**t)
        p -= lr * mhat / (math.sqrt(vhat) + eps)
    assert run(Adam(lr=lr, betas=(b1, b2), eps=eps), gs) == pytest.approx(p, rel=1e-12)


def test_decoupled_weight_decay_respects_mask():
    opt = SGD(lr=0.1, weight_decay=0.5)
    w, b = np.array([2.0]), np.array([2.0])
    for _ in range(3):
        opt.step([w, b], [np.zeros(1), np.zeros(1)], decay=[True, False])
    assert w[0] == pytest.approx(2.0 * (1 - 0.1 * 0.5) ** 3)
    assert b[0] == 2.0
    adamw = Adam(lr=0.1, weight_decay=0.5)
    w = np.array([2.0])
    adamw.step([w], [np.array([0.0])])  # zero gradient: only the decay moves it
    assert w[0] == pytest.approx(2.0 * (1 - 0.05))


def test_float32_stays_float32_and_updates_in_place():
    for opt in (SGD(lr=0.1, momentum=0.9, nesterov=True), Adam(lr=0.1, weight_decay=0.1)):
        p = np.ones((3, 2), np.float32)
        ref = p
        opt.step([p], [np.full((3, 2), 0.5, np.float32)])
        assert p is ref and p.dtype == np.float32
        state = getattr(opt, "velocity", []) + sum(opt.moments(), []) if isinstance(opt, Adam) \
            else opt.velocity
        assert state and all(s.dtype == np.float32 for s in state)


def test_adam_moments():
    opt = Adam(lr=0.1, betas=(0.5, 0.75))
    p = np.zeros(2)
    opt.step([p], [np.array([2.0, -4.0])])
    opt.step([p], [np.array([1.0, 0.0])])
    m, v = opt.moments()
    np.testing.assert_allclose(m[0], [0.5 * (0.5 * 2.0) + 0.5 * 1.0, 0.5 * (0.5 * -4.0)])
    np.testing.assert_allclose(v[0], [0.75 * 0.25 * 4 + 0.25 * 1, 0.75 * 0.25 * 16])


def test_state_is_per_position_and_checked():
    opt = SGD(lr=0.1, momentum=0.5)
    a, b = np.zeros(2), np.zeros(3)
    opt.step([a, b], [np.ones(2), 2 * np.ones(3)])
    with pytest.raises(ValueError, match="changed"):
        opt.step([b, a], [np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match="gradient"):
        SGD().step([a], [np.ones(3)])
    opt.reset()
    opt.step([b], [np.ones(3)])


def test_penalties():
    w = np.array([-2.0, 0.0, 3.0])
    g = np.zeros(3)
    L1(0.1).add_grad([w], [g])
    np.testing.assert_allclose(g, [-0.1, 0.0, 0.1])
    assert L1(0.1).penalty([w]) == pytest.approx(0.5)
    g = np.zeros(3)
    L2(0.1).add_grad([w], [g])
    np.testing.assert_allclose(g, 2 * 0.1 * w)
    assert L2(0.1).penalty([w]) == pytest.approx(0.1 * 13)
    # the gradient is the derivative of the penalty
    h = 1e-6
    for pen in (L1(0.3), L2(0.3)):
        w = np.array([0.7, -1.2])
        g = np.zeros(2)
        pen.add_grad([w], [g])
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            num = (pen.penalty([w + e]) - pen.penalty([w - e])) / (2 * h)
            assert g[i] == pytest.approx(num, rel=1e-6)


def test_clipping_returns_prenorm():
    g1, g2 = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])
    assert global_norm([g1, g2]) == 5.0
    assert clip_grad_norm([g1, g2], 1.0) == 5.0
    assert global_norm([g1, g2]) == pytest.approx(1.0)
    np.testing.assert_allclose(g1, [0.6, 0.0])
    g = np.array([0.1, -0.2])
    assert clip_grad_norm([g], 1.0) == pytest.approx(math.sqrt(0.05))
    np.testing.assert_array_equal(g, [0.1, -0.2])  # below the limit: untouched
    g = np.array([3.0, -4.0, 0.5])
    assert clip_grad_value([g], 1.0) == pytest.approx(math.sqrt(25.25))
    np.testing.assert_array_equal(g, [1.0, -1.0, 0.5])


def test_global_norm_survives_float32_overflow():
    g = np.full(4, 1e30, np.float32)
    assert global_norm([g]) == pytest.approx(2e30, rel=1e-6)


def test_get_optimizer_and_validation():
    assert isinstance(get_optimizer("Adam", lr=0.1), Adam)
    opt = SGD(lr=1.0)
    assert get_optimizer(opt) is opt
    with pytest.raises(ValueError, match="unknown optimizer"):
        get_optimizer("rmsprop")
    with pytest.raises(ValueError):
        SGD(lr=-1)
    with pytest.raises(ValueError):
        SGD(lr=0.1, nesterov=True)
    with pytest.raises(ValueError):
        Adam(betas=(1.0, 0.9))
