"""Max pooling (``MaxPool1d``/``MaxPool2d``) and ``Unflatten``, PyTorch's layouts and semantics.

The forward pass walks the kernel taps: one strided view of the (padded) input per tap, keeping
the running maximum and the tap that holds it, so no window is ever copied; the first maximum
wins (as in PyTorch) and a NaN anywhere in the input sends the pass to the reference
formulation (``argmax`` over gathered windows), where a NaN wins. The common 2 x 2 / stride 2
case runs the compiled kernels (``maxpool2x2``/``unpool2x2``, one pass each way, split over two
threads for large inputs) or, without them, takes pair maxima over the flat array shifted by one
(contiguous loops) and, in float32, routes the gradient by moving bits (``_pool2x2``,
``_unpool2x2_f32``); the results are identical.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from ..activations import _fast
from ..activations._threads import SPLIT_AT
from ._convutil import _check_input, _offset_slices, _pad, _plain, _tuple, _windows
from ._convutil import conv_output_size
from .base import Layer

__all__ = ["MaxPool1d", "MaxPool2d", "Unflatten"]


class _MaxPoolNd(Layer):
    """Max over each window; the gradient goes to the first maximum (as in PyTorch)."""

    _nd = 0
    decay_keys = ()

    def __init__(self, kernel_size, *, stride=None, padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _tuple(kernel_size, self._nd, f"{name}: kernel_size", 1)
        self.stride = (self.kernel_size if stride is None
                       else _tuple(stride, self._nd, f"{name}: stride", 1))
        self.padding = _tuple(padding, self._nd, f"{name}: padding", 0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding must be at most half the kernel size "
                             f"(got padding {self.padding}, kernel {self.kernel_size})")
        self._cache: tuple | None = None
        self._scratch: dict[str, np.ndarray] = {}  # the 2 x 2 path's working arrays

    def config(self) -> dict[str, Any]:
        return {"kernel_size": _plain(self.kernel_size), "stride": _plain(self.stride),
                "padding": _plain(self.padding)}

    def _halves(self, shape: tuple[int, ...]) -> bool:
        """2 x 2 windows, stride 2, no padding, float input: the shifted-pair fast path."""
        return (self._nd == 2 and self.kernel_size == (2, 2) and self.stride == (2, 2)
                and not any(self.padding) and len(shape) == 4)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        name = type(self).__name__
        x = np.asarray(x)
        _check_input(x, self._nd + 2, None, name)
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        out = tuple(conv_output_size(n, k, s, p) for n, k, s, p in
                    zip(x.shape[2:], self.kernel_size, self.stride, self.padding))
        if self._halves(x.shape):
            fast = _fast.kernels() if x.dtype in (np.float32, np.float64) else None
            if fast is not None:  # one compiled pass; it reports a NaN instead of routing it
                y, idx = np.empty(x.shape[:2] + out, x.dtype), np.empty(x.shape[:2] + out, np.uint8)
                x = np.ascontiguousarray(x)
                nan = fast.maxpool2x2(x, y, idx, x.shape[2], x.shape[3], x.size >= SPLIT_AT[1])
            else:
                y, idx = _pool2x2(x, out, self._scratch)
                nan = np.isnan(np.sum(y))  # a NaN in a window reaches its maximum
            if not nan:
                self._cache = (idx, x.shape, out)
                return y
        xp = _pad(x, self.padding, -np.inf)
        taps = list(np.ndindex(*self.kernel_size))
        if np.isnan(np.sum(x)):  # a NaN (or an overflowing sum): the reference formulation
            flat = _windows(xp, self.kernel_size, self.stride).reshape(x.shape[:2] + out + (-1,))
            idx = flat.argmax(axis=-1)  # first maximum; a nan wins (as in PyTorch)
            y = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
        else:  # running maximum over one strided view per tap
            y = xp[_offset_slices(taps[0], self.stride, out)].copy()
            idx = np.zeros(y.shape, np.uint8 if len(taps) < 256 else np.intp)
            bigger, tap_at = np.empty(y.shape, bool), np.empty(y.shape, idx.dtype)
            for tap, offset in enumerate(taps[1:], 1):
                v = xp[_offset_slices(offset, self.stride, out)]
                np.greater(v, y, out=bigger)  # strictly: the first maximum keeps its tap
                np.maximum(y, v, out=y)
                # taps increase, so the latest strictly greater tap is the largest index
                np.maximum(idx, np.multiply(bigger, idx.dtype.type(tap), out=tap_at), out=idx)
        self._cache = (idx, x.shape, out)
        return y

    def backward(self, dy: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        if not need_dx:
            return None
        idx, x_shape, out = self._cache
        dy = np.asarray(dy)
        if dy.shape != x_shape[:2] + out:
            raise ValueError(f"{type(self).__name__}.backward: dy has shape {dy.shape}, "
                             f"expected {x_shape[:2] + out}")
        fast = _fast.kernels() if dy.dtype in (np.float32, np.float64) else None
        if self._halves(x_shape) and idx.dtype == np.uint8 and fast is not None:
            dx = np.empty(x_shape, dy.dtype)  # every cell written: dy or +0
            fast.unpool2x2(np.ascontiguousarray(dy), idx, dx, x_shape[2], x_shape[3],
                           dx.size >= SPLIT_AT[1])
            return dx
        if (self._halves(x_shape) and dy.dtype == np.float32 and idx.dtype == np.uint8
                and sys.byteorder == "little" and x_shape[2] % 2 == 0 and x_shape[3] % 2 == 0):
            return _unpool2x2_f32(np.ascontiguousarray(dy), idx, x_shape, out)
        padded = x_shape[:2] + tuple(n + 2 * p for n, p in zip(x_shape[2:], self.padding))
        dxp = np.zeros(padded, dtype=dy.dtype)
        zero = dy.dtype.type(0)
        # every input cell in at most one window, finite dy: dx = dy * [tap holds the max]
        # (a product, which has no data-dependent branch, unlike np.where)
        disjoint = (all(s >= k for s, k in zip(self.stride, self.kernel_size))
                    and np.isfinite(np.sum(dy)))
        hit = np.empty(idx.shape, bool)
        for tap, offset in enumerate(np.ndindex(*self.kernel_size)):
            view = dxp[_offset_slices(offset, self.stride, out)]
            if disjoint:
                np.multiply(dy, np.equal(idx, tap, out=hit), out=view)
            else:
                view += np.where(idx == tap, dy, zero)
        if not any(self.padding):
            return dxp
        crop = (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in
                                                  zip(self.padding, x_shape[2:]))
        return dxp[crop]


def _pool2x2(x: np.ndarray, out: tuple[int, int],
             scratch: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """2 x 2 max pooling, stride 2: ``y`` and the winning tap ``2 u + v`` (uint8) per window.

    Strided views with a step of 2 in the innermost axis run NumPy's slow loops, so the pair
    maxima are taken over the whole flat array shifted by one element (``a[k] = max(x[k],
    x[k+1])``, contiguous) and only the windows' corners are read back: the top row's pair at
    ``(2i, 2j)``, the bottom row's at ``(2i+1, 2j)``. Raster order's first maximum: within a
    row the right cell wins only if strictly greater, and the bottom row only if its maximum is
    strictly greater than the top row's. A NaN makes ``y`` NaN (the caller then falls back).
    ``scratch`` holds the two full-size working arrays between calls."""
    n, c, h, w = x.shape
    oh, ow = out
    flat = np.ascontiguousarray(x).reshape(-1)
    pair, right = scratch.get("pair"), scratch.get("right")
    if pair is None or pair.shape != flat.shape or pair.dtype != x.dtype:
        # kept between calls (stable shapes): fresh pages of this size cost more than the pass
        pair, right = np.empty(flat.size, x.dtype), np.empty(flat.size, bool)
        scratch.update(pair=pair, right=right)
    np.maximum(flat[:-1], flat[1:], out=pair[:-1])
    np.greater(flat[1:], flat[:-1], out=right[:-1])
    corners = (slice(None), slice(0, 2 * oh, 2), slice(0, 2 * ow, 2))
    below = (slice(None), slice(1, 2 * oh, 2), slice(0, 2 * ow, 2))
    pair3, right3 = pair.reshape(n * c, h, w), right.reshape(n * c, h, w)
    top, bottom = pair3[corners].copy(), pair3[below].copy()  # one strided read each
    low = np.greater(bottom, top)  # the bottom row wins
    y = np.maximum(top, bottom, out=top)
    v = np.logical_or(np.logical_and(low, right3[below]),
                      np.logical_and(~low, right3[corners]))
    idx = np.add(low.view(np.uint8), low.view(np.uint8), dtype=np.uint8)
    idx += v.view(np.uint8)
    return y.reshape(n, c, oh, ow), idx.reshape(n, c, oh, ow)


def _unpool2x2_f32(dy: np.ndarray, idx: np.ndarray, x_shape: tuple[int, ...],
                   out: tuple[int, int]) -> np.ndarray:
    """``dx`` of 2 x 2 / stride 2 pooling in float32, by moving bits: each window row's two
    cells are one uint64, ``dy``'s bits shifted into the winning half (``v``) of the winning row
    (``u``), zero elsewhere. Exact for every value (inf and NaN included), no branch, and
    contiguous except for one write per row."""
    n, c = x_shape[:2]
    oh, ow = out
    bits = dy.view(np.uint32).astype(np.uint64)
    v = idx & np.uint8(1)
    np.left_shift(bits, np.multiply(v, np.uint8(32), out=v), out=bits)  # little-endian: the
    bottom = bits * (idx >> np.uint8(1))  # right cell is the high half; 0 or the bits, exactly
    bits -= bottom
    dx = np.empty(x_shape, np.float32)  # every cell is in one window (even sides)
    pairs = dx.reshape(n * c * oh, 2, ow * 2).view(np.uint64)  # (rows, u, j)
    pairs[:, 0] = bits.reshape(-1, ow)
    pairs[:, 1] = bottom.reshape(-1, ow)
    return dx

class MaxPool1d(_MaxPoolNd):
    """Max pooling over ``(N, C, L)``; ``stride`` defaults to ``kernel_size`` (as PyTorch).

    >>> MaxPool1d(2).forward(np.array([[[1.0, 3.0, 2.0, 0.0, 5.0]]]))
    array([[[3., 2.]]])
    """

    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """Max pooling over ``(N, C, H, W)``; ``stride`` defaults to ``kernel_size`` (as PyTorch).

    >>> MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    _nd = 2


