"""The search space: core units ``b(u1(x), u2(x))`` of Ramachandran et al. (2017), as formulas.

A *unary* ``u`` and a *binary* ``b`` are each a formula template (filled into text that the
expression grammar of :func:`actlab.define` parses) and the NumPy function it denotes (used only
to screen thousands of candidates on the probe grid in a second; the trained code is always the
expression system's, and a test checks that the two agree for every entry).

One core unit is ``b(u1(x), u2(x))``; two core units feed the first into the second,
``b2(u3(b1(u1(x), u2(x))), u4(x))`` (the paper's Figure 1). ``beta`` and ``epsilon`` are fixed
constants of a space (the paper's β is a trainable scalar; here it is the number ``beta``).

Spaces: ``small`` (10 unary x 5 binary, one unit: exhaustive), ``swish`` (every unary and
binary of the paper, one unit), ``swish2`` (two units: far too many to enumerate, searched by
evolution), or a JSON file (:func:`load_space`).

>>> from actlab.studies.search.space import SPACES
>>> s = SPACES["small"]
>>> s.size()
500
>>> s.formula(("max", "x", "sigmoid"))
'max(x, sigmoid(x))'
>>> SPACES["swish2"].formula(("mul", ("tanh", ("add", "x", "sin")), "x"))
'tanh(x + sin(x)) * x'
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np
from scipy import special

#: a core unit: (binary, arg1, arg2); an argument is a unary name applied to x, or
#: (unary, unit) -- a unary applied to an inner unit (two core units)
Tree = tuple[Any, ...]
Arg = Union[str, tuple[str, "Tree"]]


def _asinh_text(r: str, u: str) -> str:
    # sign(u) log1p(|u| + u^2 / (1 + sqrt(1 + u^2))): no cancellation for either sign
    body = f"log1p(abs({r}) + {u}**2 / (1 + sqrt(1 + {u}**2)))"
    return f"where({r} >= 0, {body}, -{body})"


#: name -> (template in {u} (the argument, parenthesised where an operator needs it) or {r}
#: (as written, inside a call), {b} = beta, {e} = epsilon; NumPy function of (u, beta, eps))
UNARY: dict[str, tuple[str, Callable[..., np.ndarray]]] = {
    "x": ("{u}", lambda u, b, e: u),
    "neg": ("-{u}", lambda u, b, e: -u),
    "abs": ("abs({r})", lambda u, b, e: np.abs(u)),
    "square": ("{u}**2", lambda u, b, e: u**2),
    "cube": ("{u}**3", lambda u, b, e: u**3),
    "sqrt": ("sqrt(abs({r}))", lambda u, b, e: np.sqrt(np.abs(u))),
    "scale": ("{b} * {u}", lambda u, b, e: b * u),
    "shift": ("{u} + {b}", lambda u, b, e: u + b),
    "log_abs": ("log(abs({r}) + {e})", lambda u, b, e: np.log(np.abs(u) + e)),
    "exp": ("exp({r})", lambda u, b, e: np.exp(u)),
    "sin": ("sin({r})", lambda u, b, e: np.sin(u)),
    "cos": ("cos({r})", lambda u, b, e: np.cos(u)),
    "sinh": ("sinh({r})", lambda u, b, e: np.sinh(u)),
    "cosh": ("cosh({r})", lambda u, b, e: np.cosh(u)),
    "tanh": ("tanh({r})", lambda u, b, e: np.tanh(u)),
    "asinh": (None, lambda u, b, e: np.arcsinh(u)),  # template: _asinh_text
    "atan": ("arctan({r})", lambda u, b, e: np.arctan(u)),
    "sinc": ("where(abs({r}) > 0, sin({r}) / {u}, 1)", lambda u, b, e: np.sinc(u / np.pi)),
    "relu": ("max({r}, 0)", lambda u, b, e: np.maximum(u, 0)),
    "min0": ("min({r}, 0)", lambda u, b, e: np.minimum(u, 0)),
    "sigmoid": ("sigmoid({r})", lambda u, b, e: special.expit(u)),
    "softplus": ("softplus({r})", lambda u, b, e: np.logaddexp(0, u)),
    "gauss": ("exp(-{u}**2)", lambda u, b, e: np.exp(-u**2)),
    "erf": ("erf({r})", lambda u, b, e: special.erf(u)),
    "const": ("{b}", lambda u, b, e: np.full_like(u, b)),
}

#: name -> (template in {a}, {c} (or {A}, {C} as written); NumPy function of (a, c, beta, eps))
BINARY: dict[str, tuple[str, Callable[..., np.ndarray]]] = {
    "add": ("{a} + {c}", lambda a, c, b, e: a + c),
    "mul": ("{a} * {c}", lambda a, c, b, e: a * c),
    "sub": ("{a} - {c}", lambda a, c, b, e: a - c),
    "div": ("{a} / ({c} + {e})", lambda a, c, b, e: a / (c + e)),
    "max": ("max({A}, {C})", lambda a, c, b, e: np.maximum(a, c)),
    "min": ("min({A}, {C})", lambda a, c, b, e: np.minimum(a, c)),
    "sig_mul": ("sigmoid({A}) * {c}", lambda a, c, b, e: special.expit(a) * c),
    "gauss_diff": ("exp(-{b} * ({a} - {c})**2)", lambda a, c, b, e: np.exp(-b * (a - c)**2)),
    "exp_abs_diff": ("exp(-{b} * abs({a} - {c}))",
                     lambda a, c, b, e: np.exp(-b * np.abs(a - c))),
    "mix": ("{b} * {a} + (1 - {b}) * {c}", lambda a, c, b, e: b * a + (1 - b) * c),
}

_SMALL_UNARY = ("x", "neg", "abs", "square", "relu", "min0", "sigmoid", "tanh", "sin", "erf")
_SMALL_BINARY = ("add", "mul", "max", "min", "sig_mul")

MAX_FILE_BYTES = 64 * 1024  #: largest space file read
MAX_FORMULAS = 256  #: most explicit formulas in a space file
MAX_FORMULA_CHARS = 500  #: longest explicit formula in a space file

_CALL = re.compile(r"[A-Za-z_]\w*\(")
_NUMBER = re.compile(r"\d+(\.\d+)?(e-?\d+)?")


def _closed(s: str) -> bool:
    """Does ``s``'s first parenthesis close at its very end (``f(...)`` or ``(...)``)?"""
    depth = 0
    for i, ch in enumerate(s):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch == ")":
            return i == len(s) - 1
    return False


