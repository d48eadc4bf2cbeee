"""The compiled float32 kernels (``_fast.py`` + ``_kernels.c``) against the exact NumPy path.

For every registry entry and a spread of parameters, f, f' and the vjp on float32 inputs must be
within 4 float32 ulp of the float64 NumPy result rounded to float32, plus a conditioning allowance
``2 |x F'(x) / F(x)|`` ulp for the function F being evaluated (a float32 kernel may round an
intermediate such as ``beta * x``, which costs that much wherever F is ill-conditioned). The
inputs cover PyTorch's unary-op families (normal, small, large, extremal), subnormals, the
thresholds where the kernels switch to their scalar float64 path and the float32 neighbours of all
of these, in large arrays (split across two threads) and small ones. softmax and log_softmax are
checked row-wise: f within 4 ulp, the vjps within 4 ulp plus 8 units in the last place of the
sum of their terms' magnitudes (their conditioning with respect to g).

The tests skip when the extension is not built; ``ACTLAB_REQUIRE_FAST=1`` makes that an error.
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np
import pytest

import actlab
from actlab.activations import _fast, registry

needs_fast = pytest.mark.skipif(not _fast.available(), reason=_fast.REASON)

PARAMS = {
    "leaky_relu": [{"alpha": 0.2}, {"alpha": 0.0}, {"alpha": 1.0}],
    "silu": [{"beta": 0.5}, {"beta": 3.0}],
    "gelu": [{"approximate": "tanh"}, {"approximate": "sigmoid"}],
    "elu": [{"alpha": 0.3}, {"alpha": 2.0}],
    "celu": [{"alpha": 0.5}, {"alpha": 3.0}],
    "softplus": [{"beta": 0.5}, {"beta": 3.0}],
}
ELEMENTWISE = [n for n in registry.names() if not registry.spec(n).vector]
CASES = [(n, {}) for n in ELEMENTWISE] + [(n, p) for n, ps in PARAMS.items() for p in ps]
IDS = [n + "".join(f"-{k}={v}" for k, v in p.items()) for n, p in CASES]
KINDS = ("f", "df", "vjp")


# ------------------------------------------------------------------------------ inputs
def _edge_values() -> np.ndarray:
    f32 = np.finfo(np.float32)
    base = [
        0.0, 1e-45, 3e-45, 1e-40, float(f32.tiny), 1e-30, 1e-10, 1e-7, 0.001, 0.25, 0.5, 1.0,
        1.5, 2.0, 3.0, 6.0, math.pi / 2, math.pi, 12.5, 13.0, 13.3, 36.7, 40.0, 43.7, 44.5, 80.0,
        87.0, 87.3, 88.7, 89.0, 104.0, 110.0, 501.0, 709.0, 710.0, 745.0, 1e4, 1e6, 1e10, 1e13,
        1e15, 1e18, 1e19, 1e20, 1e30, float(f32.max), np.inf,
        # minima of f and f' and the roots of f'
        1.2784645427610738, 0.75179152469356446, 0.75246142207101626, 1.1924312145154952,
        2.3994, 2.4, 1.3, 0.2,
    ]
    v = np.array(base, dtype=np.float32)
    with np.errstate(over="ignore"):
        v = np.concatenate([v, np.nextafter(v, np.float32(np.inf)), np.nextafter(v, np.float32(0))])
    return np.concatenate([v, -v, [np.nan]]).astype(np.float32)


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261123)
    edge = _edge_values()
    normal = rng.uniform(-9, 9, 40_000)
    wide = rng.choice([-1.0, 1.0], 40_000) * 10.0 ** rng.uniform(-45, 38.5, 40_000)
    dense = np.linspace(-120, 120, 40_001)
    big = np.concatenate([np.tile(edge, 8), normal, wide, dense])
    big = rng.permutation(big).astype(np.float32)  # specials at every lane position
    small = np.concatenate([edge, normal[:997]]).astype(np.float32)
    assert big.size > _fast.SPLIT_MIN > small.size
    return {"large": big, "small": small}


INPUTS = _inputs()
G = {k: (np.random.default_rng(7).standard_normal(v.size)
         * 10.0 ** np.random.default_rng(8).uniform(-6, 6, v.size)).astype(np.float32)
     for k, v in INPUTS.items()}


# ------------------------------------------------------------------------------ helpers
def evaluate(act: actlab.Activation, kind: str, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    if kind == "f":
        return act(x)
    if kind == "df":
        return act.grad(x)
    return act.backward(g, x)


def reference(name, params, kind, x, g):
    """The float64 NumPy result (exact to ~1e-16) for float32 inputs."""
    act = actlab.get(name, **params)
    return evaluate(act, kind, x.astype(np.float64), g.astype(np.float64))


def ulp32(v: np.ndarray) -> np.ndarray:
    """The spacing of float32 numbers in the binade of |v| (float64 in), subnormals included."""
    _, e = np.frexp(np.abs(v))
    return np.where(v == 0, 2.0**-149, np.ldexp(1.0, np.maximum(e - 24, -149)))


def ulp_error(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in float32 ulp of ref; 0 where got is ref rounded; inf for NaN/inf mismatches."""
    with np.errstate(all="ignore"):
        r32 = ref.astype(np.float32)
        err = np.abs(got.astype(np.float64) - ref) / ulp32(ref)
    same = (got == r32) | (np.isnan(got) & np.isnan(ref))
    bad = np.isnan(got) | np.isnan(ref) | np.isinf(got) | np.isinf(ref)
    err[bad] = np.inf
    err[same] = 0.0
    return err


