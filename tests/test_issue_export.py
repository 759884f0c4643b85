"""Exporting issues: every issue with comment counts and timestamps, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from bot.db import Database
from bot.issue_export import COLUMNS, ExportFormat, IssueExport, write_export
from bot.issues import IssueDraft
from bot.people import Actor, Team
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

ACME, GLOBEX = WorkspaceKey("T0ACME"), WorkspaceKey("T0GLOBEX")


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    services = build_services(database, WorkspaceDefaults(timezone="UTC", tracker_channel=None), clock)
    tracker = services.tracker
    tracker.raise_issue(
        ACME, IssueDraft('Pricing, "quoted"\nwrong'), raised_by="U0ANA", raised_by_team=Team.SALES
    )
    tracker.raise_issue(ACME, IssueDraft("Second"), raised_by="U0BEN")
    tracker.raise_issue(GLOBEX, IssueDraft("Elsewhere"), raised_by="U0CAT")
    clock.now += timedelta(hours=1)
    tracker.comment(ACME, 1, "U0BEN", "Seen it", source="card", request_key="a")
    clock.now += timedelta(hours=1)
    tracker.comment(ACME, 1, "U0ANA", "Thanks", source="card", request_key="b")
    tracker.close(ACME, 2, Actor("U0BEN"))
    return services


def test_csv_has_a_header_and_one_row_an_issue_of_the_workspace(
    services: Services, clock: FixedClock
) -> None:
    out = io.StringIO()
    written = write_export(IssueExport(services.database).rows(ACME), ExportFormat.CSV, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == 2
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["title"] == 'Pricing, "quoted"\nwrong'
    assert (rows[0]["comments"], rows[0]["raised_by_team"]) == ("2", "sales")
    assert rows[0]["last_comment_at"] == clock.now.isoformat()
    assert (rows[1]["status"], rows[1]["comments"], rows[1]["last_comment_at"]) == ("resolved", "0", "")
    assert rows[1]["closed_at"] == clock.now.isoformat()


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(
    services: Services,
) -> None:
    for title in ('=HYPERLINK("https://evil.example")', "+1 caller", "-discount", "@sum(A1)"):
        services.tracker.raise_issue(GLOBEX, IssueDraft(title), raised_by="U0CAT")
    out, as_json = io.StringIO(), io.StringIO()
    write_export(IssueExport(services.database).rows(GLOBEX), ExportFormat.CSV, out)
    write_export(IssueExport(services.database).rows(GLOBEX), ExportFormat.JSON, as_json)

    titles = [row["title"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert titles == [
        "Elsewhere",
        '\'=HYPERLINK("https://evil.example")',
        "'+1 caller",
        "'-discount",
        "'@sum(A1)",
    ]
    assert json.loads(as_json.getvalue())[1]["title"] == '=HYPERLINK("https://evil.example")'


def test_json_covers_every_workspace_when_none_is_named(services: Services) -> None:
    out = io.StringIO()
    write_export(IssueExport(services.database).rows(), ExportFormat.JSON, out)

    exported = json.loads(out.getvalue())
    assert [(r["team_id"], r["number"]) for r in exported] == [("T0ACME", 1), ("T0ACME", 2), ("T0GLOBEX", 1)]


def test_an_empty_export_is_still_valid(database: Database) -> None:
    out = io.StringIO()
    assert write_export(IssueExport(database).rows(ACME), ExportFormat.JSON, out) == 0
    assert json.loads(out.getvalue()) == []
