"""Exporting field notes: each note, its follow-ups and the issues they became, as CSV or JSON text.
Pure: notes in, text out; `tandem export fieldnotes` reads the notes and writes the text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from bot.fieldnotes import FieldNote
from bot.issue_export import spreadsheet_safe

COLUMNS = (
    "team_id",
    "id",
    "visited_on",
    "kind",
    "account",
    "author_id",
    "went",
    "met",
    "heard",
    "competitors",
    "feedback",
    "follow_ups",
    "follow_up_issues",
    "created_at",
    "edited_at",
    "card_permalink",
)


def note_record(team_id: str, note: FieldNote) -> dict[str, Any]:
    """One note as plain data (JSON's shape): follow-ups as a list, with the issue each became."""
    return {
        "team_id": team_id,
        "id": note.id,
        "visited_on": note.visited_on.isoformat(),
        "kind": note.kind.value,
        "account": note.account,
        "author_id": note.author_id,
        "went": list(note.went),
        "met": note.met,
        "heard": note.heard,
        "competitors": note.competitors,
        "feedback": note.feedback,
        "follow_ups": [
            {
                "text": follow_up.text,
                "to_tracker": follow_up.to_tracker,
                "owner_id": follow_up.owner_id,
                "issue_number": follow_up.issue_number,
            }
            for follow_up in note.follow_ups
        ],
        "created_at": note.created_at.isoformat(),
        "edited_at": note.edited_at.isoformat() if note.edited_at else None,
        "card_permalink": note.card_permalink,
    }


def notes_csv(notes: Iterable[tuple[str, FieldNote]]) -> str:
    """CSV with a header, one row per (team id, note): people space-separated, follow-ups one per line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for team_id, note in notes:
        record = note_record(team_id, note)
        record["went"] = " ".join(note.went)
        record["follow_ups"] = "\n".join(follow_up.text for follow_up in note.follow_ups)
        record["follow_up_issues"] = " ".join(
            str(f.issue_number) for f in note.follow_ups if f.issue_number is not None
        )
        writer.writerow([spreadsheet_safe(record[column]) for column in COLUMNS])
    return out.getvalue()


def notes_json(notes: Iterable[tuple[str, FieldNote]]) -> str:
    """A JSON array of notes, one a line, oldest workspace and note first as given."""
    lines = [json.dumps(note_record(team_id, note), ensure_ascii=False) for team_id, note in notes]
    if not lines:
        return "[]\n"
    return "[\n  " + ",\n  ".join(lines) + "\n]\n"
