"""Tandem's whole timetable: what runs when. Daily times are each workspace's own (its timezone, else
TANDEM_TIMEZONE); the ledger runs each day's occurrence once per workspace, however many replicas."""

from __future__ import annotations

from bot.config import Settings
from jobs.digest import (
    ask_marketing_for_items,
    preview_times,
    reminder_times,
    send_digest_preview,
    send_times,
    send_weekly_digest,
)
from jobs.issue_reminders import remind_issue_owners
from jobs.notifications import send_pending_notifications
from jobs.scheduler import Daily, Every, Timetable, Weekly
from jobs.team_sync import sync_teams


def timetable(settings: Settings) -> Timetable:
    """One row a job; a later feature (metric snapshots, wins recap) adds a row. Weekly rows run on
    each workspace's chosen day and time (its digest settings); the deployment's default is shown."""
    d = settings.digest_defaults()
    # fmt: off
    return (
        #      job id                runs                        when (weekly rows: the default)
        Daily("teams.sync",          sync_teams,                 at="06:00",                on="mon-sun"),
        Daily("issues.reminders",    remind_issue_owners,        at=settings.reminder_time, on="mon-fri"),
        Weekly("digest.reminder",    ask_marketing_for_items,    at=d.reminder_time, on=d.reminder_day,
               plans=reminder_times),
        Weekly("digest.preview",     send_digest_preview,        at=d.preview_time,  on=d.send_day,
               plans=preview_times),
        Weekly("digest.send",        send_weekly_digest,         at=d.send_time,     on=d.send_day,
               plans=send_times),
        Every("notifications.flush", send_pending_notifications, seconds=15),
    )
    # fmt: on
