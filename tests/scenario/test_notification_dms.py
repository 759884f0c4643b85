"""Batched notification DMs: changes made to the tracker, the flush job from a fixed clock, and the direct
messages the look-alike receives (each contract-checked)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from bot.config import load_settings
from bot.db import Database
from bot.issues import Card, IssueDraft, Status
from bot.people import Actor
from bot.sandbox.lookalike import RecordedCall, SlackLookalike
from bot.scheduling import RETAKE_AFTER, Ledger
from bot.services import Services, build_services
from bot.slack.client import web_client
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from jobs.notifications import QUIET_FOR, send_pending_notifications
from jobs.scheduler import JobContext
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, BOT_TOKEN, SIGNING_SECRET, TEAM

KEY = WorkspaceKey(TEAM)
PERMALINK = "https://tandem-test.slack.com/archives/C0TRACKER/p1764000000000100"


def context_for(
    slack: SlackLookalike, services: Services, clock: FixedClock, runner: str = "a"
) -> JobContext:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        },
        env_file=None,
    )
    ledger = Ledger(services.database, services.workspaces, clock, retake_after=RETAKE_AFTER)
    return JobContext(services, web_client(settings), settings, ledger, runner)


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    return build_services(database, WorkspaceDefaults("Europe/Paris", "C0TRACKER"), clock)


def raise_issues(services: Services, *titles: str) -> list[int]:
    numbers = []
    for title in titles:
        raised = services.tracker.raise_issue(KEY, IssueDraft(title), raised_by=ANA)
        numbers.append(raised.issue.number)
    return numbers


def dms(slack: SlackLookalike) -> list[RecordedCall]:
    return [c for c in slack.calls_to("chat.postMessage") if c.ok]


def lines(call: RecordedCall) -> list[str]:
    blocks: list[dict[str, Any]] = call.args["blocks"]
    return [block["text"]["text"] for block in blocks]


def test_a_burst_of_changes_reaches_the_person_as_one_message_once_quiet(
    slack: SlackLookalike, services: Services, clock: FixedClock
) -> None:
    first, second, third = raise_issues(
        services,
        "Pricing page confuses prospects",
        "Webinar leads lack phone numbers",
        "Battlecard <!channel>",
    )
    services.tracker.record_card(KEY, first, Card("C0TRACKER", "1764000000.000100", PERMALINK))
    context = context_for(slack, services, clock)
    for number in (first, second, third):
        services.tracker.assign(KEY, number, BEN, Actor(ANA))
        clock.now += timedelta(seconds=5)

    # Moments after Ana's last change, Ben hears nothing yet: she may not be done.
    assert send_pending_notifications(context) == ""
    assert dms(slack) == []

    clock.now += QUIET_FOR
    assert send_pending_notifications(context) == "1 sent, 0 to send again, 0 dropped"

    [dm] = dms(slack)
    assert dm.args["channel"] == BEN
    assert lines(dm) == [
        f"<@{ANA}> assigned you <{PERMALINK}|#1 Pricing page confuses prospects>",
        f"<@{ANA}> assigned you #2 Webinar leads lack phone numbers",
        f"<@{ANA}> assigned you #3 Battlecard &lt;!channel&gt;",  # typed, never a ping
    ]
    assert dm.args["text"] == "\n".join(lines(dm))
    assert services.outbox.pending_for(KEY) == {}
    assert send_pending_notifications(context) == ""  # sent once
    assert len(dms(slack)) == 1


def test_each_person_gets_their_own_message(
    slack: SlackLookalike, services: Services, clock: FixedClock
) -> None:
    [number] = raise_issues(services, "Pricing page confuses prospects")
    services.tracker.assign(KEY, number, BEN, Actor(ANA))
    services.tracker.close(KEY, number, Actor(BEN))
    clock.now += QUIET_FOR

    send_pending_notifications(context_for(slack, services, clock))

    by_person = {call.args["channel"]: lines(call) for call in dms(slack)}
    assert by_person == {
        BEN: [f"<@{ANA}> assigned you #1 Pricing page confuses prospects"],
        ANA: [f"<@{BEN}> resolved #1 Pricing page confuses prospects (you raised it)"],
    }
    assert services.tracker.issue(KEY, number).status is Status.RESOLVED


def test_two_runners_at_once_never_send_a_notice_twice(
    slack: SlackLookalike, database_url: str, services: Services, clock: FixedClock
) -> None:
    numbers = raise_issues(services, *(f"Issue number {n}" for n in range(1, 9)))
    for number in numbers:
        services.tracker.assign(KEY, number, BEN if number % 2 else "U0ADMIN", Actor(ANA))
    clock.now += QUIET_FOR
    other_database = Database.at(database_url)
    other = build_services(other_database, WorkspaceDefaults("Europe/Paris", None), clock)
    runners = [context_for(slack, services, clock, "a"), context_for(slack, other, clock, "b")]
    start = threading.Barrier(2)

    def flush(context: JobContext) -> str:
        start.wait()
        return send_pending_notifications(context)

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(flush, runners))
    finally:
        other_database.dispose()

    sent = [line for call in dms(slack) for line in lines(call)]
    assert sorted(call.args["channel"] for call in dms(slack)) == ["U0ADMIN", BEN]
    assert sorted(sent) == sorted(f"<@{ANA}> assigned you #{n} Issue number {n}" for n in numbers)


def test_news_slack_cannot_take_now_is_sent_next_round(
    slack: SlackLookalike, services: Services, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    [number] = raise_issues(services, "Pricing page confuses prospects")
    services.tracker.assign(KEY, number, BEN, Actor(ANA))
    clock.now += QUIET_FOR
    context = context_for(slack, services, clock)
    slack.fail_next("chat.postMessage", error="ratelimited")

    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        assert send_pending_notifications(context) == "0 sent, 1 to send again, 0 dropped"

    assert "Slack asked to wait with 1 notices for U0BEN in workspace T0TANDEM (ratelimited)" in caplog.text
    assert services.outbox.pending_for(KEY) == {BEN: 1}
    assert send_pending_notifications(context) == "1 sent, 0 to send again, 0 dropped"
    [dm] = dms(slack)
    assert dm.args["channel"] == BEN


def test_news_for_someone_slack_does_not_know_is_dropped_not_retried_forever(
    slack: SlackLookalike, services: Services, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    [number] = raise_issues(services, "Pricing page confuses prospects")
    services.tracker.assign(KEY, number, "U0GONE", Actor(ANA))
    clock.now += QUIET_FOR
    context = context_for(slack, services, clock)

    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        assert send_pending_notifications(context) == "0 sent, 0 to send again, 1 dropped"

    assert "Slack refused 1 notices for U0GONE in workspace T0TANDEM (channel_not_found)" in caplog.text
    assert services.outbox.pending_for(KEY) == {}
    assert send_pending_notifications(context) == ""
