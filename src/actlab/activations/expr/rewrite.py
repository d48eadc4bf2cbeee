"""Rewrites of a SymPy tree into numerically stable forms (applied bottom-up to a fixpoint).

================================  ==================================================
naive form                        stable form
================================  ==================================================
``log(1 + exp(u))``               ``softplus(u)`` (the registry's kernel)
``1 / (1 + exp(u))**k``           ``sigmoid(-u)**k``
``exp(u) sigmoid(-u)``            ``sigmoid(u)``
``log(sigmoid(u))``, ``log(1/v)`` ``log_sigmoid(u)``, ``-log(v)``
``log(1 + u)``                    ``log1p(u)``
``c exp(u) - c``                  ``c expm1(u)``
``c + c erf(u)``, ``c - c erf(u)`` ``c erfc(-u)``, ``c erfc(u)`` (GELU: no cancellation)
``c + c tanh(u)``                 ``2c sigmoid(2u)`` (tanh-GELU, sigmoid as tanh)
``c - c tanh(u)**2``, ``cosh(u)**-2``  ``c sech(u)**2`` (tanh', mish' without cancellation)
================================  ==================================================

>>> import sympy as sp
>>> from actlab.activations.expr.rewrite import stable
>>> x = sp.Symbol("x", real=True)
>>> stable(sp.log(1 + sp.exp(x)))
softplus[beta=1.0](x)
>>> stable(x * (1 + sp.erf(x / sp.sqrt(2))) / 2)
x*Erfc(-sqrt(2)*x/2)/2
"""

from __future__ import annotations

import sympy as sp

from . import nodes

_MAX_PASSES = 12


def stable(e: sp.Expr) -> sp.Expr:
    """``e`` with every subterm in its stable form."""
    for _ in range(_MAX_PASSES):
        new = _walk(e)
        if new == e:
            return new
        e = new
    return e


def _walk(e: sp.Basic) -> sp.Basic:
    if not e.args:
        return e
    args = tuple(_walk(a) for a in e.args)
    if args != e.args:
        e = e.func(*args)
    return _local(e)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Structural equality after SymPy's automatic simplification (never ``expand``: a formula
    like ``((x+1)**64 + 1)**64`` must not be multiplied out)."""
    return a == b or sp.Add(a, -b) == 0


def _num_equal(a: sp.Expr, b: sp.Expr) -> bool:
    return a.is_number and b.is_number and float(a) == float(b)


def _local(e: sp.Basic) -> sp.Basic:
    if isinstance(e, sp.log):
        return _log(e.args[0]) or e
    if isinstance(e, sp.Pow):
        return _pow(e) or e
    if isinstance(e, sp.Add):
        return _add(e) or _together(e) or e
    if isinstance(e, sp.Mul):
        return _mul(e) or e
    return e


def _one_plus_exp(b: sp.Expr) -> sp.Expr | None:
    """``u`` where ``b == 1 + exp(u)``."""
    if isinstance(b, sp.Add) and len(b.args) == 2:
        c, rest = b.as_coeff_Add()
        if _num_equal(c, sp.Integer(1)) and isinstance(rest, sp.exp):
            return rest.args[0]
    return None


def _log(a: sp.Expr) -> sp.Expr | None:
    if nodes.is_entry(a, "sigmoid"):
        return nodes.log_sigmoid(a.args[0])
    if isinstance(a, sp.Pow) and a.exp.is_number and a.exp.is_negative:
        return a.exp * sp.log(a.base)
    u = _one_plus_exp(a)
    if u is not None:
        return nodes.softplus(u)
    if isinstance(a, sp.Add):
        c, rest = a.as_coeff_Add()
        if _num_equal(c, sp.Integer(1)):
            return nodes.Log1p(rest)
    return None


def _pow(e: sp.Pow) -> sp.Expr | None:
    b, p = e.base, e.exp
    if not (p.is_Integer and p < 0):
        return None
    u = _one_plus_exp(b)
    if u is not None:
        return nodes.sigmoid(-u) ** (-p)
    if isinstance(b, sp.cosh) and p % 2 == 0:
        return nodes.Sech2(b.args[0]) ** (-p // 2)
    return None


def _add(e: sp.Add) -> sp.Expr | None:
    const, rest = e.as_coeff_Add()
    if const == 0:
        return None
    terms = sp.Add.make_args(rest)
    for i, t in enumerate(terms):
        k, f = t.as_coeff_Mul()
        new = None
        if isinstance(f, sp.exp) and _num_equal(k, -const):
            new = k * nodes.Expm1(f.args[0])
        elif isinstance(f, sp.erf) and _num_equal(k, const):
            new = k * nodes.Erfc(-f.args[0])
        elif isinstance(f, sp.erf) and _num_equal(k, -const):
            new = const * nodes.Erfc(f.args[0])
        elif isinstance(f, sp.tanh) and _num_equal(k, const):
            new = 2 * k * nodes.sigmoid(2 * f.args[0])
        elif isinstance(f, sp.tanh) and _num_equal(k, -const):
            new = 2 * const * nodes.sigmoid(-2 * f.args[0])
        elif (isinstance(f, sp.Pow) and isinstance(f.base, sp.tanh) and f.exp == 2
              and _num_equal(k, -const)):
            new = const * nodes.Sech2(f.base.args[0])
        if new is not None:
            return sp.Add(new, *terms[:i], *terms[i + 1:])
    return None


def _together(e: sp.Add) -> sp.Expr | None:
    """A sum of fractions over one denominator when that is simpler: softsign's
    ``1/(1+|x|) - |x|/(1+|x|)^2`` is ``1/(1+|x|)^2`` (the difference cancels for large x)."""
    if len(e.args) > 4 or not any(a.as_numer_denom()[1] != 1 for a in e.args):
        return None
    t = sp.together(e)
    return t if sp.count_ops(t) < sp.count_ops(e) else None


def _mul(e: sp.Mul) -> sp.Expr | None:
    """``exp(v) sigmoid(-v)**k -> sigmoid(v) sigmoid(-v)**(k-1)`` (no overflow times zero)."""
    factors = sp.Mul.make_args(e)
    for i, f in enumerate(factors):
        if isinstance(f, sp.sign):  # u sign(u) = |u|
            u = f.args[0]
            rest = [h for n, h in enumerate(factors) if n != i]
            if u in rest:
                rest.remove(u)
                return sp.Mul(sp.Abs(u), *rest)
    for i, f in enumerate(factors):
        if not isinstance(f, sp.exp):
            continue
        v = f.args[0]
        for j, g in enumerate(factors):
            base, k = g.as_base_exp()
            if nodes.is_entry(base, "sigmoid") and k.is_Integer and k > 0 and \
                    _same(base.args[0], -v):
                keep = [h for n, h in enumerate(factors) if n not in (i, j)]
                return sp.Mul(nodes.sigmoid(v), base ** (k - 1), *keep)
    return None
