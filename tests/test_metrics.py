"""The metrics service against a real database: definitions, who logs what, values and their audit,
imports held and applied once, queried metrics that fail, the snapshot's figures, and settings."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.errors import InvalidInput
from bot.metric_queries import QueryFailed
from bot.metrics import (
    METRICS_MAX,
    ImportCheck,
    ImportNotFound,
    ImportResult,
    ImportRow,
    InvalidDefinitions,
    InvalidValue,
    LoadResult,
    Metric,
    MetricDraft,
    MetricNotAllowed,
    MetricQuery,
    Metrics,
    MetricTeam,
    Pace,
    PendingImport,
    PeriodProgress,
    QueryFailure,
    Rollup,
    SnapshotDefaults,
    SnapshotSettings,
    SnapshotSettingsChange,
    Target,
    Unit,
    UnknownMetric,
    ValueSource,
    problems_with,
)
from bot.models import MetricValueChangeRow, MetricValueRow
from bot.people import Actor, Team
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock
from tests.test_digest import query_plans, statements

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
ADMIN = Actor("U0BOSS", is_admin=True)
SALLY, MARK, OLGA, NOBODY = Actor("U0SALLY"), Actor("U0MARK"), Actor("U0OLGA"), Actor("U0NOBODY")
NEW_YORK = ZoneInfo("America/New_York")
# The clock fixture's Tuesday 24 November 2026, 04:30 in New York (the workspace's timezone).
TODAY, YESTERDAY = date(2026, 11, 24), date(2026, 11, 23)


class Crm:
    """Stands in for the databases metric queries run against: an answer (or a failure) per SQL and day."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, date], float | Exception] = {}
        self.asked: list[tuple[str, date, str]] = []

    def __call__(self, query: MetricQuery, day: date, zone: ZoneInfo) -> float:
        self.asked.append((query.sql, day, zone.key))
        answer = self.answers.get((query.sql, day), QueryFailed("returned no value"))
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def crm() -> Crm:
    return Crm()


@pytest.fixture
def services(database: Database, clock: FixedClock, crm: Crm) -> Services:
    services = build_services(
        database,
        WorkspaceDefaults(timezone="America/New_York", tracker_channel="C0TRACKER"),
        clock,
        snapshot_defaults=SnapshotDefaults(channel="C0METRICS"),
        run_query=crm,
    )
    services.people.set_team(ACME, ADMIN, [SALLY.user_id], Team.SALES)
    services.people.set_team(ACME, ADMIN, [MARK.user_id], Team.MARKETING)
    services.people.set_team(ACME, ADMIN, [OLGA.user_id], Team.OTHER)
    return services


@pytest.fixture
def metrics(services: Services) -> Metrics:
    return services.metrics


BAD_NAME = (
    "A name is what people type after /metric: up to 32 lowercase letters, digits, - or _, "
    "starting with a letter (such as win-rate)."
)
TOO_MUCH = "is more than Tandem stores (up to 1,000,000,000,000,000)."


def draft(name: str = "leads", **fields: Any) -> MetricDraft:
    given: dict[str, Any] = {
        "label": name.capitalize() or "Leads",
        "unit": Unit.COUNT,
        "team": MetricTeam.MARKETING,
        "rollup": Rollup.SUM,
    }
    return MetricDraft(name=name, **(given | fields))


PIPELINE = draft(
    "pipeline",
    label="Open pipeline",
    unit=Unit.CURRENCY,
    currency="EUR",
    team=MetricTeam.SALES,
    rollup=Rollup.LATEST,
    monthly_target=2_000_000,
    query=MetricQuery("SELECT sum(amount) FROM deals", "postgresql+psycopg://reader:s3cret@crm/crm"),
)


def value_rows(database: Database) -> list[MetricValueRow]:
    with database.transaction() as session:
        return list(session.scalars(select(MetricValueRow).order_by(MetricValueRow.day, MetricValueRow.id)))


def audit_rows(database: Database) -> list[MetricValueChangeRow]:
    with database.transaction() as session:
        return list(session.scalars(select(MetricValueChangeRow).order_by(MetricValueChangeRow.id)))


def load(metrics: Metrics, values: dict[str, dict[date, float]]) -> None:
    """Values as an admin's CSV import would store them."""
    rows = [
        ImportRow(line=0, metric=name, day=day, value=value)
        for name, days in values.items()
        for day, value in days.items()
    ]
    metrics.import_values(ACME, ImportCheck(rows=tuple(rows), problems=()), None)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# Defining


def test_an_admin_defines_metrics_and_they_read_back_in_order(metrics: Metrics) -> None:
    leads = metrics.save_definition(
        ACME,
        draft(
            " Leads ",
            label="  Leads   generated ",
            monthly_target=1200,
            quarterly_target=3600,
            targets=(Target("2026-q4", 3900), Target("2026-12", 1500)),
            description=" From the website's forms. ",
        ),
        ADMIN,
    )
    pipeline = metrics.save_definition(ACME, replace(PIPELINE, currency=" eur"), ADMIN)

    assert (leads.name, leads.label, leads.description) == (
        "leads",
        "Leads generated",
        "From the website's forms.",
    )
    assert leads.targets == (Target("2026-12", 1500), Target("2026-Q4", 3900))
    assert [leads.target_for(p) for p in ("2026-11", "2026-12", "2026-Q4", "2027-Q1")] == [
        1200,
        1500,
        3900,
        3600,
    ]
    assert (pipeline.currency, pipeline.team, pipeline.rollup) == ("EUR", MetricTeam.SALES, Rollup.LATEST)
    assert pipeline.query == PIPELINE.query
    assert pipeline.query is not None
    assert pipeline.query.shown_url == "postgresql+psycopg://reader:***@crm/crm"
    assert metrics.definitions(ACME) == [leads, pipeline]
    assert leads.position < pipeline.position
    assert metrics.metric(ACME, "LEADS") == leads
    assert metrics.definitions(GLOBEX) == []


