"""``actlab compare`` and ``actlab claims``: thin wrappers over :mod:`actlab.studies`.

Both keep every finished run in ``OUT/results.sqlite`` (keyed by the hash of its full
configuration): a rerun reuses finished runs and says how many, a killed study resumes, and
Ctrl-C stops cleanly (exit status 130) without losing a finished run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_OUT = "actlab-report"


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _jobs(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    return v


def register(subparsers: Any) -> None:
    """Add ``compare`` and ``claims`` to ``subparsers``."""
    from actlab.studies.compare import CompareSpec

    d = CompareSpec()
    p = subparsers.add_parser(
        "compare", help="compare activations over seeds and write an HTML report",
        description="Train the same MLP with each activation over several seeds, store every "
                    "run in OUT/results.sqlite and write OUT/index.html (self-contained), "
                    "OUT/results.csv and figures. Reruns reuse finished runs.")
    p.add_argument("--dataset", default=d.dataset, metavar="D",
                   help=f"built-in data set (default {d.dataset})")
    p.add_argument("--activations", default=",".join(d.activations), metavar="A,B,...",
                   help="comma-separated catalogue names, NAME:k=v for parameters, "
                        "expr:FORMULA for a formula "
                        f"(default {','.join(d.activations)})")
    p.add_argument("--depth", type=_positive_int, default=d.depth, metavar="N",
                   help=f"hidden layers (default {d.depth})")
    p.add_argument("--width", type=_positive_int, default=d.width, metavar="N",
                   help=f"units per hidden layer (default {d.width})")
    p.add_argument("--init", default=d.init, metavar="I",
                   help="weight initializer (default auto: the activation's recommendation)")
    p.add_argument("--optimizer", default=d.optimizer, choices=("sgd", "adam"),
                   help=f"optimizer (default {d.optimizer})")
    p.add_argument("--lr", type=float, default=d.lr, metavar="R",
                   help=f"learning rate (default {d.lr:g})")
    p.add_argument("--epochs", type=_positive_int, default=d.epochs, metavar="N",
                   help=f"epochs per run (default {d.epochs})")
    p.add_argument("--seeds", type=_positive_int, default=d.seeds, metavar="N",
                   help=f"seeds per activation, 0..N-1 (default {d.seeds})")
    p.add_argument("--batch-size", type=_positive_int, default=d.batch_size, metavar="B",
                   help=f"mini-batch size (default {d.batch_size})")
    p.add_argument("--target-error", type=float, default=d.target_error, metavar="E",
                   help=f"training error for 'epochs to target' (default {d.target_error:g})")
    p.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                   help="parallel processes (joblib); 0 = one per core (default)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="folder of the MNIST IDX files (--dataset mnist only)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run_compare)

    c = subparsers.add_parser(
        "claims", help="test the articles' claims as experiments and print verdicts",
        description="Run each claim of the articles as a small experiment over several seeds "
                    "and print a verdict computed from the data (supported / not supported / "
                    "inconclusive) with its effect size and confidence interval.")
    c.add_argument("names", nargs="*", metavar="NAME",
                   help="claims to run, by name or number (default: all); see --list")
    c.add_argument("--list", action="store_true", help="list the claims and exit")
    c.add_argument("--seeds", type=_positive_int, default=5, metavar="N",
                   help="seeds per condition (default 5; at least 2 for an interval)")
    c.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                   help="parallel processes (joblib); 0 = one per core (default)")
    c.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder of results.sqlite and the report (default {DEFAULT_OUT})")
    c.add_argument("--report", action="store_true",
                   help="also write the claims section into OUT/index.html")
    c.add_argument("--no-progress", action="store_true", help="no progress bars")
    c.set_defaults(func=run_claims)


def _interrupted(out: Path) -> int:
    from actlab.studies.store import Store

    db = out / "results.sqlite"
    n = 0
    if db.exists():
        with Store(db) as store:
            n = len(store)
    print(f"\ninterrupted: {n} finished runs are safe in {db}; rerun the same command to "
          "resume.", file=sys.stderr)
    return 130


def run_compare(args: argparse.Namespace) -> int:
    from actlab.studies import compare

    from ..activations.expr import split_list

    acts = tuple(split_list(args.activations))  # commas inside a formula's parentheses stay
    if args.data_dir is not None:
        os.environ["ACTLAB_DATA_DIR"] = str(args.data_dir)  # read by the loader, in workers too
    spec = compare.CompareSpec(
        dataset=args.dataset, activations=acts, depth=args.depth, width=args.width,
        init=args.init, optimizer=args.optimizer, lr=args.lr, epochs=args.epochs,
        seeds=args.seeds, batch_size=args.batch_size, target_error=args.target_error,
    ).validate()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a folder")
    print(f"compare: {spec.describe()}")
    t0 = time.perf_counter()
    try:
        res = compare.run_compare(spec, out, jobs=args.jobs, progress=not args.no_progress)
    except KeyboardInterrupt:
        return _interrupted(out)
    print()
    print(compare.format_table(res.rows, spec.target_error))
    print()
    for metric in (compare.primary_metric(res.results), "epochs_to_target"):
        for line in compare.statements(res.results, metric):
            print(line)
    print("(orderings: Welch intervals, Bonferroni-simultaneous over all pairs, must exclude 0)")
    print(f"\nreport: {out / 'index.html'}  (results.csv, results.sqlite, figures/)  "
          f"[{time.perf_counter() - t0:.1f} s; {res.reused} runs reused]")
    return 0


def run_claims(args: argparse.Namespace) -> int:
    from actlab.studies import claims

    if args.list:
        for cl in claims.CLAIMS.values():
            print(f"{cl.number:2d}  {cl.name:26s} {cl.title}")
        return 0
    selected = claims.select(args.names)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a folder")
    if args.seeds < 2:
        print("warning: one seed gives no confidence interval; every verdict will be "
              "inconclusive", file=sys.stderr)
    counts: dict[str, int] = {}
    try:
        for result in claims.run_claims(selected, out, seeds=args.seeds, jobs=args.jobs,
                                        progress=not args.no_progress):
            print(claims.format_result(result))
            counts[result.verdict] = counts.get(result.verdict, 0) + 1
    except KeyboardInterrupt:
        return _interrupted(out)
    print("\n" + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())))
    if args.report:
        from actlab.report import write_report

        path = write_report(out)
        claims.write_csv(out / "claims.csv", claims.stored_results(out))
        print(f"report: {path}  (claims.csv, results.sqlite)")
    return 0
