"""The property sheet, field by field, checked numerically against the kernels (spec.py defines
each field), and hypothesis checks of the claims on arbitrary inputs.

Grids: ``GRID`` is [-12, 12] at step 1e-4 (jumps in f' and f'' show up between neighbours),
``FAR`` adds the tails and infinities where limits and saturation live.
"""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import optimize

from actlab.activations.spec import INITS, ROLES

from . import mp_reference
from .cases import SETTINGS, SHEET_CASES, Case, params

ELEMENTWISE = [c for c in SHEET_CASES if not c.vector]
VECTOR = [c for c in SHEET_CASES if c.vector]
STEP = 1e-4
GRID = np.linspace(-12, 12, 240001)
FAR = np.array([-np.inf, -1e300, -1e10, -1e5, -1e3, -100, -30, 30, 100, 1e3, 1e5, 1e10, 1e300,
                np.inf])


def _scale(case: Case) -> float:
    """How far the entry's features reach: silu/softplus stretch by 1/beta, celu by alpha."""
    p = case.kwargs
    return max(1.0, 1 / p.get("beta", 1.0), p.get("alpha", 1.0) if case.name == "celu" else 1.0)


def _points(case: Case) -> np.ndarray:
    """The (stretched) grid, the tails and both neighbours of every kink."""
    kinks = [k.x for k in case.get().info.kinks]
    near = [np.nextafter(k, s) for k in kinks for s in (-np.inf, np.inf)]
    return np.sort(np.concatenate([GRID * _scale(case), FAR, kinks, near]))


def _slack(bound: float) -> float:
    """Rounding may land a few ULP beyond a mathematically exact bound (silu's minimum)."""
    return 4 * float(np.spacing(abs(bound))) if np.isfinite(bound) else 0.0


# ------------------------------------------------------------------------ range and extrema
@params(ELEMENTWISE)
def test_range(case: Case):
    f = case.get()
    lo, hi = f.info.range
    assert lo < hi and f.info.bounded_below == (lo > -np.inf)
    assert f.info.bounded_above == (hi < np.inf)
    y = f(_points(case))
    assert not np.isnan(y).any()
    assert y.min() >= lo - _slack(lo) and y.max() <= hi + _slack(hi)
    inner = f(GRID[np.abs(GRID) <= 10])
    for bound, ext, sign in ((lo, f.info.minimum, 1), (hi, f.info.maximum, -1)):
        if ext is not None:
            assert ext.value == bound, "an attained extremum is the bound of the range"
            continue
        limits = f(np.array([-np.inf, np.inf]))
        assert bound in limits, "an unattained bound is a limit at -inf or +inf"
        if np.isfinite(bound):  # ... and not attained on a moderate grid
            assert (sign * (inner - bound) > 0).all()


def _refine(fn, at: float, width: float) -> float:
    res = optimize.minimize_scalar(fn, bounds=(at - width, at + width), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.x)


EXTREMA = [pytest.param(c, w, id=f"{w}-{c.id}") for c in ELEMENTWISE
           for w in ("minimum", "maximum") if getattr(c.get().info, w) is not None]


