"""mpmath evaluation of an expression tree (the gold values of the accuracy check).

Every node is evaluated at :data:`DPS` digits from its mathematical definition; registry entries
inside a formula go through their naive forms (:mod:`.entries`), except the few whose forms
would cancel even at 50 digits (sigmoid, softplus, log_sigmoid: ``log(1 + e^-1e20)`` is 0 at any
fixed precision), which are written here with ``log1p``. Derivatives of entries are the mpmath
values of the SymPy derivative of their forms.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import mpmath as mp
import sympy as sp

from . import entries, grammar, nodes, rewrite

DPS = 60
_BIG = mp.mpf(10) ** 8


def _sig(t):
    return 1 / (1 + mp.exp(-t))


def _softplus1(t):
    return mp.log1p(mp.exp(t)) if t < 0 else t + mp.log1p(mp.exp(-t))


def _erfc(t):
    if t > _BIG:  # asymptotic series; mpmath's erfc is slow or overflows out here
        s = 1 / (2 * t * t)
        return mp.exp(-t * t) / (t * mp.sqrt(mp.pi)) * (1 - s + 3 * s**2 - 15 * s**3)
    if t < -_BIG:
        return 2 - _erfc(-t)
    return mp.erfc(t)


def _erf(t):
    return 1 - _erfc(t) if t > 1 else (-1 + _erfc(-t) if t < -1 else mp.erf(t))


def _tie(g, da, db):
    if g > 0:
        return da
    if g < 0:
        return db
    return da if abs(da) <= abs(db) else db


_PRIMITIVE = {
    ("f", "sigmoid"): lambda t, p: _sig(t),
    ("grad", "sigmoid"): lambda t, p: _sig(t) * _sig(-t),
    ("f", "softplus"): lambda t, p: _softplus1(p["beta"] * t) / p["beta"],
    ("grad", "softplus"): lambda t, p: _sig(p["beta"] * t),
    ("f", "log_sigmoid"): lambda t, p: -_softplus1(-t),
    ("grad", "log_sigmoid"): lambda t, p: _sig(-t),
}

_FUNCS: dict[Any, Any] = {
    sp.exp: mp.exp, sp.log: mp.log, sp.sin: mp.sin, sp.cos: mp.cos, sp.tanh: mp.tanh,
    sp.sinh: mp.sinh, sp.cosh: mp.cosh, sp.atan: mp.atan, sp.erf: _erf, nodes.Erfc: _erfc,
    sp.Abs: abs, sp.sign: mp.sign, nodes.Log1p: mp.log1p, nodes.Expm1: mp.expm1,
    nodes.Sech2: lambda u: mp.sech(u) ** 2, nodes.Maximum: max, nodes.Minimum: min,
    nodes.TieSelect: _tie,
    nodes.WhereGt: lambda g, a, b: a if g > 0 else b,
    nodes.WhereGe: lambda g, a, b: a if g >= 0 else b,
}


@lru_cache(maxsize=128)
def _entry_tree(name: str, params: tuple[tuple[str, Any], ...], grad: bool) -> tuple:
    text, values = entries.form(name, dict(params))
    e = rewrite.stable(grammar.parse(text, tuple(values)))
    if grad:
        e = rewrite.stable(sp.diff(e, grammar.X))
    return e, tuple(values.items())


def evaluate(e: sp.Basic, t: mp.mpf, values: dict[str, mp.mpf]) -> mp.mpf:
    """``e`` at ``x = t`` (call inside ``mp.workdps``)."""
    if isinstance(e, sp.Symbol):
        return t if e.name == "x" else values[e.name]
    if e.is_number:
        return mp.mpf(sp.N(e, DPS + 10)) if not e.is_Rational else mp.mpf(e.p) / e.q
    if isinstance(e, sp.Add):
        return mp.fsum(evaluate(a, t, values) for a in e.args)
    if isinstance(e, sp.Mul):
        return mp.fprod(evaluate(a, t, values) for a in e.args)
    if isinstance(e, sp.Pow):
        b, p = evaluate(e.base, t, values), e.exp
        if p.is_Integer:
            return b ** int(p)
        return b ** evaluate(p, t, values)
    grad = nodes.is_entry(e, grad=True)
    if grad or nodes.is_entry(e):
        u = evaluate(e.args[0], t, values)
        prim = _PRIMITIVE.get(("grad" if grad else "f", e.entry))
        params = dict(e.params)
        if prim is not None:
            return prim(u, {k: mp.mpf(v) for k, v in params.items()})
        tree, vals = _entry_tree(e.entry, e.params, grad)
        return evaluate(tree, u, {k: mp.mpf(v) for k, v in vals})
    fn = _FUNCS.get(e.func)
    if fn is None:
        raise ValueError(f"no mpmath evaluation for {type(e).__name__}")
    return fn(*(evaluate(a, t, values) for a in e.args))
