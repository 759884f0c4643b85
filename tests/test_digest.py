"""The digest service against a real database: items, weeks across daylight saving, composing, the
week's record, and settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Connection

from bot.db import Database
from bot.digest import (
    DETAIL_LINES_MAX,
    DETAIL_MAX,
    HEADLINE_MAX,
    LINK_MAX,
    AlreadyDecided,
    DigestDefaults,
    DigestEntry,
    DigestRecord,
    Digests,
    DigestSection,
    DigestSettings,
    DigestStatus,
    DigestWeek,
    ItemDraft,
    ItemNotFound,
    NotEditor,
    Section,
    SettingsChange,
    problems_with,
)
from bot.errors import InvalidInput
from bot.models import DigestItemRow, DigestRow, DigestSettingsRow, Workspace
from bot.people import Actor, NotAllowed
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
ANA, BEN, EDDIE, OWEN = "U0ANA", "U0BEN", "U0EDDIE", "U0OWEN"
ADMIN = Actor("U0BOSS", is_admin=True)
DEFAULTS = DigestDefaults(channel="C0SALES", editors=(EDDIE,), reminder_channel="C0MARKETING")
# The clock fixture's Tuesday 24 November 2026; that week's digest is due Thursday 09:00 in New York.
THIS_WEEK, NEXT_WEEK = "2026-W48", "2026-W49"
THIS_THURSDAY = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    defaults = WorkspaceDefaults(timezone="America/New_York", tracker_channel="C0TRACKER")
    return build_services(database, defaults, clock, digest_defaults=DEFAULTS)


@pytest.fixture
def digests(services: Services) -> Digests:
    return services.digests


def item_rows(database: Database) -> list[DigestItemRow]:
    with database.transaction() as session:
        return list(session.scalars(select(DigestItemRow).order_by(DigestItemRow.id)))


def digest_rows(database: Database) -> list[DigestRow]:
    with database.transaction() as session:
        return list(session.scalars(select(DigestRow).order_by(DigestRow.id)))


SETTINGS = SettingsChange(
    send_day="thu",
    send_time="09:00",
    channel="C0SALES",
    timezone=None,
    approval=False,
    owner_id=None,
    editors=(),
    empty_note=True,
    reminder_day="wed",
    reminder_time="14:00",
)


def change(**overrides: Any) -> SettingsChange:
    """The settings form as an admin submits it, with these fields changed."""
    return replace(SETTINGS, **overrides)


# Validating items


@pytest.mark.parametrize(
    ("draft", "problems"),
    [
        (
            ItemDraft(Section.OTHER, ""),
            {"headline": "Give the item a headline: the few words sales should read first."},
        ),
        (
            ItemDraft(Section.OTHER, "   \n "),
            {"headline": "Give the item a headline: the few words sales should read first."},
        ),
        (
            ItemDraft(Section.OTHER, "h" * 163),
            {"headline": "Keep the headline to 150 characters (it has 163); put the rest in the detail."},
        ),
        (
            ItemDraft(Section.OTHER, "Fine", detail="d" * (DETAIL_MAX + 1)),
            {"detail": "Keep the detail to 1,000 characters (it has 1,001); link to the rest."},
        ),
        (
            ItemDraft(Section.OTHER, "Fine", detail="\n".join(["line"] * (DETAIL_LINES_MAX + 1))),
            {"detail": "Keep the detail to 8 lines (it has 9); link to the rest."},
        ),
        (
            ItemDraft(Section.OTHER, "Fine", link="example.com/launch"),
            {"link": "Give the link as a web address starting with https://"},
        ),
        (
            ItemDraft(Section.OTHER, "Fine", link="javascript:alert(1)"),
            {"link": "Give the link as a web address starting with https://"},
        ),
        (
            ItemDraft(Section.OTHER, "Fine", link="https://example.com/a b"),
            {"link": "Give the link as a web address starting with https://"},
        ),
        (
            ItemDraft(Section.OTHER, "Fine", link="https://example.com/" + "x" * LINK_MAX),
            {"link": "Keep the link to 500 characters (it has 520)."},
        ),
    ],
)
def test_what_is_wrong_with_an_item_is_said_per_field(draft: ItemDraft, problems: dict[str, str]) -> None:
    assert problems_with(draft) == problems


def test_items_at_the_limits_are_fine() -> None:
    draft = ItemDraft(
        Section.PRODUCT_NEWS,
        "h" * HEADLINE_MAX,
        detail="\n".join(["d" * 100] * DETAIL_LINES_MAX)[:DETAIL_MAX],
        link="http://example.com/" + "x" * (LINK_MAX - 19),
    )
    assert problems_with(draft) == {}
    assert problems_with(ItemDraft(Section.OTHER, "No detail, no link", link="  ")) == {}


def test_a_bad_item_is_refused_whole_and_nothing_is_stored(digests: Digests, database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "", detail="d" * 2000, link="nope"))

    assert set(refused.value.problems) == {"headline", "detail", "link"}
    assert item_rows(database) == []


# Adding, editing, removing


def test_an_item_goes_into_this_weeks_digest_as_given(digests: Digests, database: Database) -> None:
    item = digests.add_item(
        ACME,
        ANA,
        ItemDraft(
            Section.PRODUCT_NEWS,
            "  Dark mode\n ships  Monday ",
            detail="Every plan gets it.\nDemo video in the link.\n",
            link=" https://example.com/dark-mode ",
            source_permalink="https://acme.slack.com/archives/C0MKT/p1700000000000100",
        ),
    )

    assert item.week == THIS_WEEK
    assert item.section is Section.PRODUCT_NEWS
    assert item.headline == "Dark mode ships Monday"
    assert item.detail == "Every plan gets it.\nDemo video in the link."
    assert item.link == "https://example.com/dark-mode"
    assert item.source_permalink == "https://acme.slack.com/archives/C0MKT/p1700000000000100"
    assert item.author_id == ANA
    assert item.added_at == item.updated_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    [row] = item_rows(database)
    assert (row.week, row.section, row.headline, row.link) == (
        THIS_WEEK,
        "product_news",
        "Dark mode ships Monday",
        "https://example.com/dark-mode",
    )
    assert digests.item(ACME, item.id) == item


def test_the_same_request_adds_one_item(digests: Digests, database: Database) -> None:
    first = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Clicked twice"), request_key="V0FORM1")
    again = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Clicked twice"), request_key="V0FORM1")
    other = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Clicked twice"), request_key="V0FORM2")

    assert again == first
    assert other.id != first.id
    assert len(item_rows(database)) == 2


def test_concurrent_deliveries_of_one_request_store_one_item(digests: Digests, database: Database) -> None:
    with ThreadPoolExecutor(6) as pool:
        added = list(
            pool.map(
                lambda _: digests.add_item(ACME, ANA, ItemDraft(Section.EVENT, "Expo"), request_key="V0SAME"),
                range(6),
            )
        )

    assert len({item.id for item in added}) == 1
    assert len(item_rows(database)) == 1


def test_the_author_editors_and_admins_change_an_item_others_may_not(
    digests: Digests, database: Database
) -> None:
    item = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Webinar on Friday"))

    with pytest.raises(NotAllowed) as refused:
        digests.update_item(ACME, item.id, Actor(BEN), ItemDraft(Section.EVENT, "Mine now"))
    assert str(refused.value) == (
        "Only the person who added it, digest editors and admins can change this item."
    )
    with pytest.raises(NotAllowed):
        digests.remove_item(ACME, item.id, Actor(BEN))

    by_author = digests.update_item(ACME, item.id, Actor(ANA), ItemDraft(Section.EVENT, "Webinar Friday 4pm"))
    by_editor = digests.update_item(
        ACME,
        item.id,
        Actor(EDDIE),
        ItemDraft(Section.EVENT, "Webinar Friday 4pm CET", link="https://ex.com/w"),
    )
    by_admin = digests.update_item(ACME, item.id, ADMIN, ItemDraft(Section.EVENT, "Webinar moved"))

    assert by_author.headline == "Webinar Friday 4pm"
    assert (by_editor.section, by_editor.link) == (Section.EVENT, "https://ex.com/w")
    assert (by_admin.headline, by_admin.link, by_admin.author_id) == ("Webinar moved", None, ANA)
    [row] = item_rows(database)
    assert (row.section, row.headline, row.author_id) == ("event", "Webinar moved", ANA)

    removed = digests.remove_item(ACME, item.id, Actor(EDDIE))
    assert removed.headline == "Webinar moved"
    assert item_rows(database) == []


def test_an_edit_is_validated_and_leaves_the_item_as_it_was(digests: Digests, database: Database) -> None:
    item = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Fine"))
    with pytest.raises(InvalidInput) as refused:
        digests.update_item(ACME, item.id, Actor(ANA), ItemDraft(Section.OTHER, "x" * 151))
    assert set(refused.value.problems) == {"headline"}
    assert digests.item(ACME, item.id) == item


def test_an_edit_keeps_the_source_message_unless_given_another(digests: Digests) -> None:
    permalink = "https://acme.slack.com/archives/C0MKT/p1"
    item = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "From a message", source_permalink=permalink))
    edited = digests.update_item(ACME, item.id, Actor(ANA), ItemDraft(Section.OTHER, "Edited"))
    assert edited.source_permalink == permalink


def test_missing_items_and_other_workspaces_items_are_not_found(digests: Digests) -> None:
    theirs = digests.add_item(GLOBEX, ANA, ItemDraft(Section.OTHER, "Globex news"))

    calls: list[Callable[[], object]] = [
        lambda: digests.item(ACME, theirs.id),
        lambda: digests.update_item(ACME, theirs.id, ADMIN, ItemDraft(Section.OTHER, "Taken over")),
        lambda: digests.remove_item(ACME, theirs.id, ADMIN),
        lambda: digests.item(ACME, 999_999),
    ]
    for call in calls:
        with pytest.raises(ItemNotFound) as missing:
            call()
        assert str(missing.value) == "That item is no longer in the digest."
    assert digests.item(GLOBEX, theirs.id).headline == "Globex news"


def test_items_of_a_sent_digest_stay_as_they_were_posted(digests: Digests, database: Database) -> None:
    item = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Posted already"))
    digests.record_sent(
        ACME, THIS_WEEK, channel="C0SALES", ts="1.1", permalink=None, late=False, item_count=1
    )

    with pytest.raises(AlreadyDecided) as refused:
        digests.update_item(ACME, item.id, ADMIN, ItemDraft(Section.OTHER, "Changed after"))
    assert str(refused.value) == "This week's digest is already sent."
    with pytest.raises(AlreadyDecided):
        digests.remove_item(ACME, item.id, Actor(ANA))
    assert [row.headline for row in item_rows(database)] == ["Posted already"]


def test_the_weeks_items_come_in_section_order_then_oldest_first(digests: Digests, clock: FixedClock) -> None:
    for section, headline in [
        (Section.OTHER, "other 1"),
        (Section.KEY_ISSUE, "key 1"),
        (Section.PRODUCT_NEWS, "news 1"),
        (Section.KEY_ISSUE, "key 2"),
        (Section.COMPETITOR, "competitor 1"),
    ]:
        digests.add_item(ACME, ANA, ItemDraft(section, headline))
        clock.now += timedelta(minutes=1)
    digests.add_item(GLOBEX, ANA, ItemDraft(Section.KEY_ISSUE, "elsewhere"))

    assert [i.headline for i in digests.items(ACME, THIS_WEEK)] == [
        "key 1",
        "key 2",
        "news 1",
        "competitor 1",
        "other 1",
    ]
    assert digests.count_items(ACME, THIS_WEEK) == 5
    assert digests.items(ACME, NEXT_WEEK) == []
    assert digests.count_items(GLOBEX, THIS_WEEK) == 1


# Weeks


@pytest.mark.parametrize(
    ("zone", "week_key", "send_on", "send_at", "covers_from"),
    [
        # New York leaves daylight saving on Sunday 1 November 2026: 09:00 moves from 13:00 to 14:00 UTC.
        ("America/New_York", "2026-W44", date(2026, 10, 29), (10, 29, 13), (10, 22, 13)),
        ("America/New_York", "2026-W45", date(2026, 11, 5), (11, 5, 14), (10, 29, 13)),
        # ...and enters it on Sunday 8 March 2026.
        ("America/New_York", "2026-W10", date(2026, 3, 5), (3, 5, 14), (2, 26, 14)),
        ("America/New_York", "2026-W11", date(2026, 3, 12), (3, 12, 13), (3, 5, 14)),
        # London leaves summer time on Sunday 25 October and enters it on Sunday 29 March 2026.
        ("Europe/London", "2026-W43", date(2026, 10, 22), (10, 22, 8), (10, 15, 8)),
        ("Europe/London", "2026-W44", date(2026, 10, 29), (10, 29, 9), (10, 22, 8)),
        ("Europe/London", "2026-W13", date(2026, 3, 26), (3, 26, 9), (3, 19, 9)),
        ("Europe/London", "2026-W14", date(2026, 4, 2), (4, 2, 8), (3, 26, 9)),
    ],
)
def test_a_weeks_send_time_is_local_across_daylight_saving_changes(
    digests: Digests,
    zone: str,
    week_key: str,
    send_on: date,
    send_at: tuple[int, int, int],
    covers_from: tuple[int, int, int],
) -> None:
    digests.save_settings(ACME, change(timezone=zone), ADMIN)

    week = digests.week(ACME, week_key)

    assert week == DigestWeek(
        key=week_key,
        send_on=send_on,
        send_at=datetime(2026, *send_at, tzinfo=UTC),
        covers_from=datetime(2026, *covers_from, tzinfo=UTC),
        zone=ZoneInfo(zone),
    )
    assert week.send_at.astimezone(ZoneInfo(zone)).hour == 9


def test_a_send_time_the_spring_change_skips_happens_an_hour_later(digests: Digests) -> None:
    # 02:30 does not exist in New York on Sunday 8 March 2026: it is sent at 03:30 EDT, as cron does.
    digests.save_settings(ACME, change(send_day="sun", send_time="02:30"), ADMIN)
    assert digests.week(ACME, "2026-W10").send_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("week_key", ["2026-48", "2026-w48", "2026-W54", "2025-W53", "26-W01", ""])
def test_a_bad_week_key_is_refused(digests: Digests, week_key: str) -> None:
    with pytest.raises(ValueError, match="not a week key such as 2026-W48"):
        digests.week(ACME, week_key)


def test_the_current_week_rolls_over_at_the_send_time(digests: Digests, clock: FixedClock) -> None:
    assert digests.current_week(ACME).key == THIS_WEEK
    assert digests.current_week(ACME, THIS_THURSDAY - timedelta(seconds=1)).key == THIS_WEEK
    assert digests.current_week(ACME, THIS_THURSDAY).key == NEXT_WEEK

    clock.now = THIS_THURSDAY
    assert digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "Just too late")).week == NEXT_WEEK


def test_the_current_week_follows_the_local_send_time_across_daylight_saving(digests: Digests) -> None:
    # Thursday 5 November 2026 is the first Thursday on EST: 09:00 is 14:00 UTC, no longer 13:00.
    assert digests.current_week(ACME, datetime(2026, 11, 5, 13, 30, tzinfo=UTC)).key == "2026-W45"
    assert digests.current_week(ACME, datetime(2026, 11, 5, 14, 0, tzinfo=UTC)).key == "2026-W46"


def test_the_current_week_goes_by_the_local_date(digests: Digests) -> None:
    digests.save_settings(ACME, change(send_day="sun", send_time="23:00"), ADMIN)
    # Sunday 29 November 22:00 in New York, already Monday (week 49) in UTC: week 48's digest is due at 23:00.
    sunday_night = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert digests.current_week(ACME, sunday_night).key == THIS_WEEK
    assert digests.current_week(ACME, sunday_night + timedelta(hours=1)).key == NEXT_WEEK


def test_a_send_day_earlier_in_the_week_means_next_weeks_digest(digests: Digests) -> None:
    digests.save_settings(ACME, change(send_day="mon"), ADMIN)
    week = digests.current_week(ACME)  # Tuesday: this week's Monday has gone
    assert (week.key, week.send_on) == (NEXT_WEEK, date(2026, 11, 30))


def test_the_current_week_rolls_over_into_the_next_year(digests: Digests) -> None:
    # Thursday 31 December 2026 is in 2026's 53rd week; the next digest is the new year's first.
    assert digests.current_week(ACME, datetime(2026, 12, 31, 12, 0, tzinfo=UTC)).key == "2026-W53"
    week = digests.current_week(ACME, datetime(2026, 12, 31, 15, 0, tzinfo=UTC))
    assert (week.key, week.send_on) == ("2027-W01", date(2027, 1, 7))


def test_sending_or_skipping_early_rolls_the_current_week_over(digests: Digests) -> None:
    digests.record_sent(
        ACME, THIS_WEEK, channel="C0SALES", ts="1.1", permalink=None, late=False, item_count=0
    )
    digests.skip(GLOBEX, THIS_WEEK, ADMIN)

    assert digests.current_week(ACME).key == NEXT_WEEK
    assert digests.current_week(GLOBEX).key == NEXT_WEEK
    assert digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "After the send")).week == NEXT_WEEK


@pytest.mark.parametrize(
    ("status", "week_key"),
    [("held", THIS_WEEK), ("failed", THIS_WEEK), ("approved", NEXT_WEEK), ("draft", NEXT_WEEK)],
)
def test_a_digest_still_to_go_out_after_its_time_keeps_collecting(
    digests: Digests, status: str, week_key: str
) -> None:
    if status == "held":
        digests.hold(ACME, THIS_WEEK)
    elif status == "failed":
        digests.record_failed(ACME, THIS_WEEK, "not_in_channel")
    elif status == "approved":
        digests.approve(ACME, THIS_WEEK, ADMIN)
    assert digests.current_week(ACME, THIS_THURSDAY + timedelta(hours=2)).key == week_key


# Composing


class FixedSource:
    """Another feature's contribution, as a later feature would hand it over."""

    def __init__(self, *sections: DigestSection) -> None:
        self.sections = sections
        self.asked: list[DigestWeek] = []

    def contribute(self, key: WorkspaceKey, week: DigestWeek) -> Sequence[DigestSection]:
        self.asked.append(week)
        return self.sections


