"""The daily metric snapshot as the schedule posts it: the chart uploaded with the table in one
message (or the table alone with charts off), once per workspace and working day however many runs
or replicas, found again after a crash, queries refreshed first with failures shown "unavailable"
and told to admins once, Monday reporting Friday, 08:30 local across daylight-saving changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.app import services_for
from bot.metrics import MetricDraft, MetricQuery, MetricTeam, Rollup, Unit, ValueSource
from bot.sandbox.lookalike import SlackLookalike
from bot.scheduling import runner_name
from bot.slack.metric_post import post_snapshot
from bot.slack.posting import EVENT_TYPE
from bot.workspaces import WorkspaceKey
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, BOT_TOKEN, TEAM, Scene, Tandem, start_tandem
from tests.scenario.messages import dms_to, posts_in, texts
from tests.scenario.scheduled import Schedule, run_at
from tests.test_scheduling import ended_process_on_this_machine

KEY = WorkspaceKey(TEAM)
METRICS = "C0METRICS"
ADMIN = "U0ADMIN"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JOB = "metrics.snapshot"
MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
TUESDAY_0830 = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # 08:30 in Paris
MONDAY_0830 = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
CHART_NAME = f"tandem-metrics-{TEAM}-2026-11-24.png"
ENVIRONMENT = {"TANDEM_METRICS_CHANNEL": METRICS, "TANDEM_ADMINS": f"{ADMIN},{BEN}"}
SCHEDULE = Schedule((JOB,), ENVIRONMENT)  # the snapshot's row of the timetable
settings_for, scheduler_for = SCHEDULE.settings_for, SCHEDULE.scheduler_for

LEADS = MetricDraft(
    name="leads",
    label="Leads",
    unit=Unit.COUNT,
    team=MetricTeam.MARKETING,
    rollup=Rollup.SUM,
    monthly_target=1200,
    quarterly_target=3600,
)
PIPELINE = MetricDraft(
    name="pipeline",
    label="Open pipeline",
    unit=Unit.CURRENCY,
    currency="EUR",
    team=MetricTeam.SALES,
    rollup=Rollup.LATEST,
    monthly_target=1_500_000,
)


# --------------------------------------------------------------------------- helpers


def define(tandem: Tandem, clock: FixedClock, *drafts: MetricDraft) -> None:
    clock.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    tandem.services.workspaces.settings_for(KEY)  # Tandem has met the workspace
    tandem.services.metrics.load_definitions(KEY, drafts, None)


def log_values(tandem: Tandem, clock: FixedClock, name: str, values: dict[date, float]) -> None:
    clock.now = datetime.combine(max(values) + timedelta(days=1), time(6, 0), tzinfo=UTC)
    for day, value in values.items():
        tandem.services.metrics.record_value(KEY, name, day, value, source=ValueSource.TYPED, by=ANA)


def table_rows(blocks: list[dict[str, Any]]) -> list[list[str]]:
    """The one table's rows, each cell as its text."""
    [table] = [block for block in blocks if block["type"] == "table"]
    return [[texts(cell).strip() for cell in row] for row in table["rows"]]


def row_for(blocks: list[dict[str, Any]], label: str) -> list[str]:
    [row] = [row for row in table_rows(blocks) if label in row[0]]
    return row


@pytest.fixture
def scene() -> Scene:
    return Scene(environment=ENVIRONMENT)


@pytest.fixture
def without_charts(slack: SlackLookalike, database_url: str, clock: FixedClock) -> Iterator[Tandem]:
    yield from start_tandem(slack, database_url, clock, **ENVIRONMENT, TANDEM_SNAPSHOT_CHARTS="false")


def a_month_of_leads(tandem: Tandem, clock: FixedClock) -> None:
    define(tandem, clock, LEADS, PIPELINE)
    log_values(tandem, clock, "leads", {MONDAY - timedelta(days=7): 30, MONDAY: 42})
    log_values(tandem, clock, "pipeline", {MONDAY: 1_200_000})


# --------------------------------------------------------------------------- content


