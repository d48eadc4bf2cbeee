"""The two-thread path (``split1``/``split2`` and the native helper thread in _kernels_pool.c).

Whatever the chunking, a split call gives the bits of one unsplit call on the same array; the
helper is restarted in a forked child; concurrent callers share the one helper safely.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import actlab
from actlab.activations import _fast

needs_fast = pytest.mark.skipif(not _fast.available(), reason=_fast.REASON)

SIZES = [8, 2047, 2048, 8191, 8192, 8193, 16_384 + 9, 100_003, 300_001]


def _data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 6).astype(np.float32)
    x[:: max(1, n // 7)] = np.float32(np.inf)  # scalar-path lanes inside chunks too
    return x, rng.standard_normal(n).astype(np.float32)


@needs_fast
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", ["silu", "sigmoid", "relu"])
def test_split_equals_one_call(name, n):
    x, g = _data(n)
    fn = _fast._address(f"{name}_f")
    vjp = _fast._address(f"{name}_vjp")
    ab = (1.0, 1.0) if name == "silu" else (0.0, 0.0)
    one, two = np.empty_like(x), np.empty_like(x)
    _fast._MOD.apply1(fn, x, one, *ab)
    _fast._MOD.split1(fn, x, two, *ab)
    np.testing.assert_array_equal(two, one)
    _fast._MOD.apply2(vjp, g, x, one, *ab)
    _fast._MOD.split2(vjp, g, x, two, *ab)
    np.testing.assert_array_equal(two, one)


@needs_fast
def test_split_rejects_bad_buffers():
    fn = _fast._address("relu_f")
    x = np.zeros(10, np.float32)
    with pytest.raises(TypeError):
        _fast._MOD.split1(fn, x.astype(np.float64), x, 0.0, 0.0)
    with pytest.raises(ValueError):
        _fast._MOD.split1(fn, x, np.zeros(9, np.float32), 0.0, 0.0)
    with pytest.raises(TypeError):
        _fast._MOD.split2(fn, x, x, 0.0, 0.0)


def _child(queue) -> None:
    x, _ = _data(300_001)
    queue.put(actlab.get("gelu")(x).tobytes())


@needs_fast
def test_forked_child_starts_its_own_helper():
    x, _ = _data(300_001)
    want = actlab.get("gelu")(x)  # the parent's helper is running
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    got = np.frombuffer(queue.get(timeout=60), np.float32)
    proc.join(60)
    assert proc.exitcode == 0
    np.testing.assert_array_equal(got, want)


@needs_fast
def test_many_threads_share_the_helper():
    act = actlab.get("tanh")
    inputs = [_data(n)[0] for n in (8192, 100_003, 300_001, 20_000)] * 2
    wants = [act(x) for x in inputs]
    results: list = [None] * len(inputs)

    def work(i):
        for _ in range(20):
            results[i] = act.backward(inputs[i], inputs[i])
        results[i] = (results[i], act(inputs[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, want, (b, f) in zip(inputs, wants, results):
        np.testing.assert_array_equal(f, want)
        np.testing.assert_array_equal(b, act.backward(x, x))


def _pool_threads() -> list[Path]:
    return [t for t in Path("/proc/self/task").iterdir()
            if (t / "comm").read_text().strip() == "actlab-pool"]


@needs_fast
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_the_helper_blocks_signals():
    act = actlab.get("sigmoid")
    with _fast.limit_threads(2):
        act(_data(100_003)[0])  # the helper is running
    pool = _pool_threads()
    assert len(pool) == 1
    status = dict(line.split(":\t") for line in (pool[0] / "status").read_text().splitlines()
                  if ":\t" in line)
    blocked = int(status["SigBlk"], 16)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGCHLD, signal.SIGUSR1):
        assert blocked >> (int(sig) - 1) & 1, sig.name  # Python's handlers run on its threads
    # and this thread (the caller) still takes them
    mine = dict(line.split(":\t") for line in Path("/proc/thread-self/status").read_text()
                .splitlines() if ":\t" in line)
    assert not int(mine["SigBlk"], 16) >> (int(signal.SIGINT) - 1) & 1


def test_set_num_threads_checks_and_restores():
    before = _fast.get_num_threads()
    for bad in (0, -1, 1.5, "2", True, None):
        with pytest.raises(ValueError, match="positive integer"):
            _fast.set_num_threads(bad)
    assert _fast.get_num_threads() == before
    with _fast.limit_threads(1):
        assert _fast.get_num_threads() == 1
        with _fast.limit_threads(8):
            assert _fast.get_num_threads() == 2  # the caller and one helper at most
        assert _fast.get_num_threads() == 1
    assert _fast.get_num_threads() == before


@needs_fast
def test_one_thread_gives_the_same_bits():
    x, g = _data(300_001)
    act = actlab.get("gelu")
    with _fast.limit_threads(2):
        two = act(x), act.backward(g, x)
    with _fast.limit_threads(1):
        one = act(x), act.backward(g, x)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


@pytest.mark.parametrize(("value", "want"), [("1", "1"), ("2", "2"), ("16", "2"), ("", "2"),
                                             ("zero", "ACTLAB_NUM_THREADS"),
                                             ("0", "ACTLAB_NUM_THREADS")])
def test_num_threads_from_the_environment(value, want):
    code = "from actlab.activations import get_num_threads; print(get_num_threads())"
    env = {**os.environ, "ACTLAB_NUM_THREADS": value}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert want in (res.stdout if want.isdigit() else res.stderr)
    assert (res.returncode == 0) == want.isdigit()


@needs_fast
@pytest.mark.parametrize("n", [100, 300_001])
def test_identity_copies_every_bit(n):
    bits = np.random.default_rng(n).integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)  # NaN payloads, signalling NaNs, subnormals, infinities
    act = actlab.get("identity")
    with _fast.limit_threads(2):
        out = act(x, out=np.empty_like(x))
        same = act(x, out=x)
    np.testing.assert_array_equal(out.view(np.uint32), bits)
    assert same is x and np.array_equal(x.view(np.uint32), bits)
