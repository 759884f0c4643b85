"""Shared metrics: what sales and marketing agreed to watch together (definitions and targets), the
daily values logged, imported or queried for them (every replacement audited), and the snapshot that
sets each metric against its month's and quarter's target."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.digest import CHANNEL_ID, CLOCK_TIME
from bot.errors import InvalidInput, TandemError
from bot.models import (
    MetricImportRow,
    MetricRow,
    MetricSettingsRow,
    MetricTargetRow,
    MetricValueChangeRow,
    MetricValueRow,
    Workspace,
)
from bot.people import Actor, People, Team
from bot.scheduling import WEEKDAYS
from bot.settings_rows import every_workspace_settings, settings_row, settings_row_to_change
from bot.workspaces import WorkspaceKey, Workspaces

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # what people type after /metric: "leads", "win-rate"
LABEL_MAX = 60
DESCRIPTION_MAX = 300
QUERY_MAX = 4000
QUERY_URL_MAX = 500
# Query URLs Tandem answers from its own data, with no SQL and no database (bot/services.py runs them).
TANDEM_QUERIES = ("tandem:field-visits",)
METRICS_MAX = 40  # per workspace: a snapshot is read at a glance, and a table holds 100 rows at most
VALUE_MAX = 1e15  # larger is a typo, not a bookings figure
BACKDATE_DAYS = 366  # a value may be logged for a date up to a year back
CHART_DAYS = 30
HISTORY_DAYS = 14
IMPORT_ROWS_MAX = 100_000
IMPORT_BYTES_MAX = 5_000_000
CHANGES_SHOWN = 10  # audit entries a metric's history shows
PROBLEM_MAX = 200  # metric_values.problem
FILENAME_MAX = 200  # metric_imports.filename
# Words /metric reads as commands (or dates), so no metric may be called by them.
RESERVED_NAMES = frozenset(
    {"help", "define", "settings", "import", "list", "remove", "edit", "show", "history", "snapshot"}
    | {"all", "today", "yesterday", "log", "new", "add"}
)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_log = logging.getLogger(__name__)
_T = TypeVar("_T")


class Unit(StrEnum):
    COUNT = "count"
    CURRENCY = "currency"  # with a currency code
    PERCENT = "percent"  # stored as shown: 35 means 35 %


class MetricTeam(StrEnum):
    """Who owns a metric, and so who may log it (admins always may)."""

    SALES = "sales"
    MARKETING = "marketing"
    SHARED = "shared"  # either team


class Rollup(StrEnum):
    """How a month or quarter adds up from daily values."""

    SUM = "sum"  # leads, bookings: the period's total
    LATEST = "latest"  # pipeline: the last value in the period
    AVERAGE = "average"  # win rate: the mean of the period's values


class ValueSource(StrEnum):
    TYPED = "typed"  # /metric leads 42
    IMPORTED = "imported"  # a CSV, from the CLI or a direct message
    QUERY = "query"  # the metric's own SQL query, run by the snapshot job


@dataclass(frozen=True)
class Target:
    """A target for one named period ("2026-11", "2026-Q4"), overriding the metric's default."""

    period: str
    value: float


@dataclass(frozen=True)
class MetricQuery:
    """Where a metric's daily value comes from: SQL returning one number, run against `url` with
    the bind parameters :day (a date), :start and :end (the day's bounds in the workspace's
    timezone, as aware UTC datetimes)."""

    sql: str
    url: str  # a SQLAlchemy URL, with credentials: never shown back in Slack

    @property
    def shown_url(self) -> str:
        """The URL with any password masked, for forms and `tandem metrics list`."""
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):
            return re.sub(r"(://[^/@:]*:)[^@/]*@", r"\1***@", self.url)


@dataclass(frozen=True)
class MetricDraft:
    """A metric as an admin defines it (the App Home form, a YAML file)."""

    name: str
    label: str
    unit: Unit
    team: MetricTeam
    rollup: Rollup
    currency: str | None = None  # ISO 4217 code, "EUR"; only with Unit.CURRENCY
    higher_is_better: bool = True
    monthly_target: float | None = None  # every month's, unless `targets` names that month
    quarterly_target: float | None = None
    targets: tuple[Target, ...] = ()
    query: MetricQuery | None = None
    description: str = ""


@dataclass(frozen=True)
class Metric:
    id: int
    position: int  # the snapshot's order
    name: str
    label: str
    unit: Unit
    team: MetricTeam
    rollup: Rollup
    currency: str | None
    higher_is_better: bool
    monthly_target: float | None
    quarterly_target: float | None
    targets: tuple[Target, ...]
    query: MetricQuery | None
    description: str

    def draft(self) -> MetricDraft:
        return MetricDraft(
            name=self.name,
            label=self.label,
            unit=self.unit,
            team=self.team,
            rollup=self.rollup,
            currency=self.currency,
            higher_is_better=self.higher_is_better,
            monthly_target=self.monthly_target,
            quarterly_target=self.quarterly_target,
            targets=self.targets,
            query=self.query,
            description=self.description,
        )

    def target_for(self, period: str) -> float | None:
        """The target for "2026-11" or "2026-Q4": the one named for it, else the default."""
        for target in self.targets:
            if target.period == period:
                return target.value
        return self.quarterly_target if "-Q" in period else self.monthly_target


@dataclass(frozen=True)
class MetricValue:
    metric: str  # the metric's name
    day: date
    value: float | None  # None: a query failed for that day (`problem` says why): never zero
    source: ValueSource
    logged_by: str | None  # a user id; None for the CLI and queries
    logged_at: datetime
    problem: str | None = None


@dataclass(frozen=True)
class Logged:
    """A value stored, and the one it replaced for that date, if any (the audit keeps both)."""

    value: MetricValue
    previous: float | None
    replaced: bool


@dataclass(frozen=True)
class ValueChange:
    """An audit entry: a value for a date replaced by another."""

    metric: str
    day: date
    old: float | None
    new: float | None
    source: ValueSource
    changed_by: str | None
    changed_at: datetime


class Pace(StrEnum):
    """Where a period stands against its target."""

    ON_TRACK = "on_track"
    BEHIND = "behind"
    MET = "met"  # the period's target is reached
    MISSED = "missed"  # the period is over and the target was not reached
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class PeriodProgress:
    """A metric over a month or a quarter, through the snapshot's last day, against its target."""

    period: str  # "2026-11", "2026-Q4"
    label: str  # "November", "Q4 2026"
    actual: float | None  # per the rollup; None when no value is known in the period
    target: float | None
    # actual / target for higher-is-better, target / actual for lower-is-better (1.0 = on target);
    # what a progress bar shows. None without a target or a value.
    progress: float | None
    # Sum metrics: where the period's total should be by now at an even daily pace. Others: the target.
    expected: float | None
    pace: Pace
    gap: float | None  # behind: how far short of `expected`, as a fraction (0.12 = 12 %)
    needed_per_day: float | None  # sum metrics behind: what each remaining day needs to reach target
    days_left: int  # days of the period after the snapshot's last day


