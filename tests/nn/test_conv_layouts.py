"""Both internal layouts of Conv1d/Conv2d (batch-innermost for short output rows, per-sample
columns for long ones) against the naive loops, the adjoint identity and torch; and the first
layer's skipped input gradient leaves the weight gradients unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import _fast, limit_threads
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


def _use_compiled(monkeypatch, compiled: bool) -> None:
    """The layers on the extension's kernels or on NumPy (restored after the test)."""
    monkeypatch.setattr(_fast, "_ENABLED", compiled and _fast.available())


def _forward_backward(layer, x, dy, compiled, monkeypatch):
    _use_compiled(monkeypatch, compiled)
    return layer.forward(x, training=True), layer.backward(dy), layer.grads["W"].copy()


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("k,s,p", CASES + [(3, 1, 1), (2, 3, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_columns_give_the_numpy_bits(nd, k, s, p, dtype, rng, monkeypatch):
    """The extension's batch-inner im2col/col2im: the same y, dx and dW, bit for bit, as the
    NumPy formulation (the same copies, the same additions in the same tap order)."""
    if not _fast.available():
        pytest.skip(_fast.REASON)
    layer = _layer(nd, k, s, p)
    layer.params = {key: v.astype(dtype) for key, v in layer.params.items()}
    layer.grads = {key: np.zeros_like(v) for key, v in layer.params.items()}
    shape = (5, 2, 9) if nd == 1 else (5, 2, 7, 9)
    x = rng.normal(size=shape).astype(dtype)
    dy = rng.normal(size=layer.forward(x).shape).astype(dtype)
    for got, want in zip(_forward_backward(layer, x, dy, True, monkeypatch),
                         _forward_backward(layer, x, dy, False, monkeypatch)):
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


def test_compiled_columns_on_two_threads_give_the_same_bits(rng, monkeypatch):
    """Above the split size the channels are shared by two threads: the same bits again (and
    the compiled kernels really ran)."""
    if not _fast.available():
        pytest.skip(_fast.REASON)
    calls = []

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(_fast._MOD, name)

    real = _fast.kernels
    monkeypatch.setattr(_fast, "kernels", lambda: real() and Counting())
    layer = Conv2d(8, 4, 3, padding=1)
    layer.build(rng, np.float32)
    x = rng.normal(size=(64, 8, 13, 13)).astype(np.float32)  # 72 x 13 * 13 * 64 columns
    dy = rng.normal(size=(64, 4, 13, 13)).astype(np.float32)
    runs = []
    for threads, compiled in ((1, True), (2, True), (1, False)):
        with limit_threads(threads):
            runs.append(_forward_backward(layer, x, dy, compiled, monkeypatch))
    for run in runs[1:]:
        for got, want in zip(run, runs[0]):
            np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    assert calls.count("im2col") == 2 and calls.count("col2im") == 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.uint64])
@pytest.mark.parametrize("shape", [(128, 64, 11, 11), (3, 5, 7), (17, 1), (1, 9), (40, 33)])
def test_batch_transposes_move_bits(dtype, shape, rng, monkeypatch):
    """_batch_first/_batch_last (the extension's tiled transpose where it runs, on one or two
    threads): exactly NumPy's transposes, NaN payloads and ragged tile edges included."""
    from actlab.nn._convutil import _batch_first, _batch_last

    a = rng.integers(0, 255, size=np.prod(shape) * np.dtype(dtype).itemsize, dtype=np.uint8)
    a = a.view(dtype).reshape(shape)  # arbitrary bit patterns: NaNs with payloads among them
    for threads, compiled in ((1, True), (2, True), (1, False)):
        _use_compiled(monkeypatch, compiled)
        with limit_threads(threads):
            first, last = _batch_first(a), _batch_last(a)
        np.testing.assert_array_equal(first.view(np.uint8),
                                      np.ascontiguousarray(np.moveaxis(a, -1, 0)).view(np.uint8))
        np.testing.assert_array_equal(last.view(np.uint8),
                                      np.ascontiguousarray(np.moveaxis(a, 0, -1)).view(np.uint8))
        assert first.flags.c_contiguous and last.flags.c_contiguous


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("width", [_BATCH_INNER_BELOW + 9, 9])  # per-sample, batch-inner
def test_an_empty_batch_passes_through(compiled, width, monkeypatch):
    """A batch of 0 samples: empty outputs and input gradients, zero weight gradients (the
    reshapes name every size: -1 cannot be inferred next to a 0)."""
    _use_compiled(monkeypatch, compiled)
    for layer, shape in ((_layer(2, 3, 1, 1), (0, 2, 5, width)),
                         (_layer(1, 3, 1, 0), (0, 2, width)),
                         (MaxPool2d(2), (0, 2, 4, width))):
        y = layer.forward(np.zeros(shape), training=True)
        assert y.shape[0] == 0
        assert layer.backward(y).shape == shape
        assert not any(g.any() for g in getattr(layer, "grads", {}).values())