def test_editing_a_metric_changes_its_targets_and_may_rename_it(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(targets=(Target("2026-11", 1), Target("2026-12", 2))), ADMIN)
    metrics.record_value(ACME, "leads", YESTERDAY, 42, source=ValueSource.TYPED, by=MARK.user_id)

    edited = metrics.save_definition(
        ACME,
        draft("leads-in", targets=(Target("2026-12", 3), Target("2027-01", 4))),
        ADMIN,
        replacing="Leads",
    )

    assert edited.name == "leads-in"
    assert edited.targets == (Target("2026-12", 3), Target("2027-01", 4))
    assert [m.name for m in metrics.definitions(ACME)] == ["leads-in"]
    assert metrics.history(ACME, "leads-in").days[1][1] is not None  # its values came along
    with pytest.raises(UnknownMetric):
        metrics.save_definition(ACME, draft("mql"), ADMIN, replacing="leads")


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({}, {}),
        (
            {"name": ""},
            {"name": "Give the metric a short name that people type, such as leads or win-rate."},
        ),
        (
            {"name": "win rate"},
            {
                "name": "A name is what people type after /metric: up to 32 lowercase letters, digits, "
                "- or _, starting with a letter (such as win-rate)."
            },
        ),
        (
            {"name": "7days"},
            {"name": BAD_NAME},
        ),
        (
            {"name": "n" * 33},
            {"name": BAD_NAME},
        ),
        ({"name": "Help"}, {"name": "`help` is a word /metric already uses: pick another name."}),
        ({"name": "settings"}, {"name": "`settings` is a word /metric already uses: pick another name."}),
        ({"label": "  "}, {"label": "Give the metric a label, such as Marketing-qualified leads."}),
        ({"label": "l" * 61}, {"label": "Keep the label to 60 characters (it has 61)."}),
        ({"unit": Unit.CURRENCY}, {"currency": "Give the currency's 3-letter code, such as EUR or USD."}),
        (
            {"unit": Unit.CURRENCY, "currency": "EURO"},
            {"currency": "`EURO` isn't a 3-letter currency code such as EUR or USD."},
        ),
        (
            {"currency": "EUR"},
            {"currency": "Only a money metric has a currency: leave it empty, or make the unit currency."},
        ),
        (
            {"unit": Unit.PERCENT},
            {"rollup": "Percentages don't add up: a percent metric's month is its latest value or average."},
        ),
        ({"monthly_target": -1}, {"monthly_target": "The monthly target can't be negative."}),
        ({"quarterly_target": float("nan")}, {"quarterly_target": "The quarterly target must be a number."}),
        ({"quarterly_target": "12"}, {"quarterly_target": "The quarterly target must be a number."}),
        (
            {"monthly_target": 2e15},
            {"monthly_target": f"The monthly target {TOO_MUCH}"},
        ),
        (
            {"unit": Unit.PERCENT, "rollup": Rollup.AVERAGE, "monthly_target": 101},
            {"monthly_target": "The monthly target is a percentage: at most 100."},
        ),
        (
            {"targets": (Target("2026-13", 1), Target("2026-Q5", 1), Target("Nov", 1))},
            {
                "targets": "`2026-13` isn't a month such as 2026-11 or a quarter such as 2026-Q4; "
                "`2026-Q5` isn't a month such as 2026-11 or a quarter such as 2026-Q4; "
                "`NOV` isn't a month such as 2026-11 or a quarter such as 2026-Q4."
            },
        ),
        (
            {"targets": (Target("2026-11", 1), Target("2026-11", 2), Target("2026-Q4", -5))},
            {"targets": "2026-11 has two targets; the target for 2026-Q4 can't be negative."},
        ),
        (
            {"query": MetricQuery("DELETE FROM deals", "sqlite:///crm.db")},
            {"query_sql": "The query must be a SELECT (or WITH … SELECT): Tandem only reads."},
        ),
        (
            {"query": MetricQuery("SELECT 1; DROP TABLE deals", "sqlite:///crm.db")},
            {"query_sql": "Give one statement only: the query holds more than one (separated by ;)."},
        ),
        (
            {
                "query": MetricQuery(
                    "-- today's deals\nSELECT count(*) FROM deals WHERE note = 'a;b';", "sqlite:///crm.db"
                )
            },
            {},
        ),
        (
            {"query": MetricQuery("WITH d AS (SELECT 1 AS n) SELECT n FROM d", "sqlite:///crm.db")},
            {},
        ),
        (
            {"query": MetricQuery("SELECT " + "1" * 4000, "sqlite:///crm.db")},
            {"query_sql": "Keep the query to 4,000 characters (it has 4,007)."},
        ),
        (
            {"query": MetricQuery("SELECT 1", "not a url")},
            {
                "query_url": "That isn't a database URL: write it as SQLAlchemy does, such as "
                "postgresql+psycopg://reader@crm/crm."
            },
        ),
        (
            {"query": MetricQuery("", "")},
            {},  # an empty query is no query
        ),
        (
            {"query": MetricQuery("SELECT 1", "")},
            {
                "query_url": "Give the database URL the query runs against, such as "
                "postgresql+psycopg://reader@crm/crm."
            },
        ),
        ({"description": "d" * 301}, {"description": "Keep the description to 300 characters (it has 301)."}),
    ],
)
def test_every_problem_with_a_definition_is_named_by_field(
    fields: dict[str, Any], problems: dict[str, str]
) -> None:
    assert problems_with(draft(**fields)) == problems


def test_a_definition_with_problems_is_refused_whole(metrics: Metrics) -> None:
    with pytest.raises(InvalidInput) as refused:
        metrics.save_definition(ACME, draft("list", unit=Unit.CURRENCY, monthly_target=-3), ADMIN)
    assert set(refused.value.problems) == {"name", "currency", "monthly_target"}
    assert metrics.definitions(ACME) == []