def test_compose_puts_items_by_section_then_each_source_in_order(
    services: Services, database: Database, clock: FixedClock
) -> None:
    wins = FixedSource(DigestSection("wins.week", "Wins", (DigestEntry("Globex signed"),), 1))
    nothing = FixedSource(DigestSection("field.week", "Field notes", (), 0))
    metrics = FixedSource(DigestSection("metrics.week", "Metrics", (DigestEntry("MQLs 120"),), 1))
    digests = Digests(database, services.workspaces, clock, DEFAULTS, [wins, nothing, metrics])
    other = digests.add_item(ACME, BEN, ItemDraft(Section.OTHER, "Office closed Friday"))
    clock.now += timedelta(minutes=1)
    key_issue = digests.add_item(
        ACME,
        ANA,
        ItemDraft(Section.KEY_ISSUE, "Pricing change", detail="From 1 Dec.", link="https://ex.com/p"),
    )

    composed = digests.compose(ACME, THIS_WEEK)

    assert composed.week == digests.week(ACME, THIS_WEEK)
    assert wins.asked == [composed.week]
    assert [(s.id, s.title) for s in composed.sections] == [
        ("items.key_issue", "Key issues"),
        ("items.other", "Other news"),
        ("wins.week", "Wins"),
        ("metrics.week", "Metrics"),
    ]
    assert composed.sections[0] == DigestSection(
        "items.key_issue",
        "Key issues",
        (
            DigestEntry(
                "Pricing change", detail="From 1 Dec.", link="https://ex.com/p", by=ANA, item_id=key_issue.id
            ),
        ),
        1,
    )
    assert composed.sections[1].entries == (DigestEntry("Office closed Friday", by=BEN, item_id=other.id),)
    assert not composed.is_empty


