"""What an activation *is* in actlab: its kernels, its parameters and its property sheet.

Every field of :class:`Info` has one exact meaning, written here and checked numerically by
``tests/activations/test_properties.py`` for every registry entry:

``range``
    ``(inf f, sup f)`` over the real line (``-inf``/``inf`` when unbounded).
``minimum`` / ``maximum``
    the attained global extremum as ``Extremum(value, at)``, or ``None`` when the infimum
    (supremum) is not attained (approached only as ``x -> +-inf``) or is infinite.
    ``at`` is the attaining argument of smallest magnitude (relu: 0 at x = 0, although the whole
    half-line x <= 0 attains it; relu6's maximum 6 at x = 6).
``max_abs_grad``
    ``sup |f'(x)|`` with the kink convention below.
``monotone``
    ``f`` is non-decreasing on the whole line (equivalently ``f' >= 0`` everywhere).
``smoothness``
    ``"C0"`` continuous with a jump in ``f'`` somewhere; ``"C1"`` ``f'`` continuous but ``f''``
    jumps; ``"Cinf"`` infinitely differentiable.
``zero_centred``
    for standard-normal input ``Z``, ``E[f(Z)] = 0`` (checked as
    ``|E f(Z)| <= 0.01 sqrt(E f(Z)^2)``). tanh, identity and SELU (by construction) are; sigmoid,
    ReLU and ELU are not.
``bounded_below`` / ``bounded_above``
    ``range[0] > -inf`` / ``range[1] < inf``.
``saturating``
    on which side ``f'(x) -> 0``: ``"none"``, ``"left"`` (x -> -inf), ``"right"`` or ``"both"``.
``exact_zeros``
    ``f(x) == 0`` exactly on a whole interval (relu on x <= 0): the source of sparse activations.
``kinks``
    every point where ``f'`` jumps, with the value of ``f'`` that actlab returns there.
``frameworks``
    how PyTorch, JAX and Keras name the function and where their defaults differ from ours.
``use`` / ``init``
    recommended roles (``"hidden"``, ``"output-binary"``, ``"output-multiclass"``,
    ``"output-regression"``) and the initializer that keeps its signal variance (He for the ReLU
    family, Glorot for tanh/sigmoid, LeCun for SELU).

For vector-valued entries (softmax, log_softmax) ``f'`` is the Jacobian ``J_ij = d f_i / d x_j``:
``max_abs_grad`` is ``sup |J_ij|``, ``monotone`` means every ``J_ij >= 0``, ``saturating`` names
the side where row ``i`` of ``J`` vanishes as ``x_i -> -inf``/``+inf`` with the other inputs
fixed (softmax of ``[x, 0]`` is sigmoid, log_softmax of ``[x, 0]`` is log_sigmoid), and
``zero_centred`` takes ``Z ~ N(0, I)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._util_html import HTMLRepr

Smoothness = Literal["C0", "C1", "Cinf"]
Side = Literal["none", "left", "right", "both"]
ROLES = ("hidden", "output-binary", "output-multiclass", "output-regression")
INITS = ("he_normal", "glorot_uniform", "lecun_normal")


@dataclass(frozen=True)
class Param:
    """A keyword parameter: default, admissible interval (or choices) and meaning."""

    name: str
    default: Any
    doc: str
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False
    upper_open: bool = False
    choices: tuple[Any, ...] | None = None
    kind: type = float

    def validate(self, value: Any, owner: str) -> Any:
        """Return the value in canonical form or raise ``ValueError`` naming it."""
        where = f"{owner}: parameter {self.name!r}"
        if self.choices is not None:
            if value not in self.choices:
                raise ValueError(f"{where} must be one of {list(self.choices)}, got {value!r}")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{where} must be an integer, got {value!r}")
            if not -2**31 <= value < 2**31:  # an axis or a count: beyond this is a typo
                raise ValueError(f"{where} is out of range, got {value!r}")
            return int(value)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{where} must be a real number, got {value!r}")
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{where} must be finite, got {value!r}")
        if self.lower is not None and (
            value < self.lower or (self.lower_open and value == self.lower)
        ):
            op = ">" if self.lower_open else ">="
            raise ValueError(f"{where} must be {op} {self.lower}, got {value!r}")
        if self.upper is not None and (
            value > self.upper or (self.upper_open and value == self.upper)
        ):
            op = "<" if self.upper_open else "<="
            raise ValueError(f"{where} must be {op} {self.upper}, got {value!r}")
        return value


@dataclass(frozen=True)
class Extremum:
    """A global extremum ``value = f(at)``."""

    value: float
    at: float


@dataclass(frozen=True)
class Kink:
    """A point where ``f'`` jumps, and the derivative actlab returns exactly there."""

    x: float
    derivative: float
    left: float
    right: float


@dataclass(frozen=True)
class Info(HTMLRepr):
    """The property sheet of one activation with concrete parameters (see the module doc)."""

    _html_title = "display_name"

    name: str
    display_name: str
    formula: str
    derivative: str
    params: Mapping[str, Any]
    range: tuple[float, float]
    minimum: Extremum | None
    maximum: Extremum | None
    max_abs_grad: float
    monotone: bool
    smoothness: Smoothness
    zero_centred: bool
    saturating: Side
    exact_zeros: bool
    kinks: tuple[Kink, ...]
    frameworks: Mapping[str, str]
    use: tuple[str, ...]
    init: str
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    reference: str
    vector: bool = False
    #: how the sheet was obtained (empty: written by hand; custom expressions: inferred)
    method: str = ""
    #: the mpmath accuracy report of generated code (custom expressions only)
    accuracy: Any = None

    @property
    def bounded_below(self) -> bool:
        return bool(self.range[0] > -np.inf)

    @property
    def bounded_above(self) -> bool:
        return bool(self.range[1] < np.inf)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (infinities as the strings ``"inf"``/``"-inf"``)."""
        from dataclasses import asdict

        def clean(v: Any) -> Any:
            if isinstance(v, float) and not np.isfinite(v):
                return "inf" if v > 0 else "-inf"
            if isinstance(v, dict):
                return {k: clean(w) for k, w in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(w) for w in v]
            return v

        d = clean(asdict(self))
        if not self.method:
            d.pop("method")
            d.pop("accuracy")
        d["params"] = dict(self.params)
        d["frameworks"] = dict(self.frameworks)
        d["bounded_below"] = self.bounded_below
        d["bounded_above"] = self.bounded_above
        return d


Kernel = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Spec:
    """One registry entry.

    ``f(x, out, **params)`` and ``df(x, out, **params)`` write into ``out`` (same float dtype as
    ``x``, float32 or float64) and return it; ``x`` is never written unless it *is* ``out``.
    ``vjp(g, x, y, out, **params)`` is the backward pass; it is required for vector-valued entries
    and optional elsewhere (default ``g * df(x)``). ``y_exact`` says the vjp may be given only the
    output ``y`` (``x`` may then be ``None``) because the derivative is exactly recoverable from it.
    ``sheet(**params)`` builds the property sheet; ``doc`` is the user-facing docstring with the
    formulas and a doctest.
    """

    name: str
    f: Kernel
    df: Kernel | None
    sheet: Callable[..., Info]
    doc: str
    params: tuple[Param, ...] = ()
    vjp: Kernel | None = None
    y_exact: bool = False
    vector: bool = False
    aliases: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
