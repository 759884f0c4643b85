"""When routines are due (named days, each workspace's timezone, DST changes) and the ledger that lets
each occurrence run once: pure occurrence math from fixed clocks, the ledger on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import JobRun
from bot.scheduling import Claim, Ledger, Routine, named_days, runner_is_gone, runner_name
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
AUCKLAND = ZoneInfo("Pacific/Auckland")
GRACE = timedelta(hours=6)
ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
JOB = "issues.reminders"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)


# Named days


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon-fri", ("mon", "tue", "wed", "thu", "fri")),
        ("thu", ("thu",)),
        ("sat,sun", ("sat", "sun")),
        ("fri-mon", ("mon", "fri", "sat", "sun")),
        ("Mon, Thu", ("mon", "thu")),
        ("mon-sun", ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
    ],
)
def test_days_are_named_and_ranges_read_as_people_say_them(spec: str, days: tuple[str, ...]) -> None:
    assert named_days(spec) == days


@pytest.mark.parametrize("spec", ["0", "1-5", "monday", "mon-", "", "mon,,fri"])
def test_numbered_or_misspelt_days_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="days must be named"):
        named_days(spec)


def test_a_routine_says_when_it_runs() -> None:
    assert Routine.daily(JOB, "09:00", "mon-fri").describe() == (
        "09:00 on mon, tue, wed, thu, fri (each workspace's time)"
    )


# Occurrences


def test_a_working_day_routine_is_due_at_its_local_time_and_keyed_by_the_local_date() -> None:
    routine = Routine.daily(JOB, "09:00", "mon-fri")
    # Tuesday 24 November 2026, 09:00 in Paris is 08:00 UTC.
    assert routine.due(utc(2026, 11, 24, 7, 59), PARIS, GRACE) is None
    occurrence = routine.due(utc(2026, 11, 24, 8, 0), PARIS, GRACE)
    assert occurrence is not None
    assert (occurrence.key, occurrence.local_date) == ("2026-11-24", date(2026, 11, 24))
    assert occurrence.due_at == utc(2026, 11, 24, 8, 0)


def test_the_weekend_has_no_working_day_occurrence() -> None:
    routine = Routine.daily(JOB, "09:00", "mon-fri")
    saturday_noon, monday_nine = local(PARIS, 2026, 11, 28, 12, 0), local(PARIS, 2026, 11, 30, 9, 0)

    assert routine.latest(saturday_noon, PARIS).key == "2026-11-27"  # Friday's
    assert routine.due(saturday_noon, PARIS, GRACE) is None  # too old to send on Saturday
    monday = routine.due(monday_nine, PARIS, GRACE)
    assert monday is not None
    assert monday.key == "2026-11-30"


def test_the_local_date_keys_the_occurrence_even_when_utc_is_still_yesterday() -> None:
    routine = Routine.daily(JOB, "09:00", "tue")
    # 09:00 on Tuesday in Auckland (UTC+13 in summer) is 20:00 on Monday in UTC.
    occurrence = routine.due(utc(2026, 11, 23, 20, 5), AUCKLAND, GRACE)
    assert occurrence is not None
    assert occurrence.key == "2026-11-24"
    assert occurrence.due_at == utc(2026, 11, 23, 20, 0)


def test_a_restart_within_the_grace_window_still_finds_the_mornings_occurrence() -> None:
    routine = Routine.daily(JOB, "09:00", "mon-fri")
    assert routine.due(local(PARIS, 2026, 11, 24, 14, 59), PARIS, GRACE) is not None
    assert routine.due(local(PARIS, 2026, 11, 24, 15, 1), PARIS, GRACE) is None


def first_due_per_key(routine: Routine, zone: ZoneInfo, start: datetime, hours: int) -> dict[str, datetime]:
    """Tick every minute like the scheduler; the instant each occurrence was first found due."""
    first: dict[str, datetime] = {}
    now = start.astimezone(UTC)
    for _ in range(hours * 60):
        occurrence = routine.due(now, zone, GRACE)
        if occurrence is not None:
            first.setdefault(occurrence.key, now)
            assert occurrence.due_at <= now
        now += timedelta(minutes=1)
    return first


def test_autumn_change_new_york_a_0130_routine_runs_once_at_the_first_0130() -> None:
    # 1 November 2026: 01:00-02:00 happens twice in New York (EDT, then EST). Cron fires twice.
    routine = Routine.daily(JOB, "01:30", "mon-sun")
    first = first_due_per_key(routine, NEW_YORK, local(NEW_YORK, 2026, 10, 31, 0, 0), hours=72)

    assert first == {
        "2026-10-31": utc(2026, 10, 31, 5, 30),
        "2026-11-01": local(NEW_YORK, 2026, 11, 1, 1, 30, fold=0).astimezone(UTC),
        "2026-11-02": utc(2026, 11, 2, 6, 30),
    }
    assert first["2026-11-01"] == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST an hour later


def test_spring_change_new_york_a_0230_routine_runs_once_at_0330() -> None:
    # 8 March 2026: clocks jump from 02:00 to 03:00 in New York, so 02:30 never happens.
    routine = Routine.daily(JOB, "02:30", "mon-sun")
    first = first_due_per_key(routine, NEW_YORK, local(NEW_YORK, 2026, 3, 7, 0, 0), hours=72)

    assert list(first) == ["2026-03-07", "2026-03-08", "2026-03-09"]
    assert first["2026-03-08"] == utc(2026, 3, 8, 7, 30)
    assert first["2026-03-08"].astimezone(NEW_YORK).time() == time(3, 30)
    assert first["2026-03-09"] == utc(2026, 3, 9, 6, 30)  # 02:30 EDT again the next day


@pytest.mark.parametrize(
    ("day", "due_utc"),
    [
        # 29 March 2026, 02:00 -> 03:00 in Paris: 02:30 does not exist; it runs at 03:30 CEST.
        (date(2026, 3, 29), utc(2026, 3, 29, 1, 30)),
        # 25 October 2026, 03:00 -> 02:00 in Paris: 02:30 happens twice; it runs at the first.
        (date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
    ],
)
def test_paris_changes_a_0230_routine_runs_once_that_day(day: date, due_utc: datetime) -> None:
    routine = Routine.daily(JOB, "02:30", "mon-sun")
    start = datetime.combine(day - timedelta(days=1), time(0, 0), tzinfo=PARIS)
    first = first_due_per_key(routine, PARIS, start, hours=48)

    assert list(first) == [(day - timedelta(days=1)).isoformat(), day.isoformat()]
    assert first[day.isoformat()] == due_utc


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        Routine.daily(JOB, "09:00", "mon-fri").latest(datetime(2026, 11, 24, 9, 0), PARIS)  # noqa: DTZ001


# The ledger


@pytest.fixture
def ledger(database: Database, clock: FixedClock) -> Ledger:
    services = build_services(database, WorkspaceDefaults("Europe/Paris", None), clock)
    return Ledger(database, services.workspaces, clock, retake_after=timedelta(minutes=30))


def runs(database: Database) -> list[tuple[str, str, str, bool, str | None]]:
    with database.transaction() as session:
        rows = session.scalars(select(JobRun).order_by(JobRun.id))
        return [(r.job, r.occurrence, r.claimed_by, r.finished_at is not None, r.outcome) for r in rows]


def test_an_occurrence_is_claimed_once(ledger: Ledger, database: Database) -> None:
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-a") == Claim("2026-11-24", retaken=False)
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-b") is None
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-a") is None
    assert ledger.finish(JOB, ACME, "2026-11-24", "replica-a", "2 reminders sent") is True

    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-b") is None
    assert runs(database) == [(JOB, "2026-11-24", "replica-a", True, "2 reminders sent")]


def test_claims_are_per_workspace_job_and_occurrence(ledger: Ledger) -> None:
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-a")
    assert ledger.claim(JOB, GLOBEX, "2026-11-24", "replica-a")
    assert ledger.claim(JOB, ACME, "2026-11-25", "replica-a")
    assert ledger.claim("digest.thursday", ACME, "2026-11-24", "replica-a")


def test_a_finished_occurrence_is_never_retaken(ledger: Ledger, clock: FixedClock) -> None:
    ledger.claim(JOB, ACME, "2026-11-24", "replica-a")
    ledger.finish(JOB, ACME, "2026-11-24", "replica-a", "done")
    clock.now += timedelta(hours=5)
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-b") is None


def test_a_crashed_runners_claim_is_retaken_after_the_timeout_but_not_before(
    ledger: Ledger, clock: FixedClock, database: Database
) -> None:
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-a")  # and then replica-a dies

    clock.now += timedelta(minutes=29, seconds=59)
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-b") is None  # it may still be running
    clock.now += timedelta(seconds=1)
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-b") is not None
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-c") is None  # b's claim is fresh

    # Had replica-a only been slow, its late finish does not overwrite b's run.
    assert ledger.finish(JOB, ACME, "2026-11-24", "replica-a", "late") is False
    assert ledger.finish(JOB, ACME, "2026-11-24", "replica-b", "done") is True
    assert runs(database) == [(JOB, "2026-11-24", "replica-b", True, "done")]


def test_a_failed_run_keeps_its_reason_and_is_retried_after_the_timeout(
    ledger: Ledger, clock: FixedClock, database: Database
) -> None:
    ledger.claim(JOB, ACME, "2026-11-24", "replica-a")
    assert ledger.fail(JOB, ACME, "2026-11-24", "replica-a", "failed: OperationalError: gone")
    assert runs(database) == [(JOB, "2026-11-24", "replica-a", False, "failed: OperationalError: gone")]

    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-a") is None
    clock.now += timedelta(minutes=30)
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-a") is not None


def test_a_released_claim_can_be_claimed_again_at_once_and_says_an_attempt_came_before(
    ledger: Ledger, database: Database
) -> None:
    ledger.claim(JOB, ACME, "2026-11-24/U0ANA", "replica-a")
    ledger.release(JOB, ACME, "2026-11-24/U0ANA", "replica-b", "not b's to release")
    assert ledger.claim(JOB, ACME, "2026-11-24/U0ANA", "replica-b") is None

    ledger.release(JOB, ACME, "2026-11-24/U0ANA", "replica-a", "timed out")
    assert runs(database) == [(JOB, "2026-11-24/U0ANA", "replica-a", False, "released: timed out")]
    assert ledger.claim(JOB, ACME, "2026-11-24/U0ANA", "replica-b") == Claim("2026-11-24/U0ANA", retaken=True)


def test_an_occurrence_key_longer_than_the_column_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="at most 32"):
        ledger.claim(JOB, ACME, "2026-11-24/" + "U" * 30, "replica-a")


def test_replicas_racing_for_the_same_occurrences_each_win_some_and_none_twice(
    database_url: str, clock: FixedClock
) -> None:
    replicas = 6
    occurrences = [f"2026-11-{day:02d}" for day in range(1, 11)]
    # One engine each, as separate processes would have.
    databases = [Database.at(database_url) for _ in range(replicas)]
    ledgers = [
        Ledger(
            db,
            build_services(db, WorkspaceDefaults("UTC", None), clock).workspaces,
            clock,
            retake_after=GRACE,
        )
        for db in databases
    ]
    ledgers[0].claim("warm.up", ACME, "x", "setup")  # the workspace row exists before the race
    start = threading.Barrier(replicas)

    def race(index: int) -> list[str]:
        start.wait()
        return [o for o in occurrences if ledgers[index].claim(JOB, ACME, o, f"replica-{index}")]

    try:
        with ThreadPoolExecutor(replicas) as pool:
            won = list(pool.map(race, range(replicas)))
    finally:
        for db in databases:
            db.dispose()

    assert Counter(o for claims in won for o in claims) == Counter(occurrences)


def test_a_claim_taken_over_after_the_timeout_says_an_attempt_came_before(
    ledger: Ledger, clock: FixedClock
) -> None:
    ledger.claim(JOB, ACME, "2026-11-24", "replica-a")
    clock.now += timedelta(minutes=30)
    assert ledger.claim(JOB, ACME, "2026-11-24", "replica-b") == Claim("2026-11-24", retaken=True)


def ended_process_on_this_machine() -> str:
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    host = runner_name().rsplit(":", 2)[0]
    return f"{host}:{int(process.stdout)}:0badc0de"


def test_a_claim_left_by_an_ended_process_on_this_machine_is_taken_over_at_once(
    ledger: Ledger, database: Database
) -> None:
    dead = ended_process_on_this_machine()
    assert runner_is_gone(dead)
    ledger.claim(JOB, ACME, "2026-11-24", dead)

    assert ledger.claim(JOB, ACME, "2026-11-24", runner_name()) == Claim("2026-11-24", retaken=True)
    assert runs(database) == [(JOB, "2026-11-24", runner_name(), False, None)]


def test_a_claim_by_a_live_process_or_another_machine_waits_for_the_timeout(ledger: Ledger) -> None:
    host = runner_name().rsplit(":", 2)[0]
    alive = f"{host}:{os.getppid()}:0badc0de"  # the process that started the tests
    elsewhere = "other-host:12345:0badc0de"
    earlier_self = f"{host}:{os.getpid()}:0badc0de"  # this pid, before a restart (pid 1 in containers)
    assert not runner_is_gone(alive)
    assert not runner_is_gone(elsewhere)
    assert not runner_is_gone(runner_name())
    assert runner_is_gone(earlier_self)

    ledger.claim(JOB, ACME, "2026-11-24", alive)
    ledger.claim(JOB, GLOBEX, "2026-11-24", elsewhere)
    assert ledger.claim(JOB, ACME, "2026-11-24", runner_name()) is None
    assert ledger.claim(JOB, GLOBEX, "2026-11-24", runner_name()) is None


# Weekly routines

LONDON = ZoneInfo("Europe/London")


def test_a_weekly_routine_is_keyed_by_the_iso_week_of_its_local_date() -> None:
    routine = Routine.weekly_on("digest.send", "thu", "09:00")
    occurrence = routine.due(utc(2026, 11, 26, 9, 0), LONDON, GRACE)
    assert occurrence is not None
    assert (occurrence.key, occurrence.local_date) == ("2026-W48", date(2026, 11, 26))
    assert routine.describe() == "09:00 on thu, once a week (each workspace's time)"


def test_a_weekly_routine_runs_on_one_named_day() -> None:
    with pytest.raises(ValueError, match="one day"):
        Routine.weekly_on("digest.send", "mon-fri", "09:00")
    with pytest.raises(ValueError, match="named"):
        Routine.weekly_on("digest.send", "4", "09:00")
    with pytest.raises(ValueError, match="09:00"):
        Routine.weekly_on("digest.send", "thu", "9am")


@pytest.mark.parametrize(
    ("zone", "thursdays"),
    [
        # Europe/London leaves summer time on Sunday 25 October 2026 and enters it on 28 March 2027.
        (LONDON, [(date(2026, 10, 22), utc(2026, 10, 22, 8)), (date(2026, 10, 29), utc(2026, 10, 29, 9))]),
        (LONDON, [(date(2027, 3, 25), utc(2027, 3, 25, 9)), (date(2027, 4, 1), utc(2027, 4, 1, 8))]),
        # America/New_York: 1 November 2026 and 14 March 2027.
        (NEW_YORK, [(date(2026, 10, 29), utc(2026, 10, 29, 13)), (date(2026, 11, 5), utc(2026, 11, 5, 14))]),
        (NEW_YORK, [(date(2027, 3, 11), utc(2027, 3, 11, 14)), (date(2027, 3, 18), utc(2027, 3, 18, 13))]),
    ],
)
def test_the_next_weekly_run_stays_at_0900_local_across_both_daylight_saving_changes(
    zone: ZoneInfo, thursdays: list[tuple[date, datetime]]
) -> None:
    routine = Routine.weekly_on("digest.send", "thu", "09:00")
    (first_day, first_due), (second_day, second_due) = thursdays
    before = first_due - timedelta(days=2)
    first = routine.next_after(before, zone)
    assert (first.local_date, first.due_at) == (first_day, first_due)
    second = routine.next_after(first.due_at, zone)
    assert (second.local_date, second.due_at) == (second_day, second_due)
    assert second.key != first.key
    assert first.due_at.astimezone(zone).time() == second.due_at.astimezone(zone).time() == time(9, 0)


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK])
@pytest.mark.parametrize("at", ["01:30", "02:30", "09:00"])
def test_minute_by_minute_through_both_changes_a_daily_routine_is_due_once_a_local_day(
    zone: ZoneInfo, at: str
) -> None:
    routine = Routine.daily(JOB, at, "mon-sun")
    due_times: dict[str, set[datetime]] = {}
    # Three days around each change, both zones' changes included (London's and New York's differ).
    for start in (utc(2026, 10, 24), utc(2026, 10, 31), utc(2027, 3, 13), utc(2027, 3, 27)):
        for minute in range(3 * 24 * 60):
            occurrence = routine.due(start + timedelta(minutes=minute), zone, timedelta(seconds=59))
            if occurrence is not None:
                due_times.setdefault(occurrence.key, set()).add(occurrence.due_at)

    # Every local day had its one occurrence, due at one instant: none skipped, none doubled.
    assert len(due_times) == 12
    assert all(len(instants) == 1 for instants in due_times.values())
    for key, (instant,) in due_times.items():
        shown = instant.astimezone(zone)
        assert shown.date().isoformat() == key
        wall = time.fromisoformat(at)
        naive = datetime.combine(shown.date(), wall)
        skipped = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).time() != wall
        # A time the spring change skips (01:30 in London, 02:30 in New York) runs an hour later.
        assert shown.time() == ((naive + timedelta(hours=1)).time() if skipped else wall)
