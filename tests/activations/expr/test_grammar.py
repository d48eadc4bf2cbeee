"""The whitelist parser: what it accepts, and a corpus of hostile inputs it refuses."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

import actlab
from actlab.activations.expr import define, grammar

HOSTILE = [
    ("__import__('os').system('true')", "__import__"),
    ("x.__class__", "Attribute"),
    ("x.real", "Attribute"),
    ("().__class__.__bases__[0]", "Subscript"),
    ("__builtins__", "__builtins__"),
    ("eval('1')", "eval"),
    ("exec('x=1')", "exec"),
    ("open('/etc/passwd')", "open"),
    ("(lambda: 1)()", "calls of named functions"),
    ("lambda x: x", "Lambda"),
    ("[x for x in range(3)]", "ListComp"),
    ("sum(t for t in [1, 2])", "sum"),
    ("(y := 3)", "NamedExpr"),
    ("'abc'", "real numbers"),
    ("b'x'", "real numbers"),
    ("x[0]", "Subscript"),
    ("x if x > 0 else 0", "IfExp"),
    ("x > 0", "Compare"),
    ("x and 1", "BoolOp"),
    ("not x", "UnaryOp"),
    ("~x", "UnaryOp"),
    ("x // 2", "FloorDiv"),
    ("x % 2", "Mod"),
    ("x @ x", "MatMult"),
    ("x << 2", "LShift"),
    ("x ** 10 ** 10", "exponent"),
    ("x ** 65", "exponent"),
    ("x ** x", "'x ** x': the exponent 'x' must be a number"),
    ("2 ** 10 ** 6", "exponent"),
    ("1e308 * 1e308", "out of range"),
    ("1 / 0", "division by zero"),
    ("exp(x, 2)", "takes 1"),
    ("sigmoid(x, beta=lambda: 1)", "literal"),
    ("silu(x, beta=-1)", "beta"),
    ("softmax(x)", "softmax"),
    ("max(x)", "2 to 16"),
    ("max(" + ", ".join(["x"] * 17) + ")", "2 to 16"),
    ("where(x, 1, 0)", "comparison"),
    ("where(0 < x < 1, 1, 0)", "comparison"),
    ("exp(*[x])", "*args"),
    ("sigmoid(**{'x': 1})", "**kwargs"),
    ("y * x", "unknown name 'y'"),
    ("f'{x}'", "JoinedStr"),
    ("{x: 1}", "Dict"),
    ("(x, x)", "Tuple"),
    ("x; import os", "syntax"),
    ("import os", "syntax"),
    ("", "syntax"),
    ("exp(" * 60 + "x" + ")" * 60, "nests function calls"),
    ("-" * 200 + "x", "nested deeper"),
    ("+".join(["max(x, 1)"] * 150), "syntax nodes"),
    ("True", "real numbers"),
    ("None", "real numbers"),
    ("1j * x", "real numbers"),
    ("sqrt(-1)", "complex"),
    ("Sigmoid(x)", "unknown function"),
]


@pytest.mark.parametrize("text, why", HOSTILE, ids=[t[:30] for t, _ in HOSTILE])
def test_hostile_inputs_are_refused_with_the_offending_part(text, why):
    with pytest.raises(ValueError, match="expression") as err:
        define(text)
    assert why.lower() in str(err.value).lower()


def test_oversized_input_is_refused_before_parsing(monkeypatch):
    def boom(*args, **kwargs):  # the parser must never see it
        raise AssertionError("parsed")

    monkeypatch.setattr(grammar.ast, "parse", boom)
    text = "x+" * (5 * 10**6) + "x"  # 10 MB (1e9 characters is refused the same way, by len)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="characters long"):
        grammar.parse(text)
    assert time.perf_counter() - t0 < 0.5


def test_non_string_and_bad_parameter_names():
    with pytest.raises(TypeError):
        define(3)
    for bad in ("x", "exp", "sigmoid", "relu", "__class__", "_p", "1a", "trainable", "channels"):
        with pytest.raises(ValueError, match="parameter name"):
            define("x", **{bad: 1.0})
    with pytest.raises(ValueError, match="real number"):
        define("beta * x", beta="1")
    with pytest.raises(ValueError, match="finite"):
        define("beta * x", beta=float("inf"))


def test_no_eval_on_user_text(monkeypatch):
    """sympify/eval/exec are never reached: poison them (after SymPy's own lazy imports, which
    exec generated code of SymPy's, have run once) and define still works."""
    import builtins

    text = "x * sigmoid(beta * x) + 0.1 * max(x, 0) - where(x <= -1, 0.5, 0)"
    define(text, beta=1.0).grad([0.5])  # warm-up: SymPy's imports, not the user's text

    def poisoned(*args, **kwargs):
        raise AssertionError("user text reached an evaluator")

    monkeypatch.setattr(sp, "sympify", poisoned)
    monkeypatch.setattr(builtins, "eval", poisoned)
    monkeypatch.setattr(builtins, "exec", poisoned)
    f = define(text.replace("0.1", "0.2"), beta=1.3)
    assert np.isfinite(f([-2.0, 0.0, 2.0])).all()


@pytest.mark.parametrize("text, at, want", [
    ("x * tanh(softplus(x))", 1.0, actlab.get("mish")(1.0)),
    ("arctan(x) + atan(x)", 1.0, np.pi / 2),
    ("max(x, 0, -1)", -2.0, 0.0),
    ("min(x, 1)", 3.0, 1.0),
    ("piecewise(x >= 1, 2, 3)", 1.0, 2.0),
    ("where(x < 1, 2, 3)", 1.0, 3.0),
    ("abs(x) + sqrt(x**2) + log1p(abs(x)) + expm1(x)", 0.0, 0.0),
    ("sin(x)**2 + cos(x)**2 + cosh(x) - sinh(x) - exp(-x)", 0.7, 1.0),
    ("erf(x) + erfc(x)", 0.3, 1.0),
    ("pi * e * x", 1.0, np.pi * np.e),
    ("leaky_relu(x, alpha=0.2) + swish(x) - silu(x)", -1.0, -0.2),
    ("gelu(x, approximate='tanh')", 1.0, actlab.get("gelu", approximate="tanh")(1.0)),
    ("-x ** 2 / 2", 3.0, -4.5),
])
def test_accepted_grammar(text, at, want):
    assert float(define(text)(at)) == pytest.approx(float(want), rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("text, at", [("log(x)", "-12.0"), ("sqrt(x)", "-12.0"),
                                      ("1 / x", "0.0"), ("log1p(x)", "-12.0")])
def test_formulas_undefined_somewhere_on_the_line_are_refused(text, at):
    with pytest.raises(ValueError, match=f"undefined at x = {at}"):
        define(text)
