"""The scheduler's ticks from fixed clocks on a real database: each daily occurrence runs once per
workspace (across DST, across replicas, after crashes), and APScheduler is set up as documented."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.config import Settings, load_settings
from bot.db import Database
from bot.models import JobRun, Workspace
from bot.scheduling import RETAKE_AFTER, Ledger
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from jobs import timetable
from jobs.scheduler import (
    Daily,
    Due,
    Every,
    JobContext,
    RetryLater,
    Scheduler,
    Weekly,
    background_scheduler,
)
from tests.conftest import FixedClock

ACME, GLOBEX = WorkspaceKey("T0ACME"), WorkspaceKey("T0GLOBEX")
JOB = "test.daily"


def settings(**environment: str) -> Settings:
    return load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-unused", "SLACK_SIGNING_SECRET": "unused", **environment}, env_file=None
    )


class Calls:
    """A daily job for these tests: it notes which workspace and occurrence it ran for, and when."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.seen: list[tuple[str, str, datetime]] = []
        self.failing: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, context: JobContext, due: Due) -> str:
        with self._lock:
            self.seen.append((due.workspace.key.team_id, due.occurrence.key, self.clock()))
        if due.workspace.key.team_id in self.failing:
            raise RuntimeError("the database went away")
        return "done"

    def occurrences(self) -> Counter[tuple[str, str]]:
        return Counter((team, key) for team, key, _ in self.seen)


def make_scheduler(
    database: Database, clock: FixedClock, job: Callable[[JobContext, Due], str], *, runner: str, at: str
) -> Scheduler:
    services = build_services(database, WorkspaceDefaults("Europe/Paris", None), clock)
    ledger = Ledger(database, services.workspaces, clock, retake_after=RETAKE_AFTER)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    context = JobContext(services, client, settings(), ledger, runner)
    return Scheduler([Daily(JOB, job, at=at, on="mon-sun")], context, clock=clock)


def meet(services: Services, key: WorkspaceKey, timezone: str | None = None) -> None:
    """Tandem meets a workspace (its first command), which may have its own timezone."""
    services.workspaces.settings_for(key)
    if timezone:
        with services.database.transaction() as session:
            session.execute(
                update(Workspace).where(Workspace.team_id == key.team_id).values(timezone=timezone)
            )


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    return build_services(database, WorkspaceDefaults("Europe/Paris", None), clock)


def tick_every_minute(scheduler: Scheduler, clock: FixedClock, until: datetime) -> None:
    while clock.now < until:
        scheduler.run_due()
        clock.now += timedelta(minutes=1)


def test_ticks_every_minute_run_each_workspace_once_a_local_day_across_the_autumn_change(
    database: Database, services: Services, clock: FixedClock
) -> None:
    meet(services, ACME, "America/New_York")
    meet(services, GLOBEX)  # Europe/Paris, the deployment's default
    calls = Calls(clock)
    scheduler = make_scheduler(database, clock, calls, runner="replica-a", at="01:30")
    # Sunday 1 November 2026: New York's 01:00-02:00 happens twice (cron would fire twice).
    clock.now = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)

    tick_every_minute(scheduler, clock, until=datetime(2026, 11, 1, 12, 0, tzinfo=UTC))

    assert calls.seen == [
        ("T0GLOBEX", "2026-11-01", datetime(2026, 11, 1, 0, 30, tzinfo=UTC)),  # 01:30 in Paris (CET)
        ("T0ACME", "2026-11-01", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # 01:30 EDT, the first
    ]
    with database.transaction() as session:
        done = session.execute(select(JobRun.occurrence, JobRun.finished_at.is_not(None), JobRun.outcome))
        assert sorted(done) == [("2026-11-01", True, "done")] * 2


def test_the_spring_change_runs_a_0230_job_once_at_0330(
    database: Database, services: Services, clock: FixedClock
) -> None:
    meet(services, ACME, "America/New_York")
    calls = Calls(clock)
    scheduler = make_scheduler(database, clock, calls, runner="replica-a", at="02:30")
    clock.now = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)  # 23:00 on the 7th in New York

    tick_every_minute(scheduler, clock, until=datetime(2026, 3, 8, 14, 0, tzinfo=UTC))

    # 02:30 does not exist on 8 March 2026 in New York; 07:30 UTC is 03:30 EDT.
    assert calls.seen == [("T0ACME", "2026-03-08", datetime(2026, 3, 8, 7, 30, tzinfo=UTC))]


def test_a_workspace_met_long_after_the_days_time_waits_for_tomorrow(
    database: Database, services: Services, clock: FixedClock
) -> None:
    calls = Calls(clock)
    scheduler = make_scheduler(database, clock, calls, runner="replica-a", at="09:00")
    clock.now = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 23:00 in Paris
    meet(services, ACME)

    assert scheduler.run_due() == []
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    [ran] = scheduler.run_due()
    assert (ran.team_id, ran.occurrence, ran.outcome) == ("T0ACME", "2026-11-25", "done")


def test_two_replicas_ticking_at_the_same_moment_run_each_workspace_once(
    database_url: str, clock: FixedClock
) -> None:
    teams = [WorkspaceKey(f"T0TEAM{n}") for n in range(6)]
    databases = [Database.at(database_url) for _ in range(2)]
    try:
        for key in teams:
            meet(build_services(databases[0], WorkspaceDefaults("Europe/Paris", None), clock), key)
        calls = Calls(clock)
        replicas = [
            make_scheduler(db, clock, calls, runner=f"replica-{n}", at="09:00")
            for n, db in enumerate(databases)
        ]
        clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        start = threading.Barrier(2)

        def tick(replica: Scheduler) -> int:
            start.wait()
            return len(replica.run_due())

        with ThreadPoolExecutor(2) as pool:
            ran = list(pool.map(tick, replicas))
    finally:
        for db in databases:
            db.dispose()

    assert sum(ran) == len(teams)
    assert calls.occurrences() == Counter({(key.team_id, "2026-11-24"): 1 for key in teams})


