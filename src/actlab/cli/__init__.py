"""``actlab`` command line: thin argument parsing over the library.

Each sub-command lives in its own module with ``register(subparsers)``. Every failure prints one
line on stderr naming the problem (and what to do) and exits 2, never a traceback: bad input,
argparse errors, missing or unreadable files, a full or read-only disk, a corrupt results
database, compressed data that does not inflate, a model too large for memory, input nested too
deeply. Ctrl-C at any moment (even while the command is still importing) prints
``actlab: interrupted`` and exits 130. ``ACTLAB_DEBUG=1`` re-raises unexpected errors with
their traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence

from .. import __version__, _util_sigint
from . import catalogue, lab, reproduce, search, study, train

_MODULES = (catalogue, train, study, reproduce, lab, search)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (``--help`` still shows the usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``actlab`` parser with every sub-command; with ``command`` (a sub-command's name)
    only that one is registered in full and the others by name and help alone, so that
    ``actlab --help`` and each command start without importing what other commands need."""
    parser = _Parser(
        prog="actlab",
        description="A laboratory for neural-network activation functions.",
    )
    parser.add_argument("--version", action="version", version=f"actlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _MODULES:
        if command is None or command in module.COMMANDS:
            module.register(sub)
        else:
            for name, text in module.COMMANDS.items():
                sub.add_parser(name, help=text)
    return parser


def _command_word(argv: Sequence[str] | None) -> str:
    """The sub-command ``argv`` names ("" when none does: ``actlab --help``, a typo)."""
    words = sys.argv[1:] if argv is None else argv
    first = next((w for w in words if not w.startswith("-")), "")
    return first if any(first in m.COMMANDS for m in _MODULES) else ""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _os_message(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    hint = {
        errno.ENOSPC: "; free some disk space or choose another --out",
        errno.EDQUOT: "; free some disk space or choose another --out",
        errno.EROFS: "; choose a writable --out or --save location",
        errno.EACCES: "; check the permissions or choose another location",
        errno.EPERM: "; check the permissions or choose another location",
    }.get(exc.errno or 0, "")
    if isinstance(exc, FileNotFoundError) and not exc.strerror:
        return str(exc)
    return f"{exc.strerror or exc}{where}{hint}"


def _message(exc: BaseException) -> str:
    """What to say about ``exc`` in one line."""
    import sqlite3
    import zlib

    if isinstance(exc, sqlite3.Error):
        return (f"results database error: {exc}; if results.sqlite is corrupt, move it away "
                "(the runs are then trained again) or choose another --out")
    if isinstance(exc, zlib.error):
        return f"corrupt compressed data ({exc})"
    if isinstance(exc, MemoryError):
        return ("out of memory" + (f" ({exc})" if str(exc) else "")
                + "; choose a smaller model, dataset or batch size")
    if isinstance(exc, RecursionError):
        return "input nested too deeply (recursion limit reached)"
    if isinstance(exc, OverflowError):
        return f"number out of range ({exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return _os_message(exc)
    return str(exc) or type(exc).__name__


def _quiet_stdout() -> None:
    """`actlab list | head`: the reader left; silence the final flush."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actlab`` console script; returns the exit status."""
    command = "actlab"
    try:
        _util_sigint.restore()  # imports are done: Ctrl-C is a KeyboardInterrupt again
        parser = build_parser(_command_word(argv))
        args = parser.parse_args(argv)
        command = f"actlab {args.command}"
        return int(args.func(args) or 0)
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except KeyboardInterrupt:
        print("actlab: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: one line, no traceback
        known = (ValueError, TypeError, OSError, OverflowError, MemoryError, RecursionError,
                 LookupError)
        if not isinstance(exc, known) and not _is_data_error(exc):
            if os.environ.get("ACTLAB_DEBUG"):
                raise
            print(f"{command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
                  "(rerun with ACTLAB_DEBUG=1 for the traceback and please report it)",
                  file=sys.stderr)
            return 2
        print(f"{command}: error: {_one_line(_message(exc))}", file=sys.stderr)
        return 2


def _is_data_error(exc: BaseException) -> bool:
    import sqlite3
    import zlib

    return isinstance(exc, (sqlite3.Error, zlib.error))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
