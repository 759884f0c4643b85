"""What other features contribute to the Thursday digest: one DigestSource per feature, each reading
its own tables (or asking its own service) for the week and handing over at most SOURCE_CAP entries
per section."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, true

from bot.db import Database
from bot.digest import HEADLINE_MAX, SOURCE_CAP, DigestEntry, DigestSection, DigestWeek
from bot.fieldnotes import FieldNotes
from bot.issues import Priority
from bot.metric_format import week_line
from bot.metrics import Metrics
from bot.models import Issue
from bot.wins import Win, WinKind, Wins
from bot.workspaces import WorkspaceKey, Workspaces

# Urgent (rank 0) and high (rank 1): what sales should hear about whatever its due date.
_PRESSING_RANK = Priority.HIGH.rank


class TrackerHighlights:
    """Open tracker issues that need attention: urgent or high priority ones, most urgent then oldest
    first, then the other overdue ones (due before the digest's send date), longest overdue first."""

    SECTION_ID = "tracker.attention"
    TITLE = "Needs attention in the tracker"

    def __init__(self, database: Database, workspaces: Workspaces) -> None:
        self._database = database
        self._workspaces = workspaces

    def contribute(self, key: WorkspaceKey, week: DigestWeek) -> Sequence[DigestSection]:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            open_here = (Issue.workspace_id == workspace.id) & (Issue.is_open == true())
            # Two disjoint sets, each read in its index's order and counted on the same index:
            # (workspace_id, is_open, priority_rank, raised_at) and (workspace_id, is_open, due_on).
            pressing = open_here & (Issue.priority_rank <= _PRESSING_RANK)
            overdue = open_here & (Issue.due_on < week.send_on) & (Issue.priority_rank > _PRESSING_RANK)

            def count(where: ColumnElement[bool]) -> int:
                return session.scalar(select(func.count()).select_from(Issue).where(where)) or 0

            total = count(pressing) + count(overdue)
            if total == 0:
                return ()
            rows = list(
                session.scalars(
                    select(Issue)
                    .where(pressing)
                    # Ties broken by id, which every index holds: the page needs no sort.
                    .order_by(Issue.priority_rank, Issue.raised_at, Issue.id)
                    .limit(SOURCE_CAP)
                )
            )
            if len(rows) < SOURCE_CAP:
                rows += session.scalars(
                    select(Issue)
                    .where(overdue)
                    .order_by(Issue.due_on, Issue.id)
                    .limit(SOURCE_CAP - len(rows))
                )
            entries = tuple(_entry(row, week) for row in rows)
        return (DigestSection(self.SECTION_ID, self.TITLE, entries, total),)


def _entry(row: Issue, week: DigestWeek) -> DigestEntry:
    note = Priority(row.priority).label
    if row.due_on is not None and row.due_on < week.send_on:
        note += " · overdue"
    return DigestEntry(
        headline=f"#{row.number} {row.title}",
        link=row.card_permalink,
        owner=row.owner_id,
        due_on=row.due_on,
        note=note,
    )


class MetricHighlights:
    """The shared metrics over the seven local days before the digest's send date: one line per
    metric, in the snapshot's order, with the week's figure by its rollup and its month to date."""

    SECTION_ID = "metrics.week"
    TITLE = "Shared metrics this week"

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def contribute(self, key: WorkspaceKey, week: DigestWeek) -> Sequence[DigestSection]:
        # The week the digest reports on ends the day before it is sent: Thursday to Wednesday.
        first, last = week.send_on - timedelta(days=7), week.send_on - timedelta(days=1)
        summary = self._metrics.week_summary(key, first, last)
        if not summary:
            return ()
        entries = tuple(
            DigestEntry(headline=week_line(metric, value, month))
            for metric, value, month in summary[:SOURCE_CAP]
        )
        return (DigestSection(self.SECTION_ID, self.TITLE, entries, len(summary)),)


class WinsOfTheWeek:
    """The wins posted in the seven local days before the digest's send date, oldest first: what was
    won, who posted it, how many were thanked and whether the thanks crossed teams."""

    SECTION_ID = "wins.week"
    TITLE = "Wins this week"
    _TEXT_MAX = 100  # of the win's text in a headline: the card behind the link holds the rest

    def __init__(self, wins: Wins) -> None:
        self._wins = wins

    def contribute(self, key: WorkspaceKey, week: DigestWeek) -> Sequence[DigestSection]:
        # The same week as the other sources: the seven days that end the day before the send date.
        first, last = week.send_on - timedelta(days=7), week.send_on - timedelta(days=1)
        wins, total = self._wins.posted_between(key, first, last, limit=SOURCE_CAP)
        if total == 0:
            return ()
        entries = tuple(_win_entry(win, self._TEXT_MAX) for win in wins)
        return (DigestSection(self.SECTION_ID, self.TITLE, entries, total),)


def _win_entry(win: Win, text_max: int) -> DigestEntry:
    # "Other" says nothing a reader needs; the kinds that mean something lead the line.
    kind = [win.kind.label] if win.kind is not WinKind.OTHER else []
    account = [win.account] if win.account else []
    text = _cut(" ".join(win.text.split()), text_max)
    people = len(win.thanked)
    note = [f"thanks to {people} {'person' if people == 1 else 'people'}"]
    note += [f"{giver.label} → {receiver.label}" for giver, receiver in win.crossings]
    return DigestEntry(
        headline=_cut(" · ".join([*kind, *account, text]), HEADLINE_MAX),
        link=win.card_permalink,
        by=win.author_id,
        note=" · ".join(note),
    )


class FieldInsightsSource:
    """What the field notes logged in the seven local days before the digest's send date brought back:
    the accounts visited and the competitors mentioned most (each with its count), then the latest
    product feedback, one entry each."""

    SECTION_ID = "fieldnotes.week"
    TITLE = "Field insights"
    _NAMED = 8  # accounts or competitors a line names; the rest are counted

    def __init__(self, fieldnotes: FieldNotes) -> None:
        self._fieldnotes = fieldnotes

    def contribute(self, key: WorkspaceKey, week: DigestWeek) -> Sequence[DigestSection]:
        # The same week as the other sources: the seven days that end the day before the send date.
        first, last = week.send_on - timedelta(days=7), week.send_on - timedelta(days=1)
        insights = self._fieldnotes.insights(key, first, last)
        if insights.notes == 0:
            return ()
        notes = f"{insights.notes} {'note' if insights.notes == 1 else 'notes'} from the field"
        entries = [
            DigestEntry(headline=_counted("Accounts visited", insights.accounts, self._NAMED), note=notes)
        ]
        if insights.competitors:
            entries.append(
                DigestEntry(
                    headline=_counted("Competitors mentioned most", insights.competitors, self._NAMED)
                )
            )
        entries += [
            DigestEntry(headline=_cut(f"Product feedback · {line}", HEADLINE_MAX))
            for line in insights.feedback
        ]
        return (DigestSection(self.SECTION_ID, self.TITLE, tuple(entries[:SOURCE_CAP]), len(entries)),)


def _counted(label: str, counts: Sequence[tuple[str, int]], named: int) -> str:
    """ "Accounts visited: Acme Corp (3), Globex (1) and 2 more": as many named as fit a headline."""
    shown: list[str] = []
    for name, count in counts[:named]:
        more = len(counts) - len(shown) - 1
        line = f"{label}: {', '.join([*shown, f'{name} ({count})'])}" + (f" and {more} more" if more else "")
        if shown and len(line) > HEADLINE_MAX:
            break
        shown.append(f"{name} ({count})")
    more = len(counts) - len(shown)
    return _cut(f"{label}: {', '.join(shown)}" + (f" and {more} more" if more else ""), HEADLINE_MAX)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
