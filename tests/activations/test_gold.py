"""Gold values: every entry against its 50-digit mpmath reference, f and f', in every float dtype.

The bound is 4 ULP of the true value plus what the function's own conditioning forces:
``4 + 2 |x g'(x) / g(x)|`` ULPs for ``g = f`` (and ``g = f'``), the error that rounding ``x`` by
one ULP alone would cause. ULPs are those of the true value in the result's dtype (the subnormal
spacing for subnormal results). A new registry entry fails here until ``mp_reference.py`` has it.
"""

from __future__ import annotations

import numpy as np
import pytest

from . import mp_reference
from .cases import CASES, ELEMENTWISE, VECTOR, Case, params, tolerance, ulp_error


def check(what: str, x, got, hi, lo, cond, dtype=np.float64, slack: float = 0.0) -> None:
    err = ulp_error(got, hi, lo, dtype)
    tol = tolerance(cond) + slack
    bad = np.flatnonzero(~(err <= tol))
    if bad.size:
        worst = bad[np.argsort(-(err[bad] / tol[bad]))][:8]
        lines = [f"  x={x[i]!r}: got {np.asarray(got)[i]!r}, true {hi[i]!r}, "
                 f"{err[i]:.3g} ULP > {tol[i]:.3g}" for i in worst]
        pytest.fail(f"{what}: {bad.size} of {len(x)} points miss the bound\n" + "\n".join(lines))


@params(CASES)
def test_every_entry_has_an_mpmath_reference(case: Case):
    if case.vector:
        assert case.name in mp_reference.VECTOR, f"add {case.name} to mp_reference.VECTOR"
    else:
        mp_reference.reference(case.name, case.kwargs)  # KeyError: write the reference


@params(ELEMENTWISE)
def test_float64_matches_mpmath(case: Case, gold):
    g, f = gold[case], case.get()
    check(f"{case.id} f", g.x, f(g.x), g.f_hi, g.f_lo, g.cond_f)
    check(f"{case.id} f'", g.x, f.grad(g.x), g.df_hi, g.df_lo, g.cond_df)


@params(ELEMENTWISE)
def test_scalar_calls_equal_array_calls(case: Case, gold):
    x, f = gold[case].x[::3], case.get()
    want_f, want_df = f(x), f.grad(x)
    got_f = np.array([f(float(v)) for v in x])
    got_df = np.array([f.grad(np.float64(v)) for v in x])
    np.testing.assert_array_equal(got_f, want_f)
    np.testing.assert_array_equal(got_df, want_df)


def _exact_in(x: np.ndarray, dtype) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=dtype).astype(np.float64) == x


@params(ELEMENTWISE)
@pytest.mark.parametrize("size", ["small", "large"])
def test_float32_matches_mpmath(case: Case, size: str, gold):
    """float32 within 4 + 2 cond float32 ULPs of the truth, on arrays of < 64 elements and of
    > 10000 elements (a compiled fast path may take over for large arrays only)."""
    g, f = gold[case], case.get()
    keep = _exact_in(g.x, np.float32)
    x32 = g.x[keep].astype(np.float32)
    kinds = {"f": f, "f'": f.grad, "backward": lambda x: f.backward(np.ones_like(x), x)}
    got = {}
    for what, fn in kinds.items():
        if size == "small":
            got[what] = np.concatenate([fn(c) for c in np.array_split(x32, -(-x32.size // 50))])
        else:
            reps = -(-70000 // x32.size)  # past the fast path's two-thread split (65536)
            res = fn(np.tile(x32, reps)).reshape(reps, -1)
            for row in range(1, reps):  # every copy equal: no position-dependent results
                np.testing.assert_array_equal(res[row], res[0], err_msg=f"{what} copy {row}")
            got[what] = res[0]
        assert got[what].dtype == np.float32
    x = g.x[keep]
    check(f"{case.id} f float32 {size}", x, got["f"], g.f_hi[keep], g.f_lo[keep],
          g.cond_f[keep], np.float32)
    for what in ("f'", "backward"):
        check(f"{case.id} {what} float32 {size}", x, got[what], g.df_hi[keep], g.df_lo[keep],
              g.cond_df[keep], np.float32)


@params(ELEMENTWISE)
def test_float16_within_float16_rounding(case: Case, gold):
    """float16 is computed in float32 and rounded once: within one float16 ULP of the truth plus
    the float32 error (2^-13 float16 ULP per float32 ULP, doubled for a binade crossing)."""
    g, f = gold[case], case.get()
    keep = _exact_in(g.x, np.float16)
    x16 = g.x[keep].astype(np.float16)
    got_f, got_df = f(x16), f.grad(x16)
    assert got_f.dtype == got_df.dtype == np.float16
    for what, got, hi, lo, cond in (("f", got_f, g.f_hi, g.f_lo, g.cond_f),
                                    ("f'", got_df, g.df_hi, g.df_lo, g.cond_df)):
        err = ulp_error(got, hi[keep], lo[keep], np.float16)
        tol = 1.0 + tolerance(cond[keep]) * 2.0**-12
        bad = np.flatnonzero(~(err <= tol))
        assert not bad.size, [(g.x[keep][i], got[i], hi[keep][i], err[i]) for i in bad[:5]]


# ------------------------------------------------------------------------- softmax, log_softmax
@params(VECTOR)
def test_vector_entries_match_mpmath(case: Case, gold):
    """Values and every Jacobian entry of softmax/log_softmax on pairs, triples and the worked
    examples; the condition number of a component sums |x_k d/dx_k| over its inputs."""
    f = case.get()
    for row in gold.rows(case):
        x = row.x
        check(f"{case.id} f at {list(x)}", np.arange(x.size), f(x), row.f_hi, row.f_lo, row.cond_f)
        jac = f.jacobian(x)
        check(f"{case.id} J at {list(x)}", np.arange(jac.size), jac.ravel(), row.jac_hi.ravel(),
              row.jac_lo.ravel(), row.cond_jac.ravel())


@params(VECTOR)
def test_vector_entries_float32(case: Case, gold):
    f = case.get()
    for row in gold.rows(case):
        if not _exact_in(row.x, np.float32).all():
            continue
        got = f(row.x.astype(np.float32))
        assert got.dtype == np.float32
        check(f"{case.id} f float32 at {list(row.x)}", np.arange(row.x.size), got, row.f_hi,
              row.f_lo, row.cond_f, np.float32)
