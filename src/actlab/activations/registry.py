"""The one registry of activation functions: ``register``, ``get``, ``names`` and ``Activation``.

Everything else in actlab (CLI, plots, reports, tests) iterates over this registry.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import _fast, _hot
from ._arrays import _1d, _check_out, _compute_dtype, _finish, _needs_float64, _prepare, quietly
from ._display import NotebookDisplay
from ._peers import _peer_spellings
from .spec import Info, Spec

_SPECS: dict[str, Spec] = {}
_ALIASES: dict[str, str] = {}
#: activations defined from formulas (``actlab.define``): found by get/spec, not listed by names()
_CUSTOM: dict[str, Spec] = {}
EXPR_PREFIX = "expr:"


def register(spec: Spec) -> Spec:
    """Add an entry (and its aliases). Names are unique across entries and aliases."""
    for key in (spec.name, *spec.aliases):
        if key in _SPECS or key in _ALIASES:
            raise ValueError(f"activation name {key!r} is already registered")
    _SPECS[spec.name] = spec
    for alias in spec.aliases:
        _ALIASES[alias] = spec.name
    return spec


def register_custom(spec: Spec) -> Spec:
    """Add (or replace) a custom entry defined from a formula (see ``actlab.define``)."""
    _CUSTOM[spec.name] = spec
    return spec


def check_custom_name(name: str) -> str:
    """A custom entry's name: lower-case identifier, not a built-in entry or alias."""
    if not isinstance(name, str) or not name.isidentifier() or name != name.lower() or \
            name.startswith("_"):
        raise ValueError(f"activation name {name!r} must be a lower-case identifier")
    if name in _SPECS or name in _ALIASES:
        raise ValueError(f"activation name {name!r} is a built-in entry; choose another")
    return name


def _declared(key: str, params: dict[str, Any]) -> bool:
    """A formula already defined with (at least) these parameter names."""
    return key in _CUSTOM and {p.name for p in _CUSTOM[key].params} >= set(params)


def names(*, aliases: bool = False) -> list[str]:
    """Canonical entry names in registration order (with ``aliases=True``, aliases too)."""
    out = list(_SPECS)
    return out + sorted(_ALIASES) if aliases else out


def aliases() -> dict[str, str]:
    """Mapping alias -> canonical name (``swish -> silu``, ``linear -> identity``, ...)."""
    return dict(_ALIASES)


def canonical(name: str) -> str:
    """Resolve an alias; unknown names raise ``ValueError`` with a did-you-mean."""
    if not isinstance(name, str):
        raise ValueError(f"activation name must be a string, got {name!r}")
    if name.strip() in _CUSTOM:
        return name.strip()
    key = name.strip().lower().replace("-", "_")
    if key in _SPECS or key in _CUSTOM:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    close = difflib.get_close_matches(key, names(aliases=True), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"unknown activation {name!r}{hint} (known: {', '.join(names())})")


def spec(name: str) -> Spec:
    """The registry entry for ``name`` (aliases allowed)."""
    key = canonical(name)
    return _SPECS[key] if key in _SPECS else _CUSTOM[key]


def get(name: str | Activation, **params: Any) -> Activation:
    """An :class:`Activation` with validated parameters.

    Peers' spellings are accepted and shown canonically: ``negative_slope`` (PyTorch) for
    ``alpha``, ``dim`` for ``axis``, ``approximate=True/False`` (JAX) for ``"tanh"/"none"``.

    >>> get("leaky_relu")
    leaky_relu(alpha=0.01)
    >>> get("swish")
    silu(beta=1.0)
    >>> get("leaky_relu", negative_slope=0.2), get("gelu", approximate=True)
    (leaky_relu(alpha=0.2), gelu(approximate='tanh'))
    >>> get("relu", alpha=1)
    Traceback (most recent call last):
    ...
    ValueError: relu: unknown parameter 'alpha' (relu takes no parameters)
    """
    if isinstance(name, Activation):
        return name if not params else get(name.name, **{**name.params, **params})
    if isinstance(name, str) and name.strip().startswith(EXPR_PREFIX) and not _declared(
            name.strip(), params):
        from .expr import define

        return define(name.strip()[len(EXPR_PREFIX):], **params)
    s = spec(name)
    params = _peer_spellings(s, params)
    known = {p.name: p for p in s.params}
    for key in params:
        if key not in known:
            takes = f"takes {', '.join(known)}" if known else "takes no parameters"
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{s.name}: unknown parameter {key!r}{hint} ({s.name} {takes})")
    values = {
        p.name: p.validate(params[p.name], s.name) if p.name in params else p.default
        for p in s.params
    }
    return Activation(s, values)


