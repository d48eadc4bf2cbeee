"""The activation catalogue: one registry, filled by importing the entry modules in order."""

# isort: off
# Import order is registration order, which names(), `actlab list` and the plots follow:
# the articles' functions first, then the modern extras.
from . import classic, smooth, softmax  # noqa: F401
from . import exponential, hard  # noqa: F401
# isort: on
from ._threads import get_num_threads, limit_threads, set_num_threads
from .registry import Activation, aliases, canonical, get, names, register, spec
from .spec import Extremum, Info, Kink, Param, Spec

__all__ = [
    "Activation", "Extremum", "Info", "Kink", "Param", "Spec",
    "aliases", "canonical", "get", "get_num_threads", "limit_threads", "names", "register",
    "set_num_threads", "spec",
]