def _atom(s: str) -> str:
    """``s`` parenthesised unless it is a name, a number or one call."""
    if s.isidentifier() or _NUMBER.fullmatch(s) or (s.startswith("(") and _closed(s)):
        return s
    m = _CALL.match(s)
    if m and _closed(s[m.end() - 1:]):
        return s
    return f"({s})"


def _num(v: float) -> str:
    return repr(float(v)) if v >= 0 else f"({float(v)!r})"


@dataclass(frozen=True)
class Space:
    """Unary and binary sets, how many core units (1 or 2), the constants, and explicit
    formulas (extra candidates, e.g. from a JSON file)."""

    name: str
    unary: tuple[str, ...] = ()
    binary: tuple[str, ...] = ()
    units: int = 1
    beta: float = 1.0
    epsilon: float = 1e-3
    formulas: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for kind, names, table in (("unary", self.unary, UNARY), ("binary", self.binary, BINARY)):
            for n in names:
                if n not in table:
                    raise ValueError(f"space {self.name!r}: unknown {kind} {n!r} (known: "
                                     f"{', '.join(table)})")
            if len(set(names)) != len(names):
                raise ValueError(f"space {self.name!r}: a {kind} is listed twice")
        if self.units not in (1, 2):
            raise ValueError(f"space {self.name!r}: units must be 1 or 2, got {self.units!r}")
        if bool(self.unary) != bool(self.binary):
            raise ValueError(f"space {self.name!r}: give both unary and binary sets, or neither")
        for k in ("beta", "epsilon"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or not abs(v) <= 100:
                raise ValueError(f"space {self.name!r}: {k} must be a number in [-100, 100]")
        if not self.epsilon > 0:
            raise ValueError(f"space {self.name!r}: epsilon must be positive")
        if not (self.unary or self.formulas):
            raise ValueError(f"space {self.name!r} is empty")

    # ------------------------------------------------------------------ size and members
    def size(self) -> int:
        """How many candidates the space holds (before removing duplicates)."""
        nu, nb = len(self.unary), len(self.binary)
        one = nb * nu * nu
        return len(self.formulas) + (one if self.units == 1 else one * nb * nu * nu)

    def enumerable(self, limit: int = 100_000) -> bool:
        return self.size() <= limit

    def trees(self) -> Iterator[Tree]:
        """Every one-unit tree (``ValueError`` for two units: use :meth:`sample`)."""
        if self.units != 1:
            raise ValueError(f"space {self.name!r} has {self.size()} candidates: too many to "
                             "enumerate (it is searched by evolution)")
        for b, u1, u2 in itertools.product(self.binary, self.unary, self.unary):
            yield (b, u1, u2)

    def sample(self, rng: np.random.Generator) -> Tree:
        """A random tree of the space."""
        def pick(names: tuple[str, ...]) -> str:
            return names[int(rng.integers(len(names)))]

        unit = (pick(self.binary), pick(self.unary), pick(self.unary))
        if self.units == 2:
            unit = (pick(self.binary), (pick(self.unary), unit), pick(self.unary))
        return unit

    def mutate(self, tree: Tree, rng: np.random.Generator) -> Tree:
        """``tree`` with one binary or unary choice replaced by another of the space."""
        slots = list(_slots(tree))
        path, kind = slots[int(rng.integers(len(slots)))]
        names = self.binary if kind == "b" else self.unary
        current = _get(tree, path)
        others = [n for n in names if n != current] or list(names)
        return _put(tree, path, others[int(rng.integers(len(others)))])

    # ------------------------------------------------------------------ text and values
    def formula(self, tree: Tree) -> str:
        """The formula text of ``tree`` (grammar of :func:`actlab.define`)."""
        b, a1, a2 = tree
        template = BINARY[b][0]
        t1, t2 = self._arg_text(a1), self._arg_text(a2)
        return template.format(a=_atom(t1), c=_atom(t2), A=t1, C=t2, b=_num(self.beta),
                               e=_num(self.epsilon))

    def _arg_text(self, arg: Arg) -> str:
        name, inner = (arg, "x") if isinstance(arg, str) else (arg[0], self.formula(arg[1]))
        u = _atom(inner)
        if name == "asinh":
            return _asinh_text(inner, u)
        return UNARY[name][0].format(u=u, r=inner, b=_num(self.beta), e=_num(self.epsilon))

    def values(self, tree: Tree, x: np.ndarray) -> np.ndarray:
        """``tree`` evaluated by NumPy at ``x`` (floating-point warnings silenced)."""
        b, a1, a2 = tree
        with np.errstate(all="ignore"):
            return BINARY[b][1](self._arg_values(a1, x), self._arg_values(a2, x), self.beta,
                                self.epsilon)

    def _arg_values(self, arg: Arg, x: np.ndarray) -> np.ndarray:
        name, inner = (arg, x) if isinstance(arg, str) else (arg[0], self.values(arg[1], x))
        return UNARY[name][1](inner, self.beta, self.epsilon)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unary": list(self.unary), "binary": list(self.binary),
                "units": self.units, "beta": self.beta, "epsilon": self.epsilon,
                "formulas": list(self.formulas), "size": self.size()}


