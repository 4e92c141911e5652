"""A real browser for the web tests: Debian's Chromium driven by Playwright for Python.

The tests skip, naming what is missing, only when Chromium or Playwright is not installed (``.ci/run`` installs
both where it can).
"""

from __future__ import annotations

import shutil

import pytest


def _chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()
