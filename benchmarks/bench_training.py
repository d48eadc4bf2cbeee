"""Training-step throughput: actlab vs PyTorch (CPU) vs scikit-learn's MLPClassifier.

One process, BLAS and torch pinned to the same number of threads (2 by default), interleaved
best-of-N timing: every repeat runs each implementation in turn on the same K batches, and the
fastest repeat of each is kept (the least disturbed by other processes on a shared machine).

Cases
  * MLP 784-512-512-10, batch 128, float32, SGD, with relu and with gelu (exact erf form):
    actlab, torch (same initial weights, same batches) and scikit-learn (solver="sgd",
    momentum 0, alpha 0; it only offers relu among these, so gelu has no sklearn row; its
    float64 default and float32 input, which it preserves, are separate rows).
  * The MNIST-1D CNN (three Conv1d of 25 channels + linear read-out), batch 128, float32, SGD:
    actlab vs torch (scikit-learn has no CNN).

Two thread pools share this process (OpenBLAS for numpy/actlab and scikit-learn, OpenMP for
torch). OpenBLAS's workers busy-wait after each call (about 0.1 s by default), so in interleaved
timing they steal the cores from the torch run that follows: torch at 2 threads measured 6.5 ms
per MLP step here against 3.8 ms alone. ``OPENBLAS_THREAD_TIMEOUT=4`` (set below, before numpy
loads) makes them sleep almost at once; with it torch runs at its standalone speed.

Data: MNIST from ../shared/datasets/mnist relative to the repository when present (else random
numbers of the same shape), MNIST-1D-shaped random signals for the CNN; step times do not depend
on the values. Run:  .venv/bin/python benchmarks/bench_training.py [--threads 2] [--repeats 5]
"""

from __future__ import annotations

import os

# Before numpy loads OpenBLAS: idle BLAS workers must not spin through torch's timed runs.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import argparse  # noqa: E402
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
def actlab_runner(model, optimizer, X, y, batches):
    from actlab.nn import get_loss

    loss = get_loss("softmax_cross_entropy")
    params, grads = model.parameters(), model.gradients()
    mask = model.decay_mask()

    def run():
        for idx in batches:
            out = model.forward(X[idx], training=True)
            _, dout = loss.value_and_grad(out, y[idx])
            model.backward(dout, need_input_grad=False)
            optimizer.step(params, grads, mask)
    return run


def torch_runner(torch, tmodel, lr, X, y, batches):
    opt = torch.optim.SGD(tmodel.parameters(), lr=lr)
    xb = [torch.from_numpy(np.ascontiguousarray(X[idx])) for idx in batches]
    yb = [torch.from_numpy(y[idx]) for idx in batches]
    F = torch.nn.functional

    def run():
        for a, b in zip(xb, yb):
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(tmodel(a), b).backward()
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
    """Mirror an actlab Sequential (Dense/Activation/Conv1d/Flatten/Unflatten) in torch."""
    from actlab.nn.conv import Conv1d, Unflatten
    from actlab.nn.layers import Activation, Dense, Flatten

    mods = []
    for layer in model:
        if isinstance(layer, Dense):
            m = torch.nn.Linear(layer.in_features, layer.out_features)
            m.weight.data.copy_(torch.from_numpy(layer.params["W"].T.copy()))
            m.bias.data.copy_(torch.from_numpy(layer.params["b"]))
        elif isinstance(layer, Conv1d):
            m = torch.nn.Conv1d(layer.in_channels, layer.out_channels, layer.kernel_size,
                                stride=layer.stride, padding=layer.padding)
            m.weight.data.copy_(torch.from_numpy(layer.params["W"]))
            m.bias.data.copy_(torch.from_numpy(layer.params["b"]))
        elif isinstance(layer, Activation):
            m = {"relu": torch.nn.ReLU(), "gelu": torch.nn.GELU()}[layer.name]
        elif isinstance(layer, Flatten):
            m = torch.nn.Flatten()
        elif isinstance(layer, Unflatten):
            m = torch.nn.Unflatten(1, layer.shape)
        else:
            raise TypeError(layer)
        mods.append(m)
    return torch.nn.Sequential(*mods)


