"""Shape bookkeeping shared by the exporters."""

from __future__ import annotations

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
