"""The README works as pasted: every ```python block runs, every `actlab` command exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
PYTHON = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
BASH = re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S)


def test_readme_has_the_newcomer_sections():
    for heading in ("## Python API", "## Networks: `actlab.nn`", "## Data: `actlab.data`",
                    "## Studies from Python", "### From a laptop to a Dask cluster",
                    "## Plotting", "source .venv/bin/activate"):
        assert heading in TEXT
    assert len(PYTHON) >= 6


# the Dask block starts a cluster (tests/studies/test_parallel.py covers that path quickly)
CASES = [pytest.param(i, marks=pytest.mark.slow) if "LocalCluster" in code else i
         for i, code in enumerate(PYTHON)]


def test_every_python_block_compiles():
    for i, code in enumerate(PYTHON):
        compile(code, f"README.md python block {i}", "exec")


@pytest.mark.parametrize("i", CASES)
def test_python_block_runs_as_pasted(i, tmp_path, monkeypatch):
    code = PYTHON[i]
    if "distributed" in code:
        pytest.importorskip("distributed")
    if "to_onnx" in code:
        pytest.importorskip("onnx")
    monkeypatch.chdir(tmp_path)  # blocks write their files (models, studies, figures) here
    exec(compile(code, f"README.md python block {i}", "exec"), {"__name__": "__readme__"})


def _commands() -> list[list[str]]:
    out = []
    for block in BASH:
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().rstrip("&").strip()
            if line:
                argv = shlex.split(line)
                ends = (">", ">>", "|", "||", "&&", "2>", ";")
                cut = [i for i, a in enumerate(argv) if a in ends]
                out.append(argv[:cut[0]] if cut else argv)  # the command, not its redirection
    return out


def test_bash_commands_exist():
    from actlab.cli import build_parser

    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    parser = build_parser()
    subcommands = set(parser._subparsers._group_actions[0].choices)
    seen = 0
    for argv in _commands():
        if argv[0] == "make":
            assert re.search(rf"^{argv[1]}:", makefile, flags=re.M), argv
        elif argv[0] == "actlab" and argv[1] != "--version":
            assert argv[1] in subcommands, argv
            parser.parse_args(argv[1:])  # the options exist and parse (nothing runs)
            seen += 1
    assert seen >= 8
