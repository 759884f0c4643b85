"""What people type for a metric: values in each unit, dates seen from their own today, and the
closest names to a mistyped one."""

from __future__ import annotations

from datetime import date

import pytest

from bot.metric_input import parse_day, parse_value, suggestions
from bot.metrics import InvalidValue, Metric, MetricTeam, Rollup, Unit


def metric(name: str, unit: Unit, currency: str | None = None, label: str = "") -> Metric:
    return Metric(
        id=1,
        position=1,
        name=name,
        label=label or name.capitalize(),
        unit=unit,
        team=MetricTeam.SHARED,
        rollup=Rollup.LATEST if unit is Unit.PERCENT else Rollup.SUM,
        currency=currency,
        higher_is_better=True,
        monthly_target=None,
        quarterly_target=None,
        targets=(),
        query=None,
        description="",
    )


LEADS = metric("leads", Unit.COUNT)
PIPELINE = metric("pipeline", Unit.CURRENCY, "EUR")
BOOKINGS = metric("bookings", Unit.CURRENCY, "USD")
WIN_RATE = metric("win-rate", Unit.PERCENT)
MQL = metric("mql", Unit.COUNT, label="Marketing-qualified leads")
TUESDAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "measured", "value"),
    [
        ("42", LEADS, 42),
        (" 42 ", LEADS, 42),
        ("+5", LEADS, 5),
        ("0", LEADS, 0),
        ("1,234", LEADS, 1234),
        ("1,234,567", LEADS, 1_234_567),
        ("12k", LEADS, 12_000),
        ("12K", LEADS, 12_000),
        ("1.2M", LEADS, 1_200_000),  # exactly: a count refuses 1199999.9999999998
        ("3.5B", LEADS, 3_500_000_000),
        ("3.5bn", LEADS, 3_500_000_000),
        ("1.2mm", PIPELINE, 1_200_000),
        ("€300k", PIPELINE, 300_000),
        ("€ 300k", PIPELINE, 300_000),
        ("1.2M EUR", PIPELINE, 1_200_000),
        ("1.2M eur", PIPELINE, 1_200_000),
        ("EUR 1.2M", PIPELINE, 1_200_000),
        ("-€5k", PIPELINE, -5_000),
        ("€-5k", PIPELINE, -5_000),
        ("−250", PIPELINE, -250),  # a typographic minus, as phones type it
        ("$1.2M", BOOKINGS, 1_200_000),
        ("USD 99.50", BOOKINGS, 99.5),
        ("2,500.75", BOOKINGS, 2500.75),
        ("35%", WIN_RATE, 35),
        ("35 %", WIN_RATE, 35),
        ("35", WIN_RATE, 35),
        ("12.5%", WIN_RATE, 12.5),
        (".5%", WIN_RATE, 0.5),
    ],
)
def test_values_people_type_are_read_in_the_metrics_unit(text: str, measured: Metric, value: float) -> None:
    assert parse_value(text, measured) == value


