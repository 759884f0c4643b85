"""Metric figures in words: values in their unit ("1,234", "€1.2M", "35%"), pace against target,
text progress bars and week-on-week changes. Pure and plain text, shared by the Slack renderers, the
chart and the digest; callers escape it where it goes into mrkdwn."""

from __future__ import annotations

import math
import re

from bot.metrics import Metric, Pace, PeriodProgress, Rollup, Unit

CHART_PANELS = 12  # metrics the snapshot's chart draws; the rest are counted under it
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
NOTHING = "—"  # a figure that is not known: shown, never as zero
BAR_FULL = "▓"
BAR_EMPTY = "░"

_CODE = re.compile(r"^[A-Z]{3}$")
# Largest first: a value takes the largest scale it reaches.
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
_EPSILON = 1e-9  # float error: 0.29 * 100 is 28.999999999999996


def format_value(value: float | None, metric: Metric) -> str:
    """A value in the metric's unit: counts "1,234" up to six digits then "1.23M"; currency "€1.2M",
    "$340k", "CHF 12k" (a symbol for EUR, USD, GBP and JPY, else the code); percent "35%", "35.5%".
    None: "—"."""
    if value is None:
        return NOTHING
    if metric.unit is Unit.PERCENT:
        return f"{_decimals(value, 1)}%"
    if metric.unit is Unit.CURRENCY:
        return _money(value, metric.currency)
    return _count(value)


def format_compact(value: float, metric: Metric) -> str:
    """A value as short as it reads well, for chart axes: "1.2k", "€1.2M", "35%"."""
    if metric.unit is Unit.COUNT:
        return _compact(value) if abs(value) >= 1000 else _decimals(value, 1)
    return format_value(value, metric)


def format_per_day(value: float, metric: Metric) -> str:
    """What a day needs: "31/day" (counts are whole: 30.2 a day means 31), "€12k/day"."""
    if metric.unit is Unit.COUNT:
        value = math.ceil(value - _EPSILON)
    return f"{format_value(value, metric)}/day"


def share(fraction: float) -> str:
    """A fraction as a whole percentage: 0.12 → "12%"; a sliver above zero → "<1%"."""
    percent = abs(fraction) * 100
    if 0 < percent < 0.5:
        return "<1%"
    return f"{round(percent):,}%"


def pace_phrase(progress: PeriodProgress, metric: Metric) -> str:
    """Where a period stands: "on track", "behind by 12%, need 31/day", "behind by 8%", "target met",
    "missed by 8%", "no target", "no data"."""
    match progress.pace:
        case Pace.ON_TRACK:
            return "on track"
        case Pace.MET:
            return "target met"
        case Pace.NO_TARGET:
            return "no target"
        case Pace.NO_DATA:
            return "no data"
        case Pace.BEHIND:
            gap = progress.gap if progress.gap is not None else _shortfall(progress, metric)
            phrase = f"behind by {share(gap)}" if gap is not None else "behind"
            if progress.needed_per_day is not None and progress.days_left > 0:
                phrase += f", need {format_per_day(progress.needed_per_day, metric)}"
            return phrase
        case Pace.MISSED:
            gap = _shortfall(progress, metric)
            if gap is None:
                gap = progress.gap
            return f"missed by {share(gap)}" if gap is not None else "missed"


def progress_bar(fraction: float, width: int = 10) -> str:
    """ "▓▓▓▓▓▓░░░░ 62%": the bar is clamped to full, the percentage is not (134% shows a full bar).
    Both round down, so a full bar and 100% mean the target is reached."""
    percent = math.floor(fraction * 100 + _EPSILON)
    filled = min(width, max(0, math.floor(fraction * width + _EPSILON)))
    return f"{BAR_FULL * filled}{BAR_EMPTY * (width - filled)} {percent:,}%"


def change_phrase(change: float | None) -> str:
    """Against the same weekday last week: "▲ 12%", "▼ 5%", "0%" when unchanged, "—" when unknown."""
    if change is None:
        return NOTHING
    if round(abs(change) * 100) == 0:
        return "0%"
    return f"{'▲' if change > 0 else '▼'} {share(change)}"


def period_phrase(progress: PeriodProgress, metric: Metric) -> str:
    """A period against its target: "1,020 of 1,200 for November, on track"; without a target
    "1,020 for November so far"; without values "nothing for November yet"."""
    if progress.actual is None:
        return f"nothing for {progress.label} yet"
    actual = format_value(progress.actual, metric)
    if progress.target is None:
        return f"{actual} for {progress.label} so far"
    target = format_value(progress.target, metric)
    return f"{actual} of {target} for {progress.label}, {pace_phrase(progress, metric)}"


def week_line(metric: Metric, week: float | None, month: PeriodProgress) -> str:
    """The digest's headline for one metric: its label, the week's figure by its rollup (`week`:
    the sum, latest or average of the week's values, None when nothing was logged) and its month to
    date against target, e.g. "Leads: 312 this week · 1,020 of 1,200 for November, on track".
    Plain text: the digest escapes it."""
    if week is None:
        this_week = "nothing logged this week"
    elif metric.rollup is Rollup.SUM:
        this_week = f"{format_value(week, metric)} this week"
    elif metric.rollup is Rollup.LATEST:
        this_week = f"{format_value(week, metric)} at the end of the week"
    else:
        this_week = f"{format_value(week, metric)} on average this week"
    return f"{metric.label}: {this_week} · {period_phrase(month, metric)}"


def _shortfall(progress: PeriodProgress, metric: Metric) -> float | None:
    """How far the period's figure is from its target, as a fraction of the target (missed by 8%)."""
    if progress.actual is None or not progress.target:
        return None
    if metric.higher_is_better:
        return max(0.0, (progress.target - progress.actual) / progress.target)
    return max(0.0, (progress.actual - progress.target) / progress.target)


def _count(value: float) -> str:
    if abs(value) >= 999_999.5:
        return _compact(value)
    return _decimals(value, 1)


def _money(value: float, currency: str | None) -> str:
    size = abs(value)
    amount = _compact(size) if size >= 999.5 else _decimals(size, 2, keep_cents=True)
    code = (currency or "").upper()
    sign = "-" if value < 0 and amount.strip("0.,") else ""
    if code in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[code]}{amount}"
    if _CODE.match(code):
        return f"{sign}{code} {amount}"
    return f"{sign}{amount}"


def _decimals(value: float, places: int, *, keep_cents: bool = False) -> str:
    """Thousands separators and at most `places` decimals, trailing zeros dropped ("12.5", "1,234");
    `keep_cents`: an amount with cents shows both digits ("12.50")."""
    rounded = round(value, places) + 0.0  # + 0.0: no "-0"
    if rounded == round(rounded):
        return f"{round(rounded):,}"
    if keep_cents:
        return f"{rounded:,.{places}f}"
    return f"{rounded:,.{places}f}".rstrip("0").rstrip(".")


def _compact(value: float, significant: int = 3) -> str:
    """ "1.23M", "340k", "12k": three significant digits with a k, M, B or T suffix."""
    size = abs(value)
    sign = "-" if value < 0 else ""
    # A scale is taken from just under it (999,950 is "1M", not "1,000k"); below 1,000 "0.5k".
    scale, suffix = next(((s, x) for s, x in _SCALES if size >= s * 0.9995), _SCALES[-1])
    scaled = size / scale
    places = max(0, significant - len(str(int(scaled)))) if scaled >= 1 else significant - 1
    text = f"{round(scaled, places):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign}{text}{suffix}"
