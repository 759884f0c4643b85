"""Batched notification DMs: every few seconds, the news of everyone whose changes have gone quiet
goes out as one direct message each; what Slack could not take now is tried again next round."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks.notifications import news
from jobs.scheduler import JobContext, is_transient

log = logging.getLogger("tandem.jobs.notifications")

# A burst of changes (assign, set a due date, change the priority) arrives as one message once the
# person's news has been quiet this long.
QUIET_FOR = timedelta(seconds=20)


def send_pending_notifications(context: JobContext) -> str:
    """Send each quiet batch as one DM; the outbox hands each notice to one runner only."""
    outbox = context.services.outbox
    sent = returned = dropped = 0
    for batch in outbox.take_quiet_batches(QUIET_FOR):
        where = f"{len(batch.notices)} notices for {batch.recipient} in workspace {batch.key.team_id}"
        try:
            message = news(batch.notices)
        except Exception:
            log.exception("Could not render %s; they are dropped", where)
            outbox.settle(batch)
            dropped += 1
            continue
        try:
            # A user id as the channel posts in the app's Messages tab with that person (no im:write).
            context.client.chat_postMessage(
                channel=batch.recipient, unfurl_links=False, **message.as_kwargs()
            )
        except SlackApiError as error:
            code = error.response.get("error")
            if is_transient(error):
                log.warning("Slack asked to wait with %s (%s); trying again next round", where, code)
                outbox.give_back(batch)
                returned += 1
            else:
                # user_not_found, account_inactive...: sending again would fail the same way forever.
                log.warning("Slack refused %s (%s); they are dropped", where, code)
                outbox.settle(batch)
                dropped += 1
            continue
        except OSError as error:
            log.warning("Could not reach Slack with %s (%s); trying again next round", where, error)
            outbox.give_back(batch)
            returned += 1
            continue
        outbox.settle(batch)
        sent += 1
    if not (sent or returned or dropped):
        return ""
    return f"{sent} sent, {returned} to send again, {dropped} dropped"
