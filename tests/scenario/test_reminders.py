"""Daily issue reminders as people get them: issues raised over HTTP, the day's tick from a fixed clock,
and the direct messages the look-alike receives (each contract-checked)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings, load_settings
from bot.db import Database
from bot.models import JobRun
from bot.people import Actor
from bot.sandbox.lookalike import RecordedCall
from bot.scheduling import RETAKE_AFTER, Ledger
from bot.services import build_services
from bot.slack.client import web_client
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from jobs import timetable
from jobs.scheduler import JobContext, Ran, Scheduler, start_scheduler
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, BOT_TOKEN, SIGNING_SECRET, TEAM, Tandem

ADMIN = "U0ADMIN"
KEY = WorkspaceKey(TEAM)
RAISED_ON = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # a Tuesday
TUESDAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 10:30 in Paris; reminders were due at 09:00
PEOPLE = {ANA, BEN, ADMIN, "U0GONE"}


def job_settings(tandem: Tandem, **environment: str) -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": tandem.slack.api_url,
            "TANDEM_TIMEZONE": "Europe/Paris",
            "TANDEM_ADMINS": ADMIN,
            **environment,
        },
        env_file=None,
    )


def scheduler_for(
    tandem: Tandem,
    clock: FixedClock,
    *,
    runner: str = "replica-a",
    database: Database | None = None,
    jobs: Collection[str] = ("issues.reminders", "notifications.flush"),
    **env: str,
) -> Scheduler:
    """The scheduler `tandem run` starts, with the real timetable's reminder and news rows, minus the
    background thread (the daily team sync is tested on its own)."""
    settings = job_settings(tandem, **env)
    services = tandem.services
    if database is not None:  # another replica: its own engine on the same database
        services = build_services(database, WorkspaceDefaults("Europe/Paris", None), clock)
    ledger = Ledger(services.database, services.workspaces, clock, retake_after=RETAKE_AFTER)
    context = JobContext(services, web_client(settings), settings, ledger, runner)
    rows = tuple(row for row in timetable(settings) if row.job in jobs)
    return Scheduler(rows, context, clock=clock)


def raise_issue(tandem: Tandem, title: str, by: str) -> int:
    before = len(tandem.slack.responses)
    tandem.command(title, user_id=by)
    tandem.slack.wait_for("response_url", count=before + 1)
    return max(issue.number for issue in tandem.issues())


def dms(tandem: Tandem) -> list[RecordedCall]:
    return [c for c in tandem.slack.calls_to("chat.postMessage") if c.args["channel"] in PEOPLE]


def dm_to(tandem: Tandem, person: str) -> dict[str, Any]:
    [call] = [c for c in dms(tandem) if c.args["channel"] == person]
    assert call.ok, call.error
    return call.args


def block_texts(message: dict[str, Any]) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", [])]
    return texts


@pytest.fixture
def late_issues(tandem: Tandem, clock: FixedClock) -> dict[str, int]:
    """#1 Ben's, untouched for two weeks; #2 Ana's, four days past due; #3 nobody's; #4 Ana's, fresh."""
    tracker = tandem.services.tracker
    clock.now = RAISED_ON
    quiet = raise_issue(tandem, "Pricing page confuses prospects", ANA)
    late = raise_issue(tandem, "Webinar leads lack phone numbers", BEN)
    unowned = raise_issue(tandem, "Battlecard is <!here> out of date", ANA)
    fresh = raise_issue(tandem, "Case study for Acme", BEN)
    tracker.assign(KEY, quiet, BEN, Actor(ANA))
    tracker.assign(KEY, late, ANA, Actor(BEN))
    tracker.set_due(KEY, late, date(2026, 11, 20), Actor(BEN))
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    tracker.assign(KEY, fresh, ANA, Actor(BEN))
    clock.now = TUESDAY
    return {"quiet": quiet, "late": late, "unowned": unowned, "fresh": fresh}


def permalink(tandem: Tandem, number: int) -> str:
    [issue] = [i for i in tandem.issues() if i.number == number]
    assert issue.card_permalink
    return issue.card_permalink


def test_each_owner_gets_one_dm_of_their_late_or_quiet_issues_and_the_admin_the_unowned(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int]
) -> None:
    [ran] = scheduler_for(tandem, clock).run_due()

    assert ran == Ran("issues.reminders", TEAM, "2026-11-24", "3 reminders sent")
    assert sorted(c.args["channel"] for c in dms(tandem)) == [ADMIN, ANA, BEN]

    ana = dm_to(tandem, ANA)
    assert ana["text"] == "Tandem: 1 of your issues needs a look."
    assert ana["unfurl_links"] is False
    late = late_issues["late"]
    assert block_texts(ana) == [
        "Issues waiting on you",
        "*1 of your issues needs a look* (past due, or no update for a while)",
        f"<{permalink(tandem, late)}|#{late} Webinar leads lack phone numbers>",
        "Normal · Open · due Fri, Nov 20, 2026, 4 days late · no update for 14 days",
        "Update an issue from its card to quiet this reminder.",
    ]
    assert not any("Case study" in text for text in block_texts(ana))  # updated yesterday

    ben = block_texts(dm_to(tandem, BEN))
    assert f"<{permalink(tandem, late_issues['quiet'])}|#1 Pricing page confuses prospects>" in ben
    assert "Normal · Open · no update for 14 days" in ben

    admin = dm_to(tandem, ADMIN)
    assert admin["text"] == "Tandem: 1 shared issue has no owner."
    texts = block_texts(admin)
    assert texts[0] == "Issues without an owner"
    # Typed as @here, shown harmlessly (a word joiner defuses it): no ping reaches anyone.
    assert texts[2].endswith(f"|#{late_issues['unowned']} Battlecard is @\u2060here out of date>")
    assert texts[3].startswith("Normal · raised <!date^")
    assert texts[3].endswith(f"by <@{ANA}>")
    # A user id as the channel: the DM lands in the app's Messages tab with each person.
    assert [m["text"] for m in tandem.slack.messages(tandem.slack.dm_channel(ANA))] == [ana["text"]]


