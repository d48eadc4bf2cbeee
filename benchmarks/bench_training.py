"""Training-step throughput: actlab vs PyTorch (CPU) vs JAX jit vs scikit-learn vs plain NumPy.

One process, BLAS and torch pinned to the same number of threads (2 by default), interleaved
best-of-N timing: every repeat runs each implementation in turn on the same K batches, and the
fastest repeat of each is kept (the least disturbed by other processes on a shared machine).

Cases (float32, SGD, same initial weights and batches for every framework)
  * MLP 784-512-512-10 with relu and with gelu (exact erf form) at batch 32, 128 and 512:
    actlab, torch, JAX and, for relu at batch 128, scikit-learn (solver="sgd", momentum 0,
    alpha 0; its float64 default and float32 input are separate rows). The GEMM column is the
    time of the step's matrix products alone (NumPy, the same shapes): the floor, and
    actlab - GEMM is actlab's non-GEMM overhead per step.
  * The MNIST-1D CNN (three Conv1d of 25 channels + linear read-out), batch 128.
  * A 2-D CNN on 28 x 28 MNIST: Conv2d 1->32 3x3, relu, MaxPool2d 2, Conv2d 32->64 3x3, relu,
    MaxPool2d 2, Dense 1600->10; batch 128.
  * Tiny networks (what an interactive or teaching loop runs): 2-8-8-1 and 2-32-32-32-1 with
    tanh, MSE, batch 10 and 30, against a plain hand-written NumPy loop (``numpy`` column:
    forward, backward and update in a dozen NumPy lines) as well as torch and JAX.

Two thread pools share this process (OpenBLAS for numpy/actlab and scikit-learn, OpenMP for
torch). OpenBLAS's workers busy-wait after each call (about 0.1 s by default), so in interleaved
timing they steal the cores from the torch run that follows: torch at 2 threads measured 6.5 ms
per MLP step here against 3.8 ms alone. ``OPENBLAS_THREAD_TIMEOUT=4`` (set below, before numpy
loads) makes them sleep almost at once; with it torch runs at its standalone speed. JAX (XLA's
own thread pool) is skipped when jax is not importable in this interpreter.

Data: MNIST from ../shared/datasets/mnist relative to the repository when present (else random
numbers of the same shape), MNIST-1D-shaped random signals for the 1-D CNN; step times do not
depend on the values. Run:  .venv/bin/python benchmarks/bench_training.py [--threads 2]
[--repeats 5] [--quick] [--only mlp cnn1d cnn2d tiny] [--json out.json]
"""

from __future__ import annotations

import os

# Before numpy loads OpenBLAS: idle BLAS workers must not spin through torch's timed runs.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = ROOT.parent / "shared" / "datasets" / "mnist"


def load_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from actlab.data import mnist

        ds = mnist(MNIST_DIR)
        return ds.X_train[:n].astype(np.float32), ds.y_train[:n], "MNIST (first rows)"
    except (FileNotFoundError, ValueError):
        rng = np.random.default_rng(seed)
        X = rng.random((n, 784), dtype=np.float32)
        return X, rng.integers(0, 10, n), "random (MNIST files not found)"


# --------------------------------------------------------------------------- runners
def actlab_runner(model, optimizer, X, y, batches, loss="xent"):
    """What ``fit``'s loop does per step (without its shuffling and bookkeeping), on batches cut
    beforehand like the other runners', inside one ``quiet()`` as in ``fit``."""
    from actlab.nn import get_loss, quiet

    loss = get_loss("mse" if loss == "mse" else "softmax_cross_entropy")
    params, grads = model.parameters(), model.gradients()
    mask = model.decay_mask()
    data = [(X[idx], y[idx]) for idx in batches]

    def run():
        with quiet():
            for xb, yb in data:
                out = model.forward(xb, training=True)
                _, dout = loss.value_and_grad(out, yb)
                model.backward(dout, need_input_grad=False)
                optimizer.step(params, grads, mask)
    return run


