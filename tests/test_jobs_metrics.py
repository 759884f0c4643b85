"""The snapshot job's plan and the days it reports: each workspace's own days, time and timezone
(none without a channel), and from the last snapshot day before the morning through yesterday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from bot.db import Database
from bot.metrics import SnapshotDefaults, SnapshotSettingsChange
from bot.people import Actor
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from jobs.metrics import reported_days, snapshot_times
from jobs.scheduler import JobContext
from tests.conftest import FixedClock
from tests.test_jobs_scheduler import meet, settings

ACME, GLOBEX, INITECH = WorkspaceKey("T0ACME"), WorkspaceKey("T0GLOBEX"), WorkspaceKey("T0INITECH")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.mark.parametrize(
    ("days", "made_on", "reported"),
    [
        (WEEKDAYS, date(2026, 11, 24), [date(2026, 11, 23)]),  # Tuesday: Monday
        (WEEKDAYS, date(2026, 11, 23), [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]),
        (("mon", "wed", "fri"), date(2026, 11, 25), [date(2026, 11, 23), date(2026, 11, 24)]),
        (("sat",), date(2026, 11, 28), [date(2026, 11, 21 + n) for n in range(7)]),  # a week ago
        (("mon",), date(2026, 11, 24), [date(2026, 11, 23)]),  # not a snapshot day: yesterday
        (WEEKDAYS, date(2026, 12, 1), [date(2026, 11, 30)]),  # across a month's end
    ],
)
def test_a_snapshot_reports_from_the_last_snapshot_day_through_yesterday(
    days: tuple[str, ...], made_on: date, reported: list[date]
) -> None:
    assert reported_days(days, made_on) == reported


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    return build_services(
        database,
        WorkspaceDefaults("Europe/Paris", None),
        clock,
        snapshot_defaults=SnapshotDefaults(channel="C0METRICS"),
    )


def test_each_workspace_with_a_channel_is_planned_at_its_own_days_time_and_timezone(
    services: Services, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    meet(services, ACME)
    meet(services, GLOBEX, "America/New_York")
    meet(services, INITECH)
    admin = Actor("U0ADMIN", is_admin=True)
    services.metrics.save_settings(
        GLOBEX, SnapshotSettingsChange("C0NUMBERS", ("mon", "wed"), "07:45", charts=False), admin
    )
    services.metrics.save_settings(INITECH, SnapshotSettingsChange(None, WEEKDAYS, "08:30", True), admin)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    context = JobContext(services, client, settings(), services.ledger, "replica-a")

    plans = snapshot_times(context)

    assert set(plans) == {ACME, GLOBEX}  # Initech has no channel: nothing to post
    acme, globex = plans[ACME], plans[GLOBEX]
    assert (acme.routine.job, acme.routine.at, acme.routine.on, acme.zone) == (
        "metrics.snapshot",
        time(8, 30),
        WEEKDAYS,
        ZoneInfo("Europe/Paris"),
    )
    assert (globex.routine.at, globex.routine.on, globex.zone) == (
        time(7, 45),
        ("mon", "wed"),
        ZoneInfo("America/New_York"),
    )
    assert not acme.routine.weekly
