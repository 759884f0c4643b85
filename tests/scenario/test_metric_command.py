"""`/metric` over real HTTP: logging a value (in the person's own timezone, replaced and audited), the
bad inputs refused with nothing stored, today's snapshot and a metric's history, only to the person."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import metrics as metric_blocks
from bot.metrics import MetricDraft, MetricTeam, Rollup, Unit, ValueSource
from bot.models import MetricRow, MetricValueChangeRow, MetricValueRow
from bot.people import Team
from bot.sandbox.lookalike import RecordedCall
from bot.sandbox.signing import HttpAnswer
from bot.workspaces import WorkspaceKey
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, TEAM, Tandem
from tests.scenario.messages import said

KEY = WorkspaceKey(TEAM)
ADA = "U0ADMIN"  # a Slack admin in the look-alike
# The clock fixture's Tuesday 24 November 2026, 09:30 UTC: 04:30 the same day for Ana in New York.
TODAY, YESTERDAY = date(2026, 11, 24), date(2026, 11, 23)
METRICS = (
    MetricDraft(
        "leads",
        "Leads",
        Unit.COUNT,
        MetricTeam.MARKETING,
        Rollup.SUM,
        monthly_target=1200,
        quarterly_target=3600,
    ),
    MetricDraft("pipeline", "Pipeline", Unit.CURRENCY, MetricTeam.SALES, Rollup.LATEST, currency="EUR"),
    MetricDraft("win-rate", "Win rate", Unit.PERCENT, MetricTeam.SHARED, Rollup.AVERAGE, monthly_target=30),
)


def define(tandem: Tandem, *drafts: MetricDraft) -> None:
    """The workspace's metrics, as an admin loads them; Ana is on sales and Ben on marketing."""
    tandem.services.metrics.load_definitions(KEY, drafts or METRICS, None)
    tandem.services.people.choose_own_team(KEY, ANA, Team.SALES)
    tandem.services.people.choose_own_team(KEY, BEN, Team.MARKETING)


def metric(tandem: Tandem, text: str, *, user_id: str = BEN) -> HttpAnswer:
    return tandem.command(text, user_id=user_id, command="/metric")


def answered(tandem: Tandem, count: int = 1) -> dict[str, Any]:
    """The `count`-th answer sent through a response_url."""
    calls: list[RecordedCall] = tandem.slack.wait_for("response_url", count=count)
    assert calls[-1].ok, calls[-1].response
    return dict(calls[-1].args)


