"""Shared test configuration.

The torch parity tests use ``pytest.importorskip("torch")``; with ``ACTLAB_REQUIRE_TORCH=1`` (set by
``.ci/run``) a missing torch is an error instead of a skip, so CI cannot go green without them.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

REQUIRE_TORCH = os.environ.get("ACTLAB_REQUIRE_TORCH") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_TORCH:
        try:
            import torch  # noqa: F401
        except ImportError as exc:  # pragma: no cover - exercised only on a broken CI machine
            raise pytest.UsageError(
                "ACTLAB_REQUIRE_TORCH=1 but torch is not importable: install torch==2.13.0"
            ) from exc


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)
