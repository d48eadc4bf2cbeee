"""The written page (no browser): one offline file, the registry injected, safe escaping,
the CLI."""

from __future__ import annotations

import json
import re

import pytest

import actlab
from actlab.cli import main
from actlab.lab import catalogue, explorer_html, page_html, write
from actlab.lab.page import MAX_BYTES, _script_json, js_kernels, template


def _catalogue_in(page: str) -> dict:
    m = re.search(r'<script id="actlab-catalogue" type="application/json">(.*?)</script>', page,
                  re.S)
    assert m
    return json.loads(m.group(1))


def test_page_is_one_small_offline_file():
    page = page_html()
    assert len(page.encode("utf-8")) <= MAX_BYTES
    assert "__ACTLAB_" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    # nothing is loaded from anywhere: no src/href attributes, no @import, no url() in CSS
    assert not re.search(r"""\s(src|href)\s*=\s*["'](?!#)""", page)
    assert "@import" not in page and "url(" not in page
    assert page.count("<script") == 2  # the catalogue (JSON) and the inline bundle


def test_catalogue_iterates_the_registry():
    cat = _catalogue_in(page_html())
    names = [e["name"] for e in cat["entries"]]
    assert names == actlab.names()
    for e in cat["entries"]:
        f = actlab.get(e["name"])
        assert e["info"]["formula"] == f.info.formula
        assert [p["name"] for p in e["params"]] == list(f.params)
        assert [k["derivative"] for k in e["info"]["kinks"]] == [k.derivative for k in f.info.kinks]
        for p in e["params"]:
            if p["slider"]:
                lo, hi, _ = p["slider"]
                assert lo <= p["default"] <= hi


def test_entries_without_js_kernels_get_sampled_curves():
    full = catalogue([])
    for e in full["entries"]:
        s = e["samples"]
        assert len(s["x"]) == len(s["f"]) == len(s["df"])
    relu = next(e for e in full["entries"] if e["name"] == "relu")["samples"]
    i = relu["x"].index(2.0)
    assert relu["f"][i] == 2.0 and relu["df"][i] == 1.0
    # the page's JS computes every current entry itself: nothing sampled
    assert set(js_kernels()) >= set(actlab.names())
    assert not any("samples" in e for e in _catalogue_in(page_html())["entries"])


def test_script_json_cannot_close_the_script_element():
    text = _script_json({"a": "</script><b>&\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><b>&\u2028"}
    with pytest.raises(ValueError):
        _script_json({"x": float("nan")})


def test_explorer_iframe_escapes_the_document():
    frag = explorer_html(height=500)
    assert frag.startswith("<iframe srcdoc=") and 'data-mode=&quot;explorer&quot;' in frag
    assert "<script" not in frag  # all markup is inside the escaped attribute
    with pytest.raises(ValueError):
        explorer_html(height=10)
    with pytest.raises(ValueError, match="unknown activation"):
        explorer_html(function="nope")
    assert "&quot;start&quot;:{&quot;fn&quot;:&quot;silu&quot;}" in explorer_html(function="swish")
    view = actlab.lab(height=400)
    assert "height:400px" in view._repr_html_()


def test_write_is_atomic_and_checks_the_target(tmp_path):
    path = write(tmp_path / "lab.html")
    assert path.read_text("utf-8") == page_html()
    assert [p.name for p in tmp_path.iterdir()] == ["lab.html"]
    with pytest.raises(IsADirectoryError):
        write(tmp_path)
    with pytest.raises(FileNotFoundError):
        write(tmp_path / "missing" / "lab.html")
    with pytest.raises(ValueError):
        page_html("nope")


def test_template_has_its_placeholders():
    tpl = template()
    for key in ("__ACTLAB_MODE__", "__ACTLAB_CATALOGUE__"):
        assert tpl.count(key) == 1


def test_cli_writes_the_page(tmp_path, capsys):
    out = tmp_path / "page.html"
    assert main(["lab", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert out.read_text("utf-8") == page_html()
    assert main(["lab", "-o", str(tmp_path / "e.html"), "--explorer-only"]) == 0
    assert 'data-mode="explorer"' in (tmp_path / "e.html").read_text("utf-8")


def test_cli_bad_target_is_one_line_exit_2(tmp_path, capsys):
    assert main(["lab", "-o", str(tmp_path / "no" / "x.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_node_unit_tests_of_the_engine_pass():
    """web/lab/test/*.test.mjs under node's own test runner (no npm packages needed)."""
    import subprocess

    from .conftest import WEB, need_node

    node = need_node()
    proc = subprocess.run([node, "--test", "test/"], cwd=WEB, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout


def test_study_explorer_skips_bad_specs_and_its_csp_hash_is_exact():
    import base64
    import hashlib
    import html as _html
    import re as _re

    from actlab.lab.page import study_explorer
    from actlab.report import csp

    frame, hashes = study_explorer(["relu", "expr:__import__('os')", "bogus", "silu:beta=2",
                                    "expr:x*sigmoid(beta*x):beta=2"])
    doc = _html.unescape(_re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert '"start":{"fn":"relu","compare":["silu","custom1"]}' in doc
    assert "__import__" not in doc
    body = _re.findall(r"<script>(.*?)</script>", doc, _re.S)
    assert len(body) == 1 and hashes == [
        "'sha256-" + base64.b64encode(hashlib.sha256(body[0].encode()).digest()).decode() + "'"]
    policy = csp("x", (*hashes, "'unsafe-inline'", "https://evil.example"))
    script_src = policy.split("script-src")[1].split(";")[0]
    assert hashes[0] in script_src and "unsafe" not in script_src and "evil" not in policy
