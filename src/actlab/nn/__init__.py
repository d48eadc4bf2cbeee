"""actlab.nn: a from-scratch NumPy neural-network engine that trains with any catalogue activation.

>>> import numpy as np
>>> from actlab.nn import Sequential, Dense, Activation, Adam, fit
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
>>> y = np.array([0, 1, 1, 0])
>>> model = Sequential([Dense(2, 8), Activation("tanh"), Dense(8, 2)], seed=0)
>>> history = fit(model, X, y, loss="softmax_cross_entropy", optimizer=Adam(lr=0.05),
...               epochs=200, batch_size=4, progress=False)
>>> history[-1].train_accuracy
1.0

``to_torch`` / ``from_torch`` and ``to_onnx`` (:mod:`actlab.nn.export`) carry a model to PyTorch
and ONNX; in a notebook a model and a ``History`` display as a table and curves.
"""

from .base import LAYER_TYPES, Layer, register_layer
from .callbacks import Callback, EarlyStopping, EpochRecord, History
from .gradcheck import gradcheck, gradcheck_details
from .init import (
    constant,
    get_initializer,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    lecun_normal,
    lecun_uniform,
    ones,
    variance_scaling,
    zeros,
)
from .layers import Activation, BatchNorm, Dense, Dropout, Flatten, PReLU
from .losses import (
    MSE,
    SSE,
    BinaryCrossEntropy,
    Loss,
    SoftmaxCrossEntropy,
    binary_cross_entropy,
    get_loss,
    mse,
    softmax_cross_entropy,
    sse,
)
from .model import LayerError, Sequential, quiet
from .optim import (
    L1,
    L2,
    SGD,
    Adam,
    Optimizer,
    clip_grad_norm,
    clip_grad_value,
    get_optimizer,
    global_norm,
)
from .serialize import load, save
from .train import TrainingDiverged, fit

# Convolution and pooling layers (written alongside; importing registers them for load()).
from .conv import Conv1d, Conv2d, MaxPool1d, MaxPool2d, Unflatten  # noqa: E402
from . import zoo  # noqa: E402,F401  (model builders: mlp, cnn_for)
from .export import from_torch, to_onnx, to_torch  # noqa: E402  (torch/onnx imported lazily)
from .learnable import APL, PAU, KANLinear, update_grids  # noqa: E402  (learnable activations)

__all__ = [
    "LAYER_TYPES", "Layer", "register_layer",
    "Dense", "Activation", "Flatten", "Dropout", "PReLU", "BatchNorm",
    "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "Unflatten", "zoo",
    "PAU", "APL", "KANLinear", "update_grids",
    "Sequential", "LayerError", "quiet",
    "Loss", "SSE", "MSE", "BinaryCrossEntropy", "SoftmaxCrossEntropy",
    "sse", "mse", "binary_cross_entropy", "softmax_cross_entropy", "get_loss",
    "Optimizer", "SGD", "Adam", "get_optimizer", "L1", "L2",
    "clip_grad_norm", "clip_grad_value", "global_norm",
    "variance_scaling", "he_normal", "he_uniform", "glorot_normal", "glorot_uniform",
    "lecun_normal", "lecun_uniform", "zeros", "ones", "constant", "get_initializer",
    "fit", "TrainingDiverged", "Callback", "EarlyStopping", "EpochRecord", "History",
    "gradcheck", "gradcheck_details", "save", "load",
    "to_torch", "from_torch", "to_onnx",
]