@pytest.mark.parametrize("case, which", EXTREMA)
def test_extremum(case: Case, which: str):
    f = case.get()
    ext = getattr(f.info, which)
    sign = 1 if which == "minimum" else -1
    assert float(f(ext.at)) == pytest.approx(ext.value, abs=1e-12)
    y = f(_points(case))
    assert (sign * (y - ext.value) >= -_slack(ext.value)).all()
    # ``at`` is the attaining argument of smallest magnitude
    grid = GRID * _scale(case)
    closer = grid[np.abs(grid) < abs(ext.at) - 1e-9]
    assert (sign * (f(closer) - ext.value) > 0).all()
    kink_at = any(k.x == ext.at for k in f.info.kinks)
    if not kink_at and float(f.grad(ext.at)) == pytest.approx(0, abs=1e-12):
        # a smooth extremum: scipy finds the same place, mpmath pins it to the last digit
        x_star = _refine(lambda t: sign * float(f(t)), ext.at, 0.5 * _scale(case))
        assert x_star == pytest.approx(ext.at, abs=1e-6 * _scale(case))
        ref = mp_reference.reference(case.name, case.kwargs)
        # to the last digit: within 1 ULP (2 where the sheet scales a constant by a parameter,
        # one more rounding: silu's -1.2784645427610738 / beta)
        ulps = 2 if case.kwargs.get("beta", 1.0) not in (1.0, None) else 1
        with mp.workdps(mp_reference.DPS):
            root = mp.findroot(ref.df, mp.mpf(ext.at))
            assert abs(ext.at - root) <= ulps * np.spacing(abs(ext.at))
            assert abs(ext.value - ref.f(root)) <= ulps * np.spacing(abs(ext.value))


def test_documented_minima():
    """The numbers the articles quote (REFERENCE.md), to the digits they give."""
    import actlab

    for name, kwargs, value, at in (("silu", {}, -0.278465, -1.278465),
                                    ("gelu", {}, -0.169971, -0.751792),
                                    ("mish", {}, -0.308843, -1.192431)):
        m = actlab.get(name, **kwargs).info.minimum
        assert (round(m.value, 6), round(m.at, 6)) == (value, at)


# -------------------------------------------------------------------------------- derivatives
@params(ELEMENTWISE)
def test_max_abs_grad(case: Case):
    f = case.get()
    mag = f.info.max_abs_grad
    x = _points(case)
    d = np.abs(f.grad(x))
    assert d.max() <= mag * (1 + 1e-15), f"|f'| reaches {d.max()} at {x[np.argmax(d)]}"
    assert d.max() >= mag * (1 - 1e-6), "the supremum is (nearly) reached on the grid"
    i = int(np.argmax(d))
    ref = mp_reference.reference(case.name, case.kwargs)
    if np.isfinite(x[i]) and 0 < i < len(x) - 1 and d[i - 1] < d[i] > d[i + 1] and all(
            abs(ref.d2f(mp.mpf(x[i] + s))) < 1e-2 for s in (-1e-6, 1e-6)):
        # an interior smooth maximum of |f'| (f'' passes through 0, no kink or cusp): refine
        # it with scipy, and with mpmath to the last digit
        x_star = _refine(lambda t: -abs(float(f.grad(t))), x[i], 1e-3 * _scale(case))
        assert float(abs(f.grad(x_star))) == pytest.approx(mag, rel=1e-12)
        with mp.workdps(mp_reference.DPS):
            root = mp.findroot(ref.d2f, mp.mpf(x_star))
            assert abs(mag - abs(ref.df(root))) <= np.spacing(mag)


@params(ELEMENTWISE)
def test_monotone(case: Case):
    f = case.get()
    x = _points(case)
    d, y = f.grad(x), f(x)
    if f.info.monotone:
        assert (d >= 0).all(), f"f' < 0 at {x[d < 0][:3]}"
        assert (y[:-1] <= y[1:]).all()
    else:
        assert (d < 0).any(), "no counterexample to monotonicity"
        assert (y[:-1] > y[1:]).any()


@params([c for c in ELEMENTWISE if c.get().info.monotone])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_monotone_on_neighbouring_floats(case: Case, dtype):
    """f(x) <= f(next float after x), where rounding alone decides: strictly in float64 (the
    kernels are chains of monotone steps: 1/(1 + e^-x), not e/(1 + e)); in float32 within one
    ULP, as NumPy's float32 exp and log are not monotone themselves."""
    rng = np.random.default_rng(8)
    mags = np.concatenate([rng.uniform(lo, hi, 4000) for lo, hi in (
        (0, 1e-3), (1e-3, 0.5), (0.5, 1), (1, 4), (4, 40), (40, 800), (800, 1e6), (1e15, 1e17))])
    x = np.concatenate([mags, -mags]).astype(dtype)
    f = case.get()
    y, y_next = f(x), f(np.nextafter(x, dtype(np.inf)))
    slack = 0 if dtype == np.float64 else np.spacing(np.abs(y))
    bad = y > y_next + slack
    assert not bad.any(), f"f falls after x = {x[bad][:4]}"


