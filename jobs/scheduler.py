"""The scheduling machinery: APScheduler ticks in the background; each tick runs what the timetable says
is due in each workspace, claiming every occurrence in the ledger first so replicas never double it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.scheduling import Ledger, Occurrence, Routine, runner_name
from bot.services import Services, utc_now
from bot.workspaces import WorkspaceSettings

log = logging.getLogger("tandem.jobs")

# How often daily jobs are looked at: a 09:00 reminder goes out by 09:01.
TICK = timedelta(seconds=60)
# How late a daily occurrence may still run: a restart at 09:05 (or after a two-hour outage) still
# sends the 09:00 reminders; a workspace first seen at 23:00 does not get that morning's at night.
GRACE = timedelta(hours=6)

# Slack's answers that mean "not now" rather than "never": what failed is tried again later.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout"}
)


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
    """One occurrence of a daily job in one workspace: what a daily job's function is handed."""

    job: str
    workspace: WorkspaceSettings
    occurrence: Occurrence


@dataclass(frozen=True)
class Daily:
    """A row of the timetable: once a day per workspace, at a local time, on named weekdays."""

    job: str
    run: Callable[[JobContext, Due], str]
    at: str
    on: str

    def __post_init__(self) -> None:
        self.routine  # noqa: B018 - a misnamed day fails when the timetable is built, not at 09:00

    @property
    def routine(self) -> Routine:
        return Routine.daily(self.job, self.at, self.on)

    def describe(self) -> str:
        return f"{self.job}: {self.routine.describe()}"


@dataclass(frozen=True)
class Every:
    """A row of the timetable: every few seconds, for all workspaces at once. The job must be safe to
    run on several replicas at the same moment (the outbox, for one, hands each notice out once)."""

    job: str
    run: Callable[[JobContext], str]
    seconds: int

    def describe(self) -> str:
        return f"{self.job}: every {self.seconds} s"


Timetable = Sequence[Daily | Every]


class RetryLater(Exception):
    """A run did part of its work and wants the rest tried again (after the ledger's retake time)."""


@dataclass(frozen=True)
class Ran:
    """A daily occurrence this runner ran, and how it ended."""

    job: str
    team_id: str
    occurrence: str
    outcome: str


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
    ) -> None:
        self.timetable = tuple(timetable)
        self._context = context
        self._grace = grace
        self._clock = clock
        self._daily = [(row, row.routine) for row in self.timetable if isinstance(row, Daily)]

    def run_due(self) -> list[Ran]:
        """Run every daily occurrence due now (by the clock) in every workspace, unless claimed."""
        now = self._clock()
        ran: list[Ran] = []
        for workspace in self._context.services.workspaces.all_settings():
            for row, routine in self._daily:
                occurrence = routine.due(now, workspace.timezone, self._grace)
                if occurrence is None:
                    continue
                outcome = self._run_once(row, Due(row.job, workspace, occurrence))
                if outcome is not None:
                    ran.append(Ran(row.job, workspace.key.team_id, occurrence.key, outcome))
        return ran

    def _run_once(self, row: Daily, due: Due) -> str | None:
        ledger, runner, key = self._context.ledger, self._context.runner, due.workspace.key
        where = f"{due.job} for {due.occurrence.key} in workspace {key.team_id}"
        try:
            if not ledger.claim(due.job, key, due.occurrence.key, runner):
                return None
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
        log.info("%s: %s", where, outcome)
        return outcome

    def _record_failure(self, due: Due, outcome: str) -> None:
        try:
            self._context.ledger.fail(
                due.job, due.workspace.key, due.occurrence.key, self._context.runner, outcome
            )
        except Exception:
            log.exception("Could not record the failure of %s", due.job)

    def run_every(self, row: Every) -> None:
        """One round of a repeating job; its failure is logged, and the next round tries again."""
        try:
            outcome = row.run(self._context)
        except Exception:
            log.exception("%s failed", row.job)
            return
        if outcome:
            log.info("%s: %s", row.job, outcome)

    def tick(self) -> None:
        try:
            self.run_due()
        except Exception:
            # Listing workspaces failed (the database is away): the next tick tries again.
            log.exception("The scheduler's tick failed")


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

    def every(seconds: int, run: Callable[..., None], job_id: str, **options: Any) -> None:
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
    scheduler = Scheduler(timetable, context, clock=clock)
    background = background_scheduler(scheduler, first_tick_at=datetime.now(UTC))
    # Each run would log twice at INFO ("Running job", "executed successfully"): ours say what matters.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    background.start()
    for row in scheduler.timetable:
        log.info("Scheduled %s", row.describe())
    return RunningScheduler(background)
