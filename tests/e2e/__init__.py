"""The sandbox's page in a real headless browser (Debian's chromium, driven by Playwright): starting and
stopping a sandbox for it, and where the tests keep their screenshots."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.sandbox.sandbox import Sandbox, SandboxOptions
from tests.contract.checks import contract_breaches

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
# Where every test's sandbox clock starts: a Wednesday, the day before the digest goes out.
WEDNESDAY = datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)


def start_sandbox(directory: Path, *, sample_week: bool) -> Sandbox:
    """A sandbox on a free loopback port whose clock starts on WEDNESDAY."""
    return Sandbox(
        SandboxOptions(directory, port=0, sample_week=sample_week, start_at=lambda wall, zone: WEDNESDAY)
    ).start()


def stop_sandbox(running: Sandbox) -> None:
    """Stop it, and check every call Tandem made to Slack against Slack's contract."""
    running.stop()
    assert contract_breaches(running.slack.calls) == []


def artifacts() -> Path:
    """Where the browser tests' screenshots go: $TANDEM_TEST_ARTIFACTS/e2e, else .artifacts/e2e."""
    root = os.environ.get("TANDEM_TEST_ARTIFACTS")
    return (Path(root) if root else REPO / ".artifacts") / "e2e"


class Screenshots:
    """Saves the page as a person sees it, in one test's own folder, under the step's name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, page: Page, step: str, *, full_page: bool = False) -> Path:
        return save_screenshot(page, self.folder / f"{step}.png", full_page=full_page)


def save_screenshot(page: Page, path: Path, *, full_page: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="initial")
    return path
