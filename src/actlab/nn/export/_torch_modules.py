"""torch modules for activations whose PyTorch counterpart is missing or follows another
convention (imported only by :mod:`actlab.nn.export.torch`, which needs torch anyway)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

GELU_SIGMOID_C = 1.702


class ScaledSiLU(torch.nn.Module):
    """``x * sigmoid(beta * x)`` (torch's SiLU is the ``beta = 1`` case)."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta * x)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class SigmoidGELU(torch.nn.Module):
    """The sigmoid approximation of GELU, ``x * sigmoid(1.702 x)`` (torch has exact and tanh)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(GELU_SIGMOID_C * x)


class ExactSoftplus(torch.nn.Module):
    """``logaddexp(0, beta x) / beta`` for every x (torch's Softplus returns x above its
    ``threshold``, 20 by default, which differs from the exact value by up to 2e-9)."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.logaddexp(self.beta * x, torch.zeros_like(x)) / self.beta

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class ExactHardsigmoid(torch.nn.Module):
    """``relu6(x + 3) / 6`` with derivative exactly 1/6 inside (-3, 3) and 0 at and beyond the
    boundaries (torch 2.13's Hardsigmoid backward multiplies by a float32 1/6, even in float64:
    a relative error of 3e-8)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.relu6(x + 3.0) / 6.0


class _Numpy(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, act: Any) -> torch.Tensor:
        ctx.act = act
        ctx.save_for_backward(x)
        return torch.from_numpy(np.asarray(act(x.detach().cpu().numpy()))).to(x.device)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        dx = ctx.act.backward(g.detach().cpu().numpy(), x.detach().cpu().numpy())
        return torch.from_numpy(np.asarray(dx)).to(g.device), None


class ActlabActivation(torch.nn.Module):
    """Any catalogue activation, computed by actlab itself (NumPy, on the CPU) inside a torch
    graph; the backward pass is actlab's vector-Jacobian product. The fallback for entries
    without a torch counterpart (custom expressions, learnable forms)."""

    def __init__(self, activation: Any) -> None:
        super().__init__()
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _Numpy.apply(x, self.activation)

    def extra_repr(self) -> str:
        return repr(self.activation)


class _LayerFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, module: Any, *params: torch.Tensor) -> torch.Tensor:
        layer = module.layer
        for key, p in zip(module.keys, params):
            layer.params[key][...] = p.detach().cpu().numpy()
        ctx.module = module
        y = layer.forward(np.ascontiguousarray(x.detach().cpu().numpy()), training=module.training)
        return torch.from_numpy(np.array(y)).to(x.device)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        module = ctx.module
        layer = module.layer
        dx = layer.backward(np.ascontiguousarray(g.detach().cpu().numpy()))
        grads = [torch.from_numpy(layer.grads[k].copy()).to(g.device) for k in module.keys]
        return (torch.from_numpy(np.array(dx)).to(g.device), None, *grads)


class ActlabLayer(torch.nn.Module):
    """Any actlab layer (the learnable activations PAU, APL, KANLinear, ...) inside a torch
    graph: its parameters are torch ``Parameter``s (so torch optimizers train them), its forward
    and backward passes are actlab's own NumPy code on the CPU. One forward is followed by at
    most one backward (the layer keeps one forward's cache), as in actlab."""

    def __init__(self, layer: Any) -> None:
        super().__init__()
        self.layer = copy.deepcopy(layer)  # torch's updates never reach the source model
        self.keys = list(layer.params)
        for key in self.keys:
            self.register_parameter(key, torch.nn.Parameter(
                torch.from_numpy(np.array(layer.params[key], copy=True))))
        for key, b in getattr(layer, "buffers", {}).items():
            self.register_buffer(key, torch.from_numpy(np.array(b, copy=True)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for key, b in getattr(self.layer, "buffers", {}).items():  # buffers follow .to()/loads
            b[...] = getattr(self, key).detach().cpu().numpy()
        return _LayerFunction.apply(x, self, *[getattr(self, k) for k in self.keys])

    def extra_repr(self) -> str:
        return repr(self.layer)
