"""When a daily routine is due in a workspace's own timezone, and the ledger that lets each occurrence
run once however many replicas ask. Plain values in, no scheduler library: jobs/ drives the clock."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models import JobRun
from bot.workspaces import WorkspaceKey, Workspaces

# Named, in date.weekday() order: numbered weekdays are where schedules go wrong (cron's Sunday is 0,
# APScheduler's from_crontab makes 0 Monday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OCCURRENCE_MAX = 32  # job_runs.occurrence
OUTCOME_MAX = 200  # job_runs.outcome
RUNNER_MAX = 64  # job_runs.claimed_by
# How long an unfinished claim is trusted. Far longer than a run takes (a few DMs a second, even with
# Slack asking to slow down), so a live run is never doubled; short enough that a crashed or failed
# run is retried the same morning by whichever replica ticks next.
RETAKE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Occurrence:
    """One turn of a routine: keyed by its local date (or ISO week), due at an instant (UTC)."""

    key: str
    local_date: date
    due_at: datetime


def week_key(day: date) -> str:
    """The ISO week a local date falls in, "2026-W48": the key of a weekly routine's occurrence."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Routine:
    """A job done at a local time of day on named weekdays, in each workspace's own timezone."""

    job: str
    at: time
    on: tuple[str, ...]
    # Keyed by ISO week rather than date: a weekly job runs once a week even when its day is moved
    # after this week's run (Thursday's digest sent, then moved to Friday, is not sent again).
    weekly: bool = False

    def __post_init__(self) -> None:
        unknown = [day for day in self.on if day not in WEEKDAYS]
        if unknown or not self.on:
            raise ValueError(f"{self.job}: days must be named among {', '.join(WEEKDAYS)} (not {unknown})")
        if self.at.tzinfo is not None:
            raise ValueError(f"{self.job}: the time is local to each workspace, so it carries no zone")

    @classmethod
    def daily(cls, job: str, at: str, on: str) -> Routine:
        """A routine from a clock time such as "09:00" and named days such as "mon-fri" or "mon,thu"."""
        return cls(job, clock_time(at), named_days(on))

    @classmethod
    def weekly_on(cls, job: str, day: str, at: str) -> Routine:
        """Once a week: on a named day such as "thu" at a clock time such as "09:00"."""
        days = named_days(day)
        if len(days) != 1:
            raise ValueError(f"{job}: a weekly routine runs on one day (not {day!r})")
        return cls(job, clock_time(at), days, weekly=True)

    def describe(self) -> str:
        days = ", ".join(day for day in WEEKDAYS if day in self.on)
        return (
            f"{self.at:%H:%M} on {days}"
            + (", once a week" if self.weekly else "")
            + " (each workspace's time)"
        )

    def occurrence_on(self, day: date, zone: ZoneInfo) -> Occurrence:
        key = week_key(day) if self.weekly else day.isoformat()
        return Occurrence(key, day, due_instant(day, self.at, zone))

    def latest(self, now: datetime, zone: ZoneInfo) -> Occurrence:
        """The occurrence due at `now` or most recently before it."""
        if now.tzinfo is None:
            raise ValueError("naive datetime: scheduling needs an aware 'now'")
        today = now.astimezone(zone).date()
        # Today may not be due yet, and a week holds every named day: eight days back suffice.
        for back in range(8):
            day = today - timedelta(days=back)
            if WEEKDAYS[day.weekday()] in self.on:
                occurrence = self.occurrence_on(day, zone)
                if occurrence.due_at <= now:
                    return occurrence
        raise AssertionError("a routine with a named day is due within a week")

    def next_after(self, now: datetime, zone: ZoneInfo) -> Occurrence:
        """The first occurrence due strictly after `now` (what `tandem jobs list` shows)."""
        if now.tzinfo is None:
            raise ValueError("naive datetime: scheduling needs an aware 'now'")
        today = now.astimezone(zone).date()
        for ahead in range(9):
            day = today + timedelta(days=ahead)
            if WEEKDAYS[day.weekday()] in self.on:
                occurrence = self.occurrence_on(day, zone)
                if occurrence.due_at > now:
                    return occurrence
        raise AssertionError("a routine with a named day is due within a week")

    def due(self, now: datetime, zone: ZoneInfo, grace: timedelta) -> Occurrence | None:
        """The occurrence to run at `now`: the latest, unless it is more than `grace` old."""
        occurrence = self.latest(now, zone)
        return occurrence if now - occurrence.due_at <= grace else None


