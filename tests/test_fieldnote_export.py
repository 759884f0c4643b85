"""Exporting field notes: CSV a spreadsheet opens safely, JSON with follow-ups, and the command."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from bot.db import Database
from bot.fieldnote_export import COLUMNS, notes_csv, notes_json
from bot.fieldnotes import FieldNote, FollowUp, FollowUpDraft, NoteDraft, VisitKind
from bot.people import Actor
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.test_cli import TANDEM, bare_environment

CREATED = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


def a_note(note_id: int = 7, **changes: object) -> FieldNote:
    fields: dict[str, object] = {
        "id": note_id,
        "author_id": "U0MARK",
        "account": "Acme Corp",
        "visited_on": date(2026, 11, 23),
        "kind": VisitKind.RIDE_ALONG,
        "went": ("U0MARK", "U0SALLY"),
        "met": "Jo, head of IT",
        "heard": 'They want SSO, "soon",\nbefore renewal',
        "competitors": "Globex, Initech",
        "feedback": "Exports are slow",
        "follow_ups": (
            FollowUp("Send the SSO roadmap", True, "U0SALLY", 12),
            FollowUp("Book a demo", False, None, None),
        ),
        "created_at": CREATED,
        "edited_at": None,
        "card_channel": "C0FIELD",
        "card_ts": "1.2",
        "card_permalink": "https://acme.slack.com/archives/C0FIELD/p12",
    }
    fields.update(changes)
    return FieldNote(**fields)  # type: ignore[arg-type]


def test_csv_has_a_header_and_a_row_a_note_with_follow_ups_one_per_line() -> None:
    rows = list(csv.DictReader(io.StringIO(notes_csv([("T0ACME", a_note())]))))

    assert tuple(rows[0]) == COLUMNS
    [row] = rows
    assert (row["team_id"], row["id"], row["visited_on"], row["kind"]) == (
        "T0ACME",
        "7",
        "2026-11-23",
        "ride_along",
    )
    assert row["heard"] == 'They want SSO, "soon",\nbefore renewal'
    assert row["went"] == "U0MARK U0SALLY"
    assert row["follow_ups"] == "Send the SSO roadmap\nBook a demo"
    assert row["follow_up_issues"] == "12"
    assert (row["created_at"], row["edited_at"]) == ("2026-11-24T15:30:00+00:00", "")


def test_csv_text_a_spreadsheet_would_run_as_a_formula_is_written_as_plain_text() -> None:
    note = a_note(account='=HYPERLINK("http://evil")', met="+1 555", heard="@SUM(A1)", feedback="-2")

    [row] = list(csv.DictReader(io.StringIO(notes_csv([("T0ACME", note)]))))

    assert row["account"] == '\'=HYPERLINK("http://evil")'
    assert (row["met"], row["heard"], row["feedback"]) == ("'+1 555", "'@SUM(A1)", "'-2")
    assert row["competitors"] == "Globex, Initech"  # ordinary text is untouched


def test_json_keeps_the_text_as_written_and_each_follow_up_with_its_issue() -> None:
    notes = [("T0ACME", a_note(account="=1+1")), ("T0GLOBEX", a_note(8, follow_ups=()))]

    exported = json.loads(notes_json(notes))

    assert [(n["team_id"], n["id"]) for n in exported] == [("T0ACME", 7), ("T0GLOBEX", 8)]
    assert exported[0]["account"] == "=1+1"  # JSON is not run by spreadsheets: no apostrophe
    assert exported[0]["went"] == ["U0MARK", "U0SALLY"]
    assert exported[0]["follow_ups"][0] == {
        "text": "Send the SSO roadmap",
        "to_tracker": True,
        "owner_id": "U0SALLY",
        "issue_number": 12,
    }
    assert exported[1]["follow_ups"] == []
    assert json.loads(notes_json([])) == []


def test_export_command_writes_a_workspaces_notes_as_json_or_csv(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    database = Database.at(url)
    database.upgrade()
    services = build_services(database, WorkspaceDefaults("UTC", None))
    today = services.clock().date()
    draft = NoteDraft(
        "Acme Corp",
        today,
        heard="They want SSO",
        follow_ups=(FollowUpDraft("Send the SSO roadmap", to_tracker=True, owner_id="U0SALLY"),),
    )
    services.fieldnotes.save(WorkspaceKey("T0ACME"), Actor("U0MARK"), draft, request_key="v1")
    other = NoteDraft("Initech", today, heard="Not ours")
    services.fieldnotes.save(WorkspaceKey("T0OTHER"), Actor("U0BEN"), other, request_key="v2")
    database.dispose()

    def tandem(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TANDEM, "export", "fieldnotes", *arguments],
            cwd=tmp_path,
            env=bare_environment(DATABASE_URL=url),
            capture_output=True,
            text=True,
            timeout=60,
        )

    as_json = tandem("--format", "json", "--workspace", "T0ACME")
    assert as_json.returncode == 0, as_json.stderr
    [note] = json.loads(as_json.stdout)
    assert (note["team_id"], note["account"], note["heard"]) == ("T0ACME", "Acme Corp", "They want SSO")
    assert note["follow_ups"][0]["issue_number"] == 1  # the tracker issue it became
    assert "Exported 1 field note\n" in as_json.stderr

    to_file = tandem("--output", str(tmp_path / "all.csv"))
    assert to_file.returncode == 0, to_file.stderr
    rows = list(csv.DictReader((tmp_path / "all.csv").open(encoding="utf-8", newline="")))
    assert [(row["team_id"], row["account"]) for row in rows] == [
        ("T0ACME", "Acme Corp"),
        ("T0OTHER", "Initech"),
    ]

    unknown = tandem("--workspace", "T0NOBODY")
    assert unknown.returncode == 2
    assert "Tandem has not met workspace T0NOBODY (it knows T0ACME, T0OTHER)" in unknown.stderr
    assert "Traceback" not in unknown.stderr
