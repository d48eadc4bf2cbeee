"""``actlab list | show | eval | plot | plot-catalogue`` through ``actlab.cli.main``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import actlab
from actlab.cli import main
from actlab.cli.catalogue import parse_numbers, parse_params

NAMES = actlab.names()
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg", "pdf": b"%PDF-"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def number(v) -> float:
    """JSON numbers and the strings "inf"/"-inf"/"nan" back to float."""
    return float(v)


# ------------------------------------------------------------------------------ list
def test_list_names_every_entry_and_alias(capsys):
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    rows = {line.split()[0] for line in out.splitlines()[2:] if line.strip()}
    assert set(NAMES) <= rows
    for alias in actlab.aliases():
        assert alias in out
    header = out.splitlines()[0]
    for column in ("name", "aliases", "range", "monotone", "smooth", "zero-centred",
                   "saturating", "exact zeros", "init", "use"):
        assert column in header


def test_list_json(capsys):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == NAMES
    for r in rows:
        info = actlab.get(r["name"]).info
        assert tuple(map(number, r["range"])) == info.range
        assert (r["monotone"], r["smoothness"], r["saturating"], r["init"]) == (
            info.monotone, info.smoothness, info.saturating, info.init)
        assert r["aliases"] == sorted(a for a, t in actlab.aliases().items() if t == r["name"])


def test_list_range_brackets_follow_attainment(capsys):
    _, out, _ = run(capsys, "list")
    lines = {line.split()[0]: line for line in out.splitlines()[2:] if line.strip()}
    assert "[0, inf)" in lines["relu"]
    assert "[0, 6]" in lines["relu6"]
    assert "(0, 1)" in lines["sigmoid"]


# ------------------------------------------------------------------------------ show
@pytest.mark.parametrize("name", NAMES)
def test_show_every_entry(capsys, name):
    code, out, err = run(capsys, "show", name)
    assert code == 0 and err == ""
    act = actlab.get(name)
    info = act.info
    for text in (info.display_name, info.formula, info.derivative, info.init, info.reference,
                 *info.pros, *info.cons, *info.frameworks.values()):
        assert text in out
    for label in ("range", "minimum", "maximum", "max |f'|", "monotone", "smoothness",
                  "zero-centred", "bounded", "saturating", "exact zeros", "kinks", "use",
                  "frameworks", "values"):
        assert label in out
    for k in info.kinks:
        assert f"f' = {float(k.derivative)!r}" in out
    for p in act.spec.params:
        assert p.doc in out
    if not info.vector:
        x = np.array([1.0, -1.0])
        assert repr(float(act(x)[0])) in out and repr(float(act.grad(x)[1])) in out


@pytest.mark.parametrize("name", NAMES)
def test_show_json_every_entry(capsys, name):
    code, out, _ = run(capsys, "show", name, "--json")
    assert code == 0
    data = json.loads(out)
    act = actlab.get(name)
    assert data["info"] == json.loads(json.dumps(act.info.to_dict()))
    assert [p["name"] for p in data["parameters"]] == [p.name for p in act.spec.params]
    x = np.array(data["values"]["x"], dtype=float)
    np.testing.assert_array_equal(np.array(data["values"]["f"], dtype=float), act(x))
    if act.vector:
        np.testing.assert_array_equal(data["values"]["jacobian"], act.jacobian(x))
    else:
        np.testing.assert_array_equal(np.array(data["values"]["grad"], dtype=float), act.grad(x))
        for k in act.info.kinks:  # the kinks are among the example points
            assert k.x in x


def test_show_params(capsys):
    _, out, _ = run(capsys, "show", "leaky_relu", "--param", "alpha=0.2")
    assert "leaky_relu(alpha=0.2)" in out and "(default 0.01)" in out and "[0, 1]" in out
    assert "f' = 0.2" in out  # the kink's derivative follows the parameter
    _, out, _ = run(capsys, "show", "gelu", "--param", "approximate=tanh", "--json")
    assert json.loads(out)["params"] == {"approximate": "tanh"}
    _, out, _ = run(capsys, "show", "softmax", "--param", "axis=-1", "--json")
    assert json.loads(out)["params"] == {"axis": -1}


# ------------------------------------------------------------------------------ eval
def test_eval_full_precision_and_non_finite(capsys):
    code, out, _ = run(capsys, "eval", "sigmoid", "-inf", "-40", "-1e-3", "0", "inf", "nan")
    assert code == 0
    sig = actlab.get("sigmoid")
    for v in sig(np.array([-40.0, -1e-3])):
        assert repr(float(v)) in out
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows[0] == ["-inf", "0.0"] and rows[-2] == ["inf", "1.0"] and rows[-1] == ["nan", "nan"]


def test_eval_grad_at_kinks(capsys):
    _, out, _ = run(capsys, "eval", "relu6", "0", "6", "3", "--grad")
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows == [["0.0", "0.0"], ["6.0", "0.0"], ["3.0", "1.0"]]
    assert "relu6'(x)" in out


def test_eval_json_round_trip(capsys):
    _, out, _ = run(capsys, "eval", "elu", "-2", "nan", "inf", "--json", "--param", "alpha=2")
    data = json.loads(out)
    assert data["params"] == {"alpha": 2.0}
    f = [number(v) for v in data["f"]]
    assert f[0] == float(actlab.get("elu", alpha=2)(np.array([-2.0]))[0])
    assert math.isnan(f[1]) and f[2] == math.inf
    _, out, _ = run(capsys, "eval", "tanh", "0.5", "--grad", "--json")
    assert json.loads(out)["grad"] == [float(actlab.get("tanh").grad(np.array([0.5]))[0])]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_eval_vector_entries(capsys, name):
    act = actlab.get(name)
    x = np.array([2.0, 1.0, 0.1])
    _, out, _ = run(capsys, "eval", name, "2", "1", "0.1", "--json")
    np.testing.assert_array_equal(json.loads(out)["f"], act(x))
    _, out, _ = run(capsys, "eval", name, "2", "1", "0.1", "--grad", "--json")
    np.testing.assert_array_equal(json.loads(out)["jacobian"], act.jacobian(x))
    _, out, _ = run(capsys, "eval", name, "2", "1", "0.1", "--grad")
    assert "Jacobian" in out and repr(float(act.jacobian(x)[0, 1])) in out


def test_parsers():
    assert parse_params(["alpha=1", "beta=2.5", "approximate=tanh"]) == {
        "alpha": 1, "beta": 2.5, "approximate": "tanh"}
    assert isinstance(parse_params(["axis=-1"])["axis"], int)
    x = parse_numbers(["-inf", "nan", "1e-3", "2"])
    assert x.dtype == np.float64 and x[0] == -np.inf and np.isnan(x[1]) and x[3] == 2.0


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("argv, needle", [
    (["show", "sigmoud"], "did you mean 'sigmoid'"),
    (["eval", "rleu", "1"], "did you mean"),
    (["eval", "relu", "abc"], "not a number"),
    (["eval", "relu", "1", "--param", "alpha=0.1"], "unknown parameter 'alpha'"),
    (["show", "leaky_relu", "--param", "alpha=2"], "must be <= 1.0"),
    (["show", "leaky_relu", "--param", "alpha"], "KEY=VALUE"),
    (["show", "gelu", "--param", "approximate=fast"], "must be one of"),
    (["eval", "softmax", "1", "2", "--param", "axis=0.5"], "must be an integer"),
    (["plot", "relu", "-o", "out.jpg"], "unknown figure format 'jpg'"),
    (["plot", "relu", "tanh", "--wb", "-o", "x.png"], "one name"),
    (["plot", "relu", "--wb", "--derivative", "-o", "x.png"], "does not apply"),
    (["plot", "relu", "tanh", "--param", "alpha=0.2", "-o", "x.png"], "takes parameter 'alpha'"),
    (["plot", "relu", "-o", "no/such/folder/x.png"], "does not exist"),
])
def test_errors_one_line_exit_2(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"actlab {argv[0]}: error:")
    assert needle in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# ------------------------------------------------------------------------------ plots
@pytest.mark.parametrize("fmt", ["svg", "PDF"])  # every format: tests/test_plotting.py
def test_plot_formats(capsys, tmp_path, fmt):
    path = tmp_path / f"plot.{fmt}"
    code, out, _ = run(capsys, "plot", "relu", "gelu", "softmax", "--derivative", "-o", str(path))
    assert code == 0 and out.strip() == str(path)
    head = path.read_bytes()[:400]
    assert MAGIC[fmt.lower()] in head
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_plot_wb_and_params(capsys, tmp_path):
    code, out, _ = run(capsys, "plot", "sigmoid", "--wb", "-o", str(tmp_path / "wb.png"))
    assert code == 0 and (tmp_path / "wb.png").stat().st_size > 0
    code, _, _ = run(capsys, "plot", "leaky_relu", "elu", "relu", "--param", "alpha=0.2",
                     "-o", str(tmp_path / "p.svg"))
    assert code == 0
    svg = (tmp_path / "p.svg").read_text()
    assert "leaky_relu(alpha=0.2)" in svg and "elu(alpha=0.2)" in svg


def test_plot_catalogue(capsys, tmp_path):
    out_dir = tmp_path / "out" / "plots"  # created with its parents
    code, out, err = run(capsys, "plot-catalogue", "-o", str(out_dir))
    assert code == 0 and err == ""
    expected = [out_dir / f"{n}.png" for n in NAMES] + [out_dir / "catalogue.png"]
    assert out.split() == [str(p) for p in expected]
    for p in expected:
        assert p.read_bytes()[:8] == MAGIC["png"]
    assert sorted(out_dir.iterdir()) == sorted(expected)
