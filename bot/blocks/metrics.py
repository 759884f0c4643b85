"""Shared metrics in Block Kit: the daily snapshot (one table), a metric's history, answers to logging
and importing, the admins' notices, the metric and settings forms (builders, ids and parsers), App
Home's part and help."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    RawTextObject,
    SectionBlock,
    StaticSelectElement,
    TableBlock,
    TableBlockColumnSettings,
)
from slack_sdk.models.views import View

from bot.blocks.forms import (
    TIME,
    WEEKDAY_NAMES,
    FormValues,
    channel_input,
    settings_modal,
    switch,
    time_input,
)
from bot.blocks.text import Message, block_size, context, cut, escape, is_user, user
from bot.blocks.text import notice as notice
from bot.metric_format import (
    CHART_PANELS,
    NOTHING,
    change_phrase,
    format_value,
    pace_phrase,
    period_phrase,
    progress_bar,
)
from bot.metrics import (
    DESCRIPTION_MAX,
    LABEL_MAX,
    QUERY_MAX,
    QUERY_URL_MAX,
    ImportCheck,
    ImportResult,
    Logged,
    Metric,
    MetricDraft,
    MetricFigures,
    MetricHistory,
    MetricQuery,
    MetricTeam,
    Pace,
    PeriodProgress,
    Rollup,
    Snapshot,
    SnapshotSettings,
    SnapshotSettingsChange,
    Unit,
    problems_with,
    settings_problems,
)
from bot.scheduling import WEEKDAYS

COMMAND = "/metric"
METRIC_FORM = "metrics.form"  # the define/edit modal; private_metadata: the edited metric's name or ""
OPEN_METRIC_FORM_ACTION = "metrics.open_form"  # App Home's "Define a metric" (value "")
EDIT_METRIC_ACTION = "metrics.edit"  # App Home's "Edit a metric…" menu: the option's value is its name
REMOVE_METRIC_ACTION = "metrics.remove"  # the form's "Remove this metric" (value: its name)
SETTINGS_FORM = "metrics.settings"
OPEN_SETTINGS_ACTION = "metrics.open_settings"
SHOW_SNAPSHOT_ACTION = "metrics.show_snapshot"  # App Home's "Today's snapshot"
HOME_BLOCK = "metrics.home"  # App Home's buttons
CONFIRM_IMPORT_ACTION = "metrics.import_confirm"  # value: str(import id)
CANCEL_IMPORT_ACTION = "metrics.import_cancel"  # value: str(import id)
IMPORT_BLOCK = "metrics.import"  # the import summary's buttons
SNAPSHOT_BLOCK = "metrics.snapshot"  # the snapshot's table
FORM_ACTIONS_BLOCK = "metrics.form.actions"  # the form's "Remove this metric"

# Each way to use /metric: HELP shows them all, and manifest.yml's usage hint names the same.
USAGES = (
    ("/metric", "today's snapshot of the shared metrics, only to you"),
    ("/metric <name>", "one metric's last two weeks, its changes and its month so far"),
    (
        "/metric <name> <value> [date]",
        "log a value: `/metric leads 42`, `/metric pipeline 1.2M yesterday`, `/metric win-rate 35% mon`",
    ),
    ("/metric define", "admins: define a metric (the form; App Home has it too)"),
    ("/metric settings", "admins: the snapshot's channel, days, time and chart"),
    ("/metric help", "this help"),
)
HELP = (
    "*Shared metrics*: the numbers sales and marketing agreed to watch, against their targets, "
    "posted every working morning.\n"
    + "\n".join(f"`{usage}`: {meaning}" for usage, meaning in USAGES)
    + "\nDates: `today`, `yesterday`, a weekday (`mon`), `2026-11-20` or `Nov 20`. To load many values "
    "at once, send Tandem a CSV in a direct message (columns date, metric, value, with a header row)."
)

# Slack's limits, and what the snapshot keeps of them.
SECTION_TEXT = 3000
FALLBACK_TEXT = 3000  # the fallback carries the key figures: notifications show the start of it
# A message's blocks, as JSON (Slack refuses about 12,000 characters: msg_blocks_too_long). A table
# is counted by the characters of its cells instead: Slack caps those at 10,000 a table, which 100
# rows of 20 cells could never fit as JSON; TABLE_TEXT keeps under that cap.
MESSAGE_SIZE = 11_000
TABLE_TEXT = 9_000
TABLE_ROWS = 41  # a header and one row per metric (METRICS_MAX is 40; Slack takes 100)
LABEL_CELL = 28  # a label in the table's first column
UNAVAILABLE_TEXT = 1_500  # the lines naming unavailable metrics, together
HOME_METRICS = 12  # metrics App Home lists
HOME_BLOCKS = 4  # header, the list, the snapshot's settings, the buttons
HISTORY_CHANGES = 8
PROBLEMS_SHOWN = 20  # an import's problems listed by line; the rest counted
PROBLEM_MAX = 120
FILENAME_MAX = 80

_UNITS = {Unit.COUNT: "Count", Unit.CURRENCY: "Currency", Unit.PERCENT: "Percent"}
_TEAMS = {
    MetricTeam.SALES: "Sales",
    MetricTeam.MARKETING: "Marketing",
    MetricTeam.SHARED: "Shared (either team)",
}
_ROLLUPS = {
    Rollup.SUM: "Sum of the daily values (leads, bookings)",
    Rollup.LATEST: "Latest value (pipeline)",
    Rollup.AVERAGE: "Average of the daily values (win rate)",
}
_ROLLUP_WORDS = {Rollup.SUM: "summed", Rollup.LATEST: "latest value", Rollup.AVERAGE: "averaged"}
_HIGHER, _LOWER = "higher", "lower"


# The snapshot


def snapshot_message(snapshot: Snapshot, *, late: bool = False) -> Message:
    """The morning snapshot: a header, the days it covers, one table (a row per metric: the day's
    value, the change against a week before, month and quarter to date against target with a bar and
    the pace), unavailable figures named, and fallback text carrying the key figures."""
    if snapshot.is_empty:
        return empty_snapshot_message(snapshot.made_on)
    top: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"Shared metrics · {_day(snapshot.made_on)}")),
        context(
            f"Figures for {_day(snapshot.day)} · month and quarter to date through {_day(snapshot.through)}"
        ),
    ]
    if late:
        top.append(context(":hourglass: Posted late: Tandem was offline at the scheduled time."))
    unavailable = [f for f in snapshot.figures if f.unavailable]
    notes = [_unavailable_note(unavailable)] if unavailable else []
    # Rows as many as fit, then "+N more": the frame's JSON and the table's text share one budget.
    room = (
        MESSAGE_SIZE - sum(block_size(b) for b in [*top, *notes]) - block_size(context("+40 more" + "x" * 90))
    )
    rows = [_header_row(snapshot)]
    used = _text_length(rows[0])
    for figures in snapshot.figures[: TABLE_ROWS - 1]:
        row = _row(figures)
        if used + _text_length(row) > min(TABLE_TEXT, room):
            break
        rows.append(row)
        used += _text_length(row)
    shown = snapshot.figures[: len(rows) - 1]
    table = TableBlock(
        block_id=SNAPSHOT_BLOCK,
        rows=[[RawTextObject(text=cell) for cell in row] for row in rows],
        column_settings=_COLUMNS,
    )
    blocks: list[Block] = [*top, table, *notes]
    if left := len(snapshot.figures) - len(shown):
        blocks.append(context(f"+{left} more: `/metric <name>` shows any metric."))
    return Message(text=_snapshot_text(snapshot, shown, left), blocks=blocks)


def snapshot_chart_alt_text(snapshot: Snapshot) -> str:
    """The chart's description for screen readers (at most 1,000 characters)."""
    charted = snapshot.figures[:CHART_PANELS]
    parts = []
    for figures in charted:
        metric = figures.metric
        latest = next((v for _, v in reversed(figures.series) if v is not None), None)
        part = f"{cut(metric.label, 40)} (latest {format_value(latest, metric)}"
        if figures.daily_target is not None:
            part += f", target {format_value(figures.daily_target, metric)}"
        parts.append(part + ")")
    more = len(snapshot.figures) - len(charted)
    tail = f"; +{more} more metrics not charted" if more else ""
    text = (
        f"Daily values for the last {len(charted[0].series) if charted else 30} days through "
        f"{_day(snapshot.through)}, each against its target line: {', '.join(parts)}{tail}."
    )
    return cut(text, 1000)


