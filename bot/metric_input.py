"""What people type for a metric: values with units and suffixes ("1.2M", "€300k", "35%"), dates
("yesterday", "mon", "20 Nov", "2026-11-20"), and the closest names to one mistyped."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from bot.metrics import BACKDATE_DAYS, VALUE_MAX, InvalidValue, Metric, Unit

# Scaled in decimal: 1.2 × 10⁶ in binary floats is 1199999.9999999998, which a count would refuse.
_SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "mm": 10**6, "b": 10**9, "bn": 10**9}
# "$" is written for several dollars: it matches any of them, and only them.
_SYMBOLS = {
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
}
_SYMBOL = "|".join(re.escape(symbol) for symbol in _SYMBOLS)
# Commas only as thousands separators ("1,234"): "1,5" could be a European 1.5, so it is refused.
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_VALUE = re.compile(
    rf"""^\s*
    (?P<sign1>[-+−])?\s*
    (?:(?P<code1>[A-Za-z]{{3}})\s+|(?P<symbol>{_SYMBOL})\s*)?
    (?P<sign2>[-+−])?\s*
    (?P<number>{_NUMBER})\s*
    (?P<suffix>mm|bn|[kmb])?\s*
    (?:(?P<percent>%)|(?P<code2>[A-Za-z]{{3}}))?
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)
EXAMPLES = "try 42, 1.2M or 35%"

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_NUMERIC = re.compile(r"^\d{1,4}[/.]\d{1,2}(?:[/.]\d{2,4})?$")
DATE_EXAMPLES = "try yesterday, mon, 20 Nov or 2026-11-20"


def parse_value(text: str, metric: Metric) -> float:
    """The number `text` gives for `metric`, in its unit; InvalidValue saying what would do."""
    shown = text.strip()
    if not shown:
        raise InvalidValue(f"Give a value for `{metric.name}`: {EXAMPLES}.")
    match = _VALUE.match(shown)
    if match is None or (match["sign1"] and match["sign2"]):
        raise InvalidValue(f"`{shown}` isn't a number: {EXAMPLES}.")
    if match["code1"] and match["code2"]:
        raise InvalidValue(f"`{shown}` names a currency twice: {EXAMPLES}.")
    value = float(Decimal(match["number"].replace(",", "")) * _SUFFIXES[(match["suffix"] or "").lower()])
    if (match["sign1"] or match["sign2"]) in ("-", "−"):
        value = -value
    _check_unit(metric, shown, match)
    if not math.isfinite(value) or abs(value) > VALUE_MAX:
        raise InvalidValue(f"`{shown}` is more than Tandem stores: values go up to {VALUE_MAX:,.0f}.")
    if metric.unit is Unit.COUNT:
        if value < 0:
            raise InvalidValue(f"`{shown}`: a count can't be negative.")
        if value != round(value):
            raise InvalidValue(f"`{shown}`: a count is a whole number, such as 42 or 1.2k.")
    return value + 0.0  # -0.0 reads oddly in a history


def _check_unit(metric: Metric, shown: str, match: re.Match[str]) -> None:
    code = (match["code1"] or match["code2"] or "").upper()
    symbol = match["symbol"]
    if metric.unit is Unit.CURRENCY:
        if match["percent"]:
            raise InvalidValue(f"`{metric.name}` is money in {metric.currency}, not a percentage.")
        wrong = (code and code != metric.currency) or (symbol and metric.currency not in _SYMBOLS[symbol])
        if wrong:
            raise InvalidValue(
                f"`{metric.name}` is in {metric.currency}: give the value in {metric.currency} "
                f"(not {code or symbol})."
            )
        return
    if code or symbol:
        kind = "a percentage" if metric.unit is Unit.PERCENT else "a count"
        raise InvalidValue(f"`{metric.name}` is {kind}, not money: give just the number.")
    if match["percent"] and metric.unit is not Unit.PERCENT:
        raise InvalidValue(f"`{metric.name}` is a count, not a percentage: give just the number.")


def parse_day(text: str, today: date) -> date:
    """The date `text` names, seen from `today` (the person's own date); InvalidValue for a date in
    the future, more than BACKDATE_DAYS back, ambiguous or unreadable."""
    day = _named_day(" ".join(text.strip().split()), today)
    if day > today:
        raise InvalidValue(f"{_shown(day)} is in the future: you can't log for a future date.")
    if day < today - timedelta(days=BACKDATE_DAYS):
        raise InvalidValue(
            f"{_shown(day)} is more than a year back: values go back at most {BACKDATE_DAYS} days."
        )
    return day


def _named_day(typed: str, today: date) -> date:
    said = typed.lower()
    if said in ("", "today"):
        return today
    if said == "yesterday":
        return today - timedelta(days=1)
    if said in _WEEKDAYS:
        # The most recent such day before today: "mon" said on a Monday is a week ago.
        return today - timedelta(days=(today.weekday() - _WEEKDAYS[said] - 1) % 7 + 1)
    if _NUMERIC.match(said):
        raise InvalidValue(
            f"`{typed}` could be read two ways: write the month as a word or the full date, "
            "such as 20 Nov or 2026-11-20."
        )
    unreadable = InvalidValue(f"`{typed}` isn't a date: {DATE_EXAMPLES}.")
    if match := _ISO.match(said):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise unreadable from None
    if match := _DAY_MONTH.match(said):
        day_text, month_text, year_text = match[1], match[2], match[3]
    elif match := _MONTH_DAY.match(said):
        month_text, day_text, year_text = match[1], match[2], match[3]
    else:
        raise unreadable
    month = _MONTHS.get(month_text)
    if month is None:
        raise unreadable
    if year_text is not None:
        try:
            return date(int(year_text), month, int(day_text))
        except ValueError:
            raise unreadable from None
    # No year: the latest such date not in the future (29 Feb looks back to the last leap year).
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, month, int(day_text))
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise unreadable


def _shown(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def suggestions(name: str, metrics: Sequence[Metric]) -> list[str]:
    """Up to three metric names closest to `name`, matched against names and labels, any case."""
    by_word: dict[str, str] = {}
    for metric in metrics:
        by_word.setdefault(metric.name.lower(), metric.name)
        by_word.setdefault(metric.label.lower(), metric.name)
    close = difflib.get_close_matches(name.strip().lower(), list(by_word), n=3 * 2, cutoff=0.5)
    return list(dict.fromkeys(by_word[word] for word in close))[:3]
