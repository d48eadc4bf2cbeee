"""Optional compiled kernels (float32 hot paths). Pure NumPy is always the fallback.

``lookup(name, kind, dtype)`` returns a kernel with the same signature as the registry entry's
``f``/``df``/``vjp`` (``kind`` in ``"f"``, ``"df"``, ``"vjp"``), or ``None`` when no compiled
kernel applies; callers then use the NumPy formula. Both paths pass the same exactness tests
(``tests/activations/test_fast_path.py``).

The kernels live in ``_kernels.c``/``_kernels_rows.c`` (AVX2 + FMA; glibc's libmvec for erfc,
tanh and log1p, an inline exp accurate to 1 ulp), built by ``setup.py`` as an optional extension
and called here through :mod:`ctypes`, which releases the GIL. From :data:`SPLIT_MIN` elements a
call is cut into chunks of :data:`CHUNK` that the calling thread and one persistent helper thread
claim from a shared atomic counter: on a busy machine, where the helper may be scheduled late, the
caller simply takes every chunk (never slower than one thread). They are used only when

* the library was built and loads, and the CPU has AVX2 and FMA (:func:`available`);
* ``ACTLAB_NO_FAST`` is unset (or ``0``/empty) -- set it to ``1`` to force the NumPy path;
* the arrays are float32, C-contiguous and either the same array as ``out`` or disjoint from it;
* the parameters are ordinary (normal float32 numbers); anything else goes to NumPy.

softmax and log_softmax run row by row along a contiguous last axis (other axes: NumPy); rows
holding a non-finite value are handed back to the NumPy formula, which defines those limits.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: arrays with at least this many elements are split across two threads
SPLIT_MIN = 1 << 16

_F32 = np.dtype(np.float32)
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


# ------------------------------------------------------------------------------ the library
def _load() -> tuple[ctypes.CDLL | None, str]:
    here = Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = here / f"_kernels{suffix}"
        if path.exists():
            break
    else:
        return None, "the compiled module _kernels was not built (pure NumPy in use)"
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:  # e.g. libmvec missing at run time
        return None, f"cannot load {path.name}: {exc}"
    if not lib.actlab_cpu_ok():
        return None, "this CPU lacks AVX2/FMA"
    lib.run_job.restype = lib.wait_job.restype = None
    return lib, f"loaded {path.name}"


_LIB, REASON = _load()


def available() -> bool:
    """Whether the compiled kernels are loaded and usable on this CPU (ignores ACTLAB_NO_FAST)."""
    return _LIB is not None


def enabled() -> bool:
    """Whether lookups currently return compiled kernels (available and ACTLAB_NO_FAST unset)."""
    return _LIB is not None and os.environ.get("ACTLAB_NO_FAST", "") in ("", "0")


_UNARY = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_double]
_BINARY = [ctypes.c_void_p, *_UNARY]


def _sym(name: str, binary: bool = False):
    fn = getattr(_LIB, name)
    fn.argtypes = _BINARY if binary else _UNARY
    fn.restype = None
    return fn


# ------------------------------------------------------------------------ two threads
#: elements (or rows' worth of elements) per chunk claimed by a thread
CHUNK = 1 << 14


class _Job(ctypes.Structure):
    """job_t in _kernels.c: chunks of one call, claimed by the caller and the helper thread."""

    _fields_ = [(k, ctypes.c_int64) for k in ("next", "done", "n", "chunk", "kind", "m", "from_y")]
    _fields_ += [(k, ctypes.c_void_p) for k in ("fn", "g", "x", "y", "skip")]
    _fields_ += [("a", ctypes.c_double), ("b", ctypes.c_double)]


class _Helper:
    """One persistent daemon thread that joins large calls (the caller is the other worker)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="actlab-fast", daemon=True).start()

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            _LIB.run_job(ctypes.byref(job))  # releases the GIL; the job object lives until here


_helper: _Helper | None = None
_helper_lock = threading.Lock()


def _get_helper() -> _Helper:
    global _helper
    if _helper is None or _helper.pid != os.getpid():  # (re)start after a fork
        with _helper_lock:
            if _helper is None or _helper.pid != os.getpid():
                _helper = _Helper()
    return _helper


