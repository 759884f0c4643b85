"""The shared metrics' Block Kit: the snapshot's table within Slack's limits at its largest, user text
kept inert, answers that say what was stored, and forms read back whole."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View

from bot.blocks import metrics as blocks
from bot.blocks.text import Message
from bot.metrics import (
    LABEL_MAX,
    METRICS_MAX,
    ImportCheck,
    ImportResult,
    ImportRow,
    LineProblem,
    Logged,
    Metric,
    MetricFigures,
    MetricHistory,
    MetricQuery,
    MetricTeam,
    MetricValue,
    Pace,
    PeriodProgress,
    Rollup,
    Snapshot,
    SnapshotSettings,
    Target,
    Unit,
    ValueChange,
    ValueSource,
)
from bot.scheduling import WEEKDAYS
from tests.contract.checks import check_view, check_web_api_call

ZONE = ZoneInfo("Europe/Paris")
TUESDAY = date(2026, 11, 24)
MONDAY = date(2026, 11, 23)
HOSTILE = "<!channel> *bold* & <https://evil.example|win> @here"
LONGEST_LABEL = (HOSTILE * 5)[:LABEL_MAX]


def a_metric(
    name: str = "leads",
    label: str = "Leads",
    *,
    unit: Unit = Unit.COUNT,
    currency: str | None = None,
    rollup: Rollup = Rollup.SUM,
    team: MetricTeam = MetricTeam.MARKETING,
    monthly_target: float | None = 1200,
    quarterly_target: float | None = 3600,
    position: int = 0,
    **changes: Any,
) -> Metric:
    fields: dict[str, Any] = {
        "id": position + 1,
        "position": position,
        "name": name,
        "label": label,
        "unit": unit,
        "team": team,
        "rollup": rollup,
        "currency": currency,
        "higher_is_better": True,
        "monthly_target": monthly_target,
        "quarterly_target": quarterly_target,
        "targets": (),
        "query": None,
        "description": "",
    }
    fields.update(changes)
    return Metric(**fields)


def a_period(
    label: str = "November",
    actual: float | None = 1020,
    target: float | None = 1200,
    pace: Pace = Pace.ON_TRACK,
    *,
    gap: float | None = None,
    needed: float | None = None,
) -> PeriodProgress:
    return PeriodProgress(
        period="2026-11" if label == "November" else "2026-Q4",
        label=label,
        actual=actual,
        target=target,
        progress=actual / target if actual is not None and target else None,
        expected=None,
        pace=pace,
        gap=gap,
        needed_per_day=needed,
        days_left=7,
    )


def figures_of(
    metric: Metric,
    *,
    value: float | None = 42,
    change: float | None = 0.05,
    unavailable: str | None = None,
    month: PeriodProgress | None = None,
    quarter: PeriodProgress | None = None,
    through: date = MONDAY,
    with_values: bool = True,
) -> MetricFigures:
    series = tuple(
        (through - timedelta(days=29 - n), float(30 + n) if with_values and n % 6 else None)
        for n in range(30)
    )
    return MetricFigures(
        metric=metric,
        day=through,
        value=value,
        week_before=40,
        change=change,
        month=month or a_period(),
        quarter=quarter or a_period("Q4 2026", 3100, 3600),
        unavailable=unavailable,
        series=series,
        daily_target=40,
    )


def a_snapshot(*figures: MetricFigures, made_on: date = TUESDAY, day: date = MONDAY) -> Snapshot:
    return Snapshot(made_on=made_on, day=day, through=made_on - timedelta(days=1), zone=ZONE, figures=figures)


def the_usual_snapshot() -> Snapshot:
    return a_snapshot(
        figures_of(
            a_metric(),
            month=a_period(pace=Pace.BEHIND, gap=0.12, needed=30.4),
        ),
        figures_of(
            a_metric(
                "pipeline", "Pipeline", unit=Unit.CURRENCY, currency="EUR", rollup=Rollup.LATEST, position=1
            ),
            value=None,
            unavailable="timed out after 20 s",
            month=a_period(actual=1_400_000, target=1_500_000, pace=Pace.BEHIND, gap=0.07),
            quarter=a_period("Q4 2026", 1_400_000, None, Pace.NO_TARGET),
        ),
        figures_of(
            a_metric("win-rate", "Win rate", unit=Unit.PERCENT, rollup=Rollup.AVERAGE, position=2),
            value=35.5,
            change=-0.05,
            month=a_period(actual=36, target=30, pace=Pace.MET),
            quarter=a_period("Q4 2026", None, 30, Pace.NO_DATA),
        ),
    )


def worst_snapshot(count: int = METRICS_MAX) -> Snapshot:
    """Every metric a workspace may have, labels as long as allowed and made of what escaping
    lengthens, amounts at their widest, and every query failed."""
    return a_snapshot(
        *(
            figures_of(
                a_metric(
                    f"metric-{n}",
                    LONGEST_LABEL,
                    unit=Unit.CURRENCY,
                    currency="CHF",
                    monthly_target=999_000_000_000,
                    position=n,
                ),
                value=None,
                unavailable="no such table: deals " * 20,
                month=a_period(
                    actual=123_456_789_012,
                    target=999_000_000_000,
                    pace=Pace.BEHIND,
                    gap=0.88,
                    needed=12_345_678_901,
                ),
                quarter=a_period(
                    "Q4 2026", 123_456_789_012, 999_000_000_000, Pace.BEHIND, gap=0.88, needed=1_234_567_890
                ),
            )
            for n in range(count)
        )
    )


def posted(message: Message) -> dict[str, Any]:
    """The message as chat.postMessage sends it, checked against Slack's own types."""
    kwargs = message.as_kwargs()  # to_dict() runs slack_sdk's checks of every block's limits
    assert check_web_api_call("chat.postMessage", {"channel": "C0METRICS", **kwargs}) == []
    assert kwargs["text"].strip()
    assert len(kwargs["text"]) <= 3000
    return kwargs


