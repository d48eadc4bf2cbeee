"""Custom activations (``actlab.define``) for the lab page, as data, never as code.

Each custom activation's f and f' are the stable, rewritten SymPy trees its Python kernels are
evaluated from (:mod:`actlab.activations.expr.program`); :func:`tree_json` flattens such a tree
into a list of nodes, each an array whose first item names its kind and whose later items are
numbers, names or indices of earlier nodes (shared subtrees appear once)::

    ["x"]                                   the input
    ["p", name]                             a declared parameter
    ["c", value]                            a finite constant
    ["add", [i, ...]]                       left-to-right sum
    ["mul", coeff, [num, ...], [den, ...]]  program.py's product (coefficient first if it
                                            shrinks, last if it grows; 0 * inf = 0 rule)
    ["pow", i, q]                           u ** q with program.py's special cases
    ["fn", name, [i, ...]]                  one of FUNCS (max/min/tie/gt/ge: the kink rules)
    ["entry", name, params, grad, i]        a registry entry's f (grad 0) or f' (grad 1)

The page checks every node against the same closed set and evaluates the list with a small
interpreter (``web/lab/src/expr.js``); it never builds code from it. The last node is the root.

>>> import actlab
>>> from actlab.lab.custom import tree_json
>>> f = actlab.define("x * sigmoid(beta * x)", beta=1.0)
>>> for node in tree_json(f.spec.extra["expression"].expr):
...     print(node)
['x']
['p', 'beta']
['mul', 1.0, [1, 0], []]
['entry', 'sigmoid', {}, 0, 2]
['mul', 1.0, [0, 3], []]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

FUNCS = ("exp", "log", "sin", "cos", "tanh", "sinh", "cosh", "atan", "erf", "erfc", "abs",
         "sign", "log1p", "expm1", "sech2", "max", "min", "tie", "gt", "ge")
MAX_NODES = 5000  #: most nodes of one flattened tree (f' of a 400-node formula stays far below)


def _fn_names() -> dict[Any, str]:
    import sympy as sp

    from actlab.activations.expr import nodes

    return {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tanh: "tanh",
            sp.sinh: "sinh", sp.cosh: "cosh", sp.atan: "atan", sp.erf: "erf",
            nodes.Erfc: "erfc", sp.Abs: "abs", sp.sign: "sign", nodes.Log1p: "log1p",
            nodes.Expm1: "expm1", nodes.Sech2: "sech2", nodes.Maximum: "max",
            nodes.Minimum: "min", nodes.TieSelect: "tie", nodes.WhereGt: "gt",
            nodes.WhereGe: "ge"}


class _Flat:
    def __init__(self) -> None:
        self.out: list[list[Any]] = []
        self.memo: dict[Any, int] = {}
        self.fns = _fn_names()

    def emit(self, node: list[Any]) -> int:
        if len(self.out) >= MAX_NODES:
            raise ValueError(f"expression tree has more than {MAX_NODES} nodes")
        self.out.append(node)
        return len(self.out) - 1

    def node(self, e: Any) -> int:
        if e not in self.memo:
            self.memo[e] = self.build(e)
        return self.memo[e]

    def pow(self, base: Any, q: float) -> int:
        b = self.node(base)
        return b if q == 1 else self.emit(["pow", b, q])

    def build(self, e: Any) -> int:
        import sympy as sp

        from actlab.activations.expr import nodes

        if isinstance(e, sp.Symbol):
            return self.emit(["x"] if e.name == "x" else ["p", e.name])
        if e.is_number:
            c = float(e)
            if not math.isfinite(c):
                raise ValueError(f"constant {e} is not finite")
            return self.emit(["c", c])
        if isinstance(e, sp.Add):
            return self.emit(["add", [self.node(a) for a in e.args]])
        if isinstance(e, sp.Mul):
            coeff, num, den = 1.0, [], []
            for f in e.args:
                base, p = f.as_base_exp()
                if f.is_number:
                    coeff *= float(f)
                elif p.is_number and p.is_negative:
                    den.append(self.pow(base, float(-p)))
                else:
                    num.append(self.node(f))
            return self.emit(["mul", coeff, num, den])
        if isinstance(e, sp.Pow):
            return self.pow(e.base, float(e.exp))
        for grad in (False, True):
            if nodes.is_entry(e, grad=grad):
                arg = self.node(e.args[0])
                return self.emit(["entry", e.entry, dict(e.params), int(grad), arg])
        name = self.fns.get(type(e)) or self.fns.get(e.func)
        if name is None:
            raise ValueError(f"cannot send {type(e).__name__} to the page (not in the closed "
                             "node set)")
        return self.emit(["fn", name, [self.node(a) for a in e.args]])


def tree_json(e: Any) -> list[list[Any]]:
    """The node list of a stable SymPy tree (see the module docstring)."""
    flat = _Flat()
    flat.node(e)
    if flat.memo[e] != len(flat.out) - 1:  # the root is last (it is built last)
        raise AssertionError("root is not the last node")
    return flat.out


def parse_define(text: str) -> Any:
    """``"NAME=EXPR[:k=v,...]"`` -> the activation ``actlab.define(EXPR, NAME, k=v, ...)``.

    >>> parse_define("myswish=x*sigmoid(beta*x):beta=1.5").params
    {'beta': 1.5}
    """
    import actlab
    from actlab.nn.zoo import parse_activation

    name, eq, rest = str(text).partition("=")
    if not eq or not name.strip() or not rest.strip():
        raise ValueError(f"--define {text!r}: expected NAME=EXPR[:k=v,...], e.g. "
                         "'myswish=x*sigmoid(beta*x):beta=1.5'")
    formula, params = parse_activation("expr:" + rest)
    for k, v in params.items():
        if isinstance(v, (bool, str)):
            raise ValueError(f"--define {text!r}: parameter {k}={v!r} must be a number")
    return actlab.define(formula[len("expr:"):], name.strip(), **params)


def custom_entries(activations: Iterable[Any], have: Iterable[str]) -> list[dict[str, Any]]:
    """Catalogue entries (with ``custom`` trees) for activations made by ``actlab.define``;
    unnamed ones get page names ``custom1``, ``custom2``, ... (their display name is the
    formula)."""
    from actlab.activations.registry import Activation

    from .catalogue import entry_of

    taken = set(have)
    out = []
    for i, act in enumerate(activations, 1):
        if isinstance(act, str):
            act = parse_define(act)
        if not isinstance(act, Activation):
            raise TypeError(f"custom activation #{i} must be an Activation from actlab.define or "
                            f"a 'NAME=EXPR' string, got {type(act).__name__}")
        expression = act.spec.extra.get("expression")
        if expression is None:
            raise ValueError(f"{act.name} is a built-in entry: it is in the page already")
        name = act.name if not act.name.startswith("expr:") else f"custom{i}"
        if name in taken:
            raise ValueError(f"custom activation name {name!r} is used twice")
        taken.add(name)
        entry = entry_of(act, name)
        entry["display_name"] = expression.text if name != act.name else act.name
        entry["custom"] = {"text": expression.text, "f": tree_json(expression.expr),
                           "df": tree_json(expression.dexpr)}
        out.append(entry)
    return out