def empty_snapshot_message(made_on: date) -> Message:
    """What `/metric` answers before any metric is defined."""
    return notice(
        f"No shared metrics yet for {_day(made_on)}. An admin defines them in App Home → *Define a "
        "metric*, or loads a file with `tandem metrics load metrics.yml`."
    )


_COLUMNS = [
    TableBlockColumnSettings(is_wrapped=True),  # the metric
    TableBlockColumnSettings(align="right"),  # the day
    TableBlockColumnSettings(align="right"),  # vs last week
    TableBlockColumnSettings(align="right"),  # month to date
    TableBlockColumnSettings(align="right"),  # month target
    TableBlockColumnSettings(align="left", is_wrapped=True),  # month: bar and pace
    TableBlockColumnSettings(align="right"),  # quarter to date (of target)
    TableBlockColumnSettings(align="left", is_wrapped=True),  # quarter: bar and pace
]


def _header_row(snapshot: Snapshot) -> list[str]:
    first = snapshot.figures[0]
    reported = "Yesterday" if snapshot.day == snapshot.made_on - timedelta(days=1) else _day(snapshot.day)
    return [
        "Metric",
        reported,
        "vs last week",
        "Month to date",
        "Target",
        first.month.label or "Month",
        "Quarter to date",
        first.quarter.label or "Quarter",
    ]


