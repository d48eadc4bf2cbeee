"""In CI the optional packages' tests cannot be skipped: a missing torch stops the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REQUIRED_IN_CI, in_ci

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not in_ci(), reason="outside CI the optional packages may be absent")
def test_optional_packages_present_in_ci():
    import importlib

    for name in REQUIRED_IN_CI:
        importlib.import_module(name)  # the torch, ONNX and Dask tests really ran


@pytest.mark.parametrize("env", [{"CI": "true"}, {"CI": "", "ACTLAB_REQUIRE_TORCH": "1"}])
def test_missing_torch_fails_a_ci_run(env):
    # torch hidden (sys.modules["torch"] = None makes every import of it an ImportError)
    code = ("import sys; sys.modules['torch'] = None; import pytest; "
            "sys.exit(pytest.main(sys.argv[1:]))")
    args = ["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
            "tests/test_ci_requirements.py"]
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT,
                          env={**os.environ, "ACTLAB_REQUIRE_TORCH": "", **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "torch is not importable" in done.stderr


def test_outside_ci_a_missing_torch_only_skips():
    code = ("import sys; sys.modules['torch'] = None; import pytest; "
            "sys.exit(pytest.main(sys.argv[1:]))")
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-rs",
            "tests/nn/test_export_torch.py"]
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT,
                          env={**os.environ, "CI": "", "ACTLAB_REQUIRE_TORCH": ""},
                          capture_output=True, text=True, timeout=120)
    ok = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)  # every test skipped
    assert done.returncode in ok and "skipped" in done.stdout, done.stdout + done.stderr
