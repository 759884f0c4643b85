"""Wins at scale: three years of wins in each of 1,000 workspaces (about 3.9 million wins and 7.6 million
thank-yous), the leaderboard's time per workspace for a week, a month and a quarter beside a plain
indexed GROUP BY on the same rows, the weekly recap's, and how the database reads them.

Run with `make bench` (or `python -m tests.bench.wins [--workspaces N] [--years N] [--no-postgres]`).
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
from datetime import time as clock_time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
from sqlalchemy import func, select, text

from bot.db import Database
from bot.models import Base, Workspace
from bot.scheduling import due_instant, week_key
from bot.services import build_services
from bot.wins import Leaderboard, Period, Recap, WinKind
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.bench.digest import alternately, measured_on_each_database, query_plans
from tests.bench.tracker import add_workspaces, summary

# Friday 16:00 in Paris late in Q4: the recap's moment, and a quarter of eleven weeks to read.
NOW = datetime(2026, 12, 18, 15, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Paris")
WINS, THANKS = Base.metadata.tables["wins"], Base.metadata.tables["win_thanks"]
WIN_COLUMNS = tuple(column.name for column in WINS.columns)
THANKS_COLUMNS = tuple(column.name for column in THANKS.columns)
NULL = "\\N"  # COPY's text format for NULL
CARDS = "C0WINSCHANNEL"

# A sales and marketing organisation of 50 on Slack: 25 in sales, 15 in marketing, 5 on another team
# and 5 on none. They post about 5 wins a working day (each workspace its own pace, from one every
# other day to over 15), each thanking 1 to 3 colleagues (1.95 on average), between 08:00 and 19:00.
TEAMS = ("sales",) * 25 + ("marketing",) * 15 + ("other",) * 5 + (None,) * 5
PEOPLE = tuple(f"U0P{n:04d}" for n in range(len(TEAMS)))
WINS_A_WORKDAY = 5.0
THANKED_SHARES = (0.35, 0.35, 0.30)  # 1, 2 or 3 people thanked
KINDS = {
    WinKind.CLOSED_DEAL: 0.35,
    WinKind.GREAT_LEAD: 0.2,
    WinKind.CAMPAIGN_RESULT: 0.15,
    WinKind.CUSTOMER_SAVED: 0.1,
    WinKind.LAUNCH: 0.05,
    WinKind.OTHER: 0.15,
}
TEXTS = (
    "Closed the renewal two weeks early: the case study from the webinar did the convincing.",
    "The nurture campaign brought back three accounts we had lost last year; two are in trials now.",
    "Signed the pilot after the product demo: security review passed on the first try.",
    "Record attendance at the partner webinar, 40% of sign-ups from target accounts.",
    "Saved the account: the new onboarding deck answered every objection their team had.",
    "A lead from the trade show turned into the biggest deal of the quarter.",
    "Launched the pricing page on time, with the sales talk track ready the same morning.",
    "Thanks for jumping on the RFP over the weekend: we made the shortlist.",
)
ACCOUNTS = tuple(
    f"{name} {suffix}"
    for name in ("Acme", "Globex", "Initech", "Umbrella", "Hooli")
    for suffix in ("Corp", "GmbH", "SA", "Ltd")
)
_TEAM_CODE = {"sales": 0, "marketing": 1, "other": 2, None: 3}  # 0 and 1 are the teams that cross


# Seeding


@dataclass(frozen=True)
class Seeding:
    dialect: str
    workspaces: int
    wins: int
    thanks: int
    days: tuple[date, date]
    seconds: float  # all of it: workspaces, rows, statistics
    load_seconds: float  # the rows alone, with every index in place


def workdays(years: int) -> list[date]:
    """Monday to Friday for `years` years, through the day before NOW."""
    last = NOW.astimezone(ZONE).date() - timedelta(days=1)
    first = last - timedelta(days=round(365.25 * years) - 1)
    every = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in every if day.weekday() < 5]


@dataclass(frozen=True)
class Batch:
    """One workspace's wins and thank-yous, column by column, ids assigned."""

    wins: dict[str, list[Any]]
    thanks: dict[str, list[Any]]


