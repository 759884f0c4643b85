"""Fixtures for the Slack look-alike and signed-request tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox import SlackLookalike

TOKEN = "xoxb-tandem-test"
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk reads HTTP(S)_PROXY and ignores NO_PROXY: keep local calls local."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def slack_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def lookalike(slack_clock: FakeClock) -> Iterator[SlackLookalike]:
    with SlackLookalike(bot_token=TOKEN, clock=slack_clock) as server:
        yield server


@pytest.fixture
def client(lookalike: SlackLookalike) -> WebClient:
    return WebClient(token=TOKEN, base_url=lookalike.api_url, proxy=None, timeout=5)
