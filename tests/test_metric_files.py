"""Metric definitions from YAML and values from CSV: what loads, and every problem by line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.metric_files import parse_definitions, read_values_csv
from bot.metrics import (
    IMPORT_BYTES_MAX,
    IMPORT_ROWS_MAX,
    METRICS_MAX,
    InvalidDefinitions,
    LineProblem,
    MetricDraft,
    MetricQuery,
    MetricTeam,
    Rollup,
    Target,
    Unit,
)
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def problems_in(text: str) -> list[str]:
    with pytest.raises(InvalidDefinitions) as invalid:
        parse_definitions(text)
    return list(invalid.value.problems)


# Definitions


def test_every_field_is_read() -> None:
    [pipeline] = parse_definitions(
        """
metrics:
  - name: pipeline
    label: Open pipeline
    unit: currency
    currency: eur
    team: sales
    rollup: latest
    higher_is_better: true
    description: Open deals' value at the end of the day.
    targets:
      month: 1.2M
      quarter: "2,500,000"
      2026-11: 2_600_000
      2026-q4: $3M
      2027-01: 300k
    query:
      url: postgresql+psycopg://reader:secret@crm/crm
      sql: SELECT sum(amount) FROM deals WHERE closed_at < :end
"""
    )
    assert pipeline == MetricDraft(
        name="pipeline",
        label="Open pipeline",
        unit=Unit.CURRENCY,
        team=MetricTeam.SALES,
        rollup=Rollup.LATEST,
        currency="EUR",
        higher_is_better=True,
        monthly_target=1_200_000,  # exactly: not 1.2 × 1e6 in binary floats
        quarterly_target=2_500_000,
        targets=(Target("2026-11", 2_600_000), Target("2026-Q4", 3_000_000), Target("2027-01", 300_000)),
        query=MetricQuery(
            sql="SELECT sum(amount) FROM deals WHERE closed_at < :end",
            url="postgresql+psycopg://reader:secret@crm/crm",
        ),
        description="Open deals' value at the end of the day.",
    )


def test_what_is_left_out_takes_its_default() -> None:
    leads, win_rate, bookings = parse_definitions(
        """
metrics:
  - name: leads
  - name: win-rate
    unit: percent
    targets: {month: 25%}
  - name: bookings
    currency: USD
    higher_is_better: false
"""
    )
    assert (leads.label, leads.unit, leads.team, leads.rollup, leads.higher_is_better) == (
        "Leads",
        Unit.COUNT,
        MetricTeam.SHARED,
        Rollup.SUM,
        True,
    )
    assert (leads.monthly_target, leads.quarterly_target, leads.targets, leads.query) == (
        None,
        None,
        (),
        None,
    )
    assert (win_rate.label, win_rate.rollup, win_rate.monthly_target) == ("Win rate", Rollup.AVERAGE, 25.0)
    assert (bookings.unit, bookings.currency, bookings.rollup, bookings.higher_is_better) == (
        Unit.CURRENCY,
        "USD",
        Rollup.SUM,
        False,
    )


def test_shared_fields_can_come_from_an_anchor() -> None:
    leads, mql = parse_definitions(
        """
metrics:
  - &leads {name: leads, team: marketing, targets: {month: 1200}}
  - {<<: *leads, name: mql, team: shared}
"""
    )
    assert (leads.team, mql.team, mql.name, mql.monthly_target) == (
        MetricTeam.MARKETING,
        MetricTeam.SHARED,
        "mql",
        1200.0,
    )


def test_every_problem_in_the_file_is_listed_by_line_and_metric() -> None:
    problems = problems_in(
        """metrics:
  - name: leads
    uint: count
    team: sale
    targets:
      month: lots
      2026-11-01: 300
      monthly: 100
  - name: pipeline
    unit: currency
    currency: EUR
    higher_is_better: maybe
    query:
      sql: SELECT 1
  - leads again
  - name: leads
    monthly_target: 3
  - unit: count
