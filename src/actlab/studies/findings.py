"""Plain frozen records of what studies concluded: estimates, effects, tables, charts, claims.

Split out of :mod:`actlab.studies.records` (which re-exports every name here); the same JSON
conventions apply (non-finite floats as ``"nan"``/``"inf"`` strings, see
:func:`actlab.studies.records.encode`).

>>> from actlab.studies.findings import Estimate
>>> e = Estimate(0.5, 0.4, 0.6, 5, 0.1)
>>> Estimate.from_dict(e.to_dict()) == e
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .._util_html import HTMLRepr
from .._util_codec import encode, float_or_none as _float

Verdict = Literal["supported", "not supported", "inconclusive"]


@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its two-sided t-based confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    sd: float
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Estimate:
        return cls(mean=_float(d["mean"]), low=_float(d["low"]), high=_float(d["high"]),
                   n=int(d["n"]), sd=_float(d["sd"]), level=float(d.get("level", 0.95)))


@dataclass(frozen=True)
class Effect:
    """One tested effect: ``estimate`` of (claimed side) minus (other side), oriented so that a
    positive value is what the claim predicts, in ``unit``, with its corrected interval at
    ``level`` and adjusted p-value. ``method`` is the interval ("paired t", "welch",
    "one-sample t"), ``correction`` the multiple-comparison handling, ``detectable`` the
    interval's half-width (the smallest effect the design could detect), ``note`` what else
    the reader must know (censored or missing runs, a dominating run)."""

    name: str
    estimate: float
    low: float
    high: float
    level: float
    p_value: float
    cohen_d: float
    n_a: int
    n_b: int
    unit: str = ""
    verdict: Verdict = "inconclusive"
    method: str = ""
    correction: str = ""
    detectable: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Effect:
        return cls(name=d["name"], estimate=_float(d["estimate"]), low=_float(d["low"]),
                   high=_float(d["high"]), level=float(d["level"]), p_value=_float(d["p_value"]),
                   cohen_d=_float(d["cohen_d"]), n_a=int(d["n_a"]), n_b=int(d["n_b"]),
                   unit=d.get("unit", ""), verdict=d.get("verdict", "inconclusive"),
                   method=d.get("method", ""), correction=d.get("correction", ""),
                   detectable=_float(d.get("detectable")), note=d.get("note", ""))


@dataclass(frozen=True)
class Table:
    """A small table for the report: a title, column names and rows of cells (str or float)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return encode({"title": self.title, "columns": self.columns, "rows": self.rows})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Table:
        return cls(title=d["title"], columns=tuple(d["columns"]),
                   rows=tuple(tuple(r) for r in d["rows"]))


@dataclass(frozen=True)
class Series:
    """A named curve for the report: ``x`` and ``y`` of equal length (``None`` = gap)."""

    name: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return encode({"name": self.name, "x": self.x, "y": self.y})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Series:
        return cls(name=d["name"], x=tuple(_float(v) for v in d["x"]),
                   y=tuple(_float(v) for v in d["y"]))


@dataclass(frozen=True)
class Chart:
    """A line chart for the report (rendered as inline SVG, hover shows the values)."""

    title: str
    xlabel: str
    ylabel: str
    series: tuple[Series, ...]
    logy: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel,
                "series": [s.to_dict() for s in self.series], "logy": self.logy}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Chart:
        return cls(title=d["title"], xlabel=d["xlabel"], ylabel=d["ylabel"],
                   series=tuple(Series.from_dict(s) for s in d["series"]),
                   logy=bool(d.get("logy", False)))


@dataclass(frozen=True)
class ClaimResult(HTMLRepr):
    """The verdict of one claim of the articles, computed from its runs.

    ``verdict`` combines the ``effects`` as the claim's ``rule`` says; ``method`` says what was
    run and how the effects were tested (including the multiple-comparison handling).
    """

    name: str
    number: int
    title: str
    statement: str
    source: str
    verdict: Verdict
    effects: tuple[Effect, ...]
    method: str
    rule: str
    n_seeds: int
    run_keys: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    _html_title, _html_skip = "title", ("run_keys", "charts")  # notebook display (not fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "number": self.number, "title": self.title,
            "statement": self.statement, "source": self.source, "verdict": self.verdict,
            "effects": [e.to_dict() for e in self.effects], "method": self.method,
            "rule": self.rule, "n_seeds": self.n_seeds, "run_keys": list(self.run_keys),
            "tables": [t.to_dict() for t in self.tables],
            "charts": [c.to_dict() for c in self.charts],
            "seconds": self.seconds, "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClaimResult:
        return cls(
            name=d["name"], number=int(d["number"]), title=d["title"], statement=d["statement"],
            source=d["source"], verdict=d["verdict"],
            effects=tuple(Effect.from_dict(e) for e in d["effects"]), method=d["method"],
            rule=d["rule"], n_seeds=int(d["n_seeds"]), run_keys=tuple(d.get("run_keys", ())),
            tables=tuple(Table.from_dict(t) for t in d.get("tables", ())),
            charts=tuple(Chart.from_dict(c) for c in d.get("charts", ())),
            seconds=float(d.get("seconds", 0.0)), notes=tuple(d.get("notes", ())),
        )
