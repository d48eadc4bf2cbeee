"""``actlab claims``: each claim of the articles as an experiment with a verdict from data.

A claim runs each of its conditions once per seed (resumably, through the same store as
``actlab compare``), computes its effects with Welch intervals over seeds and combines them into
one verdict: *supported*, *not supported* or *inconclusive* (see :func:`stats.verdict`; the
effects of one claim share a Bonferroni correction). The verdicts are stored in the database's
``meta`` table (``claim:<name>``) and rendered by the report.

>>> [c.name for c in select(["1", "dying-relu"])]
['vanishing-gradients', 'dying-relu']
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from . import stats
from .experiments import CLAIM_LIST, CLAIMS, Claim
from .records import ClaimResult, RunResult
from .runner import default_jobs, run_many, with_seeds
from .store import Store

__all__ = ["CLAIMS", "Claim", "evaluate", "format_result", "run_claim", "run_claims", "select",
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


def evaluate(claim: Claim, runs: dict[str, Sequence[RunResult]], *, seconds: float = 0.0
             ) -> ClaimResult:
    """The verdict of ``claim`` from its runs (condition -> runs over seeds)."""
    effects, tables, charts, notes = claim.analyse(runs)
    n_seeds = min((len(v) for v in runs.values()), default=0)
    return ClaimResult(
        name=claim.name, number=claim.number, title=claim.title, statement=claim.statement,
        source=claim.source, verdict=stats.combine(e.verdict for e in effects),
        effects=tuple(effects), method=claim.method + f" {n_seeds} seeds per condition.",
        rule=claim.rule + _RULE_SUFFIX, n_seeds=n_seeds,
        run_keys=tuple(r.key for v in runs.values() for r in v), tables=tuple(tables),
        charts=tuple(charts), seconds=seconds, notes=tuple(notes),
    )


_RULE_SUFFIX = (" Intervals over seeds: paired t where the conditions share seeds, Welch "
                "otherwise, corrected over the claim's effects; supported only when the "
                "corrected interval excludes 0 on the predicted side.")


def run_claim(claim: Claim, store: Store, *, seeds: int = 5, jobs: int = 1,
              progress: bool = True, log=None) -> ClaimResult:
    """Run (or reuse) every condition x seed of ``claim`` and evaluate it."""
    t0 = time.perf_counter()
    conds = list(claim.conditions.items())
    configs = with_seeds([c for _, c in conds], range(seeds))
    results, _ = run_many(configs, store, jobs=jobs, progress=progress,
                          desc=f"claim {claim.number}", extra=claim.extra, log=log)
    by_key = {r.key: r for r in results}
    runs = {name: [by_key[c.key] for c in with_seeds([cfg], range(seeds)) if c.key in by_key]
            for name, cfg in conds}
    return evaluate(claim, runs, seconds=time.perf_counter() - t0)


def run_claims(claims: Sequence[Claim], out: str | Path = "actlab-report", *, seeds: int = 5,
               jobs: int | None = None, progress: bool = True, log=print
               ) -> Iterator[ClaimResult]:
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
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim", "number", "claim_verdict", "effect", "effect_verdict", "estimate",
                    "ci_low", "ci_high", "ci_level", "p_value", "cohen_d", "n_a", "n_b",
                    "unit"])
        for r in sorted(results, key=lambda c: c.number):
            for e in r.effects:
                w.writerow([r.name, r.number, r.verdict, e.name, e.verdict, e.estimate, e.low,
                            e.high, e.level, e.p_value, e.cohen_d, e.n_a, e.n_b, e.unit])
    tmp.replace(path)
    return path


def stored_results(out: str | Path) -> list[ClaimResult]:
    """Every claim verdict stored in ``out/results.sqlite``."""
    with Store(Path(out) / "results.sqlite") as store:
        return [ClaimResult.from_dict(store.get_meta(n)) for n in store.meta_names()
                if n.startswith("claim:")]


def _ci(low: float, high: float) -> str:
    return f"[{low:+.3g}, {high:+.3g}]"


def format_result(r: ClaimResult) -> str:
    """A few lines for the terminal: the verdict, then every effect with its interval."""
    lines = [f"[{r.number:2d}] {r.title}: {r.verdict.upper()}  ({r.n_seeds} seeds, "
             f"{r.seconds:.1f} s)"]
    for e in r.effects:
        unit = f" {e.unit}" if e.unit else ""
        lines.append(f"     {e.name}: {e.estimate:+.3g}{unit} {_ci(e.low, e.high)} "
                     f"({e.level:.1%} CI, p={e.p_value:.2g}, d={e.cohen_d:.2g}) -> {e.verdict}")
    return "\n".join(lines)