@dataclass(frozen=True)
class MetricFigures:
    """One metric's line in a snapshot."""

    metric: Metric
    day: date  # the day reported on (the last working day before the snapshot)
    value: float | None  # that day's value
    week_before: float | None  # the value on the same weekday a week earlier
    change: float | None  # (value - week_before) / week_before; None when either is missing or 0
    month: PeriodProgress
    quarter: PeriodProgress
    unavailable: str | None  # the query failed for the day reported on: why (shown, never zero)
    series: tuple[tuple[date, float | None], ...]  # the last CHART_DAYS days through `through`
    # The chart's target line: sum metrics the month's target spread over its days, others the target.
    daily_target: float | None


@dataclass(frozen=True)
class Snapshot:
    made_on: date  # the local date it is made for (the morning it is posted)
    day: date  # the day reported on: the last snapshot day before made_on (Friday on a Monday)
    through: date  # month and quarter to date run through this day: made_on - 1
    zone: ZoneInfo
    figures: tuple[MetricFigures, ...]

    @property
    def is_empty(self) -> bool:
        return not self.figures


@dataclass(frozen=True)
class MetricHistory:
    """One metric's recent days (newest first, a None value where nothing was logged) and changes."""

    metric: Metric
    days: tuple[tuple[date, MetricValue | None], ...]
    changes: tuple[ValueChange, ...]  # the latest audit entries, newest first
    month: PeriodProgress


@dataclass(frozen=True)
class SnapshotSettings:
    """A workspace's effective snapshot settings: its own where it saved them, else the deployment's."""

    channel: str | None  # None: no snapshot is posted
    days: tuple[str, ...]  # named weekdays, in WEEKDAYS order: ("mon", "tue", "wed", "thu", "fri")
    time: str  # local "08:30"
    charts: bool
    timezone: ZoneInfo


@dataclass(frozen=True)
class SnapshotDefaults:
    """The deployment's snapshot settings (from the environment)."""

    channel: str | None = None
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    time: str = "08:30"
    charts: bool = True


@dataclass(frozen=True)
class SnapshotSettingsChange:
    channel: str | None
    days: tuple[str, ...]
    time: str
    charts: bool


@dataclass(frozen=True)
class LoadResult:
    added: tuple[str, ...]  # metric names
    updated: tuple[str, ...]


@dataclass(frozen=True)
class ImportRow:
    line: int  # 1-based line in the file (the header is line 1)
    metric: str
    day: date
    value: float


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str  # "unknown metric 'lead' (did you mean leads?)"


@dataclass(frozen=True)
class ImportCheck:
    """A CSV checked row by row: what would load, and what would not (by line)."""

    rows: tuple[ImportRow, ...]
    problems: tuple[LineProblem, ...]
    fatal: str | None = None  # the file as a whole is unusable (no header, too big): nothing loads

    @property
    def loadable(self) -> bool:
        return self.fatal is None and bool(self.rows)


@dataclass(frozen=True)
class ImportResult:
    stored: int
    replaced: int  # of those, how many replaced an earlier value for their date
    skipped: int  # rows with problems, left out because the person confirmed


@dataclass(frozen=True)
class PendingImport:
    """A CSV sent in a direct message with problems, held until its sender confirms or cancels."""

    id: int
    user_id: str
    filename: str
    check: ImportCheck


@dataclass(frozen=True)
class QueryFailure:
    metric: str
    day: date
    problem: str  # "timed out after 20 s", "no such table: deals"


# Errors people must hear about (handlers turn them into ephemeral answers or form errors)


class UnknownMetric(TandemError):
    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f" Did you mean {' or '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
        super().__init__(f"There's no metric called `{name}`.{hint}")


class MetricNotAllowed(TandemError):
    """Only the owning team and admins log a metric; only admins define one."""


class InvalidValue(TandemError):
    """A value or date that cannot be stored: the message says what is wrong and what would do."""


