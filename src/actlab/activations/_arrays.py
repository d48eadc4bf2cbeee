"""Array plumbing behind :class:`actlab.activations.registry.Activation`: argument conversion,
``out=`` checks and dtype rules (float16 computed in float32; parameters beyond float32's range
computed in float64). With the compiled kernels on, plain float32 calls are checked and run in C
(``_kernels_call.c``) and do not get here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

#: True inside ``actlab.nn.quiet()``: NumPy's floating-point errors are already ignored there, so
#: the NumPy paths of the activations and the engine's entry points skip their own ``np.errstate``
#: (about 1 us each). A context variable, like NumPy's error state: per thread and per task.
QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("actlab_quiet", default=False)


def quietly(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with NumPy's floating-point errors ignored (IEEE results, no
    RuntimeWarning), marked quiet for the calls it makes; no new ``np.errstate`` inside
    ``actlab.nn.quiet()``."""
    if QUIET.get():
        return fn(*args, **kwargs)
    token = QUIET.set(True)
    try:
        return _ignoring(fn, *args, **kwargs)
    finally:
        QUIET.reset(token)


# np.errstate as a decorator: a token per call (re-entrant, thread-safe) and 0.4 us cheaper than
# entering a new errstate object
_ignoring = np.errstate(all="ignore")(lambda fn, /, *args, **kwargs: fn(*args, **kwargs))


_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))


def _prepare(x: ArrayLike, what: str = "x") -> tuple[np.ndarray, np.dtype, bool]:
    """Return (array in compute dtype, result dtype, was_scalar).

    float32/float64 are computed natively, float16 in float32 and rounded back; integers, bools
    and Python numbers are computed in float64 (like NumPy's ufuncs). Other dtypes raise.
    """
    a = np.asarray(x)
    dt = a.dtype
    if dt in _NATIVE:
        return a, dt, a.ndim == 0
    if dt == np.float16:
        return a.astype(np.float32), dt, a.ndim == 0
    if dt.kind in "biu":
        return a.astype(np.float64), np.dtype(np.float64), a.ndim == 0
    raise TypeError(
        f"{what}: unsupported dtype {dt} (actlab computes float16/32/64; integers become float64)"
    )


def _1d(a: np.ndarray | None) -> np.ndarray | None:
    """A 0-d array as a 1-element view, so kernels always get ufunc-friendly arrays."""
    return a.reshape(1) if a is not None and a.ndim == 0 else a


def _check_out(out: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(
            f"out has shape {out.shape} and dtype {out.dtype}; expected {shape} and {dtype}"
        )


def _finish(res: np.ndarray, dtype: np.dtype, scalar: bool, out: np.ndarray | None):
    # float16 results beyond 65504 round to inf, as they should: no overflow warning
    with np.errstate(over="ignore"):
        if out is not None:
            if res is not out:
                np.copyto(out, res, casting="unsafe")
            return out
        if res.dtype != dtype:
            res = res.astype(dtype)
    return res[()] if scalar else res


# float32 kernels hold a parameter in float32 and form products/quotients with it: a parameter
# outside this band (e.g. alpha = 3.5e38 -> inf, 1e-300 -> 0) would give NaN or wrong values, so
# such an entry computes float16/float32 input in float64 and rounds the result back.
_F32_SAFE = (1e-30, 1e30)


def _needs_float64(params: dict[str, Any]) -> bool:
    for v in params.values():
        if isinstance(v, (float, np.floating)) and v != 0:
            if not _F32_SAFE[0] <= abs(float(v)) <= _F32_SAFE[1]:
                return True
    return False


def _compute_dtype(a: np.ndarray, wide: bool) -> np.ndarray:
    return a.astype(np.float64) if wide and a.dtype != np.float64 else a
