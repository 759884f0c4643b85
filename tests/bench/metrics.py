"""Metric snapshots at scale: five years of daily values for 20 metrics in each of 1,000 workspaces
(36.5 million rows), composing one workspace's snapshot beside a plain indexed sum on the same rows,
rendering its chart, and how the database reads the snapshot's values.

Run with `make bench` (or `python -m tests.bench.metrics [--workspaces N] [--years N] [--no-postgres]`).

The values are bulk loaded (SQLite: executemany in one transaction; PostgreSQL: COPY) into the table
the migrations made. Its indexes and constraints are set aside while loading and rebuilt from their own
definitions after, because loading through them was measured slower on a 2-core machine: SQLite 177 s
with its index in place against 132 s set aside and rebuilt; PostgreSQL 270 s against 189 s (five
indexes and constraints). `--keep-indexes` loads through them, to measure that again.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import chain, repeat
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import ColumnElement, Connection, func, insert, select, text
from sqlalchemy.engine import Dialect

from bot.db import Database
from bot.metric_chart import snapshot_chart
from bot.metrics import (
    CHART_DAYS,
    MetricDraft,
    MetricQuery,
    MetricTeam,
    Rollup,
    SnapshotDefaults,
    Target,
    Unit,
    ValueSource,
    reported_day,
)
from bot.models import Base, MetricRow, Workspace
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.bench.digest import alternately, measured_on_each_database, query_plans
from tests.bench.tracker import add_workspaces, summary

# A Monday late in a quarter: the snapshot reports Friday and reads nearly a whole quarter of values,
# the most it ever reads.
MADE_ON = date(2026, 12, 28)
NOW = datetime(2026, 12, 28, 7, 30, tzinfo=UTC)  # 08:30 in Paris: the snapshot's time
ZONE = "Europe/Paris"
TARGET_MS = 50  # issue 5: snapshot compose under 50 ms per workspace, chart excluded
VALUES = Base.metadata.tables["metric_values"]
CRM = "postgresql+psycopg://reader@crm.example.com/crm"
PROBLEM = "timed out after 20 s"
NULL = "\\N"  # COPY's text format for NULL


@dataclass(frozen=True)
class Kind:
    """One of the 20 metrics every workspace watches, and how its daily values run."""

    draft: MetricDraft
    level: float  # a working day's typical value
    weekend: float  # a weekend day's share of it
    places: int  # decimals the values are rounded to
    source: ValueSource
    logged_by: str | None = None


def _draft(
    name: str,
    label: str,
    unit: Unit,
    team: MetricTeam,
    rollup: Rollup,
    monthly: float | None,
    *,
    currency: str | None = None,
    higher: bool = True,
    targets: tuple[Target, ...] = (),
    query: MetricQuery | None = None,
) -> MetricDraft:
    quarterly = None if monthly is None else monthly * 3 if rollup is Rollup.SUM else monthly
    return MetricDraft(
        name=name,
        label=label,
        unit=unit,
        team=team,
        rollup=rollup,
        currency=currency,
        higher_is_better=higher,
        monthly_target=monthly,
        quarterly_target=quarterly,
        targets=targets,
        query=query,
    )


COUNT, MONEY, PERCENT = Unit.COUNT, Unit.CURRENCY, Unit.PERCENT
SALES, MARKETING, SHARED = MetricTeam.SALES, MetricTeam.MARKETING, MetricTeam.SHARED
SUM, LATEST, AVERAGE = Rollup.SUM, Rollup.LATEST, Rollup.AVERAGE
TYPED, IMPORTED, QUERY = ValueSource.TYPED, ValueSource.IMPORTED, ValueSource.QUERY
KINDS = (
    Kind(
        _draft(
            "leads",
            "Leads",
            COUNT,
            MARKETING,
            SUM,
            1200,
            targets=(Target("2026-12", 1000), Target("2026-Q4", 3500)),
        ),
        40,
        0.2,
        0,
        TYPED,
        "U0MARKETER",
    ),
    Kind(_draft("mql", "Marketing-qualified leads", COUNT, MARKETING, SUM, 480), 16, 0.1, 0, IMPORTED),
    Kind(_draft("sal", "Sales-accepted leads", COUNT, SHARED, SUM, 300), 10, 0.1, 0, IMPORTED),
    Kind(_draft("sqls", "Sales-qualified leads", COUNT, SALES, SUM, 200), 7, 0.1, 0, IMPORTED),
    Kind(
        _draft(
            "opportunities",
            "Opportunities",
            COUNT,
            SALES,
            SUM,
            120,
            query=MetricQuery("SELECT count(*) FROM opportunities WHERE created_on = :day", CRM),
        ),
        4,
        0.1,
        0,
        QUERY,
    ),
    Kind(_draft("pipeline", "Pipeline", MONEY, SALES, LATEST, 2e6, currency="EUR"), 1.8e6, 1, -3, QUERY),
    Kind(_draft("bookings", "Bookings", MONEY, SALES, SUM, 4e5, currency="EUR"), 13e3, 0.1, 0, IMPORTED),
    Kind(_draft("win-rate", "Win rate", PERCENT, SALES, AVERAGE, 30), 28, 1, 1, IMPORTED),
    Kind(_draft("demos", "Demos", COUNT, SALES, SUM, 200), 7, 0, 0, TYPED, "U0SELLER"),
    Kind(_draft("webinar-signups", "Webinar sign-ups", COUNT, MARKETING, SUM, 600), 20, 0.3, 0, IMPORTED),
    Kind(_draft("visits", "Website visits", COUNT, MARKETING, SUM, 90_000), 3000, 0.4, 0, IMPORTED),
    Kind(_draft("trials", "Trials started", COUNT, MARKETING, SUM, 300), 10, 0.3, 0, IMPORTED),
    Kind(_draft("churned", "Customers lost", COUNT, SALES, SUM, 10, higher=False), 0.3, 0.1, 0, IMPORTED),
    Kind(
        _draft(
            "cac", "Customer acquisition cost", MONEY, MARKETING, AVERAGE, 450, currency="EUR", higher=False
        ),
        430,
        1,
        0,
        IMPORTED,
    ),
    Kind(
        _draft("deal-size", "Average deal", MONEY, SALES, AVERAGE, 25e3, currency="EUR"),
        24e3,
        1,
        -2,
        IMPORTED,
    ),
    Kind(_draft("cycle", "Sales cycle (days)", COUNT, SALES, AVERAGE, 45, higher=False), 47, 1, 0, IMPORTED),
    Kind(_draft("email-ctr", "Email click rate", PERCENT, MARKETING, AVERAGE, 3.5), 3.4, 1, 1, IMPORTED),
    Kind(_draft("meetings", "Meetings booked", COUNT, SALES, SUM, 400), 14, 0.05, 0, IMPORTED),
    Kind(_draft("renewals", "Renewals", MONEY, SALES, SUM, 15e4, currency="EUR"), 5e3, 0.1, -2, IMPORTED),
    Kind(_draft("nps", "Net promoter score", COUNT, SHARED, LATEST, 40), 42, 1, 0, IMPORTED),
)
QUERY_FAILS = 0.01  # the queried metrics' days stored unavailable (a failed query), never zero


# Seeding


@dataclass(frozen=True)
class Seeding:
    dialect: str
    workspaces: int
    metrics: int
    rows: int
    days: tuple[date, date]
    seconds: float  # all of it: definitions, values, indexes, statistics
    load_seconds: float  # the values alone
    index_seconds: float  # building what was set aside while loading (0 when it was kept)
    set_aside: tuple[str, ...]  # constraints and indexes built after loading


def seed(database: Database, services: Services, *, workspaces: int, years: int, keep: bool) -> Seeding:
    """`workspaces` workspaces with the same 20 metrics, and a value for every metric and day of the
    `years` years before MADE_ON."""
    started = time.perf_counter()
    keys = [WorkspaceKey(f"T{n:05d}") for n in range(workspaces)]
    with database.transaction() as session:
        add_workspaces(session, [k.team_id for k in keys], NOW)
    # One workspace's definitions through the service, so they are stored as Tandem stores them;
    # then copied to every other workspace in the database itself.
    services.metrics.load_definitions(keys[0], [kind.draft for kind in KINDS], None)
    with database.transaction() as session:
        _copy_definitions(session.connection(), keys[0])
        metrics = session.execute(
            select(MetricRow.workspace_id, MetricRow.id).order_by(MetricRow.workspace_id, MetricRow.position)
        ).all()
    first = MADE_ON - timedelta(days=round(365.25 * years))
    days = [first + timedelta(days=n) for n in range((MADE_ON - first).days)]
    by_workspace: dict[int, list[int]] = {}
    for workspace_id, metric_id in metrics:
        by_workspace.setdefault(workspace_id, []).append(metric_id)
    _progress(f"{len(metrics):,} metrics defined; loading {len(metrics) * len(days):,} values")
    loading = _Loading(database, keep=keep)
    with loading:
        if database.engine.dialect.name == "postgresql":
            _copy_values(database, by_workspace, days)
        else:
            _insert_values(database, by_workspace, days)
    _progress(f"loaded in {loading.load_seconds:.0f} s, indexes rebuilt in {loading.index_seconds:.0f} s")
    _settle(database)
    return Seeding(
        dialect=database.engine.dialect.name,
        workspaces=workspaces,
        metrics=len(metrics),
        rows=len(metrics) * len(days),
        days=(days[0], days[-1]),
        seconds=time.perf_counter() - started,
        load_seconds=loading.load_seconds,
        index_seconds=loading.index_seconds,
        set_aside=loading.set_aside,
    )


def _progress(line: str) -> None:
    print(f"    {line}", file=sys.stderr, flush=True)


def _copy_definitions(connection: Connection, template: WorkspaceKey) -> None:
    metrics, targets = Base.metadata.tables["metrics"], Base.metadata.tables["metric_targets"]
    source = select(Workspace.id).where(Workspace.team_id == template.team_id).scalar_subquery()
    copied = [c.name for c in metrics.columns if c.name not in ("id", "workspace_id")]
    connection.execute(
        insert(metrics).from_select(
            ["workspace_id", *copied],
            select(Workspace.id, *(metrics.c[name] for name in copied))
            .join_from(Workspace, metrics, metrics.c.workspace_id == source)
            .where(Workspace.id != source),
        )
    )
    theirs, mine = metrics.alias("theirs"), metrics.alias("mine")
    connection.execute(
        insert(targets).from_select(
            ["workspace_id", "metric_id", "period", "value"],
            select(theirs.c.workspace_id, theirs.c.id, targets.c.period, targets.c.value)
            .join_from(targets, mine, mine.c.id == targets.c.metric_id)
            .join(theirs, (theirs.c.name == mine.c.name) & (theirs.c.workspace_id != mine.c.workspace_id))
            .where(mine.c.workspace_id == source),
        )
    )


def _daily_values(rng: np.random.Generator, days: Sequence[date]) -> list[list[float | None]]:
    """One workspace's values, a row per metric: its level, quieter at weekends, with noise."""
    weekend = np.array([day.weekday() >= 5 for day in days])
    noise = rng.gamma(8.0, 1 / 8.0, size=(len(KINDS), len(days)))
    rows: list[list[float | None]] = []
    for kind, jitter in zip(KINDS, noise, strict=True):
        level = np.where(weekend, kind.level * kind.weekend, kind.level) * jitter
        if kind.draft.unit is Unit.PERCENT:
            level = np.minimum(level, 100.0)
        values: list[float | None] = np.round(level, kind.places).tolist()
        if kind.source is QUERY:
            for n in np.flatnonzero(rng.random(len(days)) < QUERY_FAILS):
                values[n] = None
        rows.append(values)
    return rows