def test_an_empty_week_composes_to_nothing(digests: Digests) -> None:
    digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "This week's, not next week's"))
    composed = digests.compose(ACME, NEXT_WEEK)
    assert composed.is_empty
    assert composed.sections == ()


def test_compose_reads_only_the_weeks_items_from_a_year_of_them(
    digests: Digests, database: Database, clock: FixedClock
) -> None:
    digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "This week's"))
    with database.transaction() as session:
        acme = session.scalars(select(Workspace).where(Workspace.team_id == ACME.team_id)).one()
        for weeks_ago in range(1, 53):
            day = date(2026, 11, 24) - timedelta(weeks=weeks_ago)
            year, week, _ = day.isocalendar()
            for n in range(20):
                at = datetime(day.year, day.month, day.day, 12, n, tzinfo=UTC)
                session.add(
                    DigestItemRow(
                        workspace_id=acme.id,
                        week=f"{year}-W{week:02d}",
                        section=list(Section)[n % len(Section)].value,
                        headline=f"Old news {weeks_ago}.{n}",
                        detail="",
                        author_id=BEN,
                        added_at=at,
                        updated_at=at,
                    )
                )
    assert len(item_rows(database)) == 1 + 52 * 20

    with selects(database) as statements:
        composed = digests.compose(ACME, THIS_WEEK)

    assert [[e.headline for e in s.entries] for s in composed.sections] == [["This week's"]]
    assert digests.count_items(ACME, "2025-W48") == 20
    if database.engine.dialect.name == "sqlite":
        # Every read of digest_items goes through its index, never a scan of the year.
        plans = query_plans(database, [s for s in statements if "FROM digest_items" in s[0]])
        assert plans, "compose read no items"
        for plan in plans:
            assert "ix_digest_items_workspace_id_week_section_added_at" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


