"""Both internal layouts of Conv1d/Conv2d (batch-innermost for short output rows, per-sample
columns for long ones) against the naive loops, the adjoint identity and torch; and the first
layer's skipped input gradient leaves the weight gradients unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.nn import Activation, Dense, Flatten, MaxPool2d, Sequential, Unflatten
from actlab.nn.conv import _BATCH_INNER_BELOW, Conv1d, Conv2d, conv1d_naive, conv2d_naive

from .test_conv import check_conv_against_torch

# (kernel, stride, padding): long rows (per-sample columns) unless the width says otherwise
CASES = [(3, 1, 0), (3, 2, 1), (2, 1, 2)]


def _layer(nd, k, s, p, seed=0):
    layer = (Conv1d if nd == 1 else Conv2d)(2, 3, k, stride=s, padding=p)
    rng = np.random.default_rng(seed)
    layer.build(rng, np.float64)
    layer.params["b"][...] = rng.normal(size=3)
    return layer


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("k,s,p", CASES)
@pytest.mark.parametrize("width", [_BATCH_INNER_BELOW + 9, 9])  # per-sample, batch-inner
def test_layouts_match_naive_and_backward_is_the_adjoint(nd, k, s, p, width, rng):
    layer = _layer(nd, k, s, p)
    shape = (3, 2, width) if nd == 1 else (3, 2, 5, width)
    x = rng.normal(size=shape)
    naive = conv1d_naive if nd == 1 else conv2d_naive
    y = layer.forward(x, training=True)
    expected = naive(x, layer.params["W"], layer.params["b"], stride=s, padding=p)
    np.testing.assert_allclose(y, expected, rtol=1e-13, atol=1e-13)
    assert y.flags.c_contiguous
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    assert dx.shape == x.shape and dx.flags.c_contiguous
    y0 = y - layer.params["b"].reshape((3,) + (1,) * nd)  # the linear part
    np.testing.assert_allclose(np.vdot(dy, y0), np.vdot(dx, x), rtol=1e-12)
    np.testing.assert_allclose(np.vdot(dy, y0), np.vdot(layer.grads["W"], layer.params["W"]),
                               rtol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], dy.sum(axis=(0,) + tuple(range(2, 2 + nd))),
                               rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("k,s,p", CASES)
def test_per_sample_layout_matches_torch(k, s, p, rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(2, 2, 6, _BATCH_INNER_BELOW + 12))
    check_conv_against_torch(_layer(2, k, s, p), x, rng, torch)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_first_layer_without_input_gradient_keeps_every_weight_gradient(dtype, rng):
    """need_input_grad=False skips the first conv's dx product; the gradients stay identical."""
    model = Sequential([Unflatten((1, 20, 20)), Conv2d(1, 4, 3), Activation("relu"),
                        MaxPool2d(2), Conv2d(4, 5, 3), Activation("relu"), MaxPool2d(2),
                        Flatten(), Dense(5 * 3 * 3, 3)], seed=0, dtype=dtype)
    X = rng.normal(size=(6, 400)).astype(dtype)
    out = model.forward(X, training=True)
    dout = rng.normal(size=out.shape).astype(dtype)
    dx = model.backward(dout, need_input_grad=True)
    assert dx.shape == X.shape and dx.dtype == dtype
    full = [g.copy() for g in model.gradients()]
    for g in model.gradients():
        g[...] = np.nan
    assert model.backward(dout, need_input_grad=False) is None
    for a, b in zip(full, model.gradients()):
        np.testing.assert_array_equal(a, b)
        assert b.dtype == dtype
