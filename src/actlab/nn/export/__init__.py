"""Export actlab networks to PyTorch and ONNX (both optional dependencies, imported lazily).

- :func:`to_torch` / :func:`from_torch`: ``torch.nn.Sequential`` with the same weights.
- :func:`to_onnx`: an ONNX model built with ``onnx.helper`` (no torch needed).
"""

from __future__ import annotations

from typing import Any


def to_torch(model: Any) -> Any:
    """``model`` as a ``torch.nn.Sequential`` (see :mod:`actlab.nn.export.torch`)."""
    from .torch import to_torch as convert

    return convert(model)


def from_torch(module: Any, *, seed: int = 0) -> Any:
    """A ``torch.nn.Sequential`` of supported modules as an actlab ``Sequential``."""
    from .torch import from_torch as convert

    return convert(module, seed=seed)


def to_onnx(model: Any, path: Any = None, **kwargs: Any) -> Any:
    """``model`` as an ``onnx.ModelProto``, written to ``path`` when one is given (see
    :mod:`actlab.nn.export.onnx`)."""
    from .onnx import to_onnx as convert

    return convert(model, path, **kwargs)


__all__ = ["from_torch", "to_onnx", "to_torch"]
