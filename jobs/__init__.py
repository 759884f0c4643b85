"""Tandem's whole timetable: what runs when. Daily times are each workspace's own (its timezone, else
TANDEM_TIMEZONE); the ledger runs each day's occurrence once per workspace, however many replicas."""

from __future__ import annotations

from bot.config import Settings
from jobs.issue_reminders import remind_issue_owners
from jobs.notifications import send_pending_notifications
from jobs.scheduler import Daily, Every, Timetable
from jobs.team_sync import sync_teams


def timetable(settings: Settings) -> Timetable:
    """One row a job; a later feature (Thursday digest, metric snapshots, wins recap) adds a row."""
    # fmt: off
    return (
        #     job id                 runs                        when
        Daily("teams.sync",          sync_teams,                 at="06:00",                on="mon-sun"),
        Daily("issues.reminders",    remind_issue_owners,        at=settings.reminder_time, on="mon-fri"),
        Every("notifications.flush", send_pending_notifications, seconds=15),
    )
    # fmt: on