class InvalidDefinitions(TandemError):
    """A definitions file with errors: nothing loaded; `problems` lists every one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the metrics file; nothing was loaded.")


class ImportNotFound(TandemError):
    def __init__(self) -> None:
        super().__init__("That import is no longer waiting: it was loaded or cancelled already.")


def problems_with(draft: MetricDraft) -> dict[str, str]:
    """Every problem with a definition, by field name: "name", "label", "currency", "rollup",
    "monthly_target", "quarterly_target", "targets", "query_sql", "query_url", "description".
    Checked as it would be stored (name lower-cased, spaces trimmed); empty when it is fine."""
    problems: dict[str, str] = {}
    draft = cleaned(draft)
    if not draft.name:
        problems["name"] = "Give the metric a short name that people type, such as leads or win-rate."
    elif not NAME.match(draft.name):
        problems["name"] = (
            "A name is what people type after /metric: up to 32 lowercase letters, digits, - or _, "
            "starting with a letter (such as win-rate)."
        )
    elif draft.name in RESERVED_NAMES:
        problems["name"] = f"`{draft.name}` is a word /metric already uses: pick another name."
    if not draft.label:
        problems["label"] = "Give the metric a label, such as Marketing-qualified leads."
    elif len(draft.label) > LABEL_MAX:
        problems["label"] = f"Keep the label to {LABEL_MAX} characters (it has {len(draft.label)})."
    if draft.unit is Unit.CURRENCY:
        if draft.currency is None:
            problems["currency"] = "Give the currency's 3-letter code, such as EUR or USD."
        elif not _CURRENCY.match(draft.currency):
            problems["currency"] = f"`{draft.currency}` isn't a 3-letter currency code such as EUR or USD."
    elif draft.currency is not None:
        problems["currency"] = (
            "Only a money metric has a currency: leave it empty, or make the unit currency."
        )
    if draft.unit is Unit.PERCENT and draft.rollup is Rollup.SUM:
        problems["rollup"] = (
            "Percentages don't add up: a percent metric's month is its latest value or average."
        )
    for field, word, value in (
        ("monthly_target", "monthly", draft.monthly_target),
        ("quarterly_target", "quarterly", draft.quarterly_target),
    ):
        problem = _target_problem(value, draft.unit)
        if problem is not None:
            problems[field] = f"The {word} target {problem}."
    target_problems = _targets_problems(draft.targets, draft.unit)
    if target_problems:
        said = "; ".join(target_problems)
        problems["targets"] = said[:1].upper() + said[1:] + "."
    if draft.query is not None and draft.query.url.startswith("tandem:"):
        if draft.query.url not in TANDEM_QUERIES:
            problems["query_url"] = f"Tandem itself answers only {', '.join(TANDEM_QUERIES)}."
    elif draft.query is not None:
        sql_problem = _sql_problem(draft.query.sql)
        if sql_problem is not None:
            problems["query_sql"] = sql_problem
        url_problem = _url_problem(draft.query.url)
        if url_problem is not None:
            problems["query_url"] = url_problem
    if len(draft.description) > DESCRIPTION_MAX:
        problems["description"] = (
            f"Keep the description to {DESCRIPTION_MAX} characters (it has {len(draft.description)})."
        )
    return problems


def cleaned(draft: MetricDraft) -> MetricDraft:
    """A definition as it is stored: name lower-cased, spaces trimmed, an empty query or currency none."""
    query = draft.query
    if query is not None:
        query = MetricQuery(sql=query.sql.strip(), url=query.url.strip())
        if not query.sql and not query.url:
            query = None
    return replace(
        draft,
        name=draft.name.strip().lower(),
        # A label is one line however it was typed or pasted.
        label=" ".join(draft.label.split()),
        currency=(draft.currency or "").strip().upper() or None,
        targets=tuple(Target(t.period.strip().upper(), t.value) for t in draft.targets),
        query=query,
        description=draft.description.strip(),
    )


def settings_problems(change: SnapshotSettingsChange) -> dict[str, str]:
    """What is wrong with snapshot settings, by field ("channel", "days", "time"); empty when fine."""
    problems: dict[str, str] = {}
    if change.channel is not None and not CHANNEL_ID.match(change.channel):
        problems["channel"] = "Pick a channel: its ID looks like C0123ABCD."
    if not change.days:
        problems["days"] = "Pick at least one day of the week for the snapshot."
    elif any(day not in WEEKDAYS for day in change.days):
        problems["days"] = f"Name days of the week among {', '.join(WEEKDAYS)}."
    if not CLOCK_TIME.match(change.time):
        problems["time"] = "Give a time of day such as 08:30 (24-hour clock)."
    return problems


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _target_problem(value: float | None, unit: Unit) -> str | None:
    """What is wrong with one target ("must be a number"), to follow its name; None when fine."""
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(value):
        return "must be a number"
    if value < 0:
        return "can't be negative"
    if value > VALUE_MAX:
        return f"is more than Tandem stores (up to {VALUE_MAX:,.0f})"
    if unit is Unit.PERCENT and value > 100:
        return "is a percentage: at most 100"
    return None


def _targets_problems(targets: Sequence[Target], unit: Unit) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for target in targets:
        if not _PERIOD.match(target.period):
            problems.append(f"`{target.period}` isn't a month such as 2026-11 or a quarter such as 2026-Q4")
            continue
        if target.period in seen:
            problems.append(f"{target.period} has two targets")
            continue
        seen.add(target.period)
        problem = _target_problem(target.value, unit)
        if problem is not None:
            problems.append(f"the target for {target.period} {problem}")
    return problems


def _sql_problem(sql: str) -> str | None:
    if not sql:
        return "Give the SQL that returns the day's value (one row, one number)."
    if len(sql) > QUERY_MAX:
        return f"Keep the query to {QUERY_MAX:,} characters (it has {len(sql):,})."
    code = _sql_code(sql)
    first = re.match(r"\s*([A-Za-z]+)", code)
    if first is None or first[1].lower() not in ("select", "with"):
        return "The query must be a SELECT (or WITH … SELECT): Tandem only reads."
    if len([statement for statement in code.split(";") if statement.strip()]) > 1:
        return "Give one statement only: the query holds more than one (separated by ;)."
    return None


def _sql_code(sql: str) -> str:
    """The SQL with comments blanked and quoted text reduced to a placeholder, so neither a `;`
    inside a string nor a leading comment misleads the checks."""
    code: list[str] = []
    at = 0
    while at < len(sql):
        char = sql[at]
        if char in "'\"":
            end = at + 1
            while end < len(sql):
                if sql[end] == char:
                    if sql[end + 1 : end + 2] == char:  # '' inside a string is a quote
                        end += 2
                        continue
                    break
                end += 1
            code.append(" q ")
            at = end + 1
        elif sql.startswith("--", at):
            end = sql.find("\n", at)
            at = len(sql) if end < 0 else end
            code.append(" ")
        elif sql.startswith("/*", at):
            end = sql.find("*/", at + 2)
            at = len(sql) if end < 0 else end + 2
            code.append(" ")
        else:
            code.append(char)
            at += 1
    return "".join(code)


def _url_problem(url: str) -> str | None:
    # The URL holds credentials: problems never repeat it.
    if not url:
        return "Give the database URL the query runs against, such as postgresql+psycopg://reader@crm/crm."
    if len(url) > QUERY_URL_MAX:
        return f"Keep the database URL to {QUERY_URL_MAX} characters (it has {len(url)})."
    try:
        make_url(url)
    except (ArgumentError, ValueError):
        return "That isn't a database URL: write it as SQLAlchemy does, such as postgresql+psycopg://reader@crm/crm."
    return None


QueryRunner = Callable[[MetricQuery, date, ZoneInfo], float]  # raises QueryFailed (bot.metric_queries)
# What Metrics calls: a QueryRunner told the workspace too, for the queries Tandem answers itself.
WorkspaceQueryRunner = Callable[[WorkspaceKey, MetricQuery, date, ZoneInfo], float]


class Metrics:
    """Definitions, values and snapshots, per workspace; each public call is one transaction."""

    def __init__(
        self,
        database: Database,
        workspaces: Workspaces,
        people: People,
        clock: Callable[[], datetime],
        defaults: SnapshotDefaults,
        run_query: WorkspaceQueryRunner,
    ) -> None:
        self._database = database
        self._workspaces = workspaces
        self._people = people
        self._clock = clock
        self._defaults = defaults
        self._run_query = run_query

    # Definitions (admins)

    def definitions(self, key: WorkspaceKey) -> list[Metric]:
        """The workspace's metrics in snapshot order."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return _active_metrics(session, workspace.id)

    def metric(self, key: WorkspaceKey, name: str) -> Metric:
        """One metric by name (case-insensitive); UnknownMetric with the closest names if none."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return _named(_active_metrics(session, workspace.id), name)

    def save_definition(
        self, key: WorkspaceKey, draft: MetricDraft, actor: Actor, *, replacing: str | None = None
    ) -> Metric:
        """Add a metric, or change the one named `replacing` (which may be renamed). InvalidInput
        (bot.errors, with per-field problems) when the draft has any; MetricNotAllowed unless admin."""
        if not actor.is_admin:
            raise MetricNotAllowed("Only Tandem's admins define metrics.")
        problems = problems_with(draft)
        if problems:
            raise InvalidInput(problems)
        draft = cleaned(draft)
        return _retried(lambda: self._save_definition(key, draft, actor.user_id, replacing))

    def _save_definition(
        self, key: WorkspaceKey, draft: MetricDraft, by: str, replacing: str | None
    ) -> Metric:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = _metric_rows(session, workspace.id)
            by_name = {row.name: row for row in rows}
            active = [row for row in rows if row.archived_at is None]
            if replacing is not None:
                row = by_name.get(replacing.strip().lower())
                if row is None or row.archived_at is not None:
                    raise _unknown(replacing, _load_metrics(session, active))
                other = by_name.get(draft.name)
                if other is not None and other is not row:
                    raise InvalidInput({"name": _name_taken(other)})
            else:
                row = by_name.get(draft.name)
                if row is not None and row.archived_at is None:
                    raise InvalidInput({"name": _name_taken(row)})
                if len(active) >= METRICS_MAX:
                    raise InvalidInput(
                        {"name": f"A workspace has at most {METRICS_MAX} metrics: remove one to add another."}
                    )
                if row is None:
                    row = MetricRow(workspace_id=workspace.id)
                    session.add(row)
                # A new metric, or a removed one defined again (its values come back), goes last.
                row.position = max((r.position for r in rows), default=0) + 1
                row.archived_at = None
            _write_definition(session, workspace.id, row, draft, by, now)
            return _load_metrics(session, [row])[0]

    def remove_definition(self, key: WorkspaceKey, name: str, actor: Actor) -> Metric:
        """Stop showing a metric; its values are kept (defining it again brings them back)."""
        if not actor.is_admin:
            raise MetricNotAllowed("Only Tandem's admins remove metrics.")
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            metrics = _active_metrics(session, workspace.id)
            metric = _named(metrics, name)
            row = session.get_one(MetricRow, metric.id)
            row.archived_at, row.updated_by, row.updated_at = now, actor.user_id, now
            return metric

    def load_definitions(
        self, key: WorkspaceKey, drafts: Sequence[MetricDraft], actor: Actor | None
    ) -> LoadResult:
        """Add or update each metric by name, all or nothing: InvalidDefinitions lists every problem
        (each prefixed with the metric's name). `actor` None: the CLI, trusted as an admin."""
        if actor is not None and not actor.is_admin:
            raise MetricNotAllowed("Only Tandem's admins load metric definitions.")
        problems: list[str] = []
        ready: list[MetricDraft] = []
        for number, draft in enumerate(drafts, start=1):
            who = cleaned(draft).name or f"metric {number}"
            problems.extend(f"{who}: {problem}" for problem in problems_with(draft).values())
            ready.append(cleaned(draft))
        names = [draft.name for draft in ready]
        for name in sorted({name for name in names if name and names.count(name) > 1}):
            problems.append(f"{name}: defined {names.count(name)} times in the file")
        if problems:
            raise InvalidDefinitions(problems)
        by = actor.user_id if actor is not None else None
        return _retried(lambda: self._load_definitions(key, ready, by))

    def _load_definitions(
        self, key: WorkspaceKey, drafts: Sequence[MetricDraft], by: str | None
    ) -> LoadResult:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = _metric_rows(session, workspace.id)
            by_name = {row.name: row for row in rows}
            active = {row.name for row in rows if row.archived_at is None}
            total = len(active | {draft.name for draft in drafts})
            if total > METRICS_MAX:
                raise InvalidDefinitions(
                    [f"the workspace would have {total} metrics; it can have at most {METRICS_MAX}"]
                )
            position = max((row.position for row in rows), default=0)
            added: list[str] = []
            updated: list[str] = []
            for draft in drafts:
                row = by_name.get(draft.name)
                if row is not None and row.archived_at is None:
                    updated.append(draft.name)
                else:
                    added.append(draft.name)
                    if row is None:
                        row = MetricRow(workspace_id=workspace.id)
                        session.add(row)
                    position += 1
                    row.position, row.archived_at = position, None
                _write_definition(session, workspace.id, row, draft, by, now)
            return LoadResult(added=tuple(added), updated=tuple(updated))

    # Values

    def can_log(self, key: WorkspaceKey, actor: Actor, metric: Metric) -> bool:
        if actor.is_admin:
            return True
        return _may_log(self._people.team_of(key, actor.user_id), metric)

    def log_value(
        self,
        key: WorkspaceKey,
        actor: Actor,
        name: str,
        value_text: str,
        day_text: str,
        zone: ZoneInfo,
    ) -> Logged:
        """`/metric leads 42 yesterday`: parse the value for the metric's unit and the date in the
        person's timezone (`zone`), check who may log it, store it (replacing and auditing any earlier
        value for that date). UnknownMetric, MetricNotAllowed or InvalidValue; nothing stored then."""
        # Imported here: bot.metric_input builds on this module's types.
        from bot.metric_input import parse_day, parse_value

        # Read before this call's transaction: People's reads are transactions of their own.
        team = None if actor.is_admin else self._people.team_of(key, actor.user_id)
        today = self._clock().astimezone(zone).date()

        def log() -> Logged:
            now = self._clock()
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                metric = _named(_active_metrics(session, workspace.id), name)
                if not actor.is_admin and not _may_log(team, metric):
                    raise MetricNotAllowed(_who_logs(metric, team))
                value = parse_value(value_text, metric)
                day = parse_day(day_text, today)
                existing = _existing(session, workspace.id, [metric.id], day, day)
                return _put(
                    session,
                    existing,
                    workspace.id,
                    metric,
                    day,
                    value,
                    None,
                    ValueSource.TYPED,
                    actor.user_id,
                    now,
                )

        return _retried(log)

    def record_value(
        self,
        key: WorkspaceKey,
        name: str,
        day: date,
        value: float | None,
        *,
        source: ValueSource,
        by: str | None,
        problem: str | None = None,
    ) -> Logged:
        """Store one parsed value (or a query's failure: value None with `problem`), replacing and
        auditing an earlier one for that date. Checks ranges, not permissions."""
        now = self._clock()
        _check_day(day, now)

        def record() -> Logged:
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                metric = _named(_active_metrics(session, workspace.id), name)
                if value is not None:
                    _check_value(value, metric)
                existing = _existing(session, workspace.id, [metric.id], day, day)
                return _put(
                    session, existing, workspace.id, metric, day, value, problem, source, by, self._clock()
                )

        return _retried(record)

    def check_import(self, key: WorkspaceKey, text: str, actor: Actor | None, zone: ZoneInfo) -> ImportCheck:
        """A CSV (columns date, metric, value; a header row) checked row by row against the
        workspace's metrics and, for a person, what they may log."""
        # Imported here: both build on this module's types.
        from bot.metric_files import read_values_csv
        from bot.metric_input import parse_day, parse_value, suggestions

        rows, problems, fatal = read_values_csv(text)
        if fatal is not None:
            return ImportCheck(rows=(), problems=tuple(problems), fatal=fatal)
        team = None if actor is None or actor.is_admin else self._people.team_of(key, actor.user_id)
        metrics = self.definitions(key)
        by_name = {metric.name: metric for metric in metrics}
        today = self._clock().astimezone(zone).date()
        good: list[ImportRow] = []
        found = list(problems)
        first_line: dict[tuple[str, date], int] = {}
        for line, day_text, metric_text, value_text in rows:
            wrong: list[str] = []
            metric = by_name.get(metric_text.strip().lower())
            if metric is None:
                close = suggestions(metric_text, metrics)
                hint = f" (did you mean {' or '.join(close)}?)" if close else ""
                wrong.append(f"unknown metric '{metric_text}'{hint}")
            elif actor is not None and not actor.is_admin and not _may_log(team, metric):
                wrong.append(_who_logs(metric, team))
            day: date | None = None
            try:
                if not _ISO_DAY.match(day_text.strip()):
                    raise InvalidValue(
                        f"`{day_text}` isn't a date written year-month-day, such as 2026-11-20."
                    )
                day = parse_day(day_text, today)
            except InvalidValue as error:
                wrong.append(str(error))
            value: float | None = None
            if metric is not None:
                try:
                    value = parse_value(value_text, metric)
                except InvalidValue as error:
                    wrong.append(str(error))
            if not wrong and metric is not None and day is not None and value is not None:
                earlier = first_line.get((metric.name, day))
                if earlier is None:
                    first_line[(metric.name, day)] = line
                    good.append(ImportRow(line=line, metric=metric.name, day=day, value=value))
                    continue
                wrong.append(f"{metric.name} on {day.isoformat()} repeats line {earlier}")
            found.append(LineProblem(line, "; ".join(wrong)))
        return ImportCheck(rows=tuple(good), problems=tuple(sorted(found, key=lambda p: p.line)))

    def import_values(self, key: WorkspaceKey, check: ImportCheck, by: str | None) -> ImportResult:
        """Store a checked import's good rows, in one transaction."""

        def store() -> ImportResult:
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                return self._store_rows(session, workspace.id, check, by)

        return _retried(store)

    def hold_import(
        self, key: WorkspaceKey, user_id: str, filename: str, check: ImportCheck
    ) -> PendingImport:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = MetricImportRow(
                workspace_id=workspace.id,
                user_id=user_id,
                filename=filename[:FILENAME_MAX],
                rows=json.dumps([[r.line, r.metric, r.day.isoformat(), r.value] for r in check.rows]),
                problems=json.dumps([[p.line, p.message] for p in check.problems]),
                status=_PENDING,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _pending(row)

    def pending_import(self, key: WorkspaceKey, import_id: int, user_id: str) -> PendingImport:
        """ImportNotFound when it was applied or cancelled, or is someone else's."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = session.scalars(
                select(MetricImportRow).where(
                    MetricImportRow.workspace_id == workspace.id,
                    MetricImportRow.id == import_id,
                    MetricImportRow.user_id == user_id,
                    MetricImportRow.status == _PENDING,
                )
            ).one_or_none()
            if row is None:
                raise ImportNotFound()
            return _pending(row)

    def apply_import(self, key: WorkspaceKey, import_id: int, actor: Actor) -> ImportResult:
        """Load a held import's good rows once (a second click finds it gone: ImportNotFound)."""

        def apply() -> ImportResult:
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                row = self._decide_import(session, workspace.id, import_id, actor, _APPLIED)
                return self._store_rows(session, workspace.id, _pending(row).check, actor.user_id)

        return _retried(apply)

    def cancel_import(self, key: WorkspaceKey, import_id: int, actor: Actor) -> None:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            self._decide_import(session, workspace.id, import_id, actor, _CANCELLED)

    def _decide_import(
        self, session: Session, workspace_id: int, import_id: int, actor: Actor, status: str
    ) -> MetricImportRow:
        # One conditional update: of two clicks at once, only one finds the import still pending.
        decided = session.execute(
            update(MetricImportRow)
            .where(
                MetricImportRow.workspace_id == workspace_id,
                MetricImportRow.id == import_id,
                MetricImportRow.user_id == actor.user_id,
                MetricImportRow.status == _PENDING,
            )
            .values(status=status, decided_at=self._clock())
            .returning(MetricImportRow.id)
        ).first()
        if decided is None:
            raise ImportNotFound()
        return session.get_one(MetricImportRow, import_id)

    def _store_rows(
        self, session: Session, workspace_id: int, check: ImportCheck, by: str | None
    ) -> ImportResult:
        now = self._clock()
        by_name = {metric.name: metric for metric in _active_metrics(session, workspace_id)}
        wanted = [row for row in check.rows if row.metric in by_name]
        if not wanted:
            return ImportResult(stored=0, replaced=0, skipped=len(check.problems) + len(check.rows))
        existing = _existing(
            session,
            workspace_id,
            sorted({by_name[row.metric].id for row in wanted}),
            min(row.day for row in wanted),
            max(row.day for row in wanted),
        )
        replaced = 0
        for row in wanted:
            metric = by_name[row.metric]
            logged = _put(
                session, existing, workspace_id, metric, row.day, row.value, None, _IMPORTED, by, now
            )
            replaced += logged.replaced
        # Rows whose metric was removed since the check are left out with the ones that had problems.
        skipped = len(check.problems) + len(check.rows) - len(wanted)
        return ImportResult(stored=len(wanted), replaced=replaced, skipped=skipped)

    def refresh_queried(self, key: WorkspaceKey, days: Sequence[date]) -> list[QueryFailure]:
        """Run each queried metric's SQL for each day and store the answers; a failure is stored as
        unavailable for that day (never zero) and returned, so admins can be told."""
        days = sorted(set(days))
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            queried = [m for m in _active_metrics(session, workspace.id) if m.query is not None]
        if not queried or not days:
            return []
        # Queries run outside any transaction of ours: a slow CRM must not hold Tandem's database.
        answers = [(metric, day, *self._answer(key, metric, day, zone)) for metric in queried for day in days]

        def store() -> list[QueryFailure]:
            now = self._clock()
            failures: list[QueryFailure] = []
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                existing = _existing(session, workspace.id, [m.id for m in queried], days[0], days[-1])
                for metric, day, value, problem in answers:
                    if problem is not None:
                        failures.append(QueryFailure(metric.name, day, problem))
                        kept = existing.get((metric.id, day))
                        if kept is not None and kept.value is not None and kept.source != ValueSource.QUERY:
                            continue  # a typed or imported value stands when the query fails
                    _put(
                        session,
                        existing,
                        workspace.id,
                        metric,
                        day,
                        value,
                        problem,
                        ValueSource.QUERY,
                        None,
                        now,
                    )
            return failures

        return _retried(store)

    def _answer(
        self, key: WorkspaceKey, metric: Metric, day: date, zone: ZoneInfo
    ) -> tuple[float | None, str | None]:
        """The query's value for the day, or why there is none."""
        assert metric.query is not None
        try:
            value = self._run_query(key, metric.query, day, zone)
        except Exception as error:
            # The runner raises QueryFailed (bot.metric_queries, which imports this module) with a
            # `problem`; anything else is unexpected, so it is logged, and still shown unavailable.
            problem = getattr(error, "problem", None)
            if not isinstance(problem, str):
                _log.warning("metric query for %s failed unexpectedly", metric.name, exc_info=True)
                problem = f"{type(error).__name__}: {error}"
            return None, problem[:PROBLEM_MAX]
        try:
            _check_value(value, metric)
        except InvalidValue as refused:
            return None, f"returned {value!r}: {refused}"[:PROBLEM_MAX]
        return float(value), None

    # Reading

    def snapshot(self, key: WorkspaceKey, made_on: date | None = None) -> Snapshot:
        """The snapshot for the local date `made_on` (default: today in the workspace's timezone).
        Reads only the quarter (and the chart's 30 days) of values, through indexes."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            settings = self._effective(workspace, settings_row(session, MetricSettingsRow, workspace.id))
            zone = settings.timezone
            made_on = made_on or self._clock().astimezone(zone).date()
            through = made_on - timedelta(days=1)
            day = reported_day(made_on, settings.days)
            month, quarter = _month(through), _quarter(through)
            first = min(quarter.start, through - timedelta(days=CHART_DAYS - 1), day - timedelta(days=7))
            metrics = _active_metrics(session, workspace.id)
            values = _values(session, workspace.id, [m.id for m in metrics], first, through)
        figures = tuple(
            _figures(metric, values.get(metric.id, {}), day, through, month, quarter) for metric in metrics
        )
        return Snapshot(made_on=made_on, day=day, through=through, zone=zone, figures=figures)

    def history(self, key: WorkspaceKey, name: str, *, days: int = HISTORY_DAYS) -> MetricHistory:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            today = self._clock().astimezone(self._workspaces.timezone_of(workspace)).date()
            metric = _named(_active_metrics(session, workspace.id), name)
            month = _month(today)
            first = today - timedelta(days=max(days, 1) - 1)
            rows = {
                row.day: row
                for row in session.scalars(
                    select(MetricValueRow).where(
                        MetricValueRow.workspace_id == workspace.id,
                        MetricValueRow.metric_id == metric.id,
                        MetricValueRow.day.between(min(first, month.start), today),
                    )
                )
            }
            changes = session.scalars(
                select(MetricValueChangeRow)
                .where(MetricValueChangeRow.metric_id == metric.id)
                .order_by(MetricValueChangeRow.changed_at.desc(), MetricValueChangeRow.id.desc())
                .limit(CHANGES_SHOWN)
            ).all()
            shown = tuple(
                (d, _value(rows[d], metric.name) if d in rows else None)
                for d in (today - timedelta(days=back) for back in range(max(days, 1)))
            )
            return MetricHistory(
                metric=metric,
                days=shown,
                changes=tuple(_change(row, metric.name) for row in changes),
                month=_progress(metric, month, today, {d: row.value for d, row in rows.items()}),
            )

    def week_summary(
        self, key: WorkspaceKey, first: date, last: date
    ) -> list[tuple[Metric, float | None, PeriodProgress]]:
        """For the digest: each metric's value over the local days first..last (by its rollup) and
        its month to date through `last`."""
        month = _month(last)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            metrics = _active_metrics(session, workspace.id)
            values = _values(session, workspace.id, [m.id for m in metrics], min(first, month.start), last)
        summary: list[tuple[Metric, float | None, PeriodProgress]] = []
        for metric in metrics:
            mine = values.get(metric.id, {})
            week = _rolled(metric.rollup, [v for d, (v, _) in sorted(mine.items()) if first <= d <= last])
            by_day = {d: v for d, (v, _) in mine.items()}
            summary.append((metric, week, _progress(metric, month, last, by_day)))
        return summary

    # Settings

    def settings(self, key: WorkspaceKey) -> SnapshotSettings:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return self._effective(workspace, settings_row(session, MetricSettingsRow, workspace.id))

    def all_settings(self) -> Mapping[WorkspaceKey, SnapshotSettings]:
        """Every workspace's snapshot settings in one query (the scheduler's plan, once a tick)."""
        return every_workspace_settings(self._database, MetricSettingsRow, self._effective)

    def save_settings(
        self, key: WorkspaceKey, change: SnapshotSettingsChange, actor: Actor
    ) -> SnapshotSettings:
        """Admins only (MetricNotAllowed otherwise); InvalidInput names each bad field."""
        if not actor.is_admin:
            raise MetricNotAllowed("Only Tandem's admins change the snapshot settings.")
        problems = settings_problems(change)
        if problems:
            raise InvalidInput(problems)

        def save() -> SnapshotSettings:
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                row = settings_row_to_change(session, MetricSettingsRow, workspace.id)
                row.channel = change.channel
                row.days = ",".join(day for day in WEEKDAYS if day in change.days)
                row.time, row.charts = change.time, change.charts
                row.updated_by, row.updated_at = actor.user_id, self._clock()
                session.flush()
                return self._effective(workspace, row)

        return _retried(save)

    def _effective(self, workspace: Workspace, row: MetricSettingsRow | None) -> SnapshotSettings:
        zone = self._workspaces.timezone_of(workspace)
        if row is None:
            d = self._defaults
            return SnapshotSettings(
                channel=d.channel, days=d.days, time=d.time, charts=d.charts, timezone=zone
            )
        return SnapshotSettings(
            channel=row.channel,
            days=tuple(day for day in WEEKDAYS if day in row.days.split(",")),
            time=row.time,
            charts=row.charts,
            timezone=zone,
        )


# The snapshot's arithmetic: pure functions of dates and values


@dataclass(frozen=True)
class _Period:
    key: str  # "2026-11", "2026-Q4"
    label: str  # "November", "Q4 2026"
    start: date
    end: date  # its last day

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


def _month(day: date) -> _Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return _Period(f"{day.year}-{day.month:02d}", _MONTH_NAMES[day.month - 1], start, end)


def _quarter(day: date) -> _Period:
    number = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * number - 2, 1)
    return _Period(
        f"{day.year}-Q{number}", f"Q{number} {day.year}", start, _month(date(day.year, 3 * number, 1)).end
    )


def reported_day(made_on: date, days: Sequence[str]) -> date:
    """The day a snapshot made on `made_on` reports: the latest snapshot day before it (Friday on a
    Monday morning, with snapshots Monday to Friday); the day before when none is within a week."""
    for back in range(1, 8):
        day = made_on - timedelta(days=back)
        if WEEKDAYS[day.weekday()] in days:
            return day
    return made_on - timedelta(days=1)


def _rolled(rollup: Rollup, values: Sequence[float | None]) -> float | None:
    """A period's figure from its daily values in date order; unavailable days (None) are ignored."""
    known = [value for value in values if value is not None]
    if not known:
        return None
    if rollup is Rollup.SUM:
        return math.fsum(known)
    if rollup is Rollup.LATEST:
        return known[-1]
    return math.fsum(known) / len(known)


def _progress(
    metric: Metric, period: _Period, through: date, values: Mapping[date, float | None]
) -> PeriodProgress:
    """`metric` over `period` through the day `through` (inside it), against the period's target."""
    actual = _rolled(metric.rollup, [v for d, v in sorted(values.items()) if period.start <= d <= through])
    target = metric.target_for(period.key)
    days_left = (period.end - through).days
    shell = PeriodProgress(
        period=period.key,
        label=period.label,
        actual=actual,
        target=target,
        progress=None,
        expected=None,
        pace=Pace.NO_TARGET,
        gap=None,
        needed_per_day=None,
        days_left=days_left,
    )
    if target is None:
        return shell
    elapsed = (through - period.start).days + 1
    expected = target * elapsed / period.length if metric.rollup is Rollup.SUM else target
    if actual is None:
        return replace(shell, expected=expected, pace=Pace.NO_DATA)
    higher = metric.higher_is_better
    progress = _ratio(actual, target) if higher else _ratio(target, actual)
    pace, gap, needed = _pace(metric.rollup, higher, actual, target, expected, days_left)
    return replace(shell, progress=progress, expected=expected, pace=pace, gap=gap, needed_per_day=needed)


def _pace(
    rollup: Rollup, higher: bool, actual: float, target: float, expected: float, days_left: int
) -> tuple[Pace, float | None, float | None]:
    """(pace, gap, needed per day) as the design has it: sums against an even daily pace toward the
    target, latest values and averages against the target itself."""
    over = days_left == 0
    if rollup is Rollup.SUM and higher:
        if actual >= target:
            return Pace.MET, None, None
        if over:
            return Pace.MISSED, _share(target - actual, target), None
        if actual >= expected:
            return Pace.ON_TRACK, None, None
        return Pace.BEHIND, _share(expected - actual, expected), (target - actual) / days_left
    if rollup is Rollup.SUM:
        if over:
            if actual <= target:
                return Pace.MET, None, None
            return Pace.MISSED, _share(actual - target, target), None
        if actual <= expected:
            return Pace.ON_TRACK, None, None
        return Pace.BEHIND, _share(actual - expected, expected), None
    reached = actual >= target if higher else actual <= target
    if reached:
        return (Pace.MET if over else Pace.ON_TRACK), None, None
    gap = _share(target - actual if higher else actual - target, target)
    return (Pace.MISSED if over else Pace.BEHIND), gap, None


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _ratio(part: float, whole: float) -> float:
    """part / whole, where a zero (or negative) whole is reached by anything at least as large."""
    if whole > 0:
        return part / whole
    return 1.0 if part >= whole else 0.0


def _figures(
    metric: Metric,
    values: Mapping[date, tuple[float | None, str | None]],
    day: date,
    through: date,
    month: _Period,
    quarter: _Period,
) -> MetricFigures:
    by_day = {d: value for d, (value, _) in values.items()}
    value, problem = values.get(day, (None, None))
    week_before = by_day.get(day - timedelta(days=7))
    change = None
    if value is not None and week_before is not None and week_before != 0:
        change = (value - week_before) / week_before
    month_target = metric.target_for(month.key)
    daily_target = month_target
    if month_target is not None and metric.rollup is Rollup.SUM:
        daily_target = month_target / month.length
    return MetricFigures(
        metric=metric,
        day=day,
        value=value,
        week_before=week_before,
        change=change,
        month=_progress(metric, month, through, by_day),
        quarter=_progress(metric, quarter, through, by_day),
        unavailable=problem if value is None else None,
        series=tuple(
            (d, by_day.get(d))
            for d in (through - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1))
        ),
        daily_target=daily_target,
    )


