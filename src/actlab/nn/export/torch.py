"""``to_torch`` / ``from_torch``: an actlab ``Sequential`` as a ``torch.nn.Sequential`` and back.

Weights are copied (Dense ``W`` is ``(in, out)``, ``torch.nn.Linear.weight`` its transpose; every
other layer stores its arrays in PyTorch's layout already). Outputs and input gradients agree to
float64 rounding (tested to 1e-10). Activations map to torch's own modules where the convention is
the same, otherwise to the small modules of ``_torch_modules`` (silu with ``beta``, the sigmoid
GELU, softplus without torch's threshold) or, for entries torch lacks, to ``ActlabActivation``,
which calls actlab inside the torch graph. torch is imported only when these functions run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conv import Conv1d, Conv2d, MaxPool1d, MaxPool2d, Unflatten
from ..layers import Activation, BatchNorm, Dense, Dropout, Flatten, PReLU
from ..base import LAYER_TYPES
from ..model import Sequential
from ._common import rank_after

#: catalogue name -> torch.nn class name, for entries whose torch module is the same function
#: (values, kinks and parameters); the parameter is passed under torch's spelling.
_SAME = {
    "identity": ("Identity", {}), "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}),
    "relu": ("ReLU", {}), "relu6": ("ReLU6", {}), "mish": ("Mish", {}),
    "leaky_relu": ("LeakyReLU", {"alpha": "negative_slope"}),
    "softmax": ("Softmax", {"axis": "dim"}), "log_softmax": ("LogSoftmax", {"axis": "dim"}),
    "elu": ("ELU", {"alpha": "alpha"}), "selu": ("SELU", {}), "celu": ("CELU", {"alpha": "alpha"}),
    "log_sigmoid": ("LogSigmoid", {}),
    "hard_swish": ("Hardswish", {}), "hard_tanh": ("Hardtanh", {}), "softsign": ("Softsign", {}),
}


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("actlab.nn.to_torch needs PyTorch: pip install 'actlab[torch]' (or "
                          "torch from https://download.pytorch.org/whl/cpu)") from None
    return torch


def activation_module(f: Any) -> Any:
    """A torch module computing the catalogue activation ``f`` (an ``actlab.Activation``)."""
    torch = _torch()
    from . import _torch_modules as tm

    nn, p = torch.nn, f.params
    if f.name in _SAME:
        cls, rename = _SAME[f.name]
        return getattr(nn, cls)(**{rename[k]: v for k, v in p.items()})
    if f.name == "silu":
        return nn.SiLU() if p["beta"] == 1.0 else tm.ScaledSiLU(p["beta"])
    if f.name == "gelu" and p["approximate"] in ("none", "tanh"):
        return nn.GELU(approximate=p["approximate"])
    if f.name == "gelu":
        return tm.SigmoidGELU()
    if f.name == "softplus":
        return tm.ExactSoftplus(p["beta"])
    if f.name == "hard_sigmoid":
        return tm.ExactHardsigmoid()
    return tm.ActlabActivation(f)


def _set(module: Any, torch: Any, arrays: dict[str, np.ndarray]) -> None:
    for name, a in arrays.items():
        target = getattr(module, name)
        with torch.no_grad():
            target.copy_(torch.from_numpy(np.ascontiguousarray(a)))


def _layer_module(layer: Any, rank: int | None, torch: Any) -> tuple[Any, dict[str, Any]]:
    """The torch module for ``layer`` and the arrays to copy into it (once it has its dtype)."""
    nn, p = torch.nn, layer.params
    if isinstance(layer, Dense):
        m = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias)
        return m, {"weight": p["W"].T, **({"bias": p["b"]} if layer.bias else {})}
    if isinstance(layer, Activation) and not layer.params:
        return activation_module(layer.f), {}
    if isinstance(layer, Flatten):
        return nn.Flatten(), {}
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.p), {}
    if isinstance(layer, PReLU):
        return nn.PReLU(layer.num_parameters), {"weight": p["alpha"]}
    if isinstance(layer, BatchNorm):
        cls = {4: nn.BatchNorm2d, 5: nn.BatchNorm3d}.get(rank or 2, nn.BatchNorm1d)
        m = cls(layer.num_features, eps=layer.eps, momentum=layer.momentum, affine=layer.affine)
        affine = {"weight": p["gamma"], "bias": p["beta"]} if layer.affine else {}
        return m, {**affine, **layer.buffers}
    if isinstance(layer, (Conv1d, Conv2d)):
        cls = nn.Conv1d if isinstance(layer, Conv1d) else nn.Conv2d
        m = cls(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                padding=layer.padding, bias=layer.bias)
        return m, {"weight": p["W"], **({"bias": p["b"]} if layer.bias else {})}
    if isinstance(layer, (MaxPool1d, MaxPool2d)):
        cls = nn.MaxPool1d if isinstance(layer, MaxPool1d) else nn.MaxPool2d
        return cls(layer.kernel_size, stride=layer.stride, padding=layer.padding), {}
    if isinstance(layer, Unflatten):
        return nn.Unflatten(1, layer.shape), {}
    if type(layer).__name__ in LAYER_TYPES:  # learnable activations and other actlab layers
        from . import _torch_modules as tm

        return tm.ActlabLayer(layer), {}
    raise TypeError(f"to_torch: no torch counterpart for layer {layer!r}")


def to_torch(model: Sequential) -> Any:
    """A ``torch.nn.Sequential`` with ``model``'s layers, weights, buffers and dtype.

    Returned in evaluation mode, like :meth:`Sequential.predict` (dropout off, BatchNorm on its
    running statistics); call ``.train()`` to train it in torch.
    """
    torch = _torch()
    if not isinstance(model, Sequential):
        raise TypeError(f"to_torch expects an actlab.nn.Sequential, got {type(model).__name__}")
    dtype = {np.float32: torch.float32, np.float64: torch.float64}[model.dtype.type]
    pairs, rank = [], None
    for layer in model.layers:
        pairs.append(_layer_module(layer, rank, torch))
        rank = rank_after(layer, rank)
    seq = torch.nn.Sequential(*[m for m, _ in pairs]).to(dtype)
    for m, arrays in pairs:
        _set(m, torch, arrays)
    return seq.eval()


# --------------------------------------------------------------------------- from torch
def _plain(v: Any) -> Any:
    return tuple(int(i) for i in v) if isinstance(v, (tuple, list)) else int(v)


def _activation_from(m: Any, torch: Any) -> Activation | None:
    from . import _torch_modules as tm

    cls = type(m).__name__
    for name, (tcls, rename) in _SAME.items():
        if cls == tcls and type(m) is getattr(torch.nn, tcls):
            if cls == "Hardtanh" and (m.min_val, m.max_val) != (-1.0, 1.0):
                raise ValueError(f"from_torch: {m!r} (only min_val=-1, max_val=1 is hard_tanh)")
            return Activation(name, **{ours: getattr(m, theirs) for ours, theirs in
                                       rename.items()})
    if type(m) is torch.nn.SiLU:
        return Activation("silu")
    if type(m) is torch.nn.GELU:
        return Activation("gelu", approximate=m.approximate)
    if isinstance(m, tm.ScaledSiLU):
        return Activation("silu", beta=m.beta)
    if isinstance(m, tm.SigmoidGELU):
        return Activation("gelu", approximate="sigmoid")
    if isinstance(m, tm.ExactSoftplus):
        return Activation("softplus", beta=m.beta)
    if isinstance(m, (tm.ExactHardsigmoid, torch.nn.Hardsigmoid)):
        return Activation("hard_sigmoid")
    if type(m) is torch.nn.Softplus:
        # torch returns x above the threshold; the catalogue's exact softplus differs there by
        # at most log1p(exp(-threshold)) (2e-9 at torch's default 20)
        return Activation("softplus", beta=float(m.beta))
    if isinstance(m, tm.ActlabActivation):
        return Activation(m.activation)
    return None


def _layer_from(m: Any, torch: Any) -> Any:
    nn = torch.nn
    from . import _torch_modules as tm

    act = _activation_from(m, torch)
    if act is not None:
        return act, {}
    if isinstance(m, tm.ActlabLayer):
        layer = type(m.layer)(**m.layer.config())
        state = {k: getattr(m, k).detach().cpu().numpy() for k in m.keys}
        state.update({f"buffers.{k}": b.detach().cpu().numpy() for k, b in m.named_buffers()})
        return layer, state
    arrays = {k: v.detach().cpu().numpy() for k, v in m.state_dict().items()}
    if isinstance(m, nn.Linear):
        return (Dense(m.in_features, m.out_features, bias=m.bias is not None),
                {"W": arrays["weight"].T, **({"b": arrays["bias"]} if "bias" in arrays else {})})
    if isinstance(m, nn.Flatten) and (m.start_dim, m.end_dim) == (1, -1):
        return Flatten(), {}
    if isinstance(m, nn.Dropout):
        return Dropout(float(m.p)), {}
    if isinstance(m, nn.PReLU):
        return PReLU(m.num_parameters), {"alpha": arrays["weight"]}
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)) \
            and m.track_running_stats and m.momentum is not None:
        bn = BatchNorm(m.num_features, momentum=float(m.momentum), eps=float(m.eps),
                       affine=m.affine)
        state = {"buffers.running_mean": arrays["running_mean"],
                 "buffers.running_var": arrays["running_var"]}
        if m.affine:
            state.update({"gamma": arrays["weight"], "beta": arrays["bias"]})
        return bn, state
    if isinstance(m, (nn.Conv1d, nn.Conv2d)) and m.groups == 1 and m.padding_mode == "zeros" \
            and set(m.dilation) == {1} and not isinstance(m.padding, str):
        cls = Conv1d if isinstance(m, nn.Conv1d) else Conv2d
        conv = cls(m.in_channels, m.out_channels, _plain(m.kernel_size), stride=_plain(m.stride),
                   padding=_plain(m.padding), bias=m.bias is not None)
        return conv, {"W": arrays["weight"], **({"b": arrays["bias"]} if "bias" in arrays else {})}
    if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) and not m.ceil_mode \
            and not m.return_indices and set(np.ravel(m.dilation)) == {1}:
        cls = MaxPool1d if isinstance(m, nn.MaxPool1d) else MaxPool2d
        return cls(_plain(m.kernel_size), stride=_plain(m.stride), padding=_plain(m.padding)), {}
    if isinstance(m, nn.Unflatten) and m.dim == 1:
        return Unflatten(tuple(m.unflattened_size)), {}
    raise TypeError(f"from_torch: unsupported module {m!r} (supported: Linear, Conv1d/2d, "
                    "MaxPool1d/2d, BatchNorm1d/2d, PReLU, Dropout, Flatten, Unflatten, the "
                    "activations of actlab's catalogue and to_torch's actlab modules)")


def from_torch(module: Any, *, seed: int = 0) -> Sequential:
    """An actlab ``Sequential`` from a ``torch.nn.Sequential`` of supported modules (the inverse
    of :func:`to_torch`); dtype float64 when the torch parameters are float64, else float32."""
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(module).__name__}")
    pairs = [_layer_from(m, torch) for m in module]
    tensors = list(module.parameters()) + list(module.buffers())
    floating = [t.dtype for t in tensors if t.is_floating_point()]
    dtype = np.float64 if torch.float64 in floating else np.float32
    model = Sequential([layer for layer, _ in pairs], seed=seed, dtype=dtype)
    state = model.state()
    for i, (_, arrays) in enumerate(pairs):
        for k, a in arrays.items():
            key = f"{i}.{k}" if k.startswith("buffers.") else f"{i}.params.{k}"
            state[key] = np.asarray(a, dtype=dtype)
    model.load_state(state)
    return model
