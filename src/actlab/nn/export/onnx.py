"""``to_onnx``: an actlab ``Sequential`` as an ONNX model, built with ``onnx.helper`` (no torch).

The graph is the evaluation-mode network (dropout is the identity, BatchNorm uses its running
statistics). Opset 20 by default: ``Gelu`` (exact and tanh) is an operator from opset 20, ``Mish``
from 18. Catalogue entries without an operator (silu with ``beta``, the sigmoid GELU, softplus
with ``beta``, log_sigmoid) become ONNX *local functions* in the ``actlab`` domain, written from
standard operators, with their parameters as function attributes. Formula activations
(``actlab.define``) are written out from their stable SymPy tree; PAU and APL from operators.
The model passes ``onnx.checker.check_model(model, full_check=True)``; onnxruntime reproduces
actlab's float32 output to 1e-5 (tested).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..conv import Conv1d, Conv2d, MaxPool1d, MaxPool2d, Unflatten
from ..layers import Activation, BatchNorm, Dense, Dropout, Flatten, PReLU
from ..model import Sequential
from . import _common
from ._common import rank_after

DOMAIN = "actlab"
MIN_OPSET = 20
SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("actlab.nn.to_onnx needs onnx: pip install 'actlab[onnx]'") from None
    return onnx


class _Graph:
    """Nodes, initializers and local functions collected while walking the layers."""

    def __init__(self, onnx: Any, dtype: np.dtype, opset: int) -> None:
        self.onnx, self.h, self.dtype, self.opset = onnx, onnx.helper, dtype, opset
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.functions: dict[str, Any] = {}
        self.count = 0

    def name(self, base: str) -> str:
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, base: str, value: Any, dtype: Any = None) -> str:
        name = self.name(base)
        arr = np.asarray(value, dtype=dtype or self.dtype)
        self.inits.append(self.onnx.numpy_helper.from_array(arr, name))
        return name

    def node(self, op: str, inputs: list[str], domain: str = "", **attrs: Any) -> str:
        out = self.name(op.lower())
        self.nodes.append(self.h.make_node(op, inputs, [out], domain=domain, **attrs))
        return out

    # ------------------------------------------------------------------ local functions
    def function(self, fname: str, params: tuple[str, ...], body: Any) -> None:
        """Define ``actlab.<fname>(X) -> Y`` once; ``body(make, x, p)`` builds its nodes, where
        ``p[name]`` is a parameter cast to X's type."""
        if fname in self.functions:
            return
        h, nodes = self.h, []
        counter = iter(range(10**6))

        def make(op: str, *inputs: str, **attrs: Any) -> str:
            out = f"t{next(counter)}"
            nodes.append(h.make_node(op, list(inputs), [out], **attrs))
            return out

        p = {}
        for k in params:
            ref = h.make_attribute_ref("value_float", self.onnx.AttributeProto.FLOAT,
                                       ref_attr_name=k)
            const = h.make_node("Constant", [], [f"{k}_f"])
            const.attribute.append(ref)
            nodes.append(const)
            p[k] = make("CastLike", f"{k}_f", "X")
        y = body(make, "X", p)
        nodes.append(h.make_node("Identity", [y], ["Y"]))
        self.functions[fname] = h.make_function(
            DOMAIN, fname, ["X"], ["Y"], nodes, [h.make_opsetid("", self.opset)],
            attributes=list(params))

    def call(self, fname: str, x: str, **params: float) -> str:
        return self.node(fname, [x], domain=DOMAIN, **{k: float(v) for k, v in params.items()})