# Storage helpers (inside a caller's transaction)

_PENDING, _APPLIED, _CANCELLED = "pending", "applied", "cancelled"
_IMPORTED = ValueSource.IMPORTED
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Somewhere on Earth it is already tomorrow (UTC+14) or still yesterday (UTC-12): a date is checked
# against every timezone's, since the caller's own was applied when the date was read.
_EARLIEST, _LATEST = timedelta(hours=-12), timedelta(hours=14)


def _retried(work: Callable[[], _T]) -> _T:
    try:
        return work()
    except IntegrityError:
        # A concurrent call stored the same metric, date or settings first; ours rolled back whole
        # and, run again, finds theirs.
        return work()


def _metric_rows(session: Session, workspace_id: int) -> list[MetricRow]:
    """All of the workspace's metrics, removed ones too, locked for a change of definitions."""
    return list(
        session.scalars(
            select(MetricRow)
            .where(MetricRow.workspace_id == workspace_id)
            .order_by(MetricRow.position, MetricRow.id)
            .with_for_update()
        )
    )


def _active_metrics(session: Session, workspace_id: int) -> list[Metric]:
    rows = session.scalars(
        select(MetricRow)
        .where(MetricRow.workspace_id == workspace_id, MetricRow.archived_at.is_(None))
        .order_by(MetricRow.position, MetricRow.id)
    ).all()
    return _load_metrics(session, rows)


