"""The tracker at scale: App Home and the daily reminder job with 100,000 issues in one workspace,
among 1,000 workspaces in one database, beside plain indexed queries on the same data.

Run with `make bench` (or `python -m tests.bench.tracker [--postgres] [--big N] [--workspaces N]`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, insert, select, text, true
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.config import load_settings
from bot.db import Database
from bot.issues import Category, IssueView, Priority, Status
from bot.models import Issue, Workspace
from bot.scheduling import Ledger
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from handlers.context import Admins
from handlers.home import Home
from jobs import timetable
from jobs.scheduler import Due, JobContext

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # a Tuesday, 09:00 in Paris: reminders are due
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PEOPLE = [f"U0P{n:04d}" for n in range(200)]
BATCH = 20_000


class QuietSlack:
    """Stands in for Slack's Web API so only Tandem's own work is timed: it answers and forgets."""

    def views_publish(self, **_: Any) -> dict[str, Any]:
        return {"ok": True}

    def chat_postMessage(self, **_: Any) -> dict[str, Any]:
        return {"ok": True, "ts": "1.0"}

    def users_info(self, user: str) -> dict[str, Any]:
        return {"ok": True, "user": {"id": user, "is_admin": False}}


def add_workspaces(session: Session, team_ids: Iterable[str], met: datetime) -> None:
    """Workspaces Tandem met at `met`, one a team id, in one statement."""
    rows = [{"team_id": t, "enterprise_id": "", "last_issue_number": 0, "created_at": met} for t in team_ids]
    session.execute(insert(Workspace), rows)


def seed(database: Database, *, workspaces: int, big: int, small: int) -> list[WorkspaceKey]:
    """Workspaces T0000 (the big one, `big` issues) to T…, each other with `small` issues."""
    rng = random.Random(7)
    statuses = [s.value for s in Status]
    weights = [40, 20, 10, 20, 10]
    keys = [WorkspaceKey(f"T{n:05d}") for n in range(workspaces)]
    with database.transaction() as session:
        add_workspaces(session, [k.team_id for k in keys], NOW)
        ids = dict(session.execute(select(Workspace.team_id, Workspace.id)).all())
    rows: list[dict[str, Any]] = []
    for key in keys:
        count = big if key == keys[0] else small
        for number in range(1, count + 1):
            raised = NOW - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            status = rng.choices(statuses, weights)[0]
            priority = rng.choice(list(Priority))
            rows.append(
                {
                    "workspace_id": ids[key.team_id],
                    "number": number,
                    "title": f"Issue {number} about pricing and leads",
                    "details": "",
                    "category": rng.choice(list(Category)).value,
                    "priority": priority.value,
                    "priority_rank": priority.rank,
                    "status": status,
                    "is_open": Status(status).is_open,
                    "owner_id": rng.choice(PEOPLE) if rng.random() < 0.85 else None,
                    "due_on": (raised + timedelta(days=rng.randrange(60))).date()
                    if rng.random() < 0.5
                    else None,
                    "raised_by": rng.choice(PEOPLE),
                    "raised_by_team": rng.choice(["sales", "marketing", None]),
                    "raised_at": raised,
                    "updated_at": raised + timedelta(days=rng.randrange(30)),
                    "closed_at": None if Status(status).is_open else raised + timedelta(days=3),
                    "version": 1,
                    "comment_count": 0,
                }
            )
            if len(rows) >= BATCH:
                _insert(database, rows)
    _insert(database, rows)
    with database.transaction() as session:
        session.execute(text("UPDATE workspaces SET last_issue_number = 1"))  # any value: not used here
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    return keys


def _insert(database: Database, rows: list[dict[str, Any]]) -> None:
    if rows:
        with database.transaction() as session:
            session.execute(insert(Issue), rows)
        rows.clear()


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm caches, as a running server's would be
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def plain_home_query(database: Database, workspace_id: int) -> Callable[[], object]:
    """The least any App Home must ask: one page of the six most urgent open issues, one query."""

    def run() -> object:
        with database.transaction() as session:
            return session.scalars(
                select(Issue)
                .where(Issue.workspace_id == workspace_id, Issue.is_open == true())
                .order_by(Issue.priority_rank, Issue.raised_at)
                .limit(6)
            ).all()

    return run


def plain_reminder_query(database: Database, workspace_id: int, today: date) -> Callable[[], object]:
    """The least a reminder job must ask: how many overdue open issues each owner has, one GROUP BY."""

    def run() -> object:
        with database.transaction() as session:
            return session.execute(
                select(Issue.owner_id, func.count())
                .where(
                    Issue.workspace_id == workspace_id,
                    Issue.is_open == true(),
                    Issue.due_on < today,
                    Issue.owner_id.is_not(None),
                )
                .group_by(Issue.owner_id)
            ).all()

    return run


def query_plans(database: Database, workspace_id: int) -> list[tuple[str, str]]:
    """How SQLite or PostgreSQL means to answer App Home's main queries (a table scan would show)."""
    asks = {
        "open, most urgent first": "SELECT * FROM issues WHERE workspace_id = :w AND is_open = :t "
        "ORDER BY priority_rank, raised_at LIMIT 6",
        "mine": "SELECT * FROM issues WHERE workspace_id = :w AND owner_id = 'U0P0001' AND is_open = :t "
        "ORDER BY priority_rank, raised_at LIMIT 6",
        "overdue": "SELECT * FROM issues WHERE workspace_id = :w AND is_open = :t AND due_on < '2026-11-24' "
        "ORDER BY due_on, priority_rank, raised_at LIMIT 6",
    }
    explain = "EXPLAIN QUERY PLAN " if database.engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = []
    with database.engine.connect() as connection:
        for name, sql in asks.items():
            lines = connection.execute(text(explain + sql), {"w": workspace_id, "t": True}).all()
            plan = " | ".join(str(line[-1]) for line in lines)
            plans.append((name, plan))
    return plans


