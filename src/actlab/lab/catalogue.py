"""The registry as the JSON the lab page reads: the single source of its function list.

:func:`catalogue` iterates ``actlab.names()`` (never a hand-kept list) and gives, per entry, its
display name, parameters (default, admissible interval or choices, a slider range), the property
sheet at the default parameters (``Info.to_dict()``: formulas, range, extrema, kinks and their
convention, framework defaults) and, for entries the page's JavaScript has no kernels for,
sampled curves of ``f`` and ``f'`` so the explorer still draws them.

>>> from actlab.lab.catalogue import catalogue
>>> cat = catalogue()
>>> [e["name"] for e in cat["entries"]] == __import__("actlab").names()
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

SAMPLE_X = np.linspace(-6.0, 6.0, 241)


def _slider(p: Any) -> list[float] | None:
    """[lo, hi, step] for a real parameter (open bounds nudged inside)."""
    if p.choices is not None or p.kind is int:
        return None
    d = float(p.default)
    lo = p.lower if p.lower is not None else d - 3.0
    hi = p.upper if p.upper is not None else max(5.0 * abs(d), lo + 3.0)
    step = 0.01 if hi - lo <= 10 else 0.1
    if p.lower_open:
        lo += step
    if p.upper_open:
        hi -= step
    return [float(lo), float(hi), step]


def _param(p: Any, vector: bool) -> dict[str, Any]:
    return {
        "name": p.name, "default": p.default, "doc": p.doc,
        "lower": p.lower, "upper": p.upper, "lower_open": p.lower_open,
        "upper_open": p.upper_open,
        "choices": list(p.choices) if p.choices is not None else None,
        "kind": "int" if p.kind is int else "float",
        "slider": _slider(p),
        # a vector entry's axis has no meaning on the explorer's [x, 0] row
        "fixed": bool(vector and p.kind is int),
    }


def _finite(values: Iterable[float]) -> list[float | None]:
    return [round(float(v), 9) if math.isfinite(v) else None for v in values]


def _samples(f: Any) -> dict[str, list[float | None]]:
    x = SAMPLE_X
    if f.vector:
        rows = np.stack([x, np.zeros_like(x)], axis=1)
        y = f(rows)[:, 0]
        dy = f.jacobian(rows)[:, 0, 0]
    else:
        y, dy = f(x), f.grad(x)
    return {"x": _finite(x), "f": _finite(y), "df": _finite(dy)}


def catalogue(js_kernels: Iterable[str] | None = None) -> dict[str, Any]:
    """``{"entries": [...]}`` for every registry entry, in registration order.

    ``js_kernels`` names the entries the page computes itself; every other entry carries
    ``samples`` (f and f' at default parameters on [-6, 6]). ``None`` samples none.
    """
    import actlab
    from actlab.activations import registry

    have = None if js_kernels is None else set(js_kernels)
    entries = []
    for name in actlab.names():
        spec = registry.spec(name)
        f = actlab.get(name)
        entry: dict[str, Any] = {
            "name": name,
            "display_name": f.info.display_name,
            "aliases": sorted(a for a, n in actlab.aliases().items() if n == name),
            "params": [_param(p, spec.vector) for p in spec.params],
            "vector": bool(spec.vector),
            "info": f.info.to_dict(),
        }
        if have is not None and name not in have:
            entry["samples"] = _samples(f)
        entries.append(entry)
    return {"format": "actlab.lab.catalogue/1", "entries": entries}