class Generator:
    """Every workspace's history, made the same way for each database (one seed), a workspace at a time."""

    def __init__(self, days: Sequence[date], *, rate: float, postgres: bool) -> None:
        self._rng = np.random.default_rng(48)
        # Each working day's local midnight, in microseconds since the epoch (UTC).
        self._midnights = np.array(
            [int(due_instant(day, clock_time(), ZONE).timestamp()) * 1_000_000 for day in days],
            dtype=np.int64,
        )
        self._rate = rate
        self._postgres = postgres
        self._teams = np.array([_TEAM_CODE[team] for team in TEAMS])
        self._team_names = np.array(TEAMS, dtype=object)
        self._people = np.array(PEOPLE, dtype=object)
        self._kinds = np.array([kind.value for kind in KINDS], dtype=object)
        self._texts = np.array(TEXTS, dtype=object)
        self._accounts = np.array(ACCOUNTS, dtype=object)
        self.next_win = 1
        self.next_thanks = 1

    def workspace(self, workspace_id: int) -> Batch:
        rng, people = self._rng, len(PEOPLE)
        pace = rng.gamma(2.0, self._rate / 2.0)  # this workspace's wins a working day
        counts = rng.poisson(pace, size=len(self._midnights))
        n = int(counts.sum())
        # Between 08:00 and 19:00 local (the working days hold no clock change), oldest first.
        created = np.sort(
            np.repeat(self._midnights, counts) + rng.integers(8 * 3600 * 10**6, 19 * 3600 * 10**6, size=n)
        )
        authors = rng.integers(0, people, size=n)
        thanked = rng.choice(3, size=n, p=THANKED_SHARES) + 1
        # Three distinct people other than the author: the three smallest of random keys, as offsets.
        offsets = np.argpartition(rng.random((n, people - 1)), 2, axis=1)[:, :3] + 1
        receivers = (authors[:, None] + offsets) % people
        chosen = np.arange(3)[None, :] < thanked[:, None]
        kinds = rng.choice(len(KINDS), size=n, p=list(KINDS.values()))
        closed = kinds == 0
        amounts = np.where(closed, np.round(rng.lognormal(10.0, 1.0, size=n), -2), np.nan)
        has_account = closed | (rng.random(n) < 0.4)
        accounts = np.where(has_account, self._accounts[rng.integers(0, len(ACCOUNTS), size=n)], "")
        ids = np.arange(self.next_win, self.next_win + n)
        self.next_win += n

        stamps = self.stamps(created)
        seconds, micros = np.divmod(created, 1_000_000)
        card_ts = [f"{s}.{m:06d}" for s, m in zip(seconds.tolist(), micros.tolist(), strict=True)]
        wins = {
            "id": ids.tolist(),
            "workspace_id": [workspace_id] * n,
            "author_id": self._people[authors].tolist(),
            "author_team": self._team_names[authors].tolist(),
            "text": self._texts[rng.integers(0, len(TEXTS), size=n)].tolist(),
            "kind": self._kinds[kinds].tolist(),
            "account": accounts.tolist(),
            "amount": [None if np.isnan(a) else a for a in amounts.tolist()],
            "currency": ["EUR" if c else None for c in closed.tolist()],
            "source_permalink": [None] * n,
            "request_key": [f"bench-{i}" for i in ids.tolist()],
            "created_at": stamps,
            "edited_at": [None] * n,
            "card_channel": [CARDS] * n,
            "card_ts": card_ts,
            "card_permalink": [
                f"https://bench.slack.com/archives/{CARDS}/p{ts.replace('.', '')}" for ts in card_ts
            ],
        }

        # One row a person thanked, in the order of the wins.
        which = np.repeat(np.arange(n), thanked)
        receiver = receivers[chosen]
        giver = authors[which]
        giver_team, receiver_team = self._teams[giver], self._teams[receiver]
        crossing = (giver_team < 2) & (receiver_team < 2) & (giver_team != receiver_team)
        m = len(which)
        thanks = {
            "id": list(range(self.next_thanks, self.next_thanks + m)),
            "workspace_id": [workspace_id] * m,
            "win_id": ids[which].tolist(),
            "giver_id": self._people[giver].tolist(),
            "giver_team": self._team_names[giver].tolist(),
            "receiver_id": self._people[receiver].tolist(),
            "receiver_team": self._team_names[receiver].tolist(),
            "given_at": [stamps[i] for i in which.tolist()],
            "cross_team": (
                crossing.astype(int) if not self._postgres else np.where(crossing, "t", "f")
            ).tolist(),
        }
        self.next_thanks += m
        return Batch(wins, thanks)

    def stamps(self, created: np.ndarray) -> list[str]:
        """Instants as each database is handed them: SQLite's text as SQLAlchemy stores it, PostgreSQL's
        timestamptz input."""
        iso = np.datetime_as_string(created.astype("datetime64[us]"), unit="us")
        if self._postgres:
            return [f"{stamp}+00" for stamp in iso.tolist()]
        return [stamp.replace("T", " ") for stamp in iso.tolist()]


