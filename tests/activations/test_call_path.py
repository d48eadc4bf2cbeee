"""The public call's C-level fast path (``_kernels_call.c``, ``_hot.records``).

``Activation.__call__`` and ``.backward`` hand plain float32 calls straight to C, which returns
``None`` for anything else. These tests pin down both halves: a plain call takes the C path (the
Python binding is never consulted) and gives the bits of the general path; every other call --
aliasing, layouts, dtypes, masked arrays, bad shapes, other axes, non-finite rows -- gives what
the general path gives (values or errors).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import actlab
from actlab import nn
from actlab.activations import _fast, registry

needs_fast = pytest.mark.skipif(not _fast.available(), reason=_fast.REASON)
pytestmark = needs_fast

NAMES = registry.names()
ROWS = ("softmax", "log_softmax")


def _x(shape, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(np.float32)


def _general(monkeypatch, act, *args, backward=False, grad=False, **kw):
    """The result of the general path: the C fast path switched off for this call."""
    with monkeypatch.context() as m:
        m.setattr(act, "_hot", (None,) * 3)
        return (act.backward if backward else act.grad if grad else act)(*args, **kw)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.fixture(autouse=True)
def _compiled(monkeypatch):
    monkeypatch.setattr(_fast, "_ENABLED", True)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [1, 1000, 200_000])  # the last splits across two threads
def test_plain_calls_run_in_c_with_the_general_paths_bits(monkeypatch, name, n):
    act = actlab.get(name)
    shape = (n // 1000, 1000) if n >= 1000 else (n,)
    x, g = _x(shape), _x(shape, 1)
    want_y = _general(monkeypatch, act, x)
    want_dx = _general(monkeypatch, act, g, x, want_y, backward=True)
    want_d = None if act.vector else _general(monkeypatch, act, x, grad=True)
    monkeypatch.setattr(_fast, "bind", None)  # the Python binding would fail if consulted
    act = actlab.get(name)
    _same(act(x), want_y)
    out = np.empty_like(x)
    assert act(x, out=out) is out
    _same(out, want_y)
    _same(act.backward(g, x, want_y), want_dx)
    dout = np.empty_like(x)
    assert act.backward(g, x, want_y, out=dout) is dout
    _same(dout, want_dx)
    if want_d is not None:
        _same(act.grad(x), want_d)
        assert act.grad(x, out=out) is out
        _same(out, want_d)
    if name not in ROWS:  # elementwise: in place, also through another view of the same memory
        xi = x.copy()
        assert act(xi, out=xi) is xi
        _same(xi, want_y)
        gi = g.copy()
        view = gi[...]
        assert act.backward(gi, x, want_y, out=view) is view
        _same(gi, want_dx)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu", "softmax"])
def test_other_calls_fall_back_to_the_general_path(monkeypatch, name):
    act = actlab.get(name)
    x, g = _x((4, 64)), _x((4, 64), 1)
    y = act(x)
    want = act.backward(g, x, y)
    # out partly overlapping x: the general path computes into a temporary first
    buf = np.concatenate([x.ravel(), np.zeros(32, np.float32)])
    xs, os = buf[:256].reshape(4, 64), buf[32:].reshape(4, 64)
    _same(act(xs, out=os), y)
    # rows read a row again after writing it: in place goes through the general path
    xi = x.copy()
    _same(act(xi, out=xi), y)
    # layouts, dtypes, subclasses
    _same(act(np.asfortranarray(x)), y)
    assert np.allclose(act(x.astype(np.float64)), y, rtol=1e-5, atol=1e-6)
    masked = np.ma.MaskedArray(x, mask=np.zeros_like(x, bool))
    if name in ROWS:
        with pytest.raises(TypeError, match="masked"):
            act(masked)
    else:
        _same(np.ma.getdata(act(masked)), y)
    _same(act.backward(g, np.asfortranarray(x), y), want)
    # errors are the general path's
    with pytest.raises(ValueError, match="y has shape"):
        act.backward(g, x, y[:2])
    with pytest.raises(ValueError, match="out has shape"):
        act(x, out=np.empty((3, 64), np.float32))
    ro = np.empty_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        act(x, out=ro)


@pytest.mark.parametrize("name", ROWS)
def test_rows_fall_back_for_other_axes_and_non_finite_rows(monkeypatch, name):
    x = _x((6, 40))
    x[2, 3], x[4, 0] = np.inf, np.nan
    for axis in (-1, 1, 0, -2):
        act = actlab.get(name, axis=axis)
        got = act(x)
        _same(got, _general(monkeypatch, act, x))
        g = _x((6, 40), 1)
        _same(act.backward(g, x, got), _general(monkeypatch, act, g, x, got, backward=True))


def test_the_switch_applies_per_call(monkeypatch):
    act = actlab.get("sigmoid")
    x = _x((300_000,))
    want = act(x)
    calls = []
    real = _fast._MOD.call
    monkeypatch.setattr(_fast._MOD, "call", lambda *a: calls.append(1) or real(*a))
    _same(act(x), want)
    assert calls == [1]
    monkeypatch.setattr(_fast, "_ENABLED", False)  # the NumPy path: within a few ulp
    np.testing.assert_allclose(act(x), want, rtol=1e-6, atol=0)
    assert calls == [1]
    monkeypatch.setattr(_fast, "_ENABLED", True)
    with actlab.activations.limit_threads(1):  # one thread: the same bits
        _same(act(x), want)
    assert calls == [1, 1]


def test_hot_records_check_their_arguments():
    mod = _fast._MOD
    common = (_fast._SPLIT_AT, np.ndarray, np.empty_like)
    with pytest.raises(ValueError, match="bad kind"):
        mod.hot(_fast._COPY, 7, 0.0, 0.0, 0, 0, -1, *common)
    with pytest.raises(ValueError):
        mod.hot(_fast._COPY, 0, 0.0, 0.0, 0, 0, -1, [1], np.ndarray, np.empty_like)
    with pytest.raises(TypeError, match="takes 3 arguments"):
        mod.call(None, None)
    with pytest.raises(ValueError):  # not a record
        mod.call(object(), np.zeros(3, np.float32), None)
    h = mod.hot(_fast._COPY, 0, 0.0, 0.0, 0, 0, -1, *common)
    assert mod.call_vjp(h, *(np.zeros(3, np.float32),) * 3, None) is None  # a forward record
    x = np.arange(5, dtype=np.float32)
    _same(mod.call(h, x, None), x)
    for bad in (x.astype(np.float64), x[::2], np.float32(1.0), x[:1].reshape(()), [1.0]):
        assert mod.call(h, bad, None) is None


@pytest.mark.parametrize("name", ROWS)
@pytest.mark.parametrize("from_y", [True, False])
def test_row_vjps_hand_rows_with_non_finite_gradients_to_numpy(monkeypatch, name, from_y):
    """The row vjps see a non-finite g in their float64 sums and leave that row to the NumPy
    formula; a finite g whose float32 partial sums overflow is still computed (to the float64
    result); the other rows keep the compiled kernels' bits."""
    act = actlab.get(name)
    x, g = _x((6, 40)), _x((6, 40), 1)
    g[1, 3], g[2, 39], g[3, 0] = np.inf, -np.inf, np.nan
    g[4, 0] = g[4, 8] = g[4, 16] = 3e38  # finite, but g_0 + g_8 overflows float32
    y = act(x)
    args = (g, None, y) if from_y else (g, x)
    got = act.backward(*args)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    ref = act.backward(g64, None, act(x64)) if from_y else act.backward(g64, x64)
    np.testing.assert_allclose(got[4], ref[4], rtol=1e-6)
    rows = [0, 5]  # ordinary rows: the compiled kernels' bits, whatever the other rows hold
    _same(got[rows], act.backward(g[rows], None, y[rows]) if from_y
          else act.backward(g[rows], x[rows]))
    monkeypatch.setattr(_fast, "_ENABLED", False)
    want = act.backward(*args)
    np.testing.assert_allclose(got[1:4], want[1:4], rtol=1e-5, atol=1e-6, equal_nan=True)


def test_copies_of_a_used_activation_and_of_a_trained_model_work():
    """The C records cannot be copied or pickled: copies start without them (the torch export
    deep-copies layers of trained models; studies send activations to loky or Dask workers)."""
    act = actlab.get("leaky_relu", alpha=0.2)
    x = _x((50,))
    y = act(x)  # the records exist now
    cloudpickle = pytest.importorskip("cloudpickle")  # what loky and Dask send work with
    for c in (copy.copy(act), copy.deepcopy(act), cloudpickle.loads(cloudpickle.dumps(act))):
        assert c == act and c is not act and c.params is not act.params
        _same(c(x), y)
    model = nn.Sequential([nn.Dense(3, 4), nn.Activation("tanh"), nn.Dense(4, 1)], seed=0,
                          dtype=np.float32)
    xb = _x((5, 3))
    out = model.forward(xb)
    _same(copy.deepcopy(model).forward(xb), out)