def test_the_morning_snapshot_uploads_its_chart_with_the_table_in_one_message(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_month_of_leads(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, TUESDAY_0830 - timedelta(minutes=1)) == []
    assert run_at(scheduler, clock, TUESDAY_0830) == [(JOB, "sent with chart")]
    assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(minutes=1)) == []

    slack = tandem.slack
    [ticket] = slack.calls_to("files.getUploadURLExternal")
    assert ticket.args["filename"] == CHART_NAME
    assert "Leads" in ticket.args["alt_txt"]
    [upload] = slack.uploaded_files(METRICS)
    assert upload["bytes"].startswith(PNG_SIGNATURE)
    assert upload["name"] == CHART_NAME
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == METRICS
    assert "initial_comment" not in complete.args  # it would hide the blocks
    blocks = complete.args["blocks"]
    assert [block["type"] for block in blocks].count("table") == 1
    assert len(table_rows(blocks)) == 3  # a header, then one row a metric
    assert "42" in row_for(blocks, "Leads")[1:]  # Monday's leads, reported on Tuesday
    assert any("1.2M" in cell for cell in row_for(blocks, "Open pipeline")[1:])

    [post] = posts_in(slack, METRICS)  # one message: the table with the chart under it
    assert (post["blocks"], [file["name"] for file in post["files"]]) == (blocks, [CHART_NAME])
    assert slack.calls_to("chat.postMessage") == []


def test_with_charts_off_the_table_is_posted_with_fallback_text_and_its_key(
    without_charts: Tandem, clock: FixedClock, database_url: str
) -> None:
    tandem = without_charts
    a_month_of_leads(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, TUESDAY_0830) == [(JOB, "sent")]

    [post] = posts_in(tandem.slack, METRICS)
    assert post["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": f"metrics.snapshot/{TEAM}/2026-11-24"},
    }
    assert "Leads" in post["text"]
    assert "42" in post["text"]  # the key figures reach notifications and screen readers
    assert "42" in row_for(post["blocks"], "Leads")[1:]
    assert tandem.slack.calls_to("files.getUploadURLExternal") == []


def test_a_workspace_without_metrics_gets_no_post(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    clock.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    tandem.services.workspaces.settings_for(KEY)
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, TUESDAY_0830) == [(JOB, "no metrics")]
    assert posts_in(tandem.slack, METRICS) == []


# --------------------------------------------------------------------------- exactly once


def test_two_runs_and_a_second_replica_post_the_day_once(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_month_of_leads(tandem, clock)
    first = scheduler_for(tandem, clock, database_url)
    other = services_for(settings_for(tandem.slack, database_url), clock)  # its own engine, same data
    try:
        second = scheduler_for(tandem, clock, database_url, runner="replica-b", services=other)
        assert run_at(first, clock, TUESDAY_0830) == [(JOB, "sent with chart")]
        assert run_at(second, clock, TUESDAY_0830) == []
        assert run_at(first, clock, TUESDAY_0830 + timedelta(minutes=1)) == []
        assert run_at(second, clock, TUESDAY_0830 + timedelta(hours=1)) == []
    finally:
        other.database.dispose()

    assert len(posts_in(tandem.slack, METRICS)) == 1
    assert len(tandem.slack.calls_to("files.getUploadURLExternal")) == 1


@pytest.mark.parametrize("charts", ["true", "false"])
def test_a_run_that_died_after_slack_took_the_snapshot_is_not_followed_by_a_second(
    slack: SlackLookalike, database_url: str, clock: FixedClock, charts: str
) -> None:
    for tandem in start_tandem(slack, database_url, clock, **ENVIRONMENT, TANDEM_SNAPSHOT_CHARTS=charts):
        a_month_of_leads(tandem, clock)
        clock.now = TUESDAY_0830
        dead = ended_process_on_this_machine()
        # What the dead process did: claimed the day, and Slack took the snapshot (upload or post)
        # before the process could record it.
        assert tandem.services.ledger.claim(JOB, KEY, "2026-11-24", dead)
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        left = post_snapshot(client, tandem.services, KEY, TUESDAY, runner=dead, retaken=False, late=False)
        assert left.startswith("sent")

        scheduler = scheduler_for(tandem, clock, database_url, runner=runner_name())
        assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(minutes=3)) == [(JOB, "already posted")]

        assert len(posts_in(slack, METRICS)) == 1
        [history, *_] = slack.calls_to("conversations.history")
        assert history.args["channel"] == METRICS
        assert history.args["include_all_metadata"] in (True, "true", "1", 1)
        assert len(slack.calls_to("files.completeUploadExternal")) == (1 if charts == "true" else 0)


# --------------------------------------------------------------------------- queried metrics


