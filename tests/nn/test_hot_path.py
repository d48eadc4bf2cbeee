"""The engine's training step after the fixed-cost cuts gives the bits it gave before.

The shortcuts (the public activation call running its kernel in C, ``quiet()`` skipping
the per-call ``np.errstate``, the streamlined Sequential loops) must not change a single bit:
a tiny tanh MLP trained with MSE and SGD is replayed by a straightforward NumPy loop that uses
only public calls (``f(x)``, ``f.backward``, ``@``, ``sum``, ``p -= lr * g``), in float32 and
float64, with the compiled kernels on and off, inside and outside ``quiet()``.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import actlab
from actlab.activations import _fast
from actlab.nn import SGD, Activation, Dense, LayerError, Sequential, get_loss, quiet

SIZES = (2, 8, 8, 1)


def _model(dtype, activation="tanh"):
    layers = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(Dense(a, b, bias_init=0.1))
        if i < len(SIZES) - 2:
            layers.append(Activation(activation))
    return Sequential(layers, seed=3, dtype=dtype)


def _data(dtype, steps=6, bs=10):
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((steps * bs, 2)) * 2).astype(dtype)
    y = rng.standard_normal((steps * bs, 1)).astype(dtype)
    return [(X[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs]) for i in range(steps)]


def _engine(model, data, lr, use_quiet):
    loss, opt = get_loss("mse"), SGD(lr=lr)
    params, grads, mask = model.parameters(), model.gradients(), model.decay_mask()
    values = []
    with quiet() if use_quiet else contextlib.nullcontext():
        for xb, yb in data:
            out = model.forward(xb, training=True)
            value, dout = loss.value_and_grad(out, yb)
            model.backward(dout, need_input_grad=False)
            opt.step(params, grads, mask)
            values.append(value)
    return values, [p.copy() for p in params]


def _reference(model, data, lr, name="tanh"):
    """The same training written out: public activation calls and plain NumPy."""
    f = actlab.get(name)
    Ws = [layer.params["W"].copy() for layer in model if isinstance(layer, Dense)]
    bs = [layer.params["b"].copy() for layer in model if isinstance(layer, Dense)]
    dt = Ws[0].dtype.type
    values = []
    for xb, yb in data:
        xs, zs = [xb], []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = xs[-1] @ W + b
            if i < len(Ws) - 1:
                zs.append(z)
                xs.append(f(z))
        diff = z - yb
        values.append(float(np.vdot(diff, diff)) / diff.size)
        d = diff * dt(2.0 / diff.size)
        for i in range(len(Ws) - 1, -1, -1):
            gW, gb = xs[i].T @ d, d.sum(axis=0)
            if i:
                d = f.backward(d @ Ws[i].T, zs[i - 1], xs[i])
            Ws[i] -= gW * dt(lr)
            bs[i] -= gb * dt(lr)
    return values, [a for pair in zip(Ws, bs) for a in pair]


@pytest.mark.parametrize("use_quiet", [False, True])
@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiny_training_matches_a_plain_numpy_loop_bit_for_bit(dtype, fast, use_quiet,
                                                              monkeypatch):
    monkeypatch.setattr(_fast, "_ENABLED", fast and _fast.available())
    data = _data(dtype)
    values, params = _engine(_model(dtype), data, 0.05, use_quiet)
    ref_values, ref_params = _reference(_model(dtype), data, 0.05)
    assert values == ref_values
    for p, q in zip(params, ref_params):
        assert p.dtype == dtype
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("name, params", [
    ("tanh", {}), ("relu", {}), ("gelu", {}), ("leaky_relu", {"alpha": 1e-35}),
    ("softmax", {}), ("elu", {}),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_layer_equals_the_public_calls(name, params, dtype):
    """The layer's direct kernel call and the activation's checked path agree bit for bit
    (a non-contiguous copy sends the public call through its argument handling)."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 5)) * 4).astype(dtype)
    dy = rng.standard_normal((7, 5)).astype(dtype)
    layer = Activation(name, **params)
    y = layer.forward(x)
    dx = layer.backward(dy)
    f = layer.f
    np.testing.assert_array_equal(y, f(np.asfortranarray(x)))
    np.testing.assert_array_equal(dx, f.backward(np.asfortranarray(dy), np.asfortranarray(x),
                                                 np.asfortranarray(y)))
    assert y.dtype == dx.dtype == dtype
    # a gradient of another layout or dtype takes the checked path: same values
    np.testing.assert_array_equal(layer.backward(np.asfortranarray(dy)), dx)


def test_kernels_follow_the_fast_switch(monkeypatch):
    """Switching the compiled kernels off between forward and backward is honoured."""
    if not _fast.available():
        pytest.skip(_fast.REASON)
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    layer = Activation("gelu")
    y = layer.forward(x)
    monkeypatch.setattr(_fast, "_ENABLED", False)
    dx = layer.backward(np.ones_like(x))
    ref = layer.f.backward(np.ones_like(x), x, y)  # NumPy's kernel now
    np.testing.assert_array_equal(dx, ref)
    assert layer.forward(x) is not y  # forward rebinds for the new mode: NumPy's result
    np.testing.assert_array_equal(layer.forward(x), layer.f(x))


def test_quiet_ignores_fp_errors_once_and_restores_the_state():
    before = np.geterr()
    model = _model(np.float32)
    big = np.full((4, 2), 3e38, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = model.forward(big)  # overflow to inf/NaN outside quiet(): no warning either
        with quiet() as q:
            assert np.geterr() == {"divide": "ignore", "over": "ignore", "under": "ignore",
                                   "invalid": "ignore"}
            np.testing.assert_array_equal(model.forward(big), out)
            with pytest.raises(TypeError, match="twice"):
                q.__enter__()
    assert np.geterr() == before


def test_errors_on_bad_input_are_unchanged():
    model = _model(np.float32)
    with pytest.raises(LayerError, match=r"layer 0 \(Dense.*shape \(3, 5\)"):
        model.forward(np.zeros((3, 5), np.float32))
    with quiet(), pytest.raises(LayerError, match=r"layer 2 \(Dense.*shape \(3, 4\)"):
        Sequential([Dense(2, 4), Activation("tanh"), Dense(3, 1)]).forward(np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        Activation("tanh").backward(np.zeros((2, 2)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_bits(dtype):
    """The loss's reductions called without the methods' wrappers: the same bits as written out
    with the methods (labels and probability rows)."""
    rng = np.random.default_rng(2)
    z = (rng.standard_normal((9, 4)) * 30).astype(dtype)
    labels = rng.integers(0, 4, 9)
    value, grad = get_loss("softmax_cross_entropy").value_and_grad(z, labels)
    shifted = z - z.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    s = p.sum(axis=1, keepdims=True)
    rows = np.arange(9)
    ref = (np.sum(np.log(s), dtype=np.float64) - np.sum(shifted[rows, labels],
                                                         dtype=np.float64)) / 9
    p /= s
    p[rows, labels] -= 1
    p *= z.dtype.type(1.0 / 9)
    assert value == float(ref)
    np.testing.assert_array_equal(grad, p)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\), got range \[0, 4\]"):
        get_loss("softmax_cross_entropy").value_and_grad(z, np.r_[labels[:-1], 4])