def _row(figures: MetricFigures) -> list[str]:
    metric = figures.metric
    if figures.unavailable:
        value, change = "unavailable", NOTHING
    else:
        value, change = format_value(figures.value, metric), change_phrase(figures.change)
    quarter = format_value(figures.quarter.actual, metric)
    if figures.quarter.target is not None and figures.quarter.actual is not None:
        quarter += f" of {format_value(figures.quarter.target, metric)}"
    return [
        cut(metric.label, LABEL_CELL) or metric.name,
        value,
        change,
        format_value(figures.month.actual, metric),
        format_value(figures.month.target, metric),
        _standing(figures.month, metric),
        quarter,
        _standing(figures.quarter, metric),
    ]


def _standing(progress: PeriodProgress, metric: Metric) -> str:
    """A period's bar and pace: "▓▓▓▓▓▓▓▓░░ 85% · on track"."""
    pace = pace_phrase(progress, metric)
    if progress.progress is None or progress.pace in {Pace.NO_TARGET, Pace.NO_DATA}:
        return pace
    return f"{progress_bar(progress.progress)} · {pace}"


def _unavailable_note(unavailable: Sequence[MetricFigures]) -> ContextBlock:
    """The metrics whose query failed: named, never shown as zero. The reason went to the admins."""
    lines: list[str] = []
    for index, figures in enumerate(unavailable):
        label = escape(cut(figures.metric.label, 60))
        line = f":warning: {label}: unavailable — the query failed (admins were told)"
        if sum(len(x) + 1 for x in lines) + len(line) > UNAVAILABLE_TEXT:
            lines.append(f"+{len(unavailable) - index} more unavailable")
            break
        lines.append(line)
    return context("\n".join(lines))


def _snapshot_text(snapshot: Snapshot, shown: Sequence[MetricFigures], left: int) -> str:
    """The fallback: each shown metric's key figures ("Leads 42 (MTD 1,020/1,200, on track)"), said
    more briefly the more metrics there are, so that every one shown in the table is in it."""
    head = f"Shared metrics for {_day(snapshot.made_on)}: "
    tail = f" · +{left} more" if left else ""
    for label_width, detail in ((24, 2), (14, 2), (14, 1), (8, 1), (8, 0)):
        text = head + " · ".join(_key_figures(f, label_width, detail) for f in shown) + tail
        if len(text) <= FALLBACK_TEXT:
            return text
    # Should even the briefest words not fit: the first metrics, and a count of the rest.
    entries: list[str] = []
    for index, figures in enumerate(shown):
        entry = _key_figures(figures, 8, 0)
        more = f" · +{len(snapshot.figures) - index} more"
        if len(head) + sum(len(e) + 3 for e in entries) + len(entry) + len(more) > FALLBACK_TEXT:
            return head + " · ".join(entries) + more
        entries.append(entry)
    return cut(head + " · ".join(entries) + tail, FALLBACK_TEXT)


def _key_figures(figures: MetricFigures, label_width: int, detail: int) -> str:
    """A metric's figures in a few words; `detail` 2 with its full pace, 1 without what a day needs,
    0 without the pace."""
    metric = figures.metric
    label = escape(cut(metric.label, label_width))
    value = "unavailable" if figures.unavailable else format_value(figures.value, metric)
    month = figures.month
    if month.actual is None:
        return f"{label} {value}"
    mtd = format_value(month.actual, metric)
    if month.target is not None:
        mtd += f"/{format_value(month.target, metric)}"
        if detail:
            pace = pace_phrase(month, metric)
            mtd += f", {pace if detail > 1 else pace.split(', need')[0]}"
    return f"{label} {value} (MTD {mtd})"


# One metric


