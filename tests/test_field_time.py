"""Field time as a metric nobody types: `tandem:field-visits` answered from the field notes each day."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.field_time import FieldTime
from bot.fieldnotes import NoteDraft, VisitKind
from bot.metric_files import parse_definitions
from bot.metric_queries import QueryFailed
from bot.metrics import (
    MetricDraft,
    MetricQuery,
    MetricTeam,
    Rollup,
    SnapshotDefaults,
    Unit,
    problems_with,
)
from bot.people import Actor, Team
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from jobs.metrics import reported_days
from tests.conftest import FixedClock

ACME, GLOBEX = WorkspaceKey("T0ACME"), WorkspaceKey("T0GLOBEX")
ADMIN = Actor("U0BOSS", is_admin=True)
MARK, MAYA, SALLY = Actor("U0MARK"), Actor("U0MAYA"), Actor("U0SALLY")
# The clock fixture's Tuesday 24 November 2026 in New York: the snapshot reports on Monday the 23rd.
TODAY, MONDAY = date(2026, 11, 24), date(2026, 11, 23)

FIELD_VISITS = MetricDraft(
    name="field-visits",
    label="Field visits per marketer",
    unit=Unit.COUNT,
    team=MetricTeam.MARKETING,
    rollup=Rollup.SUM,
    query=MetricQuery(sql="", url="tandem:field-visits"),
)


class Crm:
    """Stands in for the other databases metric queries run against."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, date]] = []

    def __call__(self, query: MetricQuery, day: date, zone: ZoneInfo) -> float:
        self.asked.append((query.url, day))
        return 42.0


@pytest.fixture
def crm() -> Crm:
    return Crm()


@pytest.fixture
def services(database: Database, clock: FixedClock, crm: Crm) -> Services:
    services = build_services(
        database,
        WorkspaceDefaults(timezone="America/New_York", tracker_channel=None),
        clock,
        snapshot_defaults=SnapshotDefaults(channel="C0METRICS"),
        run_query=crm,
    )
    services.people.set_team(ACME, ADMIN, [MARK.user_id, MAYA.user_id], Team.MARKETING)
    services.people.set_team(ACME, ADMIN, [SALLY.user_id], Team.SALES)
    services.metrics.load_definitions(ACME, [FIELD_VISITS], ADMIN)
    return services


def log(services: Services, key: WorkspaceKey, by: Actor, day: date, kind: VisitKind, *went: Actor) -> None:
    draft = NoteDraft("Acme Corp", day, kind, went=tuple(a.user_id for a in went), heard="They want SSO")
    services.fieldnotes.save(key, by, draft, request_key=f"{by.user_id}-{day}-{kind}-{len(went)}")


def test_the_snapshot_shows_visits_per_marketer_that_nobody_typed(services: Services) -> None:
    log(services, ACME, MARK, MONDAY, VisitKind.CUSTOMER_VISIT, MARK, SALLY)  # one marketer went
    log(services, ACME, MAYA, MONDAY, VisitKind.RIDE_ALONG, MAYA, MARK)  # two marketers went
    log(services, ACME, MARK, MONDAY, VisitKind.CALL)  # a call: nobody went anywhere
    log(services, ACME, SALLY, MONDAY, VisitKind.EVENT)  # sales alone: no marketer's field time
    log(services, ACME, MARK, date(2026, 11, 2), VisitKind.EVENT)
    log(services, GLOBEX, MARK, MONDAY, VisitKind.CUSTOMER_VISIT)  # another workspace's
    metrics = services.metrics

    # What the snapshot job does before posting: refresh the queried metrics for the days it reports.
    days = reported_days(metrics.settings(ACME).days, TODAY)
    assert metrics.refresh_queried(ACME, days) == []
    [figures] = metrics.snapshot(ACME, TODAY).figures

    assert figures.metric.name == "field-visits"
    assert (figures.day, figures.value, figures.unavailable) == (MONDAY, 1.5, None)  # 3 visits, 2 marketers

    # The whole month refreshed: summed, it is the month's visits per marketer (4 visits, 2 marketers),
    # the same as the field notes count for the month.
    november = [date(2026, 11, 1) + timedelta(days=n) for n in range(23)]
    assert metrics.refresh_queried(ACME, november) == []
    [figures] = metrics.snapshot(ACME, TODAY).figures
    assert figures.month.actual == 2.0
    per_marketer = services.fieldnotes.visits_per_marketer(ACME, date(2026, 11, 1))
    assert sum(per_marketer.values()) / 2 == 2.0


def test_without_a_marketing_team_the_day_is_unavailable_never_zero(services: Services) -> None:
    services.people.set_team(ACME, ADMIN, [MARK.user_id, MAYA.user_id], Team.SALES)
    log(services, ACME, MARK, MONDAY, VisitKind.CUSTOMER_VISIT)

    [failure] = services.metrics.refresh_queried(ACME, [MONDAY])
    [figures] = services.metrics.snapshot(ACME, TODAY).figures

    assert (failure.metric, failure.day) == ("field-visits", MONDAY)
    assert "no one is on the marketing team" in failure.problem
    assert figures.value is None
    assert figures.unavailable == failure.problem


def test_other_queried_metrics_still_run_on_their_own_database(services: Services, crm: Crm) -> None:
    pipeline = MetricDraft(
        name="pipeline",
        label="Open pipeline",
        unit=Unit.COUNT,
        team=MetricTeam.SALES,
        rollup=Rollup.LATEST,
        query=MetricQuery(sql="SELECT count(*) FROM deals", url="postgresql+psycopg://reader@crm/crm"),
    )
    services.metrics.load_definitions(ACME, [pipeline], ADMIN)

    assert services.metrics.refresh_queried(ACME, [MONDAY]) == []

    assert crm.asked == [("postgresql+psycopg://reader@crm/crm", MONDAY)]  # field-visits never reaches it
    values = {f.metric.name: f.value for f in services.metrics.snapshot(ACME, TODAY).figures}
    assert values == {"field-visits": 0.0, "pipeline": 42.0}


def test_a_tandem_query_needs_no_sql_and_only_known_names_are_accepted() -> None:
    assert problems_with(FIELD_VISITS) == {}
    unknown = MetricDraft(
        name="calls",
        label="Calls",
        unit=Unit.COUNT,
        team=MetricTeam.SALES,
        rollup=Rollup.SUM,
        query=MetricQuery(sql="", url="tandem:calls"),
    )
    assert problems_with(unknown) == {"query_url": "Tandem itself answers only tandem:field-visits."}


def test_an_unknown_tandem_query_met_at_run_time_is_a_failure_not_a_database_url(
    services: Services,
) -> None:
    runner = FieldTime(services.database, services.workspaces, services.people, Crm()).runner()
    with pytest.raises(QueryFailed, match="Tandem answers only tandem:field-visits"):
        runner(ACME, MetricQuery("", "tandem:calls"), MONDAY, ZoneInfo("UTC"))


def test_a_metrics_file_defines_field_time_with_a_url_and_no_sql() -> None:
    text = (
        "metrics:\n"
        "  - name: field-visits\n"
        "    label: Field visits per marketer\n"
        "    team: marketing\n"
        "    query:\n"
        "      url: tandem:field-visits\n"
    )

    [draft] = parse_definitions(text)

    assert draft.query == MetricQuery(sql="", url="tandem:field-visits")
    assert problems_with(draft) == {}