"""
    )
    assert problems == [
        "leads (line 3): unknown field `uint` (did you mean `unit`?)",
        "leads (line 4): `team` must be sales, marketing or shared, not 'sale'",
        "leads (line 6): targets: `month` must be a number such as 1200, 2.5M or 35%, not 'lots'",
        "leads (line 7): targets: `2026-11-01` is a day; name a month (such as 2026-11) or a quarter "
        "(such as 2026-Q4)",
        "leads (line 8): targets: `monthly` isn't month, quarter or a period such as 2026-11 or 2026-Q4 "
        "(did you mean `month`?)",
        "pipeline (line 12): `higher_is_better` must be true or false, not 'maybe'",
        "pipeline (line 14): query: `url` is missing",
        "metric #3 (line 15): each metric is a set of fields (name: leads, unit: count, …), "
        "not 'leads again'",
        "leads (line 16): defined twice (first on line 2)",
        "leads (line 17): unknown field `monthly_target` (targets go under `targets:` as `month:` and "
        "`quarter:`)",
        "metric #5 (line 18): `name` is missing",
    ]


def test_the_services_own_rules_are_checked_for_each_metric_with_its_line() -> None:
    problems = problems_in(
        """metrics:
  - name: leads
  - name: Win Rate!
    unit: percent
