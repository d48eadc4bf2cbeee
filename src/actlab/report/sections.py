"""HTML sections of the report, built from records only (no training happens here)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..studies import aggregate
from ..studies.compare import (
    CompareSpec,
    fmt_estimate,
    group,
    primary_metric,
    statements,
    summarize,
)
from ..studies.records import Chart, ClaimResult, Effect, RunResult, Series
from .svg import PALETTE, line_chart

e = html.escape


def _num(v: Any, fmt: str = "{:.4g}") -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return fmt.format(v)
    return e(str(v))


def table_html(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, cls: str = "") -> str:
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_num(float(v))}</td>')
            elif isinstance(v, _Raw):
                cells.append(f"<td>{v.text}</td>")
            else:
                cells.append(f"<td>{e(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="{cls}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


class _Raw:
    """Pre-escaped HTML for a table cell."""

    def __init__(self, text: str) -> None:
        self.text = text


def _colors(labels: Sequence[str]) -> dict[str, str]:
    return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(labels)}


# --------------------------------------------------------------------------- compare
def compare_section(spec: CompareSpec, results: Sequence[RunResult], *, expected: int,
                    figures: Sequence[str] = ()) -> tuple[str, list[tuple[str, str]]]:
    """The compare study: summary, orderings, curves, gradient flow, per-activation sheets.

    Returns the HTML and the navigation entries ``(anchor, title)``.
    """
    nav = [("compare", "Comparison"), ("curves", "Curves"), ("gradients", "Gradient flow"),
           ("activations", "Activations")]
    groups = group(results)
    colors = _colors(list(groups))
    rows = summarize(results)
    out = ['<section id="compare"><h2>Comparison of activations</h2>',
           f"<p>{e(spec.describe())}. {len(results)} of {expected} runs finished.</p>"]
    if len(results) < expected:
        out.append(f'<p class="note">The study is incomplete ({expected - len(results)} runs '
                   "missing): rerun the same command to finish it.</p>")
    # summary table
    cols = ["activation", "runs", "test accuracy [95 % CI]", "test loss", "final training loss",
            f"epochs to {spec.target_error:.0%} training error (reached)", "wall time per run (s)",
            f"significantly better {primary_metric(results).replace('_', ' ')} than",
            "flags (runs)"]
    body = []
    for r in rows:
        est = r.estimates
        flags = ", ".join(f"{k} ({v})" for k, v in sorted(r.flags.items())) or "–"
        body.append([
            _Raw(f'<span style="color:{colors[r.label]}">■</span> {e(r.label)}'),
            f"{r.runs}" + (f" ({r.diverged} diverged)" if r.diverged else ""),
            fmt_estimate(est["test_accuracy"], "{:.1%}"), fmt_estimate(est["test_loss"], "{:.3f}"),
            fmt_estimate(est["train_loss"], "{:.3f}"),
            f'{fmt_estimate(est["epochs_to_target"], "{:.1f}")} ({r.reached}/{r.runs})',
            fmt_estimate(est["wall_seconds"], "{:.2f}"),
            ", ".join(r.better_than) or "none", _Raw(f'<span class="flag">{e(flags)}</span>'
                                                     if r.flags else "–"),
        ])
    out.append(table_html(cols, body, cls="summary"))
    # orderings
    out.append("<h3>What the data support</h3><ul>")
    m = len(groups) * (len(groups) - 1) // 2
    for metric in (primary_metric(results), "train_loss", "epochs_to_target"):
        for s in statements(results, metric):
            out.append(f"<li>{e(s)}</li>")
    out.append("</ul>")
    out.append(
        '<p class="note">Intervals are two-sided t intervals over seeds (95 %). An ordering '
        "is stated only when Welch's interval of the difference, widened for the "
        f"{m} pairwise comparisons (Bonferroni: each at {1 - 0.05 / max(m, 1):.4f}), excludes 0; "
        'otherwise the pair is reported as "no significant difference". Ranking by the means '
        "alone is not done. Epochs to target count only the runs that reached it (in "
        "parentheses); diverged runs are excluded from every metric except wall time.</p>")
    out.append("</section>")
    # curves
    out.append('<section id="curves"><h2>Training curves</h2><p>Mean over seeds with the 95 % '
               "interval shaded; hover to read the values. Held-out = the test split, "
               "evaluated after each epoch (never used for any choice).</p><div class=\"charts\">")
    for fld, title, ylabel, logy in (
            ("train_loss", "Training loss", "loss", True),
            ("val_accuracy", "Held-out accuracy", "accuracy", False),
            ("train_accuracy", "Training accuracy (running, per epoch)", "accuracy", False),
            ("val_loss", "Held-out loss", "loss", True)):
        series, bands = [], {}
        for lab, runs in groups.items():
            x, mean, low, high = aggregate.epoch_curve(runs, fld)
            series.append(Series(lab, tuple(x), tuple(mean)))
            bands[lab] = (low, high)
        out.append(line_chart(Chart(title, "epoch", ylabel, tuple(series), logy=logy),
                              bands=bands, colors=colors))
    out.append("</div></section>")
    # gradient flow overview
    out.append('<section id="gradients"><h2>Gradient flow and dead units</h2>'
               "<p>Per Dense layer (1 = input side, the last is the output layer). Gradient "
               "norms are root-mean-square over an epoch's batches (epoch 0: the untrained "
               "network on the probe batch); unit statistics come from a fixed probe batch of "
               "training samples. A unit is dead when it outputs exactly 0 for every probe "
               "sample; an entry is saturated when |f'(x)| &lt; 0.05.</p><div class=\"charts\">")
    for fld, title, ylabel, logy, epoch in (
            ("grad_norm", "Gradient norm per layer, untrained (epoch 0)", "‖dL/dW‖", True, 0),
            ("grad_norm", "Gradient norm per layer, last epoch", "‖dL/dW‖", True, None),
            ("dead", "Dead units per layer, last epoch", "fraction", False, None),
            ("saturated", "Saturated entries per layer, last epoch", "fraction", False, None)):
        series = []
        for lab, runs in groups.items():
            x, mean, _, _ = aggregate.layer_profile(runs, fld, epoch)
            series.append(Series(lab, tuple(x), tuple(mean)))
        out.append(line_chart(Chart(title, "layer", ylabel, tuple(series), logy=logy),
                              colors=colors))
    out.append("</div></section>")
    # per activation
    out.append('<section id="activations"><h2>Activations</h2>')
    for lab, runs in groups.items():
        out.append(activation_card(lab, runs, colors[lab]))
    out.append("</section>")
    if figures:
        links = " ".join(f'<a href="{e(f)}">{e(f)}</a>' for f in figures)
        out.append(f'<section id="figures"><h2>Figures</h2><p>Static versions (matplotlib): '
                   f"{links}</p></section>")
        nav.append(("figures", "Figures"))
    return "\n".join(out), nav


def sheet_html(info: Any) -> str:
    d = info.to_dict()
    items = [
        ("formula", d["formula"]), ("derivative", d["derivative"]),
        ("parameters", ", ".join(f"{k} = {v}" for k, v in d["params"].items()) or "none"),
        ("range", f"({d['range'][0]}, {d['range'][1]})"),
        ("minimum", "not attained" if d["minimum"] is None else
         f"{d['minimum']['value']:.6g} at x = {d['minimum']['at']:.6g}"),
        ("max |f'|", f"{d['max_abs_grad']:.4g}"), ("monotone", d["monotone"]),
        ("smoothness", d["smoothness"]), ("zero-centred", d["zero_centred"]),
        ("saturates", d["saturating"]), ("exact zeros", d["exact_zeros"]),
        ("kinks", "; ".join(f"x = {k['x']}: f' = {k['derivative']} (left {k['left']}, right "
                            f"{k['right']})" for k in d["kinks"]) or "none"),
        ("recommended init", d["init"]), ("use", ", ".join(d["use"])),
        ("frameworks", "; ".join(f"{k}: {v}" for k, v in d["frameworks"].items())),
        ("pros", "; ".join(d["pros"]) or "–"), ("cons", "; ".join(d["cons"]) or "–"),
    ]
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in items)
    ref = d.get("reference") or ""
    link = f'<dt>reference</dt><dd><a href="{e(ref)}">{e(ref)}</a></dd>' if ref else ""
    return f'<dl class="sheet">{dl}{link}</dl>'


def function_chart(f: Any, title: str) -> str:
    """f and f' on [-5, 5]; a vector-valued entry is drawn as its 2-class slice f([x, 0])[0]."""
    x = np.linspace(-5.0, 5.0, 201)
    if f.vector:
        import actlab

        g = actlab.get(f.name, **{**f.params, "axis": -1})
        pair = np.stack([x, np.zeros_like(x)], axis=-1)
        y = np.asarray(g(pair), dtype=np.float64)[:, 0]
        ones = np.stack([np.ones_like(x), np.zeros_like(x)], axis=-1)
        d = np.asarray(g.backward(ones, pair), dtype=np.float64)[:, 0]
        title += " (2-class slice f([x, 0])[0])"
    else:
        y = np.asarray(f(x), dtype=np.float64)
        d = np.asarray(f.grad(x), dtype=np.float64)
    series = [Series("f(x)", tuple(x.tolist()), tuple(y.tolist())),
              Series("f'(x)", tuple(x.tolist()), tuple(d.tolist()))]
    return line_chart(Chart(title, "x", "value", tuple(series)), width=360, height=240)


