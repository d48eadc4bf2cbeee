"""JSON conventions shared by every study record.

Non-finite floats are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (the
convention of :meth:`actlab.activations.spec.Info.to_dict`), so a diverged run stays valid JSON.

>>> from actlab._util_codec import encode, float_or_none
>>> encode({"a": float("inf"), "b": (1, 2)})
{'a': 'inf', 'b': [1, 2]}
>>> float_or_none("nan") != float_or_none("nan")
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def encode(value: Any) -> Any:
    """JSON-safe copy of ``value``: non-finite floats become strings, tuples become lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return encode(value.item())
    return value


def float_or_none(value: Any) -> float | None:
    """Inverse of :func:`encode` for one optional float."""
    if value is None:
        return None
    return float(value)  # numbers, and the strings "nan", "inf", "-inf"


def int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