def torch_runner(torch, tmodel, lr, X, y, batches, loss="xent"):
    opt = torch.optim.SGD(tmodel.parameters(), lr=lr)
    xb = [torch.from_numpy(np.ascontiguousarray(X[idx])) for idx in batches]
    yb = [torch.from_numpy(y[idx]) for idx in batches]
    F = torch.nn.functional
    lossf = F.mse_loss if loss == "mse" else F.cross_entropy

    def run():
        for a, b in zip(xb, yb):
            opt.zero_grad(set_to_none=True)
            lossf(tmodel(a), b).backward()
            opt.step()
    return run


def sklearn_runner(hidden, lr, X, y, batches, dtype):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    idx = np.concatenate(batches)  # consecutive batches of 128: shuffle=False replays them
    Xs, ys = X[idx].astype(dtype), y[idx]
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="sgd",
                        learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                        alpha=0.0, batch_size=len(batches[0]), max_iter=1, shuffle=False,
                        random_state=0, tol=0.0)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xs, ys)  # one epoch = len(batches) SGD steps (re-initialises each call)
    return run


def to_torch(torch, model):
    """Mirror an actlab Sequential (Dense, Activation, Conv1d/2d, MaxPool2d, Flatten, Unflatten)."""
    from actlab.nn.conv import Conv1d, Conv2d, MaxPool2d, Unflatten
    from actlab.nn.layers import Activation, Dense, Flatten

    mods = []
    for layer in model:
        if isinstance(layer, Dense):
            m = torch.nn.Linear(layer.in_features, layer.out_features)
            m.weight.data.copy_(torch.from_numpy(layer.params["W"].T.copy()))
            m.bias.data.copy_(torch.from_numpy(layer.params["b"]))
        elif isinstance(layer, (Conv1d, Conv2d)):
            cls = torch.nn.Conv1d if isinstance(layer, Conv1d) else torch.nn.Conv2d
            m = cls(layer.in_channels, layer.out_channels, layer.kernel_size,
                    stride=layer.stride, padding=layer.padding)
            m.weight.data.copy_(torch.from_numpy(layer.params["W"]))
            m.bias.data.copy_(torch.from_numpy(layer.params["b"]))
        elif isinstance(layer, MaxPool2d):
            m = torch.nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, Activation):
            m = {"relu": torch.nn.ReLU(), "gelu": torch.nn.GELU(), "tanh": torch.nn.Tanh()}[
                layer.name]
        elif isinstance(layer, Flatten):
            m = torch.nn.Flatten()
        elif isinstance(layer, Unflatten):
            m = torch.nn.Unflatten(1, layer.shape)
        else:
            raise TypeError(layer)
        mods.append(m)
    return torch.nn.Sequential(*mods)