def _stored(column: ColumnElement[Any], values: Sequence[object], dialect: Dialect) -> list[Any]:
    """Values as SQLAlchemy would send them to this database (dates and times as it stores them)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return [process(value) if process else value for value in values]


def _logged_at(days: Sequence[date]) -> list[datetime]:
    return [datetime(d.year, d.month, d.day, 17, 0, tzinfo=UTC) for d in days]


def _insert_values(database: Database, metrics: dict[int, list[int]], days: Sequence[date]) -> None:
    """SQLite: every value in one transaction, through executemany."""
    dialect = database.engine.dialect
    day_texts = _stored(VALUES.c.day, days, dialect)
    logged_texts = _stored(VALUES.c.logged_at, _logged_at(days), dialect)
    rng = np.random.default_rng(5)

    def metric_rows() -> Iterator[Iterator[tuple[Any, ...]]]:
        for workspace_id, metric_ids in metrics.items():
            for kind, metric_id, values in zip(KINDS, metric_ids, _daily_values(rng, days), strict=True):
                problems = [None if value is not None else PROBLEM for value in values]
                yield zip(
                    repeat(workspace_id),
                    repeat(metric_id),
                    day_texts,
                    values,
                    problems,
                    repeat(kind.source.value),
                    repeat(kind.logged_by),
                    logged_texts,
                )

    raw = database.engine.raw_connection()
    connection = raw.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    try:
        # Looking up each row's workspace and metric takes nearly half the load's time: the keys
        # are checked once, after loading, instead (as PostgreSQL does when its constraints return).
        connection.execute("PRAGMA foreign_keys = OFF")
        # The engine's connections leave transactions to us (bot.db): one BEGIN, one COMMIT.
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO metric_values (workspace_id, metric_id, day, value, problem, source, logged_by, "
            "logged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            # Each metric's rows made by zip and chained in C: the load is SQLite's work, not Python's.
            chain.from_iterable(metric_rows()),
        )
        connection.execute("COMMIT")
        orphans = connection.execute("PRAGMA foreign_key_check(metric_values)").fetchmany(3)
        if orphans:
            raise RuntimeError(f"values whose workspace or metric does not exist: {orphans}")
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.execute("PRAGMA foreign_keys = ON")
        raw.close()


def _copy_values(database: Database, metrics: dict[int, list[int]], days: Sequence[date]) -> None:
    """PostgreSQL: every value in one COPY, written a metric's five years at a time."""
    day_texts = [day.isoformat() for day in days]
    logged_texts = [at.isoformat(" ") for at in _logged_at(days)]
    rng = np.random.default_rng(5)
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, psycopg.Connection)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY metric_values (workspace_id, metric_id, day, value, problem, source, logged_by, "
                "logged_at) FROM STDIN"
            ) as copy,
        ):
            for workspace_id, metric_ids in metrics.items():
                for kind, metric_id, values in zip(KINDS, metric_ids, _daily_values(rng, days), strict=True):
                    lead = f"{workspace_id}\t{metric_id}\t"
                    tail = f"\t{kind.source.value}\t{kind.logged_by or NULL}\t"
                    copy.write(
                        "".join(
                            f"{lead}{day}\t{value}\t{NULL}{tail}{at}\n"
                            if value is not None
                            else f"{lead}{day}\t{NULL}\t{PROBLEM}{tail}{at}\n"
                            for day, at, value in zip(day_texts, logged_texts, values, strict=True)
                        )
                    )
        raw.commit()
    finally:
        raw.close()


