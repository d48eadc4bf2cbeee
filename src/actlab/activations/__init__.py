"""The activation catalogue: one registry, filled by importing the entry modules in order."""

from . import classic, smooth, softmax, hard  # noqa: F401  (registration side effects)
from .registry import Activation, aliases, canonical, get, names, register, spec
from .spec import Extremum, Info, Kink, Param, Spec

__all__ = [
    "Activation", "Extremum", "Info", "Kink", "Param", "Spec",
    "aliases", "canonical", "get", "names", "register", "spec",
]