def activation_card(label: str, runs: Sequence[RunResult], color: str) -> str:
    import actlab

    cfg = runs[0].config
    f = actlab.get(cfg.activation, **cfg.params)
    anchor = "act-" + "".join(c if c.isalnum() else "-" for c in label)
    parts = [f'<div class="card" id="{e(anchor)}"><h3 style="color:{color}">'
             f"{e(f.info.display_name)} <code>{e(label)}</code></h3>"]
    parts.append('<div class="charts">')
    parts.append(function_chart(f, f"{label}: f and f'"))
    epochs = aggregate.pick_epochs(aggregate.recorded_epochs(runs))
    gseries, dseries = [], []
    for ep in epochs:
        x, mean, _, _ = aggregate.layer_profile(runs, "grad_norm", ep)
        gseries.append(Series(f"epoch {ep}", tuple(x), tuple(mean)))
    parts.append(line_chart(Chart(f"{label}: gradient norm per layer", "layer", "‖dL/dW‖",
                                  tuple(gseries), logy=True), width=360, height=240))
    for fld, name in (("dead", "dead units"), ("saturated", "saturated"), ("zeros", "exact zeros")):
        x, mean, _, _ = aggregate.layer_profile(runs, fld)
        dseries.append(Series(name, tuple(x), tuple(mean)))
    parts.append(line_chart(Chart(f"{label}: unit statistics, last epoch", "layer", "fraction",
                                  tuple(dseries)), width=360, height=240))
    parts.append("</div>")
    parts.append(sheet_html(f.info))
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- claims
def verdict_badge(v: str) -> str:
    return f'<span class="verdict {v.replace(" ", "-")}">{e(v)}</span>'


