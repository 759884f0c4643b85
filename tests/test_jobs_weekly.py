"""Weekly jobs on each workspace's own day, time and timezone, from fixed clocks on a real database:
once a week across daylight-saving changes, caught up late after an outage within the grace period,
skipped (and said so, once) beyond it; `run_job` and `upcoming` as `tandem jobs` uses them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import Database
from bot.models import JobRun
from bot.scheduling import Routine
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from jobs.scheduler import Daily, Due, JobContext, Scheduler, Weekly, When
from tests.conftest import FixedClock
from tests.test_jobs_scheduler import Calls, meet, settings

ACME, GLOBEX = WorkspaceKey("T0ACME"), WorkspaceKey("T0GLOBEX")
LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
JOB = "test.weekly"


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    return build_services(database, WorkspaceDefaults("Europe/Paris", None), clock)


def weekly_scheduler(
    services: Services,
    clock: FixedClock,
    calls: Calls,
    plans: Mapping[WorkspaceKey, When],
    *,
    grace: timedelta = timedelta(hours=6),
) -> Scheduler:
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    context = JobContext(services, client, settings(), services.ledger, "replica-a")
    row = Weekly(JOB, calls, at="09:00", on="thu", plans=lambda _: plans)
    return Scheduler([row], context, clock=clock, grace=grace)


def thursdays(day: str = "thu", at: str = "09:00", zone: ZoneInfo = LONDON) -> When:
    return When(Routine.weekly_on(JOB, day, at), zone)


class Recorded(Calls):
    """Notes lateness too."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(clock)
        self.late: list[bool] = []

    def __call__(self, context: JobContext, due: Due) -> str:
        self.late.append(due.late)
        return super().__call__(context, due)


@pytest.mark.parametrize(
    ("start", "weeks"),
    [
        # London leaves summer time on 25 October 2026, New York on 1 November.
        (datetime(2026, 10, 19, tzinfo=UTC), 4),
        # New York enters it on 14 March 2027, London on 28 March.
        (datetime(2027, 3, 8, tzinfo=UTC), 4),
    ],
)
def test_each_workspace_runs_once_a_week_at_its_own_local_time_across_both_changes(
    services: Services, clock: FixedClock, start: datetime, weeks: int
) -> None:
    meet(services, ACME)
    meet(services, GLOBEX)
    calls = Calls(clock)
    plans = {ACME: thursdays(zone=LONDON), GLOBEX: thursdays("tue", "17:30", NEW_YORK)}
    scheduler = weekly_scheduler(services, clock, calls, plans)
    clock.now = start
    while clock.now < start + timedelta(weeks=weeks):
        scheduler.run_due()
        clock.now += timedelta(minutes=10)

    by_team: dict[str, list[str]] = {}
    for team, key, at in calls.seen:
        local = at.astimezone(LONDON if team == "T0ACME" else NEW_YORK)
        by_team.setdefault(team, []).append(f"{key} {local:%a %H:%M}")
    assert len(by_team["T0ACME"]) == len(by_team["T0GLOBEX"]) == weeks
    assert {entry[-9:] for entry in by_team["T0ACME"]} == {"Thu 09:00"}
    assert {entry[-9:] for entry in by_team["T0GLOBEX"]} == {"Tue 17:30"}
    assert len({entry[:8] for entry in by_team["T0ACME"]}) == weeks  # one ISO week each


def test_a_workspace_left_out_of_the_plans_does_not_run_the_job(
    services: Services, clock: FixedClock
) -> None:
    meet(services, ACME)
    meet(services, GLOBEX)
    calls = Calls(clock)
    scheduler = weekly_scheduler(services, clock, calls, {ACME: thursdays()})
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    assert [(r.team_id, r.occurrence) for r in scheduler.run_due()] == [("T0ACME", "2026-W48")]


def test_a_run_missed_while_down_is_caught_up_on_start_and_knows_it_is_late(
    services: Services, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 11, 20, tzinfo=UTC)
    meet(services, ACME)
    calls = Recorded(clock)
    scheduler = weekly_scheduler(services, clock, calls, {ACME: thursdays()})

    clock.now = datetime(2026, 11, 26, 9, 5, tzinfo=UTC)  # a restart just after the time: not late
    scheduler.run_due()
    clock.now = datetime(2026, 12, 3, 14, 59, tzinfo=UTC)  # down all morning the next week
    scheduler.run_due()

    assert [key for _, key, _ in calls.seen] == ["2026-W48", "2026-W49"]
    assert calls.late == [False, True]