# --------------------------------------------------------------------------- reshaping
class Unflatten(Layer):
    """``(batch, prod(shape)) -> (batch, *shape)``: flat features to ``(C, L)`` or ``(C, H, W)``.

    The inverse of ``Flatten``; data sets store flat rows and convolutional models start with it.

    >>> Unflatten((1, 2, 2)).forward(np.arange(8.0).reshape(2, 4)).shape
    (2, 1, 2, 2)
    """

    decay_keys = ()

    def __init__(self, shape) -> None:
        super().__init__()
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if not shape or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1
                            for s in shape):
            raise ValueError(f"Unflatten: shape must be positive ints, got {shape!r}")
        self.shape = tuple(int(s) for s in shape)
        self._in_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        size = math.prod(self.shape)
        if x.ndim < 1 or math.prod(x.shape[1:]) != size:
            raise ValueError(f"{self!r} expects (batch, {size}) input, got shape {x.shape}")
        self._in_shape = x.shape
        return x.reshape((x.shape[0],) + self.shape)

    def backward(self, dy: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        if self._in_shape is None:
            raise RuntimeError("Unflatten.backward called before forward")
        return dy.reshape(self._in_shape) if need_dx else None

    def config(self) -> dict[str, Any]:
        return {"shape": list(self.shape)}
