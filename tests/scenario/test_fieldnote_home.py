"""Field notes on App Home over real HTTP: a person's recent notes and the team's this month, "Log a
field note" opening the form whose outcome shows at the top of Home, and the whole Home still within
Slack's 100 blocks with the field notes' part at its largest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import home as home_blocks
from bot.fieldnotes import ACCOUNT_MAX, TEXT_MAX, FieldNote, Found, VisitKind
from bot.issues import Board, IssueList, IssueView
from bot.people import MappedSource, Membership, Team, TeamSourceKind
from tests.conftest import FixedClock
from tests.contract.checks import check_view
from tests.scenario.conftest import ANA, BEN, Scene, Tandem
from tests.scenario.home_views import next_home, open_home, published
from tests.scenario.messages import texts
from tests.scenario.test_app_home import _full_digest, _full_metrics, _full_wins, _issue
from tests.scenario.test_fieldnote_command import ADA, FIELD, FIELD_SCENE, cards, logged, stored
from tests.scenario.test_fieldnote_form import FILLED, submit


@pytest.fixture
def scene() -> Scene:
    return FIELD_SCENE


def fieldnotes_part(home: dict[str, Any]) -> list[str]:
    """What each block of the field notes' part of App Home shows: its header, your recent notes,
    the team's this month, its button."""
    blocks = home["blocks"]
    end = next(i for i, b in enumerate(blocks) if b.get("block_id") == "fieldnotes.home")
    return [texts(block).strip() for block in blocks[end - 3 : end + 1]]


def test_home_shows_my_recent_notes_and_the_teams_this_month(tandem: Tandem, clock: FixedClock) -> None:
    clock.now -= timedelta(days=30)  # October: mine, but not this month's
    logged(tandem, "Initech", "older visit")
    clock.now += timedelta(days=30)
    logged(tandem, "Acme Corp", "wants SSO")
    clock.now += timedelta(minutes=5)
    logged(tandem, "Globex", "price too high", by=BEN)

    header, yours, team, button = fieldnotes_part(open_home(tandem, ANA))

    assert header == "Field notes"
    assert button == "Log a field note"
    assert "Acme Corp" in yours
    assert "Initech" in yours
    assert "Globex" not in yours
    assert "The team's notes this month: 2" in team
    assert team.index("Globex") < team.index("Acme Corp")
    assert "Initech" not in team


def test_home_with_no_notes_says_how_to_log_one(tandem: Tandem) -> None:
    _, yours, team, _ = fieldnotes_part(open_home(tandem, BEN))

    assert "You haven't logged a field note yet" in yours
    assert "None yet this month" in team


def test_log_a_field_note_opens_the_form_and_home_tells_how_it_went(tandem: Tandem) -> None:
    home = open_home(tandem, ANA)
    before = len(published(tandem, ANA))

    answer = tandem.send(
        tandem.requests.block_actions([{"action_id": "fieldnotes.open_form"}], user_id=ANA, view=home)
    )

    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")
    form = opened.response["view"]
    assert form["callback_id"] == "fieldnotes.form"
    assert submit(tandem, form, FILLED) is None
    again = next_home(tandem, ANA, before)
    [notice] = [b for b in again["blocks"] if b.get("block_id") == "home.notice"]
    assert f"<#{FIELD}>" in notice["text"]["text"]
    assert "Acme Corp" in fieldnotes_part(again)[1]
    assert len(cards(tandem)) == 1
    assert len(stored(tandem)) == 1
    assert tandem.slack.responses == []  # Home is where it was answered


def test_an_admins_home_stays_within_100_blocks_with_every_part_full(tandem: Tandem) -> None:
    for n in range(30):
        logged(tandem, f"Account {n}", "wants SSO", by=ADA)

    home = open_home(tandem, ADA)

    assert len(home["blocks"]) <= 100
    _, yours, team, _ = fieldnotes_part(home)
    assert yours.count("• ") == team.count("• ") == 5
    assert "The team's notes this month: 30" in team


def test_the_renderer_keeps_any_home_within_100_blocks_with_field_notes() -> None:
    many = IssueList(tuple(_issue(n) for n in range(1, home_blocks.OVERVIEW_CAP + 1)), 500)
    board = Board(
        mine=many, raised=many, overdue=many, by_team={Team.SALES: many, Team.MARKETING: many}, others=many
    )
    admin = home_blocks.TeamsAdmin(
        [MappedSource(Team.SALES, TeamSourceKind.USERGROUP, "S0SALES", ADA, None)],
        [Membership(ANA, Team.SALES, "usergroup")],
    )
    notes = _full_notes()
    page = home_blocks.HomePage(
        team=None,
        shown=home_blocks.Overview(board),
        admin=admin,
        notice="Saved.",
        digest=_full_digest(),
        metrics=_full_metrics(),
        wins=_full_wins(),
        fieldnotes=home_blocks.FieldNotesPart(notes, notes),
    )

    view = home_blocks.home(page, ZoneInfo("Europe/Paris")).to_dict()

    assert check_view(view) == []
    sections = home_blocks.OVERVIEW_SECTIONS * (home_blocks.SECTION_FRAME + 2 * home_blocks.OVERVIEW_CAP)
    assert len(view["blocks"]) == home_blocks.PARTS_BLOCKS + sections <= 100
    longest = IssueList(tuple(_issue(n) for n in range(1, home_blocks.LIST_CAP + 1)), 900)
    listing = replace(page, shown=home_blocks.Listing(IssueView.ALL, longest), notice="")
    longest_view = home_blocks.home(listing, ZoneInfo("UTC")).to_dict()
    assert check_view(longest_view) == []
    assert len(longest_view["blocks"]) <= 100


def _full_notes() -> Found:
    """Five notes with every field at its longest, out of many."""
    at = datetime(2026, 11, 24, tzinfo=UTC)
    notes = tuple(
        FieldNote(
            id=n,
            author_id=ANA,
            account="<!here> " + "a" * (ACCOUNT_MAX - 8),
            visited_on=date(2026, 11, 24),
            kind=VisitKind.EVENT,
            went=(ANA, BEN),
            met="m" * 500,
            heard="&" * TEXT_MAX,
            competitors="c" * TEXT_MAX,
            feedback="f" * TEXT_MAX,
            follow_ups=(),
            created_at=at,
            edited_at=None,
            card_channel=FIELD,
            card_ts="1764000000.000100",
            card_permalink="https://tandem-test.slack.com/archives/C0FIELDNOTES/p1764000000000100",
        )
        for n in range(1, 6)
    )
    return Found(notes, 9_999)
