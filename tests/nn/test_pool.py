"""Max pooling's tap-walking forward and product backward against a plain window reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from actlab.activations import _fast, limit_threads
from actlab.nn import MaxPool1d, MaxPool2d


@pytest.fixture(params=["compiled", "numpy"])
def path(request, monkeypatch):
    """Run a test on the compiled 2 x 2 kernels and on the NumPy formulation."""
    if request.param == "compiled" and not _fast.available():
        pytest.skip(_fast.REASON)
    monkeypatch.setattr(_fast, "_ENABLED", request.param == "compiled")
    return request.param


def reference(x, k, s, p):
    """y and dx (for dy = 1 + arange) by looping over windows; the first maximum wins."""
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * p[0], w + 2 * p[1]), -np.inf)
    xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    oh, ow = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    y = np.empty((n, c, oh, ow))
    dy = 1.0 + np.arange(y.size, dtype=float).reshape(y.shape)
    dxp = np.zeros_like(xp)
    for a, b, i, j in itertools.product(range(n), range(c), range(oh), range(ow)):
        win = xp[a, b, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]].ravel()
        t = int(np.argmax(win))
        y[a, b, i, j] = win[t]
        dxp[a, b, i * s[0] + t // k[1], j * s[1] + t % k[1]] += dy[a, b, i, j]
    return y, dy, dxp[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


@pytest.mark.parametrize(("k", "s", "p"), [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)),
                                           ((2, 3), (1, 2), (1, 0)), ((3, 3), (3, 3), (0, 0))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_window_reference_with_ties(k, s, p, dtype):
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, (2, 3, 7, 8)).astype(dtype)  # many tied maxima
    layer = MaxPool2d(k, stride=s, padding=p)
    y = layer.forward(x, training=True)
    y_ref, dy, dx_ref = reference(x.astype(float), k, s, p)
    np.testing.assert_array_equal(y, y_ref.astype(dtype))
    np.testing.assert_array_equal(layer.backward(dy.astype(dtype)), dx_ref.astype(dtype))


def test_nan_wins_and_non_finite_gradients_stay_in_their_cell():
    x = np.array([[[1.0, np.nan, 3.0, 2.0, 5.0, 5.0]]])
    layer = MaxPool1d(2)
    y = layer.forward(x)
    assert np.isnan(y[0, 0, 0]) and y[0, 0, 1] == 3.0 and y[0, 0, 2] == 5.0
    dx = layer.backward(np.array([[[1.0, np.inf, 2.0]]]))
    np.testing.assert_array_equal(dx, [[[0.0, 1.0, np.inf, 0.0, 2.0, 0.0]]])


@pytest.mark.parametrize("shape", [(2, 3, 6, 8), (3, 2, 7, 5), (1, 1, 2, 2), (2, 3, 5, 26)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_by_two_path_matches_window_reference_with_ties(shape, dtype, path):
    """2 x 2 / stride 2 (the shifted-pair forward; the bit-moving float32 backward for even
    sides) against the loops, with many tied maxima and all four taps winning somewhere."""
    rng = np.random.default_rng(2)
    x = rng.integers(-1, 2, shape).astype(dtype)
    layer = MaxPool2d(2)
    y = layer.forward(x, training=True)
    y_ref, dy, dx_ref = reference(x.astype(float), (2, 2), (2, 2), (0, 0))
    np.testing.assert_array_equal(y, y_ref.astype(dtype))
    dx = layer.backward(dy.astype(dtype))
    assert dx.dtype == dtype and dx.shape == x.shape
    np.testing.assert_array_equal(dx, dx_ref.astype(dtype))
    # distinct values: every tap wins in some window
    x = rng.permutation(np.arange(np.prod(shape), dtype=dtype)).reshape(shape)
    layer.forward(x, training=True)
    y_ref, dy, dx_ref = reference(x.astype(float), (2, 2), (2, 2), (0, 0))
    np.testing.assert_array_equal(layer.backward(dy.astype(dtype)), dx_ref.astype(dtype))


def test_two_by_two_path_nan_input_and_non_finite_gradients(path):
    x = np.zeros((1, 2, 4, 4), np.float32)
    x[0, 0, 1, 1] = 5.0
    x[0, 1, 2, 3] = np.nan  # a NaN wins its window (as in PyTorch)
    layer = MaxPool2d(2)
    y = layer.forward(x, training=True)
    assert y[0, 0, 0, 0] == 5.0 and np.isnan(y[0, 1, 1, 1]) and y[0, 1, 0, 0] == 0.0
    dy = np.ones((1, 2, 2, 2), np.float32)
    dy[0, 0, 0, 0], dy[0, 0, 1, 1], dy[0, 1, 1, 1] = np.inf, np.nan, -np.inf
    dx = layer.backward(dy)
    expected = np.zeros((1, 2, 4, 4), np.float32)
    expected[0, 0, 1, 1] = np.inf  # the winner of window (0, 0)
    expected[0, 0, 2, 2] = np.nan  # ties at 0: the first cell
    for ch, i, j in ((0, 0, 2), (0, 2, 0), (1, 0, 0), (1, 0, 2), (1, 2, 0)):
        expected[0, ch, i, j] = 1.0
    expected[0, 1, 2, 3] = -np.inf
    np.testing.assert_array_equal(dx, expected)
    # finite input: the fast path, the same routing of non-finite gradients
    x[0, 1, 2, 3] = 7.0
    layer.forward(x, training=True)
    np.testing.assert_array_equal(layer.backward(dy), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_by_two_large_inputs_same_bits_on_one_and_two_threads(dtype, monkeypatch):
    """Above the split size the compiled kernels run the planes on two threads: the same y,
    winning taps and dx as on one thread and as the NumPy formulation, ties and odd sides
    included, +0 (as in PyTorch) in every cell that lost; a NaN still wins its window."""
    if not _fast.available():
        pytest.skip(_fast.REASON)
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, (16, 9, 27, 29)).astype(dtype)  # 113k cells, odd sides, ties
    dy = rng.standard_normal((16, 9, 13, 14)).astype(dtype)  # rows of 14: a tail after 8
    results = []
    for enabled, threads in ((True, 1), (True, 2), (False, 1)):
        monkeypatch.setattr(_fast, "_ENABLED", enabled)
        with limit_threads(threads):
            layer = MaxPool2d(2)
            y = layer.forward(x, training=True)
            results.append((y, layer.backward(dy)))
    for got, want in zip(results[1], results[0]):  # two threads: the same bits
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    for got, want in zip(results[2], results[0]):  # NumPy's dx has -0 (dy * 0) where we have +0
        np.testing.assert_array_equal(got, want)
    assert not np.signbit(results[0][1][results[0][1] == 0]).any()
    y_ref, _, _ = reference(x[:1, :2].astype(float), (2, 2), (2, 2), (0, 0))
    np.testing.assert_array_equal(results[0][0][:1, :2], y_ref.astype(dtype))
    assert not results[0][1][:, :, 26].any() and not results[0][1][..., 28].any()
    x[5, 4, 10, 11] = np.nan
    monkeypatch.setattr(_fast, "_ENABLED", True)  # the compiled pass reports it on two threads
    with limit_threads(2):
        y = MaxPool2d(2).forward(x)
    assert np.isnan(y[5, 4, 5, 5]) and np.isnan(y).sum() == 1


def test_two_by_two_compiled_keeps_the_winning_cells_bits():
    """y is the first maximum's own value: +0 or -0 as that cell holds it."""
    if not _fast.available():
        pytest.skip(_fast.REASON)
    x = np.array([[[[-0.0, 0.0], [0.0, 0.0]], [[0.0, -0.0], [-0.0, -0.0]]]], np.float32)
    x = np.concatenate([x] * 2, axis=-1)
    y = MaxPool2d(2).forward(x)
    assert np.signbit(y[0, 0, 0, 0]) and not np.signbit(y[0, 1, 0, 0])