def _load_metrics(session: Session, rows: Sequence[MetricRow]) -> list[Metric]:
    """Metrics with their targets, read in one more query."""
    if not rows:
        return []
    targets: dict[int, list[Target]] = {}
    for metric_id, period, value in session.execute(
        select(MetricTargetRow.metric_id, MetricTargetRow.period, MetricTargetRow.value)
        .where(MetricTargetRow.metric_id.in_([row.id for row in rows]))
        .order_by(MetricTargetRow.metric_id, MetricTargetRow.period)
    ):
        targets.setdefault(metric_id, []).append(Target(period, value))
    return [_metric(row, targets.get(row.id, ())) for row in rows]


def _metric(row: MetricRow, targets: Iterable[Target]) -> Metric:
    query = None
    if row.query_sql is not None and row.query_url is not None:
        query = MetricQuery(sql=row.query_sql, url=row.query_url)
    return Metric(
        id=row.id,
        position=row.position,
        name=row.name,
        label=row.label,
        unit=Unit(row.unit),
        team=MetricTeam(row.team),
        rollup=Rollup(row.rollup),
        currency=row.currency,
        higher_is_better=row.higher_is_better,
        monthly_target=row.monthly_target,
        quarterly_target=row.quarterly_target,
        targets=tuple(targets),
        query=query,
        description=row.description,
    )


