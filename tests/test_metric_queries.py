"""Queried metrics against a CRM's own database: a second SQLite file, and PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.metric_queries import QueryFailed, dispose_query_engines, run_metric_query
from bot.metrics import MetricQuery
from tests.conftest import POSTGRES_URL, _admin_dsn

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 11, 20)
DEALS = [  # (closed at, in UTC; amount)
    ("2026-11-19 22:30:00", 700.0),  # Nov 19 in UTC, Nov 19 23:30 in Paris
    ("2026-11-19 23:30:00", 1000.0),  # Nov 19 in UTC, already Nov 20 in Paris
    ("2026-11-20 09:15:00", 2500.0),
    ("2026-11-20 16:40:00", 500.0),
    ("2026-11-21 10:00:00", 4000.0),
]
SUM_BY_DATE = "SELECT coalesce(sum(amount), 0) FROM deals WHERE date(closed_at) = :day"
SUM_BY_BOUNDS = "SELECT coalesce(sum(amount), 0) FROM deals WHERE closed_at >= :start AND closed_at < :end"


@pytest.fixture(autouse=True)
def _fresh_engines() -> Iterator[None]:
    yield
    dispose_query_engines()


@pytest.fixture
def crm(tmp_path: Path) -> str:
    """A SQLite file standing in for a CRM's replica: a deals table, closed deals with amounts."""
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE deals (id INTEGER PRIMARY KEY, closed_at TEXT, amount REAL)")
        connection.executemany("INSERT INTO deals (closed_at, amount) VALUES (?, ?)", DEALS)
    connection.close()
    return f"sqlite:///{path}"


def run(sql: str, url: str, day: date = DAY, *, timeout: float = 5) -> float:
    return run_metric_query(MetricQuery(sql=sql, url=url), day, PARIS, timeout=timeout)


def problem(sql: str, url: str, *, timeout: float = 5) -> str:
    with pytest.raises(QueryFailed) as failed:
        run(sql, url, timeout=timeout)
    return failed.value.problem


def test_a_query_sums_the_days_deals_by_date(crm: str) -> None:
    assert run(SUM_BY_DATE, crm) == 3000.0
    assert run(SUM_BY_DATE, crm, date(2026, 11, 21)) == 4000.0
    assert run(SUM_BY_DATE, crm, date(2026, 11, 22)) == 0.0


def test_start_and_end_are_the_local_days_bounds_in_utc(crm: str) -> None:
    # Paris is UTC+1 in November: its Nov 20 runs from 23:00 UTC on Nov 19 to 23:00 UTC on Nov 20.
    assert run(SUM_BY_BOUNDS, crm) == 1000.0 + 2500.0 + 500.0
    with pytest.raises(QueryFailed) as shown:
        run("SELECT :start || '/' || :end", crm)
    assert shown.value.problem == "returned '2026-11-19 23:00:00/2026-11-20 23:00:00', not a number"


def test_a_number_written_as_text_is_read(crm: str) -> None:
    assert run("SELECT '1,234.5'", crm) == 1234.5
    assert run("SELECT count(*), 'other columns are ignored' FROM deals", crm) == 5.0


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT amount FROM deals WHERE amount > 1e9", "returned no rows"),
        ("SELECT amount FROM deals", "returned more than one row: it must return one number"),
        (
            "SELECT sum(amount) FROM deals WHERE date(closed_at) = :day AND amount < 0",
            "returned no value (NULL); if no rows means zero, use coalesce(sum(…), 0)",
        ),
        ("SELECT 'lots'", "returned 'lots', not a number"),
        ("SELECT x'00ff'", "returned a bytes, not a number"),
        ("SELECT sum(amount) FROM leads", "no such table: leads"),
        (
            "SELECT count(*) FROM deals WHERE closed_at > :week",
            "uses :week; a query can use :day, :start and :end",
        ),
    ],
)
def test_a_query_that_gives_no_single_number_fails_with_a_problem_to_show(
    crm: str, sql: str, expected: str
) -> None:
    assert problem(sql, crm) == expected


def test_a_query_cannot_change_the_crm(crm: str) -> None:
    assert "readonly database" in problem("DELETE FROM deals", crm)
    assert run("SELECT count(*) FROM deals", crm) == len(DEALS)


def test_a_missing_database_file_is_reported_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "crm.db"
    said = problem("SELECT 1", f"sqlite:///{missing}")
    assert said.startswith(f"can't connect to {missing}: ")
    assert not missing.exists()


def test_a_slow_query_is_cut_off_at_the_time_limit(crm: str) -> None:
    counting = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
        "SELECT count(*) FROM n"
    )
    assert problem(counting, crm, timeout=0.2) == "took longer than 0.2 s"
    assert run("SELECT count(*) FROM deals", crm, timeout=0.2) == len(DEALS)  # the next one runs


def test_a_database_it_cannot_reach_is_named_without_its_password() -> None:
    said = problem("SELECT 1", "postgresql+psycopg://crm:s3cret-pw@127.0.0.1:1/crm", timeout=2)
    assert said.startswith("can't connect to 127.0.0.1:1/crm: ")
    assert "s3cret-pw" not in said


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a database url", "the database URL isn't one SQLAlchemy reads"),
        ("nosuchdb://host/db", "SQLAlchemy has no database called `nosuchdb`"),
    ],
)
def test_a_url_sqlalchemy_cannot_use_is_a_problem(url: str, expected: str) -> None:
    assert problem("SELECT 1", url).startswith(expected)


# PostgreSQL as the CRM


@pytest.fixture
def postgres_crm(postgres_template: str) -> Iterator[str]:
    """A scratch PostgreSQL database with a deals table (skipped, like every PostgreSQL test,
    where no server answers)."""
    name = f"tandem_crm_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name)
    try:
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as crm:
            crm.execute("CREATE TABLE deals (id serial PRIMARY KEY, closed_at timestamptz, amount numeric)")
            for closed_at, amount in DEALS:
                crm.execute(
                    "INSERT INTO deals (closed_at, amount) VALUES (%s, %s)", (f"{closed_at}+00", amount)
                )
        yield url.render_as_string(hide_password=False)
    finally:
        dispose_query_engines()
        with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgresql
def test_a_postgresql_crm_answers_for_the_local_day(postgres_crm: str) -> None:
    assert run(SUM_BY_BOUNDS, postgres_crm) == 4000.0
    by_utc_date = (
        "SELECT coalesce(sum(amount), 0) FROM deals WHERE (closed_at AT TIME ZONE 'UTC')::date = :day"
    )
    assert run(by_utc_date, postgres_crm) == 3000.0


@pytest.mark.postgresql
def test_a_postgresql_query_is_read_only_and_cut_off_at_the_time_limit(postgres_crm: str) -> None:
    assert "read-only transaction" in problem("DELETE FROM deals RETURNING 1", postgres_crm)
    assert problem("SELECT pg_sleep(5)", postgres_crm, timeout=0.2) == "took longer than 0.2 s"
    assert problem("SELECT sum(amount) FROM leads", postgres_crm) == 'relation "leads" does not exist'
    assert run("SELECT count(*) FROM deals", postgres_crm) == len(DEALS)