def crm(tmp_path: Path) -> str:
    """A second SQLite database standing in for a CRM: deals closed, by day."""
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE deals (closed_on TEXT, amount REAL)")
        connection.executemany(
            "INSERT INTO deals VALUES (?, ?)",
            [("2026-11-20", 100.0), ("2026-11-20", 50.0), ("2026-11-21", 10.0), ("2026-11-23", 70.0)],
        )
    connection.close()
    return f"sqlite:///{path}"


def test_a_failing_query_shows_unavailable_and_each_admin_hears_once(
    tandem: Tandem, clock: FixedClock, database_url: str, tmp_path: Path
) -> None:
    url = crm(tmp_path)
    bookings = MetricDraft(
        name="bookings",
        label="Bookings",
        unit=Unit.CURRENCY,
        currency="EUR",
        team=MetricTeam.SALES,
        rollup=Rollup.SUM,
        monthly_target=1000,
        query=MetricQuery("SELECT coalesce(sum(amount), 0) FROM deals WHERE closed_on = :day", url),
    )
    calls = MetricDraft(
        name="calls",
        label="Sales calls",
        unit=Unit.COUNT,
        team=MetricTeam.SALES,
        rollup=Rollup.SUM,
        query=MetricQuery("SELECT count(*) FROM phone_calls WHERE day = :day", url),  # no such table
    )
    define(tandem, clock, LEADS, bookings, calls)
    scheduler = scheduler_for(tandem, clock, database_url)

    # Slack is away when the snapshot would be shared: the run is retried after the ledger's
    # retake time, querying again, and the admins already told are not told again.
    tandem.slack.fail_next("files.completeUploadExternal", error="service_unavailable")
    assert run_at(scheduler, clock, TUESDAY_0830) == []
    for admin in (ADMIN, BEN):
        [told] = dms_to(tandem.slack, admin)
        assert "calls" in told.args["text"].lower()
    assert dms_to(tandem.slack, ANA) == []
    assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(minutes=1)) == []
    assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(minutes=31)) == [(JOB, "sent with chart (late)")]
    assert [len(dms_to(tandem.slack, admin)) for admin in (ADMIN, BEN)] == [1, 1]

    [_, complete] = tandem.slack.calls_to("files.completeUploadExternal")
    blocks = complete.args["blocks"]
    assert "70" in " ".join(row_for(blocks, "Bookings")[1:])  # Monday's deals, queried this morning
    assert "unavailable" in texts(blocks).lower()
    assert row_for(blocks, "Sales calls")[1] not in {"0", "0.0"}  # unavailable, never zero

    # Wednesday's snapshot tells of Tuesday's failure, once.
    assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(days=1)) == [(JOB, "sent with chart")]
    assert [len(dms_to(tandem.slack, admin)) for admin in (ADMIN, BEN)] == [2, 2]


def test_monday_reports_friday_after_querying_the_weekend_and_saturday_posts_nothing(
    without_charts: Tandem, clock: FixedClock, database_url: str, tmp_path: Path
) -> None:
    tandem = without_charts
    bookings = MetricDraft(
        name="bookings",
        label="Bookings",
        unit=Unit.CURRENCY,
        currency="EUR",
        team=MetricTeam.SALES,
        rollup=Rollup.SUM,
        monthly_target=1000,
        query=MetricQuery("SELECT coalesce(sum(amount), 0) FROM deals WHERE closed_on = :day", crm(tmp_path)),
    )
    define(tandem, clock, LEADS, bookings)
    friday = date(2026, 11, 20)
    log_values(tandem, clock, "leads", {friday - timedelta(days=7): 35, friday: 40})
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, MONDAY_0830) == [(JOB, "sent")]

    [post] = posts_in(tandem.slack, METRICS)
    assert "40" in row_for(post["blocks"], "Leads")[1:]  # Friday's, not Sunday's (none)
    queried = {
        day: entry.value for day, entry in tandem.services.metrics.history(KEY, "bookings").days if entry
    }
    # Friday through Sunday were queried before the snapshot was composed.
    assert {d: queried.get(d) for d in (friday, date(2026, 11, 21), date(2026, 11, 22))} == {
        friday: 150.0,
        date(2026, 11, 21): 10.0,
        date(2026, 11, 22): 0.0,
    }
    assert "150" in " ".join(row_for(post["blocks"], "Bookings")[1:])

    for hour in range(0, 24, 2):
        assert run_at(scheduler, clock, SATURDAY + timedelta(hours=hour)) == []
    assert len(posts_in(tandem.slack, METRICS)) == 1


