"""Losses with value and gradient, averaged over the batch.

A loss is an object with ``value_and_grad(pred, target) -> (float, dpred)``, ``__call__`` (the
value alone), ``grad`` (the gradient alone) and, for classification losses,
``accuracy(pred, target)``. ``dpred`` has the shape and dtype of ``pred``. With ``N`` samples:

``sse``
    the articles' sum of squared errors, halved, averaged over samples:
    :math:`L = \\frac{1}{N}\\sum_n \\tfrac12 \\sum_k (\\hat y_{nk} - y_{nk})^2`,
    :math:`\\partial L/\\partial \\hat y = (\\hat y - y)/N`. (The one-hidden-layer tutorial sums
    over the 4 samples instead of averaging: the same gradient times ``N``, i.e. a learning rate
    ``N`` times larger.)
``mse``
    mean over every element (PyTorch's ``MSELoss``):
    :math:`L = \\frac{1}{NK}\\sum (\\hat y - y)^2`, gradient :math:`2(\\hat y - y)/(NK)`.
``binary_cross_entropy``
    from logits ``z`` (no sigmoid layer before it), mean over every element:
    :math:`L = \\operatorname{mean}(\\log(1 + e^{z}) - y z)` computed as ``logaddexp(0, z) - y*z``,
    gradient :math:`(\\sigma(z) - y)/(NK)`.
``softmax_cross_entropy``
    fused softmax + cross-entropy from logits ``z`` of shape ``(N, K)``; targets are integer
    labels ``(N,)`` or rows of probabilities/one-hot ``(N, K)``:
    :math:`L = \\frac{1}{N}\\sum_n (\\operatorname{logsumexp}(z_n) - \\sum_k y_{nk} z_{nk})`,
    gradient :math:`(\\operatorname{softmax}(z) - y)/N`.

>>> import numpy as np
>>> from actlab.nn.losses import binary_cross_entropy, softmax_cross_entropy
>>> z = np.array([[1000.0, -1000.0]])
>>> float(softmax_cross_entropy(z, np.array([1])))
2000.0
>>> float(binary_cross_entropy(np.array([[-1000.0]]), np.array([[1.0]])))
1000.0
"""

from __future__ import annotations

import functools

import numpy as np

from ..activations._arrays import QUIET, quietly


# the ufuncs' reductions, called as ndarray.sum/max/min and np.sum call them (the same results),
# without those methods' Python wrappers: (array, axis, dtype, out, keepdims)
_sum, _max, _min = np.add.reduce, np.maximum.reduce, np.minimum.reduce


def _predictions(pred, name: str) -> np.ndarray:
    """Predictions as a float array (integers and booleans become float64, so the gradient is
    never truncated to integers); complex or object predictions raise ``TypeError``."""
    if type(pred) is np.ndarray and pred.dtype.kind == "f":  # the training loop's case
        return pred
    p = np.asarray(pred)
    if p.dtype.kind in "biu":
        return p.astype(np.float64)
    if p.dtype.kind != "f":
        raise TypeError(f"{name}: predictions must be real numbers, got dtype {p.dtype}")
    return p


def _targets(pred: np.ndarray, target: np.ndarray, name: str) -> np.ndarray:
    """Targets as an array of pred's shape and dtype ((N,) is accepted for (N, 1) outputs)."""
    if type(target) is np.ndarray and target.dtype == pred.dtype and target.shape == pred.shape:
        return target  # the training loop's case: nothing to convert or check
    t = np.asarray(target)
    if t.shape != pred.shape:
        if t.size == pred.size and t.ndim == 1 and pred.ndim == 2 and pred.shape[1] == 1:
            t = t.reshape(pred.shape)
        else:
            raise ValueError(f"{name}: predictions have shape {pred.shape}, targets {t.shape}")
    if t.dtype.kind not in "biuf":
        raise ValueError(f"{name}: targets must be numbers, got dtype {t.dtype}")
    with np.errstate(over="ignore"):
        return t.astype(pred.dtype, copy=False)


def _quiet(method):
    """Non-finite predictions give a non-finite loss (``fit`` turns it into TrainingDiverged),
    never a RuntimeWarning."""
    @functools.wraps(method)
    def wrapper(self, pred, target):
        if QUIET.get():  # inside nn.quiet() (fit's loop): errors are ignored already
            return method(self, pred, target)
        return quietly(method, self, pred, target)
    return wrapper