def opened(view: View) -> dict[str, Any]:
    shown = view.to_dict()
    assert check_web_api_call("views.open", {"trigger_id": "1.2.3", "view": shown}) == []
    return shown


def table_of(kwargs: dict[str, Any]) -> list[list[str]]:
    [table] = [b for b in kwargs["blocks"] if b["type"] == "table"]
    return [[cell["text"] for cell in row] for row in table["rows"]]


def mrkdwn_of(kwargs: dict[str, Any]) -> str:
    """Everything Slack formats as mrkdwn or shows as plain text, except the table's raw cells."""
    outside = [b for b in kwargs["blocks"] if b["type"] != "table"]
    return json.dumps(outside, ensure_ascii=False) + str(kwargs["text"])


# The snapshot


def test_the_snapshot_lays_each_metric_out_in_one_table() -> None:
    kwargs = posted(blocks.snapshot_message(the_usual_snapshot()))

    assert kwargs["blocks"][0]["text"]["text"] == "Shared metrics · Tue, Nov 24"
    assert kwargs["blocks"][1]["elements"][0]["text"] == (
        "Figures for Mon, Nov 23 · month and quarter to date through Mon, Nov 23"
    )
    assert [b["type"] for b in kwargs["blocks"]].count("table") == 1
    rows = table_of(kwargs)
    assert rows[0] == [
        "Metric",
        "Yesterday",
        "vs last week",
        "Month to date",
        "Target",
        "November",
        "Quarter to date",
        "Q4 2026",
    ]
    assert rows[1] == [
        "Leads",
        "42",
        "▲ 5%",
        "1,020",
        "1,200",
        "▓▓▓▓▓▓▓▓░░ 85% · behind by 12%, need 31/day",
        "3,100 of 3,600",
        "▓▓▓▓▓▓▓▓░░ 86% · on track",
    ]
    assert rows[3] == [
        "Win rate",
        "35.5%",
        "▼ 5%",
        "36%",
        "30%",
        "▓▓▓▓▓▓▓▓▓▓ 120% · target met",
        "—",
        "no data",
    ]
    assert all(len(row) == 8 for row in rows)


def test_number_columns_are_right_aligned_and_labels_wrap() -> None:
    [table] = [
        b for b in posted(blocks.snapshot_message(the_usual_snapshot()))["blocks"] if b["type"] == "table"
    ]

    settings = table["column_settings"]
    assert [s.get("align") for s in settings] == [
        None,
        "right",
        "right",
        "right",
        "right",
        "left",
        "right",
        "left",
    ]
    assert settings[0]["is_wrapped"] is True


