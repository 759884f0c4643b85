"""The scheduling machinery: APScheduler ticks in the background; each tick runs what the timetable says
is due in each workspace, claiming every occurrence in the ledger first so replicas never double it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor as Workers
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.scheduling import Ledger, Occurrence, Routine, runner_name
from bot.services import Services, utc_now
from bot.slack.posting import TRANSIENT_ERRORS
from bot.workspaces import WorkspaceKey, WorkspaceSettings

log = logging.getLogger("tandem.jobs")

# How often daily jobs are looked at: a 09:00 reminder goes out by 09:01.
TICK = timedelta(seconds=60)
# How late an occurrence may still run (TANDEM_CATCH_UP_HOURS): a restart at 09:05 (or after a
# two-hour outage) still sends the 09:00 reminders; a workspace first seen at 23:00 does not get that
# morning's at night, and nothing is ever posted days late.
GRACE = timedelta(hours=6)
# A run starting this long after its time was caught up after an outage, and says so when it posts.
LATE_AFTER = timedelta(minutes=15)
# Workspaces run side by side within a tick: Slack's rate limits are per workspace, so a thousand
# workspaces' digests need not wait on each other's network round trips.
WORKERS = 8


@dataclass(frozen=True)
class JobContext:
    """What every job may use: the services, a Web API client (with rate-limit retries), settings."""

    services: Services
    client: WebClient
    settings: Settings
    ledger: Ledger
    runner: str


@dataclass(frozen=True)
class Due:
    """One occurrence of a scheduled job in one workspace: what the job's function is handed."""

    job: str
    workspace: WorkspaceSettings
    occurrence: Occurrence
    # Run well after its time (caught up after an outage): what it posts says it is late.
    late: bool = False
    # An earlier attempt was made and not finished: what it meant to post may already be in Slack.
    retaken: bool = False


@dataclass(frozen=True)
class Daily:
    """A row of the timetable: once a day per workspace, at a local time, on named weekdays.

    With `plans`, each workspace's own days and time (read for all at once, a query a tick) replace
    the row's, which are then only the deployment's default; a workspace left out does not run it.
    """

    job: str
    run: Callable[[JobContext, Due], str]
    at: str
    on: str
    plans: Callable[[JobContext], Mapping[WorkspaceKey, When]] | None = None

    def __post_init__(self) -> None:
        self.routine  # noqa: B018 - a misnamed day fails when the timetable is built, not at 09:00

    @property
    def routine(self) -> Routine:
        return Routine.daily(self.job, self.at, self.on)

    def describe(self) -> str:
        chosen = " unless a workspace chose otherwise" if self.plans is not None else ""
        return f"{self.job}: {self.routine.describe()}{chosen}"

    def plan(
        self, context: JobContext, workspaces: Sequence[WorkspaceSettings]
    ) -> Mapping[WorkspaceKey, When]:
        if self.plans is not None:
            return self.plans(context)
        routine = self.routine
        return {workspace.key: When(routine, workspace.timezone) for workspace in workspaces}


@dataclass(frozen=True)
class When:
    """When one workspace runs a job: its routine, in its timezone."""

    routine: Routine
    zone: ZoneInfo


@dataclass(frozen=True)
class Weekly:
    """A row of the timetable: once a week per workspace, on the day and time each workspace chose.

    `plans` reads every workspace's choice at once (a query a tick, not one per workspace); a
    workspace it leaves out does not run the job (a digest with no channel, approval turned off).
    """

    job: str
    run: Callable[[JobContext, Due], str]
    # The deployment's default time and day, for reading the timetable: workspaces may choose others.
    at: str
    on: str
    plans: Callable[[JobContext], Mapping[WorkspaceKey, When]]

    def describe(self) -> str:
        return f"{self.job}: {self.at} on {self.on} unless a workspace chose otherwise, once a week"

    def plan(
        self, context: JobContext, workspaces: Sequence[WorkspaceSettings]
    ) -> Mapping[WorkspaceKey, When]:
        return self.plans(context)


@dataclass(frozen=True)
class Every:
    """A row of the timetable: every few seconds, for all workspaces at once. The job must be safe to
    run on several replicas at the same moment (the outbox, for one, hands each notice out once)."""

    job: str
    run: Callable[[JobContext], str]
    seconds: int

    def describe(self) -> str:
        return f"{self.job}: every {self.seconds} s"


Scheduled = Daily | Weekly
Timetable = Sequence[Scheduled | Every]


class RetryLater(Exception):
    """A run did part of its work and wants the rest tried again (after the ledger's retake time)."""


@dataclass(frozen=True)
class Ran:
    """An occurrence this runner ran, and how it ended."""

    job: str
    team_id: str
    occurrence: str
    outcome: str


@dataclass(frozen=True)
class Upcoming:
    """When a job next runs in a workspace (for `tandem jobs list`)."""

    job: str
    team_id: str
    occurrence: Occurrence
    zone: ZoneInfo


