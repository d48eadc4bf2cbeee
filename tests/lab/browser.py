"""Headless Chromium for the lab's end-to-end tests and benchmark (Selenium, system browser).

Selenium is pointed at Debian's ``/usr/bin/chromedriver`` explicitly, so selenium-manager never
downloads anything. The flags keep Chromium from any background network traffic of its own.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
         "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps",
         "--hide-scrollbars", "--mute-audio", "--disable-features=Translate,MediaRouter"]


def executables() -> tuple[str, str] | None:
    """(chromium, chromedriver) paths, or None when either is missing."""
    browser = os.environ.get("ACTLAB_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    driver = os.environ.get("ACTLAB_CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not driver:
        return None
    return browser, driver


def start(width: int = 1400, height: int = 1000, downloads: Path | None = None):
    """A Selenium Chrome driver on the system browser with performance (network) logging."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = executables()
    if found is None:
        raise RuntimeError("chromium and chromedriver are required")
    browser, driver = found
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--window-size={width},{height}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if downloads is not None:
        opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                               "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(executable_path=driver), options=opts)


def network_requests(driver, page_url: str) -> list[str]:
    """URLs the page requested besides itself (data:/blob: URLs never leave the browser)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
            local = url.startswith(("data:", "blob:"))
            if url.split("#")[0] != page_url.split("#")[0] and not local:
                urls.append(url)
    return urls


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def wait_ready(driver, timeout: float = 15.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.documentElement.dataset.ready === '1'"))
