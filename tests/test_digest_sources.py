"""What the tracker contributes to the digest: open issues that are urgent, high priority or overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.db import Database
from bot.digest import SOURCE_CAP, DigestDefaults, DigestEntry, ItemDraft, Section
from bot.digest_sources import TrackerHighlights
from bot.issues import Card, IssueDraft, Priority
from bot.people import Actor
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock
from tests.test_digest import query_plans, selects

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
ANA, BEN = "U0ANA", "U0BEN"
# Week 49's digest is due Thursday 3 December 2026 (09:00 in New York): due before that is overdue.
WEEK = "2026-W49"


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    defaults = WorkspaceDefaults(timezone="America/New_York", tracker_channel="C0TRACKER")
    return build_services(database, defaults, clock, digest_defaults=DigestDefaults(channel="C0SALES"))


@pytest.fixture
def highlights(services: Services) -> TrackerHighlights:
    return TrackerHighlights(services.database, services.workspaces)


def raise_issue(
    services: Services,
    clock: FixedClock,
    title: str,
    priority: Priority = Priority.NORMAL,
    due_on: date | None = None,
    key: WorkspaceKey = ACME,
    owner_id: str | None = None,
) -> int:
    clock.now += timedelta(minutes=1)
    draft = IssueDraft(title, priority=priority, due_on=due_on, owner_id=owner_id)
    return services.tracker.raise_issue(key, draft, raised_by=ANA).issue.number


def test_urgent_high_and_overdue_open_issues_need_attention(
    services: Services, highlights: TrackerHighlights, clock: FixedClock
) -> None:
    urgent = raise_issue(services, clock, "Checkout is down", Priority.URGENT)
    high = raise_issue(services, clock, "Leads lack phones", Priority.HIGH, date(2026, 12, 10), owner_id=BEN)
    normal_late = raise_issue(services, clock, "Case study", Priority.NORMAL, date(2026, 12, 1))
    low_later = raise_issue(services, clock, "Old brochure", Priority.LOW, date(2026, 11, 30))
    raise_issue(services, clock, "Low, not due", Priority.LOW, date(2026, 12, 10))
    raise_issue(services, clock, "Due on the digest's day", Priority.NORMAL, date(2026, 12, 3))
    raise_issue(services, clock, "No hurry", Priority.NORMAL)
    closed = raise_issue(services, clock, "Fixed already", Priority.URGENT)
    services.tracker.close(ACME, closed, Actor(ANA))
    newer_urgent = raise_issue(services, clock, "Pricing page 404", Priority.URGENT)
    high_late = raise_issue(services, clock, "Battlecard", Priority.HIGH, date(2026, 12, 2))
    raise_issue(services, clock, "Globex's own", Priority.URGENT, key=GLOBEX)
    permalink = "https://acme.slack.com/archives/C0TRACKER/p1764000000000100"
    services.tracker.record_card(ACME, high, Card("C0TRACKER", "1764000000.000100", permalink))

    [section] = highlights.contribute(ACME, services.digests.week(ACME, WEEK))

    assert (section.id, section.title) == ("tracker.attention", "Needs attention in the tracker")
    assert [entry.headline for entry in section.entries] == [
        f"#{urgent} Checkout is down",
        f"#{newer_urgent} Pricing page 404",
        f"#{high} Leads lack phones",
        f"#{high_late} Battlecard",
        f"#{low_later} Old brochure",
        f"#{normal_late} Case study",
    ]
    assert section.total == 6
    assert [entry.note for entry in section.entries] == [
        "Urgent",
        "Urgent",
        "High",
        "High · overdue",
        "Low · overdue",
        "Normal · overdue",
    ]
    assert section.entries[2] == DigestEntry(
        f"#{high} Leads lack phones", link=permalink, owner=BEN, due_on=date(2026, 12, 10), note="High"
    )


def test_overdue_is_judged_against_the_digests_own_send_date(
    services: Services, highlights: TrackerHighlights, clock: FixedClock
) -> None:
    raise_issue(services, clock, "Case study", Priority.NORMAL, date(2026, 12, 1))

    assert highlights.contribute(ACME, services.digests.week(ACME, "2026-W48")) == ()
    [section] = highlights.contribute(ACME, services.digests.week(ACME, WEEK))
    assert [entry.note for entry in section.entries] == ["Normal · overdue"]


def test_a_quiet_tracker_contributes_nothing(
    services: Services, highlights: TrackerHighlights, clock: FixedClock
) -> None:
    raise_issue(services, clock, "No hurry", Priority.NORMAL)
    raise_issue(services, clock, "Someone else's", Priority.URGENT, key=GLOBEX)
    assert highlights.contribute(ACME, services.digests.week(ACME, WEEK)) == ()


def test_at_most_a_source_cap_is_handed_over_and_all_are_counted(
    services: Services, highlights: TrackerHighlights, clock: FixedClock
) -> None:
    for n in range(5):
        raise_issue(services, clock, f"Late {n}", Priority.NORMAL, date(2026, 12, 2) - timedelta(days=n))
    for n in range(SOURCE_CAP - 2):
        raise_issue(services, clock, f"Pressing {n}", Priority.URGENT if n % 2 else Priority.HIGH)
    week = services.digests.week(ACME, WEEK)

    [section] = highlights.contribute(ACME, week)
    assert (len(section.entries), section.total, section.not_included) == (SOURCE_CAP, SOURCE_CAP + 3, 3)
    # After every pressing one, the longest overdue of the rest.
    assert [e.headline.split(" ", 1)[1] for e in section.entries[-3:]] == ["Pressing 96", "Late 4", "Late 3"]

    for n in range(3):
        raise_issue(services, clock, f"More pressing {n}", Priority.URGENT)
    [section] = highlights.contribute(ACME, week)
    assert (len(section.entries), section.total) == (SOURCE_CAP, SOURCE_CAP + 6)
    assert all(entry.note in {"Urgent", "High"} for entry in section.entries)


def test_the_digest_shows_the_tracker_after_the_collected_items(
    services: Services, clock: FixedClock
) -> None:
    number = raise_issue(services, clock, "Checkout is down", Priority.URGENT)
    services.digests.add_item(ACME, BEN, ItemDraft(Section.OTHER, "Office closed Friday"))

    composed = services.digests.compose(ACME, "2026-W48")

    assert [(s.id, [e.headline for e in s.entries]) for s in composed.sections] == [
        ("items.other", ["Office closed Friday"]),
        ("tracker.attention", [f"#{number} Checkout is down"]),
    ]


def test_the_tracker_is_read_through_its_indexes(
    services: Services, highlights: TrackerHighlights, database: Database, clock: FixedClock
) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip(
            "query plans are checked on SQLite, whose planner uses an index whatever the table's size"
        )
    raise_issue(services, clock, "Checkout is down", Priority.URGENT)
    raise_issue(services, clock, "Case study", Priority.NORMAL, date(2026, 12, 1))
    week = services.digests.week(ACME, WEEK)

    with selects(database) as statements:
        highlights.contribute(ACME, week)

    plans = query_plans(database, [s for s in statements if "FROM issues" in s[0]])
    assert len(plans) == 4  # two counts, two pages
    for plan in plans:
        assert "INDEX ix_issues_workspace_id_is_open_" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # read in the index's order, not sorted afterwards


def test_overdue_goes_by_the_local_send_date_not_the_utc_one(database: Database, clock: FixedClock) -> None:
    # Auckland's Thursday 3 December starts while it is still Wednesday in UTC.
    services = build_services(database, WorkspaceDefaults("Pacific/Auckland", None), clock)
    raise_issue(services, clock, "Due Wednesday", Priority.LOW, date(2026, 12, 2))
    week = services.digests.week(ACME, WEEK)
    assert week.send_at == datetime(2026, 12, 2, 20, 0, tzinfo=UTC)

    [section] = TrackerHighlights(database, services.workspaces).contribute(ACME, week)
    assert [e.note for e in section.entries] == ["Low · overdue"]
