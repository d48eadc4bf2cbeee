"""Run training configurations: one run (:func:`run_one`), many runs resumably (:func:`run_many`).

A run is an MLP of ``depth`` hidden layers (Dense + catalogue activation) trained by
``actlab.nn.fit`` with the :class:`actlab.diagnostics.Diagnostics` callback under the protocol of
:mod:`actlab.studies.protocol`: its ``seed`` draws the initial weights, the batch order and the
train/validation split; the epoch is selected on validation and the fixed test split is
evaluated once, at that epoch. Runs are deterministic given their :class:`RunConfig`.

:func:`run_many` skips configurations already in the store, runs the rest (in parallel through
joblib when ``jobs > 1``) and writes each finished run to the store as soon as it arrives, in its
own transaction: killing the process loses at most the runs still in flight.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..activations import limit_threads
from ..nn.callbacks import Callback
from .records import EpochStats, RunConfig, RunResult
from .store import Store

#: Data sets defined here for the claims (not in ``actlab.data``): name -> loader(seed).
EXTRA_DATASETS: dict[str, Callable[[int], Any]] = {}

CLASSIFICATION_LOSSES = ("softmax_cross_entropy", "binary_cross_entropy")


def _diabetes(seed: int) -> Any:
    """scikit-learn's diabetes regression set (442 x 10), target standardized."""
    from sklearn.datasets import load_diabetes

    from actlab.data import Dataset, split

    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    Xtr, ytr, Xte, yte = split(X, y, test_fraction=0.25, seed=seed, stratify=False)
    return Dataset(Xtr, ytr, Xte, yte, name="diabetes", n_classes=0, task="regression")


def _friedman1(seed: int) -> Any:
    """Friedman #1 regression (scikit-learn's generator): 1000 x 10, noise 0.5."""
    from sklearn.datasets import make_friedman1

    from actlab.data import Dataset, split

    X, y = make_friedman1(n_samples=1000, n_features=10, noise=0.5, random_state=seed)
    y = (y - y.mean()) / y.std()
    Xtr, ytr, Xte, yte = split(X, y, test_fraction=0.25, seed=seed, stratify=False)
    return Dataset(Xtr, ytr, Xte, yte, name="friedman1", n_classes=0, task="regression")


EXTRA_DATASETS["diabetes"] = _diabetes
EXTRA_DATASETS["friedman1"] = _friedman1


@lru_cache(maxsize=8)
def load_dataset(name: str, seed: int = 0) -> Any:
    """The data set ``name`` with standardized features (scaler fitted on the training split).

    Cached per process: a study's runs share one copy.
    """
    from actlab import data

    ds = EXTRA_DATASETS[name](seed) if name in EXTRA_DATASETS else data.load(name, seed=seed)
    return ds.transformed(data.Standardizer())


def dataset_names() -> list[str]:
    from actlab import data

    return [*data.names(), *EXTRA_DATASETS]


# --------------------------------------------------------------------------- one run
def _loss_name(cfg: RunConfig, ds: Any) -> str:
    if cfg.loss != "auto":
        return cfg.loss
    return "softmax_cross_entropy" if ds.task == "classification" else "mse"


def _targets(cfg: RunConfig, ds: Any, y: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, int]:
    """Targets in the form the loss wants, and the number of output units."""
    loss = _loss_name(cfg, ds)
    if ds.task == "regression":
        return y.astype(dtype).reshape(-1, 1), 1
    k = int(ds.n_classes)
    if loss == "softmax_cross_entropy":
        return y, k
    if k == 2:  # one output unit: binary cross-entropy on the logit, or mse on 0/1
        return y.astype(dtype).reshape(-1, 1), 1
    return np.eye(k, dtype=dtype)[y], k  # one-vs-rest / one-hot targets