def _write_definition(
    session: Session, workspace_id: int, row: MetricRow, draft: MetricDraft, by: str | None, now: datetime
) -> None:
    row.name, row.label, row.unit, row.currency = draft.name, draft.label, draft.unit.value, draft.currency
    row.team, row.rollup, row.higher_is_better = draft.team.value, draft.rollup.value, draft.higher_is_better
    row.monthly_target, row.quarterly_target = draft.monthly_target, draft.quarterly_target
    row.query_sql = draft.query.sql if draft.query else None
    row.query_url = draft.query.url if draft.query else None
    row.description, row.updated_by, row.updated_at = draft.description, by, now
    session.flush()
    kept = {t.period: t.value for t in draft.targets}
    for target in session.scalars(select(MetricTargetRow).where(MetricTargetRow.metric_id == row.id)):
        if target.period in kept:
            target.value = kept.pop(target.period)
        else:
            session.delete(target)
    for period, value in kept.items():
        session.add(MetricTargetRow(workspace_id=workspace_id, metric_id=row.id, period=period, value=value))


def _named(metrics: Sequence[Metric], name: str) -> Metric:
    wanted = name.strip().lower()
    for metric in metrics:
        if metric.name == wanted:
            return metric
    raise _unknown(name, metrics)


def _unknown(name: str, metrics: Sequence[Metric]) -> UnknownMetric:
    from bot.metric_input import suggestions  # builds on this module's types

    return UnknownMetric(name.strip(), suggestions(name, metrics))


