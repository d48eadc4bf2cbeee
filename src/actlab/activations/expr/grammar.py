"""Safe parsing of a user's formula: Python's ``ast`` in eval mode, walked against a whitelist.

The text is never given to ``eval``, ``exec``, ``sympify``, ``parse_expr`` or ``lambdify``: its
length is checked *before* parsing, ``ast.parse(mode="eval")`` only builds a syntax tree, and
:func:`parse` builds the SymPy tree by hand from the node types below. Anything else is a
``ValueError`` naming the offending part.

Grammar (Python syntax)::

    expr   := number | x | PARAM | expr (+ - * / **) expr | -expr | +expr | call
    call   := FUNC(expr) | max(expr, expr, ...) | min(expr, expr, ...)
            | where(cond, expr, expr) | piecewise(cond, expr, expr)
            | ENTRY(expr [, k=number ...])
    cond   := expr (< <= > >=) expr

``FUNC`` is one of exp, log, log1p, expm1, sqrt, abs, sin, cos, tanh, sinh, cosh, arctan (atan),
erf, erfc; ``ENTRY`` any elementwise registry entry or alias (sigmoid, softplus, relu, gelu,
silu, mish, ...) with literal keyword parameters; exponents are numbers of size at most
:data:`MAX_EXPONENT`.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import sympy as sp

from .. import registry
from . import nodes

MAX_CHARS = 2000  #: longest accepted formula (checked before parsing)
MAX_NODES = 400  #: most syntax nodes in one formula
MAX_DEPTH = 150  #: deepest syntax tree (a sum of many terms is a deep left-leaning chain)
MAX_CALLS = 40  #: deepest nesting of function calls
MAX_EXPONENT = 64  #: |p| in u ** p
MAX_NUMBER = 1e300  #: largest literal
MAX_ARGS = 16  #: most arguments of max/min

X = sp.Symbol("x", real=True)

_UNARY: dict[str, Any] = {
    "exp": sp.exp, "log": sp.log, "log1p": nodes.Log1p, "expm1": nodes.Expm1, "sqrt": sp.sqrt,
    "abs": sp.Abs, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "arctan": sp.atan, "atan": sp.atan, "erf": sp.erf, "erfc": nodes.Erfc,
}
_SPECIAL = ("max", "min", "where", "piecewise")
#: names a parameter may not take
RESERVED = frozenset({"x", "e", "pi", "inf", "nan", "expr", "name", "trainable", "check",
                      "shared", "channels", *_UNARY, *_SPECIAL})
_CONSTANTS = {"pi": sp.pi, "e": sp.E}


def _where(node: ast.AST, text: str) -> str:
    part = ast.get_source_segment(text, node) or type(node).__name__
    if len(part) > 60:
        part = part[:57] + "..."
    return repr(part)


def check_param_name(name: Any) -> str:
    """A parameter name must be a plain identifier, not reserved, not a function or entry."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"parameter name {name!r} must be an identifier not starting with '_'")
    if name in RESERVED or _entry_name(name) is not None:
        raise ValueError(f"parameter name {name!r} is reserved (a variable, function or entry)")
    return name


def _entry_name(name: str) -> str | None:
    key = name if name in registry.names() else registry.aliases().get(name)
    return None if key is None or registry.spec(key).vector else key


