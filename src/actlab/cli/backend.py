"""``--backend`` and ``--scheduler``: where a study's runs execute (shared by every study command).

:func:`add_backend_options` adds both options to a sub-command and wraps its ``func`` so that it
runs inside :func:`actlab.studies.parallel.configured`.
"""

from __future__ import annotations

import argparse
import functools
from typing import Any


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--backend loky|dask|ray`` and ``--scheduler ADDRESS`` to ``parser`` (call it after
    ``parser.set_defaults(func=...)``)."""
    from actlab.studies.parallel import BACKENDS

    parser.add_argument("--backend", choices=BACKENDS, default="loky",
                        help="where runs execute: loky processes here (default), a Dask cluster "
                             "or Ray (needs the dask / ray extra)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="address of a running Dask scheduler (tcp://host:8786) or Ray "
                             "cluster; without it --backend dask starts a local cluster of "
                             "--jobs workers")
    func = parser.get_default("func")
    if func is None:
        raise ValueError("add_backend_options: set the parser's func first")
    parser.set_defaults(func=functools.partial(_with_backend, func))


def _with_backend(func: Any, args: argparse.Namespace) -> int:
    import importlib.util

    from actlab.studies.parallel import configured

    needs = {"dask": ("distributed", "dask"), "ray": ("ray", "ray")}.get(args.backend)
    if needs is not None and importlib.util.find_spec(needs[0]) is None:
        raise ValueError(f"--backend {args.backend} needs {needs[0]}: "
                         f"pip install 'actlab[{needs[1]}]'")
    with configured(args.backend, args.scheduler):  # a bad combination: ValueError, exit 2
        return func(args)