def seed(database: Database, *, workspaces: int, years: int, rate: float) -> Seeding:
    """`workspaces` workspaces, each with `years` years of wins through the day before NOW."""
    started = time.perf_counter()
    postgres = database.engine.dialect.name == "postgresql"
    with database.transaction() as session:
        add_workspaces(session, [f"T{n:05d}" for n in range(workspaces)], NOW)
        ids = list(session.scalars(select(Workspace.id).order_by(Workspace.id)))
    days = workdays(years)
    generator = Generator(days, rate=rate, postgres=postgres)
    _check_stamps(database, generator)
    _progress(f"{workspaces:,} workspaces; loading {years} years of wins, every index in place")
    loading = time.perf_counter()
    if postgres:
        _copy(database, generator, ids)
    else:
        _insert(database, generator, ids)
    load_seconds = time.perf_counter() - loading
    wins, thanks = generator.next_win - 1, generator.next_thanks - 1
    _progress(f"{wins:,} wins and {thanks:,} thank-yous loaded in {load_seconds:.0f} s")
    if postgres:
        _settle(database)
    return Seeding(
        dialect=database.engine.dialect.name,
        workspaces=workspaces,
        wins=wins,
        thanks=thanks,
        days=(days[0], days[-1]),
        seconds=time.perf_counter() - started,
        load_seconds=load_seconds,
    )


def _progress(line: str) -> None:
    print(f"    {line}", file=sys.stderr, flush=True)


def _check_stamps(database: Database, generator: Generator) -> None:
    """SQLite compares instants as text: ours must be exactly what SQLAlchemy would have stored."""
    if database.engine.dialect.name != "sqlite":
        return
    dialect = database.engine.dialect
    process = THANKS.c.given_at.type.dialect_impl(dialect).bind_processor(dialect)
    moment = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    ours = generator.stamps(np.array([int(moment.timestamp() * 1_000_000)], dtype=np.int64))[0]
    if process is None or process(moment) != ours:
        raise RuntimeError(f"SQLite stores {moment} as {process and process(moment)!r}, not {ours!r}")


