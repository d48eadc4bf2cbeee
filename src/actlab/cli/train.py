"""``actlab train``: train an MLP or a small CNN on a built-in data set and print the result.

Progress goes to stdout one line per epoch (to stderr with ``--json``, where stdout carries exactly
one JSON object); ``--no-progress`` silences it. The model building lives in
:mod:`actlab.nn.zoo`, the data in :mod:`actlab.data`, the loop in :func:`actlab.nn.train.fit`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

REGRESSION_LOSS, CLASSIFICATION_LOSS = "mse", "softmax_cross_entropy"


#: sub-command -> one-line help (``actlab --help`` lists these without registering the
#: sub-commands, whose options may need heavier imports)
COMMANDS = {
    "train": "train a model on a built-in data set",
}


def _default_lr(optimizer: str) -> float:
    """The optimizer's own default (the same as ``fit(optimizer="sgd")``): one source."""
    from actlab.nn.optim import SGD, Adam

    return {"sgd": SGD, "adam": Adam}[optimizer]().lr


def _dataset_names() -> list[str]:
    from actlab.studies.runner import dataset_names

    return dataset_names()


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``train`` sub-command to ``subparsers``."""
    names = ", ".join(_dataset_names())
    p = subparsers.add_parser(
        "train",
        help=COMMANDS["train"],
        description=f"Train an MLP or a small CNN on a built-in data set ({names}) and report "
                    "loss and accuracy (mean squared error for the regression sets).",
    )
    p.add_argument("--dataset", required=True, metavar="D",
                   help=f"data set name (the same as compare's: {names})")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="folder holding the MNIST IDX files (mnist only)")
    p.add_argument("--model", default="mlp", choices=("mlp", "cnn"),
                   help="mlp, or cnn: a small CNN suited to the data (default mlp)")
    p.add_argument("--hidden", default="128,128", metavar="N,N,...",
                   help="hidden layer sizes of the MLP (default 128,128)")
    p.add_argument("--activation", default="relu", metavar="NAME[:k=v,...]",
                   help="hidden activation from the catalogue, e.g. leaky_relu:alpha=0.2, or "
                        "a formula: expr:x*sigmoid(beta*x):beta=1.5")
    p.add_argument("--init", default="auto", metavar="I",
                   help="weight initializer (he_normal, glorot_uniform, ...; default auto: "
                        "the activation's recommendation)")
    p.add_argument("--optimizer", default="adam", choices=("sgd", "adam"))
    p.add_argument("--lr", type=float, default=None, metavar="R",
                   help=f"learning rate (default {_default_lr('sgd'):g} for sgd, "
                        f"{_default_lr('adam'):g} for adam, as in fit())")
    p.add_argument("--epochs", type=int, default=10, metavar="N")
    p.add_argument("--batch-size", type=int, default=64, metavar="B")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seeds the weights, the batch order and the split of generated data")
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    p.add_argument("--threads", type=int, default=1, metavar="T",
                   help="BLAS and compiled-kernel threads (default 1, as compare uses per run: "
                        "small models on a busy machine ran 10-25x slower with BLAS's default)")
    p.add_argument("--save", metavar="PATH", default=None, help="save the trained model (.npz)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--no-progress", action="store_true", help="print no per-epoch lines")
    p.set_defaults(func=run)
    return p


def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated positive ints, got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise ValueError(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def _validate(args: argparse.Namespace) -> float:
    for name in ("epochs", "batch_size"):
        value = getattr(args, name)
        if value < (0 if name == "epochs" else 1):
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag} must be {'>= 0' if name == 'epochs' else '>= 1'}, "
                             f"got {value}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    lr = _default_lr(args.optimizer) if args.lr is None else args.lr
    if not lr > 0 or lr == float("inf"):
        raise ValueError(f"--lr must be a positive number, got {lr}")
    return lr


def run(args: argparse.Namespace) -> int:
    _validate(args)
    from threadpoolctl import threadpool_limits

    from actlab.activations import limit_threads

    with threadpool_limits(args.threads), limit_threads(args.threads):
        return _run(args)


def _load(args: argparse.Namespace) -> Any:
    """The data set, classification or regression (compare's extra sets, standardized)."""
    from actlab.data import Standardizer, load
    from actlab.studies.runner import EXTRA_DATASETS

    if args.dataset in EXTRA_DATASETS:
        return EXTRA_DATASETS[args.dataset](args.seed).transformed(Standardizer())
    return load(args.dataset, data_dir=args.data_dir, seed=args.seed)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.4f}"


