"""Cross-references between the claims and a compare study that speak of the same functions.

:func:`scope` describes what a claim compared (functions, data, depth, budget, seeds, the
verdict and its effects) as a plain JSON-serialisable record; :func:`cross_reference` says, for
one compare study, whether the claim is related, whether the two agree, and, when they do not,
what differs (data, depth, budget, seeds), so that a report never prints a claim's "supported"
beside a study's "no clear winner" without a word.

>>> from actlab.studies.crossref import ClaimScope, cross_reference
>>> s = ClaimScope(7, "swish-gelu-vs-relu", "Swish and GELU beat ReLU", "supported",
...                ("relu", "silu", "gelu"), "test_accuracy", ("mnist1d",), (2, 8), (8,),
...                ("adam",), 5, True, ())
>>> x = cross_reference(s, dataset="digits", depth=4, epochs=10, seeds=5,
...                     best=("relu", "silu", "gelu", "tanh"), worse=("sigmoid",),
...                     metric="test_accuracy")
>>> x.agree, x.differences
(False, ('data', 'depth', 'budget'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .records import ClaimResult, encode


@dataclass(frozen=True)
class ClaimScope:
    """What one claim compared and concluded (all plain values)."""

    number: int
    name: str
    title: str
    verdict: str
    functions: tuple[str, ...]
    metric: str
    datasets: tuple[str, ...]
    depths: tuple[int, ...]
    epochs: tuple[int, ...]
    optimizers: tuple[str, ...]
    seeds: int
    tuned: bool
    effects: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))


def scope(claim: Any, result: ClaimResult | None = None) -> ClaimScope:
    """The scope of ``claim`` (a :class:`~actlab.studies.experiments.Claim`), with the verdict
    and effects of ``result`` when given (else verdict ``"not run"``)."""
    cfgs = list(claim.conditions.values())
    effects = () if result is None else tuple(
        {"name": e.name, "estimate": e.estimate, "low": e.low, "high": e.high, "unit": e.unit,
         "verdict": e.verdict, "method": e.method} for e in result.effects)
    return ClaimScope(
        number=claim.number, name=claim.name, title=claim.title,
        verdict="not run" if result is None else result.verdict,
        functions=tuple(claim.functions), metric=claim.metric,
        datasets=tuple(sorted({c.dataset for c in cfgs})),
        depths=tuple(sorted({c.depth for c in cfgs})),
        epochs=tuple(sorted({c.epochs for c in cfgs})),
        optimizers=tuple(sorted({c.optimizer for c in cfgs})),
        seeds=claim.seeds if result is None else result.n_seeds,
        tuned=bool(claim.tune or claim.sweep), effects=effects)


@dataclass(frozen=True)
class CrossRef:
    """One claim seen from one compare study.

    ``agree`` is ``None`` when the two do not rank the same functions by the same metric (or
    the claim was inconclusive), else whether the study's grouping matches the claim's verdict.
    ``differences`` names what differs between the two designs.
    """

    claim: int
    name: str
    shared: tuple[str, ...]
    agree: bool | None
    differences: tuple[str, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))


def cross_reference(s: ClaimScope, *, dataset: str, depth: int, epochs: int, seeds: int,
                    best: Sequence[str], worse: Sequence[str], metric: str = "test_accuracy",
                    tuned: bool = True) -> CrossRef | None:
    """How claim ``s`` relates to a compare study whose ranking on ``metric`` put ``best`` (the
    group tied for best) ahead of ``worse``; ``None`` when they share fewer than two functions.
    """
    shared = tuple(f for f in s.functions if f in (*best, *worse))
    if len(shared) < 2:
        return None
    diffs = []
    if dataset not in s.datasets:
        diffs.append("data")
    if depth not in s.depths:
        diffs.append("depth")
    if epochs not in s.epochs:
        diffs.append("budget")
    if seeds != s.seeds:
        diffs.append("seeds")
    if tuned != s.tuned:
        diffs.append("tuning")
    agree: bool | None = None
    if s.metric == metric and s.verdict in ("supported", "not supported"):
        study_differs = any(f in best for f in shared) and any(f in worse for f in shared)
        agree = study_differs == (s.verdict == "supported")
    where = (f"{', '.join(s.datasets)}, depth {'/'.join(map(str, s.depths))}, "
             f"{'/'.join(map(str, s.epochs))} epochs, {s.seeds} seeds")
    study = (f"this study: {'tied' if all(f in best for f in shared) else 'ranked apart'} "
             f"({dataset}, depth {depth}, {epochs} epochs, {seeds} seeds)")
    text = f"Claim {s.number} ({s.title}) is {s.verdict.upper()} on {where}; {study}"
    if agree is False:
        text += (f". They disagree; the designs differ in {', '.join(diffs)}" if diffs else
                 ". They disagree on the same design: read both intervals")
    elif agree is True:
        text += ". They agree"
    else:
        text += ". The claim measures something else" if s.metric != metric else \
            ". The claim is inconclusive"
    return CrossRef(s.number, s.name, shared, agree, tuple(diffs), text + ".")
