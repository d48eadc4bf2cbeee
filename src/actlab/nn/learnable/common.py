"""Helpers shared by the learnable layers: argument checks and per-channel coefficients."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_count(owner: str, what: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{owner}: {what} must be a positive integer, got {n!r}")
    return int(n)


def channel_view(arr: np.ndarray, x: np.ndarray, owner: Any) -> np.ndarray:
    """Coefficients ``(channels, k)`` as ``(k, 1, channels, 1, ...)`` broadcasting against ``x``
    (channel axis 1, like PyTorch), or ``(k,)`` scalars when shared (``channels == 1``)."""
    c, k = arr.shape
    if c == 1:
        return arr[0]
    if x.ndim < 2 or x.shape[1] != c:
        raise ValueError(f"{owner!r} expects input of shape (batch, {c}, ...), got {x.shape}")
    return arr.T.reshape((k, 1, c) + (1,) * (x.ndim - 2))


def channel_sum(g: np.ndarray, x: np.ndarray, channels: int) -> np.ndarray:
    """Sum a per-element gradient over everything but the channel axis (all of it if shared)."""
    g = np.broadcast_to(g, x.shape)
    if channels == 1:
        return np.sum(g, keepdims=False).reshape(1)
    return np.sum(g, axis=(0,) + tuple(range(2, x.ndim)))
