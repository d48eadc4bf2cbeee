"""Convolution: ``Conv1d``/``Conv2d`` (im2col); pooling and ``Unflatten`` live in ``pool.py``.

Layouts follow PyTorch: ``(N, C, L)`` for 1-d and ``(N, C, H, W)`` for 2-d; weights are
``(out_channels, in_channels, *kernel)``. Like every framework (PyTorch, JAX, Keras), what is
called "convolution" here is **cross-correlation**: the kernel is not flipped,

.. math::

    y[n, o, i] = b[o] + \\sum_{c, k} w[o, c, k]\\, x_p[n, c, s i + k]

where ``x_p`` is the zero-padded input and ``s`` the stride. ``conv1d_naive`` and
``conv2d_naive`` spell that sum out with loops; they are the readable reference the fast layers are
tested against. The layers gather every receptive field into one matrix (*im2col*), so a whole
batch costs one matrix product forward and two backward; ``col2im`` scatters the column gradients
back, summing where windows overlap.

>>> import numpy as np
>>> from actlab.nn.conv import conv2d_naive
>>> x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)          # 1..9
>>> w = np.array([[[[-1.0, 0.0], [0.0, 1.0]]]])
>>> conv2d_naive(x, w)[0, 0]
array([[4., 4.],
       [4., 4.]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from ..activations import _fast
from ..activations._threads import SPLIT_AT
from ._convutil import _batch_first, _batch_last, _check_input, _pad, _plain, _tuple
from ._convutil import conv_output_size
from .base import Layer
from .init import get_initializer, initializer_name
from .pool import MaxPool1d, MaxPool2d, Unflatten  # re-exported: pooling lives in pool.py

__all__ = [
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
    "Unflatten",
    "conv1d_naive",
    "conv2d_naive",
    "conv_output_size",
]


#: convolutions whose output rows are shorter than this keep the batch as the innermost axis
#: of their column matrix (see ``_ConvNd``); longer rows use per-sample columns
_BATCH_INNER_BELOW = 16


# --------------------------------------------------------------------------- naive references
def conv1d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *,
                 stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlation of ``x (N, C, L)`` with ``w (O, C, K)``, written as plain loops.

    .. math::

        y[n, o, i] = b[o] + \\sum_{c=0}^{C-1} \\sum_{k=0}^{K-1} w[o, c, k]\\, x_p[n, c, s i + k]

    >>> conv1d_naive(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, -1.0]]]))
    array([[[-1., -1., -1.]]])
    """
    # the 2-d sum below with a height of one
    y = conv2d_naive(x[:, :, None, :], w[:, :, None, :], b, stride=(1, stride),
                     padding=(0, padding))
    return y[:, :, 0, :]