def _name_taken(row: MetricRow) -> str:
    if row.archived_at is not None:
        return (
            f"A removed metric is called `{row.name}`: define `{row.name}` again to bring it back "
            "with its values, or pick another name."
        )
    return f"There's already a metric called `{row.name}`: pick another name, or edit that one."


_TEAMS_OF = {
    MetricTeam.SALES: {Team.SALES},
    MetricTeam.MARKETING: {Team.MARKETING},
    MetricTeam.SHARED: {Team.SALES, Team.MARKETING},
}
_TEAM_WORDS = {
    MetricTeam.SALES: "sales",
    MetricTeam.MARKETING: "marketing",
    MetricTeam.SHARED: "sales and marketing",
}


def _may_log(team: Team | None, metric: Metric) -> bool:
    """Whether someone of `team` (not an admin) may log the metric."""
    return team in _TEAMS_OF[metric.team]


def _who_logs(metric: Metric, team: Team | None) -> str:
    said = f"Only {_TEAM_WORDS[metric.team]} and Tandem's admins log `{metric.name}`."
    if team is None:
        said += " Tandem doesn't know your team yet: pick it on Tandem's Home tab."
    return said


def _check_day(day: date, now: datetime) -> None:
    if day > (now.astimezone(UTC) + _LATEST).date():
        raise InvalidValue(f"{day.isoformat()} is in the future: you can't log for a future date.")
    if day < (now.astimezone(UTC) + _EARLIEST).date() - timedelta(days=BACKDATE_DAYS):
        raise InvalidValue(
            f"{day.isoformat()} is more than a year back: values go back {BACKDATE_DAYS} days."
        )