def test_a_run_left_by_a_crashed_replica_is_taken_over_after_the_timeout_not_before(
    database: Database, services: Services, clock: FixedClock
) -> None:
    meet(services, ACME)
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    # Another replica claimed this morning's run, then its process died.
    dead = Ledger(database, services.workspaces, clock, retake_after=RETAKE_AFTER)
    assert dead.claim(JOB, ACME, "2026-11-24", "replica-dead")
    calls = Calls(clock)
    scheduler = make_scheduler(database, clock, calls, runner="replica-b", at="09:00")

    tick_every_minute(scheduler, clock, until=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))

    assert calls.seen == [("T0ACME", "2026-11-24", datetime(2026, 11, 24, 8, 30, tzinfo=UTC))]


def test_one_workspaces_failure_neither_stops_the_others_nor_is_lost(
    database: Database, services: Services, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    meet(services, ACME)
    meet(services, GLOBEX)
    calls = Calls(clock)
    calls.failing = {"T0ACME"}
    scheduler = make_scheduler(database, clock, calls, runner="replica-a", at="09:00")
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    with caplog.at_level(logging.ERROR, logger="tandem.jobs"):
        ran = scheduler.run_due()

    assert [r.team_id for r in ran] == ["T0GLOBEX"]
    assert "test.daily for 2026-11-24 in workspace T0ACME failed" in caplog.text
    assert "RuntimeError: the database went away" in caplog.text
    with database.transaction() as session:
        outcomes = dict(session.execute(select(JobRun.workspace_id, JobRun.outcome)).all())
        assert sorted(outcomes.values()) == ["done", "failed: RuntimeError: the database went away"]

    calls.failing = set()
    clock.now += RETAKE_AFTER - timedelta(minutes=1)
    assert scheduler.run_due() == []  # not hammered every minute
    clock.now += timedelta(minutes=1)
    [retried] = scheduler.run_due()
    assert (retried.team_id, retried.outcome) == ("T0ACME", "done")


def test_a_job_asking_to_retry_later_is_logged_without_a_traceback(
    database: Database, services: Services, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    meet(services, ACME)

    def partly(context: JobContext, due: Due) -> str:
        raise RetryLater("Slack asked Tandem to wait; 2 reminders will be sent later")

    scheduler = make_scheduler(database, clock, partly, runner="replica-a", at="09:00")
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        assert scheduler.run_due() == []

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "will be retried: Slack asked Tandem to wait" in record.getMessage()
    with database.transaction() as session:
        [run] = session.scalars(select(JobRun))
        assert (run.finished_at, run.outcome) == (
            None,
            "retry: Slack asked Tandem to wait; 2 reminders will be sent later",
        )


# The timetable and APScheduler


def test_the_timetable_reads_as_it_runs() -> None:
    rows = timetable(
        settings(
            TANDEM_REMINDER_TIME="08:45",
            TANDEM_DIGEST_DAY="fri",
            TANDEM_DIGEST_TIME="10:00",
            TANDEM_DIGEST_PREVIEW_TIME="07:30",
        )
    )
    assert [row.describe() for row in rows] == [
        "teams.sync: 06:00 on mon, tue, wed, thu, fri, sat, sun (each workspace's time)",
        "issues.reminders: 08:45 on mon, tue, wed, thu, fri (each workspace's time)",
        "digest.reminder: 14:00 on wed unless a workspace chose otherwise, once a week",
        "digest.preview: 07:30 on fri unless a workspace chose otherwise, once a week",
        "digest.send: 10:00 on fri unless a workspace chose otherwise, once a week",
        "metrics.snapshot: 08:30 on mon, tue, wed, thu, fri (each workspace's time) unless a workspace "
        "chose otherwise",
        "wins.recap: 16:00 on fri unless a workspace chose otherwise, once a week",
        "notifications.flush: every 15 s",
    ]
    assert {type(row) for row in rows} == {Daily, Weekly, Every}


@pytest.fixture
def unstarted(clock: FixedClock) -> Iterator[Scheduler]:
    database = Database.at("sqlite://")  # never connected: building the schedule touches no database
    services = build_services(database, WorkspaceDefaults("UTC", None), clock)
    ledger = Ledger(database, services.workspaces, clock, retake_after=RETAKE_AFTER)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    yield Scheduler(timetable(settings()), JobContext(services, client, settings(), ledger, "a"), clock=clock)
    database.dispose()


def test_apscheduler_runs_the_tick_and_repeating_jobs_late_rather_than_never(unstarted: Scheduler) -> None:
    background = background_scheduler(unstarted)
    jobs = {job.id: job for job in background.get_jobs()}

    assert set(jobs) == {"scheduler.tick", "notifications.flush"}
    for job_id, seconds in [("scheduler.tick", 60), ("notifications.flush", 15)]:
        job = jobs[job_id]
        # Not APScheduler's one-second default, which silently skips a run that starts late.
        assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (seconds, True, 1)
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.timezone == UTC
        previous = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        following = job.trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
        assert following == previous + timedelta(seconds=seconds)
