"""Every module docstring's example runs as pasted: in a fresh namespace, not the module's."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import actlab


def _modules() -> list[str]:
    out = []
    for m in pkgutil.walk_packages(actlab.__path__, "actlab."):
        if m.name.endswith(("__main__", "_torch_modules")):
            continue
        out.append(m.name)
    return out


@pytest.mark.parametrize("name", _modules())
def test_module_example_runs_as_pasted(name):
    doc = importlib.import_module(name).__doc__ or ""
    if ">>>" not in doc:
        return
    test = doctest.DocTestParser().get_doctest(doc, {}, name, None, 0)
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    runner = doctest.DocTestRunner(optionflags=flags)
    report = io.StringIO()
    result = runner.run(test, out=report.write)
    assert result.failed == 0, report.getvalue()
