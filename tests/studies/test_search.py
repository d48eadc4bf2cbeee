"""actlab search: the space, screening by value, halving, resume, determinism, files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import actlab
from actlab.activations.expr.core import Expression
from actlab.studies.search import SPACES, SearchSpec, load_search, load_space, search
from actlab.studies.search.halving import Stage
from actlab.studies.search.screen import GRID, Pool, admit
from actlab.studies.search.space import BINARY, UNARY, Space, space_from_dict
from actlab.studies.search.study import BUDGETS, Budget

from .test_resume import _count, _wait_for_runs

TINY = Budget(screen=5, stages=(Stage(3, 1, 3), Stage(6, 2, 2)), final_epochs=6,
              final_seeds=3, grid=2, transfer_seeds=2)
#: a planted space on circles: every candidate but tanh is linear, so it cannot separate
PLANTED = {"name": "planted", "formulas": ["x", "-x", "0.5 * x + 1", "2 * x - 0.5", "tanh(x)"]}
SPEC = dict(dataset="circles", budget="tiny", depth=2, width=16, screen_lr=0.03,
            transfer="", baselines=("relu",))


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    monkeypatch.setitem(BUDGETS, "tiny", TINY)
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(PLANTED))
    return str(path)


# --------------------------------------------------------------------------- space
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_text_and_numpy_agree(name):
    space = Space("t", tuple(dict.fromkeys((name, "x"))), ("add",))
    tree = ("add", name, "x")  # u(x) + x
    with np.errstate(all="ignore"):
        want = space.values(tree, GRID)
        got = Expression(space.formula(tree)).f(GRID, {})
    ok = np.isfinite(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-9, atol=1e-12)
    assert np.array_equal(np.isfinite(got), ok)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_text_and_numpy_agree(name):
    space = Space("t", ("sin", "x"), (name,), beta=0.7)
    tree = (name, "sin", "x")
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(Expression(space.formula(tree)).f(GRID, {}),
                                   space.values(tree, GRID), rtol=1e-9, atol=1e-12)


def test_two_units_mutate_and_sample_stay_in_the_space():
    s, rng = SPACES["swish2"], np.random.default_rng(0)
    for _ in range(20):
        t = s.sample(rng)
        m = s.mutate(t, rng)
        assert m != t and len(s.formula(m)) > 0
        assert isinstance(m[1], tuple) and m[1][1][0] in BINARY


def test_duplicates_removed_by_value_on_a_hand_made_set():
    pool = Pool(Space("hand", formulas=("x",)))
    texts = ["x * sigmoid(x)", "sigmoid(x) * x", "x / (1 + exp(-x))", "max(x, 0)",
             "relu(x)", "(abs(x) + x) / 2", "x - x", "log(x)", "exp(3 * x)", "tanh(x)"]
    out = [pool.add(t) for t in texts]
    assert [c.formula for c in pool.kept()] == ["x * sigmoid(x)", "max(x, 0)", "tanh(x)"]
    kinds = [c.kind for c in out]
    assert kinds == ["", "duplicate", "duplicate", "", "duplicate", "duplicate", "constant",
                     "not finite", "explodes", ""]
    assert out[4].reason == "duplicate of max(x, 0)"
    assert pool.add("x * sigmoid(x)") is out[0]  # the same text once


def test_admit_discards_what_the_generated_code_cannot_train():
    space = SPACES["swish"]
    pool = Pool(space)
    c = pool.add(("add", "sqrt", "x"))  # sqrt(|x|) + x: f' infinite at 0
    assert c.status == "kept" and not admit(c, space)
    assert c.kind == "unstable" and "x = 0" in c.reason
    ok = pool.add(("mul", "x", "sigmoid"))
    assert admit(ok, space) and ok.status == "kept"


def test_small_space_is_screened_to_distinct_functions():
    from actlab.studies.search.screen import screen_all, signature

    s = SPACES["small"]
    pool = screen_all(s, list(s.trees()))
    kept = pool.kept()
    assert 0 < len(kept) < s.size()
    sigs = {signature(s.values(c.tree, GRID)) for c in kept}
    assert len(sigs) == len(kept)


@pytest.mark.parametrize("doc, part", [
    ({"formulas": ["__import__('os').system('x')"]}, "formulas[0]"),
    ({"formulas": ["x", "log(x)"]}, "formulas[1]"),
    ({"formulas": ["x" * 600]}, "formulas[0]"),
    ({"formulas": ["x"] * 300}, "300 formulas"),
    ({"unary": ["exp", "eval"], "binary": ["add"]}, "unknown unary 'eval'"),
    ({"unary": ["exp"], "binary": []}, "both unary and binary"),
    ({"units": 3, "unary": ["x"], "binary": ["add"]}, "units must be 1 or 2"),
    ({"beta": "1; rm", "unary": ["x"], "binary": ["add"]}, "'beta' must be a number"),
    ({"code": "x"}, "unknown key(s) 'code'"),
    ([1, 2], "expected a JSON object"),
])
def test_hostile_space_files_are_refused_naming_the_part(tmp_path, doc, part):
    path = tmp_path / "space.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError) as e:
        load_space(str(path))
    assert part in str(e.value)


def test_space_file_size_and_syntax_bounds(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(" " * (70 * 1024) + "{}")
    with pytest.raises(ValueError, match="bytes"):
        load_space(str(big))
    bad = tmp_path / "bad.json"
    bad.write_text("{" * 10)
    with pytest.raises(ValueError, match="not valid JSON"):
        load_space(str(bad))
    with pytest.raises(ValueError, match="unknown space"):
        load_space("nope")
    assert space_from_dict({"formulas": ["x * tanh(x)"]}).size() == 1


# --------------------------------------------------------------------------- the search
def _strip(d):
    d = dict(d)
    for k in ("seconds", "cpu_seconds", "runs"):
        d.pop(k)
    return d


def test_planted_candidate_ranks_first_and_results_do_not_depend_on_jobs(tiny, tmp_path):
    a = search(SearchSpec(space=tiny, **SPEC), tmp_path / "a", jobs=1, progress=False,
               log=None)
    assert a["finalists"][0]["expression"] == "tanh(x)"
    assert a["evaluated"] == 5 and a["method"] == "exhaustive"
    for key in ("dataset", "space", "candidates", "evaluated", "discarded", "finalists",
                "baselines", "verdict", "seconds"):
        assert key in a
    f = a["finalists"][0]
    assert set(f["test_accuracy"]) == {"mean", "low", "high"} and f["seeds"] == 3
    assert f["delta_vs_relu"]["low"] <= f["delta_vs_relu"]["mean"] <= f["delta_vs_relu"]["high"]
    b = search(SearchSpec(space=tiny, **SPEC), tmp_path / "b", jobs=2, progress=False,
               log=None)
    assert _strip(a) == _strip(b)
    # a rerun trains nothing
    c = search(SearchSpec(space=tiny, **SPEC), tmp_path / "a", jobs=1, progress=False,
               log=None)
    assert c["runs"]["trained"] == 0 and _strip(c) == _strip(a)
    # the log and the finalists are usable at once
    log = (tmp_path / "a" / "candidates.csv").read_text().splitlines()
    assert len(log) == 1 + a["candidates"]
    found = load_search(tmp_path / "a")
    name = f["name"]
    assert actlab.get(name)([0.5]) == pytest.approx(np.tanh(0.5))
    assert set(found) == {x["name"] for x in a["finalists"]}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_stage_then_resume_repeats_no_run(tiny, tmp_path):
    out = tmp_path / "s"
    script = textwrap.dedent(f"""
        import sys
        from actlab.studies.search import search, SearchSpec
        from actlab.studies.search.study import BUDGETS, Budget
        from actlab.studies.search.halving import Stage
        BUDGETS["tiny"] = {TINY!r}
        search(SearchSpec(space={tiny!r}, **{SPEC!r}), sys.argv[1], jobs=1, progress=False,
               log=None)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_runs(proc, out / "results.sqlite", 3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = _count(out / "results.sqlite")
    assert before >= 3 and not (out / "search.json").exists()
    data = search(SearchSpec(space=tiny, **SPEC), out, jobs=1, progress=False, log=None)
    after = _count(out / "results.sqlite")
    assert data["runs"]["reused"] >= before
    assert after == before + data["runs"]["trained"]  # every stored run was reused, none redone
    assert data["finalists"][0]["expression"] == "tanh(x)"


def test_load_search_refuses_tampered_files(tmp_path):
    (tmp_path / "search.json").write_text(json.dumps(
        {"finalists": [{"name": "relu", "expression": "x"}]}))
    with pytest.raises(ValueError, match="must start with 'found_'"):
        load_search(tmp_path)
    (tmp_path / "search.json").write_text(json.dumps(
        {"finalists": [{"name": "found_x", "expression": "__import__('os')"}]}))
    with pytest.raises(ValueError, match="finalists\\[0\\]"):
        load_search(tmp_path)
    (tmp_path / "search.json").write_text("[]")
    with pytest.raises(ValueError, match="not a search result"):
        load_search(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_search(tmp_path / "nothing")


def test_report_escapes_everything_from_search_json():
    from actlab.report.search import search_page

    evil = "<script>alert(1)</script>"
    page = search_page({"verdict": evil, "setting": evil, "finalists": [
        {"name": evil, "expression": evil, "test_accuracy": {"mean": evil},
         "delta_vs_relu": {"mean": 1.0, "low": 0.5, "high": 1.5, "verdict": evil}, "lr": evil,
         "seeds": 3}], "baselines": [evil], "discarded_counts": {evil: 1},
        "stages": [{"stage": evil}], "transfer": {"setting": evil}})
    assert evil not in page and "&lt;script&gt;" in page


def test_spec_validation():
    with pytest.raises(ValueError, match="unknown budget"):
        SearchSpec(budget="huge").validate()
    with pytest.raises(ValueError, match="unknown data set"):
        SearchSpec(dataset="nope").validate()
    with pytest.raises(ValueError, match="relu"):
        SearchSpec(baselines=("silu",)).validate()
    with pytest.raises(ValueError, match="unknown space"):
        SearchSpec(space="galaxy").validate()


@pytest.mark.slow
def test_dask_backend_gives_the_same_search(tiny, tmp_path):
    pytest.importorskip("distributed")
    from actlab.studies import parallel

    a = search(SearchSpec(space=tiny, **SPEC), tmp_path / "a", jobs=1, progress=False,
               log=None)
    with parallel.configured("dask"):
        b = search(SearchSpec(space=tiny, **SPEC), tmp_path / "b", jobs=2, progress=False,
                   log=None)
    assert _strip(a) == _strip(b)


def test_property_sheet_of_an_unbounded_derivative_renders():
    from actlab.report.sections import sheet_html

    info = actlab.define("x**3 + x").info
    assert info.to_dict()["max_abs_grad"] == "inf"
    assert "max |f&#x27;|</dt><dd>inf</dd>" in sheet_html(info)