def reminder_job(services: Services, database: Database, key: WorkspaceKey) -> Callable[[], object]:
    """The real daily job for one workspace, its ledger cleared between runs so each run does it all."""
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench", "TANDEM_TIMEZONE": "Europe/Paris"},
        env_file=None,
    )
    [daily] = [row for row in timetable(settings) if row.job == "issues.reminders"]
    ledger = Ledger(database, services.workspaces, lambda: NOW, retake_after=timedelta(minutes=30))
    context = JobContext(services, QuietSlack(), settings, ledger, "bench")  # type: ignore[arg-type]
    workspace = services.workspaces.settings_for(key)
    occurrence = daily.routine.due(NOW, workspace.timezone, timedelta(hours=6))
    assert occurrence is not None, "the bench's clock must sit inside the reminders' window"
    due = Due(daily.job, workspace, occurrence)

    def run() -> object:
        with database.transaction() as session:
            session.execute(text("DELETE FROM job_runs"))
        return daily.run(context, due)

    return run


@contextmanager
def bench_database(postgres: bool) -> Iterator[Database]:
    if not postgres:
        with tempfile.TemporaryDirectory() as folder:
            database = Database.at(f"sqlite:///{Path(folder) / 'bench.db'}")
            database.upgrade()
            yield database
            database.dispose()
        return
    name = f"tandem_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        database = Database.at(make_url(POSTGRES).set(database=name).render_as_string(hide_password=False))
        database.upgrade()
        yield database
        database.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument("--big", type=int, default=100_000, help="issues in the big workspace")
    parser.add_argument("--workspaces", type=int, default=1_000)
    parser.add_argument("--small", type=int, default=100, help="issues in each other workspace")
    parser.add_argument("--repeat", type=int, default=15)
    arguments = parser.parse_args(argv)

    with bench_database(arguments.postgres) as database:
        started = time.perf_counter()
        keys = seed(database, workspaces=arguments.workspaces, big=arguments.big, small=arguments.small)
        total = arguments.big + (arguments.workspaces - 1) * arguments.small
        dialect = database.engine.dialect.name
        print(
            f"Tracker at scale on {dialect}: {arguments.workspaces} workspaces, {total:,} issues "
            f"({arguments.big:,} in one), seeded in {time.perf_counter() - started:.1f} s\n"
        )
        services = build_services(database, WorkspaceDefaults("Europe/Paris", "C0TRACKER"), lambda: NOW)
        home = Home(services, Admins(()))
        slack: Any = QuietSlack()
        with database.transaction() as session:
            ids = dict(session.execute(select(Workspace.team_id, Workspace.id)).all())
        big, small = keys[0], keys[len(keys) // 2]
        owner = PEOPLE[1]
        rows = [
            (
                "App Home overview, big workspace",
                lambda: home.publish(slack, big, owner),
                plain_home_query(database, ids[big.team_id]),
            ),
            (
                "App Home 'open' list, big workspace",
                lambda: home.publish(slack, big, owner, view=IssueView.OPEN),
                plain_home_query(database, ids[big.team_id]),
            ),
            (
                "App Home overview, small workspace",
                lambda: home.publish(slack, small, owner),
                plain_home_query(database, ids[small.team_id]),
            ),
            (
                "Reminder job, big workspace",
                reminder_job(services, database, big),
                plain_reminder_query(database, ids[big.team_id], NOW.date()),
            ),
            (
                "Reminder job, small workspace",
                reminder_job(services, database, small),
                plain_reminder_query(database, ids[small.team_id], NOW.date()),
            ),
        ]
        print(f"{'what':40} {'median ms':>10} {'p95 ms':>9} {'baseline ms':>12} {'ratio':>7}")
        for name, tandem, baseline in rows:
            median, p95 = summary(timed(tandem, arguments.repeat))
            base, _ = summary(timed(baseline, arguments.repeat))
            outcome = tandem()
            sent = f"  ({outcome})" if isinstance(outcome, str) and outcome else ""
            print(f"{name:40} {median:10.2f} {p95:9.2f} {base:12.2f} {median / base:6.1f}x{sent}")
        print(
            "\nBaselines, one indexed query each: a page of the six most urgent open issues (App Home);"
            "\neach owner's count of overdue open issues (reminders). The reminder job also renders one"
            "\ndirect message per owner and records it exactly once in the ledger: its cost follows the"
            "\nnumber of owners reminded (shown beside it), not the number of issues."
            "\nQuery plans in the big workspace:"
        )
        for name, plan in query_plans(database, ids[big.team_id]):
            print(f"  {name}: {plan[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
