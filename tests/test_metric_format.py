"""Metric figures in words: values in their unit, pace against target, bars and changes read the
way the snapshot, the chart and the digest show them."""

from __future__ import annotations

import pytest

from bot.metric_format import (
    change_phrase,
    format_compact,
    format_per_day,
    format_value,
    pace_phrase,
    period_phrase,
    progress_bar,
    week_line,
)
from bot.metrics import Metric, MetricTeam, Pace, PeriodProgress, Rollup, Unit


def metric(
    unit: Unit = Unit.COUNT,
    currency: str | None = None,
    *,
    rollup: Rollup = Rollup.SUM,
    higher_is_better: bool = True,
    label: str = "Leads",
) -> Metric:
    return Metric(
        id=1,
        position=0,
        name="leads",
        label=label,
        unit=unit,
        team=MetricTeam.MARKETING,
        rollup=rollup,
        currency=currency,
        higher_is_better=higher_is_better,
        monthly_target=1200,
        quarterly_target=3600,
        targets=(),
        query=None,
        description="",
    )


def progress(
    pace: Pace,
    *,
    actual: float | None = 1020,
    target: float | None = 1200,
    gap: float | None = None,
    needed: float | None = None,
    days_left: int = 7,
) -> PeriodProgress:
    return PeriodProgress(
        period="2026-11",
        label="November",
        actual=actual,
        target=target,
        progress=actual / target if actual is not None and target else None,
        expected=None,
        pace=pace,
        gap=gap,
        needed_per_day=needed,
        days_left=days_left,
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (42, "42"),
        (1234, "1,234"),
        (999_999, "999,999"),
        (1_000_000, "1M"),
        (1_234_567, "1.23M"),
        (12_345_678, "12.3M"),
        (123_456_789, "123M"),
        (999_999_999, "1B"),
        (12.5, "12.5"),  # an average of counts
        (-3, "-3"),
        (None, "—"),
    ],
)
def test_counts_show_every_digit_up_to_six_then_three_significant(value: float | None, shown: str) -> None:
    assert format_value(value, metric()) == shown


@pytest.mark.parametrize(
    ("currency", "value", "shown"),
    [
        ("EUR", 1_200_000, "€1.2M"),
        ("USD", 340_000, "$340k"),
        ("CHF", 12_000, "CHF 12k"),
        ("GBP", 1_234_567, "£1.23M"),
        ("JPY", 950, "¥950"),
        ("EUR", 12.5, "€12.50"),
        ("EUR", 999_950, "€1M"),
        ("USD", -1_200, "-$1.2k"),
        (None, 1_200_000, "1.2M"),
    ],
)
def test_amounts_are_short_with_their_currencys_symbol_or_code(
    currency: str | None, value: float, shown: str
) -> None:
    assert format_value(value, metric(Unit.CURRENCY, currency)) == shown


@pytest.mark.parametrize(("value", "shown"), [(35, "35%"), (35.5, "35.5%"), (0, "0%"), (100, "100%")])
def test_percentages_keep_one_decimal_at_most(value: float, shown: str) -> None:
    assert format_value(value, metric(Unit.PERCENT)) == shown


def test_chart_axes_are_compact_in_every_unit() -> None:
    assert format_compact(12_500, metric()) == "12.5k"
    assert format_compact(40, metric()) == "40"
    assert format_compact(1_500_000, metric(Unit.CURRENCY, "EUR")) == "€1.5M"
    assert format_compact(35, metric(Unit.PERCENT)) == "35%"


def test_what_a_day_needs_is_a_whole_count_rounded_up() -> None:
    assert format_per_day(30.2, metric()) == "31/day"
    assert format_per_day(31.0, metric()) == "31/day"
    assert format_per_day(12_345, metric(Unit.CURRENCY, "EUR")) == "€12.3k/day"


