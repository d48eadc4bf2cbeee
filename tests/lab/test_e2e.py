"""End-to-end: the written page in real headless Chromium (Debian's chromium + chromedriver).

Skipped only when the browser (or selenium) is missing *and* the CI variable is unset; in CI the
tests must run. One browser serves the whole module (a few seconds each test).
"""

from __future__ import annotations

import base64
import os
import time

import numpy as np
import pytest

import actlab
import actlab.nn as nn
from actlab.lab import write

from . import browser


def _need_browser():
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing = "selenium"
    else:
        missing = None if browser.executables() else "chromium/chromedriver"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is required in CI for the lab's end-to-end tests")
        pytest.skip(f"{missing} is not installed")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    _need_browser()
    path = write(tmp_path_factory.mktemp("lab") / "lab.html")
    return path.resolve().as_uri()


@pytest.fixture(scope="module")
def driver(page):
    d = browser.start(1400, 1000)
    yield d
    d.quit()


def open_page(d, url: str, *, ready: bool = True):
    """Load ``url`` with empty network and console logs; ``ready``: wait for the lab page's
    ready flag (a host page that embeds the lab in iframes has none of its own)."""
    d.get("about:blank")
    d.get_log("performance")
    d.get_log("browser")
    d.get(url)
    if ready:
        browser.wait_ready(d)


