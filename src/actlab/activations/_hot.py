"""The records of the public call's C-level fast path (``_kernels_call.c``).

``Activation.__call__``, ``.grad`` and ``.backward`` (``registry.py``) hand plain float32 arrays
to the extension's ``call(h, x, out)`` / ``call_vjp(h, g, x, y, out)`` with a record ``h`` made
here once per activation: the kernel's address, its parameters, which split size applies, and
(row entries) the axis. The C side checks the arrays, allocates ``out``, runs the kernel on one
thread or two, and returns ``None`` for anything that is not a plain call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._fast import _LIB, _MOD, _SPLIT_AT, _address, elementwise_target


def records(name: str, params: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The C-level records of the public call's fast path for ``(name, params)``: ``(f, vjp,
    df)``, for ``call(h, x, out)`` (f, df) and ``call_vjp(h, g, x, y, out)`` (``_kernels_call.c``),
    each ``None`` where no compiled kernel applies. The C calls take plain float32 arrays only and
    return ``None`` for anything else: the caller's general path then decides (and checks) the
    call. Independent of :func:`._fast.set_enabled`: the caller checks ``_ENABLED`` on each call."""
    if _LIB is None:
        return None, None, None
    common = (_SPLIT_AT, np.ndarray, np.empty_like)  # the list itself: C reads it per call
    if name in ("softmax", "log_softmax"):
        axis = params.get("axis", -1)
        if (set(params) - {"axis"} or isinstance(axis, bool)
                or not isinstance(axis, (int, np.integer)) or axis < -1):
            return None, None, None
        f, vjp = (_MOD.hot(_address(f"{name}_rows_{kind}"), code, 0.0, 0.0, 0, 1, int(axis),
                           *common) for kind, code in (("f", 2), ("vjp", 3)))
        return f, vjp, None
    targets = [elementwise_target(name, kind, params) for kind in ("f", "vjp", "df")]
    if targets[0] is None:
        return None, None, None
    return tuple(_MOD.hot(address, code, a, b, cheap, int(y_ok and code == 1), -1, *common)
                 for (address, a, b, cheap, y_ok), code in zip(targets, (0, 1, 0)))
