"""Queried metrics: a metric's SQL run against its own database (a CRM replica, a warehouse) for one
day, read-only where the database allows it, rolled back, and cut off at a time limit."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    Connection,
    Date,
    DateTime,
    Engine,
    TextClause,
    bindparam,
    create_engine,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.metrics import MetricQuery

PARAMETERS = ("day", "start", "end")
REASON_MAX = 200  # a database's own message, cut: enough to act on, short enough for a DM
SQLITE_STEPS = 1000  # SQLite checks the deadline every this many virtual machine instructions
_POSTGRES_CANCELLED = "57014"  # query_canceled: statement_timeout was reached
_MYSQL_TIMED_OUT = {1317, 1969, 3024}  # interrupted; MariaDB max_statement_time; MySQL max_execution_time


class QueryFailed(Exception):
    """A query that gave no number; `problem` is short and safe to show admins (no password)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def run_metric_query(query: MetricQuery, day: date, zone: ZoneInfo, *, timeout: float) -> float:
    """The number `query` returns for the local `day` in `zone`: the first column of its one row.
    Binds :day, :start and :end (the day's bounds, in UTC) where the SQL uses them."""
    try:
        url = make_url(query.url)
    except (ArgumentError, ValueError):
        raise QueryFailed(
            "the database URL isn't one SQLAlchemy reads (as in postgresql+psycopg://…)"
        ) from None
    statement = _statement(query.sql, day, zone, sqlite=url.get_backend_name() == "sqlite")
    engine = _engine(query.url, timeout)
    try:
        connection = engine.connect()
    except (SQLAlchemyError, OSError) as error:
        raise QueryFailed(f"can't connect to {_where(url)}: {_reason(error, url)}") from None
    with connection:
        timed_out: Callable[[DBAPIError], bool] = lambda _error: False  # noqa: E731
        try:
            timed_out = _limit(connection, timeout)
            result = connection.execute(statement)
            rows = result.fetchmany(2) if result.returns_rows else None
        except DBAPIError as error:
            if timed_out(error):
                raise QueryFailed(f"took longer than {timeout:g} s") from None
            raise QueryFailed(_reason(error, url)) from None
        except SQLAlchemyError as error:  # refused before it reached the database
            raise QueryFailed(_reason(error, url)) from None
        finally:
            _roll_back(connection)
    return _number(rows)


def dispose_query_engines() -> None:
    """Forget every cached engine (tests, shutdown)."""
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


# Engines, one per URL: creating one loads its dialect; connections are not pooled (NullPool),
# since each metric's query runs about once a day and a pooled connection would only go stale.
_engines: dict[tuple[str, float], Engine] = {}
_lock = threading.Lock()


def _engine(url: str, timeout: float) -> Engine:
    key = (url, timeout)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create_engine(url, timeout)
        return engine


def _create_engine(url: str, timeout: float) -> Engine:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise QueryFailed(
            "the database URL isn't one SQLAlchemy reads (as in postgresql+psycopg://…)"
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, timeout)
        return create_engine(parsed, poolclass=NullPool, connect_args=_connect_args(parsed, timeout))
    except NoSuchModuleError:
        raise QueryFailed(f"SQLAlchemy has no database called `{parsed.drivername}`") from None
    except ImportError as missing:
        raise QueryFailed(f"the driver for `{parsed.drivername}` isn't installed ({missing})") from None


def _sqlite_engine(url: URL, timeout: float) -> Engine:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return create_engine(url, poolclass=NullPool)
    # Read-only: a query can't change the CRM, and a mistyped path fails instead of creating a file.
    uri = Path(database).resolve().as_uri() + "?mode=ro"

    def read_only() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)

    return create_engine("sqlite://", creator=read_only, poolclass=NullPool)


def _connect_args(url: URL, timeout: float) -> dict[str, Any]:
    seconds = max(1, math.ceil(timeout))
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in {"psycopg", "psycopg2"}:
        return {"connect_timeout": seconds}
    if url.get_backend_name() in {"mysql", "mariadb"} and url.get_driver_name() in {"pymysql", "mysqldb"}:
        return {"connect_timeout": seconds}
    return {}