def _rows(columns: dict[str, list[Any]], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The rows, their values in the order of `names`."""
    return zip(*(columns[name] for name in names), strict=True)


def _insert(database: Database, generator: Generator, workspace_ids: Sequence[int]) -> None:
    """SQLite: every row in one transaction, through executemany, a workspace at a time."""
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        # Room for the indexes' pages while loading (1 GB, this connection only), so SQLite does not
        # spill and reread them; then one BEGIN and one COMMIT (bot.db leaves transactions to us).
        connection.execute("PRAGMA cache_size = -1000000")
        connection.execute("BEGIN")
        wins_sql, thanks_sql = _insert_sql(WINS.name, WIN_COLUMNS), _insert_sql(THANKS.name, THANKS_COLUMNS)
        for workspace_id in workspace_ids:
            batch = generator.workspace(workspace_id)
            connection.executemany(wins_sql, _rows(batch.wins, WIN_COLUMNS))
            connection.executemany(thanks_sql, _rows(batch.thanks, THANKS_COLUMNS))
        connection.execute("COMMIT")
        connection.execute("PRAGMA cache_size = -2000")  # SQLite's default again, as Tandem runs it
    finally:
        raw.close()


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def _copy(database: Database, generator: Generator, workspace_ids: Sequence[int]) -> None:
    """PostgreSQL: COPY, in one transaction, CHUNK workspaces at a time: their wins, then their
    thank-yous (which must find their wins), so only a chunk's lines wait in memory."""
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, psycopg.Connection)
        with connection.cursor() as cursor:
            for start in range(0, len(workspace_ids), CHUNK):
                batches = [generator.workspace(i) for i in workspace_ids[start : start + CHUNK]]
                for table, names, part in (
                    (WINS.name, WIN_COLUMNS, "wins"),
                    (THANKS.name, THANKS_COLUMNS, "thanks"),
                ):
                    with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                        for batch in batches:
                            copy.write(_lines(getattr(batch, part), names))
            # The ids were given: the sequences carry on after them.
            for table in (WINS.name, THANKS.name):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        raw.commit()
    finally:
        raw.close()


CHUNK = 50


def _lines(columns: dict[str, list[Any]], names: Sequence[str]) -> str:
    """COPY's text format, a column at a time; the generated values hold no tab, newline or backslash
    to escape."""
    texts = [[NULL if value is None else str(value) for value in columns[name]] for name in names]
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def _settle(database: Database) -> None:
    """PostgreSQL: statistics for the planner, and the vacuum autovacuum would otherwise start in the
    middle of the timings. (SQLite gets none, as in production: Tandem never runs ANALYZE there.)"""
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) wins"))
        connection.execute(text("VACUUM (ANALYZE) win_thanks"))


# Measuring


@dataclass(frozen=True)
class Timed:
    """One period's timings over the sampled workspaces (ms), and the thank-yous each read."""

    name: str
    first_times: list[float]  # each workspace's first call
    times: list[float]
    plain_times: list[float]
    rows: list[int]


@dataclass(frozen=True)
class Measured:
    seeding: Seeding
    timed: list[Timed]
    plans: list[tuple[str, list[str]]]  # Tandem's: a quarter's leaderboard, then a week's recap
    plain_plan: list[tuple[str, list[str]]]
    beyond: list[str]  # Tandem's queries reading wins or win_thanks beyond a period: none, we hope


def plain_group_by(database: Database, workspace_id: int, since: datetime) -> Callable[[], object]:
    """The least any leaderboard must ask: each receiver's thank-yous since the period began."""

    def run() -> object:
        with database.transaction() as session:
            return session.execute(
                select(THANKS.c.receiver_id, func.count())
                .where(THANKS.c.workspace_id == workspace_id, THANKS.c.given_at >= since)
                .group_by(THANKS.c.receiver_id)
            ).all()

    return run