def test_a_failed_query_shows_unavailable_never_zero_and_says_admins_know() -> None:
    kwargs = posted(blocks.snapshot_message(the_usual_snapshot()))

    pipeline = table_of(kwargs)[2]
    assert pipeline[:3] == ["Pipeline", "unavailable", "—"]
    assert pipeline[5] == "▓▓▓▓▓▓▓▓▓░ 93% · behind by 7%"
    assert pipeline[7] == "no target"
    notes = [b for b in kwargs["blocks"] if b["type"] == "context"]
    assert notes[-1]["elements"][0]["text"] == (
        ":warning: Pipeline: unavailable — the query failed (admins were told)"
    )
    # The reason (which may name tables) goes to admins, not to the channel.
    assert "timed out" not in json.dumps(kwargs)


def test_the_fallback_text_carries_the_key_figures() -> None:
    text = posted(blocks.snapshot_message(the_usual_snapshot()))["text"]

    assert text == (
        "Shared metrics for Tue, Nov 24: Leads 42 (MTD 1,020/1,200, behind by 12%, need 31/day) · "
        "Pipeline unavailable (MTD €1.4M/€1.5M, behind by 7%) · "
        "Win rate 35.5% (MTD 36%/30%, target met)"
    )


def test_on_a_monday_the_snapshot_reports_friday_and_runs_the_month_through_sunday() -> None:
    friday, monday = date(2026, 11, 20), date(2026, 11, 23)
    snapshot = a_snapshot(figures_of(a_metric(), through=friday), made_on=monday, day=friday)

    kwargs = posted(blocks.snapshot_message(snapshot))

    assert kwargs["blocks"][1]["elements"][0]["text"] == (
        "Figures for Fri, Nov 20 · month and quarter to date through Sun, Nov 22"
    )
    assert table_of(kwargs)[0][1] == "Fri, Nov 20"


def test_a_late_snapshot_says_so() -> None:
    kwargs = posted(blocks.snapshot_message(the_usual_snapshot(), late=True))
    assert "Posted late: Tandem was offline at the scheduled time." in mrkdwn_of(kwargs)


def test_the_largest_snapshot_stays_within_slacks_limits() -> None:
    kwargs = posted(blocks.snapshot_message(worst_snapshot(), late=True))

    rows = table_of(kwargs)
    assert len(rows) == 1 + METRICS_MAX  # every metric a workspace may have
    assert all(len(row) == 8 for row in rows)
    assert len(kwargs["blocks"]) <= 50
    # Slack caps a table's cells at 10,000 characters, and the rest of a message at about 12,000.
    cells = sum(len(cell) for row in rows for cell in row)
    assert cells <= blocks.TABLE_TEXT < 10_000
    frame = sum(len(json.dumps(b)) for b in kwargs["blocks"] if b["type"] != "table")
    assert frame + cells <= blocks.MESSAGE_SIZE
    for block in kwargs["blocks"]:
        for element in block.get("elements") or []:
            assert len(element.get("text", "")) <= 3000
    assert all(len(row[0]) <= blocks.LABEL_CELL for row in rows)
    assert "more unavailable" in mrkdwn_of(kwargs)  # one line each would not fit: the rest counted
    assert kwargs["text"].count("unavailable") == METRICS_MAX  # every shown metric in the fallback


def test_metrics_past_what_a_table_holds_are_counted() -> None:
    kwargs = posted(blocks.snapshot_message(worst_snapshot(METRICS_MAX + 5)))

    assert len(table_of(kwargs)) == blocks.TABLE_ROWS
    assert "+5 more: `/metric <name>` shows any metric." in mrkdwn_of(kwargs)
    assert kwargs["text"].endswith("· +5 more")
    assert kwargs["text"].count("unavailable") == METRICS_MAX


def test_user_text_in_the_snapshot_cannot_ping_or_link() -> None:
    snapshot = a_snapshot(figures_of(a_metric(label=LONGEST_LABEL), unavailable="boom"))

    kwargs = posted(blocks.snapshot_message(snapshot))

    shown = mrkdwn_of(kwargs)
    assert "<!channel>" not in shown
    assert "<https://evil" not in shown
    assert "@here" not in shown
    assert "&lt;!channel&gt;" in shown
    # Table cells are raw text: shown as typed, never formatted, and cut to the column's width.
    assert table_of(kwargs)[1][0] == LONGEST_LABEL[: blocks.LABEL_CELL - 1].rstrip() + "…"


