"""actlab: a laboratory for neural-network activation functions.

>>> import actlab
>>> f = actlab.get("leaky_relu", alpha=0.2)
>>> f
leaky_relu(alpha=0.2)
>>> f([-1.0, 2.0])
array([-0.2,  2. ])
>>> f.grad([-1.0, 2.0])
array([0.2, 1. ])
>>> actlab.get("swish").info.minimum
Extremum(value=-0.2784645427610738, at=-1.2784645427610738)
"""

from . import _util_sigint

_util_sigint.install()  # the `actlab` command: Ctrl-C while importing exits 130 quietly

from typing import Any  # noqa: E402

from .activations import Activation, Info, aliases, get, names, spec  # noqa: E402
from .activations.functional import *  # noqa: E402,F401,F403  (relu, sigmoid, gelu, ...)
from .activations.functional import __all__ as _functions  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Activation", "Info", "aliases", "define", "get", "names", "spec", *_functions]


def define(expr: str, name: str | None = None, **params: Any) -> Activation:
    """A custom activation from a formula (see :func:`actlab.activations.expr.define`).

    >>> define("x * sigmoid(beta * x)", beta=1.0)([-2.0, 0.0, 2.0])
    array([-0.23840584,  0.        ,  1.76159416])
    """
    from .activations.expr import define as _define  # SymPy loads on first use

    return _define(expr, name, **params)


_SUBPACKAGES = ("nn", "data", "diagnostics", "studies", "plotting", "report")


def __getattr__(name: str):
    # ``import actlab; actlab.nn`` imports the sub-package on first use. actlab.lab (the
    # interactive page; callable: actlab.lab() shows it in a notebook) is a top layer: imported
    # on first use, never by the core.
    if name in _SUBPACKAGES or name == "lab":
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
