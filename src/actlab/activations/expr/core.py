"""``define(expr, name=None, **params)``: a registry-like activation from a formula.

The formula is parsed by the whitelist grammar (:mod:`.grammar`), rewritten into stable forms
(:mod:`.rewrite`), differentiated by SymPy (with actlab's kink conventions, :mod:`.nodes`),
rewritten again, and evaluated by closures over NumPy and the registry's kernels
(:mod:`.program`). The result is an ordinary :class:`~actlab.activations.Activation` whose
``spec.extra["expr"]`` holds the formula, so configs, models and the CLI carry the text and
re-parse it.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .. import registry
from ..spec import Param, Spec
from . import grammar, program, rewrite
from .names import PREFIX



class Expression:
    """A parsed formula in ``x`` and named parameters, with its compiled f, f' and df/dp."""

    def __init__(self, text: str, params: tuple[str, ...] = ()) -> None:
        self.text = str(text).strip()
        self.param_names = tuple(params)
        self.raw = grammar.parse(self.text, self.param_names)
        self.expr = rewrite.stable(self.raw)
        self.symbols = {s.name: s for s in self.expr.free_symbols}

    def check_domain(self, values: dict[str, float]) -> None:
        """An activation is defined on the whole real line: ``ValueError`` naming the first
        input of [-12, 12] (step 1e-3) where f is NaN or infinite (log(x), 1/x). Far out, a NaN
        is an inaccuracy of the formula (inf - inf), which the accuracy check reports."""
        x = np.linspace(-12, 12, 24001)
        y = self.f(x, values)
        bad = ~np.isfinite(y)
        if bad.any():
            at = float(x[np.flatnonzero(bad)[0]])
            raise ValueError(f"expression {self.text!r} is undefined at x = {at!r} (f = "
                             f"{float(y[bad][0])}): an activation must be defined for every "
                             "real x")

    @cached_property
    def dexpr(self) -> sp.Expr:
        return rewrite.stable(sp.diff(self.expr, grammar.X))

    @cached_property
    def f(self) -> program.Tree:
        return program.Tree(self.expr)

    @cached_property
    def df(self) -> program.Tree:
        return program.Tree(self.dexpr)

    def dparam(self, name: str) -> program.Tree:
        """``df/d(name)``, the gradient with respect to a parameter (compiled once)."""
        cache = self.__dict__.setdefault("_dparam", {})
        if name not in cache:
            if name not in self.param_names:
                raise ValueError(f"{self.text!r} has no parameter {name!r} "
                                 f"(parameters: {', '.join(self.param_names) or 'none'})")
            sym = sp.Symbol(name, real=True)
            cache[name] = program.Tree(rewrite.stable(sp.diff(self.expr, sym)))
        return cache[name]


@lru_cache(maxsize=256)
def _expression(text: str, params: tuple[str, ...]) -> Expression:
    return Expression(text, params)


def _kernel(tree_of: str, expression: Expression):
    def kernel(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
        tree = getattr(expression, tree_of)
        out[...] = tree(x, params)
        return out

    return kernel


def _doc(e: Expression) -> str:
    return (f"Custom activation f(x) = {e.text}\n\n"
            f".. math:: f(x) = {sp.latex(e.expr)}, \\qquad f'(x) = {sp.latex(e.dexpr)}\n")


def _spec(e: Expression, name: str, defaults: dict[str, float]) -> Spec:
    params = tuple(Param(p, defaults[p], "parameter of the expression") for p in e.param_names)

    @lru_cache(maxsize=32)  # inference takes a fraction of a second: once per parameter set
    def sheet(**values: Any):
        from .sheet import infer

        return infer(e, name, values)

    return Spec(name=name, f=_kernel("f", e), df=_kernel("df", e), sheet=sheet, doc=_doc(e),
                params=params, extra={"expr": e.text, "expression": e})


def define(expr: str, name: str | None = None, *, check: bool = False,
           **params: float) -> registry.Activation:
    """A custom activation from a formula in ``x`` with parameters ``params`` (their defaults).

    ``name`` registers it, so that ``actlab.get(name)`` (and the CLI, and saved models) find it;
    without a name it is known as ``"expr:<formula>"``. ``check=True`` runs the mpmath accuracy
    check (:attr:`info.accuracy <actlab.activations.expr.accuracy.Accuracy>`) and raises
    ``ValueError`` if the generated code is off by more than 4 ULP + conditioning anywhere on the
    probe.

    >>> f = define("x * sigmoid(beta * x)", beta=1.0)
    >>> f
    expr:x * sigmoid(beta * x)(beta=1.0)
    >>> f([-2.0, 0.0, 2.0])
    array([-0.23840584,  0.        ,  1.76159416])
    >>> f.grad([0.0])
    array([0.5])
    """
    if not isinstance(expr, str):
        raise TypeError(f"expression must be a string, got {type(expr).__name__}")
    defaults = {}
    for p, v in params.items():
        grammar.check_param_name(p)
        defaults[p] = Param(p, v, "").validate(v, f"define({expr!r})")
    e = _expression(expr, tuple(params))
    e.check_domain(defaults)
    if name is None:
        key = PREFIX + e.text
    else:
        key = registry.check_custom_name(name)
    known = registry._CUSTOM.get(key)
    if known is None or known.extra.get("expression") is not e or \
            {p.name: p.default for p in known.params} != defaults:
        registry.register_custom(_spec(e, key, defaults))  # (the same definition: kept, with
    act = registry.get(key)                                # its cached property sheets)
    if check:
        acc = accuracy_of(act)
        if not acc.ok:
            raise ValueError(f"{key}: the generated code misses the accuracy bound: {acc}")
    return act


def accuracy_of(act: registry.Activation):
    """The mpmath accuracy report of a custom activation (see :mod:`.accuracy`)."""
    from .accuracy import check

    expression = act.spec.extra.get("expression")
    if expression is None:
        raise ValueError(f"{act.name} is a built-in entry (checked by actlab's own gold tests)")
    return check(expression, act.params)


def from_text(key: str) -> registry.Activation:
    """``"expr:<formula>"`` -> its activation (parameters are not declared: none allowed)."""
    return define(key[len(PREFIX):])