def test_loads_offline_with_no_requests_and_no_errors(driver, page):
    open_page(driver, page)
    driver.execute_script("actlab.show('playground'); actlab.step(30); actlab.preset('dying');"
                          "actlab.step(10); actlab.show('explorer')")
    assert browser.network_requests(driver, page) == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.console_errors(driver) == []
    csp = driver.execute_script(
        "return document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp


def test_explorer_lists_every_registry_entry(driver, page):
    open_page(driver, page)
    options = driver.execute_script(
        "return [...document.querySelectorAll('#ex-fn option')].map(o => o.value)")
    assert options == actlab.names()


def test_sliders_change_the_curves(driver, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(driver, page)
    sig = "return document.getElementById('ex-canvas').dataset.signature"
    before = driver.execute_script(sig)
    driver.find_element(By.ID, "ex-w").send_keys(Keys.ARROW_RIGHT * 4)
    after_w = driver.execute_script(sig)
    assert after_w != before
    driver.execute_script("actlab.explorer.select('leaky_relu')")
    before = driver.execute_script(sig)
    driver.find_element(By.ID, "ex-p-alpha").send_keys(Keys.ARROW_RIGHT * 20)
    assert driver.execute_script(sig) != before
    assert driver.execute_script("return actlab.explorer.state.params.leaky_relu.alpha") > 0.01


def test_play_lowers_the_loss(driver, page):
    from selenium.webdriver.common.by import By

    open_page(driver, page)
    driver.execute_script("actlab.show('playground'); actlab.load({data: 'gauss', layers: [8], "
                          "acts: ['tanh'], lr: 0.1, opt: 'sgd', seed: 3})")
    start = driver.execute_script("return actlab.record()")
    driver.find_element(By.ID, "pg-play").click()
    deadline = time.time() + 10
    while time.time() < deadline and driver.execute_script("return actlab.record().step") < 150:
        time.sleep(0.1)
    driver.find_element(By.ID, "pg-play").click()
    end = driver.execute_script("return actlab.record()")
    assert not driver.execute_script("return actlab.playing()")
    assert end["step"] >= 150
    assert end["train_loss"] < 0.7 * start["train_loss"]


def test_deep_sigmoid_preset_shows_vanishing_gradients(driver, page):
    open_page(driver, page)
    rec = driver.execute_script("actlab.show('playground'); actlab.preset('vanishing');"
                                "return actlab.step(5)")
    g = rec["grad_norms"]
    assert len(g) == 11 and g[0] > 0
    assert g[0] < 1e-3 * g[-1]
    watch = driver.execute_script("return document.getElementById('pg-watch').textContent")
    assert "gradient" in watch


def test_dying_relu_preset_kills_units_and_leaky_relu_does_not(driver, page):
    open_page(driver, page)
    dying = driver.execute_script("actlab.preset('dying'); return actlab.step(200)")
    leaky = driver.execute_script("actlab.preset('leaky'); return actlab.step(200)")
    assert sum(dying["dead"]) > 0
    assert sum(leaky["dead"]) == 0


def test_url_hash_round_trip_restores_the_state(driver, page):
    open_page(driver, page)
    cfg = {"data": "spiral3", "layers": [12, 6, 3], "acts": ["gelu", "leaky_relu", "tanh"],
           "init": "he_normal", "bias": 0.1, "loss": "softmax_cross_entropy", "opt": "adam",
           "lr": 0.003, "batch": 17, "l1": 0.0001, "l2": 0.001, "clip": 1, "seed": 42,
           "noise": 0.35, "split": 0.4}
    want = driver.execute_script("actlab.show('playground'); return actlab.load(arguments[0])", cfg)
    driver.execute_script("actlab.explorer.select('mish')")
    url = driver.execute_script("return location.href")
    assert "#" in url and "fn=mish" in url
    open_page(driver, url)
    got = driver.execute_script("return actlab.config()")
    assert got == want
    for key, value in cfg.items():
        assert got[key] == value, key
    assert driver.execute_script("return document.getElementById('playground').hidden") is False
    assert driver.execute_script("return actlab.explorer.state.primary") == "mish"


def test_hostile_url_hash_falls_back_to_defaults(driver, page):
    """Names of Object.prototype's members (fn=constructor, data=__proto__) passed the page's
    `in` checks and broke it; now they are unknown names like any other."""
    open_page(driver, page + "#tab=playground&fn=constructor&data=__proto__&layers=1e9"
              "&acts=%3Cscript%3E&lr=Infinity&constructor=1")
    assert browser.console_errors(driver) == []
    cfg = driver.execute_script("return actlab.config()")
    assert cfg["data"] == "circles" and cfg["layers"] == [32] and cfg["lr"] == 0.1
    assert driver.execute_script("return actlab.explorer.state.primary") != "constructor"


def test_exported_model_loads_in_python_with_equal_predictions(driver, page, tmp_path):
    open_page(driver, page)
    driver.execute_script("actlab.load({data: 'blobs3', layers: [8, 8], acts: ['silu', 'elu'], "
                          "opt: 'adam', lr: 0.01, seed: 5}); actlab.step(40)")
    data = driver.execute_script("return actlab.exportModel()")
    path = tmp_path / "page.npz"
    path.write_bytes(base64.b64decode(data["base64"]))
    model = nn.load(path)
    X = np.array(driver.execute_script("return actlab.exportData().test.X")).reshape(-1, 2)
    page_out = np.array(driver.execute_script("return actlab.predict(arguments[0])", X.tolist()))
    np.testing.assert_allclose(model.predict(X).ravel(), page_out, rtol=1e-12, atol=1e-14)
    # and back: a Python-saved model imports into the page
    for layer in model.layers:
        for p in layer.params.values():
            p *= 0.5
    nn.save(model, path)
    b64 = base64.b64encode(path.read_bytes()).decode()
    driver.execute_script("actlab.importModel(arguments[0])", b64)
    csv = driver.execute_script("return actlab.exportCurves()").splitlines()
    assert csv[0] == "step,train_loss,test_loss" and csv[-1].startswith("40,")
    page_out = np.array(driver.execute_script("return actlab.predict(arguments[0])", X.tolist()))
    np.testing.assert_allclose(model.predict(X).ravel(), page_out, rtol=1e-12, atol=1e-14)


def test_keyboard_space_plays_and_pauses(driver, page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(driver, page)
    driver.execute_script("actlab.show('playground'); document.activeElement.blur()")
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    assert driver.execute_script("return actlab.playing()")
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    assert not driver.execute_script("return actlab.playing()")
    step = driver.execute_script("return actlab.record().step")
    ActionChains(driver).send_keys("s").perform()
    assert driver.execute_script("return actlab.record().step") == step + 1


@pytest.mark.parametrize("width", [420, 1400])
def test_layout_fits_the_width(driver, page, width, tmp_path):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    try:
        for tab in ("explorer", "playground"):
            open_page(driver, page)
            driver.execute_script(f"actlab.show('{tab}')")
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{tab} at {width}px is {overflow}px too wide"
            driver.save_screenshot(str(tmp_path / f"{tab}-{width}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_run_in_chromium_replays_in_python(driver, page, tmp_path):
    """The engine as bundled into the page, in the browser, equals actlab.nn step for step."""
    from .replay import assert_same_losses, load_b64, replay

    open_page(driver, page)
    cfg = driver.execute_script(
        "return actlab.load({data: 'spiral3', layers: [12, 12], acts: ['gelu', 'softplus'], "
        "opt: 'adam', lr: 0.02, batch: 8, l2: 0.001, clip: 2, seed: 11})")
    start = driver.execute_script("return actlab.exportModel()")
    data = driver.execute_script("return actlab.exportData(60)")
    losses = driver.execute_script(
        "const out = []; for (let i = 0; i < 60; i++) out.push(actlab.step(1).batch_loss);"
        "return out")
    model = load_b64(start["base64"], tmp_path, "start.npz")
    X = np.array(data["train"]["X"], dtype=np.float64).reshape(-1, 2)
    ours = replay(model, cfg, data["loss"], X, data["train"]["y"], data["batches"])
    assert_same_losses(losses, ours)


def test_side_by_side_layout_and_csv_drop_in(driver, page, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    open_page(driver, page)
    Select(driver.find_element(By.ID, "ex-mode")).select_by_value("side")
    assert driver.find_element(By.ID, "ex-canvas-d").is_displayed()
    csv = tmp_path / "points.csv"
    rows = ["x1,x2,label"] + [f"{0.1 * i - 1:.2f},{(i * 7 % 13) / 13 - 0.5:.3f},{i % 3 * 5}"
                              for i in range(30)]
    csv.write_text("\n".join(rows) + "\n")
    driver.execute_script("actlab.show('playground')")
    driver.find_element(By.ID, "pg-csv").send_keys(str(csv))
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "return actlab.config().data === 'csv'"))
    data = driver.execute_script("return actlab.exportData()")
    assert data["classes"] == 3 and data["loss"] == "softmax_cross_entropy"
    assert len(data["train"]["y"]) + len(data["test"]["y"]) == 30
    assert "30 rows, 3 classes" in driver.find_element(By.ID, "pg-csv-msg").text
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,oops,6\n")
    driver.find_element(By.ID, "pg-csv").send_keys(str(bad))
    WebDriverWait(driver, 10).until(lambda d: "line 2" in d.find_element(By.ID, "pg-csv-msg").text)
    assert browser.console_errors(driver) == []


def test_notebook_view_and_report_embed_work_in_iframes(driver, tmp_path):
    """actlab.lab() and explorer_html(): the page inside <iframe srcdoc>, sandboxed, offline."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    host = tmp_path / "host.html"
    host.write_text("<!DOCTYPE html><html><body>" + actlab.lab(height=600)._repr_html_()
                    + actlab.lab.explorer_html(height=500, function="gelu") + "</body></html>",
                    "utf-8")
    url = host.resolve().as_uri()
    open_page(driver, url, ready=False)
    frames = driver.find_elements(By.TAG_NAME, "iframe")
    assert len(frames) == 2
    modes = []
    for frame in frames:
        driver.switch_to.frame(frame)
        browser.wait_ready(driver)
        modes.append(driver.execute_script("return document.documentElement.dataset.mode"))
        if modes[-1] == "full":
            WebDriverWait(driver, 5).until(
                lambda d: d.execute_script("return actlab.step(5).step") == 5)
        driver.switch_to.default_content()
    assert modes == ["full", "explorer"]
    driver.switch_to.frame(frames[1])
    assert driver.execute_script("return actlab.explorer.state.primary") == "gelu"
    driver.switch_to.default_content()
    assert browser.network_requests(driver, url) == []
    assert browser.console_errors(driver) == []


def test_custom_activation_in_the_explorer_and_playground(driver, tmp_path):
    """--define: the custom function is drawn (in-browser values equal Python's), trains in a
    layer, and the exported model (carrying the formula) loads in Python with equal outputs."""
    from actlab.cli import main

    out = tmp_path / "custom.html"
    assert main(["lab", "-o", str(out), "--define", "lab_e2e=x*sigmoid(beta*x):beta=1.5",
                 "--define", "lab_kink=where(x < 0, 0.1*x, x)"]) == 0
    open_page(driver, out.resolve().as_uri())
    x = [-800.0, -3.25, -0.0, 0.0, 0.5, 2.0, 800.0]
    for name, params in (("lab_e2e", {"beta": 0.7}), ("lab_kink", {})):
        fd = np.array(driver.execute_script("return actlab.evaluate(arguments[0], arguments[1],"
                                            " arguments[2])", name, x, params))
        f = actlab.get(name, **params)
        np.testing.assert_allclose(fd[:, 0], f(np.array(x)), rtol=4e-15, atol=0)
        np.testing.assert_allclose(fd[:, 1], f.grad(np.array(x)), rtol=4e-15, atol=0)
    cfg = driver.execute_script(
        "return actlab.load({data: 'xor', layers: [6, 6], acts: ['lab_e2e', 'lab_kink'],"
        " lr: 0.05, seed: 3})")
    assert cfg["acts"] == ["lab_e2e", "lab_kink"]
    rec = driver.execute_script("return actlab.step(20)")
    assert rec["step"] == 20 and np.isfinite(rec["train_loss"])
    data = driver.execute_script("return actlab.exportModel()")
    path = tmp_path / "m.npz"
    path.write_bytes(base64.b64decode(data["base64"]))
    model = nn.load(path)
    acts = [layer.f for layer in model.layers if isinstance(layer, nn.Activation)]
    assert [a.spec.extra["expr"] for a in acts] == ["x*sigmoid(beta*x)", "where(x < 0, 0.1*x, x)"]
    pts = np.random.default_rng(0).normal(size=(16, 2))
    page_pred = np.array(driver.execute_script("return actlab.predict(arguments[0])",
                                               pts.tolist()))
    np.testing.assert_allclose(page_pred.ravel(), model.predict(pts).ravel(), rtol=1e-12,
                               atol=1e-14)
    assert browser.console_errors(driver) == []


def test_report_embeds_the_explorer_under_its_csp(driver, tmp_path):
    """The report's section: the explorer runs inside the report's strict CSP (the srcdoc frame
    inherits it; the report allows the explorer's script by hash), opened on the study's
    activations with a custom formula among them, with no request and no console error."""
    from selenium.webdriver.common.by import By

    from actlab.report import page as report_page
    from actlab.report.sections import explorer_section

    _need_browser()
    scripts: list[str] = []
    section = explorer_section(["leaky_relu:alpha=0.2", "expr:x*tanh(x)", "no_such_fn"],
                               scripts)
    host = tmp_path / "index.html"
    host.write_text(report_page("report", "test", [section], tuple(scripts)), "utf-8")
    url = host.resolve().as_uri()
    open_page(driver, url, ready=False)
    frame = driver.find_element(By.TAG_NAME, "iframe")
    driver.switch_to.frame(frame)
    browser.wait_ready(driver)
    st = driver.execute_script("const s = actlab.explorer.state;"
                               "return [s.primary, [...s.compare]]")
    driver.switch_to.default_content()
    assert st == ["leaky_relu", ["custom1"]]
    assert browser.network_requests(driver, url) == []
    assert browser.console_errors(driver) == []


def test_a_csv_link_asks_for_the_file_again(driver, page):
    """A URL hash cannot hold a dropped CSV: the page says so and falls back to circles."""
    from selenium.webdriver.common.by import By

    open_page(driver, page + "#tab=playground&data=csv&layers=4&seed=2")
    assert driver.execute_script("return actlab.config()")["data"] == "circles"
    assert "URL cannot hold" in driver.find_element(By.ID, "pg-csv-msg").text