def _check_value(value: float, metric: Metric) -> None:
    if not _is_number(value) or not math.isfinite(value):
        raise InvalidValue(f"`{value}` isn't a number.")
    if abs(value) > VALUE_MAX:
        raise InvalidValue(f"`{value:,.0f}` is more than Tandem stores: values go up to {VALUE_MAX:,.0f}.")
    if metric.unit is Unit.COUNT and value < 0:
        raise InvalidValue("a count can't be negative.")


def _existing(
    session: Session, workspace_id: int, metric_ids: Sequence[int], first: date, last: date
) -> dict[tuple[int, date], MetricValueRow]:
    """The stored values of these metrics over first..last, locked, by (metric id, day)."""
    rows = session.scalars(
        select(MetricValueRow)
        .where(
            MetricValueRow.workspace_id == workspace_id,
            MetricValueRow.metric_id.in_(metric_ids),
            MetricValueRow.day.between(first, last),
        )
        .with_for_update()
    )
    return {(row.metric_id, row.day): row for row in rows}


def _put(
    session: Session,
    existing: dict[tuple[int, date], MetricValueRow],
    workspace_id: int,
    metric: Metric,
    day: date,
    value: float | None,
    problem: str | None,
    source: ValueSource,
    by: str | None,
    now: datetime,
) -> Logged:
    """Store a day's value (`existing` holds that day's row if there is one, and learns a new one),
    auditing the one it replaces. The same value again changes nothing (a failure's reason aside)."""
    if value is not None:
        problem = None
    elif not problem:
        problem = "no value"
    problem = problem[:PROBLEM_MAX] if problem else None
    row = existing.get((metric.id, day))
    if row is None:
        row = MetricValueRow(
            workspace_id=workspace_id,
            metric_id=metric.id,
            day=day,
            value=value,
            problem=problem,
            source=source.value,
            logged_by=by,
            logged_at=now,
        )
        session.add(row)
        existing[(metric.id, day)] = row
        return Logged(_value(row, metric.name), previous=None, replaced=False)
    previous = row.value
    if previous == value:
        if value is None and row.problem != problem:
            row.problem, row.source, row.logged_by, row.logged_at = problem, source.value, by, now
        return Logged(_value(row, metric.name), previous=previous, replaced=False)
    session.add(
        MetricValueChangeRow(
            workspace_id=workspace_id,
            metric_id=metric.id,
            day=day,
            old=previous,
            new=value,
            source=source.value,
            changed_by=by,
            changed_at=now,
        )
    )
    row.value, row.problem, row.source, row.logged_by, row.logged_at = value, problem, source.value, by, now
    return Logged(_value(row, metric.name), previous=previous, replaced=True)


def _values(
    session: Session, workspace_id: int, metric_ids: Sequence[int], first: date, last: date
) -> dict[int, dict[date, tuple[float | None, str | None]]]:
    """(value, problem) by metric id and day over first..last: one range scan of the values index."""
    found: dict[int, dict[date, tuple[float | None, str | None]]] = {}
    if not metric_ids:
        return found
    for metric_id, day, value, problem in session.execute(
        select(
            MetricValueRow.metric_id, MetricValueRow.day, MetricValueRow.value, MetricValueRow.problem
        ).where(
            MetricValueRow.workspace_id == workspace_id,
            MetricValueRow.metric_id.in_(metric_ids),
            MetricValueRow.day.between(first, last),
        )
    ):
        found.setdefault(metric_id, {})[day] = (value, problem)
    return found


def _value(row: MetricValueRow, name: str) -> MetricValue:
    return MetricValue(
        metric=name,
        day=row.day,
        value=row.value,
        source=ValueSource(row.source),
        logged_by=row.logged_by,
        logged_at=row.logged_at,
        problem=row.problem,
    )


def _change(row: MetricValueChangeRow, name: str) -> ValueChange:
    return ValueChange(
        metric=name,
        day=row.day,
        old=row.old,
        new=row.new,
        source=ValueSource(row.source),
        changed_by=row.changed_by,
        changed_at=row.changed_at,
    )


def _pending(row: MetricImportRow) -> PendingImport:
    rows = tuple(
        ImportRow(line=line, metric=metric, day=date.fromisoformat(day), value=value)
        for line, metric, day, value in json.loads(row.rows)
    )
    problems = tuple(LineProblem(line, message) for line, message in json.loads(row.problems))
    return PendingImport(
        id=row.id, user_id=row.user_id, filename=row.filename, check=ImportCheck(rows=rows, problems=problems)
    )
