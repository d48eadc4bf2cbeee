"""Max pooling's tap-walking forward and product backward against a plain window reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from actlab.nn import MaxPool1d, MaxPool2d


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
