"""HTML sections of the report, built from records only (no training happens here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..studies import aggregate
from ..studies import analysis
from ..studies.compare import CompareOutcome
from ..studies.records import Chart, ClaimResult, Effect, RunResult, Series
from .htmlkit import Raw as _Raw
from .htmlkit import anchor, css_class, esc, num, table_html
from .htmlkit import num as _num
from .svg import PALETTE, line_chart

e = esc
VERDICTS = ("supported", "not supported", "inconclusive")


def _colors(labels: Sequence[str]) -> dict[str, str]:
    return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(labels)}


# --------------------------------------------------------------------------- compare
def compare_section(o: CompareOutcome, *, figures: Sequence[str] = ()
                    ) -> tuple[str, list[tuple[str, str]]]:
    """The compare study: summary with units, comparisons with the leader, curves, gradient
    flow, per-activation sheets. Returns the HTML and the navigation entries."""
    spec, results = o.spec, o.results
    expected = len(spec.activations) * spec.seeds
    nav = [("compare", "Comparison"), ("curves", "Curves"), ("gradients", "Gradient flow"),
           ("activations", "Activations")]
    groups = analysis.group(results)
    colors = _colors(list(groups))
    prim = analysis.primary_metric(results)
    out = ['<section id="compare"><h2>Comparison of activations</h2>',
           f"<p>{e(spec.describe())}. {len(results)} of {expected} final runs finished.</p>"]
    if len(results) < expected:
        out.append(f'<p class="note">The study is incomplete ({expected - len(results)} runs '
                   "missing): rerun the same command to finish it.</p>")
    cols = ["activation", "lr", "runs (diverged)", "test accuracy [95 % CI]",
            "validation accuracy", "test loss", "training loss", "selected epoch",
            f"epochs to {spec.target_error:.0%} training error (censored)",
            "wall time per run"]
    body = []
    for r in o.rows:
        est = r.estimates
        body.append([
            _Raw(f'<span style="color:{colors[r.label]}">■</span> {e(r.label)}'),
            "–" if r.lr is None else f"{r.lr:.3g}", f"{r.runs} ({r.diverged})",
            analysis.fmt_value(est["test_accuracy"], "test_accuracy"),
            analysis.fmt_value(est["val_accuracy"], "val_accuracy"),
            analysis.fmt_value(est["test_loss"], "test_loss"),
            analysis.fmt_value(est["train_loss"], "train_loss"),
            analysis.fmt_value(est["selected_epoch"], "selected_epoch"),
            f'{analysis.fmt_value(est["epochs_to_target"], "epochs_to_target")} '
            f"({r.runs - r.reached})",
            analysis.fmt_value(est["wall_seconds"], "wall_seconds")])
    out.append(table_html(cols, body, cls="summary"))
    rk = analysis.ranking(results, prim) if len(groups) >= 2 else None
    if rk is not None and rk.comparisons:
        unit = analysis.METRICS[prim][3]
        out.append(f"<h3>Each activation against the leader ({e(rk.best[0])})</h3>")
        out.append(table_html(
            ["activation", f"difference ({unit})", "corrected 95 % CI", "detectable (±)",
             "method", "adjusted p", "verdict"],
            [[p.b, f"{-p.diff:+.2f} {unit}", f"[{-p.high:+.2f}, {-p.low:+.2f}]",
              f"{(p.high - p.low) / 2:.2f} {unit}" if p.high - p.low < float("inf") else "∞",
              p.method, _num(p.p_value, "{:.2g}"),
              "clearly worse" if p.b in rk.worse else "tied with the leader"]
             for p in rk.comparisons]))
    out.append("<h3>What the data support</h3><ul>")
    for metric in (prim, "train_loss", "epochs_to_target"):
        for s in analysis.statements(results, metric):
            out.append(f"<li>{e(s)}</li>")
    out.append("</ul>")
    out.append(
        '<p class="note">Intervals are two-sided t intervals over seeds (95 %). Runs with the '
        "same seed share initial weights, batch order and validation split, so differences "
        "are paired by seed (paired t; Welch where seeds do not match) and Holm-corrected over "
        "all comparisons of a list. An ordering is stated only where the corrected interval "
        "excludes 0; detectable = the half-width of that interval. Diverged runs stay in "
        "every mean (at their best epoch before diverging); runs that never reach the target "
        "count as the epoch budget (censored).</p>")
    out.append("</section>")
    # curves
    out.append('<section id="curves"><h2>Training curves</h2><p>Mean over seeds with the 95 % '
               "interval shaded; hover to read the values. Validation = the held-out part of "
               "the training split, evaluated after each epoch (it selects the epoch); the test "
               "split is evaluated once per run.</p><div class=\"charts\">")
    for fld, title, ylabel, logy in (
            ("train_loss", "Training loss", "loss", True),
            ("val_accuracy", "Validation accuracy", "accuracy", False),
            ("train_accuracy", "Training accuracy (running, per epoch)", "accuracy", False),
            ("val_loss", "Validation loss", "loss", True)):
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


def explorer_section(activations: Sequence[str], scripts: list[str]
                     ) -> tuple[str, list[tuple[str, str]]]:
    """The lab's function explorer (an ``<iframe srcdoc>``, sandboxed to scripts) opened on
    the study's activations; appends its script's CSP hash to ``scripts``."""
    from ..lab.page import study_explorer

    frame, hashes = study_explorer(activations)
    scripts.extend(hashes)
    return ('<section id="explorer"><h2>Function explorer</h2><p>The study\'s activations, '
            "overlaid: change parameters, w and b in f(w x + b), hover for f and f′, read the "
            "property sheet. It runs in a sandboxed frame and loads nothing.</p>"
            f"{frame}</section>", [("explorer", "Explorer")])


def sheet_html(info: Any) -> str:
    d = info.to_dict()
    items = [
        ("formula", d["formula"]), ("derivative", d["derivative"]),
        ("parameters", ", ".join(f"{k} = {v}" for k, v in d["params"].items()) or "none"),
        ("range", f"({d['range'][0]}, {d['range'][1]})"),
        ("minimum", "not attained" if d["minimum"] is None else
         f"{d['minimum']['value']:.6g} at x = {d['minimum']['at']:.6g}"),
        ("max |f'|", num(d["max_abs_grad"])), ("monotone", d["monotone"]),  # num: "inf" too
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
    try:
        f = actlab.get(cfg.activation, **cfg.params)
    except (ValueError, TypeError):
        return (f'<div class="card" id="{e(anchor("act-", label))}"><h3><code>{e(label)}'
                "</code></h3><p>not in this catalogue</p></div>")
    parts = [f'<div class="card" id="{e(anchor("act-", label))}"><h3 style="color:{color}">'
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
    return f'<span class="verdict {css_class(v, VERDICTS)}">{e(v)}</span>'


def _effect_row(x: Effect) -> list[Any]:
    unit = f" {x.unit}" if x.unit else ""
    runs = f"{x.n_a} pairs" if x.method == "paired t" else f"{x.n_a} vs {x.n_b}"
    return [x.name, _Raw(verdict_badge(x.verdict)), f"{x.estimate:.4g}{unit}",
            f"[{_num(x.low)}, {_num(x.high)}]{unit}", f"{x.level:.4g}", x.method or "welch",
            _num(x.p_value, "{:.2g}"),
            "–" if x.detectable is None else f"±{_num(x.detectable, '{:.2g}')}{unit}", runs,
            x.note or ""]


EFFECT_COLUMNS = ("effect (claimed − other)", "verdict", "estimate", "CI", "CI level",
                  "interval", "p (Holm)", "smallest detectable", "runs", "note")


def claims_section(claims: Sequence[ClaimResult]) -> tuple[str, list[tuple[str, str]]]:
    claims = sorted(claims, key=lambda c: c.number)
    out = ['<section id="claims"><h2>Claims of the articles, tested</h2>',
           "<p>Each claim is an experiment over several seeds; the verdict is computed from the "
           "data: <b>supported</b> when the interval of the claimed effect lies above 0, "
           "<b>not supported</b> when it lies below 0 (or inside the claim's margin of "
           "practical equivalence), <b>inconclusive</b> otherwise. Each condition's learning "
           "rate is tuned on validation; conditions share seeds and are compared with paired "
           "intervals. A claim with several effects needs all of them; they are "
           "Holm-corrected together within the claim. Claims are separate hypotheses and are "
           "not corrected against each other. Each method says how the claim could fail.</p>"]
    out.append(table_html(
        ["#", "claim", "verdict", "main effect", "CI", "seeds", "time (s)"],
        [[c.number, _Raw(f'<a href="#{e(anchor("claim-", c.name))}">{e(c.title)}</a>'),
          _Raw(verdict_badge(c.verdict)),
          (f"{_num(c.effects[0].estimate)} {c.effects[0].unit}" if c.effects else "–"),
          (f"[{_num(c.effects[0].low)}, {_num(c.effects[0].high)}] {c.effects[0].unit}"
           if c.effects else "–"),
          c.n_seeds, f"{c.seconds:.1f}"] for c in claims]))
    for c in claims:
        out.append(f'<div class="card" id="{e(anchor("claim-", c.name))}"><h3>{int(c.number)}. '
                   f'{e(c.title)} '
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

