"""Screening before any training: remove duplicates by value, discard unusable candidates.

Every candidate is evaluated on the probe grid (:data:`GRID`, 641 points on [-8, 8]); its
value signature (each value rounded to 30 significant bits) identifies the function, so
``x * sigmoid(x)`` and ``sigmoid(x) * x`` are one candidate (the first seen, shortest first when
a space is enumerated, is kept). A candidate is discarded, with the reason recorded, when on the
grid it is

* **not finite** (NaN or infinite somewhere: ``log(abs(x) + e) / sin(x)``...),
* **constant** (max - min below 1e-6 of its size: no gradient signal),
* **exploding**: |f| or the finite-difference |f'| above :data:`LIMIT` (``exp(cosh(x))``): such
  a unit overflows a few layers deep, or
* **rejected by the expression system** (:func:`admit`, only for candidates about to be
  trained): the formula fails the whitelist grammar or its domain check, or the generated f'
  is not finite on the grid (``sqrt(abs(x))`` at 0).

>>> from actlab.studies.search.screen import Pool
>>> from actlab.studies.search.space import SPACES
>>> pool = Pool(SPACES["small"])
>>> a, b = pool.add(("mul", "x", "sigmoid")), pool.add(("mul", "sigmoid", "x"))
>>> a.status, b.status, b.reason
('kept', 'discarded', 'duplicate of x * sigmoid(x)')
>>> pool.add(("sub", "x", "x")).reason
'constant on [-8, 8]'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .space import Space, Tree

GRID = np.linspace(-8.0, 8.0, 641)
LIMIT = 1e4  #: largest |f| or |f'| accepted on the grid
_BITS = 30


@dataclass
class Candidate:
    """One generated candidate: its formula, its tree (``None`` for an explicit formula), and
    what became of it (``kept`` or ``discarded`` with ``reason``)."""

    formula: str
    tree: Tree | None = None
    status: str = "kept"
    kind: str = ""  # why discarded, in one word: duplicate, not finite, constant, ...
    reason: str = ""
    order: int = 0
    scores: dict[int, float] = field(default_factory=dict)  # stage -> validation score

    def discard(self, kind: str, reason: str) -> None:
        self.status, self.kind, self.reason = "discarded", kind, reason

    @property
    def activation(self) -> str:
        """The activation text a run config carries (re-parsed in every worker)."""
        return "expr:" + self.formula


def signature(y: np.ndarray) -> bytes:
    """The values rounded to ``_BITS`` significant bits (and -0 as 0), as bytes."""
    m, e = np.frexp(np.asarray(y, dtype=np.float64))
    q = np.ldexp(np.round(m * 2.0**_BITS), e) + 0.0
    return q.tobytes()


def problem(y: np.ndarray, x: np.ndarray = GRID) -> tuple[str, str]:
    """Why values ``y`` on ``x`` are unusable: ``(kind, reason)``, ``("", "")`` if fine."""
    where = f"[{x[0]:g}, {x[-1]:g}]"
    bad = ~np.isfinite(y)
    if bad.any():
        return "not finite", (f"not finite on {where} (at x = "
                              f"{float(x[np.flatnonzero(bad)[0]]):.4g})")
    size = float(np.max(np.abs(y)))
    if size > LIMIT:
        return "explodes", f"explodes: |f| reaches {size:.3g} on {where}"
    if float(np.ptp(y)) <= 1e-6 * max(1.0, size):
        return "constant", f"constant on {where}"
    slope = float(np.max(np.abs(np.diff(y) / np.diff(x))))
    if slope > LIMIT:
        return "explodes", f"explodes: |f'| reaches {slope:.3g} on {where}"
    return "", ""


def _values(space: Space, c: Candidate) -> np.ndarray:
    if c.tree is not None:
        return space.values(c.tree, GRID)
    from actlab.activations.expr.core import _expression

    with np.errstate(all="ignore"):
        return np.asarray(_expression(c.formula, ()).f(GRID, {}), dtype=np.float64)


class Pool:
    """Candidates generated so far, deduplicated by value as they arrive."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.all: list[Candidate] = []
        self.by_formula: dict[str, Candidate] = {}
        self._by_value: dict[bytes, Candidate] = {}

    def add(self, item: Tree | str) -> Candidate:
        """Screen ``item`` (a tree or a formula); the same formula twice is one candidate."""
        if isinstance(item, str):
            c = Candidate(item.strip())
        else:
            c = Candidate(self.space.formula(item), item)
        if c.formula in self.by_formula:
            return self.by_formula[c.formula]
        c.order = len(self.all)
        self.all.append(c)
        self.by_formula[c.formula] = c
        y = _values(self.space, c)
        kind, why = problem(y)
        if kind:
            c.discard(kind, why)
            return c
        sig = signature(y)
        first = self._by_value.get(sig)
        if first is not None:
            c.discard("duplicate", f"duplicate of {first.formula}")
            return c
        self._by_value[sig] = c
        return c

    def kept(self) -> list[Candidate]:
        return [c for c in self.all if c.status == "kept"]

    def discarded(self) -> list[Candidate]:
        return [c for c in self.all if c.status == "discarded"]

    def counts(self) -> dict[str, int]:
        """How many candidates were discarded, by kind."""
        out: dict[str, int] = {}
        for c in self.discarded():
            out[c.kind] = out.get(c.kind, 0) + 1
        return out


def admit(c: Candidate, space: Space) -> bool:
    """Build ``c`` with the expression system (:func:`actlab.define`) and check the generated
    code: f agrees with the screened values and f and f' are finite and bounded on the grid.
    A failure discards ``c`` with the reason; returns whether ``c`` may be trained."""
    import actlab

    if c.status != "kept":
        return False
    try:
        act = actlab.define(c.formula)
        with np.errstate(all="ignore"):
            y = np.asarray(act(GRID), dtype=np.float64)
            dy = np.asarray(act.grad(GRID), dtype=np.float64)
    except (ValueError, TypeError, RecursionError) as e:
        c.discard("rejected", f"rejected by the expression system: {e}")
        return False
    if not np.allclose(y, _values(space, c), rtol=1e-9, atol=1e-12):
        c.discard("rejected", "generated code disagrees with the screened values")
        return False
    bad = ~np.isfinite(dy)
    if bad.any():
        at = float(GRID[np.flatnonzero(bad)[0]])
        c.discard("unstable", f"unstable: f' not finite at x = {at:.4g}")
        return False
    if float(np.max(np.abs(dy))) > LIMIT:
        c.discard("unstable", f"unstable: |f'| reaches {np.max(np.abs(dy)):.3g}")
        return False
    return True


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def screen_all(space: Space, items: Any) -> Pool:
    """A pool of ``items`` (trees and formulas), shortest formula first so that a duplicate
    class keeps its simplest member."""
    pool = Pool(space)
    texts = [(space.formula(t) if not isinstance(t, str) else t, t) for t in items]
    for _, t in sorted(texts, key=lambda p: (len(p[0]), p[0])):
        pool.add(t)
    return pool