def is_transient(error: SlackApiError) -> bool:
    return str(error.response.get("error", "")) in TRANSIENT_ERRORS


class Scheduler:
    """Runs the timetable's due work; `run_due()` is the whole of a tick, run at whatever the clock says."""

    def __init__(
        self,
        timetable: Timetable,
        context: JobContext,
        *,
        grace: timedelta = GRACE,
        clock: Callable[[], datetime] = utc_now,
        workers: int = WORKERS,
    ) -> None:
        self.timetable = tuple(timetable)
        self._context = context
        self._grace = grace
        self._clock = clock
        self._workers = workers
        self._scheduled = [row for row in self.timetable if isinstance(row, Daily | Weekly)]
        # Occurrences this runner saw settled: finished is final, so later ticks need not ask.
        self._settled: set[tuple[str, WorkspaceKey, str]] = set()

    def run_due(self) -> list[Ran]:
        """Run every occurrence due now (by the clock) in every workspace, unless claimed."""
        now = self._clock()
        workspaces = self._context.services.workspaces.all_settings()
        due: list[tuple[Scheduled, Due]] = []
        for row in self._scheduled:
            plans = row.plan(self._context, workspaces)
            for workspace in workspaces:
                when = plans.get(workspace.key)
                if when is None:
                    continue
                occurrence = when.routine.latest(now, when.zone)
                if (row.job, workspace.key, occurrence.key) in self._settled:
                    continue
                if now - occurrence.due_at > self._grace:
                    self._note_missed(row, workspace, occurrence, now)
                    continue
                due.append(
                    (row, Due(row.job, workspace, occurrence, late=now - occurrence.due_at > LATE_AFTER))
                )
        return self._run_all(due)

    def run_job(self, job: str, team_ids: Sequence[str] = ()) -> list[Ran]:
        """Run one job now, as the clock says, in the workspaces named (all when none): its latest
        occurrence however late (through the ledger, so never twice). `tandem jobs run` uses it."""
        row = self._row(job)
        now = self._clock()
        workspaces = self._workspaces(team_ids)
        if isinstance(row, Every):
            return [Ran(job, "*", now.isoformat(), self.run_every(row) or "done")]
        plans = row.plan(self._context, workspaces)
        due = []
        for workspace in workspaces:
            when = plans.get(workspace.key)
            if when is None:
                continue
            occurrence = when.routine.latest(now, when.zone)
            due.append((row, Due(job, workspace, occurrence, late=now - occurrence.due_at > LATE_AFTER)))
        ran = self._run_all(due)
        done = {r.team_id for r in ran}
        skipped = [
            Ran(job, d.workspace.key.team_id, d.occurrence.key, "already done or running elsewhere")
            for _, d in due
            if d.workspace.key.team_id not in done
        ]
        return [*ran, *skipped]

    def upcoming(self, team_ids: Sequence[str] = ()) -> list[Upcoming]:
        """Each scheduled job's next run in each workspace, soonest first (`tandem jobs list`)."""
        now = self._clock()
        workspaces = self._workspaces(team_ids)
        found = []
        for row in self._scheduled:
            plans = row.plan(self._context, workspaces)
            for workspace in workspaces:
                when = plans.get(workspace.key)
                if when is not None:
                    occurrence = when.routine.next_after(now, when.zone)
                    found.append(Upcoming(row.job, workspace.key.team_id, occurrence, when.zone))
        return sorted(found, key=lambda up: (up.occurrence.due_at, up.job, up.team_id))

    def _row(self, job: str) -> Scheduled | Every:
        for row in self.timetable:
            if row.job == job:
                return row
        known = ", ".join(row.job for row in self.timetable)
        raise LookupError(f"no job named {job!r} (the timetable has {known})")

    def _workspaces(self, team_ids: Sequence[str]) -> list[WorkspaceSettings]:
        every = self._context.services.workspaces.all_settings()
        if not team_ids:
            return every
        chosen = [w for w in every if w.key.team_id in team_ids]
        unknown = set(team_ids) - {w.key.team_id for w in chosen}
        if unknown:
            raise LookupError(f"Tandem has not met workspace {', '.join(sorted(unknown))}")
        return chosen

    def _run_all(self, due: Sequence[tuple[Scheduled, Due]]) -> list[Ran]:
        if len(due) <= 1 or self._workers <= 1:
            outcomes = [self._run_once(row, d) for row, d in due]
        else:
            with Workers(max_workers=self._workers, thread_name_prefix="tandem-job") as workers:
                outcomes = list(workers.map(lambda pair: self._run_once(*pair), due))
        return [
            Ran(d.job, d.workspace.key.team_id, d.occurrence.key, outcome)
            for (_, d), outcome in zip(due, outcomes, strict=True)
            if outcome is not None
        ]

    def _note_missed(
        self, row: Scheduled, workspace: WorkspaceSettings, occurrence: Occurrence, now: datetime
    ) -> None:
        """Record, once, that an occurrence was missed past the grace period and will not run."""
        if workspace.met_at is not None and workspace.met_at > occurrence.due_at:
            return  # Tandem did not know this workspace yet: nothing was missed
        ledger, runner, key = self._context.ledger, self._context.runner, workspace.key
        settled = (row.job, key, occurrence.key)
        try:
            claim = ledger.claim(row.job, key, occurrence.key, runner)
            if claim is not None:
                late = now - occurrence.due_at
                outcome = (
                    f"skipped: missed by {_hours(late)}, more than the {_hours(self._grace)} catch-up window"
                )
                ledger.finish(row.job, key, occurrence.key, runner, outcome)
                log.warning("%s for %s in workspace %s %s", row.job, occurrence.key, key.team_id, outcome)
        except Exception:
            log.exception("Could not record the missed %s", row.job)
            return
        self._settled.add(settled)

    def _run_once(self, row: Scheduled, due: Due) -> str | None:
        ledger, runner, key = self._context.ledger, self._context.runner, due.workspace.key
        where = f"{due.job} for {due.occurrence.key} in workspace {key.team_id}"
        try:
            claim = ledger.claim(due.job, key, due.occurrence.key, runner)
            if claim is None:
                return None
            if claim.retaken:
                due = Due(due.job, due.workspace, due.occurrence, late=due.late, retaken=True)
            outcome = row.run(self._context, due)
        except RetryLater as later:
            # One workspace's trouble never stops the others: log it, and the ledger retries it.
            log.warning("%s will be retried: %s", where, later)
            self._record_failure(due, f"retry: {later}")
            return None
        except Exception as error:
            log.exception("%s failed", where)
            self._record_failure(due, f"failed: {type(error).__name__}: {error}")
            return None
        ledger.finish(due.job, key, due.occurrence.key, runner, outcome)
        self._settled.add((due.job, key, due.occurrence.key))
        log.info("%s: %s%s", where, outcome, " (caught up late)" if due.late else "")
        return outcome

    def _record_failure(self, due: Due, outcome: str) -> None:
        try:
            self._context.ledger.fail(
                due.job, due.workspace.key, due.occurrence.key, self._context.runner, outcome
            )
        except Exception:
            log.exception("Could not record the failure of %s", due.job)

    def run_every(self, row: Every) -> str | None:
        """One round of a repeating job; its failure is logged, and the next round tries again."""
        try:
            outcome = row.run(self._context)
        except Exception:
            log.exception("%s failed", row.job)
            return None
        if outcome:
            log.info("%s: %s", row.job, outcome)
        return outcome

    def tick(self) -> None:
        try:
            self.run_due()
        except Exception:
            # Listing workspaces failed (the database is away): the next tick tries again.
            log.exception("The scheduler's tick failed")


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1.5 else f"{span.total_seconds() / 60:.0f} min"


