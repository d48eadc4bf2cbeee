"""Ctrl-C while the ``actlab`` command is still importing: one line, exit 130, no traceback.

``actlab/__init__.py`` calls :func:`install` before its first heavy import. Only when the running
program is the ``actlab`` console script does it replace Python's default SIGINT handler with
one that prints ``actlab: interrupted`` and exits 130 at once; ``actlab.cli.main`` calls
:func:`restore` as soon as the imports are done, so from then on Ctrl-C is an ordinary
``KeyboardInterrupt`` (which ``main`` reports the same way). Importing actlab as a library
changes nothing.
"""

from __future__ import annotations

import _signal  # not `signal`: that imports enum, and every millisecond of import counts here
import os
import sys

__all__ = ["install", "restore"]

MESSAGE = b"actlab: interrupted\n"


def _is_cli() -> bool:
    argv0 = os.path.basename(sys.argv[0]) if getattr(sys, "argv", None) else ""
    return argv0 in ("actlab", "actlab.exe", "actlab-script.py")


def _handler(signum, frame) -> None:  # pragma: no cover - exercised in a subprocess
    try:
        os.write(2, MESSAGE)
    finally:
        os._exit(130)


def install() -> None:
    """Quiet Ctrl-C during the console script's imports (no-op for library use)."""
    if _is_cli() and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        try:
            _signal.signal(_signal.SIGINT, _handler)
        except ValueError:  # pragma: no cover - not the main thread
            pass


def restore() -> None:
    """Back to Python's default handler (a KeyboardInterrupt), if :func:`install` replaced it."""
    if _signal.getsignal(_signal.SIGINT) is _handler:
        try:
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        except ValueError:  # pragma: no cover - not the main thread
            pass