def test_with_no_metrics_the_snapshot_says_how_to_define_them() -> None:
    for message in (blocks.snapshot_message(a_snapshot()), blocks.empty_snapshot_message(TUESDAY)):
        kwargs = posted(message)
        assert kwargs["text"].startswith("No shared metrics yet for Tue, Nov 24.")
        assert "`tandem metrics load metrics.yml`" in kwargs["text"]


def test_the_charts_alt_text_names_what_is_charted_within_1000_characters() -> None:
    usual = blocks.snapshot_chart_alt_text(the_usual_snapshot())
    largest = blocks.snapshot_chart_alt_text(worst_snapshot())

    assert usual.startswith(
        "Daily values for the last 30 days through Mon, Nov 23, each against its target line:"
    )
    assert "Leads (latest 59, target 40)" in usual
    assert "Pipeline (latest €59, target €40)" in usual
    assert len(largest) <= 1000


# One metric


def a_value(day: date, value: float | None, *, by: str | None = "U0ANA") -> MetricValue:
    return MetricValue(
        metric="leads",
        day=day,
        value=value,
        source=ValueSource.QUERY if value is None else ValueSource.TYPED,
        logged_by=by,
        logged_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        problem="timed out" if value is None else None,
    )


def test_history_lists_the_days_the_month_and_the_changes() -> None:
    metric = a_metric(description=HOSTILE, query=MetricQuery("select 1", "postgresql://u:s3cret@crm/db"))
    history = MetricHistory(
        metric=metric,
        days=(
            (MONDAY, a_value(MONDAY, 42)),
            (MONDAY - timedelta(days=1), None),
            (MONDAY - timedelta(days=2), a_value(MONDAY - timedelta(days=2), None, by=None)),
        ),
        changes=(
            ValueChange(
                "leads", MONDAY, 40, 42, ValueSource.TYPED, "U0ANA", datetime(2026, 11, 24, 9, tzinfo=UTC)
            ),
        ),
        month=a_period(pace=Pace.BEHIND, gap=0.12, needed=30.4),
    )

    kwargs = posted(blocks.history_message(history))

    shown = mrkdwn_of(kwargs)
    assert kwargs["blocks"][0]["text"]["text"] == "Leads"
    assert (
        "`leads` · count · marketing · summed · higher is better · filled by its query each morning" in shown
    )
    assert "*November*: 1,020 of 1,200 for November, behind by 12%, need 31/day" in shown
    assert "▓▓▓▓▓▓▓▓░░ 85%" in shown
    assert "Mon, Nov 23 · 42 · typed by <@U0ANA>" in shown
    assert "Sun, Nov 22 · —" in shown
    assert "Sat, Nov 21 · unavailable (the query failed)" in shown
    assert "Mon, Nov 23: 40 → 42 (typed by <@U0ANA>)" in shown
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown
    assert "s3cret" not in shown
    assert (
        kwargs["text"] == "Leads: 42 on Mon, Nov 23 · 1,020 of 1,200 for November, behind by 12%, need 31/day"
    )


def test_logging_says_what_was_stored_and_what_it_replaced() -> None:
    metric = a_metric(label="Leads & <!here>")
    fresh = Logged(a_value(TUESDAY, 42), previous=None, replaced=False)
    replaced = Logged(a_value(TUESDAY, 42), previous=40, replaced=True)
    was_unavailable = Logged(a_value(TUESDAY, 42), previous=None, replaced=True)
    last_year = Logged(a_value(date(2025, 12, 30), 42), previous=None, replaced=False)

    assert posted(blocks.logged_message(fresh, metric))["text"] == (
        ":white_check_mark: Logged *Leads &amp; &lt;!here&gt;*: 42 for Tue, Nov 24."
    )
    assert "42 for Tue, Nov 24 (was 40)." in posted(blocks.logged_message(replaced, metric))["text"]
    assert "(was unavailable)." in posted(blocks.logged_message(was_unavailable, metric))["text"]
    assert "42 for Tue, Dec 30, 2025." in posted(blocks.logged_message(last_year, metric))["text"]


def test_an_amount_is_logged_in_its_currency() -> None:
    pipeline = a_metric("pipeline", "Pipeline", unit=Unit.CURRENCY, currency="EUR")
    logged = Logged(a_value(TUESDAY, 1_200_000), previous=None, replaced=False)
    assert (
        "Logged *Pipeline*: €1.2M for Tue, Nov 24." in posted(blocks.logged_message(logged, pipeline))["text"]
    )