def test_beyond_the_grace_period_a_missed_run_is_skipped_and_said_so_once(
    services: Services, database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = datetime(2026, 11, 20, tzinfo=UTC)
    meet(services, ACME)
    calls = Calls(clock)
    scheduler = weekly_scheduler(services, clock, calls, {ACME: thursdays()})

    clock.now = datetime(2026, 11, 26, 15, 1, tzinfo=UTC)  # 6 h 1 min late
    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        assert scheduler.run_due() == []
        clock.now += timedelta(minutes=1)
        assert scheduler.run_due() == []

    assert calls.seen == []
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning == (
        "test.weekly for 2026-W48 in workspace T0ACME skipped: "
        "missed by 6 h, more than the 6 h catch-up window"
    )
    with database.transaction() as session:
        [run] = session.scalars(select(JobRun))
        assert (run.occurrence, run.finished_at is not None) == ("2026-W48", True)


def test_a_workspace_met_after_the_time_has_missed_nothing(
    services: Services, database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # the day after
    meet(services, ACME)
    calls = Calls(clock)
    scheduler = weekly_scheduler(services, clock, calls, {ACME: thursdays()})

    with caplog.at_level(logging.WARNING, logger="tandem.jobs"):
        assert scheduler.run_due() == []

    assert caplog.records == []
    with database.transaction() as session:
        assert session.scalars(select(JobRun)).all() == []


def test_running_a_job_by_hand_runs_its_latest_occurrence_once_however_late(
    services: Services, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 11, 20, tzinfo=UTC)
    meet(services, ACME)
    meet(services, GLOBEX)
    calls = Recorded(clock)
    scheduler = weekly_scheduler(services, clock, calls, {ACME: thursdays(), GLOBEX: thursdays()})
    clock.now = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # Friday: a day past the grace period

    [ran] = scheduler.run_job(JOB, ["T0ACME"])
    assert (ran.team_id, ran.occurrence, ran.outcome) == ("T0ACME", "2026-W48", "done")
    assert calls.late == [True]

    again = scheduler.run_job(JOB)
    assert sorted((r.team_id, r.outcome) for r in again) == [
        ("T0ACME", "already done or running elsewhere"),
        ("T0GLOBEX", "done"),
    ]


def test_running_an_unknown_job_or_workspace_says_what_there_is(
    services: Services, clock: FixedClock
) -> None:
    meet(services, ACME)
    scheduler = weekly_scheduler(services, clock, Calls(clock), {ACME: thursdays()})

    with pytest.raises(LookupError, match=r"no job named 'digest\.sned' \(the timetable has test\.weekly\)"):
        scheduler.run_job("digest.sned")
    with pytest.raises(LookupError, match="Tandem has not met workspace T0NOPE"):
        scheduler.run_job(JOB, ["T0NOPE"])


def test_upcoming_runs_are_listed_soonest_first_in_each_workspaces_time(
    services: Services, clock: FixedClock
) -> None:
    meet(services, ACME)
    meet(services, GLOBEX)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    context = JobContext(services, client, settings(), services.ledger, "replica-a")
    plans = {ACME: thursdays(zone=LONDON), GLOBEX: thursdays("thu", "09:00", NEW_YORK)}
    scheduler = Scheduler(
        [
            Daily("test.daily", Calls(clock), at="08:00", on="mon-fri"),
            Weekly(JOB, Calls(clock), at="09:00", on="thu", plans=lambda _: plans),
        ],
        context,
        clock=clock,
    )
    clock.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday

    shown = [
        (up.job, up.team_id, up.occurrence.key, f"{up.occurrence.due_at.astimezone(up.zone):%a %H:%M}")
        for up in scheduler.upcoming()
    ]
    assert shown == [
        ("test.daily", "T0ACME", "2026-11-26", "Thu 08:00"),  # Paris, the deployment's default
        ("test.daily", "T0GLOBEX", "2026-11-26", "Thu 08:00"),
        (JOB, "T0ACME", "2026-W48", "Thu 09:00"),
        (JOB, "T0GLOBEX", "2026-W48", "Thu 09:00"),
    ]


def test_a_daily_row_with_plans_runs_on_each_workspaces_own_days_and_time(
    services: Services, clock: FixedClock
) -> None:
    meet(services, ACME)
    meet(services, GLOBEX)
    calls = Calls(clock)
    plans = {
        ACME: When(Routine.daily("test.daily", "08:30", "mon-fri"), LONDON),
        GLOBEX: When(Routine.daily("test.daily", "07:00", "mon,wed"), NEW_YORK),
    }
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    context = JobContext(services, client, settings(), services.ledger, "replica-a")
    row = Daily("test.daily", calls, at="08:30", on="mon-fri", plans=lambda _: plans)
    scheduler = Scheduler([row], context, clock=clock)
    start = clock.now = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
    while clock.now < start + timedelta(weeks=1):
        scheduler.run_due()
        clock.now += timedelta(minutes=10)

    runs = [
        (team, f"{at.astimezone(LONDON if team == 'T0ACME' else NEW_YORK):%a %H:%M}")
        for team, _, at in calls.seen
    ]
    assert [when for team, when in runs if team == "T0ACME"] == [
        f"{day} 08:30" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
    ]
    assert [when for team, when in runs if team == "T0GLOBEX"] == ["Mon 07:00", "Wed 07:00"]
    assert row.describe() == (
        "test.daily: 08:30 on mon, tue, wed, thu, fri (each workspace's time)"
        " unless a workspace chose otherwise"
    )
