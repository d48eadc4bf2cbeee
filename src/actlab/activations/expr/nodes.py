"""The closed set of SymPy node types an expression may contain, beyond SymPy's own algebra.

SymPy does the algebra (``Add``, ``Mul``, ``Pow``) and the chain rule; every non-algebraic node
is one of the classes below or one of SymPy's ``exp, log, sin, cos, tanh, sinh, cosh, atan,
erf, erfc, Abs, sign``. The classes decide their own derivatives, so that the derivative tree
stays in stable forms and follows actlab's kink conventions:

* ``Maximum(a, b)`` / ``Minimum(a, b)``: at a tie ``a == b`` the derivative is the one of
  smaller magnitude (relu'(0) = 0, relu6'(6) = 0, hard_tanh'(+-1) = 0, leaky_relu'(0) = alpha),
  written ``TieSelect``.
* ``WhereGt(g, a, b)`` = ``a if g > 0 else b`` and ``WhereGe`` (``g >= 0``): the derivative
  keeps the condition, so at the boundary it is the derivative of the branch taken there.
* ``Entry[name, params](u)``: a registry entry applied to ``u``, evaluated by the registry's
  own kernels; its derivative is ``EntryGrad[name, params](u) * u'`` (the registry's ``df``).
* ``Sech2(u) = 1 - tanh(u)^2`` without cancellation, ``Log1p``, ``Expm1``, ``Erfc``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.logic import fuzzy_and


class _Real(sp.Function):
    """A function that is real wherever its arguments are (an activation's formula is checked
    to be finite for every real x, so it is real-valued there). SymPy needs to know it: the
    derivative of ``Abs(u)`` is then ``sign(u) u'``, not a ``re``/``im`` form."""

    def _eval_is_real(self) -> bool | None:
        return fuzzy_and(a.is_real for a in self.args)


class Log1p(_Real):
    """``log(1 + u)`` (NumPy ``log1p``)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return 1 / (1 + self.args[0])


class Expm1(_Real):
    """``exp(u) - 1`` (NumPy ``expm1``)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.exp(self.args[0])


class Erfc(_Real):
    """``1 - erf(u)`` (SciPy ``erfc``); SymPy's own ``erfc(-u)`` turns into ``2 - erfc(u)``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return -2 * sp.exp(-u * u) / sp.sqrt(sp.pi)


class Sech2(_Real):
    """``sech(u)^2 = 1 - tanh(u)^2``, evaluated as ``4 e / (1 + e)^2`` with ``e = exp(-2|u|)``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return -2 * sp.tanh(u) * Sech2(u)


class TieSelect(_Real):
    """``da if g > 0, db if g < 0``; at ``g == 0`` whichever of ``da, db`` is smaller in size
    (``da`` on equal size). The derivative of ``Maximum(a, b)`` is ``TieSelect(a - b, da, db)``.
    """

    nargs = 3

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        g, da, db = self.args
        return TieSelect(g, sp.diff(da, s), sp.diff(db, s))


class Maximum(_Real):
    """``max(a, b)`` (NumPy ``maximum``, NaN propagates)."""

    nargs = 2

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        a, b = self.args
        return TieSelect(a - b, sp.diff(a, s), sp.diff(b, s))


class Minimum(_Real):
    """``min(a, b)`` (NumPy ``minimum``, NaN propagates)."""

    nargs = 2

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        a, b = self.args
        return TieSelect(b - a, sp.diff(a, s), sp.diff(b, s))


class WhereGt(_Real):
    """``a if g > 0 else b`` (NaN in ``g`` takes ``b``)."""

    nargs = 3

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        g, a, b = self.args
        return type(self)(g, sp.diff(a, s), sp.diff(b, s))


class WhereGe(WhereGt):
    """``a if g >= 0 else b``."""


# ------------------------------------------------------------------------- registry entries
_ENTRY_CLASSES: dict[tuple[str, str, tuple[tuple[str, Any], ...]], type] = {}


class EntryBase(_Real):
    """A registry entry (``entry``, with fixed ``params``) applied to one argument."""

    nargs = 1
    entry: str = ""
    params: tuple[tuple[str, Any], ...] = ()

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return entry_class(self.entry, dict(self.params), grad=True)(self.args[0])


class EntryGradBase(_Real):
    """The registry's derivative ``df`` of an entry, applied to one argument."""

    nargs = 1
    entry: str = ""
    params: tuple[tuple[str, Any], ...] = ()


def entry_class(name: str, params: dict[str, Any], *, grad: bool = False) -> type:
    """The (cached) SymPy function class for registry entry ``name`` with ``params``."""
    key = ("grad" if grad else "f", name, tuple(sorted(params.items())))
    if key not in _ENTRY_CLASSES:
        base = EntryGradBase if grad else EntryBase
        label = name + ("_grad" if grad else "")
        if params:
            label += "[" + ",".join(f"{k}={v}" for k, v in key[2]) + "]"
        _ENTRY_CLASSES[key] = type(label, (base,), {"entry": name, "params": key[2]})
    return _ENTRY_CLASSES[key]


def is_entry(e: sp.Basic, name: str | None = None, *, grad: bool = False) -> bool:
    base = EntryGradBase if grad else EntryBase
    return isinstance(e, base) and (name is None or e.entry == name)


def sigmoid(u: sp.Expr) -> sp.Expr:
    return entry_class("sigmoid", {})(u)


def softplus(u: sp.Expr) -> sp.Expr:
    return entry_class("softplus", {"beta": 1.0})(u)


def log_sigmoid(u: sp.Expr) -> sp.Expr:
    return entry_class("log_sigmoid", {})(u)


#: SymPy's own functions an expression may contain (besides the classes above).
SYMPY_FUNCS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tanh, sp.sinh, sp.cosh, sp.atan, sp.erf,
               sp.Abs, sp.sign)
OWN_FUNCS = (Erfc, Log1p, Expm1, Sech2, TieSelect, Maximum, Minimum, WhereGt, WhereGe)
