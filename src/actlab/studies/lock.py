"""One process at a time per results database: an exclusive ``flock`` on ``<database>.lock``.

Two ``actlab compare`` processes on one folder would otherwise both see the same runs missing and
train each of them twice. :class:`Store` takes this lock when it opens and releases it when it
closes; the second process waits (saying so once on stderr), then finds the first one's runs
finished and reuses them. The lock is re-entrant within a process (a report opening the store
that a study holds does not deadlock) and dies with its process, so a killed study never leaves
a stale lock. Where ``fcntl`` is missing (Windows) the lock is a no-op.

>>> from actlab.studies.lock import hold
>>> import tempfile, os
>>> db = os.path.join(tempfile.mkdtemp(), "r.sqlite")
>>> with hold(db):
...     with hold(db):  # re-entrant
...         pass
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["acquire", "hold", "release"]

_HELD: dict[str, list[int]] = {}  # lock path -> [fd, depth]
_MUTEX = threading.Lock()


def _lock_path(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path)) + ".lock"


def acquire(path: str | os.PathLike[str]) -> None:
    """Take the lock of the database at ``path`` (blocking; re-entrant in this process)."""
    if fcntl is None:  # pragma: no cover
        return
    key = _lock_path(path)
    with _MUTEX:
        if key in _HELD:
            _HELD[key][1] += 1
            return
        Path(key).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"actlab: waiting for another actlab process using {os.fspath(path)}",
                      file=sys.stderr, flush=True)
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        _HELD[key] = [fd, 1]


def release(path: str | os.PathLike[str]) -> None:
    """Undo one :func:`acquire`; the last one releases the lock."""
    if fcntl is None:  # pragma: no cover
        return
    key = _lock_path(path)
    with _MUTEX:
        entry = _HELD.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _HELD[key]
            os.close(entry[0])  # closing the descriptor releases the flock


@contextlib.contextmanager
def hold(path: str | os.PathLike[str]) -> Iterator[None]:
    """``with hold(db):`` the lock for the block."""
    acquire(path)
    try:
        yield
    finally:
        release(path)
