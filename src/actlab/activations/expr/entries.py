"""The registry's elementwise entries written in the expression grammar, the naive way.

These forms serve three purposes: the accuracy check (a registry entry inside a formula is
evaluated in mpmath through its form), trainable parameters of registry entries
(``nn.Activation("silu", trainable=("beta",))`` trains the form ``x / (1 + exp(-beta x))``), and
the tests (the generated code of each form must meet the mpmath bound, and the inferred sheet
must equal the hand-written one).
"""

from __future__ import annotations

from typing import Any

SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"

_FORMS: dict[str, str] = {
    "identity": "x",
    "sigmoid": "1 / (1 + exp(-x))",
    "tanh": "tanh(x)",
    "relu": "max(x, 0)",
    "leaky_relu": "where(x > 0, x, alpha * x)",
    "relu6": "min(max(x, 0), 6)",
    "silu": "x / (1 + exp(-beta * x))",
    "mish": "x * tanh(log(1 + exp(x)))",
    "elu": "where(x > 0, x, alpha * (exp(x) - 1))",
    "selu": f"{SELU_SCALE} * where(x > 0, x, {SELU_ALPHA} * (exp(x) - 1))",
    "celu": "where(x > 0, x, alpha * (exp(x / alpha) - 1))",
    "softplus": "log(1 + exp(beta * x)) / beta",
    "log_sigmoid": "log(1 / (1 + exp(-x)))",
    "hard_sigmoid": "min(max(x + 3, 0), 6) / 6",
    "hard_swish": "x * min(max(x + 3, 0), 6) / 6",
    "hard_tanh": "max(-1, min(x, 1))",
    "softsign": "x / (1 + abs(x))",
}
_GELU = {
    "none": "0.5 * x * (1 + erf(x / sqrt(2)))",
    "tanh": "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))",
    "sigmoid": "x / (1 + exp(-1.702 * x))",
}


def form(name: str, params: dict[str, Any] | None = None) -> tuple[str, dict[str, float]]:
    """``(formula, numeric parameters)`` of a registry entry (``KeyError`` if it has none).

    >>> form("silu", {"beta": 2.0})
    ('x / (1 + exp(-beta * x))', {'beta': 2.0})
    """
    params = dict(params or {})
    if name == "gelu":
        return _GELU[params.get("approximate", "none")], {}
    return _FORMS[name], {k: float(v) for k, v in params.items()}


def names() -> list[str]:
    """Entries with a form (every elementwise registry entry)."""
    return [*_FORMS, "gelu"]
