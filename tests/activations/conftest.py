"""Fixtures for the activation tests: the gold table is computed lazily, once per session."""

from __future__ import annotations

import pytest

from .gold import GoldTable


@pytest.fixture(scope="session")
def gold() -> GoldTable:
    return GoldTable()