def tolerance(name, params, kind, x, g, ref) -> np.ndarray:
    """4 ulp + 2 |x F'/F|, with x F'(x) from a central difference of the float64 path."""
    h = 2.0**-20
    x64 = x.astype(np.float64)
    act = actlab.get(name, **params)
    with np.errstate(all="ignore"):
        up = evaluate(act, kind, x64 * (1 + h), g.astype(np.float64))
        dn = evaluate(act, kind, x64 * (1 - h), g.astype(np.float64))
        cond = np.abs((up - dn) / (2 * h) / ref)
    cond[np.isnan(cond) | ~np.isfinite(x)] = 0.0
    return 4.0 + 2.0 * cond


def assert_close(got, ref, tol, x, what):
    got, ref, tol, x = (np.ravel(a) for a in (got, ref, tol, x))
    err = ulp_error(got, ref)
    bad = ~(err <= tol)
    if bad.any():
        i = np.flatnonzero(bad)[np.argsort(-(err[bad] - tol[bad]))][:8]
        rows = "\n".join(f"  x={x[j]!r:>16} got={got[j]!r:>16} ref={ref[j]!r:>24} "
                         f"err={err[j]:.3g} ulp tol={tol[j]:.3g}" for j in i)
        pytest.fail(f"{what}: {bad.sum()} of {x.size} outside tolerance\n{rows}")


def fast_act(name, params):
    return actlab.get(name, **params)


# ------------------------------------------------------------------------------ tests
def test_available_when_required():
    if os.environ.get("ACTLAB_REQUIRE_FAST") == "1":
        assert _fast.available(), f"ACTLAB_REQUIRE_FAST=1, but no compiled path: {_fast.REASON}"