def conv2d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *,
                 stride: int | tuple[int, int] = 1,
                 padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Cross-correlation of ``x (N, C, H, W)`` with ``w (O, C, KH, KW)``, written as plain loops.

    .. math::

        y[n, o, i, j] = b[o] + \\sum_{c, u, v} w[o, c, u, v]\\, x_p[n, c, s_h i + u, s_w j + v]

    The articles' example (input 1..9, kernel ``[[-1, 0], [0, 1]]``) is in the module docstring.
    """
    sh, sw = _tuple(stride, 2, "stride", 1)
    ph, pw = _tuple(padding, 2, "padding", 0)
    n_batch, n_in, height, width = x.shape
    n_out, _, kh, kw = w.shape
    xp = _pad(x, (ph, pw))
    oh, ow = conv_output_size(height, kh, sh, ph), conv_output_size(width, kw, sw, pw)
    y = np.zeros((n_batch, n_out, oh, ow), dtype=np.result_type(x, w))
    for n in range(n_batch):
        for o in range(n_out):
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(n_in):
                        for u in range(kh):
                            for v in range(kw):
                                total += w[o, c, u, v] * xp[n, c, sh * i + u, sw * j + v]
                    y[n, o, i, j] = total
    return y


# --------------------------------------------------------------------------- convolution
class _ConvNd(Layer):
    """Shared im2col machinery; ``_nd`` is the number of spatial dimensions."""

    _nd = 0

    decay_keys = ("W",)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, *, stride=1,
                 padding=0, bias: bool = True, init: str | float = "auto",
                 bias_init: str | float = "zeros") -> None:
        super().__init__()
        name = type(self).__name__
        for what, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}: {what} must be a positive int, got {v!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _tuple(kernel_size, self._nd, f"{name}: kernel_size", 1)
        self.stride = _tuple(stride, self._nd, f"{name}: stride", 1)
        self.padding = _tuple(padding, self._nd, f"{name}: padding", 0)
        self.bias = bool(bias)
        self.init = init if init == "auto" else initializer_name(init)
        self.bias_init = initializer_name(bias_init)
        if self.init != "auto":
            get_initializer(self.init)  # fail early on a bad name
        get_initializer(self.bias_init)
        self.auto_init = "glorot_uniform"  # Sequential sets it from the next activation
        self._cache: tuple | None = None

    # ------------------------------------------------------------------ parameters
    @property
    def fan_in(self) -> int:
        return self.in_channels * math.prod(self.kernel_size)

    def build(self, rng: np.random.Generator, dtype: np.dtype = np.float32) -> None:
        """Draw ``W`` with fan-in ``C * prod(kernel)`` and fan-out ``O * prod(kernel)``
        (the fans PyTorch and Keras use for convolution kernels)."""
        dtype = np.dtype(dtype)
        name = self.auto_init if self.init == "auto" else self.init
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        init = get_initializer(name, in_axis=1, out_axis=0)
        w = np.ascontiguousarray(init(shape, rng, dtype), dtype=dtype)
        if w.shape != shape:
            raise ValueError(f"{type(self).__name__}: initializer {name!r} returned shape "
                             f"{w.shape}, expected {shape}")
        self.params = {"W": w}
        if self.bias:
            b = get_initializer(self.bias_init)((self.out_channels,), rng, dtype)
            self.params["b"] = np.ascontiguousarray(b, dtype=dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def config(self) -> dict[str, Any]:
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": _plain(self.kernel_size),
            "stride": _plain(self.stride),
            "padding": _plain(self.padding),
            "bias": self.bias,
            "init": self.init,
            "bias_init": self.bias_init,
        }

    # ------------------------------------------------------------------ passes
    # Two internal layouts, picked per shape. NumPy pays a fixed cost per inner run of a copy or
    # an add, so each keeps the runs long:
    #
    # * short output rows (< _BATCH_INNER_BELOW): feature maps held as ``(C, *spatial, N)``
    #   (batch innermost), columns ``(C * prod(k), prod(out) * N)`` gathered one kernel tap at a
    #   time as one strided slice of the padded grid (runs of N); one GEMM ``W2 @ cols`` forward
    #   with the small kernel matrix on the left, two backward (``dy2 @ cols.T``, ``W2.T @
    #   dy2``), none needing a transposed copy; one transposing copy at each boundary (x, y, dy,
    #   dx): the activations' compiled kernels need C-contiguous ``(N, C, *spatial)`` operands.
    # * long output rows: per-sample columns ``(N, C * prod(k), prod(out))`` gathered from the
    #   ``(N, C, *spatial)`` input itself (runs of a row), and batched GEMMs ``W2 @ cols[n]``
    #   whose ``(N, O, prod(out))`` result already is the output's layout: no transposing copy
    #   at any boundary. Backward: ``dW = sum_n dy[n] @ cols[n].T`` and ``W2.T @ dy[n]``
    #   scattered straight into ``dx``.
    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        name = type(self).__name__
        if "W" not in self.params:
            raise RuntimeError(f"{name} is not built: call build(rng, dtype) first")
        w = self.params["W"]
        x = np.asarray(x)
        _check_input(x, self._nd + 2, self.in_channels, name)
        if x.dtype != w.dtype:
            x = x.astype(w.dtype)
        out = tuple(conv_output_size(n, k, s, p) for n, k, s, p in
                    zip(x.shape[2:], self.kernel_size, self.stride, self.padding))
        inner = out[-1] < _BATCH_INNER_BELOW
        cols = self._cols(x, out, inner)
        w2 = self._w_ext()
        if inner:  # (C * prod(k) [+ 1], prod(out) * N) -> (O, prod(out) * N)
            y = _batch_first((w2 @ cols).reshape((self.out_channels,) + out + (x.shape[0],)))
        else:  # (N, C * prod(k) [+ 1], prod(out)) -> (N, O, prod(out)): the output's layout
            y = np.matmul(w2, cols).reshape((x.shape[0], self.out_channels) + out)
        # training keeps the columns for backward; inference keeps only x (cols can be large)
        self._cache = ((cols, None, x.shape, out, inner) if training
                       else (None, x, x.shape, out, inner))
        return y

    def _w_ext(self) -> np.ndarray:
        """``W`` as an ``(O, C * prod(k))`` matrix, with the bias as one more column: the
        columns carry a row of ones, so the GEMMs add the bias forward and sum ``db``
        backward (no pass of their own over the output)."""
        w2 = self.params["W"].reshape(self.out_channels, self.fan_in)
        return np.concatenate((w2, self.params["b"][:, None]), axis=1) if self.bias else w2

    def _taps(self, out: tuple[int, ...], inner: bool):
        """``(offset, index)`` for every kernel tap: ``index`` picks, from the padded internal
        grid (``(C, *spatial, N)`` or ``(N, C, *spatial)``), the input positions that tap
        touches for every output position."""
        full = slice(None)
        for offset in np.ndindex(*self.kernel_size):
            taps = tuple(slice(k, k + s * (o - 1) + 1, s) for k, s, o in
                         zip(offset, self.stride, out))
            yield offset, ((full,) + taps + (full,) if inner else (full, full) + taps)

    def _cols(self, x: np.ndarray, out: tuple[int, ...], inner: bool) -> np.ndarray:
        n_batch, n_in = x.shape[:2]
        rows, cells = self.fan_in + self.bias, math.prod(out)  # a row of ones for the bias
        if not inner:
            xp = _pad(x, self.padding)
            cols = np.empty((n_batch, rows, cells), dtype=x.dtype)
            cv = cols[:, :self.fan_in].reshape((n_batch, n_in) + self.kernel_size + out)
            for offset, index in self._taps(out, inner):
                cv[(slice(None), slice(None)) + offset] = xp[index]
            cols[:, self.fan_in:] = 1
            return cols
        fast = self._compiled(x.dtype) if n_batch else None
        if fast is not None:  # x read once, transposed one channel at a time (see _compiled)
            cols = np.empty((rows, cells * n_batch), dtype=x.dtype)
            fast.im2col(np.ascontiguousarray(x), cols, self._geometry(x.shape, out),
                        cols.size >= SPLIT_AT[1])
            cols[self.fan_in:] = 1
            return cols
        xt = np.moveaxis(x, 0, -1)  # the internal grid, a view
        if any(self.padding):
            padded = tuple(n + 2 * p for n, p in zip(x.shape[2:], self.padding))
            xp = np.zeros((n_in,) + padded + (n_batch,), dtype=x.dtype)
            crop = tuple(slice(p, p + n) for p, n in zip(self.padding, x.shape[2:]))
            xp[(slice(None),) + crop] = xt
        else:
            # one transposing copy first: the taps then read runs of N, not a sample apart
            # (measured 2.4 -> 1.2 ms for 32 channels of 13 x 13 at batch 128)
            xp = np.ascontiguousarray(xt)
        cols = np.empty((rows, cells * n_batch), dtype=x.dtype)
        cv = cols[:self.fan_in].reshape((n_in,) + self.kernel_size + out + (n_batch,))
        for offset, index in self._taps(out, inner):
            cv[(slice(None),) + offset] = xp[index]
        cols[self.fan_in:] = 1
        return cols

    def backward(self, dy: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        """Fill ``grads`` (overwriting them) and return ``dx`` (``None`` if not ``need_dx``)."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        cols, x, x_shape, out, inner = self._cache
        if cols is None:  # after an inference pass: rebuild the columns from x
            cols = self._cols(x, out, inner)
        w = self.params["W"]
        dy = np.asarray(dy, dtype=w.dtype)
        expected = (x_shape[0], self.out_channels) + out
        if dy.shape != expected:
            raise ValueError(f"{type(self).__name__}.backward: dy has shape {dy.shape}, "
                             f"expected {expected}")
        w2 = w.reshape(self.out_channels, self.fan_in)
        if inner:
            dy2 = _batch_last(dy).reshape(self.out_channels, -1)
            # (O, C * prod(k) [+ 1]), the last column db; as (cols @ dy2.T).T since OpenBLAS
            # runs that operand order 0.87x the time of dy2 @ cols.T (64 x 15488 x 289)
            dw = (cols @ dy2.T).T
        else:
            dy2 = dy.reshape(x_shape[0], self.out_channels, math.prod(out))  # (N, O, prod(out))
            dw = np.sum(np.matmul(dy2, cols.transpose(0, 2, 1)), axis=0)
        self.grads["W"].reshape(self.out_channels, self.fan_in)[...] = dw[:, :self.fan_in]
        if self.bias:
            self.grads["b"][...] = dw[:, self.fan_in]
        if not need_dx:
            return None
        dcols = np.matmul(w2.T, dy2)
        fast = self._compiled(dy.dtype) if inner and x_shape[0] else None
        if fast is None:
            return self._col2im(dcols, x_shape, out, inner)
        dx = np.empty(x_shape, dtype=dy.dtype)
        fast.col2im(dcols, dx, self._geometry(x_shape, out), dcols.size >= SPLIT_AT[1])
        return dx

    def _compiled(self, dtype: np.dtype):
        """The extension's batch-inner ``im2col``/``col2im`` (``_kernels_im2col.c``: one
        pass over each array, a channel at a time, on two threads for large inputs; the same
        bits as the NumPy formulation below), or ``None`` where it does not apply."""
        if dtype not in (np.float32, np.float64) or any(
                p > k for p, k in zip(self.padding, self.kernel_size)):
            return None
        return _fast.kernels()

    def _geometry(self, x_shape: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, ...]:
        """``(n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow)``; a 1-D convolution has h = 1."""
        def two_d(sizes, height: int) -> tuple[int, ...]:  # 1-D: a 2-D one of height 1
            return tuple(sizes) if self._nd == 2 else (height,) + tuple(sizes)

        return (*x_shape[:2], *two_d(x_shape[2:], 1), *two_d(self.kernel_size, 1),
                *two_d(self.stride, 1), *two_d(self.padding, 0), *two_d(out, 1))

    def _col2im(self, dcols: np.ndarray, x_shape: tuple[int, ...], out: tuple[int, ...],
                inner: bool) -> np.ndarray:
        """Scatter-add the column gradients (either layout) back onto the (padded) input grid,
        summing where windows overlap: one strided slice-add per kernel tap."""
        n_batch, n_in = x_shape[:2]
        padded = tuple(n + 2 * p for n, p in zip(x_shape[2:], self.padding))
        crop = tuple(slice(p, p + n) for p, n in zip(self.padding, x_shape[2:]))
        if inner:
            dxp = np.zeros((n_in,) + padded + (n_batch,), dtype=dcols.dtype)
            dcv = dcols.reshape((n_in,) + self.kernel_size + out + (n_batch,))
            lead = (slice(None),)
        else:
            dxp = np.zeros((n_batch, n_in) + padded, dtype=dcols.dtype)
            dcv = dcols.reshape((n_batch, n_in) + self.kernel_size + out)
            lead = (slice(None), slice(None))
        for offset, index in self._taps(out, inner):
            dxp[index] += dcv[lead + offset]
        if not any(self.padding):
            return _batch_first(dxp) if inner else dxp
        return np.ascontiguousarray(np.moveaxis(dxp[lead + crop], -1, 0) if inner
                                    else dxp[lead + crop])


