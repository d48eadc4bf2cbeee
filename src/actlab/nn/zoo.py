"""Ready-made models: :func:`mlp`, the MNIST-1D CNN, a small image CNN and :func:`cnn_for`.

Every builder returns a :class:`~actlab.nn.model.Sequential` whose hidden activations are any
catalogue entry (``activation="leaky_relu", activation_params={"alpha": 0.2}``); weight layers use
``init="auto"`` by default, i.e. the initializer the activation's property sheet recommends.
The output layer emits logits (pair it with ``softmax_cross_entropy``).

>>> from actlab.nn.zoo import mlp
>>> model = mlp(4, [8, 8], 3, seed=0)
>>> [type(layer).__name__ for layer in model]
['Dense', 'Activation', 'Dense', 'Activation', 'Dense']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .conv import Conv1d, Conv2d, MaxPool2d, Unflatten, conv_output_size
from .layers import Activation, Dense, Flatten
from .model import Sequential

__all__ = ["MODELS", "build_model", "cnn_for", "image_cnn", "mlp", "mnist1d_cnn",
           "parse_activation"]

MODELS = ("mlp", "cnn")


def _act(activation: Any, params: Mapping[str, Any] | None) -> Activation:
    return Activation(activation, **dict(params or {}))


def parse_activation(text: str) -> tuple[str, dict[str, Any]]:
    """``"NAME[:k=v,...]"`` or ``"expr:FORMULA[:k=v,...]"`` -> ``(name, params)``; values are
    numbers, booleans or strings.

    >>> parse_activation("leaky_relu:alpha=0.2")
    ('leaky_relu', {'alpha': 0.2})
    >>> parse_activation("relu")
    ('relu', {})
    """
    from ..activations.expr import split_spec

    name, rest = split_spec(text)  # "expr:FORMULA:k=v" keeps the formula whole
    if not name or name == "expr:":
        raise ValueError(f"activation {text!r}: expected NAME or NAME:key=value,...")
    params: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, raw = item.partition("=")
        if not eq or not key.strip() or not raw.strip():
            raise ValueError(f"activation {text!r}: parameter {item!r} is not key=value")
        raw = raw.strip()
        value: Any
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
        if key.strip() in params:
            raise ValueError(f"activation {text!r}: parameter {key.strip()!r} given twice")
        params[key.strip()] = value
    return name, params


def mlp(n_in: int, hidden: Sequence[int], n_out: int, *, activation: Any = "relu",
        activation_params: Mapping[str, Any] | None = None, init: str | float = "auto",
        seed: int = 0, dtype: Any = np.float32) -> Sequential:
    """``n_in -> hidden[0] -> ... -> n_out``: Dense layers with ``activation`` between them."""
    sizes = [int(n_in), *(int(h) for h in hidden), int(n_out)]
    if any(s < 1 for s in sizes):
        raise ValueError(f"mlp: layer sizes must be positive, got {sizes}")
    layers: list = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [Dense(a, b, init=init), _act(activation, activation_params)]
    layers.append(Dense(sizes[-2], sizes[-1], init=init))
    return Sequential(layers, seed=seed, dtype=dtype)


def mnist1d_cnn(length: int = 40, n_classes: int = 10, *, channels: int = 25,
                activation: Any = "relu", activation_params: Mapping[str, Any] | None = None,
                init: str | float = "auto", seed: int = 0, dtype: Any = np.float32) -> Sequential:
    """The MNIST-1D paper's CNN (Greydanus & Kobak 2020): three ``Conv1d`` of ``channels``
    channels (kernel 5 stride 2 pad 1, then kernel 3 stride 2 pad 1 twice) and a linear read-out.

    For length 40 the feature maps are 19, 10 and 5 long (125 features for the read-out).
    """
    convs = [(1, channels, 5), (channels, channels, 3), (channels, channels, 3)]
    layers: list = [Unflatten((1, length))]
    size = length
    for c_in, c_out, k in convs:
        layers += [Conv1d(c_in, c_out, k, stride=2, padding=1, init=init),
                   _act(activation, activation_params)]
        size = conv_output_size(size, k, 2, 1)
    layers += [Flatten(), Dense(channels * size, n_classes, init=init)]
    return Sequential(layers, seed=seed, dtype=dtype)


def image_cnn(sample_shape: Sequence[int], n_classes: int = 10, *,
              channels: Sequence[int] = (16, 32), hidden: int = 128, activation: Any = "relu",
              activation_params: Mapping[str, Any] | None = None, init: str | float = "auto",
              seed: int = 0, dtype: Any = np.float32) -> Sequential:
    """A small image CNN: per entry of ``channels`` a 3x3 ``Conv2d`` (padding 1), the activation
    and 2x2 max pooling; then a hidden Dense layer of ``hidden`` units and the logits."""
    c, h, w = (int(s) for s in sample_shape)
    layers: list = [Unflatten((c, h, w))]
    for c_out in channels:
        if h < 2 or w < 2:
            raise ValueError(f"image_cnn: {len(channels)} pooling stages do not fit "
                             f"images of shape {tuple(sample_shape)}")
        layers += [Conv2d(c, int(c_out), 3, padding=1, init=init),
                   _act(activation, activation_params), MaxPool2d(2)]
        c, h, w = int(c_out), h // 2, w // 2
    layers += [Flatten(), Dense(c * h * w, hidden, init=init),
               _act(activation, activation_params), Dense(hidden, n_classes, init=init)]
    return Sequential(layers, seed=seed, dtype=dtype)


def cnn_for(dataset: Any, *, activation: Any = "relu",
            activation_params: Mapping[str, Any] | None = None, init: str | float = "auto",
            seed: int = 0, dtype: Any = np.float32) -> Sequential:
    """A small CNN suited to ``dataset`` (a :class:`~actlab.data.Dataset`) from its
    ``sample_shape``: the MNIST-1D CNN for signals ``(1, L)``, :func:`image_cnn` for images.

    >>> from actlab.data import digits
    >>> [type(layer).__name__ for layer in cnn_for(digits())][:4]
    ['Unflatten', 'Conv2d', 'Activation', 'MaxPool2d']
    """
    shape = tuple(dataset.sample_shape)
    kw = dict(activation=activation, activation_params=activation_params, init=init,
              seed=seed, dtype=dtype)
    if len(shape) == 2 and shape[1] >= 16:
        return mnist1d_cnn(shape[1], dataset.n_classes, **kw)
    if len(shape) == 3 and min(shape[1:]) >= 4:
        return image_cnn(shape, dataset.n_classes, **kw)
    raise ValueError(f"--model cnn needs signals or images (mnist1d, digits, mnist); "
                     f"{dataset.name} samples have shape {shape}: use --model mlp")


def build_model(kind: str, dataset: Any, *, hidden: Sequence[int] = (128, 128),
                activation: Any = "relu", activation_params: Mapping[str, Any] | None = None,
                init: str | float = "auto", seed: int = 0, dtype: Any = np.float32) -> Sequential:
    """``"mlp"`` (with ``hidden`` sizes) or ``"cnn"`` (:func:`cnn_for`) for ``dataset``."""
    kw = dict(activation=activation, activation_params=activation_params, init=init,
              seed=seed, dtype=dtype)
    if kind == "mlp":
        return mlp(dataset.n_features, hidden, dataset.n_classes, **kw)
    if kind == "cnn":
        return cnn_for(dataset, **kw)
    raise ValueError(f"unknown model {kind!r} (known: {', '.join(MODELS)})")
