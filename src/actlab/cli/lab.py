"""``actlab lab``: write the interactive page (function explorer + training playground).

One self-contained offline HTML file; ``--open`` opens it in the default browser.
"""

from __future__ import annotations

import argparse
from typing import Any


#: sub-command -> one-line help (``actlab --help`` lists these without registering the
#: sub-commands, whose options may need heavier imports)
COMMANDS = {
    "lab": "write the interactive lab page (explorer and playground)",
}


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``lab`` sub-command to ``subparsers``."""
    p = subparsers.add_parser(
        "lab",
        help=COMMANDS["lab"],
        description="Write one self-contained, offline HTML page: every catalogue activation "
                    "with its parameters and property sheet, and a network that trains in the "
                    "browser with actlab.nn's float64 arithmetic.",
    )
    p.add_argument("-o", "--output", default="lab.html", metavar="PATH",
                   help="file to write (default lab.html)")
    p.add_argument("--explorer-only", action="store_true",
                   help="write the function explorer alone (no playground)")
    p.add_argument("--define", action="append", default=[], metavar="NAME=EXPR[:k=v,...]",
                   help="add a custom activation (repeatable), e.g. "
                        "'myswish=x*sigmoid(beta*x):beta=1.5': in the explorer with sliders for "
                        "its parameters and in the playground's layer menus")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from actlab.lab.page import open_in_browser, write

    mode = "explorer" if args.explorer_only else "full"
    path = write(args.output, mode=mode, custom=args.define)
    size = path.stat().st_size
    print(f"wrote {path} ({size / 1024:.0f} KB); open it in a browser (works offline)")
    if args.open and not open_in_browser(path):
        print("actlab lab: no browser available; open the file yourself")
    return 0
