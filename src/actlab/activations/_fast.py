"""Optional compiled kernels (float32 hot paths). Pure NumPy is always the fallback.

``bind(name, kind, dtype, params)`` returns the compiled kernel for one activation with concrete
parameters -- ``k(x, out)`` for ``kind`` ``"f"``/``"df"``, ``k(g, x, y, out)`` for ``"vjp"`` --
or ``None`` when no compiled kernel applies; callers then use the registry's NumPy formula. Both
paths pass the same exactness tests (``tests/activations/test_fast_path.py``). A bound kernel
takes C-contiguous float32 arrays of one shape, ``out`` either the input itself or disjoint from
it (the registry guarantees this: it copies every other layout to C order first, so results never
depend on the memory layout), and raises no floating-point warnings.

The public call (``Activation.__call__``, ``.grad``, ``.backward``) first tries the extension's
``call``/``call_vjp`` (``_kernels_call.c``, records from :func:`._hot.records`): plain float32
arrays are checked and computed in C (0.4-0.7 us a call; 1.2-2 us through this module); anything
else returns ``None`` and takes the Python path, which decides and checks every other case.

The kernels live in ``_kernels.c``/``_kernels_rows.c`` (AVX2 + FMA; glibc's libmvec for erfc,
tanh and log1p, an inline exp accurate to 1.33 ulp), built by ``setup.py`` as an optional extension.
Below the split size a call goes through the extension's own entry points ``apply1``/``apply2``
(buffers through the Python C API, well under a microsecond); from :data:`SPLIT_MIN` elements
(:data:`SPLIT_MIN_CHEAP` for the memory-bound piecewise-linear entries) a call
(``split1``/``split2``; ``run_split`` through :mod:`ctypes` for softmax rows) is cut into chunks of
:data:`CHUNK` that the calling thread and one persistent native helper thread (``_kernels_pool.c``:
a pthread that spins briefly between calls, then sleeps on a futex; no GIL) claim from a shared
atomic counter: on a busy machine, where the helper may be scheduled late, the caller simply takes
every chunk (never much slower than one thread). ``ACTLAB_NUM_THREADS=1`` (read at import) or
:func:`set_num_threads` keeps every call on the calling thread. The kernels are used only when

* the library was built and loads, and the CPU has AVX2 and FMA (:func:`available`);
* ``ACTLAB_NO_FAST`` was unset (or ``0``/empty) when actlab was imported -- ``1`` forces the
  NumPy path; :func:`set_enabled` switches at run time;
* the arrays are float32 and the parameters ordinary (normal float32 numbers).

softmax and log_softmax run row by row along the last axis (other axes: NumPy); rows holding a
non-finite value are handed back to the NumPy formula, which defines those limits.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.machinery
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._threads import SPLIT_AT as _SPLIT_AT
from ._threads import (  # noqa: F401  (re-exported: tests, benchmarks)
    SPLIT_MIN, SPLIT_MIN_CHEAP, get_num_threads, limit_threads, set_num_threads)

_CHEAP = {"identity", "relu", "leaky_relu", "relu6", "hard_tanh", "hard_sigmoid"}
_F32 = np.dtype(np.float32)
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


# ------------------------------------------------------------------------------ the library
#: the extension's entry-point signatures this module calls (ACTLAB_KERNELS_ABI in _kernels.c)
ABI = 3


def _load() -> tuple[ctypes.CDLL | None, Any, str]:
    here = Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = here / f"_kernels{suffix}"
        if path.exists():
            break
    else:
        return None, None, "the compiled module _kernels was not built (pure NumPy in use)"
    try:
        lib = ctypes.CDLL(str(path))
        mod = importlib.import_module(f"{__package__}._kernels")
    except (OSError, ImportError) as exc:  # e.g. libmvec missing at run time
        return None, None, f"cannot load {path.name}: {exc}"
    if not lib.actlab_cpu_ok():
        return None, None, "this CPU lacks AVX2/FMA"
    if getattr(mod, "ABI", 0) != ABI:
        return None, None, f"{path.name} is out of date: rebuild it (pip install -e .)"
    lib.run_split.restype = None
    return lib, mod, f"loaded {path.name}"


_LIB, _MOD, REASON = _load()
#: whether bind() returns compiled kernels; callers caching bound kernels key them on it
_ENABLED = _LIB is not None and os.environ.get("ACTLAB_NO_FAST", "") in ("", "0")


def available() -> bool:
    """Whether the compiled kernels are loaded and usable on this CPU (ignores ACTLAB_NO_FAST)."""
    return _LIB is not None


def enabled() -> bool:
    """Whether lookups currently return compiled kernels."""
    return _ENABLED


def set_enabled(flag: bool) -> None:
    """Switch the compiled kernels on or off at run time (``ACTLAB_NO_FAST`` is read at import)."""
    global _ENABLED
    _ENABLED = bool(flag) and _LIB is not None


def kernels():
    """The extension's non-activation entry points (the one-pass optimizer steps ``sgd`` and
    ``adam``, 2 x 2 max pooling ``maxpool2x2``/``unpool2x2``, the convolutions' batch-inner
    ``im2col``/``col2im``, ``transpose``), or ``None`` (NumPy)."""
    return _MOD if _ENABLED else None


_ADDRESSES: dict[str, int] = {}


def _address(name: str) -> int:
    """The address of the extension's C function ``name`` (the entry points take it as an int)."""
    hit = _ADDRESSES.get(name)
    if hit is None:
        hit = _ADDRESSES[name] = ctypes.cast(getattr(_LIB, name), ctypes.c_void_p).value
    return hit


