"""Formula activations (``actlab.define``) as ONNX nodes: the formula's stable SymPy tree, walked
node by node into standard operators; catalogue entries inside a formula reuse their own export.
SymPy is already loaded when a formula exists; it is imported here only then."""

from __future__ import annotations

from typing import Any

UNARY = {"exp": "Exp", "log": "Log", "tanh": "Tanh", "erf": "Erf", "Abs": "Abs", "sin": "Sin",
         "cos": "Cos", "sinh": "Sinh", "cosh": "Cosh", "atan": "Atan"}


def formula(g: Any, f: Any, x: str, entry: Any) -> str:
    """Nodes computing the formula activation ``f`` (parameters as constants) on ``x``.
    ``entry(g, activation, x)`` exports a catalogue entry used inside the formula."""
    import sympy as sp

    from ...activations import get
    from ...activations.expr import nodes as N

    values = {k: float(v) for k, v in f.params.items()}

    def go(e: Any) -> str:
        if e.is_Symbol:
            return x if e.name == "x" else g.const("p", values[e.name])
        if e.is_Number:
            return g.const("k", float(e))
        if isinstance(e, (sp.Add, sp.Mul)):
            op = "Add" if isinstance(e, sp.Add) else "Mul"
            out = go(e.args[0])
            for a in e.args[1:]:
                out = g.node(op, [out, go(a)])
            return out
        if isinstance(e, sp.Pow):
            base, power = go(e.args[0]), e.args[1]
            if power == sp.Rational(1, 2):
                return g.node("Sqrt", [base])
            if power == -1:
                return g.node("Reciprocal", [base])
            return g.node("Pow", [base, go(power)])
        name = type(e).__name__
        args = [go(a) for a in e.args] if not isinstance(e, N.EntryBase) else []
        if name in UNARY:
            return g.node(UNARY[name], args)
        if isinstance(e, N.EntryBase):
            return entry(g, get(e.entry, **dict(e.params)), go(e.args[0]))
        if isinstance(e, N.Log1p):
            return g.node("Log", [g.node("Add", [g.const("one", 1.0), args[0]])])
        if isinstance(e, N.Expm1):
            return g.node("Sub", [g.node("Exp", args), g.const("one", 1.0)])
        if isinstance(e, N.Erfc):
            return g.node("Sub", [g.const("one", 1.0), g.node("Erf", args)])
        if isinstance(e, N.Sech2):
            c = g.node("Cosh", args)
            return g.node("Reciprocal", [g.node("Mul", [c, c])])
        if isinstance(e, (N.Maximum, N.Minimum)):
            return g.node("Max" if isinstance(e, N.Maximum) else "Min", args)
        if isinstance(e, N.WhereGt):  # WhereGe is a subclass
            test = "GreaterOrEqual" if isinstance(e, N.WhereGe) else "Greater"
            return g.node("Where", [g.node(test, [args[0], g.const("zero", 0.0)]), *args[1:]])
        raise TypeError(f"to_onnx: no ONNX form for {name} in the formula of {f!r}")

    return go(f.spec.extra["expression"].expr)