def _statement(sql: str, day: date, zone: ZoneInfo, *, sqlite: bool) -> TextClause:
    start = datetime.combine(day, clock_time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), clock_time.min, tzinfo=zone).astimezone(UTC)
    statement = text(sql)
    used = list(statement.compile().params)
    unknown = [name for name in used if name not in PARAMETERS]
    if unknown:
        raise QueryFailed(f"uses :{unknown[0]}; a query can use :day, :start and :end")
    if sqlite:
        # SQLite has no date types: give the text its own date() and datetime() functions return.
        values: dict[str, Any] = {"day": day.isoformat(), "start": f"{start:%Y-%m-%d %H:%M:%S}"}
        values["end"] = f"{end:%Y-%m-%d %H:%M:%S}"
        return statement.bindparams(**{name: values[name] for name in used})
    given: dict[str, BindParameter[Any]] = {
        "day": bindparam("day", day, type_=Date()),
        "start": bindparam("start", start, type_=DateTime(timezone=True)),
        "end": bindparam("end", end, type_=DateTime(timezone=True)),
    }
    return statement.bindparams(*(given[name] for name in used))


def _limit(connection: Connection, timeout: float) -> Callable[[DBAPIError], bool]:
    """Start a read-only transaction that stops after `timeout` seconds where the database can; the
    answer tells whether an error was that time limit."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        deadline = time.monotonic() + timeout
        stopped: list[bool] = []

        def past_deadline() -> int:
            if time.monotonic() > deadline:
                stopped.append(True)
                return 1  # SQLite interrupts the statement: "interrupted"
            return 0

        raw = connection.connection.driver_connection
        if isinstance(raw, sqlite3.Connection):
            raw.set_progress_handler(past_deadline, SQLITE_STEPS)
        return lambda _error: bool(stopped)
    if dialect == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(timeout * 1000))}")
        return lambda error: getattr(error.orig, "sqlstate", None) == _POSTGRES_CANCELLED
    if dialect in {"mysql", "mariadb"}:
        is_mariadb = bool(getattr(connection.dialect, "is_mariadb", False))
        limit = (
            f"SET SESSION max_statement_time = {timeout:g}"
            if is_mariadb
            else f"SET SESSION max_execution_time = {max(1, round(timeout * 1000))}"
        )
        try:
            connection.exec_driver_sql(limit)
        except DBAPIError:
            _roll_back(connection)  # an old server without the setting: run without a limit
        return lambda error: _mysql_code(error) in _MYSQL_TIMED_OUT
    return lambda _error: False  # other databases: rolled back, no time limit Tandem can set


def _mysql_code(error: DBAPIError) -> object:
    args = getattr(error.orig, "args", ())
    return args[0] if isinstance(args, tuple) and args else None


def _roll_back(connection: Connection) -> None:
    try:
        connection.rollback()
    except SQLAlchemyError:
        connection.invalidate()  # a connection in an unknown state is closed, not reused


def _number(rows: Sequence[Sequence[Any]] | None) -> float:
    if rows is None:
        raise QueryFailed("returned no rows: it must be a SELECT that returns one number")
    if not rows:
        raise QueryFailed("returned no rows")
    if len(rows) > 1:
        raise QueryFailed("returned more than one row: it must return one number")
    value = rows[0][0] if rows[0] else None
    if value is None:
        raise QueryFailed("returned no value (NULL); if no rows means zero, use coalesce(sum(…), 0)")
    if isinstance(value, bool):
        raise QueryFailed(f"returned {str(value).lower()}, not a number")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            shown = value if len(value) <= 40 else value[:39] + "…"
            raise QueryFailed(f"returned '{shown}', not a number") from None
    else:
        raise QueryFailed(f"returned a {type(value).__name__}, not a number")
    if not math.isfinite(number):
        raise QueryFailed(f"returned {value}, not a finite number")
    return number


def _where(url: URL) -> str:
    """Which database, without user or password: a host and database name, or SQLite's file."""
    if url.get_backend_name() == "sqlite" or url.drivername == "sqlite":
        return url.database or "an in-memory SQLite database"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database or ''}"


def _reason(error: BaseException, url: URL) -> str:
    """The database's own first line about what went wrong, cut short, any password masked."""
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason if len(reason) <= REASON_MAX else reason[: REASON_MAX - 1] + "…"