_COPY = _address("copy_f") if _LIB is not None else 0  # identity's forward (two threads)


# ------------------------------------------------------------------------ two threads
#: elements (or rows' worth of elements) per chunk claimed by a thread (SPLIT_CHUNK in C)
CHUNK = 1 << 14


class _Job(ctypes.Structure):
    """job_t in _kernels_pool.h: chunks of one call, claimed by the caller and the helper."""

    _fields_ = [(k, ctypes.c_int64) for k in ("next", "n", "chunk", "kind", "m", "from_y")]
    _fields_ += [(k, ctypes.c_void_p) for k in ("fn", "g", "x", "y", "skip")]
    _fields_ += [("a", ctypes.c_double), ("b", ctypes.c_double), ("helper_done", ctypes.c_int64),
                 ("flag", ctypes.c_int64), ("ctx", ctypes.c_void_p)]


def _ptr(a: np.ndarray | None) -> int | None:
    return None if a is None else a.ctypes.data


def split_chunk(n: int) -> int:
    """Elements per chunk of a two-thread call over n elements (split_chunk in C): about 8
    chunks, a multiple of 64, within [2048, CHUNK]; row kernels take this many elements' worth
    of whole rows."""
    return min(max((n // 8 + 63) & ~63, 2048), CHUNK)


def _split_rows(kind: int, fn: int, n: int, g, x, y, *, m: int, skip: int, from_y: int) -> None:
    """One rows call (kinds 3, 4) over n rows of m, on this thread and the native helper."""
    chunk = max(1, split_chunk(n * m) // m)
    job = _Job(0, n, chunk, kind, m, from_y, fn, _ptr(g), _ptr(x), _ptr(y), skip, 0.0, 0.0, 0)
    _LIB.run_split(ctypes.byref(job))  # releases the GIL; returns once every chunk is done


def _elementwise(fn: int, kind: str, a: float, b: float, cheap: int):
    """The bound kernel for one elementwise (entry, kind) at C address fn with parameters (a, b);
    it splits from ``_SPLIT_AT[cheap]`` elements."""
    if kind != "vjp":
        apply1, split1 = _MOD.apply1, _MOD.split1

        def kernel(x, out):
            (apply1 if out.size < _SPLIT_AT[cheap] else split1)(fn, x, out, a, b)
            return out

        return kernel
    apply2, split2 = _MOD.apply2, _MOD.split2

    def vjp(g, ref, out):
        (apply2 if out.size < _SPLIT_AT[cheap] else split2)(fn, g, ref, out, a, b)
        return out

    return vjp


# ------------------------------------------------------------------------------- the table
def _plain(params: dict[str, Any]) -> tuple[float, float] | None:
    return (0.0, 0.0) if not params else None


def _normal(v: float) -> bool:
    return 1e-30 < abs(v) < 1e30  # comfortably normal in float32, also after products


def _one(key: str) -> Callable[[dict[str, Any]], tuple[float, float] | None]:
    def params(p: dict[str, Any]) -> tuple[float, float] | None:
        v = float(p.get(key, 1.0)) if set(p) <= {key} else None
        return (v, 1.0) if v is not None and _normal(v) else None

    return params


def _leaky(p: dict[str, Any]) -> tuple[float, float] | None:
    if not set(p) <= {"alpha"}:
        return None
    alpha = float(p.get("alpha", 0.01))
    return (alpha, 0.0) if alpha == 0.0 or _normal(alpha) else None


def _selu(p: dict[str, Any]) -> tuple[float, float] | None:
    return _SELU if not p else None


#: the elementwise entries with compiled kernels (C prefix = the name, except selu: elu)
_COMPILED = set("""identity sigmoid tanh relu leaky_relu relu6 silu elu selu celu softplus
                   log_sigmoid mish hard_sigmoid hard_swish hard_tanh softsign""".split())
#: entries whose vjp the kernel computes from y as well as from x
_FROM_Y = {"identity", "relu", "leaky_relu", "relu6", "hard_tanh"}
#: params -> (a, b) or None (unusual values: NumPy); entries not listed take no parameters
_PARAMS: dict[str, Callable[[dict[str, Any]], tuple[float, float] | None]] = {
    "leaky_relu": _leaky, "silu": _one("beta"), "elu": _one("alpha"), "selu": _selu,
    "celu": _one("alpha"), "softplus": _one("beta"),
}

# gelu picks its kernel by `approximate`; the sigmoid form is silu with beta = 1.702
_GELU = {"none": ("gelu", (0.0, 0.0)), "tanh": ("gelu_tanh", (0.0, 0.0)),
         "sigmoid": ("silu", (1.702, 1.0))}


def _resolve(name: str, params: dict[str, Any]) -> tuple[str, tuple[float, float], bool] | None:
    """(C prefix, (a, b), vjp may use y) for an elementwise entry with these parameters."""
    if name == "gelu":
        if set(params) - {"approximate"}:
            return None
        prefix, ab = _GELU.get(params.get("approximate", "none"), (None, None))
        return None if prefix is None else (prefix, ab, False)
    if name not in _COMPILED:
        return None
    ab = _PARAMS.get(name, _plain)(params)
    if ab is None:
        return None
    prefix = "elu" if name == "selu" else name
    if name == "leaky_relu" and ab[0] == 0.0:  # exactly relu (also at -inf: 0, not NaN)
        prefix = "relu"
    return prefix, ab, name in _FROM_Y


def elementwise_target(name: str, kind: str,
                       params: dict[str, Any]) -> tuple[int, float, float, int, bool] | None:
    """(C address, a, b, cheap, vjp may use y) of an elementwise entry's ``kind`` kernel with
    these parameters, or None; cheap (1 for piecewise-linear entries) indexes ``_SPLIT_AT``.
    Shared by :func:`bind` and the C call records (``_hot``)."""
    found = _resolve(name, params)
    if found is None:
        return None
    prefix, (a, b), y_ok = found
    address = _COPY if name == "identity" and kind == "f" else _address(f"{prefix}_{kind}")
    return address, a, b, int(name in _CHEAP), y_ok


# ------------------------------------------------------------- softmax, log_softmax (rows)
def _call_rows(fn: int, kind: int, g, ref, out, m: int, from_y: int = 0) -> np.ndarray | None:
    """fn over the rows of length m; the indices of the rows it left to NumPy, or None."""
    rows, chunk = out.size // m, max(1, split_chunk(out.size) // m)
    skip = np.empty(rows, np.uint8)
    if out.size < _SPLIT_AT[0] or rows <= chunk:
        if not _MOD.rows(fn, g, ref, out, m, from_y, skip):
            return None
    else:
        _split_rows(kind, fn, rows, g, ref, out, m=m, skip=skip.ctypes.data, from_y=from_y)
    bad = np.flatnonzero(skip)
    return bad if bad.size else None


def _bind_rows(name: str, kind: str, params: dict[str, Any]):
    """softmax / log_softmax along the last axis; other axes and skipped rows: NumPy."""
    if kind not in ("f", "vjp") or set(params) - {"axis"}:
        return None
    spec = _numpy_spec(name)
    axis = params.get("axis", -1)
    fn = _address(f"{name}_rows_{kind}")

    def numpy(*args):
        with np.errstate(all="ignore"):
            return getattr(spec, kind)(*args, axis=axis)

    def on_rows(a: np.ndarray) -> bool:
        return a.ndim >= 1 and a.size > 0 and axis in (-1, a.ndim - 1)

    def part(a: np.ndarray | None, m: int, bad: np.ndarray) -> np.ndarray | None:
        return None if a is None else a.reshape(-1, m)[bad]

    if kind == "f":

        def kernel(x, out):
            if not on_rows(x):
                return numpy(x, out)
            m = x.shape[-1]
            bad = _call_rows(fn, 3, None, x, out, m)
            if bad is not None:
                x2 = part(x, m, bad)
                out.reshape(-1, m)[bad] = numpy(x2, np.empty_like(x2))
            return out

        return kernel

    def vjp(g, x, y, out):
        ref = y if y is not None else x
        if ref is None or not on_rows(ref):
            return numpy(g, x, y, out)
        m = ref.shape[-1]
        bad = _call_rows(fn, 4, g, ref, out, m, int(y is not None))
        if bad is not None:
            g2 = part(g, m, bad)
            out.reshape(-1, m)[bad] = numpy(g2, part(x, m, bad), part(y, m, bad),
                                            np.empty_like(g2))
        return out

    return vjp


# ------------------------------------------------------------------------------- binding
def _numpy_spec(name: str):
    from . import registry

    return registry.spec(name)


def _copy(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    if out is not x:
        if out.size < _SPLIT_AT[1]:
            out[...] = x  # the same memcpy as np.copyto, without its dispatch (0.17 vs 0.30 us)
        else:
            _MOD.split1(_COPY, x, out, 0.0, 0.0)
    return out


def bind(name: str, kind: str, dtype: np.dtype, params: dict[str, Any]):
    """The compiled kernel for ``(name, kind)`` with these parameters at ``dtype``, or ``None``.

    ``kind`` "f"/"df": ``k(x, out) -> out``; "vjp": ``k(g, x, y, out) -> out`` (``x`` may be
    ``None`` for entries whose vjp is exact from ``y``; the kernel then falls back to NumPy
    where it needs ``x``).
    """
    if dtype != _F32 or not _ENABLED:
        return None
    if name in ("softmax", "log_softmax"):
        return _bind_rows(name, kind, params)
    target = elementwise_target(name, kind, params)
    if target is None:
        return None
    address, a, b, cheap, y_ok = target
    if name == "identity" and kind == "f":  # a copy: the same bits, two threads when large
        return _copy
    fn = _elementwise(address, kind, a, b, cheap)
    if kind != "vjp":
        return fn
    spec = _numpy_spec(name)

    def vjp(g, x, y, out):
        ref = y if (y_ok and y is not None) else x
        if ref is not None:
            return fn(g, ref, out)
        with np.errstate(all="ignore"):  # x is None: a y-exact entry whose kernel needs x
            if spec.vjp is not None:
                return spec.vjp(g, x, y, out, **params)
            res = spec.df(x, out, **params)
            return np.multiply(res, g, out=res)

    return vjp


def lookup(name: str, kind: str, dtype: np.dtype) -> Callable[..., np.ndarray] | None:
    """A compiled kernel with the registry entry's signature (``f(x, out, **params)``, ...), or
    ``None`` when ``(name, kind)`` has none at ``dtype`` with default parameters."""
    if bind(name, kind, dtype, {}) is None:
        return None

    def kernel(*arrays, **params):
        k = bind(name, kind, dtype, params)
        return k(*arrays) if k is not None else getattr(_numpy_spec(name), kind)(*arrays,
                                                                                  **params)

    return kernel
