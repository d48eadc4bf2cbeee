"""How many threads a large compiled call uses: the caller alone, or the caller and the one
native helper thread of ``_kernels_pool.c`` (see :mod:`._fast`).

Read at import from ``ACTLAB_NUM_THREADS`` (a positive integer; 1 keeps every call on the calling
thread, more than 2 is read as 2); :func:`set_num_threads` and :func:`limit_threads` change it at
run time. Study workers run with 1, as they run BLAS with 1.

>>> from actlab.activations import get_num_threads, limit_threads
>>> with limit_threads(1):
...     get_num_threads()
1
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

#: arrays with at least this many elements are split across two threads (measured with the
#: native helper thread, 2 cores: 0.7-0.9x one thread's time at 1e4 elements, 0.53x from 5e4)
SPLIT_MIN = 1 << 13
#: the same for the piecewise-linear entries (a few instructions per element, memory-bound:
#: 0.74x one thread's time at 1e5 elements, 0.8x at 1e6)
SPLIT_MIN_CHEAP = 1 << 16
_NEVER = 1 << 62


def _threads_from_env() -> int:
    raw = os.environ.get("ACTLAB_NUM_THREADS", "").strip()
    try:
        n = int(raw) if raw else 2
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"ACTLAB_NUM_THREADS must be a positive integer, got {raw!r}")
    return min(n, 2)


#: the split sizes in use, [smooth entries and rows, piecewise-linear]; never on one thread
SPLIT_AT = [SPLIT_MIN, SPLIT_MIN_CHEAP] if _threads_from_env() > 1 else [_NEVER, _NEVER]


def get_num_threads() -> int:
    """Threads a large compiled call may use: 2 (the caller and the helper) or 1."""
    return 1 if SPLIT_AT[0] == _NEVER else 2


def set_num_threads(n: int) -> None:
    """Let large compiled calls use ``n`` threads: 1 (the caller only) or 2 (more is read as 2)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of threads must be a positive integer, got {n!r}")
    SPLIT_AT[:] = [SPLIT_MIN, SPLIT_MIN_CHEAP] if n > 1 else [_NEVER, _NEVER]


@contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """``set_num_threads(n)`` for a block, then the previous setting."""
    before = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(before)