class Loss:
    """Base class. Subclasses implement ``value_and_grad``."""

    name = "loss"
    classification = False

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def value(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.value_and_grad(pred, target)[0]

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.value(pred, target)

    def grad(self, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
        return self.value_and_grad(pred, target)[1]

    def accuracy(self, pred: np.ndarray, target: np.ndarray) -> float | None:
        """Fraction of correct predictions (``None`` for regression losses)."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SSE(Loss):
    """Halved sum of squared errors per sample, averaged over samples (see the module doc)."""

    name = "sse"

    @_quiet
    def value_and_grad(self, pred, target):
        pred = _predictions(pred, self.name)
        diff = pred - _targets(pred, target, self.name)
        n = pred.shape[0] if pred.ndim else 1
        value = 0.5 * float(np.vdot(diff, diff)) / n
        diff *= pred.dtype.type(1.0 / n)
        return value, diff


class MSE(Loss):
    """Mean squared error over every element (see the module doc)."""

    name = "mse"

    @_quiet
    def value_and_grad(self, pred, target):
        pred = _predictions(pred, self.name)
        diff = pred - _targets(pred, target, self.name)
        m = max(diff.size, 1)
        value = float(np.vdot(diff, diff)) / m
        diff *= pred.dtype.type(2.0 / m)
        return value, diff


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable logistic function, same dtype as z (exp of a non-positive argument only)."""
    e = np.exp(-np.abs(z))
    out = np.where(z >= 0, 1.0, e)
    out /= 1.0 + e
    return out.astype(z.dtype, copy=False)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy from logits, mean over every element (see the module doc).

    Accuracy counts ``z > 0`` (probability above one half) against ``y > 0.5``.
    """

    name = "binary_cross_entropy"
    classification = True

    @_quiet
    def value_and_grad(self, pred, target):
        z = _predictions(pred, self.name)
        y = self._check(z, target)
        m = max(z.size, 1)
        value = (np.sum(np.logaddexp(0.0, z), dtype=np.float64) - np.vdot(y, z)) / m
        g = _sigmoid(z)
        g -= y
        g *= z.dtype.type(1.0 / m)
        return float(value), g

    def accuracy(self, pred, target):
        z = _predictions(pred, self.name)
        y = self._check(z, target)
        return float(np.mean((z > 0) == (y > 0.5)))

    def _check(self, z: np.ndarray, target) -> np.ndarray:
        y = _targets(z, target, self.name)
        if y.size and not ((y >= 0) & (y <= 1)).all():  # NaN fails too
            raise ValueError(f"{self.name}: targets must be probabilities in [0, 1], got values "
                             f"in [{np.nanmin(y)}, {np.nanmax(y)}]"
                             + (" and NaN" if np.isnan(y).any() else ""))
        return y


class SoftmaxCrossEntropy(Loss):
    """Fused softmax + cross-entropy from logits (see the module doc)."""

    name = "softmax_cross_entropy"
    classification = True

    @staticmethod
    def _check(z: np.ndarray, target) -> np.ndarray:
        t = np.asarray(target)
        if z.ndim != 2:
            raise ValueError(f"softmax_cross_entropy: logits must be (N, K), got {z.shape}")
        if t.shape == (z.shape[0],) and t.dtype.kind in "iub":
            if t.size and (_min(t) < 0 or _max(t) >= z.shape[1]):
                raise ValueError(
                    f"softmax_cross_entropy: labels must be in [0, {z.shape[1]}), "
                    f"got range [{t.min()}, {t.max()}]"
                )
            return t
        if t.shape == (z.shape[0],) and t.dtype.kind == "f":
            if not (np.array_equal(t, np.round(t)) and np.abs(t).max(initial=0) < 2**53):
                raise ValueError("softmax_cross_entropy: 1-d targets must be integer labels")
            return SoftmaxCrossEntropy._check(z, t.astype(np.int64))
        if t.shape != z.shape:
            raise ValueError(
                f"softmax_cross_entropy: logits have shape {z.shape}; targets must be labels "
                f"{(z.shape[0],)} or probabilities {z.shape}, got {t.shape}"
            )
        if t.dtype.kind not in "biuf":
            raise ValueError(f"softmax_cross_entropy: targets must be numbers, got {t.dtype}")
        if t.size and not ((t >= 0) & (t <= 1)).all():  # NaN fails too
            raise ValueError("softmax_cross_entropy: target rows must be probabilities in "
                             f"[0, 1], got values in [{np.nanmin(t)}, {np.nanmax(t)}]"
                             + (" and NaN" if np.isnan(t).any() else ""))
        return t.astype(z.dtype, copy=False)

    @_quiet
    def value_and_grad(self, pred, target):
        z = _predictions(pred, self.name)
        t = self._check(z, target)
        n = max(z.shape[0], 1)
        shifted = z - _max(z, 1, None, None, True)
        p = np.exp(shifted)
        s = _sum(p, 1, None, None, True)
        lse = np.log(s)  # logsumexp(z) - max(z)
        if t.ndim == 1:
            rows = np.arange(z.shape[0])
            value = (_sum(lse, None, np.float64) - _sum(shifted[rows, t], None, np.float64)) / n
            p /= s
            p[rows, t] -= 1
        else:
            # sum_k y_k (lse - shifted_k) = lse * sum_k y_k - y . shifted
            value = (
                np.vdot(lse[:, 0], t.sum(axis=1)) - np.vdot(t, shifted)
            ) / n
            p /= s
            p -= t
        p *= z.dtype.type(1.0 / n)
        return float(value), p

    def accuracy(self, pred, target):
        z = _predictions(pred, self.name)
        t = self._check(z, target)
        labels = t if t.ndim == 1 else t.argmax(axis=1)
        return float(np.mean(z.argmax(axis=1) == labels))


sse = SSE()
mse = MSE()
binary_cross_entropy = BinaryCrossEntropy()
softmax_cross_entropy = SoftmaxCrossEntropy()

LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (sse, mse, binary_cross_entropy, softmax_cross_entropy)
}
_ALIASES = {
    "bce": "binary_cross_entropy",
    "binary_crossentropy": "binary_cross_entropy",
    "cross_entropy": "softmax_cross_entropy",
    "categorical_cross_entropy": "softmax_cross_entropy",
    "ce": "softmax_cross_entropy",
}


def get_loss(loss: str | Loss) -> Loss:
    """A loss object from its name (``"sse"``, ``"mse"``, ``"binary_cross_entropy"``,
    ``"softmax_cross_entropy"``, aliases ``bce``/``cross_entropy``) or the object itself."""
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str):
        raise ValueError(f"loss must be a name or a Loss, got {loss!r}")
    key = loss.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in LOSSES:
        raise ValueError(f"unknown loss {loss!r} (known: {', '.join(LOSSES)})")
    return LOSSES[key]