class Conv1d(_ConvNd):
    """1-d convolution (cross-correlation) over ``(N, C, L)`` input, like ``torch.nn.Conv1d``.

    Parameters ``W (out_channels, in_channels, kernel_size)`` and ``b (out_channels,)``;
    ``init`` names an initializer of :mod:`actlab.nn.init` (fan-in ``in_channels * kernel_size``,
    fan-out ``out_channels * kernel_size``); ``"auto"`` (the default) takes the recommendation of
    the activation that follows in a ``Sequential``, as :class:`~actlab.nn.layers.Dense` does.
    ``bias_init`` defaults to zeros.

    >>> layer = Conv1d(1, 2, 3, padding=1)
    >>> layer.build(np.random.default_rng(0), np.float64)
    >>> layer.forward(np.zeros((4, 1, 10))).shape
    (4, 2, 10)
    """

    _nd = 1


class Conv2d(_ConvNd):
    """2-d convolution (cross-correlation) over ``(N, C, H, W)`` input, like ``torch.nn.Conv2d``.

    Parameters ``W (out_channels, in_channels, kh, kw)`` and ``b (out_channels,)``; see
    :class:`Conv1d` for ``init``. ``kernel_size``, ``stride`` and ``padding`` take an int or a pair.

    >>> layer = Conv2d(1, 1, 2, bias=False)
    >>> layer.build(np.random.default_rng(0), np.float64)
    >>> layer.params["W"][...] = [[-1.0, 0.0], [0.0, 1.0]]
    >>> layer.forward(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))[0, 0]
    array([[4., 4.],
           [4., 4.]])
    """

    _nd = 2