def history_message(history: MetricHistory) -> Message:
    """`/metric <name>`: the metric's recent days (newest first), its month so far and its changes."""
    metric = history.metric
    label = escape(cut(metric.label, LABEL_MAX))
    facts = [f"`{metric.name}`", _unit_words(metric), _TEAMS[metric.team].split(" ")[0].lower()]
    facts += [
        _ROLLUP_WORDS[metric.rollup],
        "higher is better" if metric.higher_is_better else "lower is better",
    ]
    if metric.query is not None:
        facts.append("filled by its query each morning")
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=cut(metric.label, 150) or metric.name))]
    about = " · ".join(facts)
    if metric.description:
        about += "\n" + escape(cut(metric.description, DESCRIPTION_MAX))
    blocks.append(context(about))
    month = history.month
    month_line = f"*{escape(month.label)}*: {escape(period_phrase(month, metric))}"
    if month.progress is not None and month.pace not in {Pace.NO_TARGET, Pace.NO_DATA}:
        month_line += f"\n{progress_bar(month.progress)}"
    blocks.append(SectionBlock(text=MarkdownTextObject(text=month_line)))
    lines = []
    for day, value in history.days:
        if value is None:
            shown = NOTHING
        elif value.value is None:
            shown = "unavailable (the query failed)"
        else:
            by = f" by {user(value.logged_by)}" if value.logged_by and is_user(value.logged_by) else ""
            shown = f"{escape(format_value(value.value, metric))} · {value.source.value}{by}"
        lines.append(f"{_day(day)} · {shown}")
    days = "\n".join(lines) if lines else "Nothing logged yet."
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=cut(f"*Last {len(lines)} days*\n{days}", SECTION_TEXT)))
    )
    if history.changes:
        changes = []
        for change in history.changes[:HISTORY_CHANGES]:
            by = f" by {user(change.changed_by)}" if change.changed_by and is_user(change.changed_by) else ""
            old = format_value(change.old, metric) if change.old is not None else "unavailable"
            new = format_value(change.new, metric) if change.new is not None else "unavailable"
            changes.append(f"{_day(change.day)}: {escape(old)} → {escape(new)} ({change.source.value}{by})")
        more = len(history.changes) - HISTORY_CHANGES
        if more > 0:
            changes.append(f"+{more} earlier")
        blocks.append(context(cut("Replaced values: " + " · ".join(changes), SECTION_TEXT)))
    latest = next(((d, v) for d, v in history.days if v is not None and v.value is not None), None)
    latest_text = (
        f"{format_value(latest[1].value, metric)} on {_day(latest[0])}" if latest else "nothing logged lately"
    )
    text = f"{label}: {escape(latest_text)} · {escape(period_phrase(month, metric))}"
    return Message(text=cut(text, FALLBACK_TEXT), blocks=blocks)


def logged_message(logged: Logged, metric: Metric) -> Message:
    """The answer to `/metric leads 42`: "Logged *Leads*: 42 for Tue, Nov 24 (was 40)."."""
    stored = logged.value
    shown = format_value(stored.value, metric) if stored.value is not None else "unavailable"
    when = _day(stored.day, stored.logged_at.date())
    was = ""
    if logged.replaced:
        previous = format_value(logged.previous, metric) if logged.previous is not None else "unavailable"
        was = f" (was {previous})"
    return notice(
        f":white_check_mark: Logged *{escape(metric.label)}*: {escape(shown)} for {when}{escape(was)}."
    )


def query_failed_notice(metric: Metric, day: date, problem: str) -> Message:
    """To each admin, once per metric and day: a metric's query failed, so the snapshot shows it
    unavailable."""
    reason = escape(cut(problem.strip(), 500).replace("`", "'")) or "no reason given"
    return notice(
        f":warning: The query for *{escape(metric.label)}* (`{metric.name}`) failed for {_day(day)}: "
        f"`{reason}`\nThe snapshot shows it as unavailable, never as zero. Fix the query in App Home → "
        f"*Edit a metric*, or log the value by hand: `/metric {metric.name} <value> {day.isoformat()}`."
    )


# Importing values from a CSV


def import_summary(filename: str, check: ImportCheck, pending_id: int | None) -> Message:
    """A checked CSV: what would load, each problem by line (the first PROBLEMS_SHOWN, then a count),
    and, when it waits for its sender (`pending_id`), buttons to load the good rows or cancel."""
    name = escape(cut(filename, FILENAME_MAX))
    if check.fatal is not None:
        return notice(
            f":x: I couldn't read *{name}*: {escape(cut(check.fatal, 300))} Nothing was loaded. "
            "A values file is a CSV with a header row and the columns date, metric, value."
        )
    good, bad = len(check.rows), len(check.problems)
    summary = f"*{name}*: {_count_of(good, 'row')} to load"
    summary += f", {_count_of(bad, 'row')} with problems:" if bad else ", no problems."
    lines = [f"Line {p.line}: {escape(cut(p.message, PROBLEM_MAX))}" for p in check.problems[:PROBLEMS_SHOWN]]
    if bad > PROBLEMS_SHOWN:
        lines.append(f"+{bad - PROBLEMS_SHOWN} more")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=cut("\n".join([summary, *lines]), SECTION_TEXT)))
    ]
    text = f"{cut(filename, FILENAME_MAX)}: {_count_of(good, 'row')} to load, {bad} with problems."
    if pending_id is not None:
        buttons: list[Any] = []
        if check.loadable:
            buttons.append(
                ButtonElement(
                    text=cut(f"Load {_count_of(good, 'good row')}", 75),
                    action_id=CONFIRM_IMPORT_ACTION,
                    value=str(pending_id),
                    style="primary",
                )
            )
        buttons.append(ButtonElement(text="Cancel", action_id=CANCEL_IMPORT_ACTION, value=str(pending_id)))
        blocks.append(ActionsBlock(block_id=IMPORT_BLOCK, elements=buttons))
        if check.loadable:
            blocks.append(context("Rows with problems are left out. Nothing is stored until you choose."))
    return Message(text=escape(text), blocks=blocks)


