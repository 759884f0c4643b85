"""The field-notes service against a real database: what a note may be, logging it once, follow-ups
becoming tracker issues, the edit window, lists and full-text search on both databases, the week's
insights, field time per marketer, and export."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.errors import InvalidInput
from bot.fieldnotes import (
    ACCOUNT_MAX,
    FOLLOW_UP_MAX,
    FOLLOW_UPS_MAX,
    LIST_CAP,
    MET_MAX,
    TEXT_MAX,
    WENT_MAX,
    FieldInsights,
    FieldNotes,
    FieldNotesSettings,
    FollowUp,
    FollowUpDraft,
    NoteDraft,
    NoteNotAllowed,
    NoteNotFound,
    VisitKind,
    competitor_names,
    problems_with,
    quick_draft,
)
from bot.models import FieldNoteFollowUpRow, FieldNoteRow, Issue
from bot.people import Actor, Team
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock
from tests.test_digest import query_plans, selects

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
# Marketing: Mia, Max. Sales: Ana. On no team: Ned.
MIA, MAX, ANA, NED = "U0MIA", "U0MAX", "U0ANA", "U0NED"
ADMIN = Actor("U0BOSS", is_admin=True)
NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 24)  # the clock's 09:30 UTC is 04:30 in New York
_requests = itertools.count(1)


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    defaults = WorkspaceDefaults(timezone="America/New_York", tracker_channel="C0TRACKER")
    services = build_services(database, defaults, clock, field_notes_channel="C0FIELD")
    services.people.set_team(ACME, ADMIN, [MIA, MAX], Team.MARKETING)
    services.people.set_team(ACME, ADMIN, [ANA], Team.SALES)
    return services


@pytest.fixture
def notes(services: Services) -> FieldNotes:
    return services.fieldnotes


def draft(
    account: str = "Acme Corp", heard: str = "They want SSO before renewing", **fields: object
) -> NoteDraft:
    return NoteDraft(account=account, visited_on=fields.pop("visited_on", TODAY), heard=heard, **fields)  # type: ignore[arg-type]


def log(
    notes: FieldNotes,
    author: str = MIA,
    account: str = "Acme Corp",
    heard: str = "They want SSO before renewing",
    key: WorkspaceKey = ACME,
    **fields: Any,
) -> int:
    saved = notes.save(
        key, Actor(author), draft(account, heard, **fields), request_key=f"V0N{next(_requests)}"
    )
    return saved.note.id


def note_rows(database: Database) -> list[FieldNoteRow]:
    with database.transaction() as session:
        return list(session.scalars(select(FieldNoteRow).order_by(FieldNoteRow.id)))


def follow_up_rows(database: Database) -> list[tuple[int, int, str, bool, int | None]]:
    with database.transaction() as session:
        rows = session.scalars(
            select(FieldNoteFollowUpRow).order_by(FieldNoteFollowUpRow.note_id, FieldNoteFollowUpRow.position)
        )
        return [(r.note_id, r.position, r.text, r.to_tracker, r.issue_number) for r in rows]


def issue_rows(database: Database) -> list[tuple[int, str, str | None, str, str | None]]:
    with database.transaction() as session:
        rows = session.scalars(select(Issue).order_by(Issue.number))
        return [(r.number, r.title, r.owner_id, r.raised_by, r.request_key) for r in rows]


# What a note may be


@pytest.mark.parametrize(
    ("draft_", "problems"),
    [
        (draft(account="   "), {"account": "Name the account: the customer or prospect you met."}),
        (
            draft(account="a" * (ACCOUNT_MAX + 1)),
            {"account": "Keep the account name to 100 characters (it has 101)."},
        ),
        (
            draft(visited_on=TODAY + timedelta(days=1)),
            {"visited_on": "Pick today or an earlier date: a note tells what already happened."},
        ),
        (draft(visited_on=TODAY - timedelta(days=367)), {"visited_on": "Pick a date within the last year."}),
        (
            draft(heard=" \n "),
            {"heard": "Say what you heard: needs and pains, competitors or product feedback."},
        ),
        (draft(met="m" * (MET_MAX + 1)), {"met": "Keep who you met to 500 characters (it has 501)."}),
        (
            draft(heard="h" * (TEXT_MAX + 1)),
            {"heard": "Keep what you heard to 2,500 characters (it has 2,501); link to the rest."},
        ),
        (
            draft(feedback="f" * (TEXT_MAX + 1)),
            {"feedback": "Keep the feedback to 2,500 characters (it has 2,501); link to the rest."},
        ),
        (
            draft(competitors="c" * (TEXT_MAX + 1)),
            {"competitors": "Keep the competitors to 2,500 characters (it has 2,501); link to the rest."},
        ),
        (
            draft(follow_ups=tuple(FollowUpDraft(f"Step {n}") for n in range(FOLLOW_UPS_MAX + 1))),
            {"follow_ups": "Give at most 5 follow-ups, one a line (there are 6)."},
        ),
        (
            draft(follow_ups=(FollowUpDraft("ok"), FollowUpDraft("x" * (FOLLOW_UP_MAX + 1)))),
            {"follow_ups": "Keep each follow-up to 120 characters (line 2 is longer)."},
        ),
        (
            draft(went=tuple(f"U0P{n:02d}" for n in range(WENT_MAX + 1))),
            {"went": "Name at most 10 people who went (there are 11)."},
        ),
        (draft(went=("C0SALES",)), {"went": "Pick people who went (not C0SALES)."}),
    ],
)
def test_what_is_wrong_with_a_note_is_said_per_field(draft_: NoteDraft, problems: dict[str, str]) -> None:
    assert problems_with(draft_, TODAY) == problems


def test_notes_at_the_limits_are_fine() -> None:
    assert (
        problems_with(draft(account="a" * ACCOUNT_MAX, heard="h" * TEXT_MAX, met="m" * MET_MAX), TODAY) == {}
    )
    assert problems_with(draft(heard="", competitors="Initech"), TODAY) == {}
    assert problems_with(draft(heard="", feedback="Needs SSO"), TODAY) == {}
    assert problems_with(draft(visited_on=TODAY - timedelta(days=366)), TODAY) == {}
    lines = tuple(FollowUpDraft("x" * FOLLOW_UP_MAX) for _ in range(FOLLOW_UPS_MAX))
    # Empty lines are not follow-ups.
    assert problems_with(draft(follow_ups=(*lines, FollowUpDraft("  "))), TODAY) == {}


def test_a_quick_note_is_the_account_before_the_colon_and_what_was_heard_after() -> None:
    assert quick_draft("  Acme   Corp : they want SSO: before renewal ", TODAY) == NoteDraft(
        account="Acme Corp", visited_on=TODAY, heard="they want SSO: before renewal"
    )
    for text_, field in (("Acme wants SSO", "account"), ("  : SSO", "account"), ("Acme Corp:  ", "heard")):
        with pytest.raises(InvalidInput) as refused:
            quick_draft(text_, TODAY)
        assert list(refused.value.problems) == [field]


def test_competitors_are_split_on_commas_and_and() -> None:
    assert competitor_names("Initech, Hooli and  Globex;Umbrella & Soylent\nAndromeda") == [
        "Initech",
        "Hooli",
        "Globex",
        "Umbrella",
        "Soylent",
        "Andromeda",
    ]


# Logging


def test_a_note_is_stored_with_the_author_among_who_went(
    notes: FieldNotes, database: Database, clock: FixedClock
) -> None:
    saved = notes.save(
        ACME,
        Actor(MIA),
        NoteDraft(
            account="  Acme\n Corp ",
            visited_on=TODAY - timedelta(days=1),
            kind=VisitKind.RIDE_ALONG,
            went=(ANA, ANA, " "),
            met="Jo (CTO)",
            heard="  SSO before renewal ",
            competitors="Initech",
            feedback="Export is slow",
        ),
        request_key="V0FORM1",
    )

    note = saved.note
    assert (saved.repeated, saved.raised) == (False, ())
    assert (note.account, note.visited_on, note.kind, note.went) == (
        "Acme Corp",
        date(2026, 11, 23),
        VisitKind.RIDE_ALONG,
        (MIA, ANA),
    )
    assert (note.met, note.heard, note.competitors, note.feedback) == (
        "Jo (CTO)",
        "SSO before renewal",
        "Initech",
        "Export is slow",
    )
    assert (note.author_id, note.created_at, note.edited_at, note.card_ts) == (MIA, clock.now, None, None)
    [row] = note_rows(database)
    assert (row.account_key, row.author_team, row.went) == ("acme corp", "marketing", "U0MIA,U0ANA")
    assert notes.note(ACME, note.id) == note


def test_a_bad_note_is_refused_whole_and_nothing_is_stored(notes: FieldNotes, database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        notes.save(
            ACME,
            Actor(MIA),
            draft(
                account=" ",
                heard="",
                visited_on=TODAY + timedelta(days=1),
                follow_ups=(FollowUpDraft("a", True),),
            ),
            request_key="V0BAD",
        )
    assert set(refused.value.problems) == {"account", "visited_on", "heard"}
    assert note_rows(database) == []
    assert follow_up_rows(database) == []


def test_today_is_the_workspaces_day(database: Database, clock: FixedClock) -> None:
    # 04:30 UTC on the 25th is still the 24th in New York: the 25th is tomorrow there.
    clock.now = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
    services = build_services(database, WorkspaceDefaults("America/New_York", None), clock)
    with pytest.raises(InvalidInput):
        log(services.fieldnotes, visited_on=date(2026, 11, 25))
    assert services.fieldnotes.settings(ACME) == FieldNotesSettings(None, NEW_YORK)


def test_a_double_submit_stores_the_note_once(notes: FieldNotes, database: Database) -> None:
    follow_ups = (FollowUpDraft("Send the SSO brief", to_tracker=True),)
    first = notes.save(ACME, Actor(MIA), draft(follow_ups=follow_ups), request_key="V0TWICE")
    again = notes.save(ACME, Actor(MIA), draft(follow_ups=follow_ups), request_key="V0TWICE")

    assert (again.repeated, again.note, again.raised) == (True, first.note, ())
    assert len(note_rows(database)) == 1
    assert len(issue_rows(database)) == 1
    # The same key in another workspace is another request.
    assert notes.save(GLOBEX, Actor(MIA), draft(), request_key="V0TWICE").repeated is False


def test_a_retry_finishes_raising_what_an_interrupted_save_left(
    notes: FieldNotes, database: Database
) -> None:
    first = notes.save(
        ACME, Actor(MIA), draft(follow_ups=(FollowUpDraft("Book a demo", True),)), request_key="V0CUT"
    )
    # As if the first attempt stopped after storing the note and before the tracker answered.
    with database.transaction() as session:
        for row in session.scalars(select(FieldNoteFollowUpRow)):
            row.issue_number = None

    again = notes.save(
        ACME, Actor(MIA), draft(follow_ups=(FollowUpDraft("Book a demo", True),)), request_key="V0CUT"
    )

    assert again.repeated is True
    assert again.raised == ()  # the tracker had it already: its card is posted
    assert again.note.follow_ups == first.note.follow_ups
    assert len(issue_rows(database)) == 1


def test_follow_ups_for_the_tracker_become_issues_linked_to_the_note(
    notes: FieldNotes, database: Database, services: Services
) -> None:
    saved = notes.save(
        ACME,
        Actor(MIA),
        draft(
            kind=VisitKind.EVENT,
            follow_ups=(
                FollowUpDraft("Send the SSO brief", to_tracker=True, owner_id=ANA),
                FollowUpDraft("Thank Jo", to_tracker=False),
                FollowUpDraft("  Price  the EU tier ", to_tracker=True),
            ),
        ),
        request_key="V0FOLLOW",
    )

    note_id = saved.note.id
    assert saved.raised == (1, 2)
    assert saved.note.follow_ups == (
        FollowUp("Send the SSO brief", True, ANA, 1),
        FollowUp("Thank Jo", False, None, None),
        FollowUp("Price the EU tier", True, None, 2),
    )
    assert issue_rows(database) == [
        (1, "Send the SSO brief", ANA, MIA, f"fieldnote:{note_id}:1"),
        (2, "Price the EU tier", None, MIA, f"fieldnote:{note_id}:3"),
    ]
    issue = services.tracker.issue(ACME, 1)
    assert (
        issue.details
        == "A follow-up from the field note on Acme Corp (Event or trade show, Tue 24 Nov 2026)."
    )
    assert issue.raised_by_team is Team.MARKETING


def test_the_card_is_remembered(notes: FieldNotes) -> None:
    note_id = log(notes)
    permalink = "https://acme.slack.com/archives/C0FIELD/p1764000000000100"

    note = notes.record_card(ACME, note_id, "C0FIELD", "1764000000.000100", permalink)

    assert (note.card_channel, note.card_ts, note.card_permalink) == (
        "C0FIELD",
        "1764000000.000100",
        permalink,
    )
    assert notes.note(ACME, note_id) == note


def test_another_workspaces_note_is_not_found(notes: FieldNotes) -> None:
    note_id = log(notes)
    with pytest.raises(NoteNotFound):
        notes.note(GLOBEX, note_id)
    with pytest.raises(NoteNotFound):
        notes.record_card(GLOBEX, note_id, "C0FIELD", "1.2", None)


# Editing


def test_the_author_edits_for_a_week_and_admins_always(notes: FieldNotes, clock: FixedClock) -> None:
    note_id = log(notes)
    clock.now += timedelta(days=7)

    edited = notes.edit(ACME, note_id, Actor(MIA), draft(heard="SSO and SCIM"))
    assert (edited.note.heard, edited.note.edited_at, edited.repeated) == ("SSO and SCIM", clock.now, False)

    with pytest.raises(NoteNotAllowed):
        notes.edit(ACME, note_id, Actor(ANA), draft(heard="Not mine"))
    clock.now += timedelta(minutes=1)
    with pytest.raises(NoteNotAllowed):
        notes.edit(ACME, note_id, Actor(MIA), draft(heard="Too late"))
    assert notes.note(ACME, note_id).heard == "SSO and SCIM"

    by_admin = notes.edit(ACME, note_id, ADMIN, draft(heard="Fixed a typo"))
    assert by_admin.note.heard == "Fixed a typo"
    # The note's author stays among who went, whoever edits it.
    assert by_admin.note.went == (MIA,)


def test_a_bad_edit_changes_nothing(notes: FieldNotes) -> None:
    note_id = log(notes)
    with pytest.raises(InvalidInput) as refused:
        notes.edit(ACME, note_id, Actor(MIA), draft(account=" "))
    assert list(refused.value.problems) == ["account"]
    assert notes.note(ACME, note_id).account == "Acme Corp"
    with pytest.raises(NoteNotFound):
        notes.edit(GLOBEX, note_id, ADMIN, draft())


def test_an_edit_keeps_raised_follow_ups_and_raises_new_ones(notes: FieldNotes, database: Database) -> None:
    saved = notes.save(
        ACME,
        Actor(MIA),
        draft(follow_ups=(FollowUpDraft("Send the SSO brief", True), FollowUpDraft("Thank Jo"))),
        request_key="V0EDIT",
    )
    note_id = saved.note.id

    edited = notes.edit(
        ACME,
        note_id,
        Actor(MIA),
        draft(
            follow_ups=(
                FollowUpDraft("Book a demo", True, owner_id=MAX),
                # Unticked: an issue raised is not taken back.
                FollowUpDraft("send the SSO brief", False),
                FollowUpDraft("Thank Jo", True),
            )
        ),
    )

    assert edited.raised == (2, 3)
    assert edited.note.follow_ups == (
        FollowUp("Book a demo", True, MAX, 2),
        FollowUp("send the SSO brief", True, None, 1),
        FollowUp("Thank Jo", True, None, 3),
    )
    # Each line keeps its number; the line the edit added comes after the note's first two.
    assert [row[4] for row in issue_rows(database)] == [
        f"fieldnote:{note_id}:1",
        f"fieldnote:{note_id}:3",
        f"fieldnote:{note_id}:2",
    ]
    again = notes.edit(ACME, note_id, Actor(MIA), draft(follow_ups=(FollowUpDraft("Book a demo", True),)))
    assert (again.raised, again.note.follow_ups) == ((), (FollowUp("Book a demo", True, None, 2),))
    assert len(issue_rows(database)) == 3


# Finding


def test_recent_notes_of_a_person_or_an_account_newest_first(notes: FieldNotes, clock: FixedClock) -> None:
    ids = []
    for author, account in ((MIA, "Acme Corp"), (MAX, "Globex"), (MIA, "ACME  corp"), (MAX, "Acme Corp")):
        clock.now += timedelta(minutes=1)
        ids.append(log(notes, author, account))
    log(notes, MIA, "Acme Corp", key=GLOBEX)

    everyone = notes.recent(ACME)
    assert ([n.id for n in everyone.notes], everyone.total) == (ids[::-1], 4)
    mine = notes.recent(ACME, author=MIA)
    assert [n.id for n in mine.notes] == [ids[2], ids[0]]
    acme = notes.recent(ACME, account=" acme CORP ")
    assert ([n.id for n in acme.notes], acme.total) == ([ids[3], ids[2], ids[0]], 3)
    assert (
        notes.recent(ACME, account="Initech")
        == notes.recent(ACME, author=NED)
        == notes.recent(GLOBEX, author=MAX)
    )
    assert notes.recent(GLOBEX, author=MAX).total == 0


def test_a_list_is_capped_and_counts_every_note(notes: FieldNotes, clock: FixedClock) -> None:
    for n in range(LIST_CAP + 2):
        clock.now += timedelta(minutes=1)
        log(notes, heard=f"Note {n}")

    found = notes.recent(ACME)
    assert (len(found.notes), found.total) == (LIST_CAP, LIST_CAP + 2)
    assert found.notes[0].heard == f"Note {LIST_CAP + 1}"
    assert [n.heard for n in notes.recent(ACME, limit=2).notes] == [
        f"Note {LIST_CAP + 1}",
        f"Note {LIST_CAP}",
    ]


def test_this_month_is_the_workspaces_month(notes: FieldNotes, clock: FixedClock) -> None:
    clock.now = datetime(2026, 11, 1, 3, 59, tzinfo=UTC)  # 31 October, 23:59 in New York
    log(notes, heard="October's", visited_on=date(2026, 10, 31))
    clock.now = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    first = log(notes, heard="November's", visited_on=date(2026, 11, 1))
    clock.now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    second = log(notes, heard="Later")

    found = notes.this_month(ACME, limit=1)
    assert ([n.id for n in found.notes], found.total) == ([second], 2)
    assert [n.id for n in notes.this_month(ACME, limit=5).notes] == [second, first]


def seed_for_search(notes: FieldNotes, clock: FixedClock) -> dict[str, int]:
    seeded: dict[str, int] = {}
    seeds: tuple[tuple[str, str, dict[str, Any]], ...] = (
        ("sso", "Acme Corp", {"heard": "They need SSO before the renewal"}),
        ("pricing", "Globex", {"heard": "Pricing is too high", "competitors": "Initech"}),
        ("feedback", "Hooli", {"heard": "Fine", "feedback": "Exports are slow; renewal at risk"}),
        ("met", "Umbrella", {"heard": "Happy", "met": "Renata, head of procurement"}),
        ("follow", "Soylent", {"heard": "Quiet", "follow_ups": (FollowUpDraft("Send the SSO brief"),)}),
    )
    for name, account, fields in seeds:
        clock.now += timedelta(minutes=1)
        seeded[name] = log(notes, MIA, account, **fields)
    return seeded


def test_search_finds_every_word_in_any_field_newest_first(notes: FieldNotes, clock: FixedClock) -> None:
    seeded = seed_for_search(notes, clock)
    log(notes, heard="SSO renewal", key=GLOBEX)

    def ids(words: str) -> list[int]:
        return [note.id for note in notes.search(ACME, words).notes]

    assert ids("sso") == [seeded["follow"], seeded["sso"]]
    assert ids("SSO renewal") == [seeded["sso"]]
    assert ids("initech") == [seeded["pricing"]]
    assert ids("globex pricing") == [seeded["pricing"]]
    assert ids("exports slow") == [seeded["feedback"]]
    assert ids("procurement") == [seeded["met"]]
    # The last word is also the start of longer ones.
    assert ids("renew") == [seeded["feedback"], seeded["sso"]]
    assert ids("ren") == [seeded["met"], seeded["feedback"], seeded["sso"]]
    # Punctuation and quotes are not query syntax.
    assert ids('"sso" AND (renewal* OR -x') == []
    assert ids("  SSO,   renewal! ") == [seeded["sso"]]
    assert ids("salesforce") == []
    assert notes.search(GLOBEX, "sso").total == 1


def test_search_follows_edits(notes: FieldNotes, clock: FixedClock) -> None:
    note_id = log(notes, heard="They want SSO")
    notes.edit(ACME, note_id, Actor(MIA), draft(heard="They want SCIM"))
    notes.record_card(ACME, note_id, "C0FIELD", "1.2", None)

    assert notes.search(ACME, "sso").total == 0
    assert [n.id for n in notes.search(ACME, "scim").notes] == [note_id]


def test_search_is_capped_and_counts_every_match(notes: FieldNotes, clock: FixedClock) -> None:
    for n in range(LIST_CAP + 3):
        clock.now += timedelta(minutes=1)
        log(notes, heard=f"Pricing question {n}")
    log(notes, heard="Something else")

    found = notes.search(ACME, "pricing")
    assert (len(found.notes), found.total) == (LIST_CAP, LIST_CAP + 3)
    assert found.notes[0].heard == f"Pricing question {LIST_CAP + 2}"
    assert len(notes.search(ACME, "pricing", limit=3).notes) == 3


def test_words_without_letters_or_digits_get_a_hint(notes: FieldNotes) -> None:
    for words in ("", "  ", "!!! -- ?", "___"):
        with pytest.raises(InvalidInput) as refused:
            notes.search(ACME, words)
        assert refused.value.problems == {"words": "Search for words: `/fieldnote search pricing sso`."}


def test_search_uses_each_databases_full_text_index(
    notes: FieldNotes, database: Database, clock: FixedClock
) -> None:
    seed_for_search(notes, clock)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(
                row[0]
                for row in connection.exec_driver_sql(
                    "EXPLAIN SELECT id FROM field_notes "
                    "WHERE search @@ to_tsquery('simple'::regconfig, 'sso:*')"
                )
            )
        assert "ix_field_notes_search" in plan, plan
        # And the service's own query answers through it.
        assert [n.account for n in notes.search(ACME, "sso").notes] == ["Soylent", "Acme Corp"]
        return

    with selects(database) as statements:
        notes.search(ACME, "sso ren")

    plans = query_plans(database, [s for s in statements if "field_notes_fts" in s[0]])
    assert len(plans) == 2  # the count and the page
    for plan in plans:
        # The matches lead (newest first, straight off the index), each note then found by its id.
        assert plan.startswith("SCAN field_notes_fts VIRTUAL TABLE INDEX"), plan
        assert "SEARCH field_notes USING INTEGER PRIMARY KEY" in plan, plan
    assert "TEMP B-TREE" not in plans[1], plans[1]


# Reaching both teams


def test_the_weeks_insights_count_accounts_and_competitors(notes: FieldNotes, clock: FixedClock) -> None:
    def at(day: int, hour: int, account: str, **fields: Any) -> None:
        clock.now = datetime(2026, 11, day, hour, tzinfo=NEW_YORK).astimezone(UTC)
        log(notes, account=account, visited_on=date(2026, 11, day), **fields)

    at(18, 23, "Before", competitors="Initech")
    at(19, 0, "Acme Corp", competitors="Initech, Hooli", feedback="Needs SSO")
    at(20, 9, "Globex", competitors="hooli and INITECH", feedback="Exports\nare slow")
    at(21, 9, "acme corp", competitors="Initech, initech")
    at(25, 23, "Acme  Corp", competitors="Umbrella")
    at(26, 0, "After", competitors="Umbrella")
    log(notes, account="Elsewhere", competitors="Umbrella", key=GLOBEX)

    insights = notes.insights(ACME, date(2026, 11, 19), date(2026, 11, 25))

    assert insights == FieldInsights(
        notes=4,
        # Shown as the newest note spells it.
        accounts=(("Acme Corp", 3), ("Globex", 1)),
        competitors=(("Initech", 3), ("hooli", 2), ("Umbrella", 1)),
        feedback=("Globex: Exports are slow", "Acme Corp: Needs SSO"),
    )
    assert notes.insights(ACME, date(2026, 11, 27), date(2026, 11, 30)) == FieldInsights(0, (), (), ())


def test_visits_per_marketer_count_field_time_of_the_month(notes: FieldNotes, clock: FixedClock) -> None:
    log(notes, MIA, went=(MAX, ANA), visited_on=date(2026, 11, 2), kind=VisitKind.CUSTOMER_VISIT)
    log(notes, MAX, visited_on=date(2026, 11, 3), kind=VisitKind.RIDE_ALONG)
    log(notes, MIA, visited_on=date(2026, 11, 24), kind=VisitKind.EVENT)
    log(notes, MIA, visited_on=date(2026, 11, 5), kind=VisitKind.CALL)  # a call is not field time
    log(notes, MIA, visited_on=date(2026, 10, 31))  # last month
    log(notes, NED, visited_on=date(2026, 11, 6))  # on no team
    log(notes, MIA, visited_on=date(2026, 11, 6), key=GLOBEX)

    assert notes.visits_per_marketer(ACME, date(2026, 11, 1)) == {MAX: 2, MIA: 2}
    assert notes.visits_per_marketer(ACME, date(2026, 10, 1)) == {MIA: 1}
    assert notes.visits_per_marketer(ACME, date(2026, 12, 1)) == {}


def test_export_is_every_note_oldest_first(notes: FieldNotes, clock: FixedClock) -> None:
    first = log(notes, follow_ups=(FollowUpDraft("Book a demo", True),))
    clock.now += timedelta(hours=1)
    second = log(notes, MAX, "Globex")
    log(notes, key=GLOBEX)

    exported = notes.export(ACME)
    assert [n.id for n in exported] == [first, second]
    assert exported[0].follow_ups == (FollowUp("Book a demo", True, None, 1),)
    assert exported[1] == notes.note(ACME, second)