def test_admins_hear_which_query_failed_and_how_to_fill_the_gap() -> None:
    metric = a_metric("pipeline", "Pipeline")
    text = posted(blocks.query_failed_notice(metric, MONDAY, "no such table: `deals` <!channel>"))["text"]

    assert text.startswith(
        ":warning: The query for *Pipeline* (`pipeline`) failed for Mon, Nov 23: "
        "`no such table: 'deals' &lt;!channel&gt;`"
    )
    assert "`/metric pipeline <value> 2026-11-23`" in text


# Importing values


def an_import(good: int, problems: int) -> ImportCheck:
    return ImportCheck(
        rows=tuple(ImportRow(n + 2, "leads", MONDAY, 42) for n in range(good)),
        problems=tuple(LineProblem(n + 2, f"unknown metric 'lead{n}' {HOSTILE}") for n in range(problems)),
    )


def test_an_import_with_problems_lists_them_by_line_and_asks_before_loading() -> None:
    kwargs = posted(blocks.import_summary("values.csv", an_import(120, 25), pending_id=7))

    summary = kwargs["blocks"][0]["text"]["text"]
    assert summary.startswith(
        "*values.csv*: 120 rows to load, 25 rows with problems:\nLine 2: unknown metric 'lead0'"
    )
    assert summary.count("\nLine ") == blocks.PROBLEMS_SHOWN
    assert summary.endswith("\n+5 more")
    assert "<!channel>" not in summary
    [actions] = [b for b in kwargs["blocks"] if b["type"] == "actions"]
    assert [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]] == [
        (blocks.CONFIRM_IMPORT_ACTION, "7", "Load 120 good rows"),
        (blocks.CANCEL_IMPORT_ACTION, "7", "Cancel"),
    ]
    assert kwargs["text"] == "values.csv: 120 rows to load, 25 with problems."


