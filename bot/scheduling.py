"""When a daily routine is due in a workspace's own timezone, and the ledger that lets each occurrence
run once however many replicas ask. Plain values in, no scheduler library: jobs/ drives the clock."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models import JobRun
from bot.workspaces import WorkspaceKey, Workspaces

# Named, in date.weekday() order: numbered weekdays are where schedules go wrong (cron's Sunday is 0,
# APScheduler's from_crontab makes 0 Monday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OCCURRENCE_MAX = 32  # job_runs.occurrence
OUTCOME_MAX = 200  # job_runs.outcome
# How long an unfinished claim is trusted. Far longer than a run takes (a few DMs a second, even with
# Slack asking to slow down), so a live run is never doubled; short enough that a crashed or failed
# run is retried the same morning by whichever replica ticks next.
RETAKE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Occurrence:
    """One day's turn of a routine: keyed by the local date, due at an instant (UTC)."""

    key: str
    local_date: date
    due_at: datetime


@dataclass(frozen=True)
class Routine:
    """A job done at a local time of day on named weekdays, in each workspace's own timezone."""

    job: str
    at: time
    on: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = [day for day in self.on if day not in WEEKDAYS]
        if unknown or not self.on:
            raise ValueError(f"{self.job}: days must be named among {', '.join(WEEKDAYS)} (not {unknown})")
        if self.at.tzinfo is not None:
            raise ValueError(f"{self.job}: the time is local to each workspace, so it carries no zone")

    @classmethod
    def daily(cls, job: str, at: str, on: str) -> Routine:
        """A routine from a clock time such as "09:00" and named days such as "mon-fri" or "mon,thu"."""
        hours, _, minutes = at.partition(":")
        return cls(job, time(int(hours), int(minutes)), named_days(on))

    def describe(self) -> str:
        days = ", ".join(day for day in WEEKDAYS if day in self.on)
        return f"{self.at:%H:%M} on {days} (each workspace's time)"

    def latest(self, now: datetime, zone: ZoneInfo) -> Occurrence:
        """The occurrence due at `now` or most recently before it."""
        if now.tzinfo is None:
            raise ValueError("naive datetime: scheduling needs an aware 'now'")
        today = now.astimezone(zone).date()
        # Today may not be due yet, and a week holds every named day: eight days back suffice.
        for back in range(8):
            day = today - timedelta(days=back)
            if WEEKDAYS[day.weekday()] in self.on:
                due = due_instant(day, self.at, zone)
                if due <= now:
                    return Occurrence(day.isoformat(), day, due)
        raise AssertionError("a routine with a named day is due within a week")

    def due(self, now: datetime, zone: ZoneInfo, grace: timedelta) -> Occurrence | None:
        """The occurrence to run at `now`: the latest, unless it is more than `grace` old."""
        occurrence = self.latest(now, zone)
        return occurrence if now - occurrence.due_at <= grace else None


def runner_name() -> str:
    """This process, as the ledger records who claimed what."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def named_days(spec: str) -> tuple[str, ...]:
    """The days "mon-fri", "sat,sun" or "fri-mon" (wrapping over the weekend) name, Monday first."""
    chosen: set[str] = set()
    for part in spec.replace(" ", "").lower().split(","):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            raise ValueError(f"days must be named among {', '.join(WEEKDAYS)}, as in mon-fri (not {spec!r})")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        chosen |= {WEEKDAYS[(start + step) % 7] for step in range((end - start) % 7 + 1)}
    return tuple(day for day in WEEKDAYS if day in chosen)


def due_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """When `at` on local `day` happens, in UTC.

    fold=0 picks the first of a repeated time (01:30 on the autumn change) and, for a time that does
    not exist (02:30 on the spring change), the offset before the change: 03:30 local, as cron does.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


class Ledger:
    """Claims in the job_runs table: the first runner to claim an occurrence runs it, others skip it.

    A claim left unfinished for longer than `retake_after` (its runner crashed, or the run failed)
    may be taken over, so a restart does not lose the day's run; a live claim is never doubled.
    """

    def __init__(
        self,
        database: Database,
        workspaces: Workspaces,
        clock: Callable[[], datetime],
        *,
        retake_after: timedelta,
    ) -> None:
        self._database = database
        self._workspaces = workspaces
        self._clock = clock
        self._retake_after = retake_after

    def claim(self, job: str, key: WorkspaceKey, occurrence: str, runner: str) -> bool:
        """True when `runner` now holds the occurrence and should run it."""
        if len(occurrence) > OCCURRENCE_MAX:
            raise ValueError(f"occurrence keys hold at most {OCCURRENCE_MAX} characters: {occurrence!r}")
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            mine = (
                (JobRun.job == job)
                & (JobRun.workspace_id == workspace.id)
                & (JobRun.occurrence == occurrence)
            )
            existing = session.scalars(select(JobRun).where(mine)).one_or_none()
            if existing is None:
                try:
                    with session.begin_nested():
                        session.add(
                            JobRun(
                                job=job,
                                workspace_id=workspace.id,
                                occurrence=occurrence,
                                claimed_at=now,
                                claimed_by=runner,
                            )
                        )
                    return True
                except IntegrityError:
                    return False  # another runner claimed it between our read and our insert
            if existing.finished_at is not None or existing.claimed_at > now - self._retake_after:
                return False
            # Conditional on the claim still being stale: of two runners retaking it at once, the
            # second finds the first's fresh claim_at and updates nothing.
            retaken = session.execute(
                update(JobRun)
                .where(
                    mine,
                    JobRun.finished_at.is_(None),
                    JobRun.claimed_at <= now - self._retake_after,
                )
                .values(claimed_at=now, claimed_by=runner)
                .returning(JobRun.id)
            ).first()
            return retaken is not None

    def finish(self, job: str, key: WorkspaceKey, occurrence: str, runner: str, outcome: str) -> bool:
        """Mark the occurrence done; False when the claim is no longer `runner`'s (it was retaken)."""
        return self._settle(job, key, occurrence, runner, outcome, finished_at=self._clock())

    def fail(self, job: str, key: WorkspaceKey, occurrence: str, runner: str, outcome: str) -> bool:
        """Record why a run failed and leave it unfinished, so it is retaken after `retake_after`."""
        return self._settle(job, key, occurrence, runner, outcome, finished_at=None)

    def release(self, job: str, key: WorkspaceKey, occurrence: str, runner: str) -> None:
        """Give up an unfinished claim at once (nothing was done), so it can be claimed again."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            session.execute(
                delete(JobRun).where(
                    JobRun.job == job,
                    JobRun.workspace_id == workspace.id,
                    JobRun.occurrence == occurrence,
                    JobRun.claimed_by == runner,
                    JobRun.finished_at.is_(None),
                )
            )

    def _settle(
        self,
        job: str,
        key: WorkspaceKey,
        occurrence: str,
        runner: str,
        outcome: str,
        *,
        finished_at: datetime | None,
    ) -> bool:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            settled = session.execute(
                update(JobRun)
                .where(
                    JobRun.job == job,
                    JobRun.workspace_id == workspace.id,
                    JobRun.occurrence == occurrence,
                    JobRun.claimed_by == runner,
                    JobRun.finished_at.is_(None),
                )
                .values(finished_at=finished_at, outcome=outcome[:OUTCOME_MAX])
                .returning(JobRun.id)
            ).first()
            return settled is not None