def import_done(filename: str, result: ImportResult) -> Message:
    """A CSV's good rows stored."""
    details = []
    if result.replaced:
        details.append(f"{_count_of(result.replaced, 'earlier value')} replaced")
    if result.skipped:
        details.append(f"{_count_of(result.skipped, 'row')} with problems left out")
    more = f" ({'; '.join(details)})" if details else ""
    return notice(
        f":white_check_mark: Loaded {_count_of(result.stored, 'value')} from "
        f"*{escape(cut(filename, FILENAME_MAX))}*{more}."
    )


def import_cancelled(filename: str) -> Message:
    return notice(f"Cancelled: nothing from *{escape(cut(filename, FILENAME_MAX))}* was loaded.")


# Help and one-line answers


def help_message() -> Message:
    return notice(HELP)


# The metric form: one place for its ids, its builder and its parser.


_FIELD_BLOCKS = {
    "name": "metrics.form.name",
    "label": "metrics.form.label",
    "unit": "metrics.form.unit",
    "currency": "metrics.form.currency",
    "team": "metrics.form.team",
    "rollup": "metrics.form.rollup",
    "higher_is_better": "metrics.form.direction",
    "monthly_target": "metrics.form.monthly_target",
    "quarterly_target": "metrics.form.quarterly_target",
    "description": "metrics.form.description",
    "query_sql": "metrics.form.query_sql",
    "query_url": "metrics.form.query_url",
}
# Other names problems_with (or a service) may give a field, and the block that shows them.
_FIELD_ALIASES = {
    "query": "query_sql",
    "sql": "query_sql",
    "query.sql": "query_sql",
    "url": "query_url",
    "query.url": "query_url",
    "targets": "monthly_target",
    "direction": "higher_is_better",
}


