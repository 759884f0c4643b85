"""Field-note search at scale: 200,000 notes in one workspace (and a few small ones), their text drawn
from a Zipf-like vocabulary, searched through `services.fieldnotes.search` (SQLite FTS5, PostgreSQL
tsvector/GIN) beside a plain `LIKE '%word%'` scan of the same rows, with how each database reads them.

Run with `make bench` (or `python -m tests.bench.fieldnotes [--notes N] [--repeat N] [--no-postgres]`;
`--notes 5000 --repeat 3` is a quick run).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import and_, func, or_, select, text

from bot.db import Database
from bot.fieldnotes import VisitKind
from bot.models import Base, Workspace
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.bench.digest import alternately, measured_on_each_database, query_plans
from tests.bench.tracker import add_workspaces, summary

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
NOTES = Base.metadata.tables["field_notes"]
COLUMNS = tuple(column.name for column in NOTES.columns)
SEARCHED = ("account", "met", "heard", "competitors", "feedback", "follow_up_text")  # migration 0006's
NULL = "\\N"  # COPY's text format for NULL
BIG = "T00000"
PEOPLE = tuple(f"U0P{n:04d}" for n in range(40))

# The words sales and marketing write about customers, most common first; past them, a long tail of
# made-up words (product names, places, jargon) so some words are rare. Drawn with weights 1/rank^1.1.
COMMON = (  # noqa: SIM905 - a paragraph reads better than 110 quoted words
    "the they want to and a of for we in is on our with their about it need team pricing renewal "
    "integration sso security demo budget quarter trial onboarding contract roadmap support price "
    "reporting dashboard migration competitor procurement legal review approval pilot rollout users "
    "seats licence discount expansion churn risk data export api mobile analytics workflow training "
    "champion decision maker cfo cto it head marketing sales partner event webinar campaign lead "
    "feedback slow fast easy hard missing feature request bug performance compliance gdpr audit "
    "invoice billing upgrade downgrade cancel deadline next steps follow call meeting visit booth "
    "conference visitors interest shortlist rfp proposal quote negotiation signed lost won"
).split()
TAIL_WORDS = 30_000
ZIPF = 1.1
ACCOUNTS = tuple(
    f"{name} {suffix}"
    for name in ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Soylent")
    for suffix in ("Corp", "GmbH", "SA", "Ltd", "Group", "Labs")
)
COMPETITORS = ("Globex", "Initech", "Hooli", "Pied Piper", "Vandelay", "Massive Dynamic")
ROLES = ("head of IT", "CFO", "procurement lead", "marketing director", "VP sales", "CTO")
KINDS = tuple(kind.value for kind in VisitKind)


def vocabulary(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every word, most common first, and the chance of each."""
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    made_up = {"".join(rng.choice(letters, size=int(rng.integers(5, 11)))) for _ in range(TAIL_WORDS)}
    words = np.array([*COMMON, *sorted(made_up - set(COMMON))], dtype=object)
    weights = 1.0 / np.arange(1, len(words) + 1) ** ZIPF
    return words, weights / weights.sum()


@dataclass(frozen=True)
class Queries:
    """What is searched: each chosen from the vocabulary's ranks, the same on each database."""

    common: str
    rare: str
    two: str
    prefix: str

    def items(self) -> list[tuple[str, str]]:
        return [
            ("common word", self.common),
            ("rare word", self.rare),
            ("two words", self.two),
            ("prefix", self.prefix),
        ]