def test_an_import_with_nothing_good_offers_only_cancel() -> None:
    kwargs = posted(blocks.import_summary("values.csv", an_import(0, 3), pending_id=8))
    [actions] = [b for b in kwargs["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [blocks.CANCEL_IMPORT_ACTION]


def test_an_import_not_held_has_no_buttons() -> None:
    kwargs = posted(blocks.import_summary("values.csv", an_import(3, 1), pending_id=None))
    assert [b["type"] for b in kwargs["blocks"]] == ["section"]


def test_an_unreadable_file_says_why_and_what_a_values_file_is() -> None:
    check = ImportCheck(rows=(), problems=(), fatal="The first line must be the header date,metric,value.")
    text = posted(blocks.import_summary("<!here>.csv", check, pending_id=None))["text"]
    assert text.startswith(":x: I couldn't read *&lt;!here&gt;.csv*: The first line must be the header")
    assert "Nothing was loaded." in text


def test_a_loaded_import_counts_what_it_stored() -> None:
    text = posted(blocks.import_done("values.csv", ImportResult(stored=117, replaced=4, skipped=3)))["text"]
    assert text == (
        ":white_check_mark: Loaded 117 values from *values.csv* "
        "(4 earlier values replaced; 3 rows with problems left out)."
    )
    assert posted(blocks.import_done("v.csv", ImportResult(1, 0, 0)))["text"].endswith(
        "Loaded 1 value from *v.csv*."
    )


# Help


def test_help_names_every_usage_and_fits_a_section() -> None:
    kwargs = posted(blocks.help_message())
    for usage, _ in blocks.USAGES:
        assert f"`{usage}`" in blocks.HELP
    assert "CSV in a direct message" in blocks.HELP
    assert kwargs["text"] == blocks.HELP
    assert len(blocks.HELP) <= 3000


# The metric form


def filled(view: View, values: dict[str, Any], metadata: str = "") -> dict[str, Any]:
    """A submitted form: `values` by field name, as Slack sends each element's state."""
    shown = view.to_dict()
    state: dict[str, Any] = {}
    for block in shown["blocks"]:
        if block["type"] != "input":
            continue
        field = block["block_id"].rsplit(".", 1)[1]
        kind = block["element"]["type"]
        given = values.get(field)
        if kind == "plain_text_input":
            entry = {"type": kind, "value": given}
        elif kind in {"static_select", "radio_buttons"}:
            entry = {"type": kind, "selected_option": {"value": given} if given else None}
        elif kind == "checkboxes":
            entry = {"type": kind, "selected_options": [{"value": v} for v in given or []]}
        elif kind == "timepicker":
            entry = {"type": kind, "selected_time": given}
        else:
            entry = {"type": kind, "selected_conversation": given}
        state[block["block_id"]] = {"value": entry}
    return {**shown, "private_metadata": metadata, "state": {"values": state}}


GOOD_METRIC = {
    "name": "Pipeline",
    "label": "  Open pipeline ",
    "unit": "currency",
    "currency": "eur",
    "team": "sales",
    "rollup": "latest",
    "direction": "higher",
    "monthly_target": "€2.5M",
    "quarterly_target": "7,500,000",
    "description": "Open opportunities",
    "query_sql": "select sum(amount) from deals where stage = 'open'",
    "query_url": "postgresql+psycopg://reader:pw@crm/crm",
}


def test_a_new_metrics_form_is_valid_and_offers_no_removal() -> None:
    shown = opened(blocks.metric_form(None))

    assert shown["callback_id"] == blocks.METRIC_FORM
    assert shown.get("private_metadata", "") == ""
    assert shown["title"]["text"] == "Define a metric"
    assert blocks.REMOVE_METRIC_ACTION not in json.dumps(shown)
    assert len(shown["blocks"]) <= 100
    hints = json.dumps([b.get("hint") for b in shown["blocks"]])
    assert "YAML file" in hints  # targets per month or quarter are file-only, and it says so


def test_the_form_reads_back_a_metric() -> None:
    draft, errors, replacing = blocks.read_metric_form(filled(blocks.metric_form(None), GOOD_METRIC))

    assert errors == {}
    assert replacing is None
    assert draft is not None
    assert (draft.name, draft.label, draft.unit, draft.currency) == (
        "pipeline",
        "Open pipeline",
        Unit.CURRENCY,
        "EUR",
    )
    assert (draft.team, draft.rollup, draft.higher_is_better) == (MetricTeam.SALES, Rollup.LATEST, True)
    assert (draft.monthly_target, draft.quarterly_target) == (2_500_000, 7_500_000)
    assert draft.query == MetricQuery(GOOD_METRIC["query_sql"], GOOD_METRIC["query_url"])
    assert draft.description == "Open opportunities"


@pytest.mark.parametrize(
    ("typed", "target"),
    [
        ("1200", 1200),
        ("1,200", 1200),
        ("12k", 12_000),
        ("2.5M", 2_500_000),
        ("1.2M EUR", 1_200_000),
        ("35%", 35),
    ],
)
def test_targets_are_read_as_people_write_them(typed: str, target: float) -> None:
    values = {**GOOD_METRIC, "monthly_target": typed, "unit": "count", "currency": "", "rollup": "sum"}
    draft, errors, _ = blocks.read_metric_form(filled(blocks.metric_form(None), values))
    assert errors == {}
    assert draft is not None
    assert draft.monthly_target == target


def test_each_problem_shows_under_its_field() -> None:
    values = {
        **GOOD_METRIC,
        "name": "Not a name!",
        "label": "",
        "monthly_target": "lots",
        "currency": "",
    }
    form = blocks.metric_form(None)

    draft, errors, _ = blocks.read_metric_form(filled(form, values))

    assert draft is None
    assert errors == {"metrics.form.monthly_target": "“lots” isn't a number: try 1,200 or 2.5M."}
    # Once the numbers read, the definition's own problems show, each under its field.
    draft, errors, _ = blocks.read_metric_form(filled(form, {**values, "monthly_target": "-5"}))
    assert draft is None
    assert set(errors) == {
        "metrics.form.name",
        "metrics.form.label",
        "metrics.form.currency",
        "metrics.form.monthly_target",
    }
    inputs = {b["block_id"] for b in form.to_dict()["blocks"] if b["type"] == "input"}
    assert set(errors) <= inputs


def test_a_query_needs_both_its_sql_and_where_it_runs() -> None:
    form = blocks.metric_form(None)

    _, no_url, _ = blocks.read_metric_form(filled(form, {**GOOD_METRIC, "query_url": ""}))
    _, no_sql, _ = blocks.read_metric_form(filled(form, {**GOOD_METRIC, "query_sql": ""}))
    draft, errors, _ = blocks.read_metric_form(
        filled(form, {**GOOD_METRIC, "query_sql": "", "query_url": ""})
    )

    assert list(no_url) == ["metrics.form.query_url"]
    assert list(no_sql) == ["metrics.form.query_sql"]
    assert errors == {}
    assert draft is not None
    assert draft.query is None


# A queried metric with a password in its URL and a target only its file can set.
QUERIED_PIPELINE = a_metric(
    "pipeline",
    "Pipeline",
    unit=Unit.CURRENCY,
    currency="EUR",
    query=MetricQuery("select 1", "postgresql+psycopg://reader:s3cret@crm/crm"),
    targets=(Target("2026-12", 2_000_000),),
)


def test_editing_never_shows_the_query_urls_password() -> None:
    stored = QUERIED_PIPELINE

    shown = opened(blocks.metric_form(stored))

    assert "s3cret" not in json.dumps(shown)
    assert shown["private_metadata"] == "pipeline"
    [url] = [b for b in shown["blocks"] if b.get("block_id") == "metrics.form.query_url"]
    assert "initial_value" not in url["element"]
    assert url["element"]["placeholder"]["text"].startswith("Kept: postgresql+psycopg://reader:")
    assert "2026-12: €2M" in json.dumps(shown, ensure_ascii=False)  # its file-only targets, named
    [remove] = [e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (remove["action_id"], remove["value"]) == (blocks.REMOVE_METRIC_ACTION, "pipeline")


def test_an_edit_that_leaves_the_url_empty_keeps_the_stored_one_and_the_files_targets() -> None:
    stored = QUERIED_PIPELINE
    values = {**GOOD_METRIC, "name": "open-pipeline", "query_url": "", "query_sql": "select 2"}

    draft, errors, replacing = blocks.read_metric_form(filled(blocks.metric_form(stored), values, "pipeline"))

    assert errors == {}
    assert draft is not None
    assert replacing == "pipeline"
    assert draft.query == MetricQuery("select 2", "")
    kept = blocks.with_stored(draft, stored)
    assert kept.query == MetricQuery("select 2", "postgresql+psycopg://reader:s3cret@crm/crm")
    assert kept.targets == stored.targets
    assert kept.name == "open-pipeline"
    assert blocks.with_stored(draft, replace(stored, query=None)).query == MetricQuery("select 2", "")


def test_the_forms_values_show_again_when_editing() -> None:
    stored = a_metric(
        higher_is_better=False, monthly_target=2_500_000, quarterly_target=None, description="Why"
    )
    form = blocks.metric_form(stored)
    shown = opened(form)

    by_block = {b["block_id"]: b["element"] for b in shown["blocks"] if b["type"] == "input"}
    assert by_block["metrics.form.name"]["initial_value"] == "leads"
    assert by_block["metrics.form.monthly_target"]["initial_value"] == "2500000"
    assert "initial_value" not in by_block["metrics.form.quarterly_target"]
    assert by_block["metrics.form.direction"]["initial_option"]["value"] == "lower"
    assert by_block["metrics.form.team"]["initial_option"]["value"] == "marketing"


def test_service_problems_map_to_the_forms_fields() -> None:
    errors = blocks.form_errors(
        {
            "name": "Taken.",
            "query_sql": "Only SELECT.",
            "targets": "Bad period.",
            "monthly_target": "Negative.",
        }
    )
    assert errors == {
        "metrics.form.name": "Taken.",
        "metrics.form.query_sql": "Only SELECT.",
        "metrics.form.monthly_target": "Bad period. Negative.",
    }


# The settings form


def settings(channel: str | None = "C0METRICS", **changes: Any) -> SnapshotSettings:
    fields: dict[str, Any] = {
        "channel": channel,
        "days": ("mon", "tue", "wed", "thu", "fri"),
        "time": "08:30",
        "charts": True,
        "timezone": ZONE,
    }
    fields.update(changes)
    return SnapshotSettings(**fields)


def test_the_settings_form_shows_whats_in_effect() -> None:
    shown = opened(blocks.settings_form(settings()))

    assert shown["callback_id"] == blocks.SETTINGS_FORM
    by_block = {b["block_id"]: b["element"] for b in shown["blocks"] if b["type"] == "input"}
    assert by_block["metrics.settings.channel"]["initial_conversation"] == "C0METRICS"
    assert "default_to_current_conversation" not in by_block["metrics.settings.channel"]
    ticked = [o["value"] for o in by_block["metrics.settings.days"]["initial_options"]]
    assert ticked == ["mon", "tue", "wed", "thu", "fri"]
    assert by_block["metrics.settings.time"]["initial_time"] == "08:30"
    assert len(by_block["metrics.settings.charts"]["initial_options"]) == 1


def test_without_a_channel_the_settings_form_offers_the_current_one() -> None:
    shown = opened(blocks.settings_form(settings(None, charts=False)))
    by_block = {b["block_id"]: b["element"] for b in shown["blocks"] if b["type"] == "input"}
    assert by_block["metrics.settings.channel"]["default_to_current_conversation"] is True
    assert "initial_options" not in by_block["metrics.settings.charts"]


def test_the_settings_form_reads_back_days_in_week_order() -> None:
    form = blocks.settings_form(settings())
    values = {"channel": "C0OTHER", "days": ["fri", "mon", "wed"], "time": "07:45", "charts": []}

    change, errors = blocks.read_settings_form(filled(form, values))

    assert errors == {}
    assert change is not None
    assert (change.channel, change.days, change.time, change.charts) == (
        "C0OTHER",
        ("mon", "wed", "fri"),
        "07:45",
        False,
    )


def test_the_settings_form_needs_a_day_and_a_time() -> None:
    change, errors = blocks.read_settings_form(
        filled(blocks.settings_form(settings()), {"days": [], "time": None})
    )
    assert change is None
    assert errors == {
        "metrics.settings.days": "Choose at least one day.",
        "metrics.settings.time": "Choose a time, such as 08:30.",
    }


# App Home


def test_app_home_lists_the_metrics_and_where_the_snapshot_goes() -> None:
    metrics = [a_metric(f"m{n}", f"Metric {n} {HOSTILE}", position=n) for n in range(15)]

    part = blocks.home_part(metrics, settings(), is_admin=True)

    shown = opened(View(type="home", blocks=part))
    assert len(part) <= blocks.HOME_BLOCKS
    listing = shown["blocks"][1]["text"]["text"]
    assert listing.count("\n• ") == blocks.HOME_METRICS - 1
    assert "• *Metric 0 &lt;!channel&gt;" in listing
    assert "<!channel>" not in listing
    assert "(`m0`) · count · 1,200 a month · marketing" in listing
    assert listing.endswith("+3 more: `/metric` shows them all.")
    assert shown["blocks"][2]["elements"][0]["text"] == (
        "Posted to <#C0METRICS> at 08:30 on Mon–Fri (Europe/Paris), with a chart."
    )
    [buttons] = [b for b in shown["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in buttons["elements"]] == [
        blocks.OPEN_METRIC_FORM_ACTION,
        blocks.EDIT_METRIC_ACTION,
        blocks.OPEN_SETTINGS_ACTION,
        blocks.SHOW_SNAPSHOT_ACTION,
    ]
    assert len(buttons["elements"][1]["options"]) == 15


def test_app_home_offers_members_only_the_snapshot() -> None:
    part = blocks.home_part([], settings(None, days=("mon", "wed", "fri")), is_admin=False)

    shown = opened(View(type="home", blocks=part))
    assert "No metrics yet: an admin defines them." in json.dumps(shown)
    assert shown["blocks"][2]["elements"][0]["text"] == "No channel set: no snapshot is posted."
    [buttons] = [b for b in shown["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in buttons["elements"]] == [blocks.SHOW_SNAPSHOT_ACTION]


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (("mon", "wed", "fri"), "Mon, Wed, Fri"),
        (("tue", "wed", "thu"), "Tue–Thu"),
        (WEEKDAYS, "every day"),
    ],
)
def test_the_schedule_names_its_days_briefly(days: tuple[str, ...], said: str) -> None:
    assert f" on {said} (" in blocks.schedule_line(settings(days=days))


def test_an_edit_menu_or_a_button_names_the_metric_to_edit() -> None:
    assert blocks.metric_to_edit({"selected_option": {"value": "leads"}}) == "leads"
    assert blocks.metric_to_edit({"value": ""}) == ""


def test_views_pass_slacks_view_schema() -> None:
    assert check_view(blocks.metric_form(a_metric()).to_dict()) == []
    assert check_view(blocks.settings_form(settings()).to_dict()) == []
