"""Shared pieces of the convolution and pooling layers: sizes, argument checks, padding, slices."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..activations import _fast
from ..activations._threads import SPLIT_AT


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution or pooling window: ``(size + 2p - k) // s + 1``.

    >>> conv_output_size(40, 5, stride=2, padding=1)
    19
    """
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(
            f"input of size {size} (padding {padding}) is smaller than the kernel ({kernel})"
        )
    return out


def _tuple(value: int | tuple[int, ...] | list[int], n: int, what: str, low: int) -> tuple:
    vals = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             for v in vals):
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < low for v in vals):
        raise ValueError(f"{what} must be >= {low}, got {value!r}")
    return tuple(int(v) for v in vals)


def _plain(t: tuple[int, ...]) -> int | list[int]:
    """JSON form of a size tuple: a bare int when all entries agree."""
    return t[0] if len(set(t)) == 1 else list(t)


def _check_input(x: np.ndarray, ndim: int, channels: int | None, name: str) -> None:
    layout = "(N, C, L)" if ndim == 3 else "(N, C, H, W)"
    if x.ndim != ndim:
        raise ValueError(f"{name} expects input of shape {layout}, got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name} expects {channels} input channels, got shape {x.shape}")


def _pad(x: np.ndarray, padding: tuple[int, ...], value: float = 0.0) -> np.ndarray:
    """``x`` with ``padding`` cells of ``value`` on both sides of every spatial axis."""
    if not any(padding):
        return x
    shape = x.shape[:2] + tuple(n + 2 * p for n, p in zip(x.shape[2:], padding))
    xp = np.full(shape, value, dtype=x.dtype) if value else np.zeros(shape, dtype=x.dtype)
    xp[(slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in
                                          zip(padding, x.shape[2:]))] = x
    return xp


def _windows(xp: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...]) -> np.ndarray:
    """A strided view of every window: ``(N, C, *out, *kernel)`` (no copy)."""
    axes = tuple(range(2, 2 + len(kernel)))
    win = sliding_window_view(xp, kernel, axis=axes)
    return win[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)]


def _offset_slices(offset: tuple[int, ...], stride: tuple[int, ...], out: tuple[int, ...]):
    """The input positions that kernel tap ``offset`` touches, for every output position."""
    return (slice(None), slice(None)) + tuple(
        slice(k, k + s * (o - 1) + 1, s) for k, s, o in zip(offset, stride, out)
    )


#: rows per block of ``_batch_first``'s transposing copy (measured best at 64 for batch 128:
#: a block of the source stays in the first-level cache while its columns are written)
_BLOCK_ROWS = 64


def _batch_first(a: np.ndarray) -> np.ndarray:
    """C-contiguous ``(*rest, N)`` -> C-contiguous ``(N, *rest)``, copied in blocks of rows.

    NumPy's own transposing copy reads the source a whole row apart for every element it
    writes; by blocks of ``_BLOCK_ROWS`` source rows it takes about 0.45x the time (64 x 121 x
    128 float32: 1.03 -> 0.45 ms).

    >>> _batch_first(np.arange(6).reshape(3, 2))
    array([[0, 2, 4],
           [1, 3, 5]])
    """
    n = a.shape[-1]
    src = a.reshape(math.prod(a.shape[:-1]), n)  # not -1: an empty batch has n = 0
    out = np.empty((n, src.shape[0]), dtype=a.dtype)
    if not _compiled_transpose(src, out):
        for i in range(0, src.shape[0], _BLOCK_ROWS):
            out[:, i:i + _BLOCK_ROWS] = src[i:i + _BLOCK_ROWS].T
    return out.reshape((n,) + a.shape[:-1])


def _batch_last(a: np.ndarray) -> np.ndarray:
    """C-contiguous ``(N, *rest)`` -> C-contiguous ``(*rest, N)`` (the inverse of
    :func:`_batch_first`).

    >>> _batch_last(np.arange(6).reshape(2, 3))
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    src = np.ascontiguousarray(a).reshape(a.shape[0], math.prod(a.shape[1:]))
    out = np.empty((src.shape[1], a.shape[0]), dtype=a.dtype)
    if not _compiled_transpose(src, out):
        out[...] = src.T
    return out.reshape(a.shape[1:] + (a.shape[0],))


def _compiled_transpose(src: np.ndarray, out: np.ndarray) -> bool:
    """``out[...] = src.T`` by the extension's tiled transpose (bit for bit, on two threads
    for large arrays: 64 x 121 x 128 float32 0.45 -> 0.12 ms); False where it does not run
    (no extension, other item sizes, an empty array)."""
    fast = _fast.kernels()
    if fast is None or src.dtype.itemsize not in (4, 8) or src.dtype.kind not in "fiu" \
            or src.size == 0:
        return False
    fast.transpose(src, out, src.shape[0], src.shape[1], src.size >= SPLIT_AT[1])
    return True
