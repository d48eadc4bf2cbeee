"""The report's opening: the answer with its flags, the protocol, and the lr tuning sweep.

Built from a :class:`actlab.studies.compare.CompareOutcome` (records only); every value goes
through :mod:`actlab.report.htmlkit`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..studies import analysis
from ..studies.compare import BUDGETS, CompareOutcome
from ..studies.protocol import PROTOCOL_TEXT
from ..studies.records import Chart, ClaimResult, Series
from .htmlkit import Raw, anchor, css_class, esc, table_html
from .svg import line_chart

VERDICTS = ("supported", "not supported", "inconclusive")


def cross_references(o: CompareOutcome, claims: Sequence[ClaimResult]) -> list[str]:
    """HTML list items for the stored claims that compare some of the same functions: whether
    they agree with this study and, where not, how the designs differ
    (:func:`actlab.studies.crossref.cross_reference`)."""
    from ..studies.claims import CLAIMS, cross_reference, scope

    spec, rec = o.spec, o.recommendation
    items = []
    for c in sorted(claims, key=lambda c: c.number):
        definition = CLAIMS.get(c.name)
        if definition is None:
            continue
        try:
            x = cross_reference(scope(definition, c), dataset=spec.dataset, depth=spec.depth,
                                epochs=spec.epochs, seeds=spec.seeds, best=rec.best,
                                worse=rec.worse, metric=rec.metric, tuned=spec.lr is None)
        except (KeyError, TypeError, ValueError):
            continue
        if x is None:
            continue
        items.append(
            f'<li><a href="#{esc(anchor("claim-", c.name))}">Claim {int(c.number)}</a> '
            f'<span class="verdict {css_class(c.verdict, VERDICTS)}">{esc(c.verdict)}</span>: '
            f"{esc(x.text)}</li>")
    return items


def answer_section(o: CompareOutcome, claims: Sequence[ClaimResult] = ()
                   ) -> tuple[str, list[tuple[str, str]]]:
    """"Which should I use?": the recommendation, then the flags per activation."""
    rec = o.recommendation
    out = ['<section id="answer"><h2>The answer</h2>',
           f'<p class="answer">{esc(rec.text)}</p>']
    if rec.best:
        out.append(f"<p><b>Tied for best:</b> {esc(', '.join(rec.best))}. "
                   f"<b>Clearly worse:</b> {esc(', '.join(rec.worse) or 'none')}.</p>")
    rows = []
    for r in o.rows:
        ov = r.flags.get("overfitting", 0)
        rows.append([
            r.label, f"{r.lr:.3g}" if r.lr is not None else "–",
            analysis.fmt_value(r.estimates["test_accuracy"], "test_accuracy"),
            f"{r.diverged}/{r.runs}" + (f" ({r.divergence.mean:.0%})" if r.diverged else ""),
            f"{ov}/{r.runs}", f"{r.saturation:.0%}" if r.saturation is not None else "–",
            f"{r.grad_ratio:.1e}" if r.grad_ratio is not None else "–",
            Raw('<span class="flag">' + esc("; ".join(r.flag_list())) + "</span>"
                if r.flag_list() else "–")])
    out.append(table_html(
        ["activation", "lr (tuned)", "test accuracy [95 % CI]", "diverged",
         "overfitting (runs)", "saturated activations", "min first/largest layer gradient",
         "flags"], rows, cls="flags"))
    out.append('<p class="note">Overfitting: validation loss rose by more than 10 % after its '
               "minimum while training loss kept falling (the selected epoch guards the test "
               "result against it). Saturated: hidden activations with |f'| &lt; 0.05 that are "
               "not exact zeros, flagged above 50 % for functions that saturate. Gradient "
               "ratio: the first layer's gradient norm over the largest layer's, at its "
               "smallest over the epochs (vanishing below 10⁻³).</p>")
    refs = cross_references(o, claims)
    if refs:
        out.append("<h3>Claims about the same functions</h3><ul>" + "".join(refs) + "</ul>")
    out.append("</section>")
    return "\n".join(out), [("answer", "Answer")]


def protocol_section(o: CompareOutcome) -> tuple[str, list[tuple[str, str]]]:
    """How the numbers were obtained: splits, selection, tuning, statistics."""
    spec = o.spec
    first = o.results[0] if o.results else None
    sizes = (f"train {first.size_train}, validation {first.size_validation}, test "
             f"{first.size_test}" if first else "unknown (no runs)")
    if spec.lr is None:
        grid = ", ".join(f"{g:.3g}" for g in spec.lr_grid())
        rungs = "; ".join(f"{r.epochs} epochs × seeds {', '.join(map(str, r.seeds))}"
                          for r in spec.rungs())
        tuning = (f"The learning rate is tuned per activation on validation accuracy by "
                  f"successive halving over the log grid {grid} ({len(spec.lr_grid())} values, "
                  f"{spec.lr_grid()[-1] / spec.lr_grid()[0]:.0f}×): rungs {rungs}; after each "
                  f"rung the best 1/{BUDGETS[spec.budget].eta} of the rates go on. The final "
                  f"runs use the chosen rate with seeds 0–{spec.seeds - 1}.")
    else:
        tuning = f"The learning rate is fixed at {spec.lr:g} for every activation (no tuning)."
    out = ['<section id="protocol"><h2>Protocol</h2><ul>',
           f"<li><b>Data.</b> {esc(spec.dataset)}; split sizes: {esc(sizes)}.</li>",
           f"<li><b>Selection.</b> {esc(PROTOCOL_TEXT.format(val=spec.val_fraction))}</li>",
           f"<li><b>Tuning.</b> {esc(tuning)}</li>",
           "<li><b>Statistics.</b> Means with t intervals over seeds; differences paired by "
           "seed (paired t), Welch where runs are not paired; Holm correction over all "
           "comparisons of one list; one rule: an ordering needs its corrected interval to "
           "exclude 0. Accuracies in %, their differences in percentage points (pp), losses "
           "in nats.</li>",
           f"<li><b>Cost.</b> {int(o.total_runs)} runs planned; {o.seconds:.0f} s.</li>",
           "</ul></section>"]
    return "\n".join(out), [("protocol", "Protocol")]


def tuning_section(o: CompareOutcome, colors: dict[str, str]
                   ) -> tuple[str, list[tuple[str, str]]]:
    """The whole sweep: every lr's validation score per activation, the chosen one marked."""
    order = [r.label for r in o.rows] + [k for k in o.tuning if k not in
                                         {r.label for r in o.rows}]
    sweeps = {k: o.tuning[k] for k in order
              if k in o.tuning and not o.tuning[k].fixed and o.tuning[k].points}
    if not sweeps:
        return "", []
    grid = sorted({p.lr for s in sweeps.values() for p in s.points})
    rows = []
    for k, s in sweeps.items():
        by = {p.lr: p for p in s.points}
        cells: list = [k]
        for lr in grid:
            p = by.get(lr)
            if p is None:
                cells.append("–")
                continue
            e = p.score
            txt = f"{100 * e.mean:.1f} %" if math.isfinite(e.mean) else "–"
            if e.n > 1 and math.isfinite(e.low):
                txt += f" [{100 * e.low:.1f}, {100 * e.high:.1f}]"
            txt += f" ({p.epochs} ep, n={e.n})"
            cells.append(Raw(f"<b>{esc(txt)} ✔</b>") if lr == s.chosen else txt)
        edge = s.chosen in (grid[0], grid[-1])
        cells.append(f"{s.chosen:.3g}" + (" (grid edge)" if edge else ""))
        rows.append(cells)
    series = tuple(Series(k, tuple(math.log10(p.lr) for p in s.points),
                          tuple(p.score.mean if math.isfinite(p.score.mean) else None
                                for p in s.points)) for k, s in sweeps.items())
    chart = line_chart(Chart("Validation accuracy by learning rate (last rung reached)",
                             "log10 learning rate", "validation accuracy", series),
                       colors=colors)
    out = ['<section id="tuning"><h2>Learning-rate tuning</h2>',
           "<p>Validation accuracy (mean over the rung's seeds, 95 % interval where there "
           "are several) of every learning rate at the last rung it reached; ✔ = chosen, shown "
           "over all seeds of the final runs (chosen before those ran). "
           "Short screening runs favour larger rates slightly; the finalists are compared "
           "at the full budget. A choice at the grid's edge means the best rate may lie "
           "outside the grid.</p>",
           table_html(["activation", *(f"lr {g:.3g}" for g in grid), "chosen"], rows,
                      cls="sweep"),
           f'<div class="charts">{chart}</div></section>']
    return "\n".join(out), [("tuning", "Tuning")]
