"""Training parity with PyTorch: same initial weights, same batches, same losses for 20 steps.

An actlab ``Sequential`` is mirrored layer by layer into ``torch.nn`` (Dense -> Linear with the
transposed weight, Conv -> Conv with the same ``(out, in, *k)`` weight, activations through
``torch.nn.functional``); both are trained in float64 with the same optimizer settings and the
per-step losses must agree to ``rtol=1e-10``, as must the final weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from actlab.nn import SGD, Adam, get_loss
from actlab.nn.conv import Conv1d, Conv2d, MaxPool1d, MaxPool2d, Unflatten
from actlab.nn.layers import Activation, Dense, Flatten
from actlab.nn.zoo import image_cnn, mlp, mnist1d_cnn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

STEPS = 20
RTOL = 1e-10


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny models: torch's thread pool only adds contention on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _torch_activation(name: str, params: dict):
    F = torch.nn.functional
    table = {
        "relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "silu": F.silu,
        "gelu": lambda t: F.gelu(t, approximate="tanh" if params.get("approximate") == "tanh"
                                 else "none"),
        "leaky_relu": lambda t: F.leaky_relu(t, params.get("alpha", 0.01)),
        "elu": lambda t: F.elu(t, params.get("alpha", 1.0)),
    }
    fn = table[name]

    class Act(torch.nn.Module):
        def forward(self, t):
            return fn(t)

    return Act()


def to_torch(model) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` holding copies of ``model``'s weights."""
    mods = []
    for layer in model:
        p = {k: torch.tensor(v) for k, v in layer.params.items()}
        if isinstance(layer, Dense):
            m = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias,
                                dtype=torch.float64)
            m.weight.data.copy_(p["W"].T)
        elif isinstance(layer, (Conv1d, Conv2d)):
            cls = torch.nn.Conv1d if isinstance(layer, Conv1d) else torch.nn.Conv2d
            m = cls(layer.in_channels, layer.out_channels, layer.kernel_size,
                    stride=layer.stride, padding=layer.padding, bias=layer.bias,
                    dtype=torch.float64)
            m.weight.data.copy_(p["W"])
        elif isinstance(layer, (MaxPool1d, MaxPool2d)):
            cls = torch.nn.MaxPool1d if isinstance(layer, MaxPool1d) else torch.nn.MaxPool2d
            m = cls(layer.kernel_size, stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, Activation):
            m = _torch_activation(layer.name, layer.f.params)
        elif isinstance(layer, Flatten):
            m = torch.nn.Flatten()
        elif isinstance(layer, Unflatten):
            m = torch.nn.Unflatten(1, layer.shape)
        else:  # pragma: no cover - only the layers used below
            raise TypeError(layer)
        if "b" in p:
            m.bias.data.copy_(p["b"])
        mods.append(m)
    return torch.nn.Sequential(*mods)


def torch_params(tmodel, model):
    """Torch parameters in actlab's order, as numpy arrays in actlab's layout."""
    out = []
    for tm, layer in zip(tmodel, model):
        for key in layer.params:
            t = (tm.weight if key == "W" else tm.bias).detach().numpy()
            out.append(t.T if isinstance(layer, Dense) and key == "W" else t)
    return out


def run_both(model, X, y, make_opts, batch=16):
    rng = np.random.default_rng(7)
    batches = [rng.choice(len(X), size=batch, replace=False) for _ in range(STEPS)]
    tmodel = to_torch(model)
    ours, theirs = make_opts(tmodel)
    loss = get_loss("softmax_cross_entropy")
    params, grads = model.parameters(), model.gradients()
    la, lt = [], []
    for idx in batches:
        out = model.forward(X[idx], training=True)
        value, dout = loss.value_and_grad(out, y[idx])
        model.backward(dout, need_input_grad=False)
        ours.step(params, grads)
        la.append(value)

        theirs.zero_grad()
        tl = torch.nn.functional.cross_entropy(tmodel(torch.tensor(X[idx])),
                                               torch.tensor(y[idx]))
        tl.backward()
        theirs.step()
        lt.append(tl.item())
    np.testing.assert_allclose(la, lt, rtol=RTOL, atol=0)
    for a, t in zip(params, torch_params(tmodel, model)):
        np.testing.assert_allclose(a, t, rtol=1e-8, atol=1e-10)
    assert np.mean(la[-5:]) < np.mean(la[:5])  # it did train
    return la


OPTIMIZERS = {
    "sgd": lambda tm: (SGD(lr=0.05, momentum=0.9), torch.optim.SGD(tm.parameters(), lr=0.05,
                                                                   momentum=0.9)),
    "adam": lambda tm: (Adam(lr=3e-3), torch.optim.Adam(tm.parameters(), lr=3e-3)),
}


def _data(n, d, k, seed=0):
    """Gaussian inputs with learnable labels (the argmax of a fixed random linear map)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, (X @ rng.normal(size=(d, k))).argmax(axis=1)


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@pytest.mark.parametrize("activation", ["relu", "gelu", "tanh"])
def test_mlp_parity(opt, activation):
    X, y = _data(64, 10, 4)
    model = mlp(10, [32, 16], 4, activation=activation, seed=1, dtype=np.float64)
    run_both(model, X, y, OPTIMIZERS[opt])


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_mnist1d_cnn_parity(opt):
    X, y = _data(64, 40, 10)
    model = mnist1d_cnn(40, 10, channels=6, seed=2, dtype=np.float64)
    run_both(model, X, y, OPTIMIZERS[opt])


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_image_cnn_parity(opt):
    X, y = _data(48, 64, 10)
    model = image_cnn((1, 8, 8), 10, channels=(4, 6), hidden=16, activation="silu", seed=3,
                      dtype=np.float64)
    run_both(model, X, y, OPTIMIZERS[opt])