def jax_runner(jax, model, lr, X, y, batches, loss="xent"):
    """The same network as a jit-compiled JAX training step (SGD), or None for other layers."""
    import jax.numpy as jnp
    from jax import lax

    from actlab.nn.conv import Conv1d, Conv2d, MaxPool2d, Unflatten
    from actlab.nn.layers import Activation, Dense, Flatten

    acts = {"relu": jax.nn.relu, "gelu": lambda v: jax.nn.gelu(v, approximate=False),
            "tanh": jnp.tanh}
    params, fns = [], []
    for layer in model:
        if isinstance(layer, Dense):
            params.append((jnp.asarray(layer.params["W"]), jnp.asarray(layer.params["b"])))
            fns.append(lambda p, v: v @ p[0] + p[1])
        elif isinstance(layer, (Conv1d, Conv2d)):
            params.append((jnp.asarray(layer.params["W"]), jnp.asarray(layer.params["b"])))
            dims = ("NCH", "OIH", "NCH") if isinstance(layer, Conv1d) else ("NCHW", "OIHW",
                                                                            "NCHW")
            pad = [(q, q) for q in layer.padding]
            bshape = (1, -1) + (1,) * len(layer.kernel_size)

            def conv(p, v, s=layer.stride, pad=pad, dims=dims, bshape=bshape):
                out = lax.conv_general_dilated(v, p[0], s, pad, dimension_numbers=dims)
                return out + p[1].reshape(bshape)

            fns.append(conv)
        elif isinstance(layer, MaxPool2d):
            params.append(())
            k, st = layer.kernel_size, layer.stride
            fns.append(lambda p, v, k=k, st=st: lax.reduce_window(
                v, -jnp.inf, lax.max, (1, 1) + k, (1, 1) + st, "VALID"))
        elif isinstance(layer, Activation):
            params.append(())
            fns.append(lambda p, v, f=acts[layer.name]: f(v))
        elif isinstance(layer, Flatten):
            params.append(())
            fns.append(lambda p, v: v.reshape(v.shape[0], -1))
        elif isinstance(layer, Unflatten):
            params.append(())
            fns.append(lambda p, v, shape=layer.shape: v.reshape((v.shape[0],) + shape))
        else:
            return None

    def loss_fn(ps, xb, yb):
        v = xb
        for p, f in zip(ps, fns):
            v = f(p, v)
        if loss == "mse":
            return jnp.mean((v - yb) ** 2)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(v), yb[:, None], axis=1))

    @jax.jit
    def step(ps, xb, yb):
        grads = jax.grad(loss_fn)(ps, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, ps, grads)

    xb = [jax.device_put(np.ascontiguousarray(X[idx])) for idx in batches]
    yb = [jax.device_put(y[idx]) for idx in batches]
    state = {"p": params}

    def run():
        ps = state["p"]
        for a, b in zip(xb, yb):
            ps = step(ps, a, b)
        jax.block_until_ready(ps)
        state["p"] = ps
    return run


def numpy_runner(sizes, lr, X, y, batches, seed=0):
    """A tiny tanh MLP with MSE as a plain hand-written NumPy loop (the yardstick for actlab)."""
    rng = np.random.default_rng(seed)
    Ws = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
          for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    data = [(X[idx], y[idx]) for idx in batches]
    lr32 = np.float32(lr)

    def run():
        for xb, yb in data:
            hs = [xb]
            for W, b in zip(Ws[:-1], bs[:-1]):
                hs.append(np.tanh(hs[-1] @ W + b))
            out = hs[-1] @ Ws[-1] + bs[-1]
            d = (out - yb) * np.float32(2.0 / out.size)
            for i in range(len(Ws) - 1, -1, -1):
                gW, gb = hs[i].T @ d, d.sum(axis=0)
                if i:
                    d = (d @ Ws[i].T) * (1 - hs[i] * hs[i])
                Ws[i] -= lr32 * gW
                bs[i] -= lr32 * gb
    return run


def gemm_runner(model, X, batches):
    """Only the step's matrix products (forward, dW, and dx except into the first layer)."""
    from actlab.nn.layers import Dense

    Ws = [layer.params["W"] for layer in model if isinstance(layer, Dense)]
    data = [X[idx] for idx in batches]

    def run():
        for xb in data:
            hs = [xb]
            for W in Ws:
                hs.append(hs[-1] @ W)
            d = hs[-1]
            for i in range(len(Ws) - 1, -1, -1):
                hs[i].T @ d
                if i:
                    d = d @ Ws[i].T
    return run


