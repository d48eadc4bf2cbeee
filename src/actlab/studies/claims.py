"""``actlab claims``: each claim of the articles as a fair experiment with a verdict from data.

A claim tunes each condition's learning rate on validation (:mod:`.experiments.plan`), runs the
chosen lrs over seeds (resumably, through the same store as ``actlab compare``), computes its
effects with paired intervals over seeds, corrected together (Holm), and combines them into one
verdict: *supported*, *not supported* or *inconclusive* (the rule of :mod:`.stats`). The
verdicts are stored in the database's ``meta`` table (``claim:<name>``) and rendered by the
report. :func:`scope` and :func:`cross_reference` let a compare study's report say when a claim
speaks of the same functions, and why the two may disagree.

>>> from actlab.studies.claims import select
>>> [c.name for c in select(["1", "dying-relu"])]
['vanishing-gradients', 'dying-relu']
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from . import stats
from .._util_files import atomic_open
from .crossref import ClaimScope, CrossRef, cross_reference, scope
from .experiments import CLAIM_LIST, CLAIMS, Claim, Evidence, collect
from .experiments.plan import edge_optimum
from .records import ClaimResult, RunConfig, RunResult
from .runner import default_jobs, run_many
from .store import Store

__all__ = ["CLAIMS", "Claim", "ClaimScope", "CrossRef", "Evidence", "cross_reference",
           "evaluate", "format_result", "related", "run_claim", "run_claims", "scope", "select",
           "stored_results", "write_csv"]


def select(names: Iterable[str]) -> list[Claim]:
    """Claims by name or number (all of them for an empty selection), in number order."""
    names = [str(n).strip().lower() for n in names]
    if not names:
        return list(CLAIM_LIST)
    by_number = {str(c.number): c for c in CLAIM_LIST}
    chosen: list[Claim] = []
    for n in names:
        c = CLAIMS.get(n) or by_number.get(n)
        if c is None:
            close = difflib.get_close_matches(n, list(CLAIMS), n=2, cutoff=0.5)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"unknown claim {n!r}{hint} (known: 1-{len(CLAIM_LIST)} or "
                             f"{', '.join(CLAIMS)})")
        if c not in chosen:
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.number)


def evaluate(claim: Claim, evidence: Evidence | Mapping[str, Sequence[RunResult]], *,
             seconds: float = 0.0) -> ClaimResult:
    """The verdict of ``claim`` from its evidence (or plain runs: condition -> runs)."""
    ev = evidence if isinstance(evidence, Evidence) else Evidence.of(evidence)
    effects, tables, charts, notes = claim.analyse(ev)
    n_seeds = min((len(v) for v in ev.runs.values()), default=0)
    tuned = [c for c in ev.runs if claim.tuned(c) or claim.sweep]
    lr_text = (" Learning rates: " + "; ".join(f"{c} {ev.chosen[c]:g}" for c in tuned
                                               if c in ev.chosen) + " (chosen on validation)."
               if tuned and (ev.tuning or ev.sweep) else "")
    edge = [c for c, sw in ev.tuning.items() if edge_optimum(sw)]
    if edge:
        notes = [*notes, f"The lr chosen for {', '.join(edge)} lies at the edge of its grid: "
                 "a better lr may lie beyond it."]
    return ClaimResult(
        name=claim.name, number=claim.number, title=claim.title, statement=claim.statement,
        source=claim.source, verdict=stats.combine(e.verdict for e in effects),
        effects=tuple(effects),
        method=f"{claim.method_text} {n_seeds} seeds per condition.{lr_text}",
        rule=claim.rule + _RULE_SUFFIX, n_seeds=n_seeds,
        run_keys=tuple(r.key for v in ev.runs.values() for r in v), tables=tuple(tables),
        charts=tuple(charts), seconds=seconds, notes=tuple(notes),
    )


_RULE_SUFFIX = (" Intervals over seeds: paired t where the conditions share seeds, Welch "
                "otherwise, corrected over the claim's effects (Holm); supported only when the "
                "corrected interval excludes 0 on the predicted side, not supported when it "
                "excludes 0 on the other side (or lies within the stated margin).")


def run_claim(claim: Claim, store: Store, *, seeds: int | None = None, jobs: int = 1,
              progress: bool = True, log=None) -> ClaimResult:
    """Tune, run (or reuse) every condition x seed of ``claim`` and evaluate it
    (``seeds=None``: the claim's default)."""
    t0 = time.perf_counter()

    def execute(configs: Sequence[RunConfig], desc: str) -> list[RunResult]:
        return run_many(configs, store, jobs=jobs, progress=progress, desc=desc,
                        extra=claim.extra, log=log)[0]

    ev = collect(claim, execute, claim.seeds if seeds is None else int(seeds))
    return evaluate(claim, ev, seconds=time.perf_counter() - t0)


def run_claims(claims: Sequence[Claim], out: str | Path = "actlab-report", *,
               seeds: int | None = None, jobs: int | None = None, progress: bool = True,
               log=print) -> Iterator[ClaimResult]:
    """Run claims one after another, storing runs and verdicts in ``out/results.sqlite``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = default_jobs() if jobs is None or jobs <= 0 else int(jobs)
    with Store(out / "results.sqlite") as store:
        for claim in claims:
            result = run_claim(claim, store, seeds=seeds, jobs=jobs, progress=progress,
                               log=log)
            store.put_meta(f"claim:{claim.name}", result.to_dict())
            yield result


def write_csv(path: str | Path, results: Sequence[ClaimResult]) -> Path:
    """One row per effect of every claim: verdicts, estimates and intervals."""
    import csv

    path = Path(path)
    with atomic_open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim", "number", "claim_verdict", "effect", "effect_verdict", "estimate",
                    "ci_low", "ci_high", "ci_level", "p_value", "cohen_d", "n_a", "n_b",
                    "unit", "interval", "correction", "detectable", "note"])
        for r in sorted(results, key=lambda c: c.number):
            for e in r.effects:
                w.writerow([r.name, r.number, r.verdict, e.name, e.verdict, e.estimate, e.low,
                            e.high, e.level, e.p_value, e.cohen_d, e.n_a, e.n_b, e.unit,
                            e.method, e.correction, e.detectable, e.note])
    return path


def stored_results(out: str | Path) -> list[ClaimResult]:
    """Every claim verdict stored in ``out/results.sqlite``."""
    with Store(Path(out) / "results.sqlite") as store:
        return [ClaimResult.from_dict(store.get_meta(n)) for n in store.meta_names()
                if n.startswith("claim:")]


def related(results: Sequence[ClaimResult], *, dataset: str, depth: int, epochs: int,
            seeds: int, best: Sequence[str], worse: Sequence[str],
            metric: str = "test_accuracy", tuned: bool = True) -> list[CrossRef]:
    """Cross-references of stored claim ``results`` to one compare study (whose ranking on
    ``metric`` put ``best`` ahead of ``worse``): one :class:`CrossRef` per claim that speaks of
    at least two of the study's functions, saying whether they agree and what differs."""
    out = []
    for r in sorted(results, key=lambda c: c.number):
        claim = CLAIMS.get(r.name)
        if claim is None:
            continue
        x = cross_reference(scope(claim, r), dataset=dataset, depth=depth, epochs=epochs,
                            seeds=seeds, best=best, worse=worse, metric=metric, tuned=tuned)
        if x is not None:
            out.append(x)
    return out


def _ci(low: float, high: float) -> str:
    return f"[{low:+.3g}, {high:+.3g}]"


def format_result(r: ClaimResult) -> str:
    """A few lines for the terminal: the verdict, then every effect with its interval."""
    lines = [f"[{r.number:2d}] {r.title}: {r.verdict.upper()}  ({r.n_seeds} seeds, "
             f"{r.seconds:.1f} s)"]
    for e in r.effects:
        unit = f" {e.unit}" if e.unit else ""
        sde = (f", detectable ±{e.detectable:.2g}{unit}" if e.detectable is not None
               and math.isfinite(e.detectable) else "")
        lines.append(f"     {e.name}: {e.estimate:+.3g}{unit} {_ci(e.low, e.high)} "
                     f"({e.level:.1%} CI, {e.method or 'welch'}, p={e.p_value:.2g}{sde}) -> "
                     f"{e.verdict}")
        if e.note:
            lines.append(f"       note: {e.note}")
    return "\n".join(lines)