def build_model(cfg: RunConfig, n_in: int, n_out: int) -> Any:
    """``depth`` x (Dense(width) + activation), then Dense(n_out) and the output activation."""
    from actlab.nn.layers import Activation, Dense
    from actlab.nn.model import Sequential

    custom = _custom_init(cfg.init)
    layers: list[Any] = []
    width_in = n_in
    for _ in range(cfg.depth):
        init = "auto" if custom is not None else cfg.init
        layers.append(Dense(width_in, cfg.width, init=init, bias_init=cfg.bias_init))
        layers.append(Activation(cfg.activation, **cfg.params))
        width_in = cfg.width
    layers.append(Dense(width_in, n_out))
    if cfg.output not in ("auto", "identity", "linear"):
        layers.append(Activation(cfg.output))
    model = Sequential(layers, seed=cfg.seed, dtype=np.dtype(cfg.dtype))
    if custom is not None:  # re-draw the hidden weights, from a generator of their own
        rng = np.random.default_rng([cfg.seed, 1])
        for layer in model.layers[0:2 * cfg.depth:2]:
            W = layer.params["W"]
            W[...] = custom(W.shape, rng, W.dtype)
    return model


def _custom_init(spec: str) -> Any:
    """``variance_scaling:<scale>:<mode>:<distribution>`` -> initializer, else ``None``."""
    if not spec.startswith("variance_scaling:"):
        return None
    from actlab.nn.init import variance_scaling

    parts = spec.split(":")
    if len(parts) != 4:
        raise ValueError(f"init {spec!r}: use variance_scaling:<scale>:<mode>:<distribution>")
    try:
        scale = float(parts[1])
    except ValueError:
        raise ValueError(f"init {spec!r}: scale must be a number") from None
    return variance_scaling(scale, parts[2], parts[3])  # validates mode and distribution


def _accuracy(cfg: RunConfig, ds: Any, pred: np.ndarray, y: np.ndarray) -> float | None:
    if ds.task != "classification":
        return None
    if pred.shape[1] == 1:
        # logits (cross-entropy) are thresholded at 0; outputs fitted to 0/1 at 0.5
        thr = 0.0 if _loss_name(cfg, ds) == "binary_cross_entropy" and cfg.output in (
            "auto", "identity", "linear") else 0.5
        return float(np.mean((pred[:, 0] > thr) == (y > 0.5)))
    return float(np.mean(np.argmax(pred, axis=1) == y))


def _first_reach(epochs: Sequence[EpochStats], target_error: float) -> int | None:
    for e in epochs:
        if e.train_accuracy is not None and 1.0 - e.train_accuracy <= target_error + 1e-12:
            return e.epoch
    return None


def _finite(v: Any) -> float | None:
    return None if v is None else float(v)


def _evaluator(cfg: RunConfig, ds: Any, loss: Any, X: np.ndarray, y_raw: np.ndarray,
               dtype: np.dtype) -> Callable[[Any], tuple[float | None, float]]:
    """``model -> (accuracy or None, loss)`` on ``(X, y_raw)``: the one evaluation of the study."""
    y, _ = _targets(cfg, ds, y_raw, dtype)

    def evaluate(model: Any) -> tuple[float | None, float]:
        pred = model.forward(X, training=False)
        return _accuracy(cfg, ds, pred, y_raw), float(loss.value(pred, y))

    return evaluate