def metric_form(metric: Metric | None) -> View:
    """The modal admins define a metric in, or edit `metric` in (then with a Remove button).

    Editing never shows the query URL's password: the URL field starts empty, its placeholder shows
    the URL masked, and leaving it empty keeps the stored URL (see `read_metric_form`)."""
    draft = metric.draft() if metric else None

    def options(labels: Mapping[Any, str]) -> list[Option]:
        return [Option(value=str(key), text=cut(text, 75)) for key, text in labels.items()]

    def chosen(choices: list[Option], value: str | None) -> Option | None:
        return next((o for o in choices if o.value == value), None)

    units, teams, rollups = options(_UNITS), options(_TEAMS), options(_ROLLUPS)
    directions = [
        Option(value=_HIGHER, text="Higher is better"),
        Option(value=_LOWER, text="Lower is better"),
    ]
    query_hint = (
        "Runs each morning for yesterday and must return one number. It may use :day (a date), "
        ":start and :end (the day's bounds)."
    )
    url_placeholder = "postgresql+psycopg://reader@crm-replica/crm"
    url_hint = "A SQLAlchemy URL. Use a read-only account."
    if draft and draft.query:
        url_placeholder = cut(f"Kept: {draft.query.shown_url}", 150)
        url_hint = "Leave it empty to keep the stored URL (its password is never shown here)."
    blocks: list[Block] = [
        _input(
            "name",
            "Name",
            PlainTextInputElement(
                action_id="value",
                max_length=32,
                initial_value=draft.name if draft else None,
                placeholder="leads",
            ),
            hint="What people type after /metric: lowercase letters, digits, - and _ (e.g. leads, win-rate).",
        ),
        _input(
            "label",
            "Label",
            PlainTextInputElement(
                action_id="value",
                max_length=LABEL_MAX,
                initial_value=draft.label if draft else None,
                placeholder="Marketing-qualified leads",
            ),
        ),
        _input(
            "unit",
            "Unit",
            StaticSelectElement(
                action_id="value",
                placeholder="Count, currency or percent",
                options=units,
                initial_option=chosen(units, draft.unit.value if draft else Unit.COUNT.value),
            ),
        ),
        _input(
            "currency",
            "Currency",
            PlainTextInputElement(
                action_id="value",
                max_length=3,
                initial_value=draft.currency if draft and draft.currency else None,
                placeholder="EUR",
            ),
            optional=True,
            hint="For a currency: its ISO code, such as EUR, USD or CHF.",
        ),
        _input(
            "team",
            "Owning team",
            StaticSelectElement(
                action_id="value",
                placeholder="Who logs it",
                options=teams,
                initial_option=chosen(teams, draft.team.value if draft else None),
            ),
            hint="Its members (and admins) may log values.",
        ),
        _input(
            "rollup",
            "A month adds up as",
            StaticSelectElement(
                action_id="value",
                options=rollups,
                initial_option=chosen(rollups, draft.rollup.value if draft else Rollup.SUM.value),
            ),
        ),
        _input(
            "higher_is_better",
            "Direction",
            RadioButtonsElement(
                action_id="value",
                options=directions,
                initial_option=chosen(
                    directions, _LOWER if draft and not draft.higher_is_better else _HIGHER
                ),
            ),
        ),
        _input(
            "monthly_target",
            "Monthly target",
            PlainTextInputElement(
                action_id="value",
                max_length=40,
                initial_value=_number_text(draft.monthly_target) if draft else None,
                placeholder="1,200 or 2.5M",
            ),
            optional=True,
            hint="Every month's, unless the metrics file names a month (targets per month or quarter, "
            "such as a bigger December, are set in the YAML file: tandem metrics load).",
        ),
        _input(
            "quarterly_target",
            "Quarterly target",
            PlainTextInputElement(
                action_id="value",
                max_length=40,
                initial_value=_number_text(draft.quarterly_target) if draft else None,
                placeholder="3,600 or 7.5M",
            ),
            optional=True,
        ),
        _input(
            "description",
            "Description",
            PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=DESCRIPTION_MAX,
                initial_value=draft.description if draft and draft.description else None,
                placeholder="What counts, and where the number comes from",
            ),
            optional=True,
        ),
        _input(
            "query_sql",
            "Query (SQL)",
            PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=QUERY_MAX,
                initial_value=draft.query.sql if draft and draft.query else None,
                placeholder="select count(*) from leads where created_at >= :start and created_at < :end",
            ),
            optional=True,
            hint=query_hint,
        ),
        _input(
            "query_url",
            "Query database URL",
            PlainTextInputElement(action_id="value", max_length=QUERY_URL_MAX, placeholder=url_placeholder),
            optional=True,
            hint=url_hint,
        ),
    ]
    if metric is not None:
        targets = ", ".join(f"{t.period}: {format_value(t.value, metric)}" for t in metric.targets)
        if targets:
            blocks.append(
                context(cut(f"Targets set in the metrics file, kept: {escape(targets)}", SECTION_TEXT))
            )
        blocks.append(
            ActionsBlock(
                block_id=FORM_ACTIONS_BLOCK,
                elements=[
                    ButtonElement(
                        text="Remove this metric",
                        action_id=REMOVE_METRIC_ACTION,
                        value=metric.name,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Remove this metric?",
                            text=cut(
                                f"{metric.label} leaves the snapshot. Its values are kept: defining "
                                f"{metric.name} again brings them back.",
                                300,
                            ),
                            confirm="Remove",
                            deny="Keep it",
                            style="danger",
                        ),
                    )
                ],
            )
        )
    return View(
        type="modal",
        callback_id=METRIC_FORM,
        title=PlainTextObject(text="Edit a metric" if metric else "Define a metric"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metric.name if metric else "",
        blocks=blocks,
    )


def read_metric_form(view: Mapping[str, Any]) -> tuple[MetricDraft | None, dict[str, str], str | None]:
    """The draft a submitted metric form holds, the problems with it by block id (for
    `response_action: errors`; the draft is None then), and the name of the metric it replaces
    (None: a new metric).

    The form never carries what it does not show: per-period targets (file-only) and, when the URL
    field is left empty while editing a queried metric, the stored URL. The draft then has
    `targets=()` and a query whose `url` is "": `with_stored` fills both in from the stored metric."""
    form = FormValues(view["state"]["values"], _FIELD_BLOCKS.__getitem__)
    text, option = form.text, form.option
    replacing = str(view.get("private_metadata") or "").strip() or None
    errors: dict[str, str] = {}
    unit = _enum(Unit, option("unit"))
    team = _enum(MetricTeam, option("team"))
    rollup = _enum(Rollup, option("rollup"))
    if unit is None:
        errors[_FIELD_BLOCKS["unit"]] = "Choose a unit."
    if team is None:
        errors[_FIELD_BLOCKS["team"]] = "Choose the team that owns it."
    if rollup is None:
        errors[_FIELD_BLOCKS["rollup"]] = "Choose how a month adds up."
    targets: dict[str, float | None] = {}
    for field in ("monthly_target", "quarterly_target"):
        try:
            targets[field] = _amount(text(field)) if text(field) else None
        except ValueError as problem:
            errors[_FIELD_BLOCKS[field]] = str(problem)
    sql, url = text("query_sql"), text("query_url")
    query: MetricQuery | None = None
    if sql:
        query = MetricQuery(sql=sql, url=url)  # url "" while editing: keep the stored one
        if not url and replacing is None:
            errors[_FIELD_BLOCKS["query_url"]] = (
                "Where the query runs: a database URL, such as postgresql://reader@crm/crm."
            )
    elif url:
        errors[_FIELD_BLOCKS["query_sql"]] = "A query needs its SQL (or leave the URL empty too)."
    if errors or unit is None or team is None or rollup is None:
        return None, errors, replacing
    draft = MetricDraft(
        name=text("name").lower(),
        label=text("label"),
        unit=unit,
        team=team,
        rollup=rollup,
        currency=text("currency").upper() or None,
        higher_is_better=option("higher_is_better") != _LOWER,
        monthly_target=targets["monthly_target"],
        quarterly_target=targets["quarterly_target"],
        query=query,
        description=text("description"),
    )
    # A kept URL is checked where it is stored; the SQL is checked here with a stand-in.
    checked = replace(draft, query=MetricQuery(sql, _KEPT_URL_STAND_IN)) if query and not url else draft
    problems = form_errors(problems_with(checked))
    if problems:
        return None, problems, replacing
    return draft, {}, replacing


_KEPT_URL_STAND_IN = "sqlite://"


def with_stored(draft: MetricDraft, stored: Metric | None) -> MetricDraft:
    """A draft read from the form, completed from the metric it replaces: its per-period targets (set
    only in the metrics file) and, when the URL field was left empty, its stored query URL. Without a
    stored query the URL stays "", which the service refuses as a missing URL."""
    if stored is None:
        return draft
    query = draft.query
    if query is not None and not query.url and stored.query is not None:
        query = MetricQuery(sql=query.sql, url=stored.query.url)
    return replace(draft, targets=draft.targets or stored.targets, query=query)


def form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """`problems_with`'s problems by field, keyed by the form's block ids (unknown fields show under
    the name) as `response_action: errors` wants."""
    errors: dict[str, str] = {}
    for field, message in problems.items():
        known = _FIELD_ALIASES.get(field, field)
        block = _FIELD_BLOCKS.get(known, _FIELD_BLOCKS["name"])
        errors[block] = f"{errors[block]} {message}" if block in errors else message
    return errors


def metric_to_edit(action: Mapping[str, Any]) -> str:
    """The metric an App Home action is about: the Edit menu's chosen name, or "" for a new one."""
    selected = action.get("selected_option") or {}
    return str(selected.get("value") or action.get("value") or "")


def _input(
    field: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=_FIELD_BLOCKS[field],
        label=label,
        element=element,
        optional=optional,
        hint=cut(hint, 2000) if hint else None,
    )


_AMOUNT = re.compile(r"^(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)(?P<suffix>k|m|mm|b|bn)?$", re.IGNORECASE)
_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}