def values(tandem: Tandem) -> list[tuple[str, date, float | None, str, str | None]]:
    with tandem.database.transaction() as session:
        rows = session.execute(
            select(
                MetricRow.name,
                MetricValueRow.day,
                MetricValueRow.value,
                MetricValueRow.source,
                MetricValueRow.logged_by,
            )
            .join(MetricRow, MetricRow.id == MetricValueRow.metric_id)
            .order_by(MetricRow.name, MetricValueRow.day)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def changes(tandem: Tandem) -> list[tuple[date, float | None, float | None, str, str | None]]:
    with tandem.database.transaction() as session:
        rows = session.execute(
            select(
                MetricValueChangeRow.day,
                MetricValueChangeRow.old,
                MetricValueChangeRow.new,
                MetricValueChangeRow.source,
                MetricValueChangeRow.changed_by,
            ).order_by(MetricValueChangeRow.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


# Logging a value


def test_a_value_is_stored_and_confirmed_only_to_the_person(tandem: Tandem) -> None:
    define(tandem)

    answer = metric(tandem, "leads 42")

    assert (answer.status, answer.body) == (200, b"")  # acknowledged at once, answered after
    confirmation = answered(tandem)
    assert confirmation["response_type"] == "ephemeral"
    assert confirmation["text"] == ":white_check_mark: Logged *Leads*: 42 for Tue, Nov 24."
    assert values(tandem) == [("leads", TODAY, 42.0, "typed", BEN)]
    assert changes(tandem) == []


def test_a_new_value_for_a_date_replaces_the_old_one_and_the_change_is_kept(tandem: Tandem) -> None:
    define(tandem)
    metric(tandem, "leads 40 yesterday")
    answered(tandem)

    metric(tandem, "Leads 1.2k mon")  # Monday, seen on a Tuesday: yesterday again

    assert answered(tandem, 2)["text"] == ":white_check_mark: Logged *Leads*: 1,200 for Mon, Nov 23 (was 40)."
    assert values(tandem) == [("leads", YESTERDAY, 1200.0, "typed", BEN)]
    assert changes(tandem) == [(YESTERDAY, 40.0, 1200.0, "typed", BEN)]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("pipeline 1.2M EUR yesterday", ("pipeline", YESTERDAY, 1_200_000.0)),
        ("pipeline EUR 300k", ("pipeline", TODAY, 300_000.0)),
        ("pipeline €2.5M 20 Nov", ("pipeline", date(2026, 11, 20), 2_500_000.0)),
        ("win-rate 35 % 2026-11-02", ("win-rate", date(2026, 11, 2), 35.0)),
        ("win-rate 35%", ("win-rate", TODAY, 35.0)),
    ],
)
def test_values_with_units_and_dates_are_read_as_written(
    tandem: Tandem, text: str, stored: tuple[str, date, float]
) -> None:
    define(tandem)

    metric(tandem, text, user_id=ANA)

    assert answered(tandem)["text"].startswith(":white_check_mark: Logged")
    assert values(tandem) == [(*stored, ValueSource.TYPED.value, ANA)]


def test_today_and_yesterday_are_the_persons_own(tandem: Tandem, clock: FixedClock) -> None:
    define(tandem)
    # Wednesday 02:00 in Paris (the workspace) is still Tuesday evening for Ana in New York.
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)

    metric(tandem, "pipeline 2M", user_id=ANA)
    answered(tandem)
    metric(tandem, "leads 7", user_id=BEN)  # Ben in London: already Wednesday

    answered(tandem, 2)
    assert values(tandem) == [
        ("leads", date(2026, 11, 25), 7.0, "typed", BEN),
        ("pipeline", TODAY, 2_000_000.0, "typed", ANA),
    ]