def run_one(cfg: RunConfig, ds: Any = None, *, extra: Callable[[Any, Any], dict] | None = None
            ) -> RunResult:
    """Train and evaluate one configuration under the protocol of
    :mod:`actlab.studies.protocol`. ``extra(model, ds)`` may add scalars to the result (it sees
    the selected weights and the data set).

    A run whose loss becomes non-finite is a result with ``status="diverged"``.
    """
    from actlab.diagnostics import Diagnostics
    from actlab.nn.losses import get_loss
    from actlab.nn.optim import get_optimizer
    from actlab.nn.train import TrainingDiverged, fit

    from .protocol import SelectEpoch, overfitting, split_validation

    t0 = time.perf_counter()
    if ds is None:
        ds = load_dataset(cfg.dataset)
    dtype = np.dtype(cfg.dtype)
    sp = split_validation(ds, cfg.seed, cfg.val_fraction)
    X, y_raw = sp.X_train.astype(dtype), sp.y_train
    if cfg.n_train is not None and cfg.n_train < len(X):
        X, y_raw = X[: cfg.n_train], y_raw[: cfg.n_train]
    y, n_out = _targets(cfg, ds, y_raw, dtype)
    model = build_model(cfg, X.shape[1], n_out)
    loss = get_loss(_loss_name(cfg, ds))
    select = SelectEpoch(_evaluator(cfg, ds, loss, sp.X_val.astype(dtype), sp.y_val, dtype))
    select.start(model)
    diag = Diagnostics(probe_size=cfg.probe_size, seed=0, loss=loss)
    opt_kw = {"momentum": cfg.momentum} if cfg.optimizer == "sgd" and cfg.momentum else {}
    optimizer = get_optimizer(cfg.optimizer, lr=cfg.lr, **opt_kw)
    status, message = "finished", ""
    callbacks: list[Any] = [diag, select]
    if cfg.stop_at_target:
        callbacks.append(_StopAtTarget(cfg.target_error))
    with np.errstate(all="ignore"):  # a diverging run is a result, not a warning
        try:
            history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=cfg.epochs,
                          batch_size=cfg.batch_size, seed=cfg.seed, callbacks=callbacks,
                          clip_norm=cfg.clip_norm, l1=cfg.l1, l2=cfg.l2, progress=False)
            if history.interrupted:  # fit swallows Ctrl-C; an interrupted run is no result
                raise KeyboardInterrupt
            records = list(history)
        except TrainingDiverged as exc:
            status, message = "diverged", str(exc)
            records = list(exc.history or [])
            diag.on_epoch_end(exc.epoch, model, None)  # the partial epoch's gradient norms
    epochs = tuple(
        EpochStats(epoch=int(r.epoch), train_loss=float(r.train_loss),
                   train_accuracy=_finite(r.train_accuracy),
                   val_loss=select.curve.get(int(r.epoch), (None, None))[1],
                   val_accuracy=select.curve.get(int(r.epoch), (None, None))[0],
                   seconds=float(r.seconds))
        for r in records
    )
    flags = list(diag.flags)
    over = overfitting(epochs)
    if over is not None:
        flags.append(f"overfitting: validation loss rises after epoch {over} while training "
                     "loss falls")
    selected = select.restore(model)
    with np.errstate(all="ignore"):
        val_acc, val_loss = select.curve.get(selected, (None, math.nan)) \
            if selected is not None else (None, math.nan)
        test_acc, test_loss = _evaluator(cfg, ds, loss, sp.X_test.astype(dtype), sp.y_test,
                                         dtype)(model)
        train_acc, train_loss = _evaluator(cfg, ds, loss, X, y_raw, dtype)(model)
    if not math.isfinite(test_loss):
        status = "diverged"
    extras = dict(extra(model, ds)) if extra is not None else {}
    return RunResult(
        config=cfg, status=status, test_loss=test_loss, test_accuracy=test_acc,
        train_loss=train_loss, train_accuracy=train_acc, epochs_run=len(epochs),
        epochs_to_target=_first_reach(epochs, cfg.target_error),
        wall_seconds=time.perf_counter() - t0, epochs=epochs, layers=tuple(diag.records),
        flags=tuple(flags), extra=tuple(extras.items()), message=message,
        selected_epoch=selected, val_loss=val_loss, val_accuracy=val_acc,
        size_train=len(X), size_validation=len(sp.y_val), size_test=len(sp.y_test),
    )


class _StopAtTarget(Callback):
    """Ends training at the first epoch whose training error is at most ``target``."""

    def __init__(self, target: float) -> None:
        self.target = target

    def on_epoch_end(self, epoch: int, model: Any, record: Any) -> str | None:
        acc = record.train_accuracy
        return "stop" if acc is not None and 1.0 - acc <= self.target + 1e-12 else None


