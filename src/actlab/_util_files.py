"""Atomic file writes: the one helper every writer of actlab uses.

``atomic_open(path)`` yields a file object on a *uniquely named* temporary file in the target's
folder (``.<name>.<random>.tmp``, from :func:`tempfile.mkstemp`) and, when the block ends
without an exception, flushes it to disk and moves it over ``path`` with :func:`os.replace`.
So a reader sees the old file or the new one, never a half-written one, and two processes that
write the same file at once never share a temporary file (the last ``replace`` wins).

The new file honours the process umask (``mkstemp`` alone would leave it ``0600``). While the
temporary file is being written, its writer holds an exclusive ``flock`` on it; temporary files
left behind by a writer that was killed (SIGKILL, power loss) hold no lock, and the next write
of the same target removes them (:func:`remove_stale`), so repeated kills do not pile up files.

>>> from actlab._util_files import atomic_open
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> with atomic_open(p, "w") as fh:
...     _ = fh.write("hello")
>>> p.read_text()
'hello'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:  # POSIX: a lock tells a live writer's temporary file from a dead one's
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_open", "atomic_write", "remove_stale", "umask"]

_STALE_AGE = 24 * 3600.0  # without flock (Windows): a temporary file this old is stale
_FRESH = 5.0  # seconds between mkstemp and flock a cleaner leaves a new temporary file alone


def umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # pragma: no cover - not Linux
    os.umask(old)
    return old


def _prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale(path: str | os.PathLike[str]) -> int:
    """Delete temporary files of ``path`` left by killed writers; returns how many."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    removed = 0
    try:
        candidates = [p for p in folder.iterdir()
                      if p.name.startswith(_prefix(path)) and p.name.endswith(".tmp")]
    except OSError:
        return 0
    now = time.time()
    for p in candidates:
        try:
            age = now - p.stat().st_mtime
            if fcntl is None:  # pragma: no cover - Windows: only the age tells
                if age >= _STALE_AGE:
                    p.unlink()
                    removed += 1
                continue
            if age < _FRESH:  # its writer may not have taken the lock yet
                continue
            fd = os.open(p, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a writer lives
            except OSError:
                os.close(fd)
                continue
            try:
                p.unlink()
                removed += 1
            finally:
                os.close(fd)
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", *,
                encoding: str | None = None, newline: str | None = None,
                fsync: bool = True) -> Iterator[IO[Any]]:
    """Write ``path`` atomically through a unique temporary file (see the module doc).

    ``mode`` is ``"wb"`` or ``"w"`` (text, ``encoding`` default UTF-8). The folder must exist.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', got {mode!r}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(path), suffix=".tmp", dir=folder)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~umask())
        if mode == "w":
            fh = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline=newline)
        else:
            fh = os.fdopen(fd, "wb")
        with fh:
            yield fh
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
            os.replace(tmp, path)  # still holding the lock: never seen as stale
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *,
                 encoding: str = "utf-8") -> Path:
    """Write ``data`` (bytes, or text in ``encoding``) to ``path`` atomically; returns the path."""
    if isinstance(data, str):
        data = data.encode(encoding)
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)