@pytest.mark.parametrize(
    ("text", "user_id", "refusal"),
    [
        ("lead 42", BEN, "There's no metric called `lead`. Did you mean `leads`?"),
        ("leads abc", BEN, "`abc` isn't a number: try 42, 1.2M or 35%."),
        ("leads 42 2026-11-25", BEN, "you can't log for a future date"),
        ("leads 42 tomorrow", BEN, "`tomorrow` isn't a date"),
        ("leads 42 2025-11-01", BEN, "more than a year back"),
        ("leads 42 20/11", BEN, "`20/11` could be read two ways"),
        ("leads -3", BEN, "a count can't be negative"),
        ("leads 4.5", BEN, "a count is a whole number"),
        ("pipeline $1.2M", ANA, "`pipeline` is in EUR"),
        ("leads 42", ANA, "Only marketing and Tandem's admins log `leads`."),
        ("pipeline 1M", BEN, "Only sales and Tandem's admins log `pipeline`."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(
    tandem: Tandem, text: str, user_id: str, refusal: str
) -> None:
    define(tandem)

    answer = metric(tandem, text, user_id=user_id)

    assert (answer.status, answer.body) == (200, b"")
    explained = answered(tandem)
    assert explained["response_type"] == "ephemeral"
    assert explained["text"].startswith(":warning: ")
    assert refusal in explained["text"]
    assert values(tandem) == []


def test_someone_with_no_team_is_told_how_to_get_one(tandem: Tandem) -> None:
    tandem.services.metrics.load_definitions(KEY, METRICS, None)  # nobody has a team yet

    metric(tandem, "win-rate 30", user_id=ANA)

    assert "Tandem doesn't know your team yet" in answered(tandem)["text"]
    assert values(tandem) == []


def test_admins_log_any_metric(tandem: Tandem) -> None:
    define(tandem)

    metric(tandem, "leads 12", user_id=ADA)

    assert answered(tandem)["text"].startswith(":white_check_mark: Logged *Leads*: 12")
    assert values(tandem) == [("leads", TODAY, 12.0, "typed", ADA)]


def test_a_name_typed_as_a_mention_cannot_ping_anyone(tandem: Tandem) -> None:
    define(tandem)

    metric(tandem, "<!channel> 42")

    text = answered(tandem)["text"]
    assert "<!channel>" not in text
    assert "@\u2060channel" in text
    assert values(tandem) == []


# Reading


def test_metric_alone_shows_todays_snapshot_only_to_the_person(tandem: Tandem) -> None:
    define(tandem)
    tandem.services.metrics.record_value(KEY, "leads", YESTERDAY, 40, source=ValueSource.TYPED, by=BEN)

    answer = metric(tandem, "", user_id=ANA)

    assert (answer.status, answer.body) == (200, b"")
    snapshot = answered(tandem)
    assert snapshot["response_type"] == "ephemeral"
    [table] = [b for b in snapshot["blocks"] if b["type"] == "table"]
    assert table["block_id"] == metric_blocks.SNAPSHOT_BLOCK
    assert len(table["rows"]) == 1 + len(METRICS)  # a header, then a row per metric
    shown = said(snapshot)
    assert "Shared metrics · Tue, Nov 24" in shown
    assert "Leads" in shown
    assert "Pipeline" in shown
    assert "Win rate" in shown


def test_metric_alone_before_any_is_defined_says_how_they_come(tandem: Tandem) -> None:
    metric(tandem, "")

    text = answered(tandem)["text"]
    assert text.startswith("No shared metrics yet for Tue, Nov 24.")
    assert "App Home" in text
    assert "`tandem metrics load metrics.yml`" in text


def test_a_metrics_history_shows_its_days_and_changes(tandem: Tandem) -> None:
    define(tandem)
    metric(tandem, "leads 40 yesterday")
    answered(tandem)  # one after the other: each command is worked on in its own thread
    metric(tandem, "leads 45 yesterday")
    answered(tandem, 2)

    metric(tandem, "leads", user_id=ANA)  # anyone may read

    history = answered(tandem, 3)
    assert history["response_type"] == "ephemeral"
    shown = said(history)
    assert "Mon, Nov 23 · 45 · typed by <@U0BEN>" in shown
    assert "Mon, Nov 23: 40 → 45 (typed by <@U0BEN>)" in shown


def test_the_history_of_an_unknown_metric_suggests_the_closest(tandem: Tandem) -> None:
    define(tandem)

    metric(tandem, "pipe")

    assert "There's no metric called `pipe`. Did you mean `pipeline`?" in answered(tandem)["text"]


@pytest.mark.parametrize("text", ["help", "HELP"])
def test_help_lists_every_use(tandem: Tandem, text: str) -> None:
    answer = metric(tandem, text)

    assert answer.status == 200
    shown = answer.json()["text"]
    for usage, _ in metric_blocks.USAGES:
        assert f"`{usage}`" in shown


# The admins' forms, by command


@pytest.mark.parametrize(
    ("text", "callback_id"), [("define", "metrics.form"), ("settings", "metrics.settings")]
)
def test_admins_open_the_forms_by_command(tandem: Tandem, text: str, callback_id: str) -> None:
    answer = metric(tandem, text, user_id=ADA)

    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    assert opened.args["view"]["callback_id"] == callback_id


@pytest.mark.parametrize("text", ["define", "settings"])
def test_others_are_told_only_admins_may(tandem: Tandem, text: str) -> None:
    metric(tandem, text, user_id=BEN)

    assert answered(tandem)["text"] == (
        ":no_entry: Only Tandem's admins define metrics or change the snapshot settings."
    )
    assert tandem.slack.calls_to("views.open") == []
