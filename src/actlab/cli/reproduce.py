"""``actlab reproduce mnist1d``: the MNIST-1D paper's table beside ours (see
:mod:`actlab.studies.reproduce`)."""

from __future__ import annotations

import argparse
from typing import Any


#: sub-command -> one-line help (``actlab --help`` lists these without registering the
#: sub-commands, whose options may need heavier imports)
COMMANDS = {
    "reproduce": "rerun a paper's table over seeds (mnist1d)",
}


def register(subparsers: Any) -> None:
    from actlab.studies.compare import DEFAULT_ACTIVATIONS
    from actlab.studies.reproduce import STEPS

    p = subparsers.add_parser(
        "reproduce", help=COMMANDS["reproduce"],
        description="Run the MNIST-1D paper's settings (Adam lr 1e-2, batch 100, 6000 steps; "
                    "logistic regression, MLP 40-100-100-10, CNN of three Conv1d) over several "
                    "seeds and print the paper's accuracies beside ours with 95 %% intervals, "
                    "then the MLP and CNN with each activation. Takes several minutes.")
    p.add_argument("paper", choices=("mnist1d",), help="the paper to reproduce")
    p.add_argument("--seeds", type=int, default=5, metavar="N", help="seeds (default 5)")
    p.add_argument("--steps", type=int, default=STEPS, metavar="N",
                   help=f"Adam steps (default {STEPS}, the paper's)")
    p.add_argument("--activations", default=",".join(DEFAULT_ACTIVATIONS), metavar="A,B,...",
                   help="activations of the extension table ('' for none; default "
                        f"{','.join(DEFAULT_ACTIVATIONS)})")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="parallel processes; 0 = one per core (default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_reproduce)
    from .backend import add_backend_options

    add_backend_options(p)


def run_reproduce(args: argparse.Namespace) -> int:
    from actlab.studies.reproduce import format_table, reproduce
    from actlab.studies.runner import default_jobs

    acts = tuple(a.strip() for a in args.activations.split(",") if a.strip())
    jobs = default_jobs() if args.jobs <= 0 else args.jobs
    r = reproduce(seeds=args.seeds, steps=args.steps, activations=acts, jobs=jobs,
                  progress=not args.no_progress)
    print(format_table(r))
    return 0
