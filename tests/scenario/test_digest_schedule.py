"""The digest's week as the schedule runs it: marketing asked for items on Wednesday, the owner's
preview with approval on, Thursday's post to sales exactly once (after a send by hand, a retry, a
crash between posting and recording), late catch-up, empty weeks and a refused channel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.blocks.text import Message
from bot.digest import DigestStatus, ItemDraft, Section
from bot.sandbox.lookalike import SlackLookalike
from bot.scheduling import runner_name
from bot.slack.digest_post import post_digest
from bot.slack.posting import EVENT_TYPE, post_once
from bot.workspaces import WorkspaceKey
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, MARKETING, SALES, TEAM, Tandem, start_tandem
from tests.scenario.messages import posts_in
from tests.scenario.scheduled import Schedule, run_at
from tests.test_scheduling import ended_process_on_this_machine

KEY = WorkspaceKey(TEAM)
ADMIN = "U0ADMIN"
WEEK = "2026-W48"
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WEDNESDAY_1400 = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 14:00 in Paris
THURSDAY_0800 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
THURSDAY_0900 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
DIGEST_JOBS = ("digest.reminder", "digest.preview", "digest.send")
scheduler_for = Schedule(DIGEST_JOBS, {"TANDEM_ADMINS": ADMIN}).scheduler_for  # the digest's rows


def add_items(tandem: Tandem, clock: FixedClock) -> None:
    clock.now = TUESDAY
    digests = tandem.services.digests
    digests.add_item(KEY, BEN, ItemDraft(Section.PRODUCT_NEWS, "Usage-based pricing ships 1 December"))
    digests.add_item(
        KEY, BEN, ItemDraft(Section.COMPETITOR, "Globex cut prices by 20%", detail="<!here> beware")
    )


def message_text(message: dict[str, Any]) -> str:
    parts = [message.get("text", "")]
    for block in message.get("blocks", []):
        for value in (block.get("text"), *block.get("elements", []), *block.get("fields", [])):
            if isinstance(value, dict) and isinstance(value.get("text"), str):
                parts.append(value["text"])
    return "\n".join(parts)


@pytest.fixture
def owned(slack: SlackLookalike, database_url: str, clock: FixedClock) -> Iterator[Tandem]:
    yield from start_tandem(slack, database_url, clock, TANDEM_DIGEST_OWNER=BEN, TANDEM_ADMINS=ADMIN)


@pytest.fixture
def approving(slack: SlackLookalike, database_url: str, clock: FixedClock) -> Iterator[Tandem]:
    yield from start_tandem(
        slack, database_url, clock, TANDEM_DIGEST_APPROVAL="true", TANDEM_DIGEST_OWNER=BEN
    )


def test_thursday_0900_posts_the_digest_to_sales_once_tagged_with_its_week(
    tandem: Tandem, clock: FixedClock
) -> None:
    add_items(tandem, clock)
    scheduler = scheduler_for(tandem, clock)

    assert run_at(scheduler, clock, THURSDAY_0900 - timedelta(minutes=1)) == []
    assert run_at(scheduler, clock, THURSDAY_0900) == [("digest.send", "posted to C0SALES")]
    assert run_at(scheduler, clock, THURSDAY_0900 + timedelta(minutes=1)) == []

    [post] = posts_in(tandem.slack, SALES)
    assert post["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": f"digest/{TEAM}/{WEEK}"}}
    text = message_text(post)
    assert "Usage-based pricing ships 1 December" in text
    assert "<!here>" not in text  # what an item says never pings anyone
    assert "late" not in post["text"].lower()
    record = tandem.services.digests.record(KEY, WEEK)
    assert (record.status, record.channel, record.ts, record.sent_by) == (
        DigestStatus.SENT,
        SALES,
        post["ts"],
        None,
    )
    assert record.permalink
    assert post["ts"].replace(".", "") in record.permalink


def test_a_digest_sent_by_hand_that_week_is_not_posted_again_by_the_schedule(
    tandem: Tandem, clock: FixedClock
) -> None:
    add_items(tandem, clock)
    client = WebClient(token="xoxb-test-0000-tandem", base_url=tandem.slack.api_url)
    assert post_digest(client, tandem.services, KEY, WEEK, by=BEN).outcome == "sent"

    scheduler = scheduler_for(tandem, clock)
    assert run_at(scheduler, clock, THURSDAY_0900) == [("digest.send", "already sent by hand")]
    assert len(posts_in(tandem.slack, SALES)) == 1


def test_a_run_caught_up_after_an_outage_posts_with_a_late_note(tandem: Tandem, clock: FixedClock) -> None:
    add_items(tandem, clock)
    scheduler = scheduler_for(tandem, clock)

    assert run_at(scheduler, clock, THURSDAY_0900 + timedelta(hours=2)) == [
        ("digest.send", "posted to C0SALES late")
    ]
    [post] = posts_in(tandem.slack, SALES)
    assert "late" in message_text(post).lower()
    assert tandem.services.digests.record(KEY, WEEK).late is True


def test_beyond_the_catch_up_window_the_week_is_skipped_not_posted_days_late(
    tandem: Tandem, clock: FixedClock
) -> None:
    add_items(tandem, clock)
    scheduler = scheduler_for(tandem, clock, TANDEM_CATCH_UP_HOURS="2")

    assert run_at(scheduler, clock, THURSDAY_0900 + timedelta(hours=2, minutes=1)) == []
    assert posts_in(tandem.slack, SALES) == []
    assert tandem.services.digests.record(KEY, WEEK).status is DigestStatus.DRAFT


def test_a_process_that_died_between_posting_and_recording_is_not_followed_by_a_second_post(
    tandem: Tandem, clock: FixedClock
) -> None:
    add_items(tandem, clock)
    clock.now = THURSDAY_0900
    ledger, dead = tandem.services.ledger, ended_process_on_this_machine()
    # What the dead process did: claimed the run and the post, and Slack took the post.
    assert ledger.claim("digest.send", KEY, WEEK, dead)
    assert ledger.claim("digest.post", KEY, WEEK, dead)
    client = WebClient(token="xoxb-test-0000-tandem", base_url=tandem.slack.api_url)
    left = post_once(
        client,
        channel=SALES,
        message=Message("The digest", []),
        key=f"digest/{TEAM}/{WEEK}",
        look_first=False,
        now=clock.now,
    )

    scheduler = scheduler_for(tandem, clock, runner=runner_name())
    assert run_at(scheduler, clock, THURSDAY_0900 + timedelta(minutes=3)) == [
        ("digest.send", "posted to C0SALES")
    ]

    assert [post["ts"] for post in posts_in(tandem.slack, SALES)] == [left.ts]
    [history] = tandem.slack.calls_to("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1", 1)
    assert tandem.services.digests.record(KEY, WEEK).ts == left.ts


def test_a_rate_limited_post_is_retried_after_retry_after_and_posted_once(
    tandem: Tandem, clock: FixedClock
) -> None:
    add_items(tandem, clock)
    tandem.slack.fail_next("chat.postMessage", status=429, retry_after=0)
    scheduler = scheduler_for(tandem, clock)

    assert run_at(scheduler, clock, THURSDAY_0900) == [("digest.send", "posted to C0SALES")]
    assert len(posts_in(tandem.slack, SALES)) == 1
    assert [c.status for c in tandem.slack.calls_to("chat.postMessage")][:2] == [429, 200]


def test_a_channel_tandem_was_not_invited_to_is_reported_and_the_digest_kept_for_a_retry(
    owned: Tandem, clock: FixedClock
) -> None:
    tandem = owned
    add_items(tandem, clock)
    tandem.slack.fail_next("chat.postMessage", error="not_in_channel")
    scheduler = scheduler_for(tandem, clock)

    assert run_at(scheduler, clock, THURSDAY_0900) == []
    record = tandem.services.digests.record(KEY, WEEK)
    assert (record.status, record.problem) == (DigestStatus.FAILED, "not_in_channel")
    told = {c.args["channel"] for c in tandem.slack.calls_to("chat.postMessage") if c.ok}
    assert told == {BEN, ADMIN}  # the owner and the admins, by DM
    assert all(
        "invite" in message_text(m).lower() for m in tandem.slack.messages(tandem.slack.dm_channel(BEN))
    )

    # Invited since; the ledger retries the run after its retake time, within the catch-up window.
    assert run_at(scheduler, clock, THURSDAY_0900 + timedelta(minutes=29)) == []
    assert run_at(scheduler, clock, THURSDAY_0900 + timedelta(minutes=31)) == [
        ("digest.send", "posted to C0SALES late")
    ]
    assert len(posts_in(tandem.slack, SALES)) == 1
    assert len(tandem.slack.messages(tandem.slack.dm_channel(BEN))) == 1  # told once


def meet(tandem: Tandem, clock: FixedClock) -> None:
    """Someone in the workspace used Tandem this week, so it is scheduled there."""
    clock.now = TUESDAY
    tandem.services.workspaces.settings_for(KEY)


def test_an_empty_week_posts_a_short_note(tandem: Tandem, clock: FixedClock) -> None:
    meet(tandem, clock)
    scheduler = scheduler_for(tandem, clock)
    assert run_at(scheduler, clock, THURSDAY_0900) == [("digest.send", "posted to C0SALES")]
    [post] = posts_in(tandem.slack, SALES)
    assert "nothing new" in message_text(post).lower()


def test_with_the_empty_note_off_an_empty_week_posts_nothing(
    slack: SlackLookalike, database_url: str, clock: FixedClock
) -> None:
    for tandem in start_tandem(slack, database_url, clock, TANDEM_DIGEST_EMPTY_NOTE="false"):
        meet(tandem, clock)
        scheduler = scheduler_for(tandem, clock)
        assert run_at(scheduler, clock, THURSDAY_0900) == [
            ("digest.send", "nothing to post, and the empty-week note is off")
        ]
        assert posts_in(slack, SALES) == []


def test_marketing_is_asked_for_items_on_wednesday_with_how_many_are_in(
    tandem: Tandem, clock: FixedClock
) -> None:
    add_items(tandem, clock)
    scheduler = scheduler_for(tandem, clock)

    assert run_at(scheduler, clock, WEDNESDAY_1400) == [
        ("digest.reminder", "asked marketing for items (2 in so far)")
    ]
    assert run_at(scheduler, clock, WEDNESDAY_1400 + timedelta(minutes=5)) == []
    [reminder] = posts_in(tandem.slack, MARKETING)
    assert "2" in message_text(reminder)
    assert any(
        element.get("type") == "button"
        for block in reminder["blocks"]
        for element in block.get("elements", [])
    )


def test_with_approval_on_the_owner_gets_a_preview_and_an_unapproved_digest_is_held(
    approving: Tandem, clock: FixedClock
) -> None:
    add_items(approving, clock)
    scheduler = scheduler_for(approving, clock)

    assert run_at(scheduler, clock, THURSDAY_0800) == [("digest.preview", "preview sent to the owner")]
    [preview] = approving.slack.messages(approving.slack.dm_channel(BEN))
    buttons = [
        element["text"]["text"]
        for block in preview["blocks"]
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]
    assert buttons == ["Send now", "Edit items", "Skip this week"]
    assert "Usage-based pricing ships 1 December" in message_text(preview)

    assert run_at(scheduler, clock, THURSDAY_0900) == [
        ("digest.send", "held: waiting for the owner's approval")
    ]
    assert posts_in(approving.slack, SALES) == []
    assert approving.services.digests.record(KEY, WEEK).status is DigestStatus.HELD
    assert len(approving.slack.messages(approving.slack.dm_channel(BEN))) == 2  # the preview, then a reminder
    assert ANA not in {c.args["channel"] for c in approving.slack.calls_to("chat.postMessage")}