# Told apart from an earlier process that had the same pid (a container restarted keeps its
# hostname, and its main process is pid 1 again).
_THIS_START = secrets.token_hex(4)


def runner_name() -> str:
    """This process, as the ledger records who claimed what: "host:pid:start"."""
    tail = f":{os.getpid()}:{_THIS_START}"
    return socket.gethostname()[: RUNNER_MAX - len(tail)] + tail


def runner_is_gone(runner: str) -> bool:
    """True when `runner` was a process on this machine that is no longer running.

    Only this machine's processes can be checked; for another machine's, the claim's age decides.
    """
    parts = runner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False  # not a runner name this version writes
    host, pid, start = parts[0], int(parts[1]), parts[2]
    if host != runner_name().rsplit(":", 2)[0]:
        return False
    if pid == os.getpid():
        return start != _THIS_START  # this pid, an earlier start: that process has ended
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


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


def clock_time(text: str) -> time:
    """ "09:00" as a time of day; anything else is refused with the shape it should have."""
    hours, colon, minutes = text.strip().partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"a time of day is written like 09:00 (not {text!r})")
    return time(int(hours), int(minutes))


def due_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """When `at` on local `day` happens, in UTC.

    fold=0 picks the first of a repeated time (01:30 on the autumn change) and, for a time that does
    not exist (02:30 on the spring change), the offset before the change: 03:30 local, as cron does.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Claim:
    """An occurrence this runner now holds. `retaken`: an earlier attempt was made and not finished
    (its runner died, failed or gave up), so what it meant to post may already be in Slack."""

    occurrence: str
    retaken: bool


# A released claim is stale at once: the next runner takes it, knowing an attempt came before.
_RELEASED_AT = datetime(2000, 1, 1, tzinfo=UTC)


class Ledger:
    """Claims in the job_runs table: the first runner to claim an occurrence runs it, others skip it.

    A claim left unfinished for longer than `retake_after` (its runner crashed, or the run failed)
    may be taken over, so a restart does not lose the day's run; a live claim is never doubled. A
    claim whose runner was a process on this machine that has ended is taken over at once.
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

    def claim(self, job: str, key: WorkspaceKey, occurrence: str, runner: str) -> Claim | None:
        """The claim when `runner` now holds the occurrence and should run it; None otherwise."""
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
                    return Claim(occurrence, retaken=False)
                except IntegrityError:
                    return None  # another runner claimed it between our read and our insert
            if existing.finished_at is not None:
                return None
            stale = existing.claimed_at <= now - self._retake_after
            if not stale and not (existing.claimed_by != runner and runner_is_gone(existing.claimed_by)):
                return None
            # Conditional on the claim being as we read it: of two runners retaking it at once, the
            # second finds the first's fresh claim and updates nothing.
            retaken = session.execute(
                update(JobRun)
                .where(
                    mine,
                    JobRun.finished_at.is_(None),
                    JobRun.claimed_at == existing.claimed_at,
                    JobRun.claimed_by == existing.claimed_by,
                )
                .values(claimed_at=now, claimed_by=runner)
                .returning(JobRun.id)
            ).first()
            return Claim(occurrence, retaken=True) if retaken is not None else None

    def finish(self, job: str, key: WorkspaceKey, occurrence: str, runner: str, outcome: str) -> bool:
        """Mark the occurrence done; False when the claim is no longer `runner`'s (it was retaken)."""
        return self._settle(job, key, occurrence, runner, finished_at=self._clock(), outcome=outcome)

    def fail(self, job: str, key: WorkspaceKey, occurrence: str, runner: str, outcome: str) -> bool:
        """Record why a run failed and leave it unfinished, so it is retaken after `retake_after`."""
        return self._settle(job, key, occurrence, runner, finished_at=None, outcome=outcome)

    def release(self, job: str, key: WorkspaceKey, occurrence: str, runner: str, reason: str = "") -> None:
        """Give up an unfinished claim at once, so it can be claimed again now. The row stays: the
        next claim is `retaken`, since what was attempted may have reached Slack after all."""
        self._settle(job, key, occurrence, runner, claimed_at=_RELEASED_AT, outcome=f"released: {reason}")

    def _settle(
        self,
        job: str,
        key: WorkspaceKey,
        occurrence: str,
        runner: str,
        *,
        outcome: str,
        **values: datetime | None,
    ) -> bool:
        """Change this runner's unfinished claim; False when it is no longer this runner's."""
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
                .values(outcome=outcome[:OUTCOME_MAX], **values)
                .returning(JobRun.id)
            ).first()
            return settled is not None
