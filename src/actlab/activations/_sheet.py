"""Small helpers shared by the entry modules: property-sheet defaults and framework notes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .spec import Extremum, Info, Kink


def special():
    """:mod:`scipy.special`, imported on first use (importing it takes about half a second)."""
    from scipy import special as module

    return module

INF = float("inf")

PROS_CONS = {
    "vanishing": "vanishing gradients: f' -> 0 when the unit saturates",
    "dying": "dying units: a unit stuck at x < 0 gets no gradient",
    "not_centred": "not zero-centred: outputs of one sign bias the next layer's updates",
    "centred": "zero-centred outputs",
    "cheap": "cheap: one comparison, no transcendental function",
    "costly": "costlier: needs exp/erf per element",
    "sparse": "sparse activations: exact zeros for x <= 0",
    "no_vanish": "no vanishing gradient for x > 0 (f' = 1)",
    "smooth": "smooth (C-infinity): well-behaved second-order information",
}


def centred(mean: float, mean_square: float) -> bool:
    """spec.py's ``zero_centred`` criterion: ``|E f(Z)| <= 0.01 sqrt(E f(Z)^2)``, Z ~ N(0, 1)."""
    return abs(mean) <= 0.01 * math.sqrt(mean_square)


def normal_moments(f: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """``(E f(Z), E f(Z)^2)`` for Z ~ N(0, 1) by 96-point Gauss-Hermite quadrature (smooth f)."""
    z, w = np.polynomial.hermite_e.hermegauss(96)
    w = w / math.sqrt(2 * math.pi)
    with np.errstate(over="ignore"):  # a huge parameter times z saturates, exactly
        v = f(z)
    return float(w @ v), float(w @ (v * v))


def exp_tail(t: float) -> float:
    """``E[e^{tZ}; Z < 0] = e^{t^2/2} Phi(-t)``, without overflow for large t."""
    return float(special().erfcx(t / math.sqrt(2))) / 2


def info(
    name: str,
    display_name: str,
    formula: str,
    derivative: str,
    *,
    params: dict[str, Any] | None = None,
    range: tuple[float, float],
    minimum: Extremum | None = None,
    maximum: Extremum | None = None,
    max_abs_grad: float,
    monotone: bool,
    smoothness: str,
    zero_centred: bool,
    saturating: str,
    exact_zeros: bool = False,
    kinks: tuple[Kink, ...] = (),
    frameworks: dict[str, str],
    use: tuple[str, ...] = ("hidden",),
    init: str,
    pros: tuple[str, ...],
    cons: tuple[str, ...],
    reference: str,
    vector: bool = False,
) -> Info:
    """Build an :class:`Info` with keyword arguments only (readability at the call site)."""
    return Info(
        name=name,
        display_name=display_name,
        formula=formula,
        derivative=derivative,
        params=dict(params or {}),
        range=(float(range[0]), float(range[1])),
        minimum=minimum,
        maximum=maximum,
        max_abs_grad=float(max_abs_grad),
        monotone=monotone,
        smoothness=smoothness,  # type: ignore[arg-type]
        zero_centred=zero_centred,
        saturating=saturating,  # type: ignore[arg-type]
        exact_zeros=exact_zeros,
        kinks=tuple(kinks),
        frameworks=dict(frameworks),
        use=tuple(use),
        init=init,
        pros=tuple(pros),
        cons=tuple(cons),
        reference=reference,
        vector=vector,
    )