@pytest.mark.parametrize(
    ("period", "said"),
    [
        (progress(Pace.ON_TRACK), "on track"),
        (progress(Pace.BEHIND, gap=0.12, needed=30.4), "behind by 12%, need 31/day"),
        (progress(Pace.BEHIND, gap=0.08), "behind by 8%"),
        (progress(Pace.BEHIND, gap=0.001), "behind by <1%"),
        (progress(Pace.MET, actual=1300), "target met"),
        (progress(Pace.MISSED, actual=1104, days_left=0), "missed by 8%"),
        (progress(Pace.NO_TARGET, target=None), "no target"),
        (progress(Pace.NO_DATA, actual=None), "no data"),
    ],
)
def test_pace_says_where_a_period_stands(period: PeriodProgress, said: str) -> None:
    assert pace_phrase(period, metric()) == said


def test_a_lower_is_better_metric_misses_by_how_far_it_went_over() -> None:
    churn = metric(higher_is_better=False)
    assert pace_phrase(progress(Pace.MISSED, actual=1296, days_left=0), churn) == "missed by 8%"


def test_behind_on_the_last_day_asks_for_nothing_more_per_day() -> None:
    assert pace_phrase(progress(Pace.BEHIND, gap=0.1, needed=50, days_left=0), metric()) == "behind by 10%"


def test_currency_needs_per_day_in_its_currency() -> None:
    pipeline = metric(Unit.CURRENCY, "EUR")
    assert (
        pace_phrase(progress(Pace.BEHIND, gap=0.2, needed=41_000), pipeline) == "behind by 20%, need €41k/day"
    )


@pytest.mark.parametrize(
    ("fraction", "bar"),
    [
        (0.62, "▓▓▓▓▓▓░░░░ 62%"),
        (0.0, "░░░░░░░░░░ 0%"),
        (0.29, "▓▓░░░░░░░░ 29%"),
        (0.999, "▓▓▓▓▓▓▓▓▓░ 99%"),  # not full, and not 100%, until the target is reached
        (1.0, "▓▓▓▓▓▓▓▓▓▓ 100%"),
        (1.34, "▓▓▓▓▓▓▓▓▓▓ 134%"),  # clamped bar, the real percentage
        (-0.2, "░░░░░░░░░░ -20%"),
    ],
)
def test_a_progress_bar_is_clamped_but_its_percentage_is_not(fraction: float, bar: str) -> None:
    assert progress_bar(fraction) == bar


def test_a_progress_bar_takes_its_width() -> None:
    assert progress_bar(0.5, width=4) == "▓▓░░ 50%"


@pytest.mark.parametrize(
    ("change", "said"),
    [(0.12, "▲ 12%"), (-0.05, "▼ 5%"), (0.001, "0%"), (12.5, "▲ 1,250%"), (None, "—")],
)
def test_a_change_against_last_week_shows_its_direction(change: float | None, said: str) -> None:
    assert change_phrase(change) == said


def test_the_digest_line_reads_the_week_and_the_month() -> None:
    month = progress(Pace.ON_TRACK)
    assert week_line(metric(), 312, month) == "Leads: 312 this week · 1,020 of 1,200 for November, on track"


def test_the_digest_line_names_how_each_rollup_reads_the_week() -> None:
    pipeline = metric(Unit.CURRENCY, "EUR", rollup=Rollup.LATEST, label="Pipeline")
    win_rate = metric(Unit.PERCENT, rollup=Rollup.AVERAGE, label="Win rate")

    assert week_line(
        pipeline, 1_400_000, progress(Pace.BEHIND, actual=1_400_000, target=1_500_000, gap=0.07)
    ) == ("Pipeline: €1.4M at the end of the week · €1.4M of €1.5M for November, behind by 7%")
    assert week_line(win_rate, 35.5, progress(Pace.NO_TARGET, actual=34, target=None)) == (
        "Win rate: 35.5% on average this week · 34% for November so far"
    )


def test_the_digest_line_says_when_nothing_was_logged() -> None:
    line = week_line(metric(), None, progress(Pace.NO_DATA, actual=None))
    assert line == "Leads: nothing logged this week · nothing for November yet"


def test_a_period_with_a_target_reads_actual_of_target() -> None:
    assert (
        period_phrase(progress(Pace.MET, actual=1300), metric()) == "1,300 of 1,200 for November, target met"
    )
