"""How closely the PyTorch and ONNX exports reproduce actlab, for every catalogue entry.

For each entry a model ``Dense(3, 16) -> Activation(entry) -> Dense(16, 4)`` (seed 1) is run on
256 inputs drawn uniformly from [-6, 6] (seed 0) and compared with

  * ``to_torch``: float64 outputs and input gradients (for a fixed random output gradient),
    the largest absolute difference from actlab's forward and backward pass;
  * ``to_onnx`` + onnxruntime (CPU, one thread): float32 outputs, the largest absolute
    difference from actlab's float32 ``predict``; ``fn`` marks entries exported as an ONNX local
    function (no ONNX operator of their own).

The tests assert 1e-10 (torch, float64) and 1e-5 (onnxruntime, float32); this prints the
measured figures. Either column is skipped when its package is missing. Run:

    .venv/bin/python benchmarks/export_parity.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import actlab  # noqa: E402
from actlab.nn import Activation, Dense, Sequential, to_onnx, to_torch  # noqa: E402


def _model(name: str, dtype: Any) -> Sequential:
    return Sequential([Dense(3, 16), Activation(name), Dense(16, 4)], seed=1, dtype=dtype)


def torch_gap(name: str, x: np.ndarray, dy: np.ndarray) -> tuple[float, float]:
    """max |Δ output|, max |Δ input gradient| of the torch copy, float64."""
    import torch

    model = _model(name, np.float64)
    y = model.forward(x)
    dx = model.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    yt = to_torch(model)(xt)
    yt.backward(torch.from_numpy(dy))
    return (float(np.abs(yt.detach().numpy() - y).max()),
            float(np.abs(xt.grad.numpy() - dx).max()))


def onnx_gap(name: str, x: np.ndarray, folder: Path) -> tuple[float, bool]:
    """max |Δ output| of onnxruntime against actlab in float32; whether a local function."""
    import onnxruntime as ort

    model = _model(name, np.float32)
    path = folder / f"{name}.onnx"
    proto = to_onnx(model, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    x32 = x.astype(np.float32)
    got = session.run(None, {"x": x32})[0]
    return float(np.abs(got - model.predict(x32)).max()), len(proto.functions) > 0


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def main(stream: Any = sys.stdout) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-6, 6, size=(256, 3))
    dy = rng.normal(size=(256, 4))
    has_torch, has_onnx = _importable("torch"), _importable("onnxruntime")
    out: dict[str, dict[str, float]] = {}
    print(f"{'entry':<14}{'torch Δy f64':>14}{'torch Δdx f64':>15}{'onnx Δy f32':>13}",
          file=stream)
    with tempfile.TemporaryDirectory() as tmp:
        for name in actlab.names():
            row: dict[str, float] = {}
            if has_torch:
                row["torch_y"], row["torch_dx"] = torch_gap(name, x, dy)
            if has_onnx:
                row["onnx_y"], fn = onnx_gap(name, x, Path(tmp))
                row["onnx_function"] = float(fn)
            out[name] = row
            cells = [f"{row[k]:14.1e}" if k in row else f"{'-':>14}"
                     for k in ("torch_y", "torch_dx")]
            onnx_cell = (f"{row['onnx_y']:9.1e}{' fn' if fn else '   '}" if has_onnx
                         else f"{'-':>12}")
            print(f"{name:<14}{cells[0]}{cells[1]} {onnx_cell}", file=stream)
    for key, label in (("torch_y", "torch output (float64)"),
                       ("torch_dx", "torch input gradient (float64)"),
                       ("onnx_y", "onnxruntime output (float32)")):
        values = {n: r[key] for n, r in out.items() if key in r}
        if values:
            worst = max(values, key=values.get)
            print(f"worst {label}: {values[worst]:.1e} ({worst}), over {len(values)} entries",
                  file=stream)
    if has_onnx:
        n_fn = sum(int(r["onnx_function"]) for r in out.values())
        print(f"{n_fn} of {len(out)} entries exported as ONNX local functions", file=stream)
    return out


if __name__ == "__main__":
    main()
