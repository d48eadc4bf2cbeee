"""Self-contained HTML for notebook display (``_repr_html_``): tables and inline SVG plots.

No scripts, no styles from elsewhere, no network references; every value is escaped. Used by
``Activation``, ``Info``, ``Sequential``, ``History`` and, through :class:`HTMLRepr`, by any
frozen dataclass record (study outcomes, claim results).

>>> from actlab._util_html import esc, table
>>> esc("<b> & 'q'")
'&lt;b&gt; &amp; &#x27;q&#x27;'
>>> "<td>&lt;x&gt;</td>" in table(["a"], [["<x>"]])
True
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
STYLE = ("<style>.actlab-repr table.actlab{border-collapse:collapse;font:12px monospace}"
         ".actlab-repr table.actlab td,.actlab-repr table.actlab th{border:1px solid #ccc;"
         "padding:2px 6px;text-align:left;vertical-align:top}</style>")


def esc(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attributes."""
    if isinstance(value, float):
        value = f"{value:.6g}"
    return html.escape(str(value), quote=True)


def table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; cells are escaped unless they are :class:`Raw`."""
    def cell(v: Any, tag: str) -> str:
        return f"<{tag}>{v if isinstance(v, Raw) else esc(v)}</{tag}>"

    head = "".join(cell(h, "th") for h in header)
    body = "".join("<tr>" + "".join(cell(v, "td") for v in r) + "</tr>" for r in rows)
    return f'<table class="actlab"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Raw(str):
    """Markup built here (already escaped): inserted as is."""


def page(title: str, *parts: str) -> str:
    """One display block: a heading and its parts, with a scoped style."""
    return Raw(f'<div class="actlab-repr">{STYLE}<b>{esc(title)}</b>{"".join(parts)}</div>')


def svg_plot(x: Sequence[float], series: Mapping[str, Sequence[float | None]], *,
             width: int = 360, height: int = 200, xlabel: str = "") -> str:
    """Lines through ``(x, y)`` for each named series, with axis ranges and a legend."""
    ys = [v for s in series.values() for v in s if v is not None and math.isfinite(v)]
    xs = [v for v in x if math.isfinite(v)]
    if not ys or not xs:
        return Raw("")
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    m = 30

    def px(v: float) -> float:
        return m + (v - x0) / (x1 - x0) * (width - 2 * m)

    def py(v: float) -> float:
        return height - m - (v - y0) / (y1 - y0) * (height - 2 * m)

    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img"><rect x="{m}" y="{m}" width="{width - 2 * m}" '
             f'height="{height - 2 * m}" fill="none" stroke="#999"/>']
    for i, (name, s) in enumerate(series.items()):
        pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, s)
                       if b is not None and math.isfinite(b) and math.isfinite(a))
        color = COLORS[i % len(COLORS)]
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                     'stroke-width="1.5"/>')
        parts.append(f'<text x="{m + 4}" y="{m + 12 + 12 * i}" font-size="11" '
                     f'fill="{color}">{esc(name)}</text>')
    for text, xx, yy, anchor in ((f"{y1:.3g}", m - 2, m + 4, "end"),
                                 (f"{y0:.3g}", m - 2, height - m, "end"),
                                 (f"{x0:.3g}", m, height - m + 12, "middle"),
                                 (f"{x1:.3g}", width - m, height - m + 12, "middle"),
                                 (xlabel, width / 2, height - 4, "middle")):
        parts.append(f'<text x="{xx}" y="{yy}" font-size="10" text-anchor="{anchor}">'
                     f'{esc(text)}</text>')
    return Raw("".join(parts) + "</svg>")


# --------------------------------------------------------------------------- records
def _brief(v: Any) -> Any:
    """A cell for one field value: nested records as small tables, long sequences counted."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return Raw(record_table(v))
    if isinstance(v, Mapping):
        return Raw(table(["key", "value"], [[k, _brief(x)] for k, x in v.items()]))
    if isinstance(v, (tuple, list)) and v and all(dataclasses.is_dataclass(x) for x in v):
        if len(v) > 20:
            return f"{len(v)} {type(v[0]).__name__} records"
        names = [f.name for f in dataclasses.fields(v[0])]
        return Raw(table(names, [[_brief(getattr(x, n)) for n in names] for x in v]))
    if isinstance(v, (tuple, list)) and len(v) > 20:
        return f"{len(v)} items"
    return v


def record_table(record: Any, skip: Sequence[str] = ()) -> str:
    """A dataclass instance as a field/value table (nested records as nested tables)."""
    rows = [[f.name, _brief(getattr(record, f.name))] for f in dataclasses.fields(record)
            if f.name not in skip]
    return table(["field", "value"], rows)


class HTMLRepr:
    """Mixin for dataclass records: ``_repr_html_`` shows the fields as a table, headed by
    ``_html_title`` (a field name or text) and leaving out the fields in ``_html_skip``."""

    _html_title = ""
    _html_skip: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        title = getattr(self, self._html_title, None) if self._html_title else None
        head = f"{type(self).__name__}" + (f": {title}" if title is not None else "")
        return page(head, record_table(self, self._html_skip))