def _amount(text: str) -> float:
    """A target as typed: "1200", "1,200", "2.5M", "€300k", "1.2M EUR", "35%"."""
    cleaned = re.sub(r"^[A-Za-z]{3}\s+|\s+[A-Za-z]{3}$", "", text.strip().replace("\u00a0", " "))
    cleaned = cleaned.lstrip("€$£¥").rstrip("%").replace(" ", "")
    negative = cleaned.startswith("-")
    match = _AMOUNT.match(cleaned.removeprefix("-"))
    if not match or (
        match["number"].count(",") and not re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", match["number"])
    ):
        raise ValueError(f"“{cut(text, 40)}” isn't a number: try 1,200 or 2.5M.")
    amount = float(match["number"].replace(",", "")) * _SUFFIXES[(match["suffix"] or "").lower()]
    return -amount if negative else amount


def _number_text(value: float | None) -> str | None:
    """A target as the form shows it again: "1200", "2500000", "35.5"."""
    if value is None:
        return None
    return str(int(value)) if value == int(value) else f"{value:g}"


def _enum(kind: Any, value: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        return None


# The snapshot's settings (admins)


_SETTINGS_BLOCKS = {
    "channel": "metrics.settings.channel",
    "days": "metrics.settings.days",
    "time": "metrics.settings.time",
    "charts": "metrics.settings.charts",
}


def settings_form(settings: SnapshotSettings) -> View:
    """The modal admins choose where and when the snapshot is posted in, showing what is in effect."""
    days = [Option(value=d, text=WEEKDAY_NAMES[d]) for d in WEEKDAYS]
    blocks: list[Block] = [
        channel_input(
            _SETTINGS_BLOCKS["channel"],
            "Channel",
            chosen=settings.channel,
            placeholder="Where both teams read it",
            hint="Invite Tandem there with /invite @Tandem. With no channel, no snapshot is posted.",
            # Opened from a channel with none set yet, the channel it was opened from comes first.
            current_first=settings.channel is None,
        ),
        InputBlock(
            block_id=_SETTINGS_BLOCKS["days"],
            label="Days",
            element=CheckboxesElement(
                action_id="value",
                options=days,
                initial_options=[o for o in days if o.value in settings.days] or None,
            ),
            hint="The snapshot reports the last of these days before each morning's: Friday on a Monday.",
        ),
        time_input(
            _SETTINGS_BLOCKS["time"],
            "Time",
            settings.time,
            hint=f"In the workspace's timezone ({settings.timezone.key}).",
        ),
        switch(
            _SETTINGS_BLOCKS["charts"],
            "Chart",
            "Attach a chart of the last 30 days against target",
            settings.charts,
        ),
    ]
    return settings_modal(SETTINGS_FORM, "Snapshot settings", blocks)


def read_settings_form(view: Mapping[str, Any]) -> tuple[SnapshotSettingsChange | None, dict[str, str]]:
    """The settings a submitted settings form holds, or None and the problems by block id."""
    form = FormValues(view["state"]["values"], _SETTINGS_BLOCKS.__getitem__)
    ticked = {str(o.get("value")) for o in form.value("days").get("selected_options") or []}
    days = tuple(d for d in WEEKDAYS if d in ticked)
    time = form.time("time")
    errors: dict[str, str] = {}
    if not days:
        errors[_SETTINGS_BLOCKS["days"]] = "Choose at least one day."
    if not TIME.match(time):
        errors[_SETTINGS_BLOCKS["time"]] = "Choose a time, such as 08:30."
    if errors:
        return None, errors
    change = SnapshotSettingsChange(
        channel=form.channel("channel"), days=days, time=time, charts=form.ticked("charts")
    )
    problems = settings_errors(settings_problems(change))
    return (None, problems) if problems else (change, {})


def settings_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """A service's problems with settings by field, keyed by the settings form's block ids."""
    return {_SETTINGS_BLOCKS.get(field, _SETTINGS_BLOCKS["days"]): m for field, m in problems.items()}


# App Home


def home_part(metrics: Sequence[Metric], settings: SnapshotSettings, *, is_admin: bool) -> list[Block]:
    """App Home's metrics part, in HOME_BLOCKS blocks: the metrics (label, unit, monthly target,
    team), where and when the snapshot goes, and the buttons (admins: define, edit, settings)."""
    lines = []
    for metric in metrics[:HOME_METRICS]:
        facts = [_unit_words(metric)]
        if metric.monthly_target is not None:
            facts.append(f"{escape(format_value(metric.monthly_target, metric))} a month")
        facts.append(_TEAMS[metric.team].split(" ")[0].lower())
        lines.append(f"• *{escape(cut(metric.label, LABEL_MAX))}* (`{metric.name}`) · {' · '.join(facts)}")
    if len(metrics) > HOME_METRICS:
        lines.append(f"+{len(metrics) - HOME_METRICS} more: `/metric` shows them all.")
    if not metrics:
        lines.append(
            "No metrics yet. Define one with the button, or load a file with `tandem metrics load`."
            if is_admin
            else "No metrics yet: an admin defines them."
        )
    buttons: list[Any] = []
    if is_admin:
        buttons.append(
            ButtonElement(
                text="Define a metric", action_id=OPEN_METRIC_FORM_ACTION, value="", style="primary"
            )
        )
        if metrics:
            buttons.append(
                StaticSelectElement(
                    action_id=EDIT_METRIC_ACTION,
                    placeholder="Edit a metric…",
                    options=[
                        Option(value=m.name, text=cut(f"{m.label} ({m.name})", 75)) for m in metrics[:100]
                    ],
                )
            )
        buttons.append(ButtonElement(text="Snapshot settings", action_id=OPEN_SETTINGS_ACTION))
    buttons.append(ButtonElement(text="Today's snapshot", action_id=SHOW_SNAPSHOT_ACTION))
    return [
        HeaderBlock(text=PlainTextObject(text="Shared metrics")),
        SectionBlock(text=MarkdownTextObject(text=cut("\n".join(lines), SECTION_TEXT))),
        context(schedule_line(settings)),
        ActionsBlock(block_id=HOME_BLOCK, elements=buttons),
    ]


def schedule_line(settings: SnapshotSettings) -> str:
    """ "Posted to <#C1> at 08:30 on Mon–Fri, with a chart" or "No channel set: no snapshot is posted"."""
    if not settings.channel:
        return "No channel set: no snapshot is posted."
    chart = "with a chart" if settings.charts else "without a chart"
    return (
        f"Posted to <#{settings.channel}> at {settings.time} on {_days(settings.days)} "
        f"({settings.timezone.key}), {chart}."
    )


def _days(days: Sequence[str]) -> str:
    """ "Mon–Fri", "Mon, Wed, Fri", "every day"."""
    indexes = sorted(WEEKDAYS.index(d) for d in days if d in WEEKDAYS)
    if len(indexes) == len(WEEKDAYS):
        return "every day"
    names = [WEEKDAYS[i].title() for i in indexes]
    if len(indexes) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names) or "no day"


# Small pieces


def _day(value: date, today: date | None = None) -> str:
    """ "Tue, Nov 24", with the year when it is not the year of `today`."""
    shown = f"{value:%a, %b} {value.day}"
    return f"{shown}, {value.year}" if today is not None and value.year != today.year else shown


def _unit_words(metric: Metric) -> str:
    if metric.unit is Unit.CURRENCY:
        return escape(metric.currency or "currency")
    return metric.unit.value


def _count_of(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _text_length(row: Sequence[str]) -> int:
    return sum(len(cell) for cell in row)