"""
    )
    assert problems, "a name people can't type is refused"
    assert all(problem.startswith("Win Rate! (line 3): ") for problem in problems)
    percent_sum = problems_in("metrics:\n  - name: win-rate\n    unit: percent\n    rollup: sum\n")
    assert [problem.split(": ")[0] for problem in percent_sum] == ["win-rate (line 4)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty: it must start with `metrics:` followed by a list of metrics"),
        ("- name: leads\n", "line 1: the file must start with `metrics:` followed by a list of metrics"),
        ("settings: {}\n", "line 1: unknown key `settings` (known: metrics)"),
        ("metric:\n  - name: leads\n", "line 1: unknown key `metric` (did you mean `metrics`?)"),
        ("metrics:\n", "line 1: `metrics:` lists no metric"),
        ("metrics: []\n", "line 1: `metrics:` lists no metric"),
        ("metrics:\n  name: leads\n", "line 2: `metrics:` must be a list, each item starting `- name:`"),
    ],
)
def test_a_file_without_a_list_of_metrics_says_what_is_expected(text: str, expected: str) -> None:
    assert problems_in(text)[0].startswith(expected)


def test_a_yaml_syntax_error_gives_its_line_and_column() -> None:
    [problem] = problems_in("metrics:\n  - name: leads\n    unit: [count\n  - name: mql\n")
    assert problem == "line 4, column 9: expected ',' or ']', but got ':' (while parsing a flow sequence)"
    broken_indent = problems_in("metrics:\n  - name: leads\n     unit: count\n")
    assert broken_indent[0].startswith("line 3, column 10: mapping values are not allowed here")


def test_a_period_key_is_read_as_written_whatever_yaml_makes_of_it() -> None:
    [leads] = parse_definitions(
        "metrics:\n  - name: leads\n    targets: {2026-11: 5, 2026-Q4: 15, month: ~}\n"
    )
    assert leads.targets == (Target("2026-11", 5.0), Target("2026-Q4", 15.0))
    assert leads.monthly_target is None
    problems = problems_in(
        "metrics:\n  - name: leads\n    targets:\n      202611: 5\n      2026-11: 6\n      2026-11: 7\n"
    )
    assert problems == [
        "leads (line 4): targets: `202611` isn't month, quarter or a period such as 2026-11 or 2026-Q4",
        "leads (line 6): targets: `2026-11` is given twice (first on line 5)",
    ]


def test_a_target_with_a_comma_that_is_not_between_thousands_is_refused() -> None:
    assert problems_in("metrics:\n  - name: leads\n    targets: {month: '1,5'}\n") == [
        "leads (line 3): targets: `month` must be a number such as 1200, 2.5M or 35%, not '1,5'"
    ]


def test_more_metrics_than_a_workspace_holds_are_refused() -> None:
    items = "".join(f"  - name: metric-{number}\n" for number in range(METRICS_MAX + 1))
    assert problems_in(f"metrics:\n{items}") == [
        f"the file defines {METRICS_MAX + 1} metrics; a workspace has at most {METRICS_MAX}"
    ]


def test_the_example_file_defines_the_usual_shared_metrics() -> None:
    drafts = parse_definitions((EXAMPLES / "metrics.yml").read_text(encoding="utf-8"))
    assert [draft.name for draft in drafts] == [
        "leads",
        "mql",
        "sal",
        "opportunities",
        "pipeline",
        "bookings",
        "win-rate",
        "cost-per-lead",
    ]
    pipeline = drafts[4]
    assert (pipeline.currency, pipeline.rollup, pipeline.monthly_target) == ("EUR", Rollup.LATEST, 2_500_000)
    assert pipeline.targets == (Target("2026-Q4", 3_000_000),)
    assert drafts[-1].higher_is_better is False


# Values


def test_rows_are_read_with_their_lines_whatever_the_column_order() -> None:
    text = (
        "\ufeffValue, Date ,METRIC,note\r\n"
        "42,2026-11-20,leads,\r\n"
        "\r\n"
        '"1,234",2026-11-19,bookings,from Ana\r\n'
    )
    rows, problems, fatal = read_values_csv(text)
    assert rows == [(2, "2026-11-20", "leads", "42"), (4, "2026-11-19", "bookings", "1,234")]
    assert (problems, fatal) == ([], None)


def test_rows_that_cannot_be_split_are_problems_by_line_and_the_rest_are_read() -> None:
    text = (
        "date,metric,value\n"
        "2026-11-20,leads\n"
        "2026-11-20,bookings,1,234\n"
        '2026-11-20,mql,"12\n'
        'thousand"\n'
        "2026-11-19,leads,40,,\n"
        "2026-11-18,,40\n"
        "2026-11-17,leads,\n"
    )
    rows, problems, fatal = read_values_csv(text)
    assert rows == [(4, "2026-11-20", "mql", "12\nthousand"), (6, "2026-11-19", "leads", "40")]
    assert problems == [
        LineProblem(2, "expected 3 fields (date, metric, value), found 2"),
        LineProblem(
            3,
            "expected 3 fields (date, metric, value), found 4: put quotes around a value with "
            'commas, as in "1,234"',
        ),
        LineProblem(7, "no metric"),
        LineProblem(8, "no value"),
    ]
    assert fatal is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty: it needs a header line `date,metric,value`, then one value a line"),
        ("\n \n", "the file is empty: it needs a header line `date,metric,value`, then one value a line"),
        (
            "2026-11-20,leads,42\n",
            "line 1: the first line must name the columns date, metric and value (in any order), "
            "not `2026-11-20,leads,42`",
        ),
        (
            "date;metric;value\n2026-11-20;leads;42\n",
            "line 1: columns must be separated by commas (this file uses semicolons)",
        ),
        ("date,metric,value,Date\n", "line 1: the column `date` is named twice"),
    ],
)
def test_a_file_without_its_header_is_refused_whole(text: str, expected: str) -> None:
    assert read_values_csv(text) == ([], [], expected)


def test_a_file_too_big_is_refused_whole() -> None:
    too_long = "date,metric,value\n" + "2026-11-20,leads,1\n" * (IMPORT_ROWS_MAX + 1)
    assert read_values_csv(too_long) == (
        [],
        [],
        f"the file has over {IMPORT_ROWS_MAX:,} rows: split it into smaller files",
    )
    too_big = "date,metric,value\n2026-11-20,leads," + "9" * IMPORT_BYTES_MAX + "\n"
    assert read_values_csv(too_big)[2] == "the file is over 5 MB: split it into smaller files"


def test_a_file_just_within_the_limits_is_read() -> None:
    rows, problems, fatal = read_values_csv("date,metric,value\n" + "2026-11-20,leads,1\n" * IMPORT_ROWS_MAX)
    assert (len(rows), problems, fatal) == (IMPORT_ROWS_MAX, [], None)


def test_the_example_values_check_cleanly_against_the_example_metrics(database: Database) -> None:
    # The example's dates are the week before Tuesday 24 November 2026.
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    services = build_services(database, WorkspaceDefaults("Europe/London", None), clock)
    key = WorkspaceKey("T0EXAMPLE")
    drafts = parse_definitions((EXAMPLES / "metrics.yml").read_text(encoding="utf-8"))
    services.metrics.load_definitions(key, drafts, None)

    text = (EXAMPLES / "metric-values.csv").read_text(encoding="utf-8")
    check = services.metrics.check_import(key, text, None, ZoneInfo("Europe/London"))

    assert (check.fatal, check.problems) == (None, ())
    assert len(check.rows) == len(text.splitlines()) - 1