def _run(args: argparse.Namespace) -> int:
    import actlab
    from actlab.nn.callbacks import Callback
    from actlab.nn.optim import get_optimizer
    from actlab.nn.serialize import save
    from actlab.nn.train import fit
    from actlab.nn.zoo import build_model, mlp, parse_activation

    lr = _validate(args)
    hidden = _hidden(args.hidden)
    act_name, act_params = parse_activation(args.activation)
    if actlab.get(act_name, **act_params).vector:
        print(f"note: {act_name} is an output function (it normalises across units); as a "
              "hidden activation it couples the units of a layer", file=sys.stderr)
    dataset = _load(args)
    regression = dataset.task == "regression"
    loss = REGRESSION_LOSS if regression else CLASSIFICATION_LOSS
    y_train, y_test = dataset.y_train, dataset.y_test
    kw = dict(activation=act_name, activation_params=act_params, init=args.init,
              seed=args.seed, dtype=args.dtype)
    if regression:
        if args.model != "mlp":
            raise ValueError(f"--model {args.model} needs a classification data set; "
                             f"{args.dataset} is a regression set (use --model mlp)")
        model = mlp(dataset.n_features, hidden, 1, **kw)
        y_train, y_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)
    else:
        model = build_model(args.model, dataset, hidden=hidden, **kw)
    log = sys.stderr if args.json else sys.stdout
    show = not args.no_progress
    config = {
        "model": args.model, "hidden": hidden if args.model == "mlp" else None,
        "activation": {"name": model_activation(model, act_name), "params": act_params},
        "init": args.init, "optimizer": args.optimizer, "lr": lr, "epochs": args.epochs,
        "batch_size": args.batch_size, "seed": args.seed, "dtype": args.dtype,
        "threads": args.threads, "n_params": model.n_params,
    }

    class EpochPrinter(Callback):
        def on_epoch_end(self, epoch, model, record):
            print(f"epoch {epoch:>3}/{args.epochs}  loss {record.train_loss:.4f}  "
                  f"acc {_fmt(record.train_accuracy)}  test_loss {record.val_loss:.4f}  "
                  f"test_acc {_fmt(record.val_accuracy)}  {record.seconds:.2f}s", file=log,
                  flush=True)

    if show:
        print(f"{dataset!r}\n{model.summary()}", file=log, flush=True)
    t0 = time.perf_counter()
    history = fit(model, dataset.X_train, y_train, loss=loss,
                  optimizer=get_optimizer(args.optimizer, lr=lr), epochs=args.epochs,
                  batch_size=args.batch_size, seed=args.seed,
                  validation=(dataset.X_test, y_test),
                  callbacks=[EpochPrinter()] if show else [], progress=False)
    seconds = time.perf_counter() - t0
    train = model.evaluate(dataset.X_train, y_train, loss)
    test = model.evaluate(dataset.X_test, y_test, loss)
    record: dict[str, Any] = {
        "dataset": dataset.summary(),
        "config": config,
        "train_loss": train["loss"], "train_accuracy": train["accuracy"],
        "test_loss": test["loss"], "test_accuracy": test["accuracy"],
        "epochs": len(history), "interrupted": history.interrupted,
        "seconds": seconds,
        "history": [r.to_dict() for r in history],
        "saved": None,
    }
    if args.save:
        record["saved"] = str(save(model, args.save))
    if args.json:
        print(json.dumps(record))
    else:
        print(f"{dataset.name} {args.model} {config['activation']['name']}: "
              f"train loss {train['loss']:.4f} acc {_fmt(train['accuracy'])} | "
              f"test loss {test['loss']:.4f} acc {_fmt(test['accuracy'])} | "
              f"{len(history)} epochs in {seconds:.1f}s"
              + (f" | saved to {record['saved']}" if record["saved"] else ""))
    return 130 if history.interrupted else 0


def model_activation(model: Any, default: str) -> str:
    """The canonical name of the model's first activation layer (aliases resolved)."""
    for layer in model:
        name = getattr(layer, "name", None)
        if isinstance(name, str) and type(layer).__name__ == "Activation":
            return name
    return default