class RunningScheduler:
    """The background scheduler started by `tandem run`; `shutdown()` waits for running jobs."""

    def __init__(self, background: BackgroundScheduler) -> None:
        self._background = background

    def shutdown(self) -> None:
        if self._background.running:
            self._background.shutdown(wait=True)


def background_scheduler(
    scheduler: Scheduler, *, tick: timedelta = TICK, first_tick_at: datetime | None = None
) -> BackgroundScheduler:
    """An APScheduler 3 scheduler (not started) with the tick and every repeating job on it."""
    background = BackgroundScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=4)})

    def every(seconds: int, run: Callable[..., object], job_id: str, **options: Any) -> None:
        background.add_job(
            run,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            # APScheduler's default grace is one second: a run that starts late would be skipped
            # silently. One run at a time per job; rounds missed while busy collapse into one.
            misfire_grace_time=seconds,
            coalesce=True,
            max_instances=1,
            **options,
        )

    first = {"next_run_time": first_tick_at} if first_tick_at else {}
    every(int(tick.total_seconds()), scheduler.tick, "scheduler.tick", **first)
    for row in scheduler.timetable:
        if isinstance(row, Every):
            every(row.seconds, scheduler.run_every, row.job, args=(row,))
    return background


def start_scheduler(
    timetable: Timetable,
    services: Services,
    client: WebClient,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> RunningScheduler:
    """Start the timetable in the background; the first tick comes at once (a restart at 09:05 still
    sends 09:00's reminders). `clock` says what time it is; APScheduler's wake-ups follow the wall."""
    context = JobContext(services, client, settings, services.ledger, runner_name())
    scheduler = Scheduler(timetable, context, clock=clock, grace=timedelta(hours=settings.catch_up_hours))
    background = background_scheduler(scheduler, first_tick_at=datetime.now(UTC))
    # Each run would log twice at INFO ("Running job", "executed successfully"): ours say what matters.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    background.start()
    for row in scheduler.timetable:
        log.info("Scheduled %s", row.describe())
    return RunningScheduler(background)
