"""Inline SVG line charts for the HTML report (no external library, opens offline).

Each chart carries its data in a ``data-chart`` JSON attribute; ``templates/report.js`` reads it
to show the values under the pointer. Log-scale charts take ``log10`` of positive values and
leave gaps for zeros and missing points.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

from ..studies.records import Chart
from .htmlkit import color

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def _ok(v: float | None, logy: bool) -> bool:
    return v is not None and math.isfinite(v) and (not logy or v > 0)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw), default=10 * mag)
    start = math.ceil(lo / step) * step
    ticks = []
    t = start
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 12))
        t += step
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        return f"{v:.0e}"
    return f"{v:.4g}"


def line_chart(
    chart: Chart,
    *,
    width: int = 480,
    height: int = 280,
    bands: dict[str, tuple[Sequence[float | None], Sequence[float | None]]] | None = None,
    colors: dict[str, str] | None = None,
) -> str:
    """One chart as an ``<svg>`` element (a string). ``bands`` maps a series name to the lower
    and upper edge of a shaded interval drawn under its line (same x as the series)."""
    logy = chart.logy
    legend_w = 0
    if len(chart.series) > 1:  # legend to the right of the plot, never over the data
        legend_w = 22 + 6 * max(len(s.name) for s in chart.series)
        width += legend_w
    left, right, top, bottom = 58, 12 + legend_w, 26, 42
    pw, ph = width - left - right, height - top - bottom
    tr = (lambda v: math.log10(v)) if logy else (lambda v: v)
    xs = [x for s in chart.series for x in s.x if x is not None and math.isfinite(x)]
    ys = [tr(y) for s in chart.series for y in s.y if _ok(y, logy)]
    for lo, hi in (bands or {}).values():
        ys += [tr(v) for v in (*lo, *hi) if _ok(v, logy)]
    if not xs or not ys:
        return (f'<figure class="chart"><figcaption>{html.escape(chart.title)}</figcaption>'
                '<p class="muted">no data</p></figure>')
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - (abs(y0) * 0.1 or 0.5), y1 + (abs(y1) * 0.1 or 0.5)
    pad = 0.04 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad

    def px(x: float) -> float:
        return round(left + (x - x0) / (x1 - x0) * pw, 2)

    def py(v: float) -> float:
        return round(top + (1 - (tr(v) - y0) / (y1 - y0)) * ph, 2)

    colors = {k: color(v) for k, v in (colors or {}).items()}  # only #rrggbb reaches the SVG
    for i, s in enumerate(chart.series):
        colors.setdefault(s.name, PALETTE[i % len(PALETTE)])
    parts = [f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" class="plot-bg"/>']
    # axes and ticks
    if logy:
        mults = (1, 2, 5) if y1 - y0 < 2.5 else (1,)
        yt = [m * 10.0**k for k in range(math.floor(y0), math.ceil(y1) + 1) for m in mults
              if y0 <= math.log10(m * 10.0**k) <= y1]
        if len(yt) > 8:
            stride = math.ceil(len(yt) / 8)
            yt = yt[::stride]
        if not yt:
            yt = [10 ** ((y0 + y1) / 2)]
    else:
        yt = _nice_ticks(y0, y1)
    for t in yt:
        y = py(t)
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y}" y2="{y}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4}" class="tick" text-anchor="end">'
                     f'{_fmt(t)}</text>')
    integer_x = all(float(x).is_integer() for x in xs)
    xt = _nice_ticks(x0, x1, 6)
    if integer_x:
        xt = sorted({int(round(t)) for t in xt if x0 <= round(t) <= x1}) or [int(x0)]
    for t in xt:
        x = px(t)
        parts.append(f'<line x1="{x}" x2="{x}" y1="{top}" y2="{top + ph}" class="grid"/>'
                     f'<text x="{x}" y="{top + ph + 15}" class="tick" text-anchor="middle">'
                     f'{_fmt(t)}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 6}" class="label" '
                 f'text-anchor="middle">{html.escape(chart.xlabel)}</text>')
    parts.append(f'<text x="14" y="{top + ph / 2}" class="label" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top + ph / 2})">{html.escape(chart.ylabel)}'
                 f'{" (log)" if logy else ""}</text>')
    # bands, then lines
    data: dict = {"series": [], "logy": logy}
    for s in chart.series:
        if bands and s.name in bands:
            lo, hi = bands[s.name]
            pts = [(x, a, b) for x, a, b in zip(s.x, lo, hi) if _ok(a, logy) and _ok(b, logy)]
            if len(pts) > 1:
                poly = [f"{px(x)},{py(b)}" for x, _, b in pts]
                poly += [f"{px(x)},{py(a)}" for x, a, _ in reversed(pts)]
                parts.append(f'<polygon points="{" ".join(poly)}" fill="{colors[s.name]}" '
                             'class="band"/>')
    for s in chart.series:
        c = colors[s.name]
        segs: list[list[str]] = [[]]
        pix = []
        for x, y in zip(s.x, s.y):
            y = y if y is not None and math.isfinite(y) else None
            if _ok(y, logy):
                segs[-1].append(f"{px(x)},{py(y)}")
                pix.append([px(x), py(y), y, x])
            else:
                segs.append([])
                pix.append([px(x), None, y, x])
        for seg in segs:
            if len(seg) > 1:
                parts.append(f'<polyline points="{" ".join(seg)}" stroke="{c}" class="line"/>')
            elif len(seg) == 1:
                xx, yy = seg[0].split(",")
                parts.append(f'<circle cx="{xx}" cy="{yy}" r="2.5" fill="{c}"/>')
        data["series"].append({"name": s.name, "color": c,
                               "pts": pix})
    # legend
    lx, ly = left + pw + 10, top + 8
    legend = []
    for i, s in enumerate(chart.series):
        legend.append(f'<g transform="translate({lx},{ly + 13 * i})"><rect width="10" '
                      f'height="3" y="-4" fill="{colors[s.name]}"/><text x="14" y="0" '
                      f'class="legend">{html.escape(s.name)}</text></g>')
    if len(chart.series) > 1:
        parts.append('<g class="legend-box">' + "".join(legend) + "</g>")
    payload = html.escape(json.dumps(data, allow_nan=False))
    return (
        f'<figure class="chart"><figcaption>{html.escape(chart.title)}</figcaption>'
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(chart.title)}" data-chart="{payload}" '
        f'data-top="{top}" data-bottom="{top + ph}">{"".join(parts)}'
        f'<line class="cursor" x1="0" x2="0" y1="{top}" y2="{top + ph}" visibility="hidden"/>'
        f'</svg></figure>'
    )
