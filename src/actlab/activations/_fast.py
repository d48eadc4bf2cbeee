"""Optional compiled kernels (float32 hot paths). Pure NumPy is always the fallback.

``lookup(name, kind, dtype)`` returns a kernel with the same signature as the registry entry's
``f``/``df``/``vjp`` (``kind`` in ``"f"``, ``"df"``, ``"vjp"``), or ``None`` when no compiled
kernel applies; callers then use the NumPy formula. Both paths pass the same exactness tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def lookup(name: str, kind: str, dtype: np.dtype) -> Callable[..., np.ndarray] | None:
    return None