def _run(kind: int, fn, n: int, g=None, x=None, y=None, *, a=0.0, b=0.0, m=1, skip=None,
         from_y=0, work: int = 0) -> None:
    """One C call over n elements (kinds 1, 2) or n rows of m (kinds 3, 4). With at least
    SPLIT_MIN elements of work, the helper thread joins in, claiming chunks as it gets to run."""
    chunk = CHUNK if kind <= 2 else max(1, CHUNK // m)
    if work < SPLIT_MIN or n <= chunk:  # one thread: call the kernel directly
        args = {1: (x, y, n, a, b), 2: (g, x, y, n, a, b), 3: (x, y, n, m, skip),
                4: (g, x, y, n, m, skip, from_y)}[kind]
        fn(*args)
        return
    job = _Job(0, 0, n, chunk, kind, m, from_y, ctypes.cast(fn, ctypes.c_void_p).value,
               g, x, y, skip, a, b)
    _get_helper().jobs.put(job)
    _LIB.run_job(ctypes.byref(job))
    _LIB.wait_job(ctypes.byref(job))


def _call(fn, arrays: tuple[np.ndarray, ...], out: np.ndarray, a: float, b: float) -> None:
    """fn(*arrays, out, n, a, b) (f, df: x; vjp: g, x) on two threads for large arrays."""
    arrays = _unaliased(out, arrays)
    ptrs = [arr.ctypes.data for arr in arrays]
    if len(ptrs) == 1:
        _run(1, fn, out.size, None, ptrs[0], out.ctypes.data, a=a, b=b, work=out.size)
    else:
        _run(2, fn, out.size, ptrs[0], ptrs[1], out.ctypes.data, a=a, b=b, work=out.size)


def _usable(out: np.ndarray, *arrays: np.ndarray) -> bool:
    if out.dtype != _F32 or not out.flags.c_contiguous:
        return False
    return all(
        a.dtype == _F32 and a.flags.c_contiguous and a.shape == out.shape for a in arrays
    )


def _unaliased(out: np.ndarray, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The inputs, copied where they partially overlap ``out`` (``out`` itself is fine)."""
    return tuple(
        a.copy() if a is not out and np.may_share_memory(a, out)
        and a.ctypes.data != out.ctypes.data else a
        for a in arrays
    )


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


# entry -> (C prefix, params -> (a, b) or None, vjp may use y)
_TABLE: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[float, float] | None], bool]] = {
    "identity": ("identity", _plain, True),
    "sigmoid": ("sigmoid", _plain, False),
    "tanh": ("tanh", _plain, False),
    "relu": ("relu", _plain, True),
    "leaky_relu": ("leaky_relu", _leaky, True),
    "relu6": ("relu6", _plain, True),
    "silu": ("silu", _one("beta"), False),
    "elu": ("elu", _one("alpha"), False),
    "selu": ("elu", _selu, False),
    "celu": ("celu", _one("alpha"), False),
    "softplus": ("softplus", _one("beta"), False),
    "log_sigmoid": ("log_sigmoid", _plain, False),
    "mish": ("mish", _plain, False),
    "hard_sigmoid": ("hard_sigmoid", _plain, False),
    "hard_swish": ("hard_swish", _plain, False),
    "hard_tanh": ("hard_tanh", _plain, True),
    "softsign": ("softsign", _plain, False),
}

# gelu picks its kernel by `approximate`; the sigmoid form is silu with beta = 1.702
_GELU = {"none": ("gelu", (0.0, 0.0)), "tanh": ("gelu_tanh", (0.0, 0.0)),
         "sigmoid": ("silu", (1.702, 1.0))}


# ------------------------------------------------------------- softmax, log_softmax (rows)
_ROWS = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]


def _rows_sym(name: str, vjp: bool):
    fn = getattr(_LIB, name)
    fn.argtypes = [ctypes.c_void_p, *_ROWS, ctypes.c_int64] if vjp else _ROWS
    fn.restype = ctypes.c_int64
    return fn


def _call_rows(fn, arrays, out, rows: int, m: int, from_y: int | None = None) -> np.ndarray:
    """fn over the rows of (rows, m) arrays; returns the indices of the rows it left to NumPy."""
    arrays = _unaliased(out, arrays)
    skip = np.empty(rows, np.uint8)
    ptrs = [a.ctypes.data for a in arrays]
    if from_y is None:
        _run(3, fn, rows, None, ptrs[0], out.ctypes.data, m=m, skip=skip.ctypes.data,
             work=out.size)
    else:
        _run(4, fn, rows, ptrs[0], ptrs[1], out.ctypes.data, m=m, skip=skip.ctypes.data,
             from_y=from_y, work=out.size)
    return np.flatnonzero(skip)


def _make_rows(name: str, kind: str):
    """softmax / log_softmax along a contiguous last axis; other axes and skipped rows: NumPy."""
    fallback = _numpy_kernel(name, kind)
    fn = _rows_sym(f"{name}_rows_{kind}", kind == "vjp")

    def last_axis(a: np.ndarray, axis: int) -> bool:
        return a.ndim >= 1 and a.size > 0 and axis in (-1, a.ndim - 1)

    if kind == "f":

        def kernel(x, out, axis=-1):
            if not last_axis(x, axis) or not _usable(out, x):
                return fallback(x, out, axis=axis)
            m = x.shape[-1]
            bad = _call_rows(fn, (x,), out, x.size // m, m)
            if bad.size:
                x2, o2 = x.reshape(-1, m)[bad], out.reshape(-1, m)
                o2[bad] = fallback(x2, np.empty_like(x2), axis=-1)
            return out

        return kernel

    def vjp(g, x, y, out, axis=-1):
        ref = y if y is not None else x
        if ref is None or not last_axis(ref, axis) or not _usable(out, g, ref):
            return fallback(g, x, y, out, axis=axis)
        m = ref.shape[-1]
        bad = _call_rows(fn, (g, ref), out, ref.size // m, m, int(y is not None))
        if bad.size:
            def rows(a):
                return None if a is None else a.reshape(-1, m)[bad]

            g2 = rows(g)
            out.reshape(-1, m)[bad] = fallback(g2, rows(x), rows(y), np.empty_like(g2), axis=-1)
        return out

    return vjp


def _numpy_kernel(name: str, kind: str):
    from . import registry

    return getattr(registry.spec(name), kind)


def _make(name: str, kind: str):
    """The wrapper for one (entry, kind), or None."""
    if name in ("softmax", "log_softmax"):
        return _make_rows(name, kind) if kind in ("f", "vjp") else None
    fallback = _numpy_kernel(name, kind)
    if name == "gelu":
        syms = {k: (_sym(f"{c}_{kind}", kind == "vjp"), ab) for k, (c, ab) in _GELU.items()}

        def resolve(params):
            return syms.get(params.get("approximate", "none"), (None, None))

        y_ok = False
    elif name in _TABLE:
        prefix, pmap, y_ok = _TABLE[name]
        fn = _sym(f"{prefix}_{kind}", kind == "vjp")
        relu = _sym(f"relu_{kind}", kind == "vjp")

        def resolve(params):
            ab = pmap(params)
            if ab is None:
                return None, None
            if name == "leaky_relu" and ab[0] == 0.0:  # exactly relu (also at -inf: 0, not NaN)
                return relu, ab
            return fn, ab
    else:
        return None

    if kind == "vjp":
        if fallback is None:  # the registry's default backward: g * f'(x)
            df = _numpy_kernel(name, "df")

            def fallback(g, x, y, out, **params):
                res = df(x, out, **params)
                return np.multiply(res, g, out=res)

        def vjp(g, x, y, out, **params):
            fn, ab = resolve(params)
            ref = y if (y_ok and y is not None) else x
            if fn is None or ref is None or not _usable(out, g, ref):
                return fallback(g, x, y, out, **params)
            _call(fn, (g, ref), out, *ab)
            return out

        return vjp

    def kernel(x, out, **params):
        fn, ab = resolve(params)
        if fn is None or not _usable(out, x):
            return fallback(x, out, **params)
        _call(fn, (x,), out, *ab)
        return out

    return kernel


_CACHE: dict[tuple[str, str], Callable[..., np.ndarray] | None] = {}


def lookup(name: str, kind: str, dtype: np.dtype) -> Callable[..., np.ndarray] | None:
    """The compiled kernel for ``(name, kind)`` at ``dtype``, or ``None`` to use NumPy."""
    if dtype != _F32 or _LIB is None or os.environ.get("ACTLAB_NO_FAST", "") not in ("", "0"):
        return None
    key = (name, kind)
    if key not in _CACHE:
        _CACHE[key] = _make(name, kind)
    return _CACHE[key]
