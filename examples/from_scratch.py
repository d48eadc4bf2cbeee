"""The articles' from-scratch tutorial, on actlab's engine.

Four samples of three features (the third is a constant 1 that plays the role of a bias), target
``y = x0 XOR x1``; a network of two layers with sigmoid activations, trained with the sum of
squared errors by plain (full-batch) gradient descent for 1500 iterations.

The tutorial's loss is ``sum((y - yhat)**2)`` over the four samples and its update
``W += dL/dW`` with learning rate 1. actlab's ``sse`` is ``1/N * sum(1/2 * (yhat - y)**2)``,
whose gradient is ``2N = 8`` times smaller, so a learning rate of 8 takes the same steps.

Run:  python examples/from_scratch.py
"""

from __future__ import annotations

import numpy as np

from actlab.nn import SGD, Activation, Dense, Sequential, fit

ITERATIONS = 1500
LEARNING_RATE = 8.0  # = 2 * N for N = 4 samples (see the module doc)


def toy_data() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's 4x3 inputs and 0/1 targets (``actlab.data.toy`` when available)."""
    try:
        from actlab.data import toy
    except ImportError:  # the dataset module is optional here
        X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
        return X, np.array([0, 1, 1, 0], dtype=np.float64)
    ds = toy()
    return ds.X_train, ds.y_train.astype(np.float64)


def build(seed: int = 1) -> Sequential:
    """3 -> 4 -> 1, sigmoid after each layer, no separate bias (the constant column is one)."""
    return Sequential(
        [
            Dense(3, 4, bias=False, init="glorot_uniform"),
            Activation("sigmoid"),
            Dense(4, 1, bias=False, init="glorot_uniform"),
            Activation("sigmoid"),
        ],
        seed=seed,
        dtype=np.float64,
    )


def main(iterations: int = ITERATIONS, *, verbose: bool = True) -> tuple[list[float], np.ndarray]:
    X, y = toy_data()
    model = build()
    history = fit(
        model, X, y.reshape(-1, 1),
        loss="sse", optimizer=SGD(lr=LEARNING_RATE),
        epochs=iterations, batch_size=len(X), shuffle=False, progress=False,
    )
    losses = history.column("train_loss")
    pred = model.predict(X)[:, 0]
    if verbose:
        for i in (0, 1, 10, 50, 100, 200, 500, 1000, iterations - 1):
            if i < len(losses):
                print(f"iteration {i + 1:5d}   loss {losses[i]:.6f}")
        print("targets    ", y.tolist())
        print("predictions", np.round(pred, 3).tolist())
    return losses, pred


if __name__ == "__main__":
    main()
