"""What a compare study's runs say: per-activation rows, flags, the ranking and the answer.

Everything here reads :class:`RunResult` records only. Statistics come from
:mod:`actlab.studies.stats` (paired by seed where the runs share seeds, Welch otherwise; Holm
over all comparisons of one ordering; an ordering only where the corrected interval excludes 0).

* The primary metric is the test accuracy at the validation-selected epoch (classification) or
  the test loss there (regression). Differences are shown in percentage points (pp) or nats.
* Diverged runs stay in every mean (at their best epoch before diverging); "never reached the
  target" is censored at the epoch budget and counted.
* Flags per activation: divergence rate, overfitting (validation loss rising while training
  loss falls, :func:`actlab.studies.protocol.overfitting`), vanishing gradients, dead units,
  saturation (mean fraction of hidden activations with ``|f'| < 0.05`` at the last epoch, not
  counting exact zeros).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import stats
from .findings import Estimate
from .records import RunResult

#: metric -> (label, higher is better, display unit of a value, unit of a difference, scale)
METRICS: dict[str, tuple[str, bool, str, str, float]] = {
    "test_accuracy": ("test accuracy", True, "%", "pp", 100.0),
    "val_accuracy": ("validation accuracy", True, "%", "pp", 100.0),
    "test_loss": ("test loss", False, "nats", "nats", 1.0),
    "train_loss": ("training loss", False, "nats", "nats", 1.0),
    "epochs_to_target": ("epochs to target training error", False, "epochs", "epochs", 1.0),
    "selected_epoch": ("selected epoch", False, "", "epochs", 1.0),
    "wall_seconds": ("wall time per run", False, "s", "s", 1.0),
}
SATURATED = 0.5  #: mean saturated fraction above which an activation is flagged
DEAD = 0.25  #: mean dead-unit fraction above which an activation is flagged


def group(results: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    """Results by activation label, in first-seen order."""
    out: dict[str, list[RunResult]] = {}
    for r in results:
        out.setdefault(r.config.label(), []).append(r)
    return out


def primary_metric(results: Sequence[RunResult]) -> str:
    """``test_accuracy`` for classification studies, ``test_loss`` for regression."""
    return "test_accuracy" if any(r.test_accuracy is not None for r in results) else "test_loss"


def values(runs: Sequence[RunResult], metric: str) -> dict[int, float | None]:
    """``{seed: value}`` (censored at the epoch budget for ``epochs_to_target``)."""
    v = stats.by_seed(runs, lambda r: r.metric(metric))
    if metric == "epochs_to_target" and runs:
        v, _ = stats.censor_at(v, runs[0].config.epochs)
    return v


def _hidden_mean(run: RunResult, fld: str) -> float | None:
    rows = [getattr(r, fld) for r in run.layer_table() if r.activation is not None]
    rows = [x for x in rows if x is not None and math.isfinite(x)]
    return sum(rows) / len(rows) if rows else None


def _saturates(run: RunResult) -> str:
    import actlab

    try:
        return str(actlab.get(run.config.activation, **run.config.params).info.saturating)
    except (ValueError, TypeError, AttributeError):
        return "both"


def _saturation(run: RunResult) -> float | None:
    """Saturated entries (``|f'| < 0.05``) that are not exact zeros: a ReLU's zeros are
    inactive units (see ``dead``), not saturation."""
    s, z = _hidden_mean(run, "saturated"), _hidden_mean(run, "zeros")
    return None if s is None else max(0.0, s - (z or 0.0))


def grad_ratio(run: RunResult) -> float | None:
    """The smallest ratio, over recorded epochs, of the first Dense layer's gradient norm to
    the largest layer gradient norm (the quantity of the ``vanishing`` flag)."""
    out = None
    for ep in sorted({r.epoch for r in run.layers}):
        t = run.layer_table(ep)
        norms = [r.grad_norm for r in t if r.grad_norm is not None and math.isfinite(r.grad_norm)]
        if len(t) < 2 or not norms or max(norms) <= 0 or t[0].grad_norm is None:
            continue
        r = t[0].grad_norm / max(norms)
        out = r if out is None else min(out, r)
    return out


def _geomean(xs: Sequence[float | None]) -> float | None:
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _mean(xs: Sequence[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


@dataclass(frozen=True)
class Row:
    """One activation over its seeds."""

    label: str
    runs: int
    diverged: int
    divergence: Estimate
    reached: int
    estimates: Mapping[str, Estimate]
    flags: Mapping[str, int] = field(default_factory=dict)
    saturation: float | None = None
    dead: float | None = None
    grad_ratio: float | None = None
    outlier: str = ""
    lr: float | None = None
    saturates: str = "both"

    def saturated(self) -> bool:
        """Mostly saturated, for a function whose sheet says it saturates (leaky_relu's
        small constant slope is not saturation)."""
        return self.saturates != "none" and self.saturation is not None \
            and self.saturation > SATURATED

    def flag_list(self) -> list[str]:
        """Human-readable flags (empty when nothing stands out)."""
        out = []
        if self.diverged:
            d = self.divergence
            out.append(f"diverged {self.diverged}/{self.runs} "
                       f"({d.mean:.0%}, 95 % CI {d.low:.0%}–{d.high:.0%})")
        for name, text in (("overfitting", "overfitting"), ("vanishing", "vanishing gradients"),
                           ("exploding", "exploding gradients"), ("dead", "dead units")):
            if self.flags.get(name):
                out.append(f"{text} ({self.flags[name]}/{self.runs} runs)")
        if self.saturated():
            out.append(f"saturated ({self.saturation:.0%} of hidden activations)")
        if self.outlier:
            out.append(self.outlier)
        return out


def summarize(results: Sequence[RunResult]) -> list[Row]:
    """One row per activation, in first-seen order."""
    rows = []
    for label, runs in group(results).items():
        flags: dict[str, int] = {}
        for r in runs:
            for f in {f.split(":")[0] for f in r.flags}:
                flags[f] = flags.get(f, 0) + 1
        est = {m: stats.mean_ci(values(runs, m)) for m in METRICS}
        k = sum(r.status == "diverged" for r in runs)
        prim = primary_metric(runs)
        _, _, vunit, _, scale = METRICS[prim]
        o = stats.outlier({k: None if v is None else v * scale
                           for k, v in values(runs, prim).items()})
        lrs = {r.config.lr for r in runs}
        rows.append(Row(
            label=label, runs=len(runs), diverged=k, divergence=stats.proportion_ci(k, len(runs)),
            reached=sum(r.epochs_to_target is not None for r in runs), estimates=est,
            flags=flags, saturation=_mean([_saturation(r) for r in runs]),
            dead=_mean([_hidden_mean(r, "dead") for r in runs]),
            grad_ratio=_geomean([grad_ratio(r) for r in runs]),
            outlier=f"{METRICS[prim][0]}: " + o.describe(vunit) if o.flagged else "",
            lr=lrs.pop() if len(lrs) == 1 else None, saturates=_saturates(runs[0])))
    return rows


def ranking(results: Sequence[RunResult], metric: str | None = None) -> stats.Ranking:
    """The group tied for best on ``metric`` (default: the primary one), in display units."""
    metric = metric or primary_metric(results)
    label, hib, _, unit, scale = METRICS[metric]
    groups = {k: values(v, metric) for k, v in group(results).items()}
    return stats.tied_with_best(groups, higher_is_better=hib, metric=label, scale=scale)


def pairs(results: Sequence[RunResult], metric: str) -> list[stats.Pair]:
    """Every pair, paired by seed, Holm-corrected over all pairs (differences in display units)."""
    _, hib, _, _, scale = METRICS[metric]
    groups = {k: {s: None if x is None else x * scale for s, x in values(v, metric).items()}
              for k, v in group(results).items()}
    return stats.pairwise(groups, higher_is_better=hib) if len(groups) >= 2 else []


def why(row: Row, best: Row | None = None) -> str:
    """One sentence from the diagnostics on why ``row`` did worse."""
    n = row.runs
    if row.diverged * 2 >= n:
        return f"{row.label}: diverged in {row.diverged} of {n} runs"
    if row.flags.get("vanishing", 0) * 2 >= n or (row.grad_ratio is not None
                                                   and row.grad_ratio < 1e-2):
        g = f", first-layer gradient down to {row.grad_ratio:.0e} of the largest layer's" \
            if row.grad_ratio is not None and row.grad_ratio < 0.1 else ""
        return f"{row.label}: vanishing gradients{g}"
    if row.dead is not None and row.dead > DEAD:
        return f"{row.label}: {row.dead:.0%} of hidden units dead"
    if row.saturated():
        return f"{row.label}: {row.saturation:.0%} of hidden activations saturated (|f'| < 0.05)"
    if row.flags.get("overfitting", 0) * 2 >= n:
        return f"{row.label}: overfits (validation loss rises while training loss falls)"
    tl = row.estimates["train_loss"].mean
    if best is not None and math.isfinite(tl):
        bl = best.estimates["train_loss"].mean
        if math.isfinite(bl) and tl > bl:
            return (f"{row.label}: fits the training data less well (training loss {tl:.3f} vs "
                    f"{bl:.3f} nats for {best.label})")
    return f"{row.label}: no single diagnostic stands out"


def _grouped(worse: Sequence[str], reasons: Mapping[str, str], rows: Mapping[str, Row],
             leader: Row) -> list[str]:
    """The reasons, with every "fits the training data less well" folded into one clause."""
    fit = [k for k in worse if "fits the training data less well" in reasons[k]]
    out = [reasons[k] for k in worse if k not in fit]
    if len(fit) > 1:
        losses = [rows[k].estimates["train_loss"].mean for k in fit]
        out.append(f"{', '.join(fit)}: fit the training data less well (training loss "
                   f"{min(losses):.3f}–{max(losses):.3f} vs "
                   f"{leader.estimates['train_loss'].mean:.3f} nats for {leader.label})")
    else:
        out += [reasons[k] for k in fit]
    return out


def fmt_value(e: Estimate, metric: str) -> str:
    """``68.2 % [66.1, 70.3]`` style, in the metric's display unit."""
    _, _, unit, _, scale = METRICS[metric]
    if e.n == 0:
        return "n/a"
    f = "{:.1f}" if unit in ("%", "epochs", "") else "{:.3f}" if unit == "nats" else "{:.2f}"
    u = f" {unit}" if unit else ""
    m = f.format(e.mean * scale)
    if e.n == 1 or not math.isfinite(e.low):
        return f"{m}{u}"
    return f"{m}{u} [{f.format(e.low * scale)}, {f.format(e.high * scale)}]"


@dataclass(frozen=True)
class Recommendation:
    """The answer: ``best`` (tied for best), ``worse`` (clearly worse), ``text``, ``reasons``."""

    best: tuple[str, ...]
    worse: tuple[str, ...]
    text: str
    reasons: Mapping[str, str] = field(default_factory=dict)
    metric: str = "test_accuracy"

    def to_dict(self) -> dict[str, Any]:
        return {"best": list(self.best), "worse": list(self.worse), "text": self.text,
                "why": dict(self.reasons), "metric": self.metric}


def recommend(results: Sequence[RunResult]) -> Recommendation:
    """The group tied for best, the clearly worse ones and why, as one short paragraph."""
    metric = primary_metric(results)
    label, _, _, dunit, _ = METRICS[metric]
    rows = {r.label: r for r in summarize(results)}
    seeds = min((r.runs for r in rows.values()), default=0)
    if len(rows) < 2:
        only = next(iter(rows), "nothing")
        return Recommendation(tuple(rows), (), f"Only {only} was run: nothing to compare.",
                              metric=metric)
    if seeds < 2:
        return Recommendation(tuple(rows), (), (
            f"No answer yet: with {seeds} run per activation there is no seed-to-seed spread, "
            "so no difference can be told from noise and every activation counts as tied. Run "
            "with --seeds 2 or more (default 5)."), metric=metric)
    rk = ranking(results, metric)
    half = max((p.high - p.diff for p in rk.comparisons if math.isfinite(p.high)), default=0.0)
    vals = ", ".join(f"{k} {fmt_value(rows[k].estimates[metric], metric)}" for k in rk.best)
    sel = f"validation-selected {label}"
    if len(rk.best) == 1:
        text = f"Use {rk.best[0]}: it has the best {sel} ({vals}) and is clearly ahead of " \
               "every other activation tested."
    else:
        text = (f"No clear winner among {', '.join(rk.best)}: they are statistically tied for "
                f"the best {sel} ({vals}).")
    reasons = {}
    if rk.worse:
        leader = rows[rk.best[0]]
        parts = []
        for p in rk.comparisons:
            if p.b in rk.worse:
                reasons[p.b] = why(rows[p.b], leader)
                parts.append(f"{p.b} ({-p.diff:+.1f} {dunit} [{-p.high:+.1f}, {-p.low:+.1f}] vs "
                             f"{rk.best[0]})")
        text += f" Clearly worse: {', '.join(parts)}. Why: " + "; ".join(
            _grouped(rk.worse, reasons, rows, leader)) + "."
    else:
        text += f" None is clearly worse (the design could detect differences of about " \
                f"{half:.1f} {dunit})."
    return Recommendation(rk.best, rk.worse, text, reasons, metric)


def statements(results: Sequence[RunResult], metric: str) -> list[str]:
    """Every pair's difference of ``metric`` with its unit, paired/Welch and Holm-corrected;
    the significant ones first."""
    label, _, _, unit, _ = METRICS[metric]
    ps = pairs(results, metric)
    if not ps:
        return []
    m = len(ps)
    sig = [p for p in ps if p.significant]
    out = []
    for p in sig:  # oriented winner - loser in the metric's direction
        flip = p.better != p.a
        d, lo, hi = (-p.diff, -p.high, -p.low) if flip else (p.diff, p.low, p.high)
        loser = p.a if flip else p.b
        out.append(f"{label}: {p.better} better than {loser} ({p.better} − {loser} = "
                   f"{d:+.2f} {unit} [{lo:+.2f}, {hi:+.2f}], {p.method})")
    ties = [f"{p.a}/{p.b}" for p in ps if not p.significant]
    if ties:
        out.append(f"{label}: no significant difference for {', '.join(ties)}.")
    methods = sorted({p.method for p in ps})
    out.append(f"({label}: {' and '.join(methods)} intervals, Holm-corrected over {m} pairs.)")
    return out


def format_table(rows: Sequence[Row]) -> str:
    """The per-activation summary as fixed-width text (for the terminal)."""
    head = ["activation", "lr", "runs", "test accuracy [95% CI]", "val accuracy",
            "test loss (nats)", "sel. epoch", "epochs to target", "flags"]
    body = []
    for r in rows:
        e = r.estimates
        ett = fmt_value(e["epochs_to_target"], "epochs_to_target")
        body.append([
            r.label, "-" if r.lr is None else f"{r.lr:.3g}",
            f"{r.runs}" + (f" ({r.diverged} div.)" if r.diverged else ""),
            fmt_value(e["test_accuracy"], "test_accuracy"),
            fmt_value(e["val_accuracy"], "val_accuracy"),
            fmt_value(e["test_loss"], "test_loss").replace(" nats", ""),
            f"{e['selected_epoch'].mean:.1f}",
            ett + (f" ({r.runs - r.reached} censored)" if r.reached < r.runs else ""),
            "; ".join(r.flag_list()) or "-",
        ])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in body]
    return "\n".join(lines)
