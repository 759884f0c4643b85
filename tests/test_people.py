"""The people service against a real database: teams set by admins, mapped sources and people themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import Person
from bot.people import (
    Actor,
    AlreadyChosen,
    MappedSource,
    Membership,
    NotAllowed,
    People,
    Team,
    TeamSourceKind,
    is_admin,
)
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
ADA = Actor("U0ADA", is_admin=True)
BEN = Actor("U0BEN")
GROUP, CHANNEL = TeamSourceKind.USERGROUP, TeamSourceKind.CHANNEL


@pytest.fixture
def people(database: Database, clock: FixedClock) -> People:
    defaults = WorkspaceDefaults(timezone="America/New_York", tracker_channel=None)
    return build_services(database, defaults, clock).people


def stored(database: Database) -> list[tuple[str, str, str, str | None]]:
    with database.transaction() as session:
        rows = session.scalars(select(Person).order_by(Person.user_id)).all()
        return [(p.user_id, p.team, p.source, p.source_id) for p in rows]


def test_admins_are_slack_admins_and_owners_plus_the_people_in_settings() -> None:
    assert is_admin("U0ADA", slack_admin_or_owner=True, configured=())
    assert is_admin("U0CAT", slack_admin_or_owner=False, configured=["U0CAT"])
    assert not is_admin("U0BEN", slack_admin_or_owner=False, configured=["U0CAT"])


def test_a_person_chooses_their_own_team_once(people: People) -> None:
    people.choose_own_team(ACME, "U0ANA", Team.SALES)

    with pytest.raises(AlreadyChosen, match="already on Sales"):
        people.choose_own_team(ACME, "U0ANA", Team.MARKETING)

    assert people.team_of(ACME, "U0ANA") is Team.SALES
    assert people.members(ACME) == [Membership("U0ANA", Team.SALES, "self")]


def test_nobody_chooses_once_a_team_is_known_from_elsewhere(people: People) -> None:
    people.set_team(ACME, ADA, ["U0ANA"], Team.MARKETING)

    with pytest.raises(AlreadyChosen, match="already on Marketing"):
        people.choose_own_team(ACME, "U0ANA", Team.SALES)
    assert people.team_of(ACME, "U0ANA") is Team.MARKETING


def test_only_admins_set_teams_and_map_sources(people: People, database: Database) -> None:
    with pytest.raises(NotAllowed):
        people.set_team(ACME, BEN, ["U0ANA"], Team.SALES)
    with pytest.raises(NotAllowed):
        people.map_source(ACME, BEN, Team.SALES, GROUP, "S0SALES")
    with pytest.raises(NotAllowed):
        people.unmap_source(ACME, BEN, GROUP, "S0SALES")

    assert stored(database) == []
    assert people.sources(ACME) == []


def test_an_admins_word_beats_a_mapped_source_which_beats_a_persons_choice(
    people: People, database: Database
) -> None:
    people.choose_own_team(ACME, "U0ANA", Team.OTHER)
    people.choose_own_team(ACME, "U0CAT", Team.OTHER)
    people.set_team(ACME, ADA, ["U0BEN"], Team.MARKETING)
    people.map_source(ACME, ADA, Team.SALES, GROUP, "S0SALES")

    people.sync_source(ACME, GROUP, "S0SALES", ["U0ANA", "U0BEN"])

    assert people.teams_of(ACME, ["U0ANA", "U0BEN", "U0CAT", "U0NOBODY"]) == {
        "U0ANA": Team.SALES,  # the group beat her own choice
        "U0BEN": Team.MARKETING,  # the admin's placement stands
        "U0CAT": Team.OTHER,
    }
    assert stored(database) == [
        ("U0ANA", "sales", "usergroup", "S0SALES"),
        ("U0BEN", "marketing", "admin", None),
        ("U0CAT", "other", "self", None),
    ]
    people.set_team(ACME, ADA, ["U0ANA"], Team.MARKETING)  # an admin overrides the group too
    people.sync_source(ACME, GROUP, "S0SALES", ["U0ANA", "U0BEN"])
    assert people.team_of(ACME, "U0ANA") is Team.MARKETING


def test_syncing_adds_new_members_and_forgets_those_who_left(
    people: People, database: Database, clock: FixedClock
) -> None:
    people.map_source(ACME, ADA, Team.MARKETING, CHANNEL, "C0MARKETING")
    people.set_team(ACME, ADA, ["U0DAN"], Team.MARKETING)

    assert people.sync_source(ACME, CHANNEL, "C0MARKETING", ["U0BEN", "U0CAT", "U0DAN"]) == 3
    clock.now += timedelta(days=1)
    assert people.sync_source(ACME, CHANNEL, "C0MARKETING", ["U0BEN", "U0EVE"]) == 2

    assert stored(database) == [
        ("U0BEN", "marketing", "channel", "C0MARKETING"),
        ("U0DAN", "marketing", "admin", None),  # left the channel, but an admin placed him
        ("U0EVE", "marketing", "channel", "C0MARKETING"),
    ]
    [source] = people.sources(ACME)
    assert source == MappedSource(
        Team.MARKETING, CHANNEL, "C0MARKETING", "U0ADA", datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    )


def test_an_emptied_source_forgets_everyone_it_brought(people: People, database: Database) -> None:
    people.map_source(ACME, ADA, Team.SALES, GROUP, "S0SALES")
    people.sync_source(ACME, GROUP, "S0SALES", ["U0ANA", "U0CAT"])

    assert people.sync_source(ACME, GROUP, "S0SALES", []) == 0
    assert stored(database) == []


def test_a_source_only_forgets_the_people_it_brought(people: People, database: Database) -> None:
    people.map_source(ACME, ADA, Team.SALES, GROUP, "S0SALES")
    people.map_source(ACME, ADA, Team.SALES, CHANNEL, "C0SALES")
    people.sync_source(ACME, GROUP, "S0SALES", ["U0ANA"])
    people.sync_source(ACME, CHANNEL, "C0SALES", ["U0CAT"])

    people.sync_source(ACME, GROUP, "S0SALES", [])

    assert stored(database) == [("U0CAT", "sales", "channel", "C0SALES")]


def test_unmapping_forgets_the_source_and_the_people_it_brought(people: People, database: Database) -> None:
    people.map_source(ACME, ADA, Team.SALES, GROUP, "S0SALES")
    people.map_source(ACME, ADA, Team.MARKETING, CHANNEL, "C0MARKETING")
    people.set_team(ACME, ADA, ["U0ADA"], Team.OTHER)
    people.sync_source(ACME, GROUP, "S0SALES", ["U0ANA", "U0ADA"])
    people.sync_source(ACME, CHANNEL, "C0MARKETING", ["U0BEN"])

    people.unmap_source(ACME, ADA, GROUP, "S0SALES")

    assert [(s.kind, s.slack_id) for s in people.sources(ACME)] == [(CHANNEL, "C0MARKETING")]
    assert stored(database) == [
        ("U0ADA", "other", "admin", None),
        ("U0BEN", "marketing", "channel", "C0MARKETING"),
    ]
    # Forgotten people may choose again.
    people.choose_own_team(ACME, "U0ANA", Team.SALES)
    assert people.team_of(ACME, "U0ANA") is Team.SALES


def test_remapping_a_source_moves_its_people_at_the_next_sync(people: People) -> None:
    people.map_source(ACME, ADA, Team.SALES, CHANNEL, "C0REVENUE")
    people.sync_source(ACME, CHANNEL, "C0REVENUE", ["U0ANA"])

    people.map_source(ACME, ADA, Team.MARKETING, CHANNEL, "C0REVENUE")
    assert [(s.team, s.slack_id) for s in people.sources(ACME)] == [(Team.MARKETING, "C0REVENUE")]
    people.sync_source(ACME, CHANNEL, "C0REVENUE", ["U0ANA"])

    assert people.team_of(ACME, "U0ANA") is Team.MARKETING


def test_syncing_a_source_nobody_mapped_stores_nothing(people: People, database: Database) -> None:
    assert people.sync_source(ACME, GROUP, "S0UNKNOWN", ["U0ANA"]) == 0
    assert stored(database) == []


def test_workspaces_keep_their_own_teams(people: People) -> None:
    people.choose_own_team(ACME, "U0ANA", Team.SALES)
    people.map_source(GLOBEX, ADA, Team.MARKETING, GROUP, "S0SALES")
    people.sync_source(GLOBEX, GROUP, "S0SALES", ["U0ANA"])

    assert people.team_of(ACME, "U0ANA") is Team.SALES
    assert people.team_of(GLOBEX, "U0ANA") is Team.MARKETING
    assert people.sources(ACME) == []
    people.choose_own_team(WorkspaceKey("T0INITECH"), "U0ANA", Team.OTHER)
    assert people.team_of(WorkspaceKey("T0INITECH"), "U0ANA") is Team.OTHER


def test_nobody_asked_about_means_no_answer(people: People) -> None:
    assert people.teams_of(ACME, []) == {}
    assert people.team_of(ACME, "U0NOBODY") is None


def test_a_whole_setup_is_stored_at_once_and_replaces_the_last(people: People, database: Database) -> None:
    channel, group = (TeamSourceKind.CHANNEL, "C0SALES"), (TeamSourceKind.USERGROUP, "S0MKT")
    people.apply_setup(
        ACME, ADA, {channel: Team.SALES, group: Team.MARKETING}, {Team.OTHER: ["U0CAT", "U0DAN"]}
    )
    people.sync_source(ACME, TeamSourceKind.CHANNEL, "C0SALES", ["U0ANA"])

    people.apply_setup(ACME, ADA, {group: Team.SALES}, {Team.MARKETING: ["U0CAT"]})

    assert [(s.kind, s.slack_id, s.team) for s in people.sources(ACME)] == [
        (TeamSourceKind.USERGROUP, "S0MKT", Team.SALES)
    ]
    # The channel's people went with it; U0DAN, left out of the form, is off his team.
    assert stored(database) == [("U0CAT", "marketing", "admin", None)]


def test_only_admins_store_a_setup(people: People, database: Database) -> None:
    with pytest.raises(NotAllowed):
        people.apply_setup(ACME, BEN, {}, {Team.SALES: ["U0BEN"]})
    assert stored(database) == []
