"""NumPy evaluation of a (stable, validated) SymPy tree, without generating source code.

:class:`Tree` shares common subexpressions (equal subtrees are evaluated once) and turns
every node into a closure over NumPy/SciPy ufuncs or the registry's own kernels; the closed set
of node types is ``nodes.SYMPY_FUNCS``, ``nodes.OWN_FUNCS``, registry entries and SymPy's
``Add``, ``Mul``, ``Pow``, numbers and symbols (anything else is refused). Evaluation runs under
``np.errstate(all="ignore")``; at ``x = +-inf`` the value is the limit, found by evaluating at the
largest finite input ``M`` and at ``M 2^-100``: equal values are the limit, a growing magnitude
means the limit is infinite, a shrinking one a (near) zero limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from scipy import special

from .. import registry
from . import nodes

Env = dict[str, Any]
Fn = Callable[[Env], Any]


def _sech2(u):
    e = np.exp(-2 * np.abs(u))
    return 4 * e / ((1 + e) * (1 + e))


def _tie(g, da, db):
    tie = np.where(np.abs(da) <= np.abs(db), da, db)
    return np.where(g > 0, da, np.where(g < 0, db, tie))


_UFUNC: dict[type, Callable[..., Any]] = {
    sp.exp: np.exp, sp.log: np.log, sp.sin: np.sin, sp.cos: np.cos, sp.tanh: np.tanh,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.atan: np.arctan, sp.erf: special.erf,
    nodes.Erfc: special.erfc, sp.Abs: np.abs, sp.sign: np.sign, nodes.Log1p: np.log1p,
    nodes.Expm1: np.expm1, nodes.Sech2: _sech2, nodes.Maximum: np.maximum,
    nodes.Minimum: np.minimum, nodes.TieSelect: _tie,
    nodes.WhereGt: lambda g, a, b: np.where(g > 0, a, b),
    nodes.WhereGe: lambda g, a, b: np.where(g >= 0, a, b),
}


def _node(e: sp.Basic, memo: dict | None = None) -> Fn:
    """The closure for ``e``; equal subtrees share one closure, evaluated once per call (the
    common-subexpression sharing, done on the tree itself so each product keeps its order)."""
    memo = {} if memo is None else memo
    if e in memo:
        return memo[e]
    fn = _build(e, memo)
    if e.is_Atom:
        memo[e] = fn
        return fn
    slot = ("cse", len(memo))

    def shared(env: Env) -> Any:
        v = env.get(slot)
        if v is None:
            v = env[slot] = fn(env)
        return v

    memo[e] = shared
    return shared


def _build(e: sp.Basic, memo: dict) -> Fn:
    if isinstance(e, sp.Symbol):
        key = e.name
        return lambda env: env[key]
    if e.is_number:
        c = float(e)
        if not np.isfinite(c):
            raise ValueError(f"constant {e} is not finite")
        return lambda env: c
    if isinstance(e, sp.Add):
        parts = [_node(a, memo) for a in e.args]

        def add(env: Env) -> Any:
            acc = parts[0](env)
            for p in parts[1:]:
                acc = acc + p(env)
            return acc

        return add
    if isinstance(e, sp.Mul):
        return _mul(e, memo)
    if isinstance(e, sp.Pow):
        return _pow(e.base, e.exp, memo)
    if nodes.is_entry(e) or nodes.is_entry(e, grad=True):
        act = registry.get(e.entry, **dict(e.params))
        method = act.grad if nodes.is_entry(e, grad=True) else act
        arg = _node(e.args[0], memo)
        return lambda env: method(arg(env))
    fn = _UFUNC.get(type(e)) or _UFUNC.get(e.func)
    if fn is None:
        raise ValueError(f"cannot evaluate {type(e).__name__} (not in the closed node set)")
    args = [_node(a, memo) for a in e.args]
    return lambda env: fn(*(a(env) for a in args))


def _mul(e: sp.Mul, memo: dict) -> Fn:
    """Numerator factors times each other, divided by the denominator factors (no 1/u), the
    numeric coefficient first if it shrinks, last if it grows (``sqrt(2) * x * exp(-x^2)`` at
    ``x = 1e308`` is 0, not inf * 0; ``0.5 * x * erfc(-x)`` is finite at the largest float).
    """
    coeff = 1.0
    num: list[Fn] = []
    den: list[Fn] = []
    for f in e.args:
        base, p = f.as_base_exp()
        if f.is_number:
            coeff *= float(f)
        elif p.is_number and p.is_negative:
            den.append(_pow(base, -p, memo))
        else:
            num.append(_node(f, memo))
    if not num:
        num.append(lambda env: 1.0)

    first = abs(coeff) < 1  # shrink first, grow last: no overflow before a factor tends to 0

    def mul(env: Env) -> Any:
        nums = [f(env) for f in num]
        dens = [f(env) for f in den]
        acc = nums[0] * coeff if first else nums[0]
        for v in nums[1:]:
            acc = acc * v
        for v in dens:
            acc = acc / v
        if coeff != 1.0 and not first:
            acc = acc * coeff
        return _zero_wins(acc, nums, dens)

    return mul


def _zero_wins(acc: Any, nums: list, dens: list) -> Any:
    """``0 * inf`` (and ``0 / 0``, ``inf / inf`` do not count) is 0 where a factor underflowed:
    in an activation a vanishing factor is an exponential tail (sigma'(u), e^{-x^2}), which
    beats the polynomial one that overflowed (x^3, beta x)."""
    bad = np.isnan(acc)
    if not np.any(bad):
        return acc
    zero = np.zeros(np.shape(acc), dtype=bool)
    sane = np.ones(np.shape(acc), dtype=bool)
    for v in nums:
        zero |= np.asarray(v) == 0
        sane &= ~np.isnan(v)
    for v in dens:
        sane &= np.isfinite(v) & (np.asarray(v) != 0)
    fix = bad & zero & sane
    if np.ndim(acc) == 0:
        return 0.0 if fix else acc
    return np.where(fix, 0.0, acc).astype(acc.dtype, copy=False)


def _pow(base: sp.Expr, p: sp.Expr, memo: dict) -> Fn:
    b = _node(base, memo)
    q = float(p)
    if q == 1:
        return b
    if q == 2:
        return lambda env: (lambda v: v * v)(b(env))
    if q == 0.5:
        return lambda env: np.sqrt(b(env))
    if q == -1:
        return lambda env: 1.0 / b(env)
    if q == -0.5:
        return lambda env: 1.0 / np.sqrt(b(env))
    if q == int(q):
        k = int(q)
        return lambda env: np.power(b(env), k)
    return lambda env: np.power(b(env), q)


class Tree:
    """One compiled expression: ``tree(x, values)`` with ``x`` a float32/float64 array."""

    def __init__(self, e: sp.Expr) -> None:
        self.expr = e
        self._out = _node(e)

    def _raw(self, x: np.ndarray, values: Mapping[str, Any]) -> np.ndarray:
        env: Env = {"x": x, **values}
        out = self._out(env)
        shape = np.broadcast_shapes(x.shape, *(np.shape(v) for v in values.values()))
        out = np.asarray(out, dtype=x.dtype)
        if out.shape == shape and out is not x and not any(out is v for v in values.values()):
            return out
        return np.broadcast_to(out, shape).copy()

    def __call__(self, x: np.ndarray, values: Mapping[str, Any]) -> np.ndarray:
        values = {k: (v if np.ndim(v) == 0 else np.asarray(v, dtype=x.dtype))
                  for k, v in values.items()}
        with np.errstate(all="ignore"):
            out = self._raw(x, values)
            inf = np.isinf(x)
            if inf.any():
                big = np.finfo(x.dtype).max
                at = np.where(x < 0, -big, big).astype(x.dtype)
                a = self._raw(at, values)
                b = self._raw(at * x.dtype.type(2.0**-100), values)
                lim = np.where(np.abs(a) > np.abs(b) * (1 + 1e-6), np.copysign(np.inf, a), a)
                lim = np.where((np.abs(a) < np.abs(b) * (1 - 1e-6)) & (np.abs(a) < 1e-30),
                               0.0 * a, lim)
                lim = np.where(a == b, a, lim)
                out = np.where(inf, lim, out).astype(x.dtype)
        return out
