"""Daily issue reminders: each owner of late or quiet issues gets one direct message a day; the admins
named in TANDEM_ADMINS also hear of issues nobody has owned for a day."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks.reminders import ALONE_LIMIT, reminder
from bot.issues import IssueList
from jobs.scheduler import Due, JobContext, RetryLater, is_transient

log = logging.getLogger("tandem.jobs.issue_reminders")

UNOWNED_FOR = timedelta(days=1)
NOTHING = IssueList((), 0)


def remind_issue_owners(context: JobContext, due: Due) -> str:
    """Send the day's reminders in one workspace, each person's at most once (a ledger entry each)."""
    key, occurrence = due.workspace.key, due.occurrence
    settings = context.settings
    # Measured from when the reminder was due, so a retry later that morning finds the same issues.
    reminders = context.services.tracker.reminders(
        key,
        today=occurrence.local_date,
        quiet_since=occurrence.due_at - timedelta(days=settings.stale_after_days),
        unowned_since=occurrence.due_at - UNOWNED_FOR,
        per_person=ALONE_LIMIT,
    )
    # Admins are those configured: asking Slack who administers the workspace means paging users.list.
    admins = set(settings.admins) if reminders.unowned.total else set()
    if reminders.unowned.total and not admins:
        log.info(
            "%d issues have no owner in workspace %s; set TANDEM_ADMINS to have someone reminded",
            reminders.unowned.total,
            key.team_id,
        )
    sent, refused, again = 0, 0, []
    for person in sorted(set(reminders.by_owner) | admins):
        mine = reminders.by_owner.get(person, NOTHING)
        unowned = reminders.unowned if person in admins else NOTHING
        match _send_once(context, due, person, mine, unowned):
            case "sent":
                sent += 1
            case "refused":
                refused += 1
            case "again":
                again.append(person)
    if again:
        raise RetryLater(f"Slack asked Tandem to wait; {len(again)} reminders will be sent later")
    return f"{sent} reminders sent" + (f", {refused} refused by Slack" if refused else "")


def _send_once(
    context: JobContext,
    due: Due,
    person: str,
    mine: IssueList,
    unowned: IssueList,
) -> str:
    """Send one person's reminder unless a runner already has: "sent", "skipped", "refused" or "again"."""
    ledger, runner, key = context.ledger, context.runner, due.workspace.key
    # Each person's reminder is its own ledger entry: a run retried after a crash sends only the rest.
    entry = f"{due.occurrence.key}/{person}"
    if not ledger.claim(due.job, key, entry, runner):
        return "skipped"
    message = reminder(
        mine,
        unowned,
        today=due.occurrence.local_date,
        zone=due.workspace.timezone,
    )
    try:
        # A user id as the channel posts in the app's Messages tab with that person (no im:write).
        context.client.chat_postMessage(channel=person, unfurl_links=False, **message.as_kwargs())
    except SlackApiError as error:
        code = str(error.response.get("error", ""))
        if is_transient(error):
            ledger.release(due.job, key, entry, runner)
            return "again"
        log.warning("Slack refused the reminder to %s in workspace %s: %s", person, key.team_id, code)
        ledger.finish(due.job, key, entry, runner, f"refused: {code}")
        return "refused"
    except Exception:
        ledger.release(due.job, key, entry, runner)  # not known to be sent: the retried run sends it
        raise
    ledger.finish(due.job, key, entry, runner, "sent")
    return "sent"