class _Builder:
    def __init__(self, text: str, params: tuple[str, ...]) -> None:
        self.text = text
        self.symbols = {p: sp.Symbol(p, real=True) for p in params}
        self.count = 0
        self.calls = 0

    def fail(self, node: ast.AST, why: str) -> ValueError:
        return ValueError(f"expression {_where(node, self.text)}: {why}")

    def build(self, node: ast.AST, depth: int = 0) -> sp.Expr:
        self.count += 1
        if self.count > MAX_NODES:
            raise ValueError(f"expression has more than {MAX_NODES} syntax nodes")
        if depth > MAX_DEPTH:
            raise ValueError(f"expression is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Call):
            self.calls += 1
            if self.calls > MAX_CALLS:
                raise ValueError(f"expression nests function calls deeper than {MAX_CALLS}")
            try:
                return self.call(node, depth + 1)
            finally:
                self.calls -= 1
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.build(node.operand, d)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            return self.binop(node, d)
        raise self.fail(node, f"{type(node).__name__} is not allowed (only numbers, x, "
                              "parameters, + - * / **, and the listed functions)")

    def number(self, node: ast.Constant) -> sp.Expr:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(node, "only real numbers are allowed as constants")
        if isinstance(v, int) and abs(v) > 10**15:
            raise self.fail(node, "integer literal too large")
        if not math.isfinite(v) or abs(v) > MAX_NUMBER:
            raise self.fail(node, f"number out of range (at most {MAX_NUMBER:g})")
        return sp.Integer(v) if isinstance(v, int) else sp.Float(v, 17)

    def name(self, node: ast.Name) -> sp.Expr:
        n = node.id
        if n == "x":
            return X
        if n in self.symbols:
            return self.symbols[n]
        if n in _CONSTANTS:
            return _CONSTANTS[n]
        hint = " (declare it as a parameter: define(expr, name=value))" if n.isidentifier() \
            and not n.startswith("_") else ""
        raise self.fail(node, f"unknown name {n!r}{hint}")

    def binop(self, node: ast.BinOp, d: int) -> sp.Expr:
        if isinstance(node.op, ast.Pow):
            base = self.build(node.left, d)
            expo = self.build(node.right, d)
            if not expo.is_number:
                raise self.fail(node, f"the exponent {_where(node.right, self.text)} must be a "
                                "number (for u**v with v varying write exp(v*log(u)))")
            if abs(float(expo)) > MAX_EXPONENT:
                raise self.fail(node, f"the exponent {_where(node.right, self.text)} is larger "
                                f"than {MAX_EXPONENT} in size")
            if base.is_number and expo.is_number and not (expo.is_Integer or base.is_positive):
                raise self.fail(node, "a number to a fractional power")
            return self.finite(node, base**expo)
        ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
        op = ops.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        a, b = self.build(node.left, d), self.build(node.right, d)
        if isinstance(node.op, ast.Div) and b == 0:
            raise self.fail(node, "division by zero")
        return self.finite(node, op(a, b))

    def finite(self, node: ast.AST, out: sp.Expr) -> sp.Expr:
        if out.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
            raise self.fail(node, "undefined, infinite or complex constant")
        if out.is_number and not abs(float(out)) <= MAX_NUMBER:
            raise self.fail(node, f"constant out of range (at most {MAX_NUMBER:g})")
        return out

    def call(self, node: ast.Call, d: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, "only calls of named functions are allowed")
        fname = node.func.id
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            raise self.fail(node, "*args and **kwargs are not allowed")
        if fname in _UNARY:
            self.arity(node, 1)
            return _UNARY[fname](self.build(node.args[0], d))
        if fname in ("max", "min"):
            if node.keywords or not 2 <= len(node.args) <= MAX_ARGS:
                raise self.fail(node, f"{fname} takes 2 to {MAX_ARGS} arguments")
            cls = nodes.Maximum if fname == "max" else nodes.Minimum
            args = [self.build(a, d) for a in node.args]
            out = args[0]
            for a in args[1:]:
                out = cls(out, a)
            return out
        if fname in ("where", "piecewise"):
            self.arity(node, 3)
            cond = node.args[0]
            if not (isinstance(cond, ast.Compare) and len(cond.ops) == 1):
                raise self.fail(cond, f"{fname}'s first argument must be one comparison "
                                      "(u < v, u <= v, u > v or u >= v)")
            lhs, rhs = self.build(cond.left, d), self.build(cond.comparators[0], d)
            a, b = self.build(node.args[1], d), self.build(node.args[2], d)
            kind = type(cond.ops[0])
            if kind is ast.Gt:
                return nodes.WhereGt(lhs - rhs, a, b)
            if kind is ast.GtE:
                return nodes.WhereGe(lhs - rhs, a, b)
            if kind is ast.Lt:
                return nodes.WhereGt(rhs - lhs, a, b)
            if kind is ast.LtE:
                return nodes.WhereGe(rhs - lhs, a, b)
            raise self.fail(cond, "only <, <=, > and >= compare")
        entry = _entry_name(fname)
        if entry is None:
            raise self.fail(node.func, f"unknown function {fname!r}")
        if len(node.args) != 1:
            raise self.fail(node, f"{fname} takes one positional argument")
        kwargs = {}
        for k in node.keywords:
            v = k.value
            neg = isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub)
            lit = v.operand if neg else v
            if not isinstance(lit, ast.Constant) or isinstance(lit.value, bool) or not \
                    isinstance(lit.value, (int, float, str)) or (neg and isinstance(lit.value,
                                                                                    str)):
                raise self.fail(v, "entry parameters must be literal numbers or words")
            kwargs[k.arg] = -lit.value if neg else lit.value
        try:
            params = registry.get(entry, **kwargs).params
        except ValueError as e:
            raise self.fail(node, str(e)) from None
        return nodes.entry_class(entry, params)(self.build(node.args[0], d))

    def arity(self, node: ast.Call, n: int) -> None:
        if len(node.args) != n or node.keywords:
            raise self.fail(node, f"{node.func.id} takes {n} positional argument(s)")


def parse(text: Any, params: tuple[str, ...] = ()) -> sp.Expr:
    """The SymPy tree of ``text`` in ``x`` and the declared ``params`` (``ValueError`` else).

    >>> parse("x * sigmoid(beta * x)", ("beta",))
    x*sigmoid(beta*x)
    >>> parse("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: expression '__import__': unknown function '__import__'
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"expression is {len(text)} characters long (at most {MAX_CHARS})")
    for p in params:
        check_param_name(p)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"expression {text!r} is not valid syntax: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ValueError(f"expression {text!r} cannot be parsed: {e}") from None
    builder = _Builder(text.strip(), tuple(params))
    out = builder.build(tree.body)
    if not isinstance(out, sp.Expr) or out.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        raise ValueError(f"expression {text!r} is undefined or complex")
    return out
