"""The page's activations (JS, float64) against the catalogue's 50-digit mpmath gold values.

Same probe (``tests/activations/cases.py``: PyTorch's input families, the numerical traps, the
kinks and extrema and their neighbours), same yardstick (``4 + 2 cond`` ULP of the true value),
same kink conventions. The JS kernels run in node; vector entries are checked on the row [x, 0].
"""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab.lab.page import js_kernels

from ..activations.cases import ELEMENTWISE, Case
from ..activations.gold import GoldTable
from ..activations.test_gold import check
from .conftest import from_js, run_node, to_js

_TABLE = GoldTable()
KNOWN = set(js_kernels())  # the kernels the built page declares


@pytest.fixture(scope="module")
def js_results():
    payload = {"cases": [{"name": c.name, "params": c.kwargs,
                          "x": [to_js(v) for v in _TABLE[c].x]} for c in ELEMENTWISE
                         if c.name in KNOWN]}
    out = run_node("kernels.mjs", payload)
    cases = [c for c in ELEMENTWISE if c.name in KNOWN]
    return dict(zip(cases, out["results"])), out["kernels"]


def test_every_registry_entry_has_a_js_kernel(js_results):
    """A new registry entry still appears in the explorer (drawn from samples the Python side
    injects, see test_page.py); training with it needs a kernel in web/lab/src/activations.js."""
    _, kernels = js_results
    missing = sorted(set(actlab.names()) - set(kernels))
    if missing:
        pytest.skip(f"the lab page has no JS kernels for {missing}: add them to "
                    "web/lab/src/activations.js (the explorer shows sampled curves meanwhile)")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in ELEMENTWISE])
def test_js_matches_mpmath(case: Case, js_results):
    results, kernels = js_results
    if case.name not in kernels:
        pytest.skip(f"no JS kernel for {case.name}")
    g, r = _TABLE[case], results[case]
    check(f"JS {case.id} f", g.x, from_js(r["f"]), g.f_hi, g.f_lo, g.cond_f)
    check(f"JS {case.id} f'", g.x, from_js(r["df"]), g.df_hi, g.df_lo, g.cond_df)


def test_js_non_finite_inputs_follow_the_catalogue(js_results):
    """At +-inf and NaN the page returns what actlab returns (limits, never a stray NaN)."""
    x = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0])
    payload = {"cases": [{"name": c.name, "params": c.kwargs, "x": [to_js(v) for v in x]}
                         for c in ELEMENTWISE]}
    out = run_node("kernels.mjs", payload)["results"]
    for case, r in zip(ELEMENTWISE, out):
        if r is None:
            continue
        f = case.get()
        np.testing.assert_array_equal(from_js(r["f"]), f(x), err_msg=f"{case.id} f")
        np.testing.assert_array_equal(from_js(r["df"]), f.grad(x), err_msg=f"{case.id} f'")
