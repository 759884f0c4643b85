"""A headless Chromium for the sandbox's browser tests: the one installed on this machine (Playwright
never downloads one here), one per test module, a fresh page per test, and screenshots kept as test
artifacts (each step a test names, and the page as it was when a test failed)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from bot.sandbox.sandbox import Sandbox
from tests.e2e import Screenshots, artifacts, start_sandbox, stop_sandbox

# CI sets it: there a missing browser fails the run instead of skipping these tests.
REQUIRED = os.environ.get("TANDEM_REQUIRE_BROWSER") == "1"
HOW_TO_GET_ONE = (
    "install Debian's chromium (apt-get install chromium) or set TANDEM_CHROMIUM; .ci/run installs it"
)
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    # The page is on loopback: a proxy from the environment has nothing to do with it.
    "--no-proxy-server",
]
VIEWPORT = {"width": 1280, "height": 800}
WAIT_MS = 10_000  # the longest a step may take: a jump runs a day of scheduled jobs


def cannot_drive_a_browser(why: str) -> NoReturn:
    """Skip, or fail where a browser is required: the reason says how to get one."""
    if REQUIRED:
        pytest.fail(f"{why} (TANDEM_REQUIRE_BROWSER=1: these tests must run here)", pytrace=False)
    pytest.skip(why)


NO_PLAYWRIGHT = ""
try:
    from playwright.sync_api import Browser, Page, sync_playwright
    from playwright.sync_api import Error as PlaywrightError
except ImportError as missing:
    NO_PLAYWRIGHT = (
        f"the playwright package cannot be imported ({missing}): `make test` installs it with the dev extras"
    )
    if REQUIRED:  # else each test module skips itself when it imports playwright
        cannot_drive_a_browser(NO_PLAYWRIGHT)


def find_chromium() -> tuple[str | None, str]:
    """The browser to drive (TANDEM_CHROMIUM, else the first on PATH), or None and why there is none."""
    configured = os.environ.get("TANDEM_CHROMIUM")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured, ""
        return None, f"TANDEM_CHROMIUM={configured} is not an executable file: {HOW_TO_GET_ONE}"
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, f"no Chromium to drive: {HOW_TO_GET_ONE}"


CHROMIUM, NO_CHROMIUM = find_chromium()


def _folder_of(item: pytest.Item) -> Path:
    # One folder per test: tests run on several xdist workers at once, and never share a file.
    return artifacts() / re.sub(r"[^\w.-]+", "-", item.name)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshots:
    folder = _folder_of(request.node)
    shutil.rmtree(folder, ignore_errors=True)  # this test's pictures from an earlier run only
    return Screenshots(folder)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """An empty sandbox whose clock starts on Wednesday 25 November 2026, 08:00 in London. Ask for it
    before `page`, so the page is closed before the sandbox stops."""
    running = start_sandbox(tmp_path / "sandbox", sample_week=False)
    yield running
    stop_sandbox(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Skipped (or failed) here rather than when this file is imported: pytest stops outright on a skip
    # raised while it loads the conftest of a folder named on its command line.
    if NO_PLAYWRIGHT or CHROMIUM is None:
        cannot_drive_a_browser(NO_PLAYWRIGHT or NO_CHROMIUM)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (its own cookies and local storage) that fails the test on an uncaught error."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    thrown: list[str] = []
    opened.on("pageerror", lambda error: thrown.append(f"{error.name}: {error.message}"))
    opened.on(
        "console",
        lambda message: (
            thrown.append(message.text)
            if message.type == "error" and "block failed to render" in message.text
            else None
        ),
    )
    try:
        yield opened
    finally:
        context.close()
    assert thrown == [], "the page threw errors"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep a picture of the page when a test fails, and say where it is in the report."""
    report = yield
    shown = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and shown is not None and not shown.is_closed():
        path = _folder_of(item) / "failed.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            shown.screenshot(path=path, full_page=True, timeout=5_000)
        except PlaywrightError as failure:
            report.sections.append(("screenshot", f"no screenshot of the failure: {failure.message}"))
        else:
            report.sections.append(("screenshot", f"the page when the test failed: {path}"))
    return report
