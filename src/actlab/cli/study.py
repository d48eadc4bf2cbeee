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


#: sub-command -> one-line help (``actlab --help`` lists these without registering the
#: sub-commands, whose options may need heavier imports)
COMMANDS = {
    "compare": "compare activations over seeds and write an HTML report",
    "claims": "test the articles' claims as experiments and print verdicts",
}


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
    from actlab.studies.compare import BUDGETS, CompareSpec

    from .backend import add_backend_options

    d = CompareSpec()
    p = subparsers.add_parser(
        "compare", help=COMMANDS["compare"],
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
    p.add_argument("--lr", type=float, default=None, metavar="R",
                   help="fix the learning rate of every activation (default: tune it per "
                        "activation on validation over a log grid)")
    p.add_argument("--budget", default="standard", metavar="B",
                   help="time vs thoroughness: epochs, seeds and lr grid (default standard; "
                        + ", ".join(f"{k} {b.epochs} epochs x {b.seeds} seeds, {b.grid} lrs"
                                    for k, b in BUDGETS.items()) + ")")
    p.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                   help="epochs per run (default: the budget's)")
    p.add_argument("--seeds", type=_positive_int, default=None, metavar="N",
                   help="seeds per activation, 0..N-1 (default: the budget's; at least 2 "
                        "for any ordering)")
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
    p.add_argument("--json", action="store_true",
                   help="print summary.json (the machine-readable answer) instead of the tables")
    p.set_defaults(func=run_compare)
    add_backend_options(p)

    c = subparsers.add_parser(
        "claims", help=COMMANDS["claims"],
        description="Run each claim of the articles as a small, fair experiment (learning "
                    "rate tuned per condition on validation, conditions paired by seed, "
                    "effects Holm-corrected) and print a verdict computed from the data "
                    "(supported / not supported / inconclusive) with its effect size in its "
                    "unit and confidence interval.")
    c.add_argument("names", nargs="*", metavar="NAME",
                   help="claims to run, by name or number (default: all); see --list")
    c.add_argument("--list", action="store_true", help="list the claims and exit")
    c.add_argument("--seeds", type=_positive_int, default=None, metavar="N",
                   help="seeds per condition (default: each claim's own, 5 or 10; at least 2 "
                        "for an interval)")
    c.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                   help="parallel processes (joblib); 0 = one per core (default)")
    c.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder of results.sqlite and the report (default {DEFAULT_OUT})")
    c.add_argument("--report", action="store_true",
                   help="also write the claims section into OUT/index.html")
    c.add_argument("--no-progress", action="store_true", help="no progress bars")
    c.set_defaults(func=run_claims)
    add_backend_options(c)


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
    from actlab.report import write_report
    from actlab.studies import analysis, compare
    from actlab.studies.summary import summary

    from ..activations.expr import split_list

    acts = tuple(split_list(args.activations))  # commas inside a formula's parentheses stay
    if args.data_dir is not None:
        os.environ["ACTLAB_DATA_DIR"] = str(args.data_dir)  # read by the loader, in workers too
    spec = compare.CompareSpec.for_budget(
        args.budget, dataset=args.dataset, activations=acts, depth=args.depth, width=args.width,
        init=args.init, optimizer=args.optimizer, lr=args.lr, epochs=args.epochs,
        seeds=args.seeds, batch_size=args.batch_size, target_error=args.target_error,
    ).validate()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a folder")
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    say(f"compare: {spec.describe()}")
    say(f"         {compare.planned_runs(spec)} runs planned (tuning and final seeds; "
        "finished runs in OUT/results.sqlite are reused)")
    if spec.seeds < 2:
        print(f"warning: --seeds {spec.seeds}: one run per activation gives no seed-to-seed "
              "spread, so no ordering can be stated; use --seeds 2 or more (default "
              f"{compare.BUDGETS[spec.budget].seeds})", file=sys.stderr)
    t0 = time.perf_counter()
    try:
        res = compare.run_compare(spec, out, jobs=args.jobs, progress=not args.no_progress,
                                  log=say)
    except KeyboardInterrupt:
        return _interrupted(out)
    t_report = time.perf_counter()
    write_report(out)
    timing = res.timing.with_report(time.perf_counter() - t_report) if res.timing else None
    if args.json:
        import json

        from actlab._util_codec import encode

        print(json.dumps(encode(summary(res)), indent=1))
        return 0
    print()
    print("ANSWER: " + res.recommendation.text)
    print()
    if spec.lr is None:
        print("chosen lr (validation): " + ", ".join(
            f"{k} {s.chosen:.3g}" for k, s in res.tuning.items()))
    print(analysis.format_table(res.rows))
    print()
    for metric in (analysis.primary_metric(res.results), "epochs_to_target"):
        for line in analysis.statements(res.results, metric):
            print(line)
    if timing is not None and timing.runs:
        print("\n" + timing.describe())
    print(f"\nreport: {out / 'index.html'}  (summary.json, results.csv, results.sqlite, "
          f"figures/)  [{time.perf_counter() - t0:.1f} s; {res.reused} runs reused]")
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
    if args.seeds is not None and args.seeds < 2:
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
