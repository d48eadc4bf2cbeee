"""``actlab --help`` starts light: only the chosen sub-command is registered in full, so the
top-level help imports neither the engine, the studies nor SciPy (benchmarks/bench_startup.py
times it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from actlab.cli import _MODULES, build_parser

HEAVY = ("actlab.nn", "actlab.studies", "actlab.diagnostics", "actlab.data", "scipy",
         "matplotlib", "sqlite3")


def _imported_by(argv: list[str]) -> set[str]:
    code = ("import sys\nfrom actlab.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sys.modules), file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return set(res.stderr.split())


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["lab", "--help"]])
def test_light_commands_import_nothing_heavy(argv):
    mods = _imported_by(argv)
    assert "actlab.cli" in mods
    heavy = sorted(m for m in mods if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert not heavy, f"actlab {' '.join(argv)} imported {heavy}"


def test_help_lists_every_command_either_way():
    names = [n for m in _MODULES for n in m.COMMANDS]
    full = build_parser()
    light = build_parser("list")
    for parser in (full, light):
        sub = parser._subparsers._group_actions[0]
        assert list(sub.choices) == names
        assert [a.help for a in sub._choices_actions] == [
            m.COMMANDS[n] for m in _MODULES for n in m.COMMANDS]
    # the chosen command is complete in the light parser; the others are bare placeholders
    light_sub = light._subparsers._group_actions[0].choices
    assert "--json" in light_sub["list"].format_help()
    assert "--dataset" not in light_sub["compare"].format_help()
    assert "--dataset" in full._subparsers._group_actions[0].choices["compare"].format_help()


def test_subcommand_help_unchanged(capsys):
    from actlab.cli import main

    with pytest.raises(SystemExit) as e:
        main(["compare", "--help"])
    assert e.value.code == 0
    assert "--budget" in capsys.readouterr().out
