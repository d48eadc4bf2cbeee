"""Diagnostics on networks built to fail, and the flag logic on hand-made records."""

from __future__ import annotations

import math

import numpy as np
import pytest

import actlab
from actlab.diagnostics import Diagnostics, Thresholds, activation_stats, layer_flags
from actlab.nn.layers import Activation, Dense
from actlab.nn.model import Sequential
from actlab.nn.train import fit
from actlab.studies.records import LayerStats


def _data(n=128, d=8, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = rng.integers(0, k, n)
    return X, y


def _mlp(act, depth, width, *, d=8, k=3, bias_init="zeros", init="auto", seed=0):
    layers = []
    n = d
    for _ in range(depth):
        layers += [Dense(n, width, init=init, bias_init=bias_init), Activation(act)]
        n = width
    layers.append(Dense(n, k))
    return Sequential(layers, seed=seed)


def test_all_negative_bias_kills_every_relu_unit():
    X, y = _data()
    model = _mlp("relu", 3, 16, bias_init=-100.0)
    diag = Diagnostics(probe_size=64, loss="softmax_cross_entropy")
    fit(model, X, y, loss="softmax_cross_entropy", optimizer="sgd", epochs=2, batch_size=32,
        callbacks=[diag], progress=False)
    for epoch in (0, 1, 2):
        rows = [r for r in diag.records if r.epoch == epoch]
        assert len(rows) == 4  # three hidden layers and the output layer
        for r in rows[:-1]:
            assert r.dead == 1.0 and r.zeros == 1.0 and r.saturated == 1.0
            assert r.act_mean == 0.0 and r.act_std == 0.0
        assert rows[-1].activation is None and rows[-1].dead is None
    assert {"dead:1", "dead:2", "dead:3", "vanishing"} <= set(diag.flags)
    assert diag.flag_epochs["dead:1"] == 0


def test_deep_sigmoid_net_raises_the_vanishing_flag():
    X, y = _data(256)
    model = _mlp("sigmoid", 20, 32)
    diag = Diagnostics(probe_size=128, loss="softmax_cross_entropy")
    fit(model, X, y, loss="softmax_cross_entropy", optimizer="sgd", epochs=1, batch_size=64,
        callbacks=[diag], progress=False)
    assert "vanishing" in diag.flags and diag.flag_epochs["vanishing"] == 0
    g = [r.grad_norm for r in diag.records if r.epoch == 0]
    assert g[0] < 1e-3 * max(g)
    assert not any(f.startswith("dead") for f in diag.flags)  # sigmoid is never exactly 0


def test_healthy_relu_net_raises_no_flag():
    X, y = _data(256)
    model = _mlp("relu", 4, 32)
    diag = Diagnostics(probe_size=128, loss="softmax_cross_entropy")
    fit(model, X, y, loss="softmax_cross_entropy", optimizer="adam", epochs=2, batch_size=64,
        callbacks=[diag], progress=False)
    assert diag.flags == []
    rows = [r for r in diag.records if r.epoch == 2]
    assert all(r.grad_norm > 0 and r.grad_ratio > 0 for r in rows)
    assert all(0.0 <= r.dead < 0.5 for r in rows[:-1])


def test_gradient_norms_are_rms_over_batches():
    X, y = _data(64)
    model = _mlp("tanh", 1, 4)
    seen = []

    class Spy(Diagnostics):
        def on_batch_end(self, step, model, loss):
            seen.append(float(np.linalg.norm(model.layers[0].grads["W"])))
            super().on_batch_end(step, model, loss)

    diag = Spy(probe_size=16)
    fit(model, X, y, loss="softmax_cross_entropy", optimizer="sgd", epochs=1, batch_size=16,
        callbacks=[diag], progress=False)
    row = next(r for r in diag.records if r.epoch == 1 and r.layer == 1)
    assert row.grad_norm == pytest.approx(math.sqrt(np.mean(np.square(seen))), rel=1e-5)
    # without the loss, epoch 0 has activation statistics but no gradients
    assert next(r for r in diag.records if r.epoch == 0).grad_norm is None


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "gelu"])
def test_activation_stats_by_hand(name):
    f = actlab.get(name)
    x = np.array([[-30.0, 0.0, 1.0], [-20.0, 0.5, -1.0]])
    s = activation_stats(f, x, f(x))
    y = f(x)
    assert s["act_mean"] == pytest.approx(y.mean())
    assert s["zeros"] == pytest.approx(np.mean(y == 0))
    assert s["dead"] == pytest.approx(np.mean(np.all(y == 0, axis=0)))
    assert s["saturated"] == pytest.approx(np.mean(np.abs(f.grad(x)) < 0.05))


def _rows(grads, dead=None):
    dead = dead or [0.0] * len(grads)
    return [LayerStats(1, i + 1, 8, "x", g, None, 1.0, dead=d)
            for i, (g, d) in enumerate(zip(grads, dead))]


def test_flag_thresholds():
    th = Thresholds()
    assert layer_flags(_rows([1e-4, 1e-2, 1.0])) == ["vanishing"]
    assert layer_flags(_rows([2e-3, 1e-2, 1.0])) == []
    assert layer_flags(_rows([1e4 + 1, 1.0, 1.0])) == ["exploding"]
    assert layer_flags(_rows([5e3, 1.0, 2.0])) == ["exploding"]  # grows toward the input
    assert layer_flags(_rows([math.inf, 1.0])) == ["exploding"]
    assert layer_flags(_rows([math.nan, 1.0])) == ["exploding"]
    assert layer_flags(_rows([0.0, 0.0])) == ["vanishing"]
    assert layer_flags(_rows([1.0, 1.0, 1.0], dead=[0.6, 0.5, 0.0])) == ["dead:1"]
    # the output layer is never called dead
    assert layer_flags(_rows([1.0, 1.0], dead=[0.0, 1.0])) == []
    assert th.vanishing == 1e-3 and th.dead == 0.5
