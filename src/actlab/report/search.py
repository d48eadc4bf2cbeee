"""``OUT/index.html`` of a search: the answer, the leaderboard (formulas escaped), f and f' of
every finalist beside ReLU (inline SVG), their inferred property sheets, the transfer check,
the cost, and links to the candidate log.

``search.json`` is untrusted: every value reaches the page through :mod:`.htmlkit` (escaped
or formatted from floats), and formulas are re-parsed by the whitelist grammar before a chart
is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._util_files import atomic_write
from .htmlkit import Raw, anchor, esc, num, table_html


def _ci(d: Any) -> str:
    if not isinstance(d, Mapping):
        return "–"
    return f"{num(d.get('mean'), '{:+.2f}')} [{num(d.get('low'), '{:+.2f}')}, " \
           f"{num(d.get('high'), '{:+.2f}')}]"


def _acc(d: Any) -> str:
    if not isinstance(d, Mapping):
        return "–"
    return f"{num(d.get('mean'), '{:.2f}')} [{num(d.get('low'), '{:.2f}')}, " \
           f"{num(d.get('high'), '{:.2f}')}]"


def _rows(entries: Sequence[Any]) -> list[list[Any]]:
    rows = []
    for f in entries:
        if not isinstance(f, Mapping):
            continue
        what = f.get("expression", f.get("activation", ""))
        rows.append([Raw(f"<code>{esc(f.get('name', ''))}</code>"),
                     Raw(f"<code>{esc(what)}</code>"), Raw(esc(_acc(f.get("test_accuracy")))),
                     Raw(esc(_ci(f.get("delta_vs_relu")))),
                     esc((f.get("delta_vs_relu") or {}).get("verdict", "reference")
                         if isinstance(f.get("delta_vs_relu"), Mapping) else ""),
                     Raw(num(f.get("lr"), "{:.3g}")), Raw(num(f.get("seeds"), "{:.0f}"))])
    return rows


_COLS = ("name", "formula", "test accuracy % [95 % CI]", "vs relu, points [corrected CI]",
         "verdict", "lr", "seeds")


SHEET_SECONDS = 10.0  #: longest wait for one inferred property sheet


def _info(act: Any) -> Any:
    """``act.info``, or ``None`` if inference takes longer than :data:`SHEET_SECONDS` (its
    mpmath accuracy probe is slow for formulas like ``sigmoid(exp(x))``)."""
    import threading

    box: list[Any] = []
    t = threading.Thread(target=lambda: box.append(act.info), daemon=True)
    t.start()
    t.join(SHEET_SECONDS)
    return box[0] if box else None


def _card(f: Mapping[str, Any]) -> str:
    import actlab

    from .sections import function_chart, sheet_html

    name, expr = str(f.get("name", "")), f.get("expression")
    head = f'<div class="card" id="{esc(anchor("found-", name))}"><h3><code>{esc(name)}</code>' \
           f" = <code>{esc(expr)}</code></h3>"
    try:
        act = actlab.define(str(expr))
    except (ValueError, TypeError) as e:
        return head + f"<p>cannot be drawn: {esc(e)}</p></div>"
    charts = function_chart(act, f"{name}: f and f'") + function_chart(
        actlab.get("relu"), "relu: f and f'")
    info = _info(act)
    sheet = sheet_html(info) if info is not None else (
        f"<p>property sheet not inferred within {SHEET_SECONDS:g} s</p>")
    return head + f'<div class="charts">{charts}</div>{sheet}</div>'


def search_page(data: Mapping[str, Any]) -> str:
    from . import page

    fin = [f for f in data.get("finalists", []) if isinstance(f, Mapping)]
    base = [f for f in data.get("baselines", []) if isinstance(f, Mapping)]
    tr = data.get("transfer") if isinstance(data.get("transfer"), Mapping) else {}
    runs = data.get("runs") if isinstance(data.get("runs"), Mapping) else {}
    counts = data.get("discarded_counts") if isinstance(data.get("discarded_counts"),
                                                        Mapping) else {}
    parts = [f'<section id="answer"><h2>Answer</h2><p class="answer">{esc(data.get("verdict"))}'
             f"</p><p>{esc(data.get('setting', ''))}</p></section>"]
    parts.append('<section id="leaderboard"><h2>Leaderboard</h2>' +
                 table_html(_COLS, _rows(fin) + _rows(base), cls="summary") +
                 "<p>Test accuracy at the validation-selected epoch, lr tuned per function on "
                 "validation, fresh seeds; differences to ReLU are paired over seeds and "
                 f"{esc((data.get('final') or {}).get('correction', 'corrected'))}.</p>"
                 "</section>")
    if tr.get("setting"):
        parts.append(f'<section id="transfer"><h2>Transfer: {esc(tr["setting"])}</h2>' +
                     table_html(_COLS, _rows(tr.get("finalists", [])) +
                                _rows(tr.get("baselines", [])), cls="summary") + "</section>")
    parts.append('<section id="finalists"><h2>Finalists beside ReLU</h2>' +
                 "".join(_card(f) for f in fin) + "</section>")
    stages = [s for s in data.get("stages", []) if isinstance(s, Mapping)]
    srows = [[Raw(num(s.get(k), "{:.0f}")) for k in ("stage", "epochs", "seeds", "entered",
                                                     "runs", "keep")] for s in stages]
    disc = ", ".join(f"{esc(k)}: {num(v, '{:.0f}')}" for k, v in counts.items())
    parts.append(
        '<section id="cost"><h2>Search and cost</h2>'
        f"<p>{num(data.get('candidates'), '{:.0f}')} candidates generated, "
        f"{num(data.get('evaluated'), '{:.0f}')} trained ({esc(data.get('method', ''))}); "
        f"discarded before training: {disc or 'none'}. Runs: "
        f"{num(runs.get('trained'), '{:.0f}')} trained, {num(runs.get('reused'), '{:.0f}')} "
        f"reused; CPU time {num(data.get('cpu_seconds'), '{:.0f}')} s; wall time "
        f"{num(data.get('seconds'), '{:.0f}')} s.</p>" +
        table_html(("stage", "epochs", "seeds", "entered", "runs", "advanced"), srows,
                   cls="sweep") +
        '<p>Candidate log: <a href="candidates.csv">candidates.csv</a>, '
        '<a href="candidates.sqlite">candidates.sqlite</a>; runs: '
        '<a href="results.sqlite">results.sqlite</a>; <a href="search.json">search.json</a>.'
        "</p></section>")
    nav = [("answer", "Answer"), ("leaderboard", "Leaderboard"), ("finalists", "Finalists"),
           ("cost", "Cost")] + ([("transfer", "Transfer")] if tr.get("setting") else [])
    return page("actlab search", str(data.get("setting", "")), [("\n".join(parts), nav)])


def write_search_report(out: str | Path) -> Path:
    """Write ``out/index.html`` from ``out/search.json``."""
    from ..studies.search import read_search_json

    out = Path(out)
    path = out / "index.html"
    atomic_write(path, search_page(read_search_json(out)))
    return path
