"""PAU, APL and KANLinear inside models: whole-network gradient check, save/load, training with
SGD and Adam, the learned-curve plot and ``actlab plot --model``."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from actlab.cli import main
from actlab.data import moons
from actlab.nn import (
    APL, PAU, SGD, Adam, Dense, KANLinear, Sequential, fit, gradcheck_details, load, save,
    update_grids,
)
from actlab.plotting import plot_learned


def every_kind(seed: int = 0, dtype=np.float64) -> Sequential:
    return Sequential([
        Dense(3, 6), PAU(6, version="B", target="tanh"),
        Dense(6, 5), APL(5, hinges=2, init_scale=0.3),
        KANLinear(5, 4, grid_range=(-3, 3)), PAU(target="silu"),
        Dense(4, 3),
    ], seed=seed, dtype=dtype)


def test_whole_network_gradcheck_with_every_learnable_layer():
    model = every_kind()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 3))
    errors = gradcheck_details(model, X, rng.integers(0, 3, 8), "softmax_cross_entropy")
    for name in ("1.PAU.numerator", "1.PAU.denominator", "3.APL.a", "3.APL.b",
                 "4.KANLinear.base_W", "4.KANLinear.spline_W", "5.PAU.numerator", "input"):
        assert name in errors
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip(tmp_path, dtype):
    model = every_kind(seed=3, dtype=dtype)
    X = np.random.default_rng(2).normal(size=(50, 3))
    update_grids(model, X)  # the KAN grid is a buffer: it must travel too
    for p in model.parameters():
        p += np.asarray(0.01, dtype)  # not the initial values any more
    path = save(model, tmp_path / "learnable.npz")
    with zipfile.ZipFile(path) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())
    back = load(path)
    assert back.config() == model.config()
    for key, value in model.state().items():
        np.testing.assert_array_equal(back.state()[key], value)
        assert back.state()[key].dtype == dtype
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    arch = json.dumps(back.config())
    assert '"target": "tanh"' in arch and '"KANLinear"' in arch


def test_a_tampered_architecture_is_refused(tmp_path):
    model = Sequential([Dense(2, 3), PAU(target="tanh")], seed=0)
    path = save(model, tmp_path / "m.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["__actlab__"] = np.array(str(arrays["__actlab__"]).replace('"tanh"', '"softmax"'))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="vector-valued"):
        load(tmp_path / "bad.npz")


@pytest.mark.parametrize("make_optimizer", [lambda: SGD(lr=0.1, momentum=0.9),
                                            lambda: Adam(lr=0.01)])
@pytest.mark.parametrize("hidden", ["pau", "apl", "kan"])
def test_training_lowers_the_loss(hidden, make_optimizer):
    data = moons(n=200, noise=0.1, seed=0)
    layers = {
        "pau": [Dense(2, 16), PAU(), Dense(16, 2)],
        "apl": [Dense(2, 16), APL(16), Dense(16, 2)],
        "kan": [KANLinear(2, 4, grid_range=(-2.5, 2.5)), KANLinear(4, 2, grid_range=(-3, 3))],
    }[hidden]
    model = Sequential(layers, seed=0)
    before = {k: v.copy() for k, v in model.state().items()}
    history = fit(model, data.X_train, data.y_train, loss="softmax_cross_entropy",
                  optimizer=make_optimizer(), epochs=15, batch_size=32, progress=False)
    assert history[-1].train_loss < 0.6 * history[0].train_loss
    changed = [k for k, v in model.state().items()
               if ".params." in k and not np.array_equal(v, before[k])]
    learnable_keys = {"numerator", "denominator", "a", "b", "spline_W"}
    assert any(k.rsplit(".", 1)[1] in learnable_keys for k in changed)


def test_plot_learned_draws_one_panel_per_layer_and_the_pau_target(tmp_path):
    model = every_kind(dtype=np.float32)
    fig = plot_learned(model, max_curves=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(":")[0] for ax in visible] == [
        "layer 1", "layer 3", "layer 4", "layer 5"]
    first = visible[0]
    labels = [line.get_label() for line in first.get_lines()]
    labels = [label for label in labels if not label.startswith("_")]
    assert labels[:3] == ["channel 0", "channel 1", "channel 2"]
    assert labels[3].startswith("target tanh") and len(labels) == 4
    pau = model.layers[1]
    x = first.get_lines()[2].get_xdata()
    np.testing.assert_allclose(first.get_lines()[2].get_ydata(),
                               pau.learned_curves(x, max_curves=1)[0][1])
    path = save(model, tmp_path / "m.npz")
    assert len(plot_learned(path).axes) == 4
    with pytest.raises(ValueError, match="no learnable"):
        plot_learned(Sequential([Dense(2, 2)], seed=0))


def test_cli_plot_model(tmp_path, capsys):
    path = save(every_kind(dtype=np.float32), tmp_path / "m.npz")
    out = tmp_path / "learned.png"
    assert main(["plot", "--model", str(path), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["plot", "relu", "--model", "m.npz", "-o", "x.png"], "no NAME"),
    (["plot", "-o", "x.png"], "at least one activation NAME"),
    (["plot", "--model", "no/such.npz", "-o", "x.png"], "no such file"),
])
def test_cli_plot_model_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_comparison_benchmark_pairs_equal_parameter_counts_and_runs():
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "learnable_vs_mlp.py"
    spec = importlib.util.spec_from_file_location("learnable_vs_mlp", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.builders()
    counts = {name: build(0).n_params for name, build in rows.items()}
    names = list(counts)
    for relu, learned in ((names[0], names[1]), (names[2], names[3]), (names[4], names[5])):
        assert relu.startswith("relu") and not learned.startswith("relu")
        assert abs(counts[relu] - counts[learned]) <= 0.05 * counts[learned]
    rng = np.random.default_rng(0)
    data = SimpleNamespace(X_train=rng.normal(size=(200, 40)), y_train=rng.integers(0, 10, 200),
                           X_test=rng.normal(size=(50, 40)), y_test=rng.integers(0, 10, 50))
    acc = bench.train_once(rows[names[5]], 0, data, epochs=1)
    assert 0.0 <= acc <= 1.0
    assert bench.ci95([0.5, 0.6, 0.7])[1] > 0