@pytest.mark.parametrize(
    ("text", "measured", "message"),
    [
        ("abc", LEADS, "`abc` isn't a number: try 42, 1.2M or 35%."),
        ("42 leads", LEADS, "`42 leads` isn't a number: try 42, 1.2M or 35%."),
        ("1,2", LEADS, "`1,2` isn't a number: try 42, 1.2M or 35%."),
        ("1e6", LEADS, "`1e6` isn't a number: try 42, 1.2M or 35%."),
        ("--5", LEADS, "`--5` isn't a number: try 42, 1.2M or 35%."),
        ("", LEADS, "Give a value for `leads`: try 42, 1.2M or 35%."),
        ("-3", LEADS, "`-3`: a count can't be negative."),
        ("1.5", LEADS, "`1.5`: a count is a whole number, such as 42 or 1.2k."),
        ("35%", LEADS, "`leads` is a count, not a percentage: give just the number."),
        ("€5", LEADS, "`leads` is a count, not money: give just the number."),
        ("5 USD", WIN_RATE, "`win-rate` is a percentage, not money: give just the number."),
        ("$5", PIPELINE, "`pipeline` is in EUR: give the value in EUR (not $)."),
        ("5 USD", PIPELINE, "`pipeline` is in EUR: give the value in EUR (not USD)."),
        ("£5", BOOKINGS, "`bookings` is in USD: give the value in USD (not £)."),
        ("EUR 5 EUR", PIPELINE, "`EUR 5 EUR` names a currency twice: try 42, 1.2M or 35%."),
        ("35%", PIPELINE, "`pipeline` is money in EUR, not a percentage."),
        (
            "2,000,000B",
            LEADS,
            "`2,000,000B` is more than Tandem stores: values go up to 1,000,000,000,000,000.",
        ),
    ],
)
def test_values_that_cannot_be_stored_say_what_would_do(text: str, measured: Metric, message: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_value(text, measured)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("", TUESDAY),
        ("  ", TUESDAY),
        ("today", TUESDAY),
        ("Yesterday", date(2026, 11, 23)),
        ("mon", date(2026, 11, 23)),
        ("Monday", date(2026, 11, 23)),
        ("sun", date(2026, 11, 22)),
        ("wed", date(2026, 11, 18)),
        ("tue", date(2026, 11, 17)),  # today's weekday: a week ago
        ("2026-11-20", date(2026, 11, 20)),
        ("2026-1-5", date(2026, 1, 5)),
        ("20 Nov", date(2026, 11, 20)),
        ("Nov 20", date(2026, 11, 20)),
        ("20 November", date(2026, 11, 20)),
        ("November 20", date(2026, 11, 20)),
        ("20th nov", date(2026, 11, 20)),
        ("24 Nov", TUESDAY),
        ("20 Dec", date(2025, 12, 20)),  # no year: the latest 20 December not in the future
        ("30 Nov 2025", date(2025, 11, 30)),
        ("Nov 30, 2025", date(2025, 11, 30)),
        ("2025-11-23", date(2025, 11, 23)),  # 366 days back: the oldest date accepted
    ],
)
def test_dates_are_read_from_the_persons_today(text: str, day: date) -> None:
    assert parse_day(text, TUESDAY) == day


def test_a_leap_day_without_a_year_is_the_last_one() -> None:
    assert parse_day("29 Feb", date(2025, 1, 10)) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-25", "Wed 25 Nov 2026 is in the future: you can't log for a future date."),
        ("25 Nov 2026", "Wed 25 Nov 2026 is in the future: you can't log for a future date."),
        (
            "2025-11-22",
            "Sat 22 Nov 2025 is more than a year back: values go back at most 366 days.",
        ),
        (
            "20/11",
            "`20/11` could be read two ways: write the month as a word or the full date, "
            "such as 20 Nov or 2026-11-20.",
        ),
        (
            "11.20.2026",
            "`11.20.2026` could be read two ways: write the month as a word or the full date, "
            "such as 20 Nov or 2026-11-20.",
        ),
        ("last week", "`last week` isn't a date: try yesterday, mon, 20 Nov or 2026-11-20."),
        ("29 Feb", "Thu 29 Feb 2024 is more than a year back: values go back at most 366 days."),
        ("31 Nov", "`31 Nov` isn't a date: try yesterday, mon, 20 Nov or 2026-11-20."),
        ("2026-02-30", "`2026-02-30` isn't a date: try yesterday, mon, 20 Nov or 2026-11-20."),
        ("20 Novembre", "`20 Novembre` isn't a date: try yesterday, mon, 20 Nov or 2026-11-20."),
    ],
)
def test_dates_that_cannot_be_logged_say_why(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_day(text, TUESDAY)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("lead", ["leads"]),
        ("LEADS", ["leads"]),
        ("pipline", ["pipeline"]),
        ("marketing qualified leads", ["mql"]),  # by label
        ("winrate", ["win-rate"]),
        ("zzz", []),
    ],
)
def test_a_mistyped_name_suggests_the_closest_names_and_labels(typed: str, names: list[str]) -> None:
    assert suggestions(typed, [LEADS, PIPELINE, BOOKINGS, WIN_RATE, MQL]) == names