class _Loading:
    """Around the bulk load: sets the values table's indexes and constraints aside when asked (those
    the database can drop: on SQLite the separate indexes, on PostgreSQL all of them), rebuilds them
    from their own definitions afterwards, and checks the table ends exactly as the migration made it."""

    def __init__(self, database: Database, *, keep: bool) -> None:
        self._database = database
        self._keep = keep
        self._postgres = database.engine.dialect.name == "postgresql"
        self.set_aside: tuple[str, ...] = ()
        self.load_seconds = 0.0
        self.index_seconds = 0.0

    def __enter__(self) -> _Loading:
        with self._database.engine.begin() as connection:
            self._migrated = _schema(connection)
            self._rebuild = [] if self._keep else _set_aside(connection)
        self.set_aside = tuple(name for name, _ in self._rebuild)
        self._started = time.perf_counter()
        return self

    def __exit__(self, failed: type[BaseException] | None, *details: object) -> None:
        if failed is not None:
            return
        loaded = time.perf_counter()
        self.load_seconds = loaded - self._started
        with self._database.engine.begin() as connection:
            if self._postgres:
                # For this session only: sorts for the index builds in memory rather than on disk.
                connection.execute(text("SET maintenance_work_mem = '1GB'"))
            for _, statement in self._rebuild:
                connection.execute(text(statement))
            rebuilt = _schema(connection)
        self.index_seconds = time.perf_counter() - loaded
        if rebuilt != self._migrated:
            changed = [
                line for line in rebuilt + self._migrated if (line in rebuilt) != (line in self._migrated)
            ]
            raise RuntimeError(f"the loaded metric_values differs from the migrated one: {changed}")


