"""One headless Chromium for the browser tests: Debian's chromium driven by selenium through
the system chromedriver (nothing is downloaded), with a fresh profile each time."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(window: str, prefix: str, *, logs: bool = False) -> Iterator[Any]:
    """Yield a selenium driver of a headless Chromium with ``--window-size=window``; skip
    (saying what to install) without Chromium, chromedriver, Graphviz's dot or selenium."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "the browser tests need Chromium and chromedriver "
            "(Debian: sudo apt-get install chromium chromium-driver); not found on PATH"
        )
    if shutil.which("dot") is None:
        pytest.skip("the pictures need Graphviz's dot (sudo apt-get install graphviz)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download anything
    profile = tempfile.mkdtemp(prefix=prefix)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--window-size={window}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingOptions", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)
