"""Scheduled jobs in scenario tests: rows of the timetable `tandem run` starts, with the settings they
run under, ticked by hand from a fixed clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings, load_settings
from bot.sandbox.lookalike import SlackLookalike
from bot.services import Services
from bot.slack.client import web_client
from jobs import timetable
from jobs.scheduler import JobContext, Scheduler
from tests.conftest import FixedClock
from tests.scenario.conftest import BOT_TOKEN, SIGNING_SECRET, Tandem


@dataclass(frozen=True)
class Schedule:
    """The timetable's rows for `jobs`, run under `environment` (on top of the look-alike's Slack)."""

    jobs: tuple[str, ...]
    environment: Mapping[str, str]

    def settings_for(self, slack: SlackLookalike, database_url: str | None, **environment: str) -> Settings:
        return load_settings(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                **({} if database_url is None else {"DATABASE_URL": database_url}),
                "TANDEM_TIMEZONE": "Europe/Paris",
                **self.environment,
                **environment,
            },
            env_file=None,
        )

    def scheduler_for(
        self,
        tandem: Tandem,
        clock: FixedClock,
        database_url: str | None = None,
        *,
        runner: str = "replica-a",
        services: Services | None = None,
        **environment: str,
    ) -> Scheduler:
        """The scheduler for these rows as replica `runner` (with its own `services`, if given)."""
        settings = self.settings_for(tandem.slack, database_url, **environment)
        services = services or tandem.services
        context = JobContext(services, web_client(settings), settings, services.ledger, runner)
        rows = tuple(row for row in timetable(settings) if row.job in self.jobs)
        return Scheduler(rows, context, clock=clock, grace=timedelta(hours=settings.catch_up_hours))


def run_at(scheduler: Scheduler, clock: FixedClock, moment: datetime) -> list[tuple[str, str]]:
    """The jobs run (and their outcomes) when the clock reads `moment`."""
    clock.now = moment
    return [(ran.job, ran.outcome) for ran in scheduler.run_due()]
