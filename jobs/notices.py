"""Direct messages a scheduled job sends about its run (a preview, a refused channel, a failed query):
each person hears of each thing once, through the ledger, however many runs or replicas."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks.text import Message, cut, escape
from bot.scheduling import OCCURRENCE_MAX
from bot.slack.posting import post_once
from jobs.scheduler import Due, JobContext, is_transient

log = logging.getLogger("tandem.jobs.notices")


def tell_each_once(
    context: JobContext,
    due: Due,
    job: str,
    people: Iterable[str],
    about: str,
    message: Message,
    *,
    what: str,
) -> list[str]:
    """A DM about `about` ("2026-W48/post": the occurrence, then what) to each person, at most once
    each, claimed as the ledger's `job`; Slack's error codes for those it could not reach."""
    ledger, runner, key = context.ledger, context.runner, due.workspace.key
    problems = []
    for person in dict.fromkeys(people):
        entry = _ledger_entry(f"{about}/{person}")
        claim = ledger.claim(job, key, entry, runner)
        if claim is None:
            continue
        try:
            post_once(
                context.client,
                channel=person,
                message=message,
                key=f"{job}/{key.team_id}/{about}/{person}",
                look_first=claim.retaken,
                now=context.services.clock(),
            )
        except SlackApiError as error:
            code = str(error.response.get("error"))
            if is_transient(error):
                ledger.release(job, key, entry, runner, code)
            else:
                ledger.finish(job, key, entry, runner, f"refused: {code}")
            log.warning("Slack refused the %s DM to %s: %s", what, person, code)
            problems.append(code)
            continue
        except BaseException:
            ledger.release(job, key, entry, runner, "interrupted")
            raise
        ledger.finish(job, key, entry, runner, "sent")
    return problems


def _ledger_entry(entry: str) -> str:
    if len(entry) <= OCCURRENCE_MAX:
        return entry
    # A long metric name: the day, then a digest of the rest (ledger keys are short).
    return f"{entry[:8]}/{hashlib.sha256(entry.encode()).hexdigest()[: OCCURRENCE_MAX - 9]}"


def post_failed_notice(what: str, channel: str | None, settings_place: str, problem: str) -> Message:
    """To each admin: `what` ("this week's wins recap") could not be posted, why in words they can
    act on, and where in App Home they choose another channel."""
    where = f"<#{channel}>" if channel else "its channel"
    elsewhere = f"An admin can choose another in App Home → {settings_place}."
    reason = {
        "not_in_channel": f"Tandem isn't in {where}. Invite it with `/invite @Tandem` there.",
        "channel_not_found": f"{where} doesn't exist or Tandem can't see it. {elsewhere}",
        "is_archived": f"{where} is archived. {elsewhere}",
    }.get(problem, f"Slack said `{escape(cut(problem, 60))}`.")
    text = f":warning: I couldn't post {what} to {where}: {reason} I'll try again for a few hours."
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
