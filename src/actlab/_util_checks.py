"""Argument checks shared by every layer: NumPy scalars count as the Python numbers they hold.

``real`` and ``integer`` return the plain Python value or raise ``ValueError`` naming the
argument, what it must be and what it got (``np.float32(1)`` is a number, ``True``, ``"1"``
and ``2.5`` for an integer are not).

>>> import numpy as np
>>> from actlab._util_checks import integer, real
>>> real(np.float32(0.5), "lr", positive=True)
0.5
>>> integer(np.int64(3), "batch_size", minimum=1)
3
>>> integer(2.5, "batch_size", minimum=1)
Traceback (most recent call last):
ValueError: batch_size must be an integer >= 1, got 2.5
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["integer", "is_integer", "is_real", "real"]


def is_real(value: Any) -> bool:
    """A real number (Python or NumPy), not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def real(value: Any, name: str, *, positive: bool = False, nonnegative: bool = False,
         finite: bool = True, lower: float | None = None, upper: float | None = None) -> float:
    """``float(value)`` after checking it is a real number in the stated range."""
    want = ("a positive" if positive else "a non-negative" if nonnegative else "a") + (
        " finite" if finite else "") + " number"
    if lower is not None or upper is not None:
        want += f" in [{lower if lower is not None else '-inf'}, " \
                f"{upper if upper is not None else 'inf'}]"
    if not is_real(value):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    v = float(value)
    bad = (math.isnan(v) or (finite and math.isinf(v)) or (positive and not v > 0)
           or (nonnegative and not v >= 0) or (lower is not None and v < lower)
           or (upper is not None and v > upper))
    if bad:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return v


def integer(value: Any, name: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """``int(value)`` after checking it is an integer (Python or NumPy) in the stated range."""
    want = "an integer" + (f" >= {minimum}" if minimum is not None else "") + (
        f" <= {maximum}" if maximum is not None else "")
    if not is_integer(value):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    v = int(value)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return v


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), else ``None``."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(nbytes: int, what: str) -> None:
    """Raise ``MemoryError`` naming ``what`` if ``nbytes`` exceed the memory available now.

    Asking first matters: on Linux an oversized allocation often *succeeds* (overcommit) and
    the process, or a neighbour, is killed later by the OOM killer instead of getting an error.
    """
    avail = available_memory()
    if avail is not None and nbytes > avail:
        raise MemoryError(f"{what} needs {nbytes / 2**30:.1f} GiB, more than the "
                          f"{avail / 2**30:.1f} GiB of memory available")
