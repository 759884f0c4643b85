"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.db import Database

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


class FixedClock:
    """A clock tests move by hand; services read it instead of the wall clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "tandem.db"
    database = Database.at(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


def _admin_dsn() -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database that each test's database is copied from."""
    try:
        admin = psycopg.connect(_admin_dsn(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("TANDEM_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but unreachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set TANDEM_TEST_POSTGRES_URL)")
    name = f"tandem_template_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        database = Database.at(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
        database.upgrade()
        database.dispose()
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of its own for this test."""
    if request.param == "sqlite":
        path = tmp_path / "tandem.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"tandem_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database.at(database_url)
    yield database
    database.dispose()