@needs_fast
@pytest.mark.parametrize("size", ["large", "small"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_matches_exact_float64(name, params, kind, size, monkeypatch):
    monkeypatch.setattr(_fast, "_ENABLED", _fast.available())
    x, g = INPUTS[size], G[size]
    assert _fast.lookup(name, kind, np.dtype(np.float32)) is not None
    got = evaluate(fast_act(name, params), kind, x, g)
    assert got.dtype == np.float32
    ref = reference(name, params, kind, x, g)
    assert_close(got, ref, tolerance(name, params, kind, x, g, ref), x, f"{name} {params} {kind}")


@needs_fast
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_agrees_with_numpy_float32_path(name, params, kind, monkeypatch):
    """On ordinary inputs both float32 paths agree (each within a few ulp of the truth)."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-20, 20, 70_000), [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0]])
    x, g = x.astype(np.float32), rng.standard_normal(x.size).astype(np.float32)
    monkeypatch.setattr(_fast, "_ENABLED", _fast.available())
    fast = evaluate(fast_act(name, params), kind, x, g)
    monkeypatch.setattr(_fast, "_ENABLED", False)
    assert _fast.lookup(name, kind, np.dtype(np.float32)) is None
    slow = evaluate(fast_act(name, params), kind, x, g)
    ref = reference(name, params, kind, x, g)
    tol = 2 * tolerance(name, params, kind, x, g, ref)
    assert_close(fast, slow.astype(np.float64), tol, x, f"{name} {params} {kind} vs NumPy float32")


@needs_fast
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_non_finite(name, params):
    """+-inf and NaN at every lane position: limits at +-inf, NaN propagates into f, f', vjp."""
    x = np.tile(np.array([np.inf, -np.inf, np.nan], np.float32), 11)  # vector lanes and a tail
    g = np.full(x.size, 0.5, np.float32)
    act = fast_act(name, params)
    for kind in KINDS:
        got = evaluate(act, kind, x, g)
        ref = reference(name, params, kind, x, g)
        np.testing.assert_array_equal(got, ref.astype(np.float32), err_msg=f"{name} {kind}")
        assert np.isnan(got[2::3]).all()


@needs_fast
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_kinks_exact(name):
    """At each kink the compiled f' is exactly the documented derivative (vector and tail lanes)."""
    act = actlab.get(name)
    for kink in act.info.kinks:
        x = np.full(19, kink.x, np.float32)
        want = np.float32(kink.derivative)
        np.testing.assert_array_equal(act.grad(x), np.full(19, want), err_msg=f"{name} at {kink.x}")
        g = np.full(19, 2.0, np.float32)
        np.testing.assert_array_equal(act.backward(g, x), 2 * np.full(19, want))


@needs_fast
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "relu6", "hard_tanh", "identity"])
def test_vjp_from_output(name):
    """y-exact entries: backward(g, None, y) equals backward(g, x)."""
    x, g = INPUTS["large"], G["large"]
    act = actlab.get(name)
    y = act(x)
    np.testing.assert_array_equal(act.backward(g, None, y), act.backward(g, x))


@needs_fast
def test_split_matches_pieces():
    """The two-thread split gives bit-for-bit the result of unsplit calls on pieces."""
    x = INPUTS["large"]
    act = actlab.get("gelu")
    whole = act(x)
    step = _fast.SPLIT_MIN // 2 - 8  # a multiple of 8: the same lanes take the vector path
    pieces = np.concatenate([act(x[i : i + step]) for i in range(0, x.size, step)])
    np.testing.assert_array_equal(whole, pieces)


@needs_fast
def test_threads_calling_concurrently():
    x = INPUTS["large"]
    act = actlab.get("silu")
    want = act(x)
    results = [None] * 4

    def work(i):
        results[i] = act(x)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, want)


@needs_fast
def test_layouts_and_aliasing():
    x0 = INPUTS["large"][:100_001].copy()
    act = actlab.get("mish")
    want = act(x0)
    # in place
    x = x0.copy()
    assert act(x, out=x) is x
    np.testing.assert_array_equal(x, want)
    # non-contiguous input falls back to NumPy: same values within the usual tolerance
    wide = np.repeat(x0, 2)[::2]
    assert not wide.flags.c_contiguous
    ref = reference("mish", {}, "f", x0, x0)
    assert_close(act(wide), ref, tolerance("mish", {}, "f", x0, x0, ref), x0, "strided")
    # partial overlap of out and x: must not be computed in place by the kernel
    buf = np.concatenate([x0, [np.float32(0)]])
    act(buf[:-1], out=buf[1:])
    assert_close(buf[1:], ref, tolerance("mish", {}, "f", x0, x0, ref), x0, "overlap")
    # vjp into g
    g = G["large"][:100_001].copy()
    want_b = act.backward(g, x0)
    act.backward(g, x0, out=g)
    np.testing.assert_array_equal(g, want_b)