_WATCHDOG: list[int] = []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _exit_with_parent(study: int) -> None:
    """In a worker process: exit as soon as the study process ``study`` (its pid) is gone.

    A study killed with SIGKILL cannot stop its workers; without this they would finish their
    run and then wait for more work (loky's idle timeout does not fire for orphans). The study's
    pid comes with the task, so a worker that picks up a queued task after the study died (it is
    an orphan already, its parent pid is no longer the study's) leaves at once as well.
    """
    if _WATCHDOG:
        return
    parent = os.getppid()
    _WATCHDOG.append(parent)

    def gone() -> bool:
        return os.getppid() != parent or not _alive(study)

    if gone():
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if gone():
                os._exit(1)

    threading.Thread(target=watch, name="actlab-parent-watchdog", daemon=True).start()


def _task(cfg: RunConfig, ds: Any, extra: Any, study: int | None = None) -> RunResult:
    if study is not None:  # in a worker process this study started: leave when it is gone
        _exit_with_parent(study)
    # one BLAS thread per run: the matrices are small, and on a shared machine a second BLAS
    # thread made a 4 x 128 MLP five times slower (measured); parallelism is across runs
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return run_one(cfg, ds, extra=extra)
    with threadpool_limits(1), limit_threads(1):
        return run_one(cfg, ds, extra=extra)


# --------------------------------------------------------------------------- many runs
def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)


def run_many(
    configs: Iterable[RunConfig],
    store: Store,
    *,
    jobs: int = 1,
    progress: bool = True,
    desc: str = "runs",
    extra: Callable[[Any, Any], dict] | None = None,
    log: Callable[[str], None] | None = print,
    bar: Any = None,
) -> tuple[list[RunResult], int]:
    """Results for ``configs`` (in order) and how many were reused from the store.

    Finished runs are written to ``store`` one transaction each as they arrive. ``extra`` must
    be a module-level function when ``jobs > 1`` (it is sent to worker processes). ``bar``: a
    tqdm-like progress bar of a whole study to advance (instead of one of this call's own);
    reused runs are taken off its total.
    """
    configs = list(configs)
    keys = [c.key for c in configs]
    done = store.finished(keys)
    todo: dict[str, RunConfig] = {}
    for c, k in zip(configs, keys):
        if k not in done and k not in todo:
            todo[k] = c
    n_reused = len(set(keys) & done)
    if log is not None:
        log(f"{desc}: {len(set(keys))} runs, {n_reused} reused from {store.path.name}, "
            f"{len(todo)} to run" + (f" on {jobs} processes" if todo and jobs > 1 else ""))
    own = bar is None
    if not own:
        bar.total = max(bar.n + len(todo), bar.total - (len(keys) - len(todo)))
        bar.refresh()
    if todo:
        from tqdm.auto import tqdm

        datasets = {name: load_dataset(name) for name in {c.dataset for c in todo.values()}}
        if own:
            bar = tqdm(total=len(todo), desc=desc, unit="run", disable=not progress,
                       leave=True, dynamic_ncols=True)
        try:
            for result in _execute(list(todo.values()), datasets, jobs, extra):
                store.put(result)
                bar.update(1)
                bar.set_postfix_str(f"{result.config.label()} seed {result.config.seed}",
                                    refresh=False)
        finally:
            if own:
                bar.close()
    results = store.results(keys)
    return results, n_reused


def _execute(todo: list[RunConfig], datasets: dict[str, Any], jobs: int,
             extra: Any) -> Iterable[RunResult]:
    from . import parallel  # loky, dask or ray: parallel.configured() / the CLI's --backend

    # the longest runs first keeps every worker busy until the end
    todo = sorted(todo, key=lambda c: -(c.epochs * c.depth * c.width)) if jobs > 1 else todo
    tasks = [(cfg, datasets[cfg.dataset], extra) for cfg in todo]
    return parallel.execute(_task, tasks, jobs=jobs, child_kwargs={"study": os.getpid()})


def with_seeds(configs: Iterable[RunConfig], seeds: Iterable[int]) -> list[RunConfig]:
    """Every configuration once per seed."""
    return [replace(c, seed=int(s)) for c in configs for s in seeds]