# --------------------------------------------------------------------------- activations
def _activation(g: _Graph, f: Any, x: str) -> str:
    if "expression" in f.spec.extra:  # a formula (actlab.define): its tree as operators
        from ._onnx_expr import formula

        return formula(g, f, x, _activation)
    n, p = f.name, f.params
    simple = {"identity": "Identity", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu",
              "mish": "Mish", "hard_swish": "HardSwish", "softsign": "Softsign"}
    if n in simple:
        return g.node(simple[n], [x])
    if n == "leaky_relu":
        return g.node("LeakyRelu", [x], alpha=float(p["alpha"]))
    if n in ("relu6", "hard_tanh"):
        lo, hi = (0.0, 6.0) if n == "relu6" else (-1.0, 1.0)
        return g.node("Clip", [x, g.const("lo", lo), g.const("hi", hi)])
    if n in ("softmax", "log_softmax"):
        return g.node("Softmax" if n == "softmax" else "LogSoftmax", [x], axis=int(p["axis"]))
    if n in ("elu", "celu"):
        return g.node(n.capitalize(), [x], alpha=float(p["alpha"]))
    if n == "selu":
        return g.node("Selu", [x], alpha=SELU[0], gamma=SELU[1])
    if n == "hard_sigmoid":
        return g.node("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)
    if n == "gelu" and p["approximate"] in ("none", "tanh"):
        return g.node("Gelu", [x], approximate=p["approximate"])
    if n == "gelu":  # x * sigmoid(1.702 x)
        g.function("gelu_sigmoid", ("c",), lambda m, x, q: m("Mul", x, m("Sigmoid",
                                                                           m("Mul", q["c"], x))))
        return g.call("gelu_sigmoid", x, c=1.702)
    if n == "silu":  # x * sigmoid(beta x)
        g.function("silu", ("beta",), lambda m, x, q: m("Mul", x, m("Sigmoid",
                                                                     m("Mul", q["beta"], x))))
        return g.call("silu", x, beta=p["beta"])
    if n == "softplus":  # softplus(beta x) / beta
        g.function("softplus", ("beta",), lambda m, x, q: m("Div", m("Softplus", m(
            "Mul", q["beta"], x)), q["beta"]))
        return g.call("softplus", x, beta=p["beta"])
    if n == "log_sigmoid":  # -softplus(-x)
        g.function("log_sigmoid", (), lambda m, x, q: m("Neg", m("Softplus", m("Neg", x))))
        return g.call("log_sigmoid", x)
    raise TypeError(f"to_onnx: no ONNX form for activation {f!r}")


# --------------------------------------------------------------------------- layers
def _channel_shape(n: int, rank: int | None) -> tuple[int, ...]:
    return (n,) + (1,) * max(0, (rank or 2) - 2)


def _layer(g: _Graph, layer: Any, x: str, rank: int | None) -> str:
    p = layer.params
    if isinstance(layer, Dense):
        ins = [x, g.const("W", p["W"])] + ([g.const("b", p["b"])] if layer.bias else [])
        return g.node("Gemm", ins)
    if isinstance(layer, Activation):
        f = layer.learned()  # a trainable activation at its current parameters
        if isinstance(f, list):
            raise TypeError(f"to_onnx: no ONNX form yet for per-channel trainable {layer!r}")
        return _activation(g, f, x)
    if isinstance(layer, Flatten):
        return g.node("Flatten", [x], axis=1)
    if isinstance(layer, Dropout):
        return g.node("Identity", [x])
    if isinstance(layer, Unflatten):
        return g.node("Reshape", [x, g.const("shape", (0, *layer.shape), np.int64)])
    if isinstance(layer, PReLU):
        n = layer.num_parameters
        slope = p["alpha"].reshape(_channel_shape(n, rank) if n > 1 else (1,))
        return g.node("PRelu", [x, g.const("slope", slope)])
    if isinstance(layer, BatchNorm):
        c = layer.num_features
        scale = p["gamma"] if layer.affine else np.ones(c)
        shift = p["beta"] if layer.affine else np.zeros(c)
        ins = [x, g.const("scale", scale), g.const("bias", shift),
               g.const("mean", layer.buffers["running_mean"]),
               g.const("var", layer.buffers["running_var"])]
        return g.node("BatchNormalization", ins, epsilon=layer.eps)
    if isinstance(layer, (Conv1d, Conv2d)):
        ins = [x, g.const("W", p["W"])] + ([g.const("b", p["b"])] if layer.bias else [])
        return g.node("Conv", ins, kernel_shape=list(layer.kernel_size),
                      strides=list(layer.stride), pads=list(layer.padding) * 2)
    if isinstance(layer, (MaxPool1d, MaxPool2d)):
        return g.node("MaxPool", [x], kernel_shape=list(layer.kernel_size),
                      strides=list(layer.stride), pads=list(layer.padding) * 2)
    if type(layer).__name__ == "APL":
        return _apl(g, layer, x, rank)
    if type(layer).__name__ == "PAU":
        return _pau(g, layer, x, rank)
    raise TypeError(f"to_onnx: no ONNX form for layer {layer!r}")


def _coefficient(g: _Graph, column: np.ndarray, rank: int | None) -> str:
    """One coefficient per channel (axis 1) as a constant broadcasting against the input."""
    n = len(column)
    return g.const("c", column.reshape(_channel_shape(n, rank) if n > 1 else (1,)))


def _apl(g: _Graph, layer: Any, x: str, rank: int | None) -> str:
    """relu(x) + sum_s a_s relu(b_s - x)."""
    y = g.node("Relu", [x])
    for s in range(layer.hinges):
        a, b = (_coefficient(g, layer.params[k][:, s], rank) for k in ("a", "b"))
        y = g.node("Add", [y, g.node("Mul", [a, g.node("Relu", [g.node("Sub", [b, x])])])])
    return y


def _horner(g: _Graph, coeffs: np.ndarray, x: str, rank: int | None, absolute: bool = False
            ) -> str:
    """sum_j c_j x^j for the columns of ``coeffs`` (|c_j| |x|^j with ``absolute``)."""
    cols = [np.abs(c) if absolute else c for c in coeffs.T]
    y = _coefficient(g, cols[-1], rank)
    for c in reversed(cols[:-1]):
        y = g.node("Add", [g.node("Mul", [y, x]), _coefficient(g, c, rank)])
    return y


def _pau(g: _Graph, layer: Any, x: str, rank: int | None) -> str:
    """P(x)/Q(x) evaluated directly (actlab switches to a scaled form where a power would
    overflow, |x| beyond about 1e7 in float32 for degree 5)."""
    num, den = layer.params["numerator"], layer.params["denominator"]
    p = _horner(g, num, x, rank)
    if layer.version == "C":  # Q = 0.1 + |sum_{k=0}^n b_k x^k|
        q = g.node("Add", [g.const("q0", 0.1), g.node("Abs", [_horner(g, den, x, rank)])])
    else:  # the sum starts at x^1: x * sum_k b_k x^(k-1)
        ax = g.node("Abs", [x]) if layer.version == "A" else x
        inner = g.node("Mul", [ax, _horner(g, den, ax, rank, absolute=layer.version == "A")])
        q = g.node("Add", [g.const("q0", 1.0),
                           inner if layer.version == "A" else g.node("Abs", [inner])])
    return g.node("Div", [p, q])


def _output_shape(model: Sequential, shape: list[Any], rank: int | None) -> list[Any]:
    """Batch axis ``N`` and the output's other sizes (from one zero sample when the input's
    sizes are known, else symbolic)."""
    if all(isinstance(d, int) for d in shape[1:]):
        return ["N", *model.predict(np.zeros([1, *shape[1:]], model.dtype)).shape[1:]]
    return ["N", *[f"out{i}" for i in range((rank or len(shape)) - 1)]]


def to_onnx(model: Sequential, path: str | Path | None = None, *, opset: int = MIN_OPSET,
            input_shape: list[Any] | None = None, dtype: Any = np.float32) -> Any:
    """``model`` as an ``onnx.ModelProto`` (input ``"x"``, output ``"y"``, batch axis ``N``);
    written to ``path`` (atomically) when given.

    ``input_shape`` overrides the inferred input shape (strings name symbolic axes). ``dtype``
    is the graph's float type, float32 by default whatever the model's dtype: a float64 graph is
    valid ONNX, but onnxruntime 1.32 has no double kernels for Elu, Selu, Softplus, Erf (GELU),
    LeakyRelu, HardSigmoid and Softsign.
    """
    onnx = _onnx()
    if not isinstance(model, Sequential):
        raise TypeError(f"to_onnx expects an actlab.nn.Sequential, got {type(model).__name__}")
    if opset < MIN_OPSET:
        raise ValueError(f"opset must be at least {MIN_OPSET} (Gelu), got {opset}")
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    g = _Graph(onnx, dtype, opset)
    x, rank = "x", None
    for layer in model.layers:
        x = _layer(g, layer, x, rank)
        rank = rank_after(layer, rank)
    g.nodes.append(g.h.make_node("Identity", [x], ["y"]))
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    shape = input_shape if input_shape is not None else _common.input_shape(model)
    graph = g.h.make_graph(
        g.nodes, "actlab", [g.h.make_tensor_value_info("x", elem, shape)],
        [g.h.make_tensor_value_info("y", elem, _output_shape(model, shape, rank))],
        initializer=g.inits)
    opsets = [g.h.make_opsetid("", opset)]
    if g.functions:
        opsets.append(g.h.make_opsetid(DOMAIN, 1))
    proto = g.h.make_model(graph, opset_imports=opsets, functions=list(g.functions.values()),
                           producer_name="actlab", ir_version=10)
    if path is not None:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(proto.SerializeToString())
        tmp.replace(path)
    return proto