@contextmanager
def statements(database: Database, *, only: str = "") -> Iterator[list[tuple[str, Any]]]:
    """The statements the database runs meanwhile (those starting with `only`), with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(only):
            seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def selects(database: Database) -> AbstractContextManager[list[tuple[str, Any]]]:
    """The SELECT statements the database runs meanwhile, with their parameters."""
    return statements(database, only="SELECT")


def query_plans(database: Database, statements: list[tuple[str, Any]]) -> list[str]:
    """How SQLite answers each statement (a scan of a table would show)."""
    with database.engine.connect() as connection:
        return [
            " | ".join(
                str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            )
            for sql, params in statements
        ]


# The week's record


def test_a_week_nothing_happened_to_is_a_draft_and_stores_nothing(
    digests: Digests, database: Database
) -> None:
    assert digests.record(ACME, THIS_WEEK) == DigestRecord(THIS_WEEK, DigestStatus.DRAFT)
    assert digest_rows(database) == []


def test_only_editors_approve_or_skip(digests: Digests, database: Database) -> None:
    for decide in (digests.approve, digests.skip):
        with pytest.raises(NotEditor) as refused:
            decide(ACME, THIS_WEEK, Actor(BEN))
        assert str(refused.value) == "Only digest editors and admins can approve or skip the digest."
    assert digest_rows(database) == []

    approved = digests.approve(ACME, THIS_WEEK, Actor(EDDIE))
    assert (approved.status, approved.decided_by) == (DigestStatus.APPROVED, EDDIE)
    [row] = digest_rows(database)
    assert (row.week, row.status, row.decided_by) == (THIS_WEEK, "approved", EDDIE)
    assert row.decided_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_the_owner_approves_without_being_named_an_editor(digests: Digests) -> None:
    digests.save_settings(ACME, change(approval=True, owner_id=OWEN), ADMIN)
    assert digests.is_editor(ACME, Actor(OWEN))
    assert digests.approve(ACME, THIS_WEEK, Actor(OWEN)).status is DigestStatus.APPROVED


def test_skipped_and_sent_are_final(digests: Digests) -> None:
    digests.approve(ACME, THIS_WEEK, ADMIN)
    skipped = digests.skip(ACME, THIS_WEEK, Actor(EDDIE))  # changing one's mind after approving is fine
    assert (skipped.status, skipped.decided_by) == (DigestStatus.SKIPPED, EDDIE)

    with pytest.raises(AlreadyDecided) as refused:
        digests.approve(ACME, THIS_WEEK, ADMIN)
    assert refused.value.record.status is DigestStatus.SKIPPED
    assert str(refused.value) == "This week's digest is already skipped."

    digests.record_sent(
        ACME, NEXT_WEEK, channel="C0SALES", ts="2.2", permalink=None, late=False, item_count=3
    )
    for decide in (digests.approve, digests.skip):
        with pytest.raises(AlreadyDecided):
            decide(ACME, NEXT_WEEK, ADMIN)
    assert digests.record(ACME, NEXT_WEEK).status is DigestStatus.SENT


def test_holding_applies_to_an_undecided_digest_only(digests: Digests, database: Database) -> None:
    assert digests.hold(ACME, THIS_WEEK).status is DigestStatus.HELD
    assert digests.hold(ACME, THIS_WEEK).status is DigestStatus.HELD
    digests.approve(ACME, NEXT_WEEK, ADMIN)
    assert digests.hold(ACME, NEXT_WEEK).status is DigestStatus.APPROVED
    digests.record_failed(GLOBEX, THIS_WEEK, "is_archived")
    assert digests.hold(GLOBEX, THIS_WEEK).status is DigestStatus.HELD
    assert [(r.week, r.status) for r in digest_rows(database)] == [
        (THIS_WEEK, "held"),
        (NEXT_WEEK, "approved"),
        (THIS_WEEK, "held"),
    ]


def test_a_sent_digest_is_recorded_with_where_when_and_by_whom(
    digests: Digests, database: Database, clock: FixedClock
) -> None:
    digests.record_failed(ACME, THIS_WEEK, "not_in_channel")
    clock.now = THIS_THURSDAY + timedelta(minutes=20)
    sent = digests.record_sent(
        ACME,
        THIS_WEEK,
        channel="C0SALES",
        ts="1764165600.000100",
        permalink="https://acme.slack.com/archives/C0SALES/p1764165600000100",
        late=True,
        item_count=7,
    )
    by_hand = digests.record_sent(
        GLOBEX, THIS_WEEK, channel="C0GLOBEX", ts="1.1", permalink=None, late=False, item_count=0, by=ANA
    )

    assert sent == DigestRecord(
        week=THIS_WEEK,
        status=DigestStatus.SENT,
        channel="C0SALES",
        ts="1764165600.000100",
        permalink="https://acme.slack.com/archives/C0SALES/p1764165600000100",
        sent_at=THIS_THURSDAY + timedelta(minutes=20),
        sent_by=None,
        late=True,
        item_count=7,
    )
    assert (by_hand.sent_by, by_hand.late) == (ANA, False)
    # Recorded once: a second record (a retry that found the post) leaves the first as it was.
    again = digests.record_sent(
        ACME, THIS_WEEK, channel="C0OTHER", ts="9.9", permalink=None, late=False, item_count=1
    )
    assert again == sent
    # A failure reported after the post does not undo it.
    assert digests.record_failed(ACME, THIS_WEEK, "ratelimited") == sent
    acme_row = digest_rows(database)[0]
    assert (acme_row.status, acme_row.ts, acme_row.problem) == ("sent", "1764165600.000100", None)


def test_a_failure_is_kept_with_slacks_reason_cut_to_fit(digests: Digests, database: Database) -> None:
    failed = digests.record_failed(ACME, THIS_WEEK, "channel_not_found " + "x" * 300)
    assert failed.status is DigestStatus.FAILED
    assert failed.problem is not None
    assert len(failed.problem) == 200
    assert failed.problem.startswith("channel_not_found ")
    assert digest_rows(database)[0].problem == failed.problem


def test_history_lists_sent_digests_newest_first(digests: Digests, clock: FixedClock) -> None:
    for week_number in (45, 46, 47):
        clock.now = datetime(2026, 11, 24, tzinfo=UTC) - timedelta(weeks=48 - week_number)
        digests.record_sent(
            ACME,
            f"2026-W{week_number}",
            channel="C0SALES",
            ts=f"{week_number}.0",
            permalink=None,
            late=False,
            item_count=week_number,
        )
    digests.skip(ACME, "2026-W44", ADMIN)
    digests.record_failed(ACME, "2026-W43", "is_archived")
    digests.record_sent(GLOBEX, "2026-W47", channel="C0G", ts="1.0", permalink=None, late=False, item_count=1)

    history = digests.history(ACME, limit=10)

    assert [(r.week, r.ts) for r in history] == [
        ("2026-W47", "47.0"),
        ("2026-W46", "46.0"),
        ("2026-W45", "45.0"),
    ]
    assert [r.week for r in digests.history(ACME, limit=2)] == ["2026-W47", "2026-W46"]
    assert digests.history(WorkspaceKey("T0NEW"), limit=10) == []


# Settings


def test_a_workspace_uses_the_deployments_settings_in_its_own_timezone(digests: Digests) -> None:
    assert digests.settings(ACME) == DigestSettings(
        send_day="thu",
        send_time="09:00",
        channel="C0SALES",
        timezone=ZoneInfo("America/New_York"),
        approval=False,
        preview_time="08:00",
        owner_id=None,
        editors=(EDDIE,),
        empty_note=True,
        reminder_day="wed",
        reminder_time="14:00",
        reminder_channel="C0MARKETING",
    )


def test_saved_settings_replace_the_defaults_for_that_workspace_only(
    digests: Digests, database: Database
) -> None:
    saved = digests.save_settings(
        ACME,
        change(
            send_day="Tuesday",
            send_time="16:30",
            channel="C0DIGEST",
            timezone="Europe/London",
            approval=True,
            owner_id=OWEN,
            editors=(ANA, BEN, ANA),
            empty_note=False,
            reminder_day="MON",
            reminder_time="10:00",
        ),
        ADMIN,
    )

    assert saved == DigestSettings(
        send_day="tue",
        send_time="16:30",
        channel="C0DIGEST",
        timezone=ZoneInfo("Europe/London"),
        approval=True,
        preview_time="08:00",
        owner_id=OWEN,
        editors=(ANA, BEN),
        empty_note=False,
        reminder_day="mon",
        reminder_time="10:00",
        reminder_channel="C0MARKETING",
    )
    assert digests.settings(ACME) == saved
    assert digests.settings(GLOBEX).channel == "C0SALES"
    everyone = digests.all_settings()
    assert everyone[ACME] == saved
    assert everyone[GLOBEX] == digests.settings(GLOBEX)

    again = digests.save_settings(ACME, change(timezone=None), ADMIN)
    assert again.timezone == ZoneInfo("America/New_York")  # back to the workspace's own
    with database.transaction() as session:
        rows = session.scalars(select(DigestSettingsRow)).all()
        assert [(r.updated_by, r.editors, r.timezone) for r in rows] == [(ADMIN.user_id, "", None)]


def test_saved_editors_decide_who_changes_items(digests: Digests) -> None:
    item = digests.add_item(ACME, ANA, ItemDraft(Section.OTHER, "News"))
    digests.save_settings(ACME, change(editors=(BEN,)), ADMIN)

    assert digests.is_editor(ACME, Actor(BEN))
    assert not digests.is_editor(ACME, Actor(EDDIE))  # the deployment's editor, replaced here
    assert digests.is_editor(ACME, ADMIN)
    assert digests.is_editor(GLOBEX, Actor(EDDIE))
    assert (
        digests.update_item(ACME, item.id, Actor(BEN), ItemDraft(Section.OTHER, "Edited")).headline
        == "Edited"
    )
    with pytest.raises(NotAllowed):
        digests.remove_item(ACME, item.id, Actor(EDDIE))


def test_only_admins_save_settings(digests: Digests, database: Database) -> None:
    with pytest.raises(NotAllowed) as refused:
        digests.save_settings(ACME, change(), Actor(EDDIE))
    assert str(refused.value) == "Only Tandem's admins change the digest settings."
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(DigestSettingsRow)) == 0


def test_every_bad_setting_is_named_and_nothing_is_saved(digests: Digests, database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        digests.save_settings(
            ACME,
            change(
                send_day="someday",
                send_time="9am",
                channel="#sales",
                timezone="Mars/Olympus",
                owner_id="owen",
                editors=(ANA, "bob"),
                reminder_day="",
                reminder_time="24:00",
            ),
            ADMIN,
        )

    assert refused.value.problems == {
        "send_day": "Pick a day of the week (mon, tue, wed, thu, fri, sat, sun).",
        "reminder_day": "Pick a day of the week (mon, tue, wed, thu, fri, sat, sun).",
        "send_time": "Give a time of day such as 09:00 (24-hour clock).",
        "reminder_time": "Give a time of day such as 09:00 (24-hour clock).",
        "channel": "Pick a channel: its ID looks like C0123ABCD.",
        "timezone": "Give a timezone name such as Europe/Paris or America/New_York.",
        "owner_id": "Pick a person as the digest owner.",
        "editors": "Pick people as editors (not bob).",
    }
    assert digests.settings(ACME).send_day == "thu"
    with database.transaction() as session:
        assert session.execute(text("SELECT COUNT(*) FROM digest_settings")).scalar() == 0


def test_approval_needs_an_owner(digests: Digests) -> None:
    with pytest.raises(InvalidInput) as refused:
        digests.save_settings(ACME, change(approval=True), ADMIN)
    assert refused.value.problems == {
        "owner_id": "Pick an owner: with approval on, someone has to approve each digest."
    }
