"""The tracker service against a real database: numbering, validation, idempotency, listing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.errors import InvalidInput
from bot.issues import TITLE_MAX, Card, Category, IssueDraft, Priority, Status, Tracker
from bot.models import Issue
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")


@pytest.fixture
def tracker(database: Database, clock: FixedClock) -> Tracker:
    defaults = WorkspaceDefaults(timezone="America/New_York", tracker_channel="C0TRACKER")
    return build_services(database, defaults, clock).tracker


def stored_issues(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(Issue)) or 0


def test_raised_issues_are_numbered_per_workspace(tracker: Tracker) -> None:
    first = tracker.raise_issue(ACME, IssueDraft("Pricing page confuses prospects"), raised_by="U0ANA")
    second = tracker.raise_issue(
        ACME, IssueDraft("Leads from the webinar lack phone numbers"), raised_by="U0BEN"
    )
    elsewhere = tracker.raise_issue(GLOBEX, IssueDraft("Battlecard is out of date"), raised_by="U0CAT")

    assert (first.issue.number, second.issue.number, elsewhere.issue.number) == (1, 2, 1)
    assert first.issue.title == "Pricing page confuses prospects"
    assert first.issue.status is Status.OPEN
    assert first.issue.category is Category.OTHER
    assert first.issue.priority is Priority.NORMAL
    assert first.issue.raised_by == "U0ANA"
    assert first.issue.raised_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert not first.already_raised


def test_every_field_of_a_draft_is_kept(tracker: Tracker) -> None:
    draft = IssueDraft(
        title="  Competitor undercuts us in EMEA  ",
        details="Three deals lost this month.\nThey quote 20% less.",
        category=Category.COMPETITOR,
        priority=Priority.URGENT,
        owner_id="U0BEN",
        due_on=date(2026, 12, 1),
    )
    issue = tracker.raise_issue(ACME, draft, raised_by="U0ANA").issue

    listed = tracker.open_issues(ACME, limit=10).shown[0]
    assert listed == issue
    assert issue.title == "Competitor undercuts us in EMEA"
    assert issue.details == "Three deals lost this month.\nThey quote 20% less."
    assert (issue.category, issue.priority) == (Category.COMPETITOR, Priority.URGENT)
    assert (issue.owner_id, issue.due_on) == ("U0BEN", date(2026, 12, 1))


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (IssueDraft(""), "title"),
        (IssueDraft("   "), "title"),
        (IssueDraft("x" * (TITLE_MAX + 1)), "title"),
        (IssueDraft("Fine title", details="d" * 2501), "details"),
        (IssueDraft("Fine title", due_on=date(2026, 11, 23)), "due_on"),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_stored(
    tracker: Tracker, database: Database, draft: IssueDraft, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        tracker.raise_issue(ACME, draft, raised_by="U0ANA")

    assert set(refused.value.problems) == {field}
    assert stored_issues(database) == 0
    # The refused draft did not use up a number either.
    assert tracker.raise_issue(ACME, IssueDraft("Next one"), raised_by="U0ANA").issue.number == 1


def test_due_today_is_judged_in_the_workspace_timezone(tracker: Tracker, clock: FixedClock) -> None:
    # 03:00 UTC on the 25th is still the 24th in New York.
    clock.now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    raised = tracker.raise_issue(ACME, IssueDraft("Due today", due_on=date(2026, 11, 24)), raised_by="U0ANA")
    assert raised.issue.due_on == date(2026, 11, 24)


def test_the_same_request_raises_one_issue(tracker: Tracker, database: Database) -> None:
    first = tracker.raise_issue(ACME, IssueDraft("Double submit"), raised_by="U0ANA", request_key="V0FORM1")
    again = tracker.raise_issue(ACME, IssueDraft("Double submit"), raised_by="U0ANA", request_key="V0FORM1")

    assert again.already_raised
    assert again.issue == first.issue
    assert stored_issues(database) == 1


def test_concurrent_raises_get_distinct_numbers(tracker: Tracker) -> None:
    with ThreadPoolExecutor(8) as pool:
        raised = list(
            pool.map(
                lambda n: tracker.raise_issue(ACME, IssueDraft(f"Issue {n}"), raised_by="U0ANA"),
                range(24),
            )
        )
    assert sorted(r.issue.number for r in raised) == list(range(1, 25))


def test_concurrent_duplicates_of_one_request_store_one_issue(tracker: Tracker, database: Database) -> None:
    with ThreadPoolExecutor(6) as pool:
        raised = list(
            pool.map(
                lambda _: tracker.raise_issue(
                    ACME, IssueDraft("Clicked twice"), raised_by="U0ANA", request_key="V0SAME"
                ),
                range(6),
            )
        )
    assert {r.issue.number for r in raised} == {1}
    assert sum(not r.already_raised for r in raised) == 1
    assert stored_issues(database) == 1


def test_open_issues_come_most_urgent_then_oldest_first(tracker: Tracker, clock: FixedClock) -> None:
    for title, priority in [
        ("Old normal", Priority.NORMAL),
        ("Old urgent", Priority.URGENT),
        ("Low", Priority.LOW),
        ("New urgent", Priority.URGENT),
        ("High", Priority.HIGH),
    ]:
        tracker.raise_issue(ACME, IssueDraft(title, priority=priority), raised_by="U0ANA")
        clock.now += timedelta(minutes=5)
    tracker.raise_issue(GLOBEX, IssueDraft("Another workspace's"), raised_by="U0CAT")

    listed = tracker.open_issues(ACME, limit=3)

    assert [i.title for i in listed.shown] == ["Old urgent", "New urgent", "High"]
    assert (listed.total, listed.not_shown) == (5, 2)


def test_no_open_issues_in_a_new_workspace(tracker: Tracker) -> None:
    listed = tracker.open_issues(WorkspaceKey("T0NEW"), limit=20)
    assert (listed.shown, listed.total) == ((), 0)


def test_the_card_location_is_remembered(tracker: Tracker) -> None:
    raised = tracker.raise_issue(ACME, IssueDraft("Card me"), raised_by="U0ANA")
    card = Card("C0TRACKER", "1732440600.000100", "https://acme.slack.com/archives/C0TRACKER/p1")

    updated = tracker.record_card(ACME, raised.issue.number, card)

    assert updated.card == card
    assert tracker.open_issues(ACME, limit=1).shown[0].card == card


def test_enterprise_workspaces_with_the_same_team_id_are_apart(tracker: Tracker) -> None:
    tracker.raise_issue(WorkspaceKey("T0SAME", "E0ONE"), IssueDraft("One"), raised_by="U0ANA")
    tracker.raise_issue(WorkspaceKey("T0SAME", "E0TWO"), IssueDraft("Two"), raised_by="U0ANA")
    assert [i.title for i in tracker.open_issues(WorkspaceKey("T0SAME", "E0ONE"), limit=5).shown] == ["One"]
