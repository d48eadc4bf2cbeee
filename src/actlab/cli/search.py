"""``actlab search``: discover activations by searching a space of formulas, honestly.

Thin wrapper over :func:`actlab.studies.search.search`; every run is kept in
``OUT/results.sqlite``, so a killed search resumes where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .backend import add_backend_options
from .study import _jobs

DEFAULT_OUT = "actlab-search"

#: sub-command -> one-line help (``actlab --help`` lists these without registering the
#: sub-commands, whose options may need heavier imports)
COMMANDS = {
    "search": "search a space of formulas for activations that beat tuned ReLU",
}


def register(subparsers: Any) -> None:
    from actlab.studies.search import BUDGETS, SPACES, SearchSpec

    d = SearchSpec()
    p = subparsers.add_parser(
        "search", help=COMMANDS["search"],
        description="Screen a space of activation formulas (duplicates by value and unusable "
                    "ones removed before training), train the survivors by successive halving "
                    "(validation only), re-run the finalists and the baselines relu, silu, "
                    "gelu, tanh with tuned learning rates and fresh seeds, and report paired, "
                    "Holm-corrected intervals against ReLU and a transfer check. Writes "
                    "OUT/search.json, OUT/candidates.csv, OUT/candidates.sqlite and "
                    "OUT/index.html; reruns reuse finished runs.")
    p.add_argument("--dataset", default=d.dataset, metavar="D",
                   help=f"data set searched on (default {d.dataset})")
    p.add_argument("--space", default=d.space, metavar="S",
                   help=f"{', '.join(SPACES)} or a .json file (default {d.space})")
    p.add_argument("--budget", default="standard", choices=tuple(BUDGETS),
                   help="quick (a few minutes) or standard (default)")
    p.add_argument("--transfer", default=d.transfer, metavar="D",
                   help=f"data set of the transfer check, 'none' to skip (default {d.transfer})")
    p.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                   help="parallel processes; 0 = one per core (default)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seed of the search's random choices and runs (default 0)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_search)
    add_backend_options(p)  # --backend loky|dask|ray, --scheduler


def run_search(args: argparse.Namespace) -> int:
    from actlab.report.search import write_search_report
    from actlab.studies.search import SearchSpec, planned_runs, search

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a folder")
    transfer = "" if args.transfer in ("", "none") else args.transfer
    spec = SearchSpec(dataset=args.dataset, space=args.space, budget=args.budget,
                      transfer=transfer, seed=args.seed).validate()
    print(f"search: at most {planned_runs(spec)} runs planned (finished runs in "
          "OUT/results.sqlite are reused)")
    try:
        data = search(spec, out, jobs=args.jobs, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished runs are safe in {out / 'results.sqlite'}; rerun the "
              "same command to resume.", file=sys.stderr)
        return 130
    page = write_search_report(out)
    print()
    print("ANSWER: " + data["verdict"])
    print()
    for f in data["finalists"]:
        t, dl = f["test_accuracy"], f["delta_vs_relu"]
        print(f"  {f['name']}  {f['expression']}\n      test {t['mean']:.2f} %, vs relu "
              f"{dl['mean']:+.2f} [{dl['low']:+.2f}, {dl['high']:+.2f}] points, lr "
              f"{f['lr']:.3g}")
    print(f"\nreport: {page}  (search.json, candidates.csv, candidates.sqlite) "
          f"[{data['seconds']:.1f} s, {data['runs']['trained']} runs trained, "
          f"{data['runs']['reused']} reused]")
    print("use a finalist: actlab.studies.search.load_search(OUT), then actlab.get(NAME); "
          "or --activation 'expr:FORMULA'")
    return 0
