"""The Thursday digest's week: marketing is asked for items (Wednesday 14:00), the owner gets a
preview when approval is on (Thursday 08:00), and the digest is posted (Thursday 09:00), each once."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from slack_sdk.errors import SlackApiError

from bot.blocks import digest as blocks
from bot.blocks.text import Message
from bot.digest import DigestSettings, DigestStatus
from bot.scheduling import Routine
from bot.slack.digest_post import DigestPosted, post_digest
from bot.slack.posting import post_once
from bot.workspaces import WorkspaceKey
from jobs.notices import tell_each_once
from jobs.scheduler import Due, JobContext, RetryLater, When, is_transient

log = logging.getLogger("tandem.jobs.digest")

NOTICE_JOB = "digest.notice"  # ledger entries for DMs about one week's digest, one per person and kind

# What a plan reads from a workspace's settings: (day, time), or None when the job is off there.
_When = Callable[[DigestSettings], tuple[str, str] | None]


# When each workspace runs each job (read once a tick for every workspace)


def send_times(context: JobContext) -> Mapping[WorkspaceKey, When]:
    return _plans(context, "digest.send", lambda s: (s.send_day, s.send_time) if s.channel else None)


def preview_times(context: JobContext) -> Mapping[WorkspaceKey, When]:
    # Only where approval is on: the owner's preview comes before the send time, on the same day.
    return _plans(context, "digest.preview", lambda s: (s.send_day, s.preview_time) if s.approval else None)


def reminder_times(context: JobContext) -> Mapping[WorkspaceKey, When]:
    return _plans(context, "digest.reminder", _reminder_day_and_time)


def _reminder_day_and_time(settings: DigestSettings) -> tuple[str, str] | None:
    return (settings.reminder_day, settings.reminder_time) if settings.reminder_channel else None


def _plans(context: JobContext, job: str, when: _When) -> dict[WorkspaceKey, When]:
    plans = {}
    for key, settings in context.services.digests.all_settings().items():
        chosen = when(settings)
        if chosen is not None:
            day, at = chosen
            plans[key] = When(Routine.weekly_on(job, day, at), settings.timezone)
    return plans


# The jobs


def ask_marketing_for_items(context: JobContext, due: Due) -> str:
    """Remind marketing, in its channel, that the digest goes out soon, with how many items are in."""
    digests, key = context.services.digests, due.workspace.key
    settings = digests.settings(key)
    if settings.reminder_channel is None:
        return "no marketing channel"
    week = digests.current_week(key, due.occurrence.due_at)
    by_section = Counter(item.section for item in digests.items(key, week.key))
    message = blocks.collection_reminder(sum(by_section.values()), week, by_section)
    try:
        post_once(
            context.client,
            channel=settings.reminder_channel,
            message=message,
            key=f"digest.reminder/{key.team_id}/{due.occurrence.key}",
            look_first=due.retaken,
            now=context.services.clock(),
        )
    except SlackApiError as error:
        if is_transient(error):
            raise RetryLater(f"Slack asked to wait: {error.response.get('error')}") from None
        return f"refused: {error.response.get('error')}"
    return f"asked marketing for items ({sum(by_section.values())} in so far)"


def send_digest_preview(context: JobContext, due: Due) -> str:
    """With approval on: the owner gets the digest as it will be posted, to send, edit or skip."""
    digests, key = context.services.digests, due.workspace.key
    settings = digests.settings(key)
    record = digests.record(key, due.occurrence.key)
    if record.status in {DigestStatus.SENT, DigestStatus.SKIPPED}:
        return f"already {record.status.value}"
    if settings.owner_id is None:
        return "no digest owner to approve it"
    composed = digests.compose(key, due.occurrence.key)
    message = blocks.approval_request(composed, composed.week)
    return _tell(context, due, [settings.owner_id], "preview", message) or "preview sent to the owner"


def send_weekly_digest(context: JobContext, due: Due) -> str:
    """Post the week's digest to its channel, unless sent by hand, skipped, or waiting for approval."""
    digests, key, week = context.services.digests, due.workspace.key, due.occurrence.key
    settings = digests.settings(key)
    record = digests.record(key, week)
    if record.status is DigestStatus.SENT:
        return "already sent" + (" by hand" if record.sent_by else "")
    if record.status is DigestStatus.SKIPPED:
        return f"skipped this week by {record.decided_by}"
    if settings.approval and record.status is not DigestStatus.APPROVED:
        digests.hold(key, week)
        owner = [settings.owner_id] if settings.owner_id else []
        _tell(context, due, owner, "held", blocks.held_notice(digests.week(key, week)))
        return "held: waiting for the owner's approval"
    posted = post_digest(
        context.client, context.services, key, week, by=None, late=due.late, runner=context.runner
    )
    return _settle(context, due, settings, posted)


def _settle(context: JobContext, due: Due, settings: DigestSettings, posted: DigestPosted) -> str:
    digests, key, week = context.services.digests, due.workspace.key, due.occurrence.key
    match posted.outcome:
        case "sent":
            return f"posted to {posted.channel}" + (" late" if due.late else "")
        case "already":
            return "already sent"
        case "skipped":
            return "skipped this week"
        case "nothing":
            return "nothing to post, and the empty-week note is off"
        case "busy":
            raise RetryLater("another runner is posting it")
    problem = posted.problem or "unknown_error"
    if posted.may_retry:
        raise RetryLater(f"Slack asked to wait: {problem}")
    # Kept (FAILED) and retried later; the owner and admins hear why once, so they can fix it.
    people = [*([settings.owner_id] if settings.owner_id else []), *context.settings.admins]
    _tell(
        context,
        due,
        people,
        "failed",
        blocks.post_failed_notice(problem, posted.channel, digests.week(key, week)),
    )
    raise RetryLater(f"Slack refused the channel: {problem}")


def _tell(context: JobContext, due: Due, people: Iterable[str], kind: str, message: Message) -> str | None:
    """A DM about this week's digest to each person, at most once each; a problem, or None."""
    about = f"{due.occurrence.key}/{kind}"
    problems = tell_each_once(context, due, NOTICE_JOB, people, about, message, what=f"digest {kind}")
    return f"could not reach the owner: {', '.join(problems)}" if problems else None