@needs_fast
def test_shapes_sizes_dtypes(monkeypatch):
    monkeypatch.setattr(_fast, "_ENABLED", _fast.available())
    act = actlab.get("sigmoid")
    x = INPUTS["small"]
    ref = reference("sigmoid", {}, "f", x, x)
    tol = tolerance("sigmoid", {}, "f", x, x, ref)
    for n in (0, 1, 7, 8, 9, 15, 16, 17, 33):  # tails go through the scalar float64 path
        assert_close(act(x[:n]), ref[:n], tol[:n], x[:n], f"n={n}")
    np.testing.assert_array_equal(act(x[:24].reshape(2, 3, 4)), act(x[:24]).reshape(2, 3, 4))
    assert act(np.float32(0.0)) == np.float32(0.5)
    assert _fast.lookup("sigmoid", "f", np.dtype(np.float64)) is None
    assert _fast.lookup("softmax", "df", np.dtype(np.float32)) is None  # vector-valued
    x16 = np.linspace(-10, 10, 101).astype(np.float16)
    h = act(x16)
    assert h.dtype == np.float16
    np.testing.assert_array_equal(h, act(x16.astype(np.float32)).astype(np.float16))
    monkeypatch.setattr(_fast, "_ENABLED", False)
    assert _fast.lookup("sigmoid", "f", np.dtype(np.float32)) is None


@needs_fast
def test_unusual_parameters_fall_back(monkeypatch):
    """Parameters outside the kernels' comfortable float32 range use the NumPy formula."""
    x, g = INPUTS["small"], G["small"]
    for name, params in [("elu", {"alpha": 1e-35}), ("softplus", {"beta": 1e35}),
                         ("leaky_relu", {"alpha": 1e-40}), ("celu", {"alpha": 1e31})]:
        act = actlab.get(name, **params)
        for kind in KINDS:
            monkeypatch.setattr(_fast, "_ENABLED", _fast.available())
            got = evaluate(act, kind, x, g)
            monkeypatch.setattr(_fast, "_ENABLED", False)
            np.testing.assert_array_equal(got, evaluate(act, kind, x, g), err_msg=name)


# ------------------------------------------------------------------- softmax, log_softmax rows
def _rows() -> np.ndarray:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((300, 333)) * 5  # > SPLIT_MIN elements: two threads
    x[:20, ::7] *= 30  # wide rows: subnormal and zero probabilities
    x[20:30] = -40
    x[20:30, 0] = 0  # one dominant entry: 1 - p_top cancels
    x[30:40] += 1000
    x[40:50, 3] = 40
    x[50:60, 5] = -100
    x[60, 7] = np.inf  # rows with non-finite entries go to the NumPy formula
    x[61, 0] = -np.inf
    x[62, 9] = np.nan
    x[63] = -np.inf
    return x.astype(np.float32)


VECTOR_SHAPES = {k: np.ascontiguousarray(v) for k, v in {
    "rows": _rows(), "small": _rows()[55:64, :13], "one": _rows()[0, :5], "single": _rows()[:3, :1],
}.items()}


def vjp_terms(name, g, y, ref):
    """The size of the terms whose float64 sum is the vjp (its conditioning with respect to g)."""
    if name == "softmax":
        gt = np.take_along_axis(g, np.argmax(y, axis=-1)[..., None], axis=-1)
        gp = np.abs(g - gt)
        return y * (gp + np.sum(gp * y, axis=-1, keepdims=True))
    p = np.exp(y)
    return np.abs(g) + p * np.sum(np.abs(g), axis=-1, keepdims=True) + np.abs(ref)