# --------------------------------------------------------------------------- dtype handling
class Activation(NotebookDisplay):
    """An activation function with concrete parameters.

    ``f(x)`` is the value, ``f.grad(x)`` the elementwise derivative, ``f.jacobian(x)`` the full
    Jacobian over the last axis for vector-valued entries, ``f.backward(g, x, y)`` the
    vector-Jacobian product and ``f.info`` the property sheet.
    """

    __slots__ = ("spec", "params", "_info", "_wide", "_kernels", "_hot")

    def __init__(self, spec: Spec, params: dict[str, Any]) -> None:
        self.spec = spec
        self.params = dict(params)
        self._info: Info | None = None
        self._wide = _needs_float64(self.params)
        self._kernels: dict[tuple[str, np.dtype], tuple[int, Any]] = {}
        self._hot: tuple[Any, ...] = ()  # the C-level (f, vjp, df) records, made on first use

    # ------------------------------------------------------------------ identity
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def info(self) -> Info:
        if self._info is None:
            self._info = self.spec.sheet(**self.params)
        return self._info

    @property
    def vector(self) -> bool:
        return self.spec.vector

    def config(self) -> dict[str, Any]:
        """``{"name": ..., "params": {...}}`` (and ``"expr"``, the formula of a custom entry),
        the inverse of :meth:`from_config`."""
        out = {"name": self.name, "params": dict(self.params)}
        if "expr" in self.spec.extra:
            out["expr"] = self.spec.extra["expr"]
        return out

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Activation:
        params = config.get("params", {})
        if "expr" in config:  # re-parsed by the whitelist grammar: a config never runs code
            from .expr import define

            name = config["name"]
            return define(config["expr"], None if name.startswith(EXPR_PREFIX) else name,
                          **params)
        return get(config["name"], **params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Activation)
            and self.name == other.name
            and self.params == other.params
        )

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __reduce__(self) -> tuple[Any, ...]:
        """Entry and parameters, never the kernel caches (their C records cannot be pickled)."""
        return Activation, (self.spec, self.params)

    def __deepcopy__(self, memo: dict[int, Any]) -> Activation:
        """The same (frozen, shared) entry with copied parameters; caches are made again."""
        return Activation(self.spec, copy.deepcopy(self.params, memo))

    # ------------------------------------------------------------------ evaluation
    def _bound(self, kind: str, dtype: np.dtype):
        """The compiled kernel for ``kind`` at ``dtype`` (``None``: NumPy), cached per instance."""
        key = (kind, dtype)
        hit = self._kernels.get(key)
        if hit is None or hit[0] is not _fast._ENABLED:  # rebind after set_enabled
            hit = self._kernels[key] = (_fast._ENABLED, _fast.bind(self.name, kind, dtype,
                                                                   self.params))
        return hit[1]

    def _hot_records(self) -> tuple[Any, ...]:
        """(f, vjp, df) records of the C-level fast path (``_hot.records``), made once."""
        if not self._hot:
            self._hot = (None,) * 3 if self._wide else _hot.records(self.name, self.params)
        return self._hot

    def _unary(self, kind: str, which: int, x: ArrayLike, out: np.ndarray | None):
        """f(x) or f'(x) (``kind`` "f"/"df", record ``which``): plain float32 calls in C."""
        if type(x) is np.ndarray:  # not masked (a subclass): skip the mask handling
            if _fast._ENABLED:  # None: not a plain float32 call
                hot = (self._hot or self._hot_records())[which]
                res = None if hot is None else _fast._MOD.call(hot, x, out)
                if res is not None:
                    return res
            return self._run(kind, x, out)
        return self._keep_mask(kind, x, out)

    def _run(self, kind: str, x: ArrayLike, out: np.ndarray | None):
        a, dtype, scalar = _prepare(x)
        a = _compute_dtype(a, self._wide)
        if not a.flags.c_contiguous:
            a = np.ascontiguousarray(a)  # one kernel for every layout: identical results
        if out is not None:
            _check_out(out, a.shape, dtype)
            # kernels read x after writing out: f(x, out=x) computes into a temporary
            usable = (out.dtype == a.dtype and out.flags.c_contiguous
                      and not np.may_share_memory(out, a))
            dst = out if usable else np.empty_like(a)
        else:
            dst = np.empty_like(a)
        fast = self._bound(kind, a.dtype)
        if fast is not None:
            res = fast(a, dst) if a.ndim else fast(_1d(a), _1d(dst)).reshape(())
        else:
            res = quietly(getattr(self.spec, kind), _1d(a), _1d(dst),
                          **self.params).reshape(a.shape)
        if res is out or (out is None and res.dtype == dtype):
            return res[()] if scalar else res
        return _finish(res, dtype, scalar, out)

    def _masked(self, *arrays: Any) -> np.ndarray | None:
        """The combined mask of masked-array arguments (``None`` if there are none). Elementwise
        entries keep the mask; vector entries refuse (masked entries would enter the sum)."""
        masked = [a for a in arrays if isinstance(a, np.ma.MaskedArray)]
        if not masked:
            return None
        if self.spec.vector:
            raise TypeError(f"{self.name}: masked arrays are not supported (masked entries would "
                            "still enter the normalisation); pass x.filled(-np.inf) to leave "
                            "them out")
        mask = np.ma.getmaskarray(masked[0])
        for a in masked[1:]:
            mask = mask | np.ma.getmaskarray(a)
        return mask

    def _keep_mask(self, kind: str, x: ArrayLike, out: np.ndarray | None):
        mask = self._masked(x)
        if mask is None:
            return self._run(kind, x, out)
        if out is not None:
            raise TypeError(f"{self.name}: out= cannot hold a masked result")
        return np.ma.MaskedArray(self._run(kind, np.ma.getdata(x), None), mask=mask.copy())

    def __call__(self, x: ArrayLike, *, out: np.ndarray | None = None):
        """The value ``f(x)``, elementwise (or along ``axis`` for softmax); a masked array
        keeps its mask."""
        return self._unary("f", 0, x, out)

    def grad(self, x: ArrayLike, *, out: np.ndarray | None = None):
        """The elementwise derivative ``f'(x)`` (kinks follow ``info.kinks``)."""
        if self.spec.df is None:
            raise TypeError(
                f"{self.name} is vector-valued: use jacobian(x) or backward(g, x)"
            )
        return self._unary("df", 2, x, out)

    def jacobian(self, x: ArrayLike) -> np.ndarray:
        """Jacobian over the last axis, shape ``(..., n, n)`` (diagonal for elementwise entries)."""
        if isinstance(x, np.ma.MaskedArray):
            raise TypeError(f"{self.name}.jacobian: masked arrays are not supported; pass "
                            "x.filled(value)")
        a, dtype, _ = _prepare(x)
        if a.ndim == 0:
            a = a.reshape(1)
        if self.spec.vector:
            axis = self.params.get("axis", -1)
            if axis not in (-1, a.ndim - 1):
                a = np.moveaxis(a, axis, -1)
            n = a.shape[-1]
            eye = np.eye(n, dtype=a.dtype)
            cols = np.broadcast_to(eye, a.shape[:-1] + (n, n))
            # row i of J is the vjp with g = e_i: J[..., i, j] = (e_i^T J)_j = d y_i / d x_j
            xs = np.broadcast_to(a[..., None, :], cols.shape)
            tmp = get(self.name, **{**self.params, "axis": -1})
            jac = tmp.backward(cols, xs)
            return jac.astype(dtype, copy=False)
        d = self.grad(a)
        jac = np.zeros(a.shape + (a.shape[-1],), dtype=dtype)  # float16 in, float16 out
        idx = np.arange(a.shape[-1])
        jac[..., idx, idx] = d
        return jac

    def _numpy_vjp(self, g: np.ndarray, x: Any, y: Any, out: np.ndarray) -> np.ndarray:
        if self.spec.vjp is not None:
            return self.spec.vjp(g, x, y, out, **self.params)
        res = self.spec.df(x, out, **self.params)
        return np.multiply(res, g, out=res)

    def backward(
        self,
        g: ArrayLike,
        x: ArrayLike | None,
        y: ArrayLike | None = None,
        *,
        out: np.ndarray | None = None,
    ):
        """Vector-Jacobian product ``g @ J(x)``: the gradient with respect to ``x``.

        ``y = f(x)`` may be passed to save work; entries whose derivative is exactly recoverable
        from the output (``spec.y_exact``: relu, relu6, softmax, ...) then accept ``x=None``.
        ``y`` must have the shape of ``x``; masked arguments give a result masked where any is.
        """
        if _fast._ENABLED and type(g) is np.ndarray:  # plain float32 calls run in C
            hot = (self._hot or self._hot_records())[1]
            res = None if hot is None else _fast._MOD.call_vjp(hot, g, x, y, out)
            if res is not None:
                return res
        mask = self._masked(g, x, y)
        if mask is not None:
            if out is not None:
                raise TypeError(f"{self.name}: out= cannot hold a masked result")
            data = [None if v is None else np.ma.getdata(v) for v in (g, x, y)]
            res = self.backward(*data)
            return np.ma.MaskedArray(res, mask=np.broadcast_to(mask, np.shape(res)).copy())
        ga, gdtype, scalar = _prepare(g, "g")
        if x is None:
            if y is None or not self.spec.y_exact:
                raise ValueError(f"{self.name}.backward needs x (the pre-activation)")
            xa, (ya, xdtype, _) = None, _prepare(y, "y")
            shape = ya.shape
        else:
            xa, xdtype, _ = _prepare(x)
            ya = None if y is None else _prepare(y, "y")[0]
            shape = xa.shape
            if ya is not None and ya.shape != shape:
                raise ValueError(f"{self.name}.backward: y has shape {ya.shape}, x has shape "
                                 f"{shape} (y must be f(x))")
        if ga.shape != shape:
            raise ValueError(f"{self.name}.backward: g has shape {ga.shape}, x has shape {shape}")
        rdt = np.result_type(xdtype, gdtype)  # dtype of the result
        cdt = np.dtype(np.float32) if rdt == np.float16 else rdt  # dtype it is computed in
        if self._wide:
            cdt = np.dtype(np.float64)
        # C order for every operand: one kernel for every layout, identical results
        ga = np.ascontiguousarray(ga, dtype=cdt)
        xa = None if xa is None else np.ascontiguousarray(xa, dtype=cdt)
        ya = None if ya is None else np.ascontiguousarray(ya, dtype=cdt)
        if out is not None:
            _check_out(out, shape, rdt)
        usable = out is not None and out.dtype == cdt and out.flags.c_contiguous and not any(
            np.may_share_memory(out, v) for v in (ga, xa, ya) if v is not None
        )  # kernels read g, x, y after writing out: aliased outputs go through a temporary
        dst = out if usable else np.empty(shape, cdt)
        fast = self._bound("vjp", cdt)
        if fast is not None:
            res = (fast(ga, xa, ya, dst) if ga.ndim
                   else fast(_1d(ga), _1d(xa), _1d(ya), _1d(dst)).reshape(()))
        else:
            res = quietly(self._numpy_vjp, _1d(ga), _1d(xa), _1d(ya), _1d(dst)).reshape(shape)
        if res is out or (out is None and res.dtype == rdt):
            return res[()] if scalar else res
        return _finish(res, rdt, scalar, out)