# --------------------------------------------------------------------------- the schedule


@pytest.mark.parametrize(
    ("zone", "friday_0830", "monday_0830"),
    [
        # Paris leaves summer time on Sunday 25 October 2026: 08:30 is 06:30 UTC, then 07:30 UTC.
        (
            "Europe/Paris",
            datetime(2026, 10, 23, 6, 30, tzinfo=UTC),
            datetime(2026, 10, 26, 7, 30, tzinfo=UTC),
        ),
        # New York on Sunday 1 November 2026: 08:30 is 12:30 UTC, then 13:30 UTC.
        (
            "America/New_York",
            datetime(2026, 10, 30, 12, 30, tzinfo=UTC),
            datetime(2026, 11, 2, 13, 30, tzinfo=UTC),
        ),
    ],
)
def test_the_snapshot_comes_at_0830_local_on_both_sides_of_the_clock_change(
    slack: SlackLookalike,
    database_url: str,
    clock: FixedClock,
    zone: str,
    friday_0830: datetime,
    monday_0830: datetime,
) -> None:
    environment = {**ENVIRONMENT, "TANDEM_SNAPSHOT_CHARTS": "false", "TANDEM_TIMEZONE": zone}
    for tandem in start_tandem(slack, database_url, clock, **environment):
        clock.now = friday_0830 - timedelta(days=10)
        tandem.services.workspaces.settings_for(KEY)
        tandem.services.metrics.load_definitions(KEY, [LEADS], None)
        scheduler = scheduler_for(tandem, clock, database_url, TANDEM_TIMEZONE=zone)
        minute = timedelta(minutes=1)

        assert run_at(scheduler, clock, friday_0830 - minute) == []
        assert run_at(scheduler, clock, friday_0830) == [(JOB, "sent")]
        # Monday at Friday's UTC time is 07:30 local after the change: not yet.
        assert run_at(scheduler, clock, monday_0830 - timedelta(hours=1)) == []
        assert run_at(scheduler, clock, monday_0830 - minute) == []
        assert run_at(scheduler, clock, monday_0830) == [(JOB, "sent")]

        posts = posts_in(slack, METRICS)
        assert [p["metadata"]["event_payload"]["key"] for p in posts] == [
            f"metrics.snapshot/{TEAM}/{friday_0830.date().isoformat()}",
            f"metrics.snapshot/{TEAM}/{monday_0830.date().isoformat()}",
        ]


def test_a_run_caught_up_after_an_outage_says_it_is_late(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_month_of_leads(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(hours=2)) == [(JOB, "sent with chart (late)")]
    [complete] = tandem.slack.calls_to("files.completeUploadExternal")
    assert "late" in texts(complete.args["blocks"]).lower()


def test_beyond_the_catch_up_window_the_day_is_skipped(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_month_of_leads(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url, TANDEM_CATCH_UP_HOURS="2")

    assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(hours=2, minutes=1)) == []
    assert posts_in(tandem.slack, METRICS) == []


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("charts", "refused_call"),
    [("false", "chat.postMessage"), ("true", "files.completeUploadExternal")],
)
def test_a_channel_tandem_is_not_in_is_told_to_admins_once_and_posted_once_invited(
    slack: SlackLookalike, database_url: str, clock: FixedClock, charts: str, refused_call: str
) -> None:
    for tandem in start_tandem(slack, database_url, clock, **ENVIRONMENT, TANDEM_SNAPSHOT_CHARTS=charts):
        a_month_of_leads(tandem, clock)
        slack.fail_next(refused_call, error="not_in_channel")
        scheduler = scheduler_for(tandem, clock, database_url)

        assert run_at(scheduler, clock, TUESDAY_0830) == []
        assert posts_in(slack, METRICS) == []
        for admin in (ADMIN, BEN):
            [told] = dms_to(slack, admin)
            assert "/invite" in told.args["text"]
            assert f"<#{METRICS}>" in told.args["text"]

        # Invited since: the ledger retries after its retake time, within the catch-up window.
        assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(minutes=29)) == []
        outcome = "sent with chart (late)" if charts == "true" else "sent (late)"
        assert run_at(scheduler, clock, TUESDAY_0830 + timedelta(minutes=31)) == [(JOB, outcome)]
        assert len(posts_in(slack, METRICS)) == 1
        assert [len(dms_to(slack, admin)) for admin in (ADMIN, BEN)] == [1, 1]  # told once
