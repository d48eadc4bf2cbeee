"""``actlab train``: tiny runs through the real entry point, JSON output, saving, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab.cli import main
from actlab.data import load
from actlab.nn import load as load_model

KEYS = {"dataset", "config", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
        "epochs", "seconds"}


def run_json(capsys, *args: str) -> tuple[dict, str]:
    assert main(["train", *args, "--json"]) == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 1, out  # exactly one JSON object on stdout
    return json.loads(lines[0]), err


def test_tiny_run_json(capsys):
    rec, err = run_json(capsys, "--dataset", "xor", "--epochs", "3", "--hidden", "8",
                        "--activation", "leaky_relu:alpha=0.2", "--optimizer", "sgd",
                        "--lr", "0.5", "--batch-size", "4", "--no-progress")
    assert KEYS <= set(rec) and err == ""
    assert rec["dataset"]["name"] == "xor" and rec["epochs"] == 3
    assert rec["config"]["activation"] == {"name": "leaky_relu", "params": {"alpha": 0.2}}
    assert rec["config"]["hidden"] == [8] and rec["config"]["lr"] == 0.5
    assert 0.0 <= rec["test_accuracy"] <= 1.0 and rec["seconds"] >= 0
    assert len(rec["history"]) == 3


def test_progress_goes_to_stderr_with_json(capsys):
    rec, err = run_json(capsys, "--dataset", "moons", "--epochs", "3", "--hidden", "16",
                        "--lr", "0.02")
    assert "epoch   3/3" in err and rec["test_accuracy"] > 0.75


def test_plain_output_prints_epochs_then_the_result(capsys):
    assert main(["train", "--dataset", "toy", "--epochs", "2", "--hidden", "4"]) == 0
    out = capsys.readouterr().out
    assert "epoch   1/2" in out and "epoch   2/2" in out
    assert out.strip().splitlines()[-1].startswith("toy mlp relu: train loss")


def test_same_seed_same_result(capsys):
    args = ("--dataset", "spirals", "--epochs", "2", "--hidden", "16", "--seed", "3",
            "--no-progress")
    a, _ = run_json(capsys, *args)
    b, _ = run_json(capsys, *args)
    assert a["test_loss"] == b["test_loss"] and a["history"][-1]["train_loss"] == \
        b["history"][-1]["train_loss"]


def test_cnn_on_digits_and_save(capsys, tmp_path):
    path = tmp_path / "cnn.npz"
    rec, _ = run_json(capsys, "--dataset", "digits", "--model", "cnn", "--epochs", "1",
                      "--batch-size", "64", "--threads", "1", "--lr", "0.01",
                      "--save", str(path), "--no-progress")
    assert rec["config"]["model"] == "cnn" and rec["saved"] == str(path)
    assert rec["config"]["threads"] == 1
    model = load_model(path)
    ds = load("digits")
    acc = model.evaluate(ds.X_test, ds.y_test, "softmax_cross_entropy")["accuracy"]
    assert acc == pytest.approx(rec["test_accuracy"]) and acc > 0.5
    assert type(model.layers[1]).__name__ == "Conv2d"


@pytest.mark.parametrize("args,message", [
    (["--dataset", "moon"], "did you mean 'moons'"),
    (["--dataset", "moons", "--hidden", "8,x"], "--hidden"),
    (["--dataset", "moons", "--hidden", "0"], "--hidden"),
    (["--dataset", "moons", "--activation", "relu:alpha=1"], "unknown parameter 'alpha'"),
    (["--dataset", "moons", "--activation", "relux"], "unknown activation"),
    (["--dataset", "moons", "--activation", "elu:alpha"], "key=value"),
    (["--dataset", "moons", "--model", "cnn"], "use --model mlp"),
    (["--dataset", "moons", "--lr", "-1"], "--lr"),
    (["--dataset", "moons", "--epochs", "-1"], "--epochs"),
    (["--dataset", "moons", "--batch-size", "0"], "--batch-size"),
    (["--dataset", "moons", "--init", "nope"], "unknown initializer"),
    (["--dataset", "moons", "--threads", "0"], "--threads"),
    (["--dataset", "mnist", "--data-dir", "/nonexistent/dir"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, message):
    assert main(["train", *args, "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("actlab train: error:") and message in err


def test_float64_training(capsys):
    rec, _ = run_json(capsys, "--dataset", "xor", "--epochs", "1", "--dtype", "float64",
                      "--no-progress")
    assert rec["config"]["dtype"] == "float64" and np.isfinite(rec["train_loss"])
