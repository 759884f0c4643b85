"""The wins service against a real database: celebrating with teams as they were, exactly once and
within the daily cap, editing and deleting, the DMs a posted card queues, the leaderboard's periods,
the weekly recap, a person's wins, and settings."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.errors import InvalidInput
from bot.models import Notification, WinRow, WinsSettingsRow, WinThanksRow
from bot.people import Actor, Team
from bot.services import Services, build_services
from bot.wins import (
    ACCOUNT_MAX,
    AMOUNT_MAX,
    DAILY_CAP,
    LEADERS,
    RECAP_WINS,
    TEXT_MAX,
    THANKED_MAX,
    Celebrated,
    Direction,
    Leader,
    Period,
    Thanks,
    TooManyWins,
    Win,
    WinDraft,
    WinKind,
    WinNotAllowed,
    WinNotFound,
    Wins,
    WinsDefaults,
    WinsSettings,
    WinsSettingsChange,
    problems_with,
    settings_problems,
)
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock
from tests.test_digest import query_plans, selects

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
# Sales: Ana, Sam. Marketing: Mia, Max. Other: Oli. On no team: Ned.
ANA, SAM, MIA, MAX, OLI, NED = "U0ANA", "U0SAM", "U0MIA", "U0MAX", "U0OLI", "U0NED"
ADMIN = Actor("U0BOSS", is_admin=True)
NEW_YORK = ZoneInfo("America/New_York")
DEFAULTS = WinsDefaults(channel="C0WINSCH")
_requests = itertools.count(1)


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    defaults = WorkspaceDefaults(timezone="America/New_York", tracker_channel="C0TRACKER")
    services = build_services(database, defaults, clock, wins_defaults=DEFAULTS)
    services.people.set_team(ACME, ADMIN, [ANA, SAM], Team.SALES)
    services.people.set_team(ACME, ADMIN, [MIA, MAX], Team.MARKETING)
    services.people.set_team(ACME, ADMIN, [OLI], Team.OTHER)
    return services


@pytest.fixture
def wins(services: Services) -> Wins:
    return services.wins


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A New York wall-clock moment, as the aware UTC instant services store."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def celebrate(
    wins: Wins,
    author: str,
    *thanked: str,
    text: str = "Closed Acme",
    kind: WinKind = WinKind.OTHER,
    key: WorkspaceKey = ACME,
) -> Win:
    draft = WinDraft(text, thanked, kind)
    return wins.celebrate(key, Actor(author), draft, request_key=f"V0REQ{next(_requests)}").win


def posted_at(wins: Wins, clock: FixedClock, at: datetime, author: str, *thanked: str, text: str = "") -> Win:
    clock.now = at
    return celebrate(wins, author, *thanked, text=text or f"Win at {at:%Y-%m-%d %H:%M}")


def win_rows(database: Database) -> list[WinRow]:
    with database.transaction() as session:
        return list(session.scalars(select(WinRow).order_by(WinRow.id)))


def thanks_rows(database: Database) -> list[WinThanksRow]:
    with database.transaction() as session:
        return list(session.scalars(select(WinThanksRow).order_by(WinThanksRow.id)))


def queued(database: Database) -> list[tuple[str, str, dict[str, object]]]:
    with database.transaction() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(row.recipient, row.kind, json.loads(row.payload)) for row in rows]


def generous_cap(wins: Wins) -> None:
    """Seeding a period posts more wins a day than the default cap allows."""
    wins.save_settings(ACME, WinsSettingsChange("C0WINSCH", "fri", "16:00", 100), ADMIN)


# What a win may be


@pytest.mark.parametrize(
    ("draft", "problems"),
    [
        (WinDraft("", (MIA,)), {"text": "Say what happened: the win in a sentence or two."}),
        (WinDraft(" \n\t ", (MIA,)), {"text": "Say what happened: the win in a sentence or two."}),
        (
            WinDraft("w" * (TEXT_MAX + 1), (MIA,)),
            {"text": "Keep the win to 1,500 characters (it has 1,501); link to the rest."},
        ),
        (WinDraft("Closed Acme", ()), {"thanked": "Pick who to thank: a win thanks the people behind it."}),
        (WinDraft("Closed Acme", (ANA,)), {"thanked": "You can't thank only yourself — add who helped."}),
        (WinDraft("Closed Acme", (ANA, ANA)), {"thanked": "You can't thank only yourself — add who helped."}),
        (
            WinDraft("Closed Acme", tuple(f"U0P{n:02d}" for n in range(THANKED_MAX + 1))),
            {"thanked": "Thank at most 20 people in one win (this one thanks 21)."},
        ),
        (WinDraft("Closed Acme", (MIA, "C0SALES")), {"thanked": "Pick people to thank (not C0SALES)."}),
        (
            WinDraft("Closed Acme", (MIA,), account="a" * (ACCOUNT_MAX + 1)),
            {"account": "Keep the account or deal name to 100 characters (it has 101)."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), amount=-5.0),
            {"amount": "Give the value as a positive number, such as 12k or 1.2M."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), amount=AMOUNT_MAX * 10),
            {"amount": "That value is too large to be real: give one up to 1,000,000,000,000."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), amount=math.inf),
            {"amount": "That value is too large to be real: give one up to 1,000,000,000,000."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), amount=math.nan),
            {"amount": "That value is too large to be real: give one up to 1,000,000,000,000."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), currency="EUR"),
            {"currency": "Give a value with the currency, or leave the currency out."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), amount=12.0, currency="€"),
            {"currency": "Give the currency as a 3-letter code such as EUR or USD."},
        ),
        (
            WinDraft("Closed Acme", (MIA,), amount=12.0, currency="EURO"),
            {"currency": "Give the currency as a 3-letter code such as EUR or USD."},
        ),
    ],
)
def test_what_is_wrong_with_a_win_is_said_per_field(draft: WinDraft, problems: dict[str, str]) -> None:
    assert problems_with(draft, ANA) == problems


def test_wins_at_the_limits_are_fine() -> None:
    assert problems_with(WinDraft("w" * TEXT_MAX, (MIA,)), ANA) == {}
    assert problems_with(WinDraft("Team win", tuple(f"U0P{n:02d}" for n in range(THANKED_MAX))), ANA) == {}
    # The author among the people thanked is left out, so they do not count towards the limit.
    crowd = (ANA, *(f"U0P{n:02d}" for n in range(THANKED_MAX)))
    assert problems_with(WinDraft("Team win", crowd), ANA) == {}
    assert problems_with(WinDraft("Big", (MIA,), account="a" * ACCOUNT_MAX, amount=AMOUNT_MAX), ANA) == {}
    assert problems_with(WinDraft("Free pilot", (MIA,), amount=0.0, currency=" usd "), ANA) == {}
    assert problems_with(WinDraft("Thanks all", (ANA, MIA)), ANA) == {}


def test_a_bad_win_is_refused_whole_and_nothing_is_stored(wins: Wins, database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        wins.celebrate(
            ACME, Actor(ANA), WinDraft("", (ANA,), amount=-1.0, currency="EUR"), request_key="V0BAD"
        )

    assert refused.value.problems == {
        "text": "Say what happened: the win in a sentence or two.",
        "thanked": "You can't thank only yourself — add who helped.",
        "amount": "Give the value as a positive number, such as 12k or 1.2M.",
    }
    assert win_rows(database) == []
    assert thanks_rows(database) == []


# Celebrating


def test_a_win_is_stored_as_given_with_everyones_team_at_that_moment(
    wins: Wins, services: Services, database: Database
) -> None:
    permalink = "https://acme.slack.com/archives/C0DEALS/p1764000000000100"
    draft = WinDraft(
        "  Closed Acme Corp:\n3-year deal thanks to the webinar  ",
        (MIA, ANA, OLI, MIA, NED, MAX),
        WinKind.CLOSED_DEAL,
        account="  Acme \n Corp ",
        amount=120_000.0,
        currency="eur",
        source_permalink=permalink,
    )

    celebrated = wins.celebrate(ACME, Actor(ANA), draft, request_key="V0FORM1")

    win = celebrated.win
    assert celebrated.repeated is False
    assert win.author_id == ANA
    assert win.author_team is Team.SALES
    assert win.text == "Closed Acme Corp:\n3-year deal thanks to the webinar"
    assert (win.kind, win.account, win.amount, win.currency) == (
        WinKind.CLOSED_DEAL,
        "Acme Corp",
        120_000.0,
        "EUR",
    )
    # In the order given, each once, without the author, each with their team.
    assert win.thanked == (
        Thanks(MIA, Team.MARKETING),
        Thanks(OLI, Team.OTHER),
        Thanks(NED, None),
        Thanks(MAX, Team.MARKETING),
    )
    assert win.crossings == ((Team.SALES, Team.MARKETING),)
    assert win.is_cross_team
    assert win.source_permalink == permalink
    assert win.created_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert (win.edited_at, win.card_channel, win.card_ts, win.card_permalink) == (None, None, None, None)
    assert wins.win(ACME, win.id) == win

    [row] = win_rows(database)
    assert (row.author_team, row.kind, row.currency, row.request_key) == (
        "sales",
        "closed_deal",
        "EUR",
        "V0FORM1",
    )
    assert [
        (t.win_id, t.giver_id, t.giver_team, t.receiver_id, t.receiver_team, t.given_at, t.cross_team)
        for t in thanks_rows(database)
    ] == [
        (win.id, ANA, "sales", MIA, "marketing", win.created_at, True),
        (win.id, ANA, "sales", OLI, "other", win.created_at, False),
        (win.id, ANA, "sales", NED, None, win.created_at, False),
        (win.id, ANA, "sales", MAX, "marketing", win.created_at, True),
    ]

    # Moving people to other teams later does not rewrite the win.
    services.people.set_team(ACME, ADMIN, [ANA, MIA], Team.OTHER)
    assert wins.win(ACME, win.id) == win


@pytest.mark.parametrize(
    ("author_team", "teams", "crossings"),
    [
        (Team.SALES, (Team.MARKETING, Team.SALES, Team.MARKETING), ((Team.SALES, Team.MARKETING),)),
        (Team.MARKETING, (None, Team.SALES), ((Team.MARKETING, Team.SALES),)),
        (Team.SALES, (Team.SALES, Team.OTHER, None), ()),
        (Team.OTHER, (Team.SALES, Team.MARKETING), ()),
        (None, (Team.SALES, Team.MARKETING), ()),
    ],
)
def test_only_sales_and_marketing_thanking_each_other_cross(
    author_team: Team | None, teams: tuple[Team | None, ...], crossings: tuple[tuple[Team, Team], ...]
) -> None:
    win = Win(
        id=1,
        author_id=ANA,
        author_team=author_team,
        text="Win",
        kind=WinKind.OTHER,
        account="",
        amount=None,
        currency=None,
        thanked=tuple(Thanks(f"U0P{n}", team) for n, team in enumerate(teams)),
        source_permalink=None,
        created_at=datetime(2026, 11, 24, tzinfo=UTC),
        edited_at=None,
        card_channel=None,
        card_ts=None,
        card_permalink=None,
    )
    assert win.crossings == crossings
    assert win.is_cross_team is bool(crossings)


def test_the_same_request_stores_one_win(wins: Wins, database: Database) -> None:
    first = wins.celebrate(ACME, Actor(ANA), WinDraft("Closed Acme", (MIA,)), request_key="V0TWICE")
    again = wins.celebrate(ACME, Actor(ANA), WinDraft("Closed Acme", (MIA,)), request_key="V0TWICE")
    other = wins.celebrate(ACME, Actor(ANA), WinDraft("Closed Acme", (MIA,)), request_key="V0OTHER")
    elsewhere = wins.celebrate(GLOBEX, Actor(ANA), WinDraft("Closed Acme", (MIA,)), request_key="V0TWICE")

    assert again == Celebrated(first.win, repeated=True)
    assert first.repeated is other.repeated is elsewhere.repeated is False
    assert len({first.win.id, other.win.id, elsewhere.win.id}) == 3
    assert len(win_rows(database)) == 3
    assert len(thanks_rows(database)) == 3


def test_concurrent_deliveries_of_one_request_store_one_win(wins: Wins, database: Database) -> None:
    def deliver(_: int) -> Celebrated:
        return wins.celebrate(ACME, Actor(ANA), WinDraft("Closed Acme", (MIA, MAX)), request_key="V0SAME")

    with ThreadPoolExecutor(6) as pool:
        celebrated = list(pool.map(deliver, range(6)))

    assert len({c.win.id for c in celebrated}) == 1
    assert sorted(c.repeated for c in celebrated) == [False] + [True] * 5
    assert len(win_rows(database)) == 1
    assert [t.receiver_id for t in thanks_rows(database)] == [MIA, MAX]


# The daily cap


def test_the_daily_cap_counts_the_authors_wins_in_the_workspaces_day(
    wins: Wins, clock: FixedClock, database: Database
) -> None:
    wins.save_settings(ACME, WinsSettingsChange("C0WINSCH", "fri", "16:00", 3), ADMIN)
    posted_at(wins, clock, local(2026, 11, 23, 23, 50), ANA, MIA)  # the day before, locally
    for minute in range(3):
        posted_at(wins, clock, local(2026, 11, 24, 0, minute), ANA, MIA)

    clock.now = local(2026, 11, 24, 23, 59)  # already the 25th in UTC
    with pytest.raises(TooManyWins) as refused:
        celebrate(wins, ANA, MIA)
    assert str(refused.value) == "You've posted 3 wins today — that's the daily limit; more tomorrow."
    assert len(win_rows(database)) == 4

    # Others still may; so may Ana in another workspace, and the next local day.
    celebrate(wins, SAM, MIA)
    celebrate(wins, ANA, MIA, key=GLOBEX)
    clock.now = local(2026, 11, 25, 0, 0)
    assert celebrate(wins, ANA, MIA).author_id == ANA


def test_the_default_cap_applies_until_a_workspace_sets_its_own(wins: Wins) -> None:
    for _ in range(DAILY_CAP):
        celebrate(wins, ANA, MIA)
    with pytest.raises(TooManyWins) as refused:
        celebrate(wins, ANA, MIA)
    assert str(refused.value) == "You've posted 10 wins today — that's the daily limit; more tomorrow."

    wins.save_settings(ACME, WinsSettingsChange("C0WINSCH", "fri", "16:00", 1), ADMIN)
    celebrate(wins, SAM, MIA)
    with pytest.raises(TooManyWins):
        celebrate(wins, SAM, MIA)


def test_a_repeated_request_past_the_cap_answers_the_first_win(wins: Wins) -> None:
    wins.save_settings(ACME, WinsSettingsChange("C0WINSCH", "fri", "16:00", 1), ADMIN)
    first = wins.celebrate(ACME, Actor(ANA), WinDraft("Closed Acme", (MIA,)), request_key="V0ONCE")

    again = wins.celebrate(ACME, Actor(ANA), WinDraft("Closed Acme", (MIA,)), request_key="V0ONCE")

    assert again == Celebrated(first.win, repeated=True)
    with pytest.raises(TooManyWins) as refused:
        celebrate(wins, ANA, MIA)
    assert str(refused.value) == "You've posted 1 win today — that's the daily limit; more tomorrow."


# Editing and deleting


def test_an_edit_replaces_the_thanks_keeping_the_teams_people_had_when_thanked(
    wins: Wins, services: Services, clock: FixedClock, database: Database
) -> None:
    permalink = "https://acme.slack.com/archives/C0DEALS/p1"
    draft = WinDraft("Closed Acme", (MIA, OLI), source_permalink=permalink)
    win = wins.celebrate(ACME, Actor(ANA), draft, request_key="V0FIRST").win
    services.people.set_team(ACME, ADMIN, [MIA], Team.SALES)
    clock.now += timedelta(hours=2)

    edited = wins.edit(
        ACME,
        win.id,
        Actor(ANA),
        WinDraft(" Closed Acme, 3 years ", (MIA, MAX, ANA), WinKind.CLOSED_DEAL, "Acme", 36_000.0, "USD"),
    )

    assert edited.text == "Closed Acme, 3 years"
    assert (edited.kind, edited.account, edited.amount, edited.currency) == (
        WinKind.CLOSED_DEAL,
        "Acme",
        36_000.0,
        "USD",
    )
    # Mia was thanked while on marketing; Max is thanked now; Ana is the author, Oli is gone.
    assert edited.thanked == (Thanks(MIA, Team.MARKETING), Thanks(MAX, Team.MARKETING))
    assert edited.source_permalink == permalink
    assert edited.created_at == win.created_at
    assert edited.edited_at == clock.now
    assert wins.win(ACME, win.id) == edited
    assert [(t.receiver_id, t.given_at, t.cross_team) for t in thanks_rows(database)] == [
        (MIA, win.created_at, True),
        (MAX, win.created_at, True),
    ]
    board = wins.leaderboard(ACME, Period.MONTH)
    assert board.most_thanked == (Leader(MAX, Team.MARKETING, 1), Leader(MIA, Team.MARKETING, 1))
    assert board.thanks == 2


def test_only_the_author_and_admins_edit_or_delete_a_win(wins: Wins, database: Database) -> None:
    win = celebrate(wins, ANA, MIA)

    with pytest.raises(WinNotAllowed) as refused:
        wins.edit(ACME, win.id, Actor(SAM), WinDraft("Mine now", (SAM,)))
    assert str(refused.value) == "Only the person who posted this win, and Tandem's admins, can change it."
    with pytest.raises(WinNotAllowed) as refused:
        wins.delete(ACME, win.id, Actor(MIA))
    assert str(refused.value) == "Only the person who posted this win, and Tandem's admins, can delete it."
    assert wins.win(ACME, win.id) == win

    by_admin = wins.edit(
        ACME, win.id, ADMIN, WinDraft("Closed Acme (admin fixed a typo)", (MIA, ADMIN.user_id))
    )
    assert (by_admin.author_id, by_admin.text) == (ANA, "Closed Acme (admin fixed a typo)")
    assert [t.user_id for t in by_admin.thanked] == [MIA, ADMIN.user_id]

    assert wins.delete(ACME, win.id, ADMIN) == by_admin
    assert win_rows(database) == []
    assert thanks_rows(database) == []


def test_a_bad_edit_leaves_the_win_as_it_was(wins: Wins) -> None:
    win = celebrate(wins, ANA, MIA)

    with pytest.raises(InvalidInput) as refused:
        wins.edit(ACME, win.id, Actor(ANA), WinDraft("w" * (TEXT_MAX + 1), (ANA,)))

    assert set(refused.value.problems) == {"text", "thanked"}
    assert refused.value.problems["thanked"] == "You can't thank only yourself — add who helped."
    assert wins.win(ACME, win.id) == win


def test_a_deleted_win_leaves_every_count(wins: Wins, database: Database) -> None:
    kept = celebrate(wins, SAM, MIA)
    win = celebrate(wins, ANA, MIA, MAX)

    gone = wins.delete(ACME, win.id, Actor(ANA))

    assert gone == win
    assert [row.id for row in win_rows(database)] == [kept.id]
    assert [t.win_id for t in thanks_rows(database)] == [kept.id]
    board = wins.leaderboard(ACME, Period.WEEK)
    assert (board.wins, board.thanks) == (1, 1)
    assert board.most_generous == (Leader(SAM, Team.SALES, 1),)
    assert wins.recap(ACME, "2026-W48").wins == (kept,)
    assert wins.person(ACME, MAX).thanks_received == 0
    assert wins.person(ACME, ANA).posted == ()
    with pytest.raises(WinNotFound):
        wins.win(ACME, win.id)
    with pytest.raises(WinNotFound):
        wins.delete(ACME, win.id, Actor(ANA))


def test_missing_wins_and_other_workspaces_wins_are_not_found(wins: Wins) -> None:
    theirs = celebrate(wins, ANA, MIA, key=GLOBEX)
    wins.record_card(GLOBEX, theirs.id, "C0WINSCH", "1764000000.000100", None)

    calls: list[Callable[[], object]] = [
        lambda: wins.win(ACME, theirs.id),
        lambda: wins.edit(ACME, theirs.id, ADMIN, WinDraft("Taken over", (MIA,))),
        lambda: wins.delete(ACME, theirs.id, ADMIN),
        lambda: wins.record_card(ACME, theirs.id, "C0WINSCH", "1764000000.000200", None),
        lambda: wins.win(ACME, 999_999),
    ]
    for call in calls:
        with pytest.raises(WinNotFound) as missing:
            call()
        assert str(missing.value) == "That win is no longer there."
    assert wins.win_by_card(ACME, "C0WINSCH", "1764000000.000100") is None
    assert wins.win_by_card(GLOBEX, "C0WINSCH", "1764000000.000100") == wins.win(GLOBEX, theirs.id)


# The card and the thank-you DMs


def test_recording_the_card_queues_a_dm_for_each_person_thanked_who_wants_them(
    wins: Wins, database: Database
) -> None:
    wins.set_dms(ACME, NED, False)
    text = "Closed Acme " + "after months of work " * 20
    win = wins.celebrate(
        ACME, Actor(ANA), WinDraft(text, (MIA, NED, MAX), WinKind.CLOSED_DEAL), request_key="V0CARD"
    ).win
    assert queued(database) == []  # nothing until the card is posted
    permalink = "https://acme.slack.com/archives/C0WINSCH/p1764000000000100"

    recorded = wins.record_card(ACME, win.id, "C0WINSCH", "1764000000.000100", permalink)

    assert (recorded.card_channel, recorded.card_ts, recorded.card_permalink) == (
        "C0WINSCH",
        "1764000000.000100",
        permalink,
    )
    assert wins.win_by_card(ACME, "C0WINSCH", "1764000000.000100") == recorded
    facts = {
        "win_id": win.id,
        "author": ANA,
        "text": text.strip()[:199].rstrip() + "…",
        "kind": "closed_deal",
        "permalink": permalink,
    }
    assert len(str(facts["text"])) <= 200
    assert queued(database) == [(MIA, "win.thanked", facts), (MAX, "win.thanked", facts)]

    # A card posted again (its first post was lost) moves, and tells nobody twice.
    again = wins.record_card(ACME, win.id, "C0WINSCH", "1764000000.000200", permalink)
    assert again.card_ts == "1764000000.000200"
    assert wins.win_by_card(ACME, "C0WINSCH", "1764000000.000100") is None
    assert len(queued(database)) == 2


def test_each_person_chooses_whether_thanks_reach_them_by_dm(wins: Wins) -> None:
    assert wins.wants_dms(ACME, MIA) is True

    wins.set_dms(ACME, MIA, False)
    wins.set_dms(ACME, MIA, False)
    assert wins.wants_dms(ACME, MIA) is False
    assert wins.wants_dms(ACME, MAX) is True
    assert wins.wants_dms(GLOBEX, MIA) is True

    wins.set_dms(ACME, MIA, True)
    assert wins.wants_dms(ACME, MIA) is True


# The leaderboard


@pytest.fixture
def season(wins: Wins, clock: FixedClock) -> None:
    """Wins around the week, month and quarter that Wednesday 2 December 2026, 10:00 in New York, is in."""
    generous_cap(wins)
    posted_at(wins, clock, local(2026, 9, 30), ANA, MIA)  # last quarter
    posted_at(wins, clock, local(2026, 10, 15), MIA, ANA, SAM)
    posted_at(wins, clock, local(2026, 11, 20), ANA, MIA, OLI)
    posted_at(wins, clock, local(2026, 11, 29, 23, 30), SAM, MIA)  # Monday in UTC, Sunday locally
    posted_at(wins, clock, local(2026, 11, 30, 0, 30), MAX, MIA, ANA)
    posted_at(wins, clock, local(2026, 12, 1, 9), ANA, MIA, MAX, NED)
    posted_at(wins, clock, local(2026, 12, 2, 9), MIA, SAM)
    clock.now = local(2026, 12, 2, 10)


@pytest.mark.usefixtures("season")
def test_this_weeks_leaderboard_starts_on_the_local_monday(wins: Wins) -> None:
    board = wins.leaderboard(ACME, Period.WEEK)

    assert (board.period, board.starts_on, board.ends_on) == (
        Period.WEEK,
        date(2026, 11, 30),
        date(2026, 12, 2),
    )
    assert (board.wins, board.thanks) == (3, 6)
    assert board.most_thanked == (
        Leader(MIA, Team.MARKETING, 2),
        Leader(ANA, Team.SALES, 1),
        Leader(MAX, Team.MARKETING, 1),
        Leader(NED, None, 1),
        Leader(SAM, Team.SALES, 1),
    )
    assert board.most_generous == (
        Leader(ANA, Team.SALES, 3),
        Leader(MAX, Team.MARKETING, 2),
        Leader(MIA, Team.MARKETING, 1),
    )
    assert board.directions == (
        Direction(Team.SALES, Team.MARKETING, 2),
        Direction(Team.MARKETING, Team.SALES, 2),
    )


@pytest.mark.usefixtures("season")
def test_this_months_leaderboard_starts_on_the_first(wins: Wins) -> None:
    board = wins.leaderboard(ACME, Period.MONTH)

    assert (board.starts_on, board.ends_on) == (date(2026, 12, 1), date(2026, 12, 2))
    assert (board.wins, board.thanks) == (2, 4)
    assert board.most_thanked == (
        Leader(MAX, Team.MARKETING, 1),
        Leader(MIA, Team.MARKETING, 1),
        Leader(NED, None, 1),
        Leader(SAM, Team.SALES, 1),
    )
    assert board.most_generous == (Leader(ANA, Team.SALES, 3), Leader(MIA, Team.MARKETING, 1))
    assert board.directions == (
        Direction(Team.SALES, Team.MARKETING, 2),
        Direction(Team.MARKETING, Team.SALES, 1),
    )


@pytest.mark.usefixtures("season")
def test_this_quarters_leaderboard_starts_on_the_quarters_first_day(wins: Wins) -> None:
    board = wins.leaderboard(ACME, Period.QUARTER)

    assert (board.starts_on, board.ends_on) == (date(2026, 10, 1), date(2026, 12, 2))
    assert (board.wins, board.thanks) == (6, 11)
    assert board.most_thanked == (
        Leader(MIA, Team.MARKETING, 4),
        Leader(ANA, Team.SALES, 2),
        Leader(SAM, Team.SALES, 2),
        Leader(MAX, Team.MARKETING, 1),
        Leader(NED, None, 1),
        Leader(OLI, Team.OTHER, 1),
    )
    assert board.most_generous == (
        Leader(ANA, Team.SALES, 5),
        Leader(MIA, Team.MARKETING, 3),
        Leader(MAX, Team.MARKETING, 2),
        Leader(SAM, Team.SALES, 1),
    )
    assert board.directions == (
        Direction(Team.SALES, Team.MARKETING, 4),
        Direction(Team.MARKETING, Team.SALES, 4),
    )


def test_an_empty_leaderboard_still_shows_both_directions(wins: Wins) -> None:
    board = wins.leaderboard(GLOBEX, Period.QUARTER)

    assert (board.starts_on, board.ends_on) == (date(2026, 10, 1), date(2026, 11, 24))
    assert (board.most_thanked, board.most_generous, board.wins, board.thanks) == ((), (), 0, 0)
    assert board.directions == (
        Direction(Team.SALES, Team.MARKETING, 0),
        Direction(Team.MARKETING, Team.SALES, 0),
    )


def test_the_leaderboard_lists_the_top_people_and_counts_everyone(wins: Wins) -> None:
    crowd = [f"U0P{n:02d}" for n in range(LEADERS + 2)]
    celebrate(wins, ANA, *crowd)

    board = wins.leaderboard(ACME, Period.WEEK)

    assert [leader.user_id for leader in board.most_thanked] == crowd[:LEADERS]
    assert board.thanks == LEADERS + 2
    assert board.most_generous == (Leader(ANA, Team.SALES, LEADERS + 2),)


def test_the_leaderboard_reads_thanks_through_the_period_index(
    wins: Wins, database: Database, clock: FixedClock
) -> None:
    generous_cap(wins)
    for days_ago in range(0, 400, 5):
        posted_at(
            wins, clock, datetime(2026, 11, 24, 9, tzinfo=UTC) - timedelta(days=days_ago), ANA, MIA, SAM
        )
    clock.now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

    with selects(database) as statements:
        board = wins.leaderboard(ACME, Period.MONTH)

    assert (board.wins, board.thanks) == (5, 10)
    if database.engine.dialect.name == "sqlite":
        plans = query_plans(database, [s for s in statements if "FROM win_thanks" in s[0]])
        assert len(plans) == 3
        for plan in plans:
            assert "ix_win_thanks_workspace_id_given_at" in plan, plan


# The weekly recap


@pytest.fixture
def weeks(wins: Wins, clock: FixedClock) -> None:
    """Week 49 of 2026 (30 November to 6 December) and the four weeks before it, in New York."""
    generous_cap(wins)
    # Sunday 1 November 23:30 EST is already Monday in UTC, and the week before locally.
    posted_at(wins, clock, local(2026, 11, 1, 23, 30), SAM, MIA)
    posted_at(wins, clock, local(2026, 11, 2, 0, 30), ANA, MIA, MAX)  # week 45: 2 crossings
    posted_at(wins, clock, local(2026, 11, 18), MIA, SAM)  # week 47: 1
    posted_at(wins, clock, local(2026, 11, 19), ANA, SAM)
    posted_at(wins, clock, local(2026, 11, 25), MIA, ANA, SAM)  # week 48: 2
    posted_at(wins, clock, local(2026, 11, 26), MAX, OLI)
    for minute in range(18):
        posted_at(wins, clock, local(2026, 12, 1, 10, minute), ANA, MIA, text=f"Deal {minute}")
    posted_at(wins, clock, local(2026, 12, 2), MIA, SAM, MAX, OLI, NED, ANA, text="Webinar leads")
    posted_at(wins, clock, local(2026, 12, 3), SAM, MAX, OLI, text="Case study")
    posted_at(wins, clock, local(2026, 12, 4), NED, MAX, text="Launch")
    posted_at(wins, clock, local(2026, 12, 6, 23, 59), OLI, NED, text="Sunday night")
    posted_at(wins, clock, local(2026, 12, 7, 0, 0), ANA, MIA, text="Next week")


@pytest.mark.usefixtures("weeks")
def test_the_recap_covers_the_local_week_with_the_weeks_before(wins: Wins) -> None:
    recap = wins.recap(ACME, "2026-W49")

    assert (recap.week, recap.starts_on, recap.ends_on) == ("2026-W49", date(2026, 11, 30), date(2026, 12, 6))
    assert recap.total == 22
    assert not recap.is_empty
    assert len(recap.wins) == RECAP_WINS
    assert [win.text for win in recap.wins] == [
        "Sunday night",
        "Launch",
        "Case study",
        "Webinar leads",
        *(f"Deal {minute}" for minute in range(17, 1, -1)),
    ]
    assert recap.wins[3].thanked == (
        Thanks(SAM, Team.SALES),
        Thanks(MAX, Team.MARKETING),
        Thanks(OLI, Team.OTHER),
        Thanks(NED, None),
        Thanks(ANA, Team.SALES),
    )
    assert recap.most_thanked == (
        Leader(MIA, Team.MARKETING, 18),
        Leader(MAX, Team.MARKETING, 3),
        Leader(NED, None, 2),
        Leader(OLI, Team.OTHER, 2),
        Leader(ANA, Team.SALES, 1),
    )
    assert recap.cross_team == 18 + 2 + 1
    assert recap.cross_team_before == (("2026-W45", 2), ("2026-W46", 0), ("2026-W47", 1), ("2026-W48", 2))


@pytest.mark.usefixtures("weeks")
def test_a_recap_across_the_autumn_clock_change_goes_by_local_midnight(wins: Wins) -> None:
    recap = wins.recap(ACME, "2026-W45")

    assert recap.total == 1
    assert recap.cross_team == 2
    assert recap.cross_team_before == (("2026-W41", 0), ("2026-W42", 0), ("2026-W43", 0), ("2026-W44", 1))


def test_an_empty_week_recaps_to_nothing(wins: Wins) -> None:
    celebrate(wins, ANA, MIA, key=GLOBEX)

    recap = wins.recap(ACME, "2026-W48")

    assert recap.is_empty
    assert (recap.wins, recap.total, recap.most_thanked, recap.cross_team) == ((), 0, (), 0)
    assert recap.cross_team_before == (("2026-W44", 0), ("2026-W45", 0), ("2026-W46", 0), ("2026-W47", 0))


@pytest.mark.parametrize("week", ["2026-48", "2026-W54", "W48", ""])
def test_a_bad_week_key_is_refused(wins: Wins, week: str) -> None:
    with pytest.raises(ValueError, match="not a week key"):
        wins.recap(ACME, week)


# A person's wins


def test_a_person_sees_their_latest_wins_and_the_thanks_they_received(wins: Wins, clock: FixedClock) -> None:
    generous_cap(wins)
    posted_at(wins, clock, local(2026, 10, 30), MIA, ANA, text="October thanks")
    mine = [posted_at(wins, clock, local(2026, 11, 2 + n), ANA, MIA, text=f"Mine {n}") for n in range(6)]
    thanked = [
        posted_at(wins, clock, local(2026, 11, 10 + n), MAX, ANA, SAM, text=f"Team {n}") for n in range(2)
    ]
    posted_at(wins, clock, local(2026, 11, 20), SAM, MIA)
    celebrate(wins, MIA, ANA, key=GLOBEX)

    person = wins.person(ACME, ANA)

    assert [win.text for win in person.posted] == ["Mine 5", "Mine 4", "Mine 3", "Mine 2", "Mine 1"]
    assert person.posted[0] == mine[5]
    assert [win.text for win in person.thanked_in] == ["Team 1", "Team 0", "October thanks"]
    assert person.thanked_in[0] == thanked[1]
    assert (person.thanks_received, person.thanks_received_this_month) == (3, 2)

    few = wins.person(ACME, ANA, limit=2)
    assert [win.text for win in few.posted] == ["Mine 5", "Mine 4"]
    assert [win.text for win in few.thanked_in] == ["Team 1", "Team 0"]
    assert (few.thanks_received, few.thanks_received_this_month) == (3, 2)

    nobody = wins.person(ACME, NED)
    assert (nobody.posted, nobody.thanked_in, nobody.thanks_received, nobody.thanks_received_this_month) == (
        (),
        (),
        0,
        0,
    )


# Settings


def test_a_workspace_uses_the_deployments_settings_in_its_own_timezone(wins: Wins) -> None:
    assert wins.settings(ACME) == WinsSettings("C0WINSCH", "fri", "16:00", DAILY_CAP, NEW_YORK)


def test_saved_settings_replace_the_defaults_for_that_workspace_only(
    wins: Wins, database: Database, clock: FixedClock
) -> None:
    saved = wins.save_settings(ACME, WinsSettingsChange("C0KUDOSX", "Thursday", "17:30", 5), ADMIN)

    assert saved == WinsSettings("C0KUDOSX", "thu", "17:30", 5, NEW_YORK)
    assert wins.settings(ACME) == saved
    assert wins.settings(GLOBEX) == WinsSettings("C0WINSCH", "fri", "16:00", DAILY_CAP, NEW_YORK)
    assert wins.all_settings() == {ACME: saved, GLOBEX: wins.settings(GLOBEX)}

    again = wins.save_settings(ACME, WinsSettingsChange(None, "mon", "09:00", 100), ADMIN)
    assert again == WinsSettings(None, "mon", "09:00", 100, NEW_YORK)
    with database.transaction() as session:
        [row] = session.scalars(select(WinsSettingsRow))
        assert (row.updated_by, row.updated_at) == (ADMIN.user_id, clock.now)


def test_only_admins_save_wins_settings(wins: Wins, database: Database) -> None:
    with pytest.raises(WinNotAllowed) as refused:
        wins.save_settings(ACME, WinsSettingsChange("C0KUDOSX", "thu", "17:30", 5), Actor(ANA))

    assert str(refused.value) == "Only Tandem's admins change the wins settings."
    with database.transaction() as session:
        assert list(session.scalars(select(WinsSettingsRow))) == []


def test_every_bad_setting_is_named_and_nothing_is_saved(wins: Wins, database: Database) -> None:
    change = WinsSettingsChange("#wins", "someday", "4pm", 0)

    with pytest.raises(InvalidInput) as refused:
        wins.save_settings(ACME, change, ADMIN)

    assert refused.value.problems == {
        "channel": "Pick a channel: its ID looks like C0123ABCD.",
        "recap_day": "Pick a day of the week (mon, tue, wed, thu, fri, sat, sun).",
        "recap_time": "Give a time of day such as 16:00 (24-hour clock).",
        "daily_cap": "Give a daily limit from 1 to 100 wins a person.",
    }
    assert settings_problems(WinsSettingsChange(None, "sun", "23:59", 101)) == {
        "daily_cap": "Give a daily limit from 1 to 100 wins a person."
    }
    assert settings_problems(WinsSettingsChange("G0PRIVATE", "friday", "00:00", 1)) == {}
    with database.transaction() as session:
        assert list(session.scalars(select(WinsSettingsRow))) == []