def _schema(connection: Connection) -> list[tuple[Any, ...]]:
    """Everything that defines the values table: its columns, constraints and indexes, as the
    database itself describes them."""
    if connection.dialect.name == "sqlite":
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'metric_values' ORDER BY name"
                )
            )
        ]
    table = "'metric_values'::regclass"
    return [
        *(
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT attname, format_type(atttypid, atttypmod), attnotnull, "
                    "pg_get_expr(adbin, adrelid) FROM pg_attribute LEFT JOIN pg_attrdef "
                    f"ON adrelid = attrelid AND adnum = attnum WHERE attrelid = {table} AND attnum > 0 "
                    "AND NOT attisdropped ORDER BY attnum"
                )
            )
        ),
        *(
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT conname, contype, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
                    f"WHERE conrelid = {table} ORDER BY conname"
                )
            )
        ),
        *(
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'metric_values' ORDER BY 1"
                )
            )
        ),
    ]


def _set_aside(connection: Connection) -> list[tuple[str, str]]:
    """Drops what can be dropped of the values table's indexes and constraints; returns each one's
    name and the statement that builds it again, in the order to run them."""
    if connection.dialect.name == "sqlite":
        # The primary key and the unique constraint live in the table's own definition; only the
        # separate indexes can go. (An autoindex has no SQL of its own.)
        indexes = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'metric_values' "
                "AND sql IS NOT NULL ORDER BY name"
            )
        ).all()
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        return [(name, sql) for name, sql in indexes]
    constraints = connection.execute(
        text(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'metric_values'::regclass AND contype IN ('p', 'u', 'f') "
            "ORDER BY position(contype IN 'puf'), conname"
        )
    ).all()
    indexes = connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'metric_values' "
            "AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'metric_values'::regclass) "
            "ORDER BY indexname"
        )
    ).all()
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    for name, _, _ in reversed(constraints):
        connection.execute(text(f'ALTER TABLE metric_values DROP CONSTRAINT "{name}"'))
    return [
        *(
            (name, f'ALTER TABLE metric_values ADD CONSTRAINT "{name}" {definition}')
            for name, _, definition in constraints
        ),
        *((name, definition) for name, definition in indexes),
    ]


