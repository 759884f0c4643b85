"""What other features contribute to the Thursday digest: one DigestSource per feature, each reading
its own tables for the week and handing over at most SOURCE_CAP entries per section."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select, true

from bot.db import Database
from bot.digest import SOURCE_CAP, DigestEntry, DigestSection, DigestWeek
from bot.issues import Priority
from bot.models import Issue
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