def measure(database: Database, arguments: argparse.Namespace) -> Measured:
    seeding = seed(database, workspaces=arguments.workspaces, years=arguments.years, rate=arguments.rate)
    services = build_services(database, WorkspaceDefaults(ZONE.key, None), lambda: NOW)
    wins = services.wins
    with database.transaction() as session:
        ids = dict(session.execute(select(Workspace.team_id, Workspace.id)).all())
    sample = random.Random(28).sample(sorted(ids), min(arguments.sample, len(ids)))
    week = week_key(NOW.astimezone(ZONE).date())
    reads: list[tuple[str, Callable[[WorkspaceKey], Leaderboard | Recap]]] = [
        *((f"leaderboard, {period.value}", partial(wins.leaderboard, period=period)) for period in Period),
        (f"recap, {week}", partial(wins.recap, week=week)),
    ]
    timed = [_timed(database, ids, sample, what, read, arguments.repeat) for what, read in reads]
    key, workspace_id = WorkspaceKey(sample[0]), ids[sample[0]]
    since = due_instant(wins.leaderboard(key, Period.QUARTER).starts_on, clock_time(), ZONE)
    plans = [
        *query_plans(database, lambda: wins.leaderboard(key, Period.QUARTER)),
        *query_plans(database, lambda: wins.recap(key, week)),
    ]
    return Measured(
        seeding=seeding,
        timed=timed,
        plans=plans,
        plain_plan=query_plans(database, plain_group_by(database, workspace_id, since)),
        beyond=_beyond_a_period(plans),
    )


def _timed(
    database: Database,
    ids: dict[str, int],
    sample: Sequence[str],
    what: str,
    read: Callable[[WorkspaceKey], Leaderboard | Recap],
    repeat: int,
) -> Timed:
    """`read` of each sampled workspace: its first call, then calls taking turns with the plain
    group-by over the same period; the rows it counted (thanks on a leaderboard, a recap's wins)."""
    firsts, times, plains, rows = [], [], [], []
    for team_id in sample:
        key = WorkspaceKey(team_id)
        started = time.perf_counter()
        first = read(key)
        firsts.append((time.perf_counter() - started) * 1000)
        plain = plain_group_by(database, ids[team_id], due_instant(first.starts_on, clock_time(), ZONE))
        ours, theirs = alternately(partial(read, key), plain, repeat)
        times += ours
        plains += theirs
        rows.append(first.thanks if isinstance(first, Leaderboard) else first.total)
    return Timed(what, firsts, times, plains, rows)


# The indexes that read a period of a workspace's wins or thank-yous (its time is their second column),
# or the thank-yous of given wins: every other index of the two tables reads beyond a period.
PERIOD_INDEXES = frozenset(
    str(index.name)
    for table in (WINS, THANKS)
    for index in table.indexes
    if [column.name for column in index.columns]
    in (["workspace_id", "created_at"], ["workspace_id", "given_at"], ["win_id"])
)
OTHER_INDEXES = (
    frozenset(str(index.name) for table in (WINS, THANKS) for index in table.indexes) - PERIOD_INDEXES
)
# A whole table read: "SCAN win_thanks" (also "SCAN wins USING INDEX …", a whole index) on SQLite,
# "Seq Scan on win_thanks" on PostgreSQL.
_WHOLE = re.compile(r"\bSCAN (wins|win_thanks)\b|Seq Scan on (wins|win_thanks)\b")
_INDEX = re.compile(r"\b(ix_\w+)")


def _beyond_a_period(plans: Sequence[tuple[str, list[str]]]) -> list[str]:
    """The queries that read wins or win_thanks other than through a period's range of an index."""
    return [
        query
        for query, lines in plans
        if any(_WHOLE.search(line) or set(_INDEX.findall(line)) & OTHER_INDEXES for line in lines)
    ]


# Reporting