def _settle(database: Database) -> None:
    """PostgreSQL: statistics for the planner, and the vacuum autovacuum would otherwise start in the
    middle of the timings. SQLite: nothing, as in production (Tandem never runs ANALYZE there)."""
    if database.engine.dialect.name != "postgresql":
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) metric_values"))
        connection.execute(text("ANALYZE"))


# Measuring


@dataclass(frozen=True)
class Measured:
    seeding: Seeding
    rows_read: int  # values one snapshot reads
    first_times: list[float]  # ms: each sampled workspace's first snapshot
    snapshot_times: list[float]
    plain_times: list[float]
    chart_times: list[float]
    png_bytes: int  # the largest chart
    plans: list[tuple[str, list[str]]]  # every query one snapshot sends, and the plain sum
    index_used: str | None  # the index the snapshot's values query goes through; None: it does not


def plain_sum(database: Database, workspace_id: int, first: date, last: date) -> Callable[[], object]:
    """The least any snapshot must ask: every metric's sum over the same days, one indexed query."""

    def run() -> object:
        with database.transaction() as session:
            return session.execute(
                select(VALUES.c.metric_id, func.sum(VALUES.c.value))
                .where(VALUES.c.workspace_id == workspace_id, VALUES.c.day.between(first, last))
                .group_by(VALUES.c.metric_id)
            ).all()

    return run