def test_the_same_days_reminders_are_sent_once_and_again_the_next_working_day(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int]
) -> None:
    scheduler = scheduler_for(tandem, clock)
    scheduler.run_due()
    for minutes in (1, 60, 300):  # later ticks the same day, within the grace window
        clock.now = TUESDAY + timedelta(minutes=minutes)
        assert scheduler.run_due() == []
    assert len(dms(tandem)) == 3

    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday, 09:00 in Paris
    [wednesday] = scheduler.run_due()
    assert (wednesday.occurrence, wednesday.outcome) == ("2026-11-25", "3 reminders sent")
    assert len(dms(tandem)) == 6

    for saturday_and_sunday in (
        datetime(2026, 11, 28, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 8, 0, tzinfo=UTC),
    ):
        clock.now = saturday_and_sunday
        assert scheduler.run_due() == []
    assert len(dms(tandem)) == 6


def test_nothing_late_means_no_message(tandem: Tandem, clock: FixedClock) -> None:
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    number = raise_issue(tandem, "Pricing page confuses prospects", ANA)
    tandem.services.tracker.take(KEY, number, Actor(ANA))
    clock.now = TUESDAY

    [ran] = scheduler_for(tandem, clock).run_due()

    assert ran.outcome == "0 reminders sent"
    assert dms(tandem) == []


def test_two_replicas_at_the_same_moment_send_each_reminder_once(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int], database_url: str
) -> None:
    other = Database.at(database_url)
    try:
        replicas = [
            scheduler_for(tandem, clock, runner="replica-a"),
            scheduler_for(tandem, clock, runner="replica-b", database=other),
        ]
        start = threading.Barrier(2)

        def tick(replica: Scheduler) -> list[Ran]:
            start.wait()
            return replica.run_due()

        with ThreadPoolExecutor(2) as pool:
            ran = [r for rans in pool.map(tick, replicas) for r in rans]
    finally:
        other.dispose()

    assert [r.outcome for r in ran] == ["3 reminders sent"]
    assert sorted(c.args["channel"] for c in dms(tandem)) == [ADMIN, ANA, BEN]


def test_when_slack_asks_to_wait_the_rest_is_sent_later_and_nobody_gets_two(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = scheduler_for(tandem, clock)
    tandem.slack.fail_next("chat.postMessage", error="ratelimited")  # the first DM: the admin's

    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        assert scheduler.run_due() == []

    assert "will be retried: Slack asked Tandem to wait; 1 reminders will be sent later" in caplog.text
    assert sorted(c.args["channel"] for c in dms(tandem) if c.ok) == [ANA, BEN]
    clock.now = TUESDAY + timedelta(minutes=29)
    assert scheduler.run_due() == []

    clock.now = TUESDAY + timedelta(minutes=30)
    [retried] = scheduler.run_due()

    assert retried.outcome == "1 reminders sent"
    assert sorted(c.args["channel"] for c in dms(tandem) if c.ok) == [ADMIN, ANA, BEN]


def test_a_person_slack_refuses_is_logged_and_the_others_still_hear(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = RAISED_ON
    tandem.services.tracker.assign(KEY, late_issues["unowned"], "U0GONE", Actor(ADMIN, is_admin=True))
    clock.now = TUESDAY

    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        [ran] = scheduler_for(tandem, clock).run_due()

    assert ran.outcome == "2 reminders sent, 1 refused by Slack"
    assert "Slack refused the reminder to U0GONE in workspace T0TANDEM: channel_not_found" in caplog.text
    assert sorted(c.args["channel"] for c in dms(tandem) if c.ok) == [ANA, BEN]
    with tandem.database.transaction() as session:
        outcomes = dict(session.execute(select(JobRun.occurrence, JobRun.outcome)).all())
    assert outcomes["2026-11-24/U0GONE"] == "refused: channel_not_found"
    clock.now = TUESDAY + timedelta(hours=1)
    assert scheduler_for(tandem, clock).run_due() == []  # not retried


def test_without_configured_admins_unowned_issues_are_only_logged(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tandem.jobs"):
        [ran] = scheduler_for(tandem, clock, TANDEM_ADMINS="").run_due()

    assert ran.outcome == "2 reminders sent"
    assert sorted(c.args["channel"] for c in dms(tandem)) == [ANA, BEN]
    assert "1 issues have no owner in workspace T0TANDEM; set TANDEM_ADMINS" in caplog.text


def test_the_started_scheduler_sends_the_mornings_reminders_at_once_and_stops(
    tandem: Tandem, clock: FixedClock, late_issues: dict[str, int]
) -> None:
    settings = job_settings(tandem)
    running = start_scheduler(
        timetable(settings), tandem.services, web_client(settings), settings, clock=clock
    )
    try:
        # `tandem run` starting at 10:30 in Paris: its first tick, right away, finds 09:00's reminders.
        tandem.slack.wait_for("chat.postMessage", count=3, where=lambda call: call.args["channel"] in PEOPLE)
    finally:
        running.shutdown()  # waits for the tick to finish

    with tandem.database.transaction() as session:
        runs = session.scalars(select(JobRun).where(JobRun.occurrence == "2026-11-24")).all()
    assert {(run.job, run.outcome) for run in runs} == {
        ("issues.reminders", "3 reminders sent"),
        ("teams.sync", "0 sources, 0 people"),
    }
    [run] = [run for run in runs if run.job == "issues.reminders"]
    assert run.finished_at is not None
