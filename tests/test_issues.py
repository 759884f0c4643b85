"""The tracker service against a real database: numbering, validation, idempotency, listing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.errors import InvalidInput
from bot.issues import (
    TITLE_MAX,
    AlreadyTaken,
    Card,
    Category,
    IssueDraft,
    IssueNotFound,
    IssueView,
    Priority,
    Status,
    Tracker,
)
from bot.models import Issue, IssueChange, Notification
from bot.people import Actor, NotAllowed, Team
from bot.services import Services, build_services
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

    listed = tracker.list_issues(ACME, IssueView.OPEN, user_id="", limit=10).shown[0]
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

    listed = tracker.list_issues(ACME, IssueView.OPEN, user_id="", limit=3)

    assert [i.title for i in listed.shown] == ["Old urgent", "New urgent", "High"]
    assert (listed.total, listed.not_shown) == (5, 2)


def test_no_open_issues_in_a_new_workspace(tracker: Tracker) -> None:
    listed = tracker.list_issues(WorkspaceKey("T0NEW"), IssueView.OPEN, user_id="", limit=20)
    assert (listed.shown, listed.total) == ((), 0)


def test_the_card_location_is_remembered(tracker: Tracker) -> None:
    raised = tracker.raise_issue(ACME, IssueDraft("Card me"), raised_by="U0ANA")
    card = Card("C0TRACKER", "1732440600.000100", "https://acme.slack.com/archives/C0TRACKER/p1")

    updated = tracker.record_card(ACME, raised.issue.number, card)

    assert updated.card == card
    assert tracker.list_issues(ACME, IssueView.OPEN, user_id="", limit=1).shown[0].card == card


def test_enterprise_workspaces_with_the_same_team_id_are_apart(tracker: Tracker) -> None:
    tracker.raise_issue(WorkspaceKey("T0SAME", "E0ONE"), IssueDraft("One"), raised_by="U0ANA")
    tracker.raise_issue(WorkspaceKey("T0SAME", "E0TWO"), IssueDraft("Two"), raised_by="U0ANA")
    assert [
        i.title
        for i in tracker.list_issues(
            WorkspaceKey("T0SAME", "E0ONE"), IssueView.OPEN, user_id="", limit=5
        ).shown
    ] == ["One"]


# Working an issue

ANA, BEN, CAT, ADMIN = Actor("U0ANA"), Actor("U0BEN"), Actor("U0CAT"), Actor("U0ADMIN", is_admin=True)


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    return build_services(
        database, WorkspaceDefaults(timezone="Europe/Paris", tracker_channel="C0TRACKER"), clock
    )


def raise_one(services: Services, title: str = "Leads lack phone numbers", **fields: object) -> int:
    draft = IssueDraft(title, **fields)  # type: ignore[arg-type]
    return services.tracker.raise_issue(ACME, draft, raised_by=ANA.user_id).issue.number


def audit(database: Database) -> list[tuple[str, str, str | None, str | None]]:
    with database.transaction() as session:
        rows = session.scalars(select(IssueChange).order_by(IssueChange.id)).all()
        return [(r.by, r.field, r.old, r.new) for r in rows]


def pending(database: Database) -> list[tuple[str, str]]:
    with database.transaction() as session:
        rows = session.scalars(
            select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id)
        )
        return [(r.recipient, r.kind) for r in rows]


def test_taking_an_unowned_issue_makes_you_its_owner(services: Services, database: Database) -> None:
    number = raise_one(services)

    changed = services.tracker.take(ACME, number, BEN)

    assert changed.issue.owner_id == BEN.user_id
    assert [(c.field, c.old, c.new) for c in changed.changes] == [("owner_id", None, BEN.user_id)]
    assert changed.issue.version == 2
    assert audit(database) == [(BEN.user_id, "owner_id", None, BEN.user_id)]


def test_taking_what_you_own_changes_nothing(services: Services, database: Database) -> None:
    number = raise_one(services)
    services.tracker.take(ACME, number, BEN)

    again = services.tracker.take(ACME, number, BEN)

    assert not again.changed
    assert len(audit(database)) == 1


def test_someone_elses_issue_cannot_be_taken_by_a_bystander(services: Services) -> None:
    number = raise_one(services)
    services.tracker.take(ACME, number, BEN)

    with pytest.raises(AlreadyTaken) as taken:
        services.tracker.take(ACME, number, CAT)

    assert taken.value.owner_id == BEN.user_id


def test_two_people_taking_at_once_one_wins_the_other_hears_who(services: Services) -> None:
    number = raise_one(services)
    barrier = threading.Barrier(2)

    def take(actor: Actor) -> str:
        barrier.wait()
        try:
            services.tracker.take(ACME, number, actor)
            return "won"
        except AlreadyTaken as taken:
            return f"lost to {taken.owner_id}"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(take, [BEN, CAT]))

    owner = services.tracker.issue(ACME, number).owner_id
    assert outcomes == sorted(["won", f"lost to {owner}"])


def test_the_owner_hears_when_someone_else_assigns_them(services: Services, database: Database) -> None:
    number = raise_one(services)

    services.tracker.assign(ACME, number, BEN.user_id, ANA)  # the raiser may assign

    assert pending(database) == [(BEN.user_id, "issue_assigned")]


def test_only_the_owner_the_raiser_or_an_admin_change_status(services: Services, database: Database) -> None:
    number = raise_one(services)
    services.tracker.assign(ACME, number, BEN.user_id, ANA)

    with pytest.raises(NotAllowed):
        services.tracker.set_status(ACME, number, Status.IN_PROGRESS, CAT)
    for actor, status in [(BEN, Status.IN_PROGRESS), (ANA, Status.BLOCKED), (ADMIN, Status.OPEN)]:
        assert services.tracker.set_status(ACME, number, status, actor).issue.status is status

    assert [(f, o, n) for _, f, o, n in audit(database)][1:] == [
        ("status", "open", "in_progress"),
        ("status", "in_progress", "blocked"),
        ("status", "blocked", "open"),
    ]


def test_closing_with_a_note_tells_the_raiser_and_keeps_the_note(
    services: Services, database: Database, clock: FixedClock
) -> None:
    number = raise_one(services)
    services.tracker.assign(ACME, number, BEN.user_id, ANA)
    clock.now += timedelta(hours=2)

    closed = services.tracker.close(ACME, number, BEN, note="Fixed the form")

    assert closed.issue.status is Status.RESOLVED
    assert closed.issue.closed_at == clock.now
    assert (ANA.user_id, "issue_resolved") in pending(database)
    details = services.tracker.details(ACME, number)
    assert [(c.by, c.text) for c in details.comments] == [(BEN.user_id, "Fixed the form")]
    assert services.tracker.list_issues(ACME, IssueView.OPEN, user_id="", limit=5).total == 0

    reopened = services.tracker.reopen(ACME, number, ANA)
    assert (reopened.issue.status, reopened.issue.closed_at) == (Status.OPEN, None)


def test_changing_a_due_date_refuses_the_past(services: Services) -> None:
    number = raise_one(services)
    with pytest.raises(InvalidInput):
        services.tracker.set_due(ACME, number, date(2026, 11, 1), ANA)
    assert services.tracker.set_due(ACME, number, date(2026, 12, 4), ANA).issue.due_on == date(2026, 12, 4)


def test_unknown_numbers_and_other_workspaces_numbers_are_not_found(services: Services) -> None:
    number = raise_one(services)
    with pytest.raises(IssueNotFound):
        services.tracker.take(ACME, 999, BEN)
    with pytest.raises(IssueNotFound):
        services.tracker.take(GLOBEX, number, BEN)


def test_a_comment_delivered_twice_is_stored_once(services: Services) -> None:
    number = raise_one(services)

    first = services.tracker.comment(
        ACME, number, BEN.user_id, "On it", source="thread", request_key="1732.0001"
    )
    again = services.tracker.comment(
        ACME, number, BEN.user_id, "On it", source="thread", request_key="1732.0001"
    )

    assert first is not None
    assert again is None
    assert [c.text for c in services.tracker.details(ACME, number).comments] == ["On it"]


def test_an_empty_comment_is_refused(services: Services) -> None:
    number = raise_one(services)
    with pytest.raises(InvalidInput):
        services.tracker.comment(ACME, number, BEN.user_id, "   ", source="card", request_key="V1")


def test_only_admins_delete_and_everything_goes(services: Services, database: Database) -> None:
    number = raise_one(services)
    services.tracker.comment(ACME, number, BEN.user_id, "Noted", source="card", request_key="V1")
    with pytest.raises(NotAllowed):
        services.tracker.delete(ACME, number, ANA)

    services.tracker.delete(ACME, number, ADMIN)

    with pytest.raises(IssueNotFound):
        services.tracker.issue(ACME, number)
    assert audit(database) == []


def test_lists_by_view(services: Services, clock: FixedClock) -> None:
    tracker = services.tracker
    mine = raise_one(services, "Mine and late", due_on=date(2026, 11, 25))
    tracker.assign(ACME, mine, BEN.user_id, ANA)
    tracker.raise_issue(ACME, IssueDraft("From sales"), raised_by=CAT.user_id, raised_by_team=Team.SALES)
    tracker.raise_issue(
        ACME, IssueDraft("From marketing"), raised_by=BEN.user_id, raised_by_team=Team.MARKETING
    )
    closed = raise_one(services, "Closed one")
    tracker.close(ACME, closed, ANA)
    clock.now += timedelta(days=3)

    def titles(view: IssueView, user: Actor = BEN) -> list[str]:
        return [i.title for i in tracker.list_issues(ACME, view, user_id=user.user_id, limit=10).shown]

    assert titles(IssueView.MINE) == ["Mine and late"]
    assert titles(IssueView.RAISED) == ["From marketing"]
    assert titles(IssueView.OVERDUE) == ["Mine and late"]
    assert titles(IssueView.SALES) == ["From sales"]
    assert titles(IssueView.MARKETING) == ["From marketing"]
    assert len(titles(IssueView.OPEN)) == 3
    assert len(titles(IssueView.ALL)) == 4
    board = tracker.board(ACME, BEN.user_id, limit_each=5)
    assert [i.title for i in board.mine.shown] == ["Mine and late"]
    assert board.by_team[Team.SALES].total == 1
    # Raised by people on no team (here, the first issue's raiser): their own list, not a remainder.
    assert [i.title for i in board.others.shown] == ["Mine and late"]


def test_reminders_find_late_and_quiet_issues_and_old_unowned_ones(
    services: Services, clock: FixedClock
) -> None:
    tracker = services.tracker
    late = raise_one(services, "Late", due_on=date(2026, 11, 25))
    quiet = raise_one(services, "Quiet")
    busy = raise_one(services, "Busy")
    raise_one(services, "Nobody's")
    for number in (late, quiet, busy):
        tracker.assign(ACME, number, BEN.user_id, ANA)
    clock.now += timedelta(days=6)
    tracker.comment(ACME, busy, BEN.user_id, "Still on it", source="card", request_key="V9")
    raise_one(services, "Nobody's, but new")

    today = clock.now.date()
    found = tracker.reminders(
        ACME,
        today=today,
        quiet_since=clock.now - timedelta(days=5),
        unowned_since=clock.now - timedelta(days=1),
    )

    assert {owner: [i.title for i in issues.shown] for owner, issues in found.by_owner.items()} == {
        BEN.user_id: ["Late", "Quiet"]
    }
    assert [i.title for i in found.unowned.shown] == ["Nobody's"]


def test_reminders_read_a_page_of_each_owners_issues_and_count_them_all(
    services: Services, clock: FixedClock
) -> None:
    for n in range(5):
        number = raise_one(services, f"Ben's {n}", priority=Priority.URGENT if n == 3 else Priority.NORMAL)
        services.tracker.assign(ACME, number, BEN.user_id, ANA)
    for n in range(3):
        number = raise_one(services, f"Cat's {n}")
        services.tracker.assign(ACME, number, CAT.user_id, ANA)
    clock.now += timedelta(days=10)

    found = services.tracker.reminders(
        ACME, today=clock.now.date(), quiet_since=clock.now, unowned_since=clock.now, per_person=2
    )

    assert {owner: (len(page.shown), page.total) for owner, page in found.by_owner.items()} == {
        BEN.user_id: (2, 5),
        CAT.user_id: (2, 3),
    }
    assert [i.title for i in found.by_owner[BEN.user_id].shown] == ["Ben's 3", "Ben's 0"]


def test_reopening_leaves_an_issue_being_worked_on_as_it_is(services: Services) -> None:
    number = raise_one(services)
    services.tracker.set_status(ACME, number, Status.IN_PROGRESS, ANA)

    reopened = services.tracker.reopen(ACME, number, ANA)

    assert not reopened.changed
    assert reopened.issue.status is Status.IN_PROGRESS


def test_comments_are_counted_on_the_issue(services: Services) -> None:
    number = raise_one(services)
    for n in range(3):
        services.tracker.comment(
            ACME, number, BEN.user_id, f"Note {n}", source="thread", request_key=f"ts{n}"
        )
    services.tracker.comment(ACME, number, BEN.user_id, "Note 0", source="thread", request_key="ts0")
    assert services.tracker.issue(ACME, number).comment_count == 3


def test_a_note_goes_with_a_change_only(services: Services) -> None:
    number = raise_one(services)
    services.tracker.close(ACME, number, ANA, note="Fixed")
    again = services.tracker.close(ACME, number, ANA, note="Fixed again?")

    assert not again.changed
    assert [c.text for c in services.tracker.details(ACME, number).comments] == ["Fixed"]
    assert again.issue.comment_count == 1


def test_an_unknown_issue_is_not_found_before_its_due_date_is_judged(services: Services) -> None:
    with pytest.raises(IssueNotFound):
        services.tracker.set_due(ACME, 404, date(2020, 1, 1), ANA)
