"""The compiled one-pass optimizer steps give bit for bit the NumPy steps of nn/optim.py."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import _fast, limit_threads
from actlab.nn import SGD, Adam

needs_fast = pytest.mark.skipif(not _fast.available(), reason=_fast.REASON)

OPTIMIZERS = {
    "sgd": lambda: SGD(lr=0.1),
    "momentum": lambda: SGD(lr=0.05, momentum=0.9),
    "nesterov": lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
    "decay": lambda: SGD(lr=0.05, momentum=0.5, weight_decay=0.1),
    "adam": lambda: Adam(lr=0.01),
    "adamw": lambda: Adam(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
}


def _run(make, dtype, fast: bool, monkeypatch) -> list[np.ndarray]:
    monkeypatch.setattr(_fast, "_ENABLED", fast)
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s).astype(dtype) for s in ((33, 17), (17,), (5, 3, 2), (1,))]
    params.append(np.asfortranarray(rng.standard_normal((4, 6)).astype(dtype)))  # NumPy path
    params.append(rng.standard_normal((300, 260)).astype(dtype))  # split over two threads
    opt = make()
    for step in range(7):
        grads = [(rng.standard_normal(p.shape) * 10.0 ** (step - 3)).astype(dtype)
                 for p in params]
        grads[0][0, :3] = [0.0, 1e-30, -1e18]  # zero, tiny and huge gradients
        with limit_threads(2):
            opt.step(params, grads, [True, False, True, True, True, True])
    return params


@needs_fast
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fused_step_is_bit_identical(name, dtype, monkeypatch):
    fused = _run(OPTIMIZERS[name], dtype, True, monkeypatch)
    plain = _run(OPTIMIZERS[name], dtype, False, monkeypatch)
    for a, b in zip(fused, plain):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8),
                                      np.ascontiguousarray(b).view(np.uint8))


@needs_fast
def test_aliased_gradient_falls_back():
    p = np.arange(8.0, dtype=np.float32)
    SGD(lr=0.5).step([p[1:]], [p[:-1]])  # partial overlap: NumPy's buffered semantics
    q = np.arange(8.0, dtype=np.float32)
    q[1:] -= q[:-1] * np.float32(0.5)
    np.testing.assert_array_equal(p, q)
