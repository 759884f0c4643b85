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
from jobs.metrics import post_metric_snapshot, snapshot_times
from jobs.notifications import send_pending_notifications
from jobs.scheduler import Daily, Every, Timetable, Weekly
from jobs.team_sync import sync_teams
from jobs.wins import post_wins_recap, recap_times


def timetable(settings: Settings) -> Timetable:
    """One row a job; a later feature adds a row. Rows with `plans` run on each workspace's chosen
    days and time (its digest, snapshot or wins settings); the default is shown."""
    d = settings.digest_defaults()
    s = settings.snapshot_defaults()
    w = settings.wins_defaults()
    # fmt: off
    return (
        #      job id                runs                        when (rows with plans: the default)
        Daily("teams.sync",          sync_teams,                 at="06:00",                on="mon-sun"),
        Daily("issues.reminders",    remind_issue_owners,        at=settings.reminder_time, on="mon-fri"),
        Weekly("digest.reminder",    ask_marketing_for_items,    at=d.reminder_time, on=d.reminder_day,
               plans=reminder_times),
        Weekly("digest.preview",     send_digest_preview,        at=d.preview_time,  on=d.send_day,
               plans=preview_times),
        Weekly("digest.send",        send_weekly_digest,         at=d.send_time,     on=d.send_day,
               plans=send_times),
        Daily("metrics.snapshot",    post_metric_snapshot,       at=s.time,          on=",".join(s.days),
              plans=snapshot_times),
        Weekly("wins.recap",         post_wins_recap,            at=w.recap_time,    on=w.recap_day,
               plans=recap_times),
        Every("notifications.flush", send_pending_notifications, seconds=15),
    )
    # fmt: on
