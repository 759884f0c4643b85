"""Posting a workspace's daily metric snapshot to its channel: the chart uploaded with the table in
one message (files upload v2), or the table alone when charts are off or there is nothing to draw."""

from __future__ import annotations

import json
import logging
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import metrics as blocks
from bot.blocks.text import day
from bot.metrics import Snapshot
from bot.services import Services
from bot.slack.posting import LOOK_BACK, TRANSIENT_ERRORS, find_post, find_upload, post_once
from bot.workspaces import WorkspaceKey

log = logging.getLogger("tandem.metrics")

SNAPSHOT_JOB = "metrics.snapshot"  # the scheduler's ledger job: one claim per workspace and local date


def snapshot_key(key: WorkspaceKey, made_on: date) -> str:
    """The metadata key a snapshot posted without a chart carries."""
    return f"{SNAPSHOT_JOB}/{key.team_id}/{made_on.isoformat()}"


def chart_filename(key: WorkspaceKey, made_on: date) -> str:
    """The chart's filename: unique per workspace and day, so a retry can find an earlier upload."""
    return f"tandem-metrics-{key.team_id}-{made_on.isoformat()}.png"


def post_snapshot(
    client: WebClient,
    services: Services,
    key: WorkspaceKey,
    made_on: date,
    *,
    runner: str,
    retaken: bool,
    late: bool,
) -> str:
    """Post the snapshot made on local date `made_on`, once: the caller holds the day's claim
    (`runner`), and `retaken` says an earlier attempt may have posted it already.

    Outcomes: "sent", "sent with chart", "already posted", "no channel", "no metrics", or
    "failed: <Slack's error>" when Slack refused the channel. Slack asking to wait (rate limits,
    outages) is raised as SlackApiError, for the caller to retry.
    """
    metrics = services.metrics
    settings = metrics.settings(key)
    channel = settings.channel
    if channel is None:
        return "no channel"
    filename = chart_filename(key, made_on)
    try:
        if retaken:
            # The attempt before may have died after Slack took the post: by its key, or its chart's name.
            since = services.clock() - LOOK_BACK
            found = find_post(client, channel, snapshot_key(key, made_on), since=since) or find_upload(
                client, channel, filename, since=since
            )
            if found is not None:
                return "already posted"
        snapshot = metrics.snapshot(key, made_on)
        if snapshot.is_empty:
            return "no metrics"
        message = blocks.snapshot_message(snapshot, late=late)
        chart = _chart(snapshot) if settings.charts else None
        if chart is not None:
            # One message holding the table and the chart: Slack shows an upload's blocks above its
            # file. (An image block pointing at a private upload is refused as an invalid slack file.)
            client.files_upload_v2(
                channel=channel,
                filename=filename,
                title=f"Shared metrics through {day(snapshot.through)}",
                alt_txt=blocks.snapshot_chart_alt_text(snapshot),
                content=chart,
                blocks=json.dumps(message.as_kwargs()["blocks"]),
            )
            outcome = "sent with chart"
        else:
            post_once(
                client,
                channel=channel,
                message=message,
                key=snapshot_key(key, made_on),
                look_first=False,  # looked above when retaken
                now=services.clock(),
            )
            outcome = "sent"
    except SlackApiError as error:
        problem = str(error.response.get("error") or "unknown_error")
        if problem in TRANSIENT_ERRORS:
            raise
        log.warning("Slack refused the metric snapshot in workspace %s: %s", key.team_id, problem)
        return f"failed: {problem}"
    log.info("Metric snapshot for %s posted to %s in %s by %s", made_on, channel, key.team_id, runner)
    return outcome


def _chart(snapshot: Snapshot) -> bytes | None:
    # matplotlib takes about a second to import: only the snapshot job pays for it, not every
    # `tandem` command that imports the jobs.
    from bot.metric_chart import snapshot_chart

    return snapshot_chart(snapshot)