def _slots(tree: Tree, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], str]]:
    """Every choice in ``tree``: (path, "b" or "u")."""
    yield path, "b"
    for i in (1, 2):
        arg = tree[i]
        if isinstance(arg, str):
            yield (*path, i), "u"
        else:
            yield (*path, i, 0), "u"
            yield from _slots(arg[1], (*path, i, 1))


def _get(tree: Any, path: tuple[int, ...]) -> str:
    node = tree
    for i in path:
        node = node[i]
    return node[0] if isinstance(node, tuple) else node


def _put(tree: Any, path: tuple[int, ...], name: str) -> Any:
    if not path:
        return (name, *tree[1:]) if isinstance(tree, tuple) else name
    i, rest = path[0], path[1:]
    items = list(tree)
    items[i] = _put(items[i], rest, name)
    return tuple(items)


SPACES: dict[str, Space] = {
    "small": Space("small", _SMALL_UNARY, _SMALL_BINARY, units=1),
    "swish": Space("swish", tuple(UNARY), tuple(BINARY), units=1),
    "swish2": Space("swish2", tuple(UNARY), tuple(BINARY), units=2),
}

_KEYS = {"name", "unary", "binary", "units", "beta", "epsilon", "formulas"}


def space_from_dict(d: Any, where: str = "space") -> Space:
    """A :class:`Space` from a JSON object; ``ValueError`` naming the offending part."""
    if not isinstance(d, Mapping):
        raise ValueError(f"{where}: expected a JSON object, got {type(d).__name__}")
    unknown = sorted(set(d) - _KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (known: "
                         f"{', '.join(sorted(_KEYS))})")
    kw: dict[str, Any] = {"name": str(d.get("name", "custom"))[:60]}
    for k in ("unary", "binary", "formulas"):
        v = d.get(k, [])
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise ValueError(f"{where}: {k!r} must be a list of strings")
        if k == "formulas" and len(v) > MAX_FORMULAS:
            raise ValueError(f"{where}: {len(v)} formulas (at most {MAX_FORMULAS})")
        kw[k] = tuple(v)
    for i, text in enumerate(kw["formulas"]):
        if len(text) > MAX_FORMULA_CHARS:
            raise ValueError(f"{where}: formulas[{i}] is {len(text)} characters long (at most "
                             f"{MAX_FORMULA_CHARS})")
        _check_formula(text, f"{where}: formulas[{i}]")
    for k, default in (("units", 1), ("beta", 1.0), ("epsilon", 1e-3)):
        v = d.get(k, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{where}: {k!r} must be a number, got {v!r}")
        kw[k] = v
    return Space(**kw)


def _check_formula(text: str, where: str) -> None:
    """Parse ``text`` with the whitelist grammar and check it on the real line."""
    from actlab.activations.expr.core import Expression

    try:
        Expression(text).check_domain({})
    except (ValueError, TypeError) as e:
        raise ValueError(f"{where} {text!r}: {e}") from None


def load_space(spec: str | os.PathLike[str]) -> Space:
    """A built-in space by name, or a JSON file (``.json``): bounded in size, formulas parsed by
    the whitelist grammar (never run as code)."""
    text = os.fspath(spec)
    if text in SPACES:
        return SPACES[text]
    path = Path(text)
    if path.suffix.lower() != ".json":
        raise ValueError(f"unknown space {text!r} (built in: {', '.join(SPACES)}; or a .json "
                         "file)")
    data = read_json(path, MAX_FILE_BYTES, "space file ")
    return space_from_dict(data, f"space file {path.name}")


def read_json(path: Path, limit: int, what: str = "") -> Any:
    """The JSON document in ``path``, refused (``ValueError``) above ``limit`` bytes or when it
    is not valid UTF-8 JSON."""
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"{what}{path} is {size} bytes (at most {limit})")
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"{what}{path} is not valid JSON: {e}") from None
