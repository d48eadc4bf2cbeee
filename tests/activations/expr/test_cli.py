"""Formulas wherever the CLI takes an activation: eval, show, plot, train, compare specs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import actlab
from actlab.cli import main
from actlab.nn import load
from actlab.nn.zoo import parse_activation
from actlab.studies.compare import parse_activation as compare_activation

MISH = "expr:x*tanh(softplus(x))"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_formula_with_parameters(capsys):
    code, out, _ = run(capsys, "eval", "expr:x*sigmoid(beta*x)", "--param", "beta=2",
                       "--json", "--", "-1", "0", "1e300")
    assert code == 0
    got = json.loads(out)
    np.testing.assert_allclose([float(v) for v in got["f"]],
                               actlab.get("silu", beta=2.0)([-1.0, 0.0, 1e300]), rtol=1e-15)
    code, out, _ = run(capsys, "eval", MISH, "--grad", "--json", "1")
    assert float(json.loads(out)["grad"][0]) == pytest.approx(float(actlab.get("mish").grad(1.0)))


def test_show_formula_prints_inferred_sheet(capsys):
    code, out, _ = run(capsys, "show", MISH)
    assert code == 0
    assert "-0.3088434130172504" in out and "accuracy" in out and "inferred" in out
    code, out, _ = run(capsys, "show", MISH, "--json")
    info = json.loads(out)["info"]
    assert info["accuracy"]["misses"] == [] and info["smoothness"] == "Cinf"


@pytest.mark.parametrize("argv, why", [
    (["eval", "expr:__import__('os')", "1"], "__import__"),
    (["show", "expr:x.__class__"], "Attribute"),
    (["eval", "expr:x*beta", "1"], "unknown name 'beta'"),
])
def test_bad_formula_is_one_line_exit_2(capsys, argv, why):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert why in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_plot_formula(capsys, tmp_path):
    path = tmp_path / "p.png"
    code, out, _ = run(capsys, "plot", MISH, "relu", "--derivative", "-o", str(path))
    assert code == 0 and path.read_bytes()[:4] == b"\x89PNG"


def test_train_with_formula_and_save(capsys, tmp_path):
    path = tmp_path / "m.npz"
    code, out, _ = run(capsys, "train", "--dataset", "xor", "--epochs", "2",
                       "--activation", "expr:x*sigmoid(beta*x):beta=1.5", "--save", str(path),
                       "--json", "--no-progress")
    assert code == 0
    record = json.loads(out)
    assert record["config"]["activation"]["params"] == {"beta": 1.5}
    model = load(path)
    layer = next(layer for layer in model if type(layer).__name__ == "Activation")
    assert layer.config()["expr"] == "x*sigmoid(beta*x)" and layer.f.params == {"beta": 1.5}


def test_activation_specs_keep_the_formula_whole():
    assert parse_activation("expr:max(x, 0.1*x):") == ("expr:max(x, 0.1*x)", {})
    assert parse_activation("expr:x*sigmoid(b*x):b=2") == ("expr:x*sigmoid(b*x)", {"b": 2})
    assert compare_activation("expr:x*sigmoid(b*x):b=2") == ("expr:x*sigmoid(b*x)",
                                                             (("b", 2.0),))


def test_plot_model_draws_trainable_activation(capsys, tmp_path):
    from actlab.nn import Activation, Dense, Sequential, save

    model = Sequential([Dense(2, 3), Activation("leaky_relu", trainable=("alpha",)),
                        Dense(3, 1)], seed=0)
    path = save(model, tmp_path / "m.npz")
    png = tmp_path / "learned.png"
    code, out, _ = run(capsys, "plot", "--model", str(path), "-o", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"
