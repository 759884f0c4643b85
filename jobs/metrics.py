"""The daily metric snapshot: each working morning, queried metrics are refreshed for the days it
reports, admins hear once of each query that failed, and the snapshot is posted to the channel."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks import metrics as blocks
from bot.blocks.text import Message, day
from bot.metrics import QueryFailure, reported_day
from bot.scheduling import Routine, clock_time
from bot.slack.metric_post import SNAPSHOT_JOB, post_snapshot
from bot.workspaces import WorkspaceKey
from jobs.notices import post_failed_notice, tell_each_once
from jobs.scheduler import Due, JobContext, RetryLater, When, is_transient

log = logging.getLogger("tandem.jobs.metrics")

NOTICE_JOB = "metrics.notice"  # ledger entries for DMs to admins: one per person and problem


def snapshot_times(context: JobContext) -> Mapping[WorkspaceKey, When]:
    """Each workspace's own days and time, where it has a channel to post to (read once a tick)."""
    return {
        key: When(Routine(SNAPSHOT_JOB, clock_time(settings.time), settings.days), settings.timezone)
        for key, settings in context.services.metrics.all_settings().items()
        if settings.channel
    }


def post_metric_snapshot(context: JobContext, due: Due) -> str:
    """Refresh the queried metrics for the days the snapshot reports, then post it once."""
    metrics, key = context.services.metrics, due.workspace.key
    made_on = due.occurrence.local_date
    settings = metrics.settings(key)
    failures = metrics.refresh_queried(key, reported_days(settings.days, made_on))
    _tell_about_queries(context, due, failures)
    try:
        outcome = post_snapshot(
            context.client,
            context.services,
            key,
            made_on,
            runner=context.runner,
            retaken=due.retaken,
            late=due.late,
        )
    except SlackApiError as error:
        if is_transient(error):
            raise RetryLater(f"Slack asked to wait: {error.response.get('error')}") from None
        raise
    if outcome.startswith("failed: "):
        problem = outcome.removeprefix("failed: ")
        # Told once; the ledger retries the run after its retake time, within the catch-up window,
        # so the snapshot is posted (marked late) once someone fixes the channel.
        what, place = f"the metric snapshot for {day(made_on)}", "Shared metrics → *Snapshot settings*"
        notice = post_failed_notice(what, settings.channel, place, problem)
        _tell(context, due, context.settings.admins, f"{made_on:%Y%m%d}/!post", notice)
        raise RetryLater(f"Slack refused the channel: {problem}")
    return outcome + (" (late)" if due.late and outcome.startswith("sent") else "")


def reported_days(days: Sequence[str], made_on: date) -> list[date]:
    """The days a snapshot made on `made_on` reports, each queried before it is composed: from its
    reported day (Friday on a Monday) through yesterday."""
    first, yesterday = reported_day(made_on, days), made_on - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]


def _tell_about_queries(context: JobContext, due: Due, failures: Sequence[QueryFailure]) -> None:
    if not failures:
        return
    admins = context.settings.admins
    if not admins:
        for failure in failures:
            log.warning(
                "The %s query failed for %s in workspace %s (no admins to tell): %s",
                failure.metric,
                failure.day,
                due.workspace.key.team_id,
                failure.problem,
            )
        return
    by_name = {metric.name: metric for metric in context.services.metrics.definitions(due.workspace.key)}
    for failure in failures:
        metric = by_name.get(failure.metric)
        if metric is None:
            continue  # removed since the query ran
        notice = blocks.query_failed_notice(metric, failure.day, failure.problem)
        _tell(context, due, admins, f"{failure.day:%Y%m%d}/{failure.metric}", notice)


def _tell(context: JobContext, due: Due, people: Iterable[str], about: str, message: Message) -> None:
    """A DM about `about` ("20261124/leads": a day, then what) to each person, at most once each."""
    tell_each_once(context, due, NOTICE_JOB, people, about, message, what="metrics")