def _jumps(case: Case) -> tuple[np.ndarray, np.ndarray, float]:
    """Grid places where f' jumps (> 1e-2 between neighbours 1e-4 apart) and where f'' jumps
    (difference quotients of f' changing by > 5e-3, away from the f' jumps); and the step."""
    grid, step = GRID * _scale(case), STEP * _scale(case)
    d = case.get().grad(grid)
    j1 = np.flatnonzero(np.abs(np.diff(d)) > 1e-2)
    d2 = np.diff(d) / step
    j2 = np.flatnonzero(np.abs(np.diff(d2)) > 5e-3)
    if j1.size:
        j2 = j2[np.min(np.abs(j2[:, None] - j1[None, :]), axis=1) > 3]
    return grid[j1], grid[j2], step


@params(ELEMENTWISE)
def test_kinks_and_smoothness(case: Case):
    info = case.get().info
    j1, j2, step = _jumps(case)
    kinks = np.array([k.x for k in info.kinks])
    # every jump of f' is at a listed kink, every listed kink is a jump
    for x in j1:
        assert np.abs(kinks - x).min() <= 2 * step, f"f' jumps near {x}, no kink listed"
    for k in kinks:
        assert np.abs(j1 - k).min() <= 2 * step, f"listed kink {k} is no jump"
    want = "C0" if j1.size else ("C1" if j2.size else "Cinf")
    assert info.smoothness == want, f"f'' jumps near {j2[:3]}" if j2.size else ""
    assert (info.smoothness == "C0") == bool(info.kinks)


@params(ELEMENTWISE)
def test_zero_centred(case: Case):
    f = case.get()
    w = np.exp(-0.5 * GRID**2) / math.sqrt(2 * math.pi) * STEP
    y = f(GRID)
    mean, msq = float(w @ y), float(w @ y**2)
    assert (abs(mean) <= 0.01 * math.sqrt(msq)) == f.info.zero_centred, (mean, msq)


@params(ELEMENTWISE)
def test_saturating(case: Case):
    f = case.get()
    side = f.info.saturating
    for claimed, x in ((side in ("left", "both"), -1e4), (side in ("right", "both"), 1e4)):
        d = abs(float(f.grad(x)))
        if claimed:
            assert d <= 1e-6 and float(f.grad(np.copysign(np.inf, x))) == 0
        else:
            assert d >= 1e-3, f"f'({x}) = {d}: saturates on a side the sheet does not claim"


