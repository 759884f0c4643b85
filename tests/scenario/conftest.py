"""The real app over real HTTP, against the Slack look-alike; every Slack call contract-checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import create_app, services_for
from bot.config import load_settings
from bot.db import Database
from bot.models import Issue
from bot.sandbox.lookalike import SlackLookalike
from bot.sandbox.signing import HttpAnswer, SlackRequests
from bot.services import Services
from bot.slack.http import HttpServer, wsgi_app
from tests.conftest import FixedClock
from tests.contract.checks import contract_breaches

BOT_TOKEN = "xoxb-test-0000-tandem"
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0TANDEM"
TRACKER = "C0TRACKER"
SALES, MARKETING = "C0SALES", "C0MARKETING"
ANA, BEN = "U0ANA", "U0BEN"


@dataclass(frozen=True)
class Scene:
    """The workspace a module's scenarios play in: the look-alike's people and channels (None: its
    own small sales-and-marketing workspace) and the settings Tandem starts with."""

    users: Mapping[str, Mapping[str, Any]] | None = None
    channels: Mapping[str, Mapping[str, Any]] | None = None
    environment: Mapping[str, str] = field(default_factory=dict)


@pytest.fixture
def scene() -> Scene:
    """The look-alike's own workspace; a module overrides this fixture to play in another."""
    return Scene()


@pytest.fixture
def slack(scene: Scene) -> Iterator[SlackLookalike]:
    lookalike = SlackLookalike(bot_token=BOT_TOKEN, team_id=TEAM, users=scene.users, channels=scene.channels)
    lookalike.start()
    yield lookalike
    lookalike.stop()
    violations = contract_breaches(lookalike.calls)
    assert violations == [], "Slack calls that break Slack's contract"


@dataclass
class Tandem:
    """A running Tandem and ways to talk to it as Slack would."""

    url: str
    slack: SlackLookalike
    requests: SlackRequests
    services: Services
    database: Database

    def send(self, request: Any) -> HttpAnswer:
        return self.requests.send(self.url, request)

    def command(self, text: str, *, user_id: str = ANA, command: str = "/issue") -> HttpAnswer:
        return self.send(self.requests.slash_command(command, text, user_id=user_id, channel_id="C0SALES"))

    def issues(self) -> list[Issue]:
        with self.database.transaction() as session:
            return list(session.scalars(select(Issue).order_by(Issue.id)))


def start_tandem(
    slack: SlackLookalike, database_url: str, clock: FixedClock, **environment: str
) -> Iterator[Tandem]:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": database_url,
            "TANDEM_TIMEZONE": "Europe/Paris",
            "TANDEM_TRACKER_CHANNEL": TRACKER,
            "TANDEM_SALES_CHANNEL": SALES,
            "TANDEM_MARKETING_CHANNEL": MARKETING,
            **environment,
        },
        env_file=None,
    )
    services = services_for(settings, clock)
    database = services.database
    app = create_app(settings, services)
    server = HttpServer(wsgi_app(app, database.is_reachable), "127.0.0.1", 0)
    serving = threading.Thread(target=server.serve_forever, name="tandem-http", daemon=True)
    serving.start()
    try:
        yield Tandem(
            url=f"http://127.0.0.1:{server.port}",
            slack=slack,
            requests=SlackRequests(signing_secret=SIGNING_SECRET, lookalike=slack, team_id=TEAM),
            services=services,
            database=database,
        )
    finally:
        server.shutdown()
        serving.join(timeout=10)
        assert not serving.is_alive(), "the HTTP server did not stop"
        # Listeners keep working after they acknowledge; let them finish before Slack's calls are judged.
        app.listener_runner.listener_executor.shutdown(wait=True)
        database.dispose()


@pytest.fixture
def tandem(slack: SlackLookalike, database_url: str, clock: FixedClock, scene: Scene) -> Iterator[Tandem]:
    yield from start_tandem(slack, database_url, clock, **scene.environment)