def _effect_row(x: Effect) -> list[Any]:
    unit = f" {x.unit}" if x.unit else ""
    return [x.name, _Raw(verdict_badge(x.verdict)), f"{x.estimate:.4g}{unit}",
            f"[{_num(x.low)}, {_num(x.high)}]", f"{x.level:.4g}", _num(x.p_value, "{:.2g}"),
            _num(x.cohen_d, "{:.2f}"), f"{x.n_a} vs {x.n_b}"]


EFFECT_COLUMNS = ("effect (claimed − other)", "verdict", "estimate", "CI", "CI level", "p",
                  "Cohen's d", "runs")


def claims_section(claims: Sequence[ClaimResult]) -> tuple[str, list[tuple[str, str]]]:
    claims = sorted(claims, key=lambda c: c.number)
    out = ['<section id="claims"><h2>Claims of the articles, tested</h2>',
           "<p>Each claim is an experiment over several seeds; the verdict is computed from the "
           "data: <b>supported</b> when the interval of the claimed effect lies above 0, "
           "<b>not supported</b> when it lies below 0 (or inside the claim's margin of "
           "practical equivalence), <b>inconclusive</b> otherwise. A claim with several effects "
           "needs all of them; their intervals are Bonferroni-widened within the claim. "
           "Claims are separate hypotheses and are not corrected against each other.</p>"]
    out.append(table_html(
        ["#", "claim", "verdict", "main effect", "CI", "seeds", "time (s)"],
        [[c.number, _Raw(f'<a href="#claim-{e(c.name)}">{e(c.title)}</a>'),
          _Raw(verdict_badge(c.verdict)),
          (f"{c.effects[0].estimate:.4g} {c.effects[0].unit}" if c.effects else "–"),
          (f"[{_num(c.effects[0].low)}, {_num(c.effects[0].high)}]" if c.effects else "–"),
          c.n_seeds, f"{c.seconds:.1f}"] for c in claims]))
    for c in claims:
        out.append(f'<div class="card" id="claim-{e(c.name)}"><h3>{c.number}. {e(c.title)} '
                   f"{verdict_badge(c.verdict)}</h3>")
        out.append(f"<p><b>Claim.</b> {e(c.statement)} <span class=\"muted\">({e(c.source)})"
                   "</span></p>")
        out.append(f"<p><b>Experiment.</b> {e(c.method)}</p><p><b>Verdict rule.</b> "
                   f"{e(c.rule)}</p>")
        out.append(table_html(EFFECT_COLUMNS, [_effect_row(x) for x in c.effects]))
        for t in c.tables:
            out.append(f"<h4>{e(t.title)}</h4>" + table_html(t.columns, t.rows))
        if c.charts:
            out.append('<div class="charts">' + "".join(line_chart(ch) for ch in c.charts)
                       + "</div>")
        for n in c.notes:
            out.append(f'<p class="muted">{e(n)}</p>')
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out), [("claims", "Claims")]

