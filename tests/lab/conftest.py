"""Shared helpers for the lab tests: where the JS sources are, and running them in node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web" / "lab"
NODE = shutil.which("node")


def need_node() -> str:
    """The node executable; skip without one unless CI is set (then it must exist)."""
    if NODE is None:
        if os.environ.get("CI"):
            pytest.fail("node is required in CI for the lab's engine tests")
        pytest.skip("node is not installed")
    if not (WEB / "src").is_dir():
        pytest.skip("the lab's JS sources are not in this checkout")
    return NODE


def run_node(script: str, payload: Any, timeout: float = 60) -> Any:
    """Run ``web/lab/tools/<script>`` with ``payload`` as JSON on stdin; parse its stdout."""
    node = need_node()
    proc = subprocess.run(
        [node, str(WEB / "tools" / script)], input=json.dumps(payload), capture_output=True,
        text=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"node {script} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def to_js(v: float) -> float | str:
    """A float for the node tools' JSON: non-finite values as the strings they parse back."""
    return v if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf"))


def from_js(values: Any) -> np.ndarray:
    """The node tools' numbers (``"nan"``, ``"inf"`` included) as a float64 array."""
    return np.array([float(v) for v in values], dtype=np.float64)