class Generator:
    """Notes, column by column, made the same way on each database (one seed)."""

    def __init__(self, *, postgres: bool) -> None:
        self._rng = np.random.default_rng(77)
        self.words, self.chances = vocabulary(self._rng)
        self._postgres = postgres
        self.next_id = 1

    def queries(self) -> Queries:
        words = self.words
        rare = words[len(words) // 3]  # about one note in a few thousand holds it
        # The start of a long word past rank 35: the words it starts, common and rare, all match.
        long = next(word for word in words[35:] if len(word) >= 8)
        return Queries(common=words[20], rare=rare, two=f"{words[30]} {words[45]}", prefix=long[:5])

    def text(self, counts: np.ndarray) -> list[str]:
        """One text a count, of that many words drawn by frequency."""
        drawn = self._rng.choice(self.words, size=int(counts.sum()), p=self.chances)
        ends = np.cumsum(counts)
        return [" ".join(drawn[end - n : end]) for n, end in zip(counts.tolist(), ends.tolist(), strict=True)]

    def notes(self, workspace_id: int, n: int) -> dict[str, list[Any]]:
        rng = self._rng
        ids = list(range(self.next_id, self.next_id + n))
        self.next_id += n
        # Three years of notes, oldest first, so ids grow with time as they do in Tandem.
        seconds = np.sort(rng.integers(0, 3 * 365 * 86400, size=n))
        created = [NOW - timedelta(seconds=int(s)) for s in seconds[::-1].tolist()]
        authors = rng.integers(0, len(PEOPLE), size=n)
        follow_ups = rng.integers(0, 4, size=n)
        lines = self.text(rng.integers(3, 9, size=int(follow_ups.sum())))
        follow_up_text, at = [], 0
        for count in follow_ups.tolist():
            follow_up_text.append("\n".join(lines[at : at + count]))
            at += count
        accounts = [ACCOUNTS[i] for i in rng.integers(0, len(ACCOUNTS), size=n).tolist()]
        return {
            "id": ids,
            "workspace_id": [workspace_id] * n,
            "author_id": [PEOPLE[a] for a in authors.tolist()],
            "author_team": ["marketing"] * n,
            "account": accounts,
            "account_key": [a.casefold() for a in accounts],
            "visited_on": [c.date().isoformat() for c in created],
            "kind": [KINDS[k] for k in rng.integers(0, len(KINDS), size=n).tolist()],
            "went": [PEOPLE[a] for a in authors.tolist()],
            "met": [
                f"{self.words[int(w)].title()}, {ROLES[r]}"
                for w, r in zip(
                    rng.integers(100, 3000, size=n).tolist(),
                    rng.integers(0, len(ROLES), size=n).tolist(),
                    strict=True,
                )
            ],
            "heard": self.text(rng.integers(15, 70, size=n)),
            "competitors": [
                ", ".join(COMPETITORS[i] for i in rng.choice(len(COMPETITORS), size=k, replace=False))
                for k in rng.integers(0, 3, size=n).tolist()
            ],
            "feedback": self.text(rng.integers(0, 25, size=n)),
            "follow_up_text": follow_up_text,
            "follow_up_lines": follow_ups.tolist(),
            "request_key": [f"bench-{i}" for i in ids],
            "created_at": [self.stamp(c) for c in created],
            "edited_at": [None] * n,
            "card_channel": [None] * n,
            "card_ts": [None] * n,
            "card_permalink": [None] * n,
        }

    def stamp(self, moment: datetime) -> str:
        """An instant as each database is handed it (SQLite: the text SQLAlchemy stores)."""
        if self._postgres:
            return moment.isoformat()
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@dataclass(frozen=True)
class Seeding:
    dialect: str
    notes: int
    seconds: float


def seed(database: Database, generator: Generator, sizes: Sequence[tuple[str, int]]) -> Seeding:
    """The workspaces and their notes, every index (and the full-text one) in place, as Tandem has them."""
    started = time.perf_counter()
    with database.transaction() as session:
        add_workspaces(session, [team_id for team_id, _ in sizes], NOW)
        ids = dict(session.execute(select(Workspace.team_id, Workspace.id)).all())
    batches = (generator.notes(ids[team_id], n) for team_id, n in sizes)
    if database.engine.dialect.name == "postgresql":
        _copy(database, batches)
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) field_notes"))
    else:
        _insert(database, batches)
    notes = sum(n for _, n in sizes)
    return Seeding(database.engine.dialect.name, notes, time.perf_counter() - started)


def _rows(columns: dict[str, list[Any]]) -> Iterator[tuple[Any, ...]]:
    return zip(*(columns[name] for name in COLUMNS), strict=True)


def _insert(database: Database, batches: Iterator[dict[str, list[Any]]]) -> None:
    """SQLite: executemany in one transaction; the migration's triggers fill the FTS5 index, as on save."""
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        sql = f"INSERT INTO field_notes ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
        connection.execute("BEGIN")
        for batch in batches:
            connection.executemany(sql, _rows(batch))
        connection.execute("COMMIT")
    finally:
        raw.close()


def _copy(database: Database, batches: Iterator[dict[str, list[Any]]]) -> None:
    """PostgreSQL: COPY in one transaction; PostgreSQL computes the generated `search` column itself."""
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, psycopg.Connection)
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY field_notes ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for batch in batches:
                    copy.write("".join("\t".join(map(_copied, row)) + "\n" for row in _rows(batch)))
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('field_notes', 'id'), "
                "(SELECT max(id) FROM field_notes))"
            )
        raw.commit()
    finally:
        raw.close()


def _copied(value: Any) -> str:
    """A value in COPY's text format: backslash, tab and newline escaped."""
    if value is None:
        return NULL
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def plain_like(database: Database, workspace_id: int, words: str, limit: int = 20) -> Callable[[], object]:
    """The baseline: each word anywhere in the searched text (LIKE '%word%', case-insensitive), the
    match count and the newest page, as the search answers."""
    postgres = database.engine.dialect.name == "postgresql"

    def anywhere(word: str) -> Any:
        pattern = f"%{word}%"
        return or_(
            *(NOTES.c[name].ilike(pattern) if postgres else NOTES.c[name].like(pattern) for name in SEARCHED)
        )

    where = and_(NOTES.c.workspace_id == workspace_id, *(anywhere(w) for w in words.split()))

    def run() -> object:
        with database.transaction() as session:
            total = session.scalar(select(func.count()).select_from(NOTES).where(where))
            page = session.execute(
                select(NOTES.c.id).where(where).order_by(NOTES.c.id.desc()).limit(limit)
            ).all()
            return total, page

    return run


