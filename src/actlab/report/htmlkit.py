"""Safe building blocks for the HTML report: every value reaching the page goes through here.

* Text and attribute values: :func:`esc` (``html.escape`` with quotes), never raw.
* Class names, colours and anchors come from closed sets or are validated
  (:func:`css_class`, :func:`color`, :func:`anchor`); anything else falls back to a safe value.
* Numbers are formatted from floats (:func:`num`), never copied as text.

>>> from actlab.report.htmlkit import anchor, color, css_class, esc
>>> esc('x"><script>alert(1)</script>')
'x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
>>> color("red; background:url(x)"), color("#1f77b4")
('#7f7f7f', '#1f77b4')
>>> css_class("inconclusive", ("supported", "inconclusive")), css_class("x\\"y", ("a",))
('inconclusive', 'unknown')
>>> anchor("act-", 'leaky_relu(alpha=0.2)"><b>')
'act-leaky-relu-alpha-0-2----b-'
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def esc(text: Any) -> str:
    """``str(text)`` escaped for HTML text and double- or single-quoted attributes."""
    return html.escape(str(text), quote=True)


def color(value: Any, default: str = "#7f7f7f") -> str:
    """``value`` if it is a ``#rrggbb`` colour, else ``default``."""
    return value if isinstance(value, str) and _COLOR.fullmatch(value) else default


def css_class(value: Any, allowed: Iterable[str]) -> str:
    """``value`` with spaces as dashes if it is one of ``allowed``, else ``"unknown"``."""
    allowed = tuple(allowed)
    if isinstance(value, str) and value in allowed:
        return value.replace(" ", "-")
    return "unknown"


def anchor(prefix: str, text: Any) -> str:
    """An id made of ``prefix`` and the letters and digits of ``text`` (others become ``-``)."""
    return prefix + "".join(c if c.isascii() and c.isalnum() else "-" for c in str(text))


def num(v: Any, fmt: str = "{:.4g}") -> str:
    """A number as text (``–`` for none, ``nan``, ``∞``); non-numbers are escaped."""
    if v is None:
        return "–"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return esc(v)
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return fmt.format(v)


class Raw:
    """Pre-escaped HTML for a table cell (build it only from :func:`esc`'d parts)."""

    def __init__(self, text: str) -> None:
        self.text = text


def table_html(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, cls: str = "") -> str:
    """A table: numbers through :func:`num`, :class:`Raw` cells as given, the rest escaped."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{num(float(v))}</td>')
            elif isinstance(v, Raw):
                cells.append(f"<td>{v.text}</td>")
            else:
                cells.append(f"<td>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="{css_class(cls, ("", "summary", "flags", "sweep"))}"><thead><tr>'
            f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
