"""The extension's layer kernels (pooling, columns, transpose) refuse inconsistent arguments
with a clear error instead of reading or writing outside their arrays."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import _fast

pytestmark = pytest.mark.skipif(not _fast.available(), reason=_fast.REASON)

GEOMETRY = (2, 3, 5, 6, 3, 3, 1, 1, 1, 1, 5, 6)  # n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow


def _columns():
    x = np.zeros((2, 3, 5, 6), np.float32)
    return x, np.zeros((3 * 9, 5 * 6 * 2), np.float32)


def test_columns_accept_a_consistent_call():
    x, cols = _columns()
    x[...] = np.arange(x.size).reshape(x.shape)
    _fast._MOD.im2col(x, cols, GEOMETRY, False)
    # tap (1, 1) of channel 0 is x itself (padding 1), batch innermost
    np.testing.assert_array_equal(cols[4].reshape(5, 6, 2), np.moveaxis(x[:, 0], 0, -1))
    dx = np.empty_like(x)
    _fast._MOD.col2im(cols, dx, GEOMETRY, True)
    assert np.isfinite(dx).all()


@pytest.mark.parametrize("geometry", [
    GEOMETRY[:11],                                    # too short
    GEOMETRY[:10] + (4, 6),                           # oh does not follow
    (2, 3, 5, 6, 3, 3, 0, 1, 1, 1, 5, 6),             # zero stride
    (2, 3, 5, 6, 3, 3, 1, 1, 9, 1, 21, 6),            # padding above the kernel
    (2, 4, 5, 6, 3, 3, 1, 1, 1, 1, 5, 6),             # more channels than x holds
    (2**40, 2**40, 5, 6, 3, 3, 1, 1, 1, 1, 5, 6),     # sizes whose product overflows
])
def test_columns_refuse_inconsistent_geometry(geometry):
    x, cols = _columns()
    with pytest.raises((ValueError, TypeError)):
        _fast._MOD.im2col(x, cols, geometry, False)
    with pytest.raises((ValueError, TypeError)):
        _fast._MOD.col2im(cols, x.copy(), geometry, False)


def test_kernels_refuse_mixed_dtypes_and_short_buffers():
    x, cols = _columns()
    with pytest.raises(ValueError, match="dtype"):
        _fast._MOD.im2col(x, cols.astype(np.float64), GEOMETRY, False)
    with pytest.raises(ValueError):
        _fast._MOD.im2col(x, cols[:-1], GEOMETRY, False)
    with pytest.raises(ValueError, match="transpose"):
        _fast._MOD.transpose(x.reshape(6, -1), np.empty((5, 6), np.float32), 6, 5, False)
    with pytest.raises(ValueError, match="transpose"):
        _fast._MOD.transpose(x.reshape(6, -1), np.empty(30, np.float64), 6, 5, False)
    with pytest.raises(TypeError):
        _fast._MOD.transpose(x, x, 6, 5)
    y, idx = np.empty((2, 3, 2, 3), np.float32), np.empty((2, 3, 2, 3), np.uint8)
    with pytest.raises(ValueError, match="inconsistent"):
        _fast._MOD.maxpool2x2(x, y, idx, 5, 5, False)  # x holds 5 x 6 planes
    with pytest.raises(TypeError):
        _fast._MOD.maxpool2x2(x, y, idx.astype(np.int8), 5, 6, False)
    with pytest.raises(ValueError, match="inconsistent"):
        _fast._MOD.unpool2x2(y, idx[:1], x, 5, 6, False)


def test_a_stale_build_is_refused_at_load(monkeypatch):
    """An extension built for other entry-point signatures (an install that did not rebuild
    it) is reported out of date and NumPy is used, instead of a TypeError mid-training."""
    assert _fast._MOD.ABI == _fast.ABI
    monkeypatch.setattr(_fast, "ABI", _fast.ABI + 1)
    lib, mod, reason = _fast._load()
    assert lib is None and mod is None and "out of date" in reason
