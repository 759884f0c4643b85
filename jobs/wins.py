"""The weekly wins recap: each workspace's week of wins, posted once to its wins channel on its own day
and time (Friday 16:00 unless an admin chose otherwise), however many runs or replicas."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError

from bot.blocks.wins import recap_message
from bot.scheduling import Routine, week_key
from bot.slack.posting import post_once
from bot.workspaces import WorkspaceKey
from jobs.notices import post_failed_notice, tell_each_once
from jobs.scheduler import Due, JobContext, RetryLater, When, is_transient

log = logging.getLogger("tandem.jobs.wins")

RECAP_JOB = "wins.recap"  # the ledger's job: one claim per workspace and ISO week
NOTICE_JOB = "wins.notice"  # ledger entries for DMs to admins: one per week, problem and person


def recap_key(key: WorkspaceKey, week: str) -> str:
    """The key a week's recap carries in its message metadata, "wins.recap/T0123/2026-W48"."""
    return f"{RECAP_JOB}/{key.team_id}/{week}"


def recap_times(context: JobContext) -> Mapping[WorkspaceKey, When]:
    """Each workspace's own recap day and time, where it has a wins channel (read once a tick)."""
    return {
        key: When(Routine.weekly_on(RECAP_JOB, settings.recap_day, settings.recap_time), settings.timezone)
        for key, settings in context.services.wins.all_settings().items()
        if settings.channel
    }


def post_wins_recap(context: JobContext, due: Due) -> str:
    """Post the week's recap to the wins channel, once.

    The week is the ISO week (Monday to Sunday, workspace time) holding the occurrence's local date,
    counted as it stands when the recap posts: Friday 16:00's recap shows Monday to Friday 16:00 (and
    a recap day early in the week shows little of it). A win posted after it (Friday evening, the
    weekend) is in no recap's list, but it counts on the leaderboard and among the weeks before in
    next week's cross-team comparison. Keyed by that week, like the ledger's claim, a week is
    recapped once even when the day is moved after its recap. A recap caught up late says so; a week
    without wins posts the short empty-week note.
    """
    wins, key = context.services.wins, due.workspace.key
    settings = wins.settings(key)
    channel = settings.channel
    if channel is None:
        return "no wins channel"  # removed since this tick's plan was read
    week = week_key(due.occurrence.local_date)  # the occurrence's key: the ledger and Slack agree
    recap = wins.recap(key, week)
    try:
        posted = post_once(
            context.client,
            channel=channel,
            message=recap_message(recap, late=due.late),
            key=recap_key(key, week),
            look_first=due.retaken,
            now=context.services.clock(),
        )
    except SlackApiError as error:
        problem = str(error.response.get("error") or "unknown_error")
        if is_transient(error):
            raise RetryLater(f"Slack asked to wait: {problem}") from None
        log.warning("Slack refused the wins recap in workspace %s: %s", key.team_id, problem)
        # Told once; the ledger retries the run after its retake time, within the catch-up window,
        # so the recap is posted (marked late) once someone fixes the channel.
        notice = post_failed_notice("this week's wins recap", channel, "*Wins settings*", problem)
        tell_each_once(context, due, NOTICE_JOB, context.settings.admins, f"{week}/post", notice, what="wins")
        raise RetryLater(f"Slack refused the channel: {problem}") from None
    if posted.found:
        return "already posted"
    wins_counted = f"{recap.total} win" if recap.total == 1 else f"{recap.total} wins"
    what = "empty-week recap" if recap.is_empty else f"recap of {wins_counted}"
    return f"{what} posted to {posted.channel}" + (" (late)" if due.late else "")
