"""``to_onnx``: a valid model (full check) that onnxruntime runs to actlab's output (1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab.nn import (
    Activation,
    BatchNorm,
    Conv1d,
    Conv2d,
    Dense,
    Dropout,
    Flatten,
    MaxPool1d,
    MaxPool2d,
    PReLU,
    Sequential,
    Unflatten,
    to_onnx,
)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ACTIVATIONS = [(n, {}) for n in actlab.names()] + [
    ("leaky_relu", {"alpha": 0.2}), ("silu", {"beta": 1.7}), ("gelu", {"approximate": "tanh"}),
    ("gelu", {"approximate": "sigmoid"}), ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}),
    ("softplus", {"beta": 2.0}), ("softmax", {"axis": 0}), ("log_softmax", {"axis": 0}),
]


def _run(model: Sequential, x: np.ndarray, tmp_path) -> np.ndarray:
    path = tmp_path / "model.onnx"
    proto = to_onnx(model, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert {o.domain: o.version for o in proto.opset_import}[""] >= 20
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.mark.parametrize("name, params", ACTIVATIONS, ids=lambda v: str(v))
def test_every_activation_matches_onnxruntime(name, params, rng, tmp_path):
    model = Sequential([Dense(3, 6), Activation(name, **params), Dense(6, 2)], seed=1)
    x = rng.uniform(-6, 6, size=(7, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x), rtol=1e-5, atol=1e-5)


def test_parameters_become_function_attributes(tmp_path):
    model = Sequential([Dense(2, 3), Activation("silu", beta=1.7), Dense(3, 3),
                        Activation("silu", beta=0.5), Dense(3, 1)], seed=0)
    proto = to_onnx(model)
    assert [f.name for f in proto.functions] == ["silu"]  # one local function, two calls
    calls = [n for n in proto.graph.node if n.domain == "actlab"]
    assert [round(n.attribute[0].f, 6) for n in calls] == [1.7, 0.5]


def test_cnn_with_every_layer_type(rng, tmp_path):
    model = Sequential([
        Unflatten((2, 6, 6)), Conv2d(2, 3, 3, padding=1), BatchNorm(3), PReLU(3),
        MaxPool2d(2, padding=1), Conv2d(3, 4, 2, stride=(2, 1), bias=False), Activation("mish"),
        Flatten(), Dropout(0.3), Dense(24, 5), BatchNorm(5, affine=False), PReLU(),
        Dense(5, 3), Activation("log_softmax"),
    ], seed=3)
    x = rng.normal(size=(4, 72)).astype(np.float32)
    model.forward(x, training=True)  # running statistics away from 0 / 1
    model.forward(x + 1.0, training=True)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x), rtol=1e-5, atol=1e-5)
    m1 = Sequential([Unflatten((1, 10)), Conv1d(1, 2, 3, stride=2, padding=1),
                     Activation("gelu"), MaxPool1d(2), Flatten(), Dense(4, 2)], seed=0)
    x1 = rng.normal(size=(3, 10)).astype(np.float32)
    np.testing.assert_allclose(_run(m1, x1, tmp_path), m1.predict(x1), rtol=1e-5, atol=1e-5)


def test_float64_model_exports_float32_by_default(rng, tmp_path):
    model = Sequential([Dense(3, 4), Activation("elu"), Dense(4, 2)], seed=0, dtype=np.float64)
    x = rng.normal(size=(5, 3))
    got = _run(model, x.astype(np.float32), tmp_path)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model.predict(x), rtol=1e-5, atol=1e-5)
    m64 = Sequential([Dense(3, 4), Activation("tanh"), Dense(4, 2)], seed=0, dtype=np.float64)
    np.testing.assert_allclose(_run_as(m64, x, tmp_path, np.float64), m64.predict(x), rtol=1e-12)


def _run_as(model, x, tmp_path, dtype):
    path = tmp_path / "m64.onnx"
    to_onnx(model, path, dtype=dtype)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"x": x})[0]


def test_learnable_activations(rng, tmp_path):
    from actlab.nn import APL, PAU

    layers = [Dense(3, 4), PAU(4, target="tanh", version="A"), Dense(4, 4),
              PAU(target="gelu", version="B"), Dense(4, 4), PAU(4, version="C"), APL(4),
              Dense(4, 4), APL(hinges=3), Dense(4, 2)]
    model = Sequential(layers, seed=0)
    for layer in model.layers:  # per-channel coefficients differ; denominators change sign
        for k, v in layer.params.items():
            lo = -1.2 if k == "denominator" else 0.8
            v *= rng.uniform(lo, 1.2, size=v.shape).astype(v.dtype)
    x = rng.uniform(-4, 4, size=(9, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x), rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match="no ONNX form for layer KANLinear"):
        from actlab.nn import KANLinear

        to_onnx(Sequential([KANLinear(2, 2)]))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        to_onnx(Sequential([Dense(2, 2)]), dtype=np.float16)
    with pytest.raises(ValueError, match="opset must be at least 20"):
        to_onnx(Sequential([Dense(2, 2)]), opset=18)
    with pytest.raises(TypeError, match="actlab.nn.Sequential"):
        to_onnx([Dense(2, 2)])


FORMULAS = ["x * sigmoid(beta * x)", "x*tanh(log(1 + exp(x)))", "max(x, 0.1*x)",
            "where(x > 0, x, expm1(x))", "leaky_relu(x, alpha=0.2) + sqrt(x**2 + 1) - abs(x)",
            "x*(1 + erf(x/sqrt(2)))/2", "x / (1 + x**2) + arctan(x) * cosh(x/4)",
            "log1p(abs(x)) * (1 - tanh(x)**2)", "min(x, 1) * x**3 / 10"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_activations(text, rng, tmp_path):
    f = actlab.define(text, beta=1.3) if "beta" in text else actlab.define(text)
    model = Sequential([Dense(3, 4), Activation(f), Dense(4, 2)], seed=0)
    x = rng.uniform(-4, 4, size=(9, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x), rtol=1e-5, atol=1e-5)


def test_trainable_activation_exports_its_learned_value(rng, tmp_path):
    model = Sequential([Dense(3, 4), Activation("silu", trainable=("beta",)), Dense(4, 2)],
                       seed=0)
    model.layers[1].params["beta"][...] = 1.7
    x = rng.normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x), rtol=1e-5, atol=1e-5)
    per_channel = Sequential([Dense(3, 4), Activation("silu", trainable="beta", channels=4)])
    with pytest.raises(TypeError, match="per-channel"):
        to_onnx(per_channel)
