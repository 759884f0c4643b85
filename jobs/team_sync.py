"""The daily team sync: mapped user groups and channels are read again, so teams follow Slack."""

from __future__ import annotations

from bot.slack.team_sync import sync_mapped_teams
from jobs.scheduler import Due, JobContext


def sync_teams(context: JobContext, due: Due) -> str:
    """Read each mapped source of one workspace; a source Slack refuses keeps its people for now."""
    synced = sync_mapped_teams(context.client, context.services.people, due.workspace.key)
    failed = [f"{s.source.kind.value} {s.source.slack_id}: {s.error}" for s in synced if s.error]
    held = sum(s.members or 0 for s in synced)
    return f"{len(synced)} sources, {held} people" + (f"; unreadable: {', '.join(failed)}" if failed else "")
