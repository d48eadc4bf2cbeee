"""Shape bookkeeping shared by the exporters."""

from __future__ import annotations

import math
from typing import Any

from ..conv import Conv1d, Conv2d, MaxPool1d, MaxPool2d, Unflatten
from ..layers import Dense, Flatten


def rank_after(layer: Any, rank: int | None) -> int | None:
    """Rank (batch axis included) of the output of ``layer`` given its input rank, when known.

    Per-channel parameters (PReLU, BatchNorm) broadcast over axis 1 and need it.
    """
    if isinstance(layer, (Dense, Flatten)):
        return 2
    if isinstance(layer, (Conv1d, MaxPool1d)):
        return 3
    if isinstance(layer, (Conv2d, MaxPool2d)):
        return 4
    if isinstance(layer, Unflatten):
        return 1 + len(layer.shape)
    return rank


def input_shape(model: Any) -> list[Any]:
    """The input shape the first layer implies: ``["N", features]`` or ``["N", C, "d0", ...]``
    (strings are symbolic axes)."""
    first = model.layers[0] if model.layers else None
    if isinstance(first, Dense):
        return ["N", first.in_features]
    if isinstance(first, Unflatten):
        return ["N", math.prod(first.shape)]
    if isinstance(first, (Conv1d, Conv2d)):
        return ["N", first.in_channels] + [f"d{i}" for i in range(len(first.kernel_size))]
    return ["N", "features"]