def measure(database: Database, arguments: argparse.Namespace) -> Measured:
    services = build_services(database, WorkspaceDefaults(ZONE, None), lambda: NOW)
    seeding = seed(
        database,
        services,
        workspaces=arguments.workspaces,
        years=arguments.years,
        keep=arguments.keep_indexes,
    )
    with database.transaction() as session:
        ids = dict(session.execute(select(Workspace.team_id, Workspace.id)).all())
    sample = random.Random(28).sample(sorted(ids), min(arguments.sample, len(ids)))
    metrics = services.metrics
    # What the snapshot reads: the quarter to date, the chart's days and the week before the day it
    # reports (Friday, on a Monday).
    through, day = MADE_ON - timedelta(days=1), reported_day(MADE_ON, SnapshotDefaults().days)
    quarter = date(through.year, (through.month - 1) // 3 * 3 + 1, 1)
    first = min(quarter, through - timedelta(days=CHART_DAYS - 1), day - timedelta(days=7))
    firsts, snapshots, plains = [], [], []
    for team_id in sample:
        key = WorkspaceKey(team_id)

        def compose(key: WorkspaceKey = key) -> object:
            return metrics.snapshot(key, MADE_ON)

        started = time.perf_counter()
        compose()
        firsts.append((time.perf_counter() - started) * 1000)
        composed, plain = alternately(
            compose, plain_sum(database, ids[team_id], first, through), arguments.repeat
        )
        snapshots += composed
        plains += plain
    charts, largest = [], 0
    for n, team_id in enumerate(sample[: arguments.charts]):
        snapshot = metrics.snapshot(WorkspaceKey(team_id), MADE_ON)
        if n == 0:
            snapshot_chart(snapshot)  # fonts and caches loaded once, as in a running server
        started = time.perf_counter()
        png = snapshot_chart(snapshot)
        charts.append((time.perf_counter() - started) * 1000)
        largest = max(largest, len(png or b""))
    key = WorkspaceKey(sample[0])
    plans = query_plans(database, lambda: metrics.snapshot(key, MADE_ON))
    plans += query_plans(database, plain_sum(database, ids[sample[0]], first, through))
    return Measured(
        seeding=seeding,
        rows_read=((through - first).days + 1) * len(KINDS),
        first_times=firsts,
        snapshot_times=snapshots,
        plain_times=plains,
        chart_times=charts,
        png_bytes=largest,
        plans=plans,
        index_used=_index_used(plans[: len(plans) - 1]),
    )


def _index_used(plans: Sequence[tuple[str, list[str]]]) -> str | None:
    """The index the snapshot's query of metric_values searches, None when it scans the table."""
    for query, lines in plans:
        if "FROM metric_values" in query:
            plan = " ".join(lines)
            if "Seq Scan on metric_values" in plan or re.search(r"\bSCAN metric_values\b", plan):
                return None
            found = _SEARCH.search(plan)
            return found[1] if found else None
    return None


# "SEARCH metric_values USING INDEX ix_… (…)" on SQLite; "Index Scan using ix_… on metric_values",
# "Bitmap Index Scan on ix_…" on PostgreSQL.
_SEARCH = re.compile(
    r"(?:SEARCH metric_values USING (?:COVERING )?INDEX|Index (?:Only )?Scan using|Bitmap Index Scan on)"
    r" (\w+)"
)


# Reporting


def report(runs: Sequence[Measured], arguments: argparse.Namespace) -> str:
    first = runs[0].seeding
    lines = [
        f"Metric snapshots at scale: {first.workspaces:,} workspaces, {len(KINDS)} metrics each, a value for "
        f"every day from {first.days[0]:%d %b %Y} to {first.days[1]:%d %b %Y}: {first.rows:,} value rows.",
        f"The snapshot made on {MADE_ON:%a %d %b %Y} reads Q4 to date, the chart's {CHART_DAYS} days and the "
        f"week before: {runs[0].rows_read:,} rows of a workspace's {first.rows // first.workspaces:,}.",
        f"Timed on {min(arguments.sample, first.workspaces)} sampled workspaces: each one's first snapshot, "
        f"then {arguments.repeat} snapshots and {arguments.repeat} plain sums taking turns; charts for "
        f"{min(arguments.charts, arguments.sample, first.workspaces)} of them.",
        "",
        f"{'database':11} {'seeded':>7} {'snapshot ms':>15} {'first call ms':>15} {'plain sum ms':>15} "
        f"{'ratio':>6} {'chart ms':>17} {'PNG':>7}",
        f"{'':11} {'':>7} {'median / p95':>15} {'median / p95':>15} {'median / p95':>15} {'':>6} "
        f"{'median / p95':>17}",
    ]
    for run in runs:
        snapshot, first_call, plain = (
            summary(run.snapshot_times),
            summary(run.first_times),
            summary(run.plain_times),
        )
        chart = summary(run.chart_times) if run.chart_times else (0.0, 0.0)
        lines.append(
            f"{_name(run.seeding.dialect):11} {run.seeding.seconds:6.0f}s {_pair(snapshot):>15} "
            f"{_pair(first_call):>15} {_pair(plain):>15} {snapshot[0] / plain[0]:5.1f}x "
            f"{_pair(chart, 0):>17} {run.png_bytes / 1024:5.0f}kB"
        )
    worst = max(max(summary(run.snapshot_times)[1], summary(run.first_times)[1]) for run in runs)
    lines += [
        f"Target (issue 5): a snapshot composed in under {TARGET_MS} ms per workspace, chart excluded: "
        f"worst p95 (first calls included) {worst:.1f} ms: {'PASS' if worst < TARGET_MS else 'FAIL'}",
        "",
        "Plain sum: one SELECT metric_id, sum(value) … WHERE workspace_id = ? AND day BETWEEN ? AND ?",
        "GROUP BY metric_id over the same days: the least any snapshot must ask. The snapshot also reads",
        "the workspace, its settings and its metrics with their targets, and works out each metric's",
        "month and quarter.",
        "",
        "Loading the values (the rest of 'seeded' is the definitions and the statistics):",
    ]
    for run in runs:
        seeding = run.seeding
        aside = (
            f"; set aside, then rebuilt in {seeding.index_seconds:.0f} s: {', '.join(seeding.set_aside)}"
            if seeding.set_aside
            else ", every index in place"
        )
        lines.append(
            f"  {_name(seeding.dialect):11} {seeding.rows:,} rows in {seeding.load_seconds:.0f} s "
            f"({seeding.rows / seeding.load_seconds:,.0f} rows/s){aside}"
        )
    lines += [
        "  Foreign keys were checked once, after loading: SQLite's by PRAGMA foreign_key_check, PostgreSQL's",
        "  as its constraints came back. Each table then matched the migrated one, column for column,",
        "  constraint for constraint and index for index.",
    ]
    for run in runs:
        verdict = f"through {run.index_used}" if run.index_used else "NOT through an index: a table scan"
        lines.append(
            f"\nQuery plans on {_name(run.seeding.dialect)}: one snapshot's queries, then the plain sum."
        )
        for query, plan in run.plans:
            lines.append(f"  {query[:150]}{' …' if len(query) > 150 else ''}")
            lines += [f"      {line}" for line in plan]
        lines.append(f"  The snapshot reads metric_values {verdict}.")
        if any(line.endswith("(workspace_id=?)") for line in run.plans[-1][1]):
            lines += [
                "  The plain sum seeks the workspace only and walks all its days' index entries to keep the",
                "  quarter's; the snapshot's metric_id IN (…) seeks each metric's quarter directly.",
            ]
    return "\n".join(lines)


def _pair(times: tuple[float, float], places: int = 1) -> str:
    return f"{times[0]:.{places}f} / {times[1]:.{places}f}"


def _name(dialect: str) -> str:
    return "PostgreSQL" if dialect == "postgresql" else "SQLite"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=1_000)
    parser.add_argument("--years", type=int, default=5, help="years of daily values before the snapshot")
    parser.add_argument("--sample", type=int, default=50, help="workspaces whose snapshots are timed")
    parser.add_argument("--repeat", type=int, default=5, help="snapshots timed per sampled workspace")
    parser.add_argument("--charts", type=int, default=10, help="sampled workspaces whose charts are timed")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="load with the values table's indexes in place (slower; see the module's notes)",
    )
    arguments = parser.parse_args(argv)
    runs = measured_on_each_database(arguments, measure, report)
    return 0 if all(run.index_used for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