def report(runs: Sequence[Measured], arguments: argparse.Namespace) -> str:
    first = runs[0].seeding
    lines = [
        f"Wins at scale: {first.workspaces:,} workspaces of 50 people, about {arguments.rate:g} wins a "
        f"working day each (each its own pace), from {first.days[0]:%d %b %Y} to {first.days[1]:%d %b %Y}: "
        f"{first.wins:,} wins, {first.thanks:,} thank-yous ({first.thanks / first.wins:.2f} a win).",
        f"Timed at {NOW.astimezone(ZONE):%a %d %b %Y %H:%M} Paris on "
        f"{min(arguments.sample, first.workspaces)} sampled workspaces: each one's first call, then "
        f"{arguments.repeat} calls and {arguments.repeat} plain group-bys taking turns.",
        "",
        f"{'database':11} {'read':19} {'thanks read':>11} {'Tandem ms':>13} {'first call ms':>14} "
        f"{'plain ms':>13} {'ratio':>6}",
        f"{'':11} {'':19} {'median':>11} {'median / p95':>13} {'median / p95':>14} {'median / p95':>13}",
    ]
    for run in runs:
        for timed in run.timed:
            ours, firsts, plain = summary(timed.times), summary(timed.first_times), summary(timed.plain_times)
            rows = sorted(timed.rows)[len(timed.rows) // 2]
            lines.append(
                f"{_name(run.seeding.dialect):11} {timed.name:19} {rows:11,} {_pair(ours):>13} "
                f"{_pair(firsts):>14} {_pair(plain):>13} {ours[0] / plain[0]:5.1f}x"
            )
    lines += [
        "",
        "thanks read: the period's thank-yous in the median workspace (for the recap: the week's wins).",
        "Tandem: services.wins.leaderboard(key, period): the workspace and its timezone, then three",
        "GROUP BYs (most thanked, most generous, team to team) and a count of wins, each over the period's",
        "range of (workspace_id, given_at) or (workspace_id, created_at). services.wins.recap(key, week):",
        "the week's wins, their count and the most thanked, and five weeks' cross-team thanks in one",
        "grouped read.",
        "Plain: SELECT receiver_id, count(*) FROM win_thanks WHERE workspace_id = ? AND given_at >= ?",
        "GROUP BY receiver_id over the same period: the least any leaderboard must ask.",
        "",
        "Loading (every index in place; SQLite: executemany in one transaction, PostgreSQL: COPY):",
    ]
    for run in runs:
        seeding = run.seeding
        rows = seeding.wins + seeding.thanks
        lines.append(
            f"  {_name(seeding.dialect):11} {rows:,} rows in {seeding.load_seconds:.0f} s "
            f"({rows / seeding.load_seconds:,.0f} rows/s); {seeding.seconds:.0f} s with the statistics"
        )
    for run in runs:
        lines.append(
            f"\nQuery plans on {_name(run.seeding.dialect)}: a quarter's leaderboard, a week's recap, "
            "then the plain group-by."
        )
        for query, plan in [*run.plans, *run.plain_plan]:
            lines.append(f"  {query[:150]}{' …' if len(query) > 150 else ''}")
            lines += [f"      {line}" for line in plan]
        through = ", ".join(sorted(PERIOD_INDEXES))
        verdict = (
            f"every query of wins and win_thanks reads its period's range of an index ({through}): PASS"
            if not run.beyond
            else f"FAIL: {len(run.beyond)} queries read wins or win_thanks beyond their period"
        )
        lines.append(f"  Tandem on {_name(run.seeding.dialect)}: {verdict}")
        indexes = sorted({i for _, plan in run.plain_plan for line in plan for i in _INDEX.findall(line)})
        if _beyond_a_period(run.plain_plan):
            lines.append(
                f"  The plain group-by, as the planner chose, walks the entries of the workspace's whole "
                f"history in {', '.join(indexes)} (covering, so no table reads): cheap at this size, but it "
                "grows with the years; Tandem's reads do not."
            )
    return "\n".join(lines)


def _pair(times: tuple[float, float]) -> str:
    return f"{times[0]:.1f} / {times[1]:.1f}"


def _name(dialect: str) -> str:
    return "PostgreSQL" if dialect == "postgresql" else "SQLite"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=1_000)
    parser.add_argument("--years", type=int, default=3, help="years of wins before NOW")
    parser.add_argument("--rate", type=float, default=WINS_A_WORKDAY, help="wins a working day, on average")
    parser.add_argument("--sample", type=int, default=50, help="workspaces whose reads are timed")
    parser.add_argument("--repeat", type=int, default=5, help="calls timed per sampled workspace and read")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    arguments = parser.parse_args(argv)
    runs = measured_on_each_database(arguments, measure, report)
    return 0 if not any(run.beyond for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
