"""Shared test configuration.

The torch, ONNX and Dask tests use ``pytest.importorskip``; in CI (``CI`` set to anything but
``0``/``false``, as ``.ci/run`` does, or ``ACTLAB_REQUIRE_TORCH=1``) a missing torch, onnx,
onnxruntime or distributed is an error before any test runs, so CI cannot go green by skipping
them (``tests/test_ci_requirements.py`` checks this guard).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

# the optional packages whose tests must run in CI, and how to install each
REQUIRED_IN_CI = {"torch": "torch==2.13.0", "onnx": "the test extra", "onnxruntime":
                  "the test extra", "distributed": "the test extra"}


def in_ci() -> bool:
    """Whether this is a CI run (then the optional packages' tests must not be skipped)."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("ACTLAB_REQUIRE_TORCH") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if not in_ci():
        return
    import importlib

    for name, how in REQUIRED_IN_CI.items():
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise pytest.UsageError(
                f"CI is set but {name} is not importable (install {how}): its tests would be "
                "skipped") from exc


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)
