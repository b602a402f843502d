"""Headless Chromium for the web tests (Debian's `chromium` and `chromium-driver`, driven
by Selenium): `browser()` gives a driver, or skips the test saying what to install.

Selenium's calls block, and the page is served by the test's own event loop: the tests
call the driver through `asyncio.to_thread`, never directly.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
WHY = (
    "browser tests skipped: no {what} found (install Debian's chromium and chromium-driver; "
    ".ci/run does)"
)


def _found(names: tuple[str, ...]) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


@contextmanager
def browser(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless Chromium window of this size; the test is skipped when there is none."""
    chromium, driver_path = _found(CHROMIUM), _found(("chromedriver",))
    if chromium is None:
        pytest.skip(WHY.format(what="Chromium"))
    if driver_path is None:
        pytest.skip(WHY.format(what="chromedriver"))
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("browser tests skipped: selenium is not installed (pip install -e '.[dev]')")
    profile = tempfile.mkdtemp(prefix="cercle-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    # Headless, as root in CI, and with no call home: this machine's network is closed.
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