def best_of(runners: dict, repeats: int, steps: int) -> dict[str, float]:
    """Interleaved best-of-N: seconds per step for each runner."""
    for run in runners.values():  # warm-up (allocations, lazy initialisation)
        run()
    best = {name: float("inf") for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            t0 = time.perf_counter()
            run()
            best[name] = min(best[name], (time.perf_counter() - t0) / steps)
    return best


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20, help="batches per timed run")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args(argv)

    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(args.threads)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    import sklearn

    from actlab.nn import SGD
    from actlab.nn.zoo import mlp, mnist1d_cnn

    lr, bs, steps = 0.01, args.batch_size, args.steps
    X, y, source = load_data(bs * steps)
    rng = np.random.default_rng(0)
    batches = [np.arange(i * bs, (i + 1) * bs) for i in range(steps)]
    X1 = rng.standard_normal((bs * steps, 40), dtype=np.float32)
    y1 = rng.integers(0, 10, bs * steps)

    blas = sorted({f"{d['internal_api']} {d.get('version') or ''} x{d['num_threads']}".strip()
                   for d in threadpool_info()})
    print(f"actlab training benchmark: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}, sklearn {sklearn.__version__}")
    print(f"threads pinned: BLAS (threadpoolctl) {args.threads} [{'; '.join(blas)}], "
          f"torch {torch.get_num_threads() if torch else '-'}; "
          f"OPENBLAS_THREAD_TIMEOUT={os.environ.get('OPENBLAS_THREAD_TIMEOUT')}")
    print(f"data: {source}; batch {bs}; {steps} steps per run; interleaved best of "
          f"{args.repeats}; float32; SGD lr {lr}\n")

    rows = []
    cases = [("MLP 784-512-512-10 relu", "mlp", "relu"), ("MLP 784-512-512-10 gelu", "mlp", "gelu"),
             ("MNIST-1D CNN (3x Conv1d 25ch)", "cnn", "relu")]
    for label, kind, act in cases:
        if kind == "mlp":
            model = mlp(784, [512, 512], 10, activation=act, seed=0, dtype=np.float32)
            data = (X, y)
        else:
            model = mnist1d_cnn(40, 10, channels=25, activation=act, seed=0, dtype=np.float32)
            data = (X1, y1)
        runners = {"actlab": actlab_runner(model, SGD(lr=lr), *data, batches)}
        if torch is not None:
            runners["torch"] = torch_runner(torch, to_torch(torch, model), lr, *data, batches)
        if kind == "mlp" and act == "relu":
            runners["sklearn f64"] = sklearn_runner((512, 512), lr, *data, batches, np.float64)
            runners["sklearn f32"] = sklearn_runner((512, 512), lr, *data, batches, np.float32)
        best = best_of(runners, args.repeats, steps)
        rows.append({"case": label, **{k: v * 1e3 for k, v in best.items()}})
        print(f"  measured {label}", file=sys.stderr)

    def cell(row, key):
        return f"{row[key]:9.2f}" if key in row else f"{'-':>9}"

    def ratio(a, b):
        return f"{a / b:8.2f}x" if a is not None and b is not None else f"{'-':>9}"

    head = (f"{'case':<32}{'actlab':>9}{'torch':>9}{'skl f64':>9}{'skl f32':>9}"
            f"{'act/torch':>10}{'skl64/act':>10}{'skl32/act':>10}")
    print("ms per training step (lower is better); ratios of step times")
    print(head)
    print("-" * len(head))
    for r in rows:
        a = r["actlab"]
        print(f"{r['case']:<32}{cell(r, 'actlab')}{cell(r, 'torch')}{cell(r, 'sklearn f64')}"
              f"{cell(r, 'sklearn f32')}{ratio(a, r.get('torch')):>10}"
              f"{ratio(r.get('sklearn f64'), a):>10}{ratio(r.get('sklearn f32'), a):>10}")
    print("\ntargets: act/torch <= 1.0x; skl/act >= 3x")
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
