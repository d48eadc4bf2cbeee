"""The source distribution is complete and installs without node (the lab page is prebuilt).

Both builds call setuptools' PEP 517 hooks (what ``pip install`` and ``python -m build`` call) in
a subprocess, with no network and no build isolation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _hook(name: str, source: Path, out: Path) -> Path:
    code = f"import sys; from setuptools import build_meta; print(build_meta.{name}(sys.argv[1]))"
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code, str(out)], cwd=source, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    return _hook("build_sdist", ROOT, tmp_path_factory.mktemp("sdist"))


def test_sdist_carries_license_tests_benchmarks_examples_and_the_built_page(sdist):
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for path in ("LICENSE", "README.md", "Makefile", "pyproject.toml", "setup.py", ".ci/run",
                 "src/actlab/lab/lab_template.html", "src/actlab/activations/_kernels.h",
                 "tests/test_packaging.py", "benchmarks/bench_parallel.py",
                 "examples/from_scratch.py"):
        assert path in names, path
    assert not [n for n in names if "node_modules" in n or n.endswith((".pyc", ".so"))]


@pytest.mark.slow
def test_wheel_from_the_sdist_installs_and_runs_without_node(sdist, tmp_path):
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path / "src", filter="data")
    (unpacked,) = (tmp_path / "src").iterdir()
    wheel = _hook("build_wheel", unpacked, tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(next(n for n in zf.namelist() if n.endswith("METADATA"))).decode()
        assert "License-Expression: MIT" in meta
        assert "actlab/lab/lab_template.html" in zf.namelist()
        zf.extractall(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    code = ("import sys, actlab; from actlab.cli import main; print(actlab.__file__); "
            "sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "lab", "-o", str(tmp_path / "lab.html")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith(str(tmp_path / "site"))  # the installed copy, not the tree
    assert (tmp_path / "lab.html").stat().st_size > 50_000
