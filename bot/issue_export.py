"""Exporting the tracker: every issue with its comment count and timestamps, as CSV or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TextIO

from sqlalchemy import func, select

from bot.db import Database
from bot.models import Issue, IssueComment, UtcDateTime, Workspace
from bot.workspaces import WorkspaceKey

_BATCH = 1000  # rows read at a time, so a large tracker never sits in memory whole
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection: an issue titled
# "=HYPERLINK(…)" would act when an admin opens the export): such text gets a leading apostrophe,
# which spreadsheets show as plain text. JSON is left exactly as stored.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A CSV cell that a spreadsheet shows as typed rather than runs as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class ExportRow:
    team_id: str
    enterprise_id: str
    number: int
    title: str
    details: str
    category: str
    priority: str
    status: str
    owner_id: str
    due_on: str
    raised_by: str
    raised_by_team: str
    raised_at: str
    updated_at: str
    closed_at: str
    comments: int
    last_comment_at: str
    card_permalink: str


COLUMNS = tuple(ExportRow.__dataclass_fields__)


class IssueExport:
    """Reads issues for export, one workspace or all of them."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def rows(self, key: WorkspaceKey | None = None) -> Iterator[ExportRow]:
        """Every issue (of `key`'s workspace, or of all), by workspace and number."""
        comments = (
            select(
                IssueComment.issue_id,
                func.count().label("count"),
                # Typed, so SQLite's text comes back as an aware datetime like PostgreSQL's.
                func.max(IssueComment.at, type_=UtcDateTime()).label("last_at"),
            )
            .group_by(IssueComment.issue_id)
            .subquery()
        )
        query = (
            select(Issue, Workspace.team_id, Workspace.enterprise_id, comments.c.count, comments.c.last_at)
            .join(Workspace, Workspace.id == Issue.workspace_id)
            .outerjoin(comments, comments.c.issue_id == Issue.id)
            .order_by(Workspace.id, Issue.number)
        )
        if key is not None:
            query = query.where(
                Workspace.team_id == key.team_id, Workspace.enterprise_id == key.enterprise_id
            )
        with self._database.transaction() as session:
            for issue, team_id, enterprise_id, count, last_at in session.execute(
                query.execution_options(yield_per=_BATCH)
            ):
                yield ExportRow(
                    team_id=team_id,
                    enterprise_id=enterprise_id,
                    number=issue.number,
                    title=issue.title,
                    details=issue.details,
                    category=issue.category,
                    priority=issue.priority,
                    status=issue.status,
                    owner_id=issue.owner_id or "",
                    due_on=issue.due_on.isoformat() if issue.due_on else "",
                    raised_by=issue.raised_by,
                    raised_by_team=issue.raised_by_team or "",
                    raised_at=issue.raised_at.isoformat(),
                    updated_at=issue.updated_at.isoformat(),
                    closed_at=issue.closed_at.isoformat() if issue.closed_at else "",
                    comments=count or 0,
                    last_comment_at=last_at.isoformat() if last_at else "",
                    card_permalink=issue.card_permalink or "",
                )


def write_export(rows: Iterator[ExportRow], fmt: ExportFormat, out: TextIO) -> int:
    """Write rows to `out` as CSV (with a header) or a JSON array; returns how many were written."""
    written = 0
    if fmt is ExportFormat.CSV:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: spreadsheet_safe(value) for column, value in asdict(row).items()})
            written += 1
        return written
    out.write("[")
    for row in rows:
        out.write(("," if written else "") + "\n  " + json.dumps(asdict(row), ensure_ascii=False))
        written += 1
    out.write("\n]\n" if written else "]\n")
    return written