def test_only_admins_define_remove_load_or_change_settings(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    change = SnapshotSettingsChange(channel="C0NUMBERS", days=("mon",), time="08:00", charts=True)
    refusals: list[tuple[Callable[[], object], str]] = [
        (lambda: metrics.save_definition(ACME, draft("mql"), MARK), "Only Tandem's admins define metrics."),
        (lambda: metrics.remove_definition(ACME, "leads", MARK), "Only Tandem's admins remove metrics."),
        (
            lambda: metrics.load_definitions(ACME, [draft("mql")], MARK),
            "Only Tandem's admins load metric definitions.",
        ),
        (
            lambda: metrics.save_settings(ACME, change, MARK),
            "Only Tandem's admins change the snapshot settings.",
        ),
    ]
    for attempt, message in refusals:
        with pytest.raises(MetricNotAllowed) as refused:
            attempt()
        assert str(refused.value) == message
    assert [m.name for m in metrics.definitions(ACME)] == ["leads"]
    assert metrics.settings(ACME).channel == "C0METRICS"


def test_names_are_unique_within_a_workspace(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    metrics.save_definition(ACME, draft("mql"), ADMIN)
    metrics.save_definition(GLOBEX, draft(), ADMIN)  # another workspace's is its own

    taken = "There's already a metric called `leads`: pick another name, or edit that one."
    with pytest.raises(InvalidInput) as refused:
        metrics.save_definition(ACME, draft("LEADS"), ADMIN)
    assert refused.value.problems == {"name": taken}
    with pytest.raises(InvalidInput) as refused:
        metrics.save_definition(ACME, draft("leads"), ADMIN, replacing="mql")
    assert refused.value.problems == {"name": taken}


def test_removing_a_metric_keeps_its_values_and_defining_it_again_brings_them_back(
    metrics: Metrics, database: Database
) -> None:
    leads = metrics.save_definition(ACME, draft(), ADMIN)
    metrics.save_definition(ACME, draft("mql"), ADMIN)
    metrics.log_value(ACME, MARK, "leads", "42", "yesterday", NEW_YORK)

    removed = metrics.remove_definition(ACME, "Leads", ADMIN)

    assert removed == leads
    assert [m.name for m in metrics.definitions(ACME)] == ["mql"]
    with pytest.raises(UnknownMetric):
        metrics.metric(ACME, "leads")
    with pytest.raises(UnknownMetric):
        metrics.log_value(ACME, MARK, "leads", "43", "", NEW_YORK)
    assert [row.value for row in value_rows(database)] == [42]
    with pytest.raises(InvalidInput) as refused:
        metrics.save_definition(ACME, draft("leads"), ADMIN, replacing="mql")
    assert refused.value.problems == {
        "name": "A removed metric is called `leads`: define `leads` again to bring it back with its values, "
        "or pick another name."
    }

    again = metrics.save_definition(ACME, draft(label="Leads (all sources)"), ADMIN)

    assert (again.id, again.label) == (leads.id, "Leads (all sources)")
    assert [m.name for m in metrics.definitions(ACME)] == ["mql", "leads"]  # back at the end
    history = metrics.history(ACME, "leads")
    assert history.days[1][1] is not None
    assert history.days[1][1].value == 42


def test_a_workspace_holds_at_most_40_metrics(metrics: Metrics) -> None:
    metrics.load_definitions(ACME, [draft(f"m{n}") for n in range(METRICS_MAX)], None)

    with pytest.raises(InvalidInput) as refused:
        metrics.save_definition(ACME, draft("one-more"), ADMIN)
    assert refused.value.problems == {
        "name": "A workspace has at most 40 metrics: remove one to add another."
    }
    with pytest.raises(InvalidDefinitions) as too_many:
        metrics.load_definitions(ACME, [draft("one-more"), draft("m0")], None)
    assert too_many.value.problems == ("the workspace would have 41 metrics; it can have at most 40",)
    metrics.load_definitions(ACME, [draft("m0", label="Updated")], None)  # updating adds none


def test_loading_definitions_adds_and_updates_by_name_all_or_nothing(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)

    loaded = metrics.load_definitions(ACME, [draft("mql"), draft(label="Leads, all sources")], ADMIN)

    assert loaded == LoadResult(added=("mql",), updated=("leads",))
    assert [(m.name, m.label) for m in metrics.definitions(ACME)] == [
        ("leads", "Leads, all sources"),
        ("mql", "Mql"),
    ]
    with pytest.raises(InvalidDefinitions) as refused:
        metrics.load_definitions(
            ACME,
            [
                draft("sqls"),
                draft("pipeline", unit=Unit.CURRENCY),
                draft("Win Rate", label=""),
                draft("sqls", monthly_target=-1),
            ],
            None,
        )
    assert refused.value.problems == (
        "pipeline: Give the currency's 3-letter code, such as EUR or USD.",
        "win rate: A name is what people type after /metric: up to 32 lowercase letters, digits, - or _, "
        "starting with a letter (such as win-rate).",
        "win rate: Give the metric a label, such as Marketing-qualified leads.",
        "sqls: The monthly target can't be negative.",
        "sqls: defined 2 times in the file",
    )
    assert str(refused.value) == "5 problem(s) in the metrics file; nothing was loaded."
    assert [m.name for m in metrics.definitions(ACME)] == ["leads", "mql"]


def test_an_unknown_name_suggests_the_closest(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    metrics.save_definition(ACME, draft("mql", label="Marketing-qualified leads"), ADMIN)

    with pytest.raises(UnknownMetric) as unknown:
        metrics.metric(ACME, "lead")
    assert unknown.value.suggestions == ("leads",)
    assert str(unknown.value) == "There's no metric called `lead`. Did you mean `leads`?"
    with pytest.raises(UnknownMetric) as unknown:
        metrics.metric(ACME, "bookings")
    assert str(unknown.value) == "There's no metric called `bookings`."


# Logging values


def test_a_value_is_logged_for_the_date_in_the_persons_timezone(
    metrics: Metrics, database: Database, clock: FixedClock
) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Monday evening in New York, Tuesday in Tokyo

    in_new_york = metrics.log_value(ACME, MARK, "leads", "1.2k", "", NEW_YORK)
    in_tokyo = metrics.log_value(ACME, MARK, "Leads", "7", "today", ZoneInfo("Asia/Tokyo"))

    assert in_new_york.value.day == YESTERDAY
    assert in_tokyo.value.day == TODAY
    assert (in_new_york.value.value, in_new_york.previous, in_new_york.replaced) == (1200, None, False)
    assert in_new_york.value.source is ValueSource.TYPED
    assert (in_new_york.value.logged_by, in_new_york.value.logged_at) == (MARK.user_id, clock.now)
    assert [(r.day, r.value, r.source, r.logged_by, r.problem) for r in value_rows(database)] == [
        (YESTERDAY, 1200, "typed", MARK.user_id, None),
        (TODAY, 7, "typed", MARK.user_id, None),
    ]
    assert audit_rows(database) == []


def test_a_new_value_for_a_date_replaces_the_earlier_one_and_is_audited(
    metrics: Metrics, database: Database, clock: FixedClock
) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    metrics.log_value(ACME, MARK, "leads", "40", "yesterday", NEW_YORK)
    clock.now += timedelta(minutes=5)

    corrected = metrics.log_value(ACME, ADMIN, "leads", "42", "mon", NEW_YORK)
    same_again = metrics.log_value(ACME, MARK, "leads", "42", "2026-11-23", NEW_YORK)

    assert (corrected.value.value, corrected.previous, corrected.replaced) == (42, 40, True)
    assert (same_again.value.value, same_again.previous, same_again.replaced) == (42, 42, False)
    assert [(r.day, r.value, r.logged_by) for r in value_rows(database)] == [(YESTERDAY, 42, ADMIN.user_id)]
    assert [(a.day, a.old, a.new, a.source, a.changed_by, a.changed_at) for a in audit_rows(database)] == [
        (YESTERDAY, 40, 42, "typed", ADMIN.user_id, clock.now)
    ]
    [change] = metrics.history(ACME, "leads").changes
    assert (change.metric, change.day, change.old, change.new, change.changed_by) == (
        "leads",
        YESTERDAY,
        40,
        42,
        ADMIN.user_id,
    )


@pytest.mark.parametrize(
    ("team", "allowed"),
    [
        (MetricTeam.MARKETING, {"admin", "marketing"}),
        (MetricTeam.SALES, {"admin", "sales"}),
        (MetricTeam.SHARED, {"admin", "sales", "marketing"}),
    ],
)
def test_the_owning_team_and_admins_log_a_metric(
    metrics: Metrics, team: MetricTeam, allowed: set[str]
) -> None:
    metric = metrics.save_definition(ACME, draft(team=team), ADMIN)
    people = {"admin": ADMIN, "sales": SALLY, "marketing": MARK, "other": OLGA, "unknown": NOBODY}

    may = {who for who, actor in people.items() if metrics.can_log(ACME, actor, metric)}

    assert may == allowed
    for number, (who, actor) in enumerate(people.items()):
        if who in allowed:
            logged = metrics.log_value(ACME, actor, "leads", str(number), "", NEW_YORK)
            assert logged.value.logged_by == actor.user_id
        else:
            with pytest.raises(MetricNotAllowed):
                metrics.log_value(ACME, actor, "leads", "1", "", NEW_YORK)


def test_a_refusal_says_who_may_log(metrics: Metrics, database: Database) -> None:
    metrics.save_definition(ACME, PIPELINE, ADMIN)
    with pytest.raises(MetricNotAllowed) as refused:
        metrics.log_value(ACME, MARK, "pipeline", "€1M", "", NEW_YORK)
    assert str(refused.value) == "Only sales and Tandem's admins log `pipeline`."
    with pytest.raises(MetricNotAllowed) as refused:
        metrics.log_value(ACME, NOBODY, "pipeline", "€1M", "", NEW_YORK)
    assert str(refused.value) == (
        "Only sales and Tandem's admins log `pipeline`. "
        "Tandem doesn't know your team yet: pick it on Tandem's Home tab."
    )
    assert value_rows(database) == []


@pytest.mark.parametrize(
    ("name", "value", "day", "error", "message"),
    [
        ("lead", "42", "", UnknownMetric, "There's no metric called `lead`. Did you mean `leads`?"),
        ("leads", "abc", "", InvalidValue, "`abc` isn't a number: try 42, 1.2M or 35%."),
        ("leads", "-3", "", InvalidValue, "`-3`: a count can't be negative."),
        (
            "leads",
            "3",
            "tomorrow",
            InvalidValue,
            "`tomorrow` isn't a date: try yesterday, mon, 20 Nov or 2026-11-20.",
        ),
        (
            "leads",
            "3",
            "2026-11-25",
            InvalidValue,
            "Wed 25 Nov 2026 is in the future: you can't log for a future date.",
        ),
        (
            "leads",
            "3",
            "2025-01-01",
            InvalidValue,
            "Wed 1 Jan 2025 is more than a year back: values go back at most 366 days.",
        ),
    ],
)
def test_bad_input_stores_nothing(
    metrics: Metrics,
    database: Database,
    name: str,
    value: str,
    day: str,
    error: type[Exception],
    message: str,
) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    with pytest.raises(error) as refused:
        metrics.log_value(ACME, MARK, name, value, day, NEW_YORK)
    assert str(refused.value) == message
    assert value_rows(database) == []


def test_a_typed_value_replaces_an_unavailable_one_with_an_audit_entry(
    metrics: Metrics, database: Database
) -> None:
    metrics.save_definition(ACME, PIPELINE, ADMIN)
    failed = metrics.record_value(
        ACME, "pipeline", YESTERDAY, None, source=ValueSource.QUERY, by=None, problem="timed out after 20 s"
    )
    assert (failed.value.value, failed.value.problem) == (None, "timed out after 20 s")

    typed = metrics.log_value(ACME, SALLY, "pipeline", "1.2M EUR", "yesterday", NEW_YORK)

    assert (typed.previous, typed.replaced) == (None, True)
    assert [(r.value, r.problem, r.source) for r in value_rows(database)] == [(1_200_000, None, "typed")]
    assert [(a.old, a.new, a.source) for a in audit_rows(database)] == [(None, 1_200_000, "typed")]


def test_recording_a_value_checks_its_range(metrics: Metrics, database: Database, clock: FixedClock) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    refusals = [
        (-1.0, YESTERDAY, "a count can't be negative."),
        (
            2e15,
            YESTERDAY,
            "`2,000,000,000,000,000` is more than Tandem stores: values go up to 1,000,000,000,000,000.",
        ),
        (float("inf"), YESTERDAY, "`inf` isn't a number."),
        (1.0, TODAY + timedelta(days=2), "2026-11-26 is in the future: you can't log for a future date."),
        (1.0, date(2025, 11, 1), "2025-11-01 is more than a year back: values go back 366 days."),
    ]
    for value, day, message in refusals:
        with pytest.raises(InvalidValue) as refused:
            metrics.record_value(ACME, "leads", day, value, source=ValueSource.IMPORTED, by=None)
        assert str(refused.value) == message
    assert value_rows(database) == []
    # At 12:00 UTC it is Wednesday at UTC+14: a date a day ahead of the workspace's is someone's today.
    clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    tomorrow = metrics.record_value(
        ACME, "leads", TODAY + timedelta(days=1), 1, source=ValueSource.TYPED, by=None
    )
    assert tomorrow.value.day == date(2026, 11, 25)
    nothing = metrics.record_value(ACME, "leads", YESTERDAY, None, source=ValueSource.QUERY, by=None)
    assert nothing.value.problem == "no value"


# Importing values

CSV = """\ufeffDate,Metric,Value
2026-11-20,leads,40
2026-11-21,Leads,"1,200"
2026-11-20,lead,5
2026-11-22,leads,abc
20/11/2026,leads,5
2026-11-25,leads,5
2025-01-01,leads,5
2026-11-20,pipeline,€5k
2026-11-20,leads,41
2026-11-23,leads
"""


def test_an_import_is_checked_line_by_line(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    metrics.save_definition(ACME, PIPELINE, ADMIN)

    check = metrics.check_import(ACME, CSV, MARK, NEW_YORK)

    assert check.rows == (
        ImportRow(line=2, metric="leads", day=date(2026, 11, 20), value=40),
        ImportRow(line=3, metric="leads", day=date(2026, 11, 21), value=1200),
    )
    mine = {p.line: p.message for p in check.problems if p.line != 11}
    assert mine == {
        4: "unknown metric 'lead' (did you mean leads?)",
        5: "`abc` isn't a number: try 42, 1.2M or 35%.",
        6: "`20/11/2026` isn't a date written year-month-day, such as 2026-11-20.",
        7: "Wed 25 Nov 2026 is in the future: you can't log for a future date.",
        8: "Wed 1 Jan 2025 is more than a year back: values go back at most 366 days.",
        9: "Only sales and Tandem's admins log `pipeline`.",
        10: "leads on 2026-11-20 repeats line 2",
    }
    assert [p.line for p in check.problems] == [4, 5, 6, 7, 8, 9, 10, 11]  # 11: a field missing
    assert check.fatal is None
    assert check.loadable
    # An admin (or the CLI) may load any metric.
    assert [r.line for r in metrics.check_import(ACME, CSV, None, NEW_YORK).rows] == [2, 3, 9]


def test_a_file_without_its_header_loads_nothing(metrics: Metrics) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    check = metrics.check_import(ACME, "2026-11-20,leads,40\n", ADMIN, NEW_YORK)
    assert check.rows == ()
    assert check.fatal is not None
    assert not check.loadable


def test_an_import_stores_its_good_rows_and_counts_what_it_replaced(
    metrics: Metrics, database: Database
) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    metrics.log_value(ACME, MARK, "leads", "30", "2026-11-20", NEW_YORK)
    check = metrics.check_import(ACME, CSV, MARK, NEW_YORK)

    result = metrics.import_values(ACME, check, None)

    assert result == ImportResult(stored=2, replaced=1, skipped=8)
    assert [(r.day, r.value, r.source, r.logged_by) for r in value_rows(database)] == [
        (date(2026, 11, 20), 40, "imported", None),
        (date(2026, 11, 21), 1200, "imported", None),
    ]
    assert [(a.old, a.new, a.source) for a in audit_rows(database)] == [(30, 40, "imported")]


def test_a_held_import_loads_once_and_only_for_its_sender(metrics: Metrics, database: Database) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    check = metrics.check_import(ACME, CSV, MARK, NEW_YORK)

    held = metrics.hold_import(ACME, MARK.user_id, "values.csv", check)

    assert held == PendingImport(id=held.id, user_id=MARK.user_id, filename="values.csv", check=check)
    assert metrics.pending_import(ACME, held.id, MARK.user_id) == held
    assert value_rows(database) == []
    for someone_else in (lambda: metrics.pending_import(ACME, held.id, SALLY.user_id),
                         lambda: metrics.apply_import(ACME, held.id, ADMIN),
                         lambda: metrics.cancel_import(GLOBEX, held.id, MARK)):  # fmt: skip
        with pytest.raises(ImportNotFound):
            someone_else()

    # A double click: two applies at once load the rows once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        attempts = [pool.submit(metrics.apply_import, ACME, held.id, MARK) for _ in range(2)]
    outcomes: list[ImportResult | ImportNotFound] = []
    for attempt in attempts:
        try:
            outcomes.append(attempt.result())
        except ImportNotFound as gone:
            outcomes.append(gone)

    assert sorted(map(type, outcomes), key=str) == sorted([ImportResult, ImportNotFound], key=str)
    assert ImportResult(stored=2, replaced=0, skipped=8) in outcomes
    assert len(value_rows(database)) == 2
    for after in (lambda: metrics.pending_import(ACME, held.id, MARK.user_id),
                  lambda: metrics.cancel_import(ACME, held.id, MARK)):  # fmt: skip
        with pytest.raises(ImportNotFound):
            after()


def test_a_cancelled_import_loads_nothing(metrics: Metrics, database: Database) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    held = metrics.hold_import(ACME, MARK.user_id, "v.csv", metrics.check_import(ACME, CSV, MARK, NEW_YORK))

    metrics.cancel_import(ACME, held.id, MARK)

    with pytest.raises(ImportNotFound) as gone:
        metrics.apply_import(ACME, held.id, MARK)
    assert str(gone.value) == "That import is no longer waiting: it was loaded or cancelled already."
    assert value_rows(database) == []


# Queried metrics


def test_queried_metrics_store_answers_and_failures_as_unavailable(
    metrics: Metrics, database: Database, crm: Crm
) -> None:
    friday, saturday = date(2026, 11, 20), date(2026, 11, 21)
    metrics.save_definition(ACME, PIPELINE, ADMIN)
    metrics.save_definition(ACME, draft(), ADMIN)  # typed in: never queried
    deals = MetricQuery("SELECT count(*) FROM deals", "sqlite:///crm.db")
    metrics.save_definition(ACME, draft("deals", team=MetricTeam.SALES, query=deals), ADMIN)
    metrics.log_value(ACME, SALLY, "deals", "4", "2026-11-21", NEW_YORK)
    sql = PIPELINE.query.sql if PIPELINE.query else ""
    crm.answers = {
        (sql, friday): 1_500_000,
        (sql, saturday): QueryFailed("timed out after 20 s"),
        (deals.sql, friday): RuntimeError("the driver fell over"),  # not the runner's contract
        (deals.sql, saturday): QueryFailed("no such table: deals"),
    }

    failures = metrics.refresh_queried(ACME, [saturday, friday])

    assert failures == [
        QueryFailure("pipeline", saturday, "timed out after 20 s"),
        QueryFailure("deals", friday, "RuntimeError: the driver fell over"),
        QueryFailure("deals", saturday, "no such table: deals"),
    ]
    assert sorted(crm.asked) == sorted(
        (q, d, "America/New_York") for q in (sql, deals.sql) for d in (friday, saturday)
    )
    stored = {(r.metric_id, r.day): (r.value, r.problem, r.source) for r in value_rows(database)}
    pipeline, _, deal_count = metrics.definitions(ACME)
    assert stored == {
        (pipeline.id, friday): (1_500_000, None, "query"),
        (pipeline.id, saturday): (None, "timed out after 20 s", "query"),
        (deal_count.id, friday): (None, "RuntimeError: the driver fell over", "query"),
        (deal_count.id, saturday): (4, None, "typed"),  # a typed value stands when the query fails
    }

    crm.answers[(sql, saturday)] = 1_600_000
    crm.answers[(deals.sql, friday)] = -2

    again = metrics.refresh_queried(ACME, [friday, saturday])

    assert again == [
        QueryFailure("deals", friday, "returned -2: a count can't be negative."),
        QueryFailure("deals", saturday, "no such table: deals"),
    ]
    assert [(a.day, a.old, a.new, a.source) for a in audit_rows(database)] == [
        (saturday, None, 1_600_000, "query")
    ]
    snapshot = metrics.snapshot(ACME, date(2026, 11, 23))
    assert [(f.metric.name, f.value, f.unavailable) for f in snapshot.figures] == [
        ("pipeline", 1_500_000, None),
        ("leads", None, None),
        ("deals", None, "returned -2: a count can't be negative."),
    ]


def test_nothing_to_query_asks_nothing(metrics: Metrics, crm: Crm) -> None:
    metrics.save_definition(ACME, draft(), ADMIN)
    assert metrics.refresh_queried(ACME, [YESTERDAY]) == []
    assert crm.asked == []


# The snapshot

NOVEMBER = days(date(2026, 11, 1), date(2026, 11, 23))


@pytest.fixture
def november(metrics: Metrics) -> Metrics:
    """Metrics with values through Monday 23 November, each standing differently against its target."""
    metrics.load_definitions(
        ACME,
        [
            draft(monthly_target=1200, quarterly_target=3600, targets=(Target("2026-Q4", 3000),)),
            draft("mql", monthly_target=300),
            draft("sqls", monthly_target=100),
            draft("churn", higher_is_better=False, monthly_target=30),
            PIPELINE,
            draft("win-rate", unit=Unit.PERCENT, rollup=Rollup.AVERAGE, monthly_target=30),
            draft("demos"),
            draft("calls", monthly_target=50),
        ],
        None,
    )
    leads = {day: 40.0 for day in NOVEMBER} | {date(2026, 11, 16): 32, date(2026, 11, 23): 48}
    leads |= {day: 30.0 for day in days(date(2026, 10, 1), date(2026, 10, 31))} | {date(2026, 9, 30): 999}
    load(
        metrics,
        {
            "leads": leads,
            "mql": {day: 9.0 for day in NOVEMBER},
            "sqls": {day: 5.0 for day in NOVEMBER},
            "churn": {day: 1.0 for day in NOVEMBER} | {date(2026, 11, 23): 3},
            "pipeline": {date(2026, 11, 20): 1_500_000, date(2026, 11, 23): 1_800_000},
            "win-rate": {date(2026, 11, 2): 20, date(2026, 11, 9): 40, date(2026, 11, 16): 33},
            "demos": {date(2026, 11, 23): 2, date(2026, 11, 16): 0},
        },
    )
    metrics.record_value(
        ACME, "win-rate", YESTERDAY, None, source=ValueSource.QUERY, by=None, problem="timed out after 20 s"
    )
    return metrics


def progress(
    period: str,
    label: str,
    actual: float | None,
    target: float | None,
    pace: Pace,
    days_left: int,
    *,
    expected: float | None = None,
    progress: float | None = None,
    gap: Any = None,  # a float, or pytest.approx of one
    needed_per_day: float | None = None,
) -> PeriodProgress:
    return PeriodProgress(
        period, label, actual, target, progress, expected, pace, gap, needed_per_day, days_left
    )


def test_the_snapshot_sets_each_metric_against_its_month_and_quarter(november: Metrics) -> None:
    snapshot = november.snapshot(ACME)  # Tuesday morning in New York

    assert (snapshot.made_on, snapshot.day, snapshot.through) == (TODAY, YESTERDAY, YESTERDAY)
    assert snapshot.zone == NEW_YORK
    by_name = {f.metric.name: f for f in snapshot.figures}
    assert list(by_name) == ["leads", "mql", "sqls", "churn", "pipeline", "win-rate", "demos", "calls"]

    leads = by_name["leads"]
    assert (leads.day, leads.value, leads.week_before, leads.change) == (YESTERDAY, 48, 32, 0.5)
    # 40 a day for 23 days: exactly where 1,200 spread evenly over 30 days should be.
    assert leads.month == progress(
        "2026-11", "November", 920, 1200, Pace.ON_TRACK, 7, expected=920, progress=920 / 1200
    )
    # The quarter's own target (3,000) overrides the default (3,600); 30 September is not counted.
    assert leads.quarter == progress(
        "2026-Q4", "Q4 2026", 1850, 3000, Pace.ON_TRACK, 38, expected=3000 * 54 / 92, progress=1850 / 3000
    )
    assert leads.daily_target == 40
    assert len(leads.series) == 30
    assert leads.series[0] == (date(2026, 10, 25), 30.0)
    assert leads.series[-1] == (YESTERDAY, 48.0)
    assert leads.unavailable is None

    assert by_name["mql"].month == progress(
        "2026-11", "November", 207, 300, Pace.BEHIND, 7,
        expected=230, progress=207 / 300, gap=pytest.approx(0.1), needed_per_day=(300 - 207) / 7,
    )  # fmt: skip
    assert by_name["mql"].quarter.pace is Pace.NO_TARGET
    assert by_name["sqls"].month.pace is Pace.MET
    assert by_name["sqls"].month.progress == 1.15
    # Lower is better: 25 against the 23 an even pace toward 30 allows by now.
    assert by_name["churn"].month == progress(
        "2026-11", "November", 25, 30, Pace.BEHIND, 7, expected=23, progress=30 / 25, gap=2 / 23
    )
    # Latest value against the target itself: no pace per day.
    pipeline = by_name["pipeline"]
    assert pipeline.month == progress(
        "2026-11", "November", 1_800_000, 2_000_000, Pace.BEHIND, 7,
        expected=2_000_000, progress=0.9, gap=pytest.approx(0.1),
    )  # fmt: skip
    assert (pipeline.value, pipeline.week_before, pipeline.change) == (1_800_000, None, None)
    assert pipeline.daily_target == 2_000_000
    # An average ignores the day its query failed; that day shows unavailable, never zero.
    win_rate = by_name["win-rate"]
    assert win_rate.month == progress(
        "2026-11", "November", 31, 30, Pace.ON_TRACK, 7, expected=30, progress=31 / 30
    )
    assert (win_rate.value, win_rate.unavailable, win_rate.week_before) == (None, "timed out after 20 s", 33)
    assert win_rate.series[-1] == (YESTERDAY, None)
    assert by_name["demos"].month == progress("2026-11", "November", 2, None, Pace.NO_TARGET, 7)
    assert by_name["demos"].change is None  # against a zero week before
    assert by_name["calls"].month == progress(
        "2026-11", "November", None, 50, Pace.NO_DATA, 7, expected=50 * 23 / 30
    )
    assert by_name["calls"].series[-1] == (YESTERDAY, None)
    assert by_name["calls"].daily_target == 50 / 30


def test_a_monday_snapshot_reports_friday_and_runs_through_sunday(november: Metrics) -> None:
    load(november, {"leads": {date(2026, 11, 27): 7, date(2026, 11, 29): 1}})

    snapshot = november.snapshot(ACME, date(2026, 11, 30))

    assert (snapshot.day, snapshot.through) == (date(2026, 11, 27), date(2026, 11, 29))
    leads = snapshot.figures[0]
    assert (leads.value, leads.week_before) == (7, 40)
    assert leads.month.actual == 920 + 7 + 1
    assert leads.month.days_left == 1


def test_a_month_over_short_of_its_target_is_missed(november: Metrics) -> None:
    snapshot = november.snapshot(ACME, date(2026, 12, 1))

    assert snapshot.through == date(2026, 11, 30)
    by_name = {f.metric.name: f for f in snapshot.figures}
    assert by_name["mql"].month == progress(
        "2026-11",
        "November",
        207,
        300,
        Pace.MISSED,
        0,
        expected=300,
        progress=207 / 300,
        gap=(300 - 207) / 300,
    )
    assert by_name["sqls"].month.pace is Pace.MET
    assert by_name["churn"].month.pace is Pace.MET  # 25 of at most 30
    assert by_name["pipeline"].month.pace is Pace.MISSED
    assert by_name["pipeline"].month.gap == pytest.approx(0.1)
    assert by_name["win-rate"].month.pace is Pace.MET
    assert by_name["leads"].quarter.days_left == 31


def test_a_lower_is_better_sum_over_its_target_is_missed_only_when_the_month_is_over(
    metrics: Metrics,
) -> None:
    metrics.save_definition(ACME, draft("churn", higher_is_better=False, monthly_target=10), ADMIN)
    load(metrics, {"churn": {date(2026, 11, 2): 12}})

    assert metrics.snapshot(ACME).figures[0].month.pace is Pace.BEHIND
    over = metrics.snapshot(ACME, date(2026, 12, 1)).figures[0].month
    assert over.pace is Pace.MISSED
    assert over.gap == pytest.approx(0.2)


def test_the_snapshot_reads_the_values_once_through_the_index(november: Metrics, database: Database) -> None:
    with statements(database) as seen:
        november.snapshot(ACME)

    reads = [(sql, params) for sql, params in seen if "FROM metric_values" in sql]
    assert len(reads) == 1
    if database.engine.dialect.name == "sqlite":
        [plan] = query_plans(database, reads)
        assert "SEARCH metric_values USING" in plan, plan
        assert "day>" in plan, plan


def test_a_workspace_without_metrics_has_an_empty_snapshot(metrics: Metrics) -> None:
    snapshot = metrics.snapshot(GLOBEX)
    assert snapshot.is_empty
    assert (snapshot.day, snapshot.through) == (YESTERDAY, YESTERDAY)


def test_the_reported_day_follows_the_snapshot_days(metrics: Metrics, november: Metrics) -> None:
    metrics.save_settings(
        ACME,
        SnapshotSettingsChange(channel="C0METRICS", days=("mon", "thu"), time="08:30", charts=True),
        ADMIN,
    )
    assert metrics.snapshot(ACME, date(2026, 11, 26)).day == date(2026, 11, 23)  # Thursday reports Monday
    assert metrics.snapshot(ACME, date(2026, 11, 23)).day == date(2026, 11, 19)  # Monday reports Thursday


# Reading one metric and a week


def test_a_metrics_history_shows_its_recent_days_newest_first(november: Metrics) -> None:
    history = november.history(ACME, "leads")

    assert history.metric.name == "leads"
    assert [day for day, _ in history.days] == [TODAY - timedelta(days=n) for n in range(14)]
    assert history.days[0] == (TODAY, None)
    assert [v.value if v else None for _, v in history.days[1:4]] == [48, 40, 40]
    logged = history.days[1][1]
    assert logged is not None
    assert (logged.metric, logged.source, logged.logged_by) == ("leads", ValueSource.IMPORTED, None)
    assert history.changes == ()
    assert (history.month.actual, history.month.days_left) == (920, 6)
    assert len(november.history(ACME, "leads", days=3).days) == 3


def test_the_weeks_summary_rolls_up_each_metric_over_the_week(november: Metrics) -> None:
    summary = november.week_summary(ACME, date(2026, 11, 16), date(2026, 11, 22))

    by_name: dict[str, tuple[Metric, float | None, PeriodProgress]] = {
        m.name: (m, v, p) for m, v, p in summary
    }
    _, leads_week, leads_month = by_name["leads"]
    assert leads_week == 32 + 6 * 40
    assert (leads_month.actual, leads_month.pace, leads_month.days_left) == (872, Pace.BEHIND, 8)
    assert by_name["pipeline"][1] == 1_500_000
    assert by_name["win-rate"][1] == 33
    assert by_name["calls"][1] is None


# Settings


def test_snapshot_settings_default_to_the_deployments(metrics: Metrics) -> None:
    assert metrics.settings(ACME) == SnapshotSettings(
        channel="C0METRICS",
        days=("mon", "tue", "wed", "thu", "fri"),
        time="08:30",
        charts=True,
        timezone=NEW_YORK,
    )


def test_an_admin_saves_snapshot_settings(metrics: Metrics) -> None:
    saved = metrics.save_settings(
        ACME,
        SnapshotSettingsChange(channel="C0NUMBERS", days=("fri", "mon"), time="07:15", charts=False),
        ADMIN,
    )

    assert saved == SnapshotSettings(
        channel="C0NUMBERS", days=("mon", "fri"), time="07:15", charts=False, timezone=NEW_YORK
    )
    assert metrics.settings(ACME) == saved
    metrics.settings(GLOBEX)  # met: a workspace with the deployment's settings
    everyone = metrics.all_settings()
    assert everyone[ACME] == saved
    assert everyone[GLOBEX] == metrics.settings(GLOBEX)
    assert everyone[GLOBEX].channel == "C0METRICS"
    off = metrics.save_settings(
        ACME, SnapshotSettingsChange(channel=None, days=("mon",), time="07:15", charts=True), ADMIN
    )
    assert off.channel is None


def test_bad_snapshot_settings_are_refused_by_field(metrics: Metrics) -> None:
    with pytest.raises(InvalidInput) as refused:
        metrics.save_settings(
            ACME, SnapshotSettingsChange(channel="#general", days=(), time="8.30", charts=True), ADMIN
        )
    assert refused.value.problems == {
        "channel": "Pick a channel: its ID looks like C0123ABCD.",
        "days": "Pick at least one day of the week for the snapshot.",
        "time": "Give a time of day such as 08:30 (24-hour clock).",
    }
    with pytest.raises(InvalidInput) as refused:
        metrics.save_settings(
            ACME, SnapshotSettingsChange(channel=None, days=("monday",), time="08:30", charts=True), ADMIN
        )
    assert refused.value.problems == {
        "days": "Name days of the week among mon, tue, wed, thu, fri, sat, sun."
    }
    assert metrics.settings(ACME).channel == "C0METRICS"
