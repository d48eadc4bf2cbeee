"""The articles' CNN example, worked with actlab's layers.

A 3x3 input holding 1..9 is scanned by the 2x2 kernel [[-1, 0], [0, 1]] with stride 1. Every
window gives (bottom-right) - (top-left) = 4, so the feature map is [[4, 4], [4, 4]]; ReLU keeps
it (all positive) and a 2x2 max pool reduces it to a single 4.

Like PyTorch, JAX and Keras, actlab's "convolution" is cross-correlation: the kernel is not
flipped. A textbook convolution (flipped kernel) would give -4 everywhere, which ReLU zeroes.

Run:  .venv/bin/python examples/cnn_example.py
"""

from __future__ import annotations

import numpy as np

from actlab.nn import Activation, Conv2d, MaxPool2d
from actlab.nn.conv import conv2d_naive


def show(title: str, a: np.ndarray) -> None:
    print(f"{title}:")
    print(a)


def main() -> None:
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # (batch, channels, height, width)
    kernel = np.array([[-1.0, 0.0], [0.0, 1.0]])

    conv = Conv2d(1, 1, kernel_size=2, stride=1, bias=False)
    conv.build(np.random.default_rng(0), np.float64)
    conv.params["W"][0, 0] = kernel

    feature_map = conv.forward(x)
    relu = Activation("relu").forward(feature_map)
    pooled = MaxPool2d(2).forward(relu)

    show("input (3x3)", x[0, 0])
    show("kernel (2x2)", kernel)
    for i in range(2):
        for j in range(2):
            window = x[0, 0, i:i + 2, j:j + 2]
            terms = " + ".join(f"({k:g})({v:g})" for k, v in zip(kernel.ravel(), window.ravel()))
            print(f"y[{i},{j}] = {terms} = {np.sum(window * kernel):g}")
    show("feature map (stride 1, no padding)", feature_map[0, 0])
    show("after ReLU", relu[0, 0])
    show("after 2x2 max pooling", pooled[0, 0])
    flipped = conv2d_naive(x, kernel[::-1, ::-1][None, None])
    show("a flipped-kernel (textbook) convolution would give", flipped[0, 0])
    assert np.array_equal(feature_map[0, 0], [[4.0, 4.0], [4.0, 4.0]])


if __name__ == "__main__":
    main()