@dataclass(frozen=True)
class Timed:
    name: str
    words: str
    found: int
    times: list[float]
    plain_times: list[float]


@dataclass(frozen=True)
class Measured:
    seeding: Seeding
    timed: list[Timed]
    plans: list[tuple[str, list[tuple[str, list[str]]], list[tuple[str, list[str]]]]]


def measure(database: Database, arguments: argparse.Namespace) -> Measured:
    generator = Generator(postgres=database.engine.dialect.name == "postgresql")
    sizes = [
        (BIG, arguments.notes),
        *((f"T{n:05d}", arguments.small) for n in range(1, arguments.others + 1)),
    ]
    print(f"    loading {sum(n for _, n in sizes):,} notes ...", file=sys.stderr, flush=True)
    seeding = seed(database, generator, sizes)
    services = build_services(database, WorkspaceDefaults("UTC", None), lambda: NOW)
    key = WorkspaceKey(BIG)
    with database.transaction() as session:
        workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == BIG))
    assert workspace_id is not None
    timed, plans = [], []
    for name, words in generator.queries().items():

        def search(words: str = words) -> object:
            return services.fieldnotes.search(key, words)

        found = services.fieldnotes.search(key, words).total
        plain = plain_like(database, workspace_id, words)
        ours, theirs = alternately(search, plain, arguments.repeat)
        timed.append(Timed(name, words, found, ours, theirs))
        plans.append((name, query_plans(database, search), query_plans(database, plain)))
    return Measured(seeding, timed, plans)


def report(runs: Sequence[Measured], arguments: argparse.Namespace) -> str:
    lines = [
        f"Field-note search: {arguments.notes:,} notes in one workspace (plus {arguments.others} of "
        f"{arguments.small:,}), about 60 words each from a vocabulary of {len(COMMON) + TAIL_WORDS:,} "
        f"words (Zipf-like, 1/rank^{ZIPF}); {arguments.repeat} searches and {arguments.repeat} LIKE scans "
        "timed taking turns.",
        "",
        f"{'database':11} {'search':12} {'words':22} {'matches':>8} {'search ms':>15} {'LIKE ms':>17} "
        f"{'ratio':>7}",
        f"{'':11} {'':12} {'':22} {'':>8} {'median / p95':>15} {'median / p95':>17}",
    ]
    for run in runs:
        name = "PostgreSQL" if run.seeding.dialect == "postgresql" else "SQLite"
        for t in run.timed:
            ours, plain = summary(t.times), summary(t.plain_times)
            lines.append(
                f"{name:11} {t.name:12} {t.words!r:22} {t.found:8,} {ours[0]:7.1f} / {ours[1]:5.1f} "
                f"{plain[0]:8.1f} / {plain[1]:6.1f} {plain[0] / ours[0]:6.1f}x"
            )
    lines += [
        "",
        "search: services.fieldnotes.search(key, words): count of matches and the newest 20 with their",
        "follow-ups (SQLite: FTS5 MATCH, last word a prefix; PostgreSQL: to_tsquery on the GIN-indexed",
        "generated column). LIKE: the same count and page, each word as LIKE '%word%' (ILIKE on",
        "PostgreSQL) over account, met, heard, competitors, feedback and follow-ups. ratio: LIKE / search.",
        "",
        "Loading (SQLite: executemany in one transaction, the FTS5 triggers firing; PostgreSQL: COPY,",
        "the tsvector column generated, then VACUUM ANALYZE):",
    ]
    for run in runs:
        s = run.seeding
        lines.append(f"  {s.dialect:11} {s.notes:,} notes in {s.seconds:.0f} s")
    for run in runs:
        lines.append(f"\nQuery plans on {run.seeding.dialect}:")
        for name, searched, scanned in run.plans:
            for how, sent in ((f"{name}, search", searched), (f"{name}, LIKE", scanned)):
                lines.append(f"  {how}:")
                for query, plan in sent:
                    lines.append(f"    {query[:160]}{' …' if len(query) > 160 else ''}")
                    lines += [f"        {line}" for line in plan]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=200_000, help="notes in the big workspace")
    parser.add_argument("--others", type=int, default=3, help="small workspaces beside it")
    parser.add_argument("--small", type=int, default=1_000, help="notes in each small workspace")
    parser.add_argument("--repeat", type=int, default=20, help="searches and scans timed per query")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    arguments = parser.parse_args(argv)
    measured_on_each_database(arguments, measure, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