def settle(seconds: float = 0.01) -> None:
    """Busy-wait on this thread while the other contenders' threads (torch's OpenMP workers
    spin 2-5 ms after a parallel call) go idle; a sleep would start the next timing cold."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def best_of(runners: dict, repeats: int, steps: int) -> dict[str, float]:
    """Interleaved best-of-N: seconds per step for each runner, each timed after 10 ms of quiet."""
    for run in runners.values():  # warm-up (allocations, lazy initialisation)
        run()
    best = {name: float("inf") for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            settle()
            t0 = time.perf_counter()
            run()
            best[name] = min(best[name], (time.perf_counter() - t0) / steps)
    return best


# --------------------------------------------------------------------------- main
def image_cnn_2d(dtype=np.float32):
    """Conv2d 1->32 3x3, relu, pool 2, Conv2d 32->64 3x3, relu, pool 2, Dense 1600->10."""
    from actlab.nn import Activation, Conv2d, Dense, Flatten, MaxPool2d, Sequential, Unflatten

    return Sequential([Unflatten((1, 28, 28)), Conv2d(1, 32, 3), Activation("relu"),
                       MaxPool2d(2), Conv2d(32, 64, 3), Activation("relu"), MaxPool2d(2),
                       Flatten(), Dense(1600, 10)], seed=0, dtype=dtype)


def tiny_mlp(sizes, dtype=np.float32):
    from actlab.nn import Activation, Dense, Sequential

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b))
        if i < len(sizes) - 2:
            layers.append(Activation("tanh"))
    return Sequential(layers, seed=0, dtype=dtype)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20, help="batches per timed run")
    ap.add_argument("--only", nargs="+", choices=["mlp", "cnn1d", "cnn2d", "tiny"],
                    help="only these groups of cases")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: batch 128 only, 3 repeats, 5 steps")
    ap.add_argument("--no-jax", action="store_true", help="leave out the JAX column")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.steps = min(args.repeats, 3), min(args.steps, 5)

    from threadpoolctl import threadpool_limits

    from actlab.activations import limit_threads

    # actlab's activation kernels use as many threads as BLAS (1: the calling thread only)
    with threadpool_limits(args.threads), limit_threads(args.threads), _one_core(args.threads):
        return _main(args)


@contextlib.contextmanager
def _one_core(threads: int):
    """With --threads 1, this thread (and every thread started from it: XLA's pool) runs on
    one core: XLA's CPU runtime ignores XLA_FLAGS' one-thread settings (JAX's MLP step at batch
    512 measured the same 9.3 ms at --threads 1 and 2), so only the affinity makes its column
    a one-thread number. The affinity is restored afterwards."""
    if threads != 1 or not hasattr(os, "sched_setaffinity"):
        yield
        return
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


def _main(args) -> int:
    try:
        import torch
    except ImportError:
        torch = None
    saved_torch = torch.get_num_threads() if torch is not None else None
    try:
        return _cases(args, torch)
    finally:
        if torch is not None:
            torch.set_num_threads(saved_torch)


def _cases(args, torch) -> int:
    from threadpoolctl import threadpool_info

    if torch is not None:
        torch.set_num_threads(args.threads)
    jax = None
    if args.threads == 1:  # XLA's own pool: one thread too (before jax loads)
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                           "intra_op_parallelism_threads=1")
    if not args.no_jax:
        try:
            import jax
        except ImportError:
            jax = None
    import sklearn

    from actlab.nn import SGD
    from actlab.nn.zoo import mlp, mnist1d_cnn

    groups = set(args.only or ["mlp", "cnn1d", "cnn2d", "tiny"])
    lr, steps = 0.01, args.steps
    batch_sizes = [128] if args.quick else [32, 128, 512]
    X, y, source = load_data(max(batch_sizes) * steps)
    rng = np.random.default_rng(0)

    def batches_of(bs, n=steps):
        return [np.arange(i * bs, (i + 1) * bs) for i in range(n)]

    blas = sorted({f"{d['internal_api']} {d.get('version') or ''} x{d['num_threads']}".strip()
                   for d in threadpool_info()})
    print(f"actlab training benchmark: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}, "
          f"jax {jax.__version__ if jax else 'absent'}, sklearn {sklearn.__version__}")
    print(f"threads pinned: BLAS (threadpoolctl) {args.threads} [{'; '.join(blas)}], "
          f"torch {torch.get_num_threads() if torch else '-'}; "
          f"OPENBLAS_THREAD_TIMEOUT={os.environ.get('OPENBLAS_THREAD_TIMEOUT')}; "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}; "
          f"cores {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '-'}; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print(f"data: {source}; {steps} steps per run; interleaved best of {args.repeats}; "
          f"float32; SGD lr {lr}\n")

    rows = []

    def measure(label, model, data, batches, extra=None, loss="xent"):
        runners = {"actlab": actlab_runner(model, SGD(lr=lr), *data, batches, loss)}
        if torch is not None:
            runners["torch"] = torch_runner(torch, to_torch(torch, model), lr, *data, batches,
                                            loss)
        if jax is not None:
            jr = jax_runner(jax, model, lr, *data, batches, loss)
            if jr is not None:
                runners["jax"] = jr
        runners.update(extra or {})
        best = best_of(runners, args.repeats, len(batches))
        rows.append({"case": label, **{k: v * 1e3 for k, v in best.items()}})
        print(f"  measured {label}", file=sys.stderr)

    if "mlp" in groups:
        for act in ("relu", "gelu"):
            for bs in batch_sizes:
                model = mlp(784, [512, 512], 10, activation=act, seed=0, dtype=np.float32)
                b = batches_of(bs)
                extra = {"gemm": gemm_runner(model, X, b)}
                if act == "relu" and bs == 128:
                    extra["sklearn f64"] = sklearn_runner((512, 512), lr, X, y, b, np.float64)
                    extra["sklearn f32"] = sklearn_runner((512, 512), lr, X, y, b, np.float32)
                measure(f"MLP 784-512-512-10 {act} bs {bs}", model, (X, y), b, extra)
    if "cnn1d" in groups:
        X1 = rng.standard_normal((128 * steps, 40), dtype=np.float32)
        y1 = rng.integers(0, 10, 128 * steps)
        measure("MNIST-1D CNN (3x Conv1d 25ch) bs 128",
                mnist1d_cnn(40, 10, channels=25, activation="relu", seed=0, dtype=np.float32),
                (X1, y1), batches_of(128))
    if "cnn2d" in groups:
        measure("2-D CNN 28x28 (32, 64 ch) bs 128", image_cnn_2d(), (X, y),
                batches_of(128, max(3, steps // 4)))
    if "tiny" in groups:
        Xt = rng.standard_normal((30 * 200, 2), dtype=np.float32)
        yt = rng.standard_normal((30 * 200, 1), dtype=np.float32)
        for sizes in ([2, 8, 8, 1], [2, 32, 32, 32, 1]):
            for bs in (10, 30):
                b = [np.arange(i * bs, (i + 1) * bs) for i in range(10 * steps)]
                measure(f"tiny {'-'.join(map(str, sizes))} tanh bs {bs}", tiny_mlp(sizes),
                        (Xt, yt), b, {"numpy": numpy_runner(sizes, lr, Xt, yt, b)}, loss="mse")

    keys = ["actlab", "torch", "jax", "gemm", "numpy", "sklearn f64", "sklearn f32"]

    def cell(row, key):
        return f"{row[key]:9.3f}" if key in row else f"{'-':>9}"

    def ratio(a, b):
        return f"{a / b:8.2f}x" if a is not None and b is not None else f"{'-':>9}"

    head = (f"{'case':<38}" + "".join(f"{k[:9]:>9}" for k in keys)
            + f"{'act/torch':>10}{'act/jax':>10}{'np/act':>10}{'skl32/act':>10}")
    print("ms per training step (lower is better); ratios of step times "
          "(np/act: steps per second relative to the plain NumPy loop)")
    print(head)
    print("-" * len(head))
    for r in rows:
        a = r["actlab"]
        print(f"{r['case']:<38}" + "".join(cell(r, k) for k in keys)
              + f"{ratio(a, r.get('torch')):>10}{ratio(a, r.get('jax')):>10}"
              f"{ratio(r.get('numpy'), a):>10}{ratio(r.get('sklearn f32'), a):>10}")
    gemm = [r for r in rows if "gemm" in r]
    if gemm:
        print("\nMLP: GEMM share of actlab's step and non-GEMM overhead per step")
        for r in gemm:
            print(f"  {r['case']:<36} GEMM {r['gemm']:7.3f} ms ({r['gemm'] / r['actlab']:4.0%})"
                  f"  other {r['actlab'] - r['gemm']:7.3f} ms")
    print("\ntargets: MLP act/torch <= 0.9x; MNIST-1D CNN <= 0.8x; 2-D CNN <= 1.0x; "
          "act/jax <= 1.5x; tiny nets np/act >= 0.8x")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