@params(ELEMENTWISE)
def test_exact_zeros(case: Case):
    """f == 0 on a whole interval (a run of 100 grid points, 0.1 long), away from underflow."""
    y = case.get()(np.linspace(-20, 20, 40001))
    zero = np.concatenate([[0], (y == 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(zero))
    longest = int(np.max(edges[1::2] - edges[::2], initial=0))
    assert (longest >= 100) == case.get().info.exact_zeros


@params(SHEET_CASES)
def test_sheet_metadata(case: Case):
    f = case.get()
    info = f.info
    assert info is f.info, "the sheet is built once per Activation"
    assert info.name == case.name and dict(info.params) == f.params
    assert info.vector == f.spec.vector
    assert set(info.use) <= set(ROLES) and info.init in INITS
    assert info.smoothness in ("C0", "C1", "Cinf")
    assert info.saturating in ("none", "left", "right", "both")
    assert list(info.kinks) == sorted(info.kinks, key=lambda k: k.x)
    assert info.max_abs_grad > 0 and math.isfinite(info.max_abs_grad)
    assert info.formula and info.derivative and info.reference.startswith("https://")
    d = info.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["name"] == case.name
    assert d["bounded_below"] == info.bounded_below and d["bounded_above"] == info.bounded_above


# ---------------------------------------------------------------------------------- hypothesis
@params(ELEMENTWISE)
@SETTINGS
@given(x=hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(allow_nan=False)))
def test_claims_hold_for_arbitrary_floats(case: Case, x):
    """Any floats, subnormals and infinities included: the range holds (and no NaN appears);
    a monotone entry orders its outputs; finite inputs give a finite f' and a finite f, except
    by overflow on an unbounded side (selu(1.7e308) = inf is the correctly rounded result)."""
    f = case.get()
    x = np.sort(x)
    y, d = f(x), f.grad(x)
    lo, hi = f.info.range
    assert not np.isnan(y).any() and not np.isnan(d).any()
    assert (y >= lo - _slack(lo)).all() and (y <= hi + _slack(hi)).all()
    if f.info.monotone:
        assert (y[:-1] <= y[1:]).all()
    finite = np.isfinite(x)
    assert np.isfinite(d[finite]).all()
    over = finite & ~np.isfinite(y)
    assert (np.abs(x[over]) > 1e300).all()
    assert ((y[over] == np.inf) & (hi == np.inf) | (y[over] == -np.inf) & (lo == -np.inf)).all()


@params(SHEET_CASES)
@SETTINGS
@given(data=st.data())
def test_dtype_and_shape_preserved(case: Case, data):
    dtype = data.draw(st.sampled_from([np.float16, np.float32, np.float64]))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    x = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-50, 50, width=16)))
    f = case.get()
    y = f(x)
    assert y.dtype == dtype and y.shape == shape
    assert f.backward(np.ones_like(x), x).dtype == dtype
    if not case.vector:
        assert f.grad(x).dtype == dtype


# ------------------------------------------------------------------------ softmax, log_softmax
def _row0(case: Case, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output 0 and Jacobian row 0 of f([t, 0]) (softmax: sigmoid; log_softmax: log_sigmoid)."""
    f = case.get()
    x = np.stack([t, np.zeros_like(t)], axis=-1)
    return f(x)[..., 0], f.jacobian(x)[..., 0, :]


@params(VECTOR)
def test_vector_sheet(case: Case):
    info = case.get().info
    t = np.concatenate([np.linspace(-40, 40, 8001), [-1e4, 1e4]])
    y, row = _row0(case, t)
    lo, hi = info.range
    assert (y >= lo).all() and (y <= hi).all()
    jac = case.get().jacobian(np.stack([t, np.zeros_like(t)], axis=-1))
    mag = np.abs(jac).max()
    assert info.max_abs_grad * (1 - 1e-9) <= mag <= info.max_abs_grad
    assert info.monotone == bool((jac >= 0).all())
    side = info.saturating
    for claimed, i in ((side in ("left", "both"), -2), (side in ("right", "both"), -1)):
        assert (np.abs(row[i]).max() <= 1e-6) == claimed
    assert info.smoothness == "Cinf" and not info.kinks and not info.exact_zeros
    z, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / math.sqrt(2 * math.pi)
    zz = np.stack(np.meshgrid(z, z, indexing="ij"), axis=-1)
    ww = np.outer(w, w)
    v = case.get()(zz)[..., 0]
    mean, msq = float((ww * v).sum()), float((ww * v * v).sum())
    assert (abs(mean) <= 0.01 * math.sqrt(msq)) == info.zero_centred


@params(VECTOR)
@SETTINGS
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                    elements=st.floats(-1e6, 1e6)))
def test_vector_range_holds(case: Case, x):
    f = case.get()
    y = f(x)
    lo, hi = f.info.range
    assert (y >= lo).all() and (y <= hi).all()
    p = y if case.name == "softmax" else np.exp(y)
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=8 * x.shape[-1] * 2.3e-16)
