"""Posting a week's digest to its channel, once, whoever asks: the Thursday schedule, `/digest send`
or the owner's "Send now". The scheduling ledger's "digest.post" claim decides who posts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import digest as blocks
from bot.blocks.text import Message
from bot.digest import Composed, DigestRecord, DigestStatus
from bot.scheduling import runner_name
from bot.services import Services
from bot.slack.posting import TRANSIENT_ERRORS, Posted, post_once
from bot.workspaces import WorkspaceKey

log = logging.getLogger("tandem.digest")

POST_JOB = "digest.post"

Outcome = Literal["sent", "already", "skipped", "failed", "busy", "nothing"]


@dataclass(frozen=True)
class DigestPosted:
    """How a request to post a week's digest ended."""

    outcome: Outcome
    record: DigestRecord
    problem: str | None = None  # Slack's error code when failed: "not_in_channel", "is_archived", ...
    channel: str | None = None

    @property
    def may_retry(self) -> bool:
        """Failed for now (Slack asked to wait, or another runner holds it), not for good."""
        return self.outcome == "busy" or (self.outcome == "failed" and self.problem in TRANSIENT_ERRORS)


def post_digest(
    client: WebClient,
    services: Services,
    key: WorkspaceKey,
    week_key: str,
    *,
    by: str | None,
    late: bool = False,
    runner: str | None = None,
) -> DigestPosted:
    """Post the week's digest now unless it is sent, skipped or being posted; `by` is the person
    who asked, None for the schedule. A refused channel is recorded (FAILED) for a later retry."""
    digests, ledger = services.digests, services.ledger
    runner = runner or runner_name()
    settings = digests.settings(key)
    record = digests.record(key, week_key)
    if record.status is DigestStatus.SENT:
        return DigestPosted("already", record, channel=record.channel)
    if record.status is DigestStatus.SKIPPED:
        return DigestPosted("skipped", record)
    if settings.channel is None:
        return DigestPosted("failed", record, problem="no_channel")
    claim = ledger.claim(POST_JOB, key, week_key, runner)
    if claim is None:
        record = digests.record(key, week_key)
        outcome: Outcome = "already" if record.status is DigestStatus.SENT else "busy"
        return DigestPosted(outcome, record, channel=record.channel)
    try:
        composed = digests.compose(key, week_key)
        if composed.is_empty and not settings.empty_note:
            # Released, not finished: an item added later this week may still be sent by hand.
            ledger.release(POST_JOB, key, week_key, runner, "nothing to post")
            return DigestPosted("nothing", record)
        posted = post_once(
            client,
            channel=settings.channel,
            message=_message(composed, late),
            key=f"digest/{key.team_id}/{week_key}",
            look_first=claim.retaken,
            now=services.clock(),
        )
    except SlackApiError as error:
        problem = str(error.response.get("error") or "unknown_error")
        ledger.release(POST_JOB, key, week_key, runner, f"refused: {problem}")
        if problem not in TRANSIENT_ERRORS:
            record = digests.record_failed(key, week_key, problem)
        log.warning("Slack refused the %s digest in workspace %s: %s", week_key, key.team_id, problem)
        return DigestPosted("failed", record, problem=problem, channel=settings.channel)
    except BaseException:
        # Not known to be posted: released, and whoever retries looks in the channel first.
        ledger.release(POST_JOB, key, week_key, runner, "interrupted")
        raise
    record = digests.record_sent(
        key,
        week_key,
        channel=posted.channel,
        ts=posted.ts,
        permalink=_permalink(client, posted),
        late=late,
        item_count=sum(section.total for section in composed.sections),
        by=by,
    )
    ledger.finish(POST_JOB, key, week_key, runner, f"posted {posted.channel} {posted.ts}")
    if not posted.found:
        _post_the_rest(client, composed, posted)
    return DigestPosted("sent", record, channel=posted.channel)


def _message(composed: Composed, late: bool) -> Message:
    if composed.is_empty:
        return blocks.empty_digest_message(composed.week)
    return blocks.digest_message(composed, late=late, shown_on=composed.week)


def _permalink(client: WebClient, posted: Posted) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=posted.channel, message_ts=posted.ts)["permalink"])
    except SlackApiError as error:
        log.info("No permalink for the digest %s: %s", posted.ts, error.response.get("error"))
        return None


def _post_the_rest(client: WebClient, composed: Composed, posted: Posted) -> None:
    """What the capped sections left out, in the digest's thread: readers reach it from the "+N more"."""
    for reply in blocks.digest_thread_replies(composed):
        try:
            client.chat_postMessage(
                channel=posted.channel, thread_ts=posted.ts, unfurl_links=False, **reply.as_kwargs()
            )
        except SlackApiError as error:
            problem = error.response.get("error")
            log.warning("The rest of the digest %s stayed unposted: %s", posted.ts, problem)
            return
