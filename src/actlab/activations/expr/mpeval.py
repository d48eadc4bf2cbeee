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
#: |u| beyond which exp, sinh, cosh, expm1 and sech saturate (their float64 forms overflowed
#: near 710 long before): e^u of a larger u has an exponent of more than 32 bits, and feeding
#: that to a second exp-like function makes mpmath build integers of that many bits (a formula
#: such as ``sinh(cosh(x))`` would exhaust memory instead of getting its sheet)
_SATURATE = mp.mpf(2) ** 32
#: sin and cos of an argument above 2^4096 (no float reaches it; only an overflowed
#: intermediate does) are NaN, as in float64; reducing it modulo pi would need 4096+ bits of pi
_PERIODIC_MAG = 4096


def _saturating(fn, low, high):
    """``fn`` that gives ``low``/``high`` for arguments below -/above :data:`_SATURATE`."""
    def tame(u):
        if mp.isnan(u) or abs(u) <= _SATURATE:
            return fn(u)
        return high if u > 0 else low
    return tame


def _periodic(fn):
    def tame(u):
        return mp.nan if mp.isinf(u) or mp.mag(u) > _PERIODIC_MAG else fn(u)
    return tame


_exp = _saturating(mp.exp, mp.mpf(0), mp.inf)


def _sig(t):
    return 1 / (1 + _exp(-t))


def _softplus1(t):
    return mp.log1p(_exp(t)) if t < 0 else t + mp.log1p(_exp(-t))


def _erfc(t):
    if t > _BIG:  # asymptotic series; mpmath's erfc is slow or overflows out here
        s = 1 / (2 * t * t)
        return _exp(-t * t) / (t * mp.sqrt(mp.pi)) * (1 - s + 3 * s**2 - 15 * s**3)
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
    sp.exp: _exp, sp.log: mp.log,
    sp.sin: _periodic(mp.sin), sp.cos: _periodic(mp.cos), sp.tanh: mp.tanh,
    sp.sinh: _saturating(mp.sinh, -mp.inf, mp.inf), sp.cosh: _saturating(mp.cosh, mp.inf, mp.inf),
    sp.atan: mp.atan, sp.erf: _erf, nodes.Erfc: _erfc, sp.Abs: abs, sp.sign: mp.sign,
    nodes.Log1p: mp.log1p, nodes.Expm1: _saturating(mp.expm1, mp.mpf(-1), mp.inf),
    nodes.Sech2: _saturating(lambda u: mp.sech(u) ** 2, mp.mpf(0), mp.mpf(0)),
    nodes.Maximum: max, nodes.Minimum: min,
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