@needs_fast
@pytest.mark.parametrize("shape", list(VECTOR_SHAPES))
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_rows(name, shape, monkeypatch):
    monkeypatch.setattr(_fast, "_ENABLED", _fast.available())
    x = VECTOR_SHAPES[shape]
    g = np.random.default_rng(5).standard_normal(x.shape).astype(np.float32)
    act = actlab.get(name)
    assert _fast.lookup(name, "f", np.dtype(np.float32)) is not None
    finite = np.isfinite(x).all(axis=-1)
    y = act(x)
    ref = act(x.astype(np.float64))
    tol = np.full(x.shape, 4.0)
    assert_close(y[finite], ref[finite], tol[finite], x[finite], f"{name} f")
    y64 = ref  # the exact y for the terms
    g64, x64 = g.astype(np.float64), x.astype(np.float64)
    for label, got, want in [
        ("vjp from x", act.backward(g, x), act.backward(g64, x64)),
        ("vjp from y", act.backward(g, None, y),
         act.backward(g64, None, y.astype(np.float64))),
    ]:
        with np.errstate(all="ignore"):
            terms = vjp_terms(name, g.astype(np.float64), y64, want)
            tol = 4.0 + 8 * 2.0**-24 * terms / ulp32(want)
        assert_close(got[finite], want[finite], tol[finite], x[finite], f"{name} {label}")
    # rows with +-inf/NaN are the NumPy formula's (NumPy's float32 sums differ in the last bit
    # between a subset of rows and the whole array, hence allclose)
    bx, by = act.backward(g, x), act.backward(g, None, y)
    monkeypatch.setattr(_fast, "_ENABLED", False)
    for got, want in [(y, act(x)), (bx, act.backward(g, x)), (by, act.backward(g, None, y))]:
        np.testing.assert_allclose(got[~finite], want[~finite], rtol=1e-5, atol=1e-6)


@needs_fast
def test_softmax_other_axis_and_layouts():
    x = VECTOR_SHAPES["small"]
    act = actlab.get("softmax", axis=0)
    np.testing.assert_allclose(act(x), actlab.get("softmax")(x.T.copy()).T, rtol=1e-6)
    act = actlab.get("log_softmax")
    xf = np.asfortranarray(x)
    np.testing.assert_allclose(act(xf), act(x), rtol=1e-6, atol=1e-6)
    y = x.copy()  # in place
    act(y, out=y)
    np.testing.assert_array_equal(y, act(x))
    g = np.ones_like(x)
    want = act.backward(g, x)
    act.backward(g, x, out=g)
    np.testing.assert_array_equal(g, want)


@needs_fast
def test_log_softmax_vjp_from_y_dominant_entries(monkeypatch):
    """The top entry of log_softmax's vjp from y, g_top p_rest - p_top g_rest, where g_top or
    p_top dominates (g's rest is sum(g) - g_top: its rounding must stay below the allowance)."""
    monkeypatch.setattr(_fast, "_ENABLED", _fast.available())
    rng = np.random.default_rng(17)
    x = rng.standard_normal((64, 200)) * 3
    x[:16, 5] = 40  # p_top ~ 1: p's rest is tiny
    g = rng.standard_normal(x.shape) * 1e-3
    top = np.argmax(x, axis=-1)
    g[np.arange(32), top[:32]] = 1e6 * rng.choice([-1, 1], 32)  # g_top >> the rest of g
    g[32:48] += 50  # sum(g) large beside a cancelling bracket
    x, g = x.astype(np.float32), g.astype(np.float32)
    act = actlab.get("log_softmax")
    y = act(x)
    got = act.backward(g, None, y)
    g64, y64 = g.astype(np.float64), y.astype(np.float64)
    want = act.backward(g64, None, y64)
    terms = vjp_terms("log_softmax", g64, y64, want)
    assert_close(got, want, 4.0 + 8 * 2.0**-24 * terms / ulp32(want), x, "log_softmax vjp from y")
