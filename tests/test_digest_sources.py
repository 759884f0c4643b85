"""What other features contribute to the digest: the tracker's open issues that are urgent, high
priority or overdue, the shared metrics' week against their month's target, and the week's wins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import SectionBlock

from bot.blocks.digest import digest_message
from bot.db import Database
from bot.digest import (
    HEADLINE_MAX,
    SOURCE_CAP,
    DigestDefaults,
    DigestEntry,
    Digests,
    DigestSource,
    ItemDraft,
    Section,
)
from bot.digest_sources import FieldInsightsSource, MetricHighlights, TrackerHighlights, WinsOfTheWeek
from bot.fieldnotes import NoteDraft
from bot.issues import Card, IssueDraft, Priority
from bot.metrics import MetricDraft, MetricTeam, Rollup, Unit, ValueSource
from bot.people import Actor, Team
from bot.services import Services, build_services
from bot.wins import WinDraft, WinKind, WinsSettingsChange
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock
from tests.test_digest import query_plans, selects

ACME = WorkspaceKey("T0ACME")
GLOBEX = WorkspaceKey("T0GLOBEX")
ANA, BEN = "U0ANA", "U0BEN"
SAM, MIA, MAX, OLI = "U0SAM", "U0MIA", "U0MAX", "U0OLI"
ADMIN = Actor("U0BOSS", is_admin=True)
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


# The shared metrics' week


def metric_services(database: Database, clock: FixedClock, timezone: str = "America/New_York") -> Services:
    clock.now = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # Thursday 09:00 in New York: W48 is due
    return build_services(database, WorkspaceDefaults(timezone, None), clock)


def define(services: Services, *drafts: MetricDraft, key: WorkspaceKey = ACME) -> None:
    services.metrics.load_definitions(key, drafts, None)


def log(services: Services, name: str, values: dict[date, float | None], key: WorkspaceKey = ACME) -> None:
    for day, value in values.items():
        problem = "timed out after 20 s" if value is None else None
        source = ValueSource.QUERY if value is None else ValueSource.TYPED
        services.metrics.record_value(key, name, day, value, source=source, by=None, problem=problem)


def nov(day: int) -> date:
    return date(2026, 11, day)


LEADS = MetricDraft("leads", "Leads", Unit.COUNT, MetricTeam.MARKETING, Rollup.SUM, monthly_target=1200)
PIPELINE = MetricDraft(
    "pipeline", "Pipeline", Unit.CURRENCY, MetricTeam.SALES, Rollup.LATEST, "EUR", monthly_target=2_000_000
)
WIN_RATE = MetricDraft("win-rate", "Win rate", Unit.PERCENT, MetricTeam.SALES, Rollup.AVERAGE)
BOOKINGS = MetricDraft("bookings", "Bookings", Unit.CURRENCY, MetricTeam.SALES, Rollup.SUM, "USD")


def test_each_metric_shows_its_week_and_its_month_against_target(
    database: Database, clock: FixedClock
) -> None:
    services = metric_services(database, clock)
    define(services, LEADS, PIPELINE, WIN_RATE, BOOKINGS)
    # Week 48's digest (Thursday 26 November) reports Thursday 19 to Wednesday 25 November.
    week_leads = dict(zip([nov(d) for d in range(19, 26)], [40, 45, 50, 47, 44, 43, 43], strict=True))
    log(services, "leads", {nov(2): 700, nov(18): 8, **week_leads, nov(26): 500})
    log(services, "pipeline", {nov(16): 900_000, nov(20): 1_100_000, nov(24): 1_200_000, nov(25): None})
    log(services, "win-rate", {nov(10): 20, nov(23): 30, nov(24): 34})
    define(services, LEADS, key=GLOBEX)
    log(services, "leads", {nov(20): 30}, key=GLOBEX)
    week = services.digests.week(ACME, "2026-W48")

    [section] = MetricHighlights(services.metrics).contribute(ACME, week)

    assert (section.id, section.title, section.total) == ("metrics.week", "Shared metrics this week", 4)
    assert [entry.headline for entry in section.entries] == [
        "Leads: 312 this week · 1,020 of 1,200 for November, on track",
        "Pipeline: €1.2M at the end of the week · €1.2M of €2M for November, behind by 40%",
        "Win rate: 32% on average this week · 28% for November so far",
        "Bookings: nothing logged this week · nothing for November yet",
    ]
    assert all(e.link is None and e.owner is None and e.note == "" for e in section.entries)


def test_the_week_is_the_seven_local_days_before_the_send_date(database: Database, clock: FixedClock) -> None:
    services = metric_services(database, clock, "Pacific/Auckland")
    clock.now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # Thursday 3 December, 14:00 in Auckland
    define(services, LEADS)
    log(services, "leads", {nov(25): 1000, nov(26): 100, date(2026, 12, 1): 10, date(2026, 12, 2): 20})
    log(services, "leads", {date(2026, 12, 3): 5000})  # the send date itself: next week's
    week = services.digests.week(ACME, "2026-W49")
    assert (week.send_on, week.send_at) == (date(2026, 12, 3), datetime(2026, 12, 2, 20, 0, tzinfo=UTC))

    [section] = MetricHighlights(services.metrics).contribute(ACME, week)

    # The month to date runs through the week's last day (Wednesday 2 December): December's two days.
    assert [entry.headline for entry in section.entries] == [
        "Leads: 130 this week · 30 of 1,200 for December, behind by 61%, need 41/day"
    ]


def test_no_metrics_no_section(database: Database, clock: FixedClock) -> None:
    services = metric_services(database, clock)
    define(services, LEADS, key=GLOBEX)
    log(services, "leads", {nov(24): 40}, key=GLOBEX)
    highlights = MetricHighlights(services.metrics)
    week = services.digests.week(ACME, "2026-W48")
    assert highlights.contribute(ACME, week) == ()

    define(services, LEADS)
    log(services, "leads", {nov(24): 40})
    services.metrics.remove_definition(ACME, "leads", Actor(ANA, is_admin=True))
    assert highlights.contribute(ACME, week) == ()  # removed: its values are kept, not shown


def test_the_digest_shows_the_metrics_week_after_the_tracker(database: Database, clock: FixedClock) -> None:
    services = metric_services(database, clock)
    define(services, LEADS)
    log(services, "leads", {nov(2): 708, nov(24): 312})
    number = raise_issue(services, clock, "Leads from the webinar lack a company", Priority.URGENT)
    sources: list[DigestSource] = [
        TrackerHighlights(database, services.workspaces),
        MetricHighlights(services.metrics),
    ]
    digests = Digests(database, services.workspaces, clock, DigestDefaults(channel="C0SALES"), sources)

    composed = digests.compose(ACME, "2026-W48")

    assert [(s.id, [e.headline for e in s.entries]) for s in composed.sections] == [
        ("tracker.attention", [f"#{number} Leads from the webinar lack a company"]),
        ("metrics.week", ["Leads: 312 this week · 1,020 of 1,200 for November, on track"]),
    ]
    blocks = digest_message(composed).blocks
    texts = [b.text.text for b in blocks if isinstance(b, SectionBlock) and b.text is not None]
    assert "*Leads: 312 this week · 1,020 of 1,200 for November, on track*" in texts


# The week's wins


def wins_services(database: Database, clock: FixedClock) -> Services:
    services = build_services(database, WorkspaceDefaults("America/New_York", None), clock)
    services.people.set_team(ACME, ADMIN, [ANA, SAM], Team.SALES)
    services.people.set_team(ACME, ADMIN, [MIA, MAX], Team.MARKETING)
    services.wins.save_settings(ACME, WinsSettingsChange("C0WINSCH", "fri", "16:00", 100), ADMIN)
    return services


def celebrate(
    services: Services,
    clock: FixedClock,
    at: datetime,
    author: str,
    *thanked: str,
    text: str,
    kind: WinKind = WinKind.OTHER,
    account: str = "",
    key: WorkspaceKey = ACME,
) -> int:
    clock.now = at
    draft = WinDraft(text, thanked, kind, account)
    return services.wins.celebrate(
        key, Actor(author), draft, request_key=f"V0{at:%m%d%H%M%S}{text[:20]}"
    ).win.id


def new_york(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def test_each_win_of_the_seven_local_days_before_the_send_date_is_an_entry(
    database: Database, clock: FixedClock
) -> None:
    services = wins_services(database, clock)
    # Week 49's digest is due Thursday 3 December: it reports Thursday 26 November to Wednesday 2 December.
    celebrate(services, clock, new_york(11, 25, 23, 30), ANA, MIA, text="Wednesday night, last week's")
    deal = celebrate(
        services,
        clock,
        new_york(11, 26, 0, 10),
        ANA,
        MIA,
        MAX,
        text="Closed the 3-year deal\nthanks to the webinar",
        kind=WinKind.CLOSED_DEAL,
        account="Acme Corp",
    )
    permalink = "https://acme.slack.com/archives/C0WINSCH/p1764133800000100"
    services.wins.record_card(ACME, deal, "C0WINSCH", "1764133800.000100", permalink)
    celebrate(
        services, clock, new_york(11, 30, 12), MIA, OLI, text="Record webinar turnout " + "and more " * 30
    )
    celebrate(services, clock, new_york(12, 2, 23, 59), MAX, SAM, text="Case study signed off")
    celebrate(services, clock, new_york(12, 3, 0, 0), SAM, MIA, text="The send date: next week's")
    celebrate(services, clock, new_york(11, 30, 12), BEN, ANA, text="Globex's own", key=GLOBEX)
    week = services.digests.week(ACME, WEEK)

    [section] = WinsOfTheWeek(services.wins).contribute(ACME, week)

    assert (section.id, section.title, section.total) == ("wins.week", "Wins this week", 3)
    first, second, third = section.entries
    assert first == DigestEntry(
        headline="Closed deal · Acme Corp · Closed the 3-year deal thanks to the webinar",
        link=permalink,
        by=ANA,
        note="thanks to 2 people · Sales → Marketing",
    )
    assert second.headline == ("Record webinar turnout " + "and more " * 30)[:99].rstrip() + "…"
    assert (second.link, second.by, second.note) == (None, MIA, "thanks to 1 person")
    assert (third.headline, third.by, third.note) == (
        "Case study signed off",
        MAX,
        "thanks to 1 person · Marketing → Sales",
    )
    assert WinsOfTheWeek(services.wins).contribute(GLOBEX, week)[0].total == 1


def test_a_week_without_wins_contributes_nothing(database: Database, clock: FixedClock) -> None:
    services = wins_services(database, clock)
    celebrate(services, clock, new_york(11, 24, 12), ANA, MIA, text="Week 48's")

    assert WinsOfTheWeek(services.wins).contribute(ACME, services.digests.week(ACME, WEEK)) == ()


def test_at_most_a_source_cap_of_wins_is_handed_over_and_all_are_counted(
    database: Database, clock: FixedClock
) -> None:
    services = wins_services(database, clock)
    for n in range(SOURCE_CAP + 2):
        celebrate(
            services, clock, new_york(11, 27 + n % 2, 8) + timedelta(minutes=n), ANA, MIA, text=f"Win {n}"
        )

    [section] = WinsOfTheWeek(services.wins).contribute(ACME, services.digests.week(ACME, WEEK))

    assert (len(section.entries), section.total, section.not_included) == (SOURCE_CAP, SOURCE_CAP + 2, 2)
    # Oldest first: Friday's 51 wins (the even numbers), then Saturday's; the last two are left out.
    headlines = [entry.headline for entry in section.entries]
    assert headlines == [f"Win {n}" for n in range(0, SOURCE_CAP + 2, 2)] + [
        f"Win {n}" for n in range(1, 98, 2)
    ]


def test_the_digest_shows_the_weeks_wins_after_the_tracker(database: Database, clock: FixedClock) -> None:
    services = wins_services(database, clock)
    celebrate(
        services, clock, new_york(11, 30, 12), ANA, MIA, text="Closed <!channel> Acme", kind=WinKind.LAUNCH
    )
    number = raise_issue(services, clock, "Checkout is down", Priority.URGENT)
    sources: list[DigestSource] = [
        TrackerHighlights(database, services.workspaces),
        WinsOfTheWeek(services.wins),
    ]
    digests = Digests(database, services.workspaces, clock, DigestDefaults(channel="C0SALES"), sources)

    composed = digests.compose(ACME, WEEK)

    assert [(s.id, [e.headline for e in s.entries]) for s in composed.sections] == [
        ("tracker.attention", [f"#{number} Checkout is down"]),
        ("wins.week", ["Launch · Closed <!channel> Acme"]),
    ]
    blocks = digest_message(composed).blocks
    texts = [b.text.text for b in blocks if isinstance(b, SectionBlock) and b.text is not None]
    assert any(
        "*Launch · Closed &lt;!channel&gt; Acme*" in text and f"by <@{ANA}>" in text for text in texts
    ), texts


# The week's field insights


def note_at(
    services: Services,
    clock: FixedClock,
    at: datetime,
    account: str,
    key: WorkspaceKey = ACME,
    competitors: str = "",
    feedback: str = "",
) -> None:
    clock.now = at
    day = at.astimezone(ZoneInfo("America/New_York")).date()
    draft = NoteDraft(account, day, heard="Heard", competitors=competitors, feedback=feedback)
    services.fieldnotes.save(key, Actor(MIA), draft, request_key=f"V0F{at:%m%d%H%M%S}{account}")


def test_field_insights_of_the_seven_local_days_before_the_send_date(
    database: Database, clock: FixedClock
) -> None:
    services = wins_services(database, clock)
    # Week 49's digest is due Thursday 3 December: it reports Thursday 26 November to Wednesday 2 December.
    note_at(services, clock, new_york(11, 25, 23, 30), "Last week's", competitors="Hooli")
    note_at(
        services, clock, new_york(11, 26, 0, 10), "Acme Corp", competitors="Initech, Hooli", feedback="SSO"
    )
    note_at(services, clock, new_york(11, 30, 12), "Globex", competitors="initech", feedback="Exports\nslow")
    note_at(services, clock, new_york(12, 2, 23, 59), "acme corp")
    note_at(services, clock, new_york(12, 3, 0, 0), "Next week's", competitors="Hooli")
    note_at(services, clock, new_york(11, 30, 12), "Globex's own", key=GLOBEX)
    week = services.digests.week(ACME, WEEK)

    [section] = FieldInsightsSource(services.fieldnotes).contribute(ACME, week)

    assert (section.id, section.title, section.total) == ("fieldnotes.week", "Field insights", 4)
    assert section.entries == (
        DigestEntry("Accounts visited: acme corp (2), Globex (1)", note="3 notes from the field"),
        DigestEntry("Competitors mentioned most: initech (2), Hooli (1)"),
        DigestEntry("Product feedback · Globex: Exports slow"),
        DigestEntry("Product feedback · Acme Corp: SSO"),
    )
    [other] = FieldInsightsSource(services.fieldnotes).contribute(GLOBEX, week)
    assert other.entries[0] == DigestEntry("Accounts visited: Globex's own (1)", note="1 note from the field")
    assert len(other.entries) == 1  # no competitors, no feedback: no lines for them


def test_a_week_without_field_notes_contributes_nothing(database: Database, clock: FixedClock) -> None:
    services = wins_services(database, clock)
    note_at(services, clock, new_york(11, 24, 12), "Week 48's")

    assert FieldInsightsSource(services.fieldnotes).contribute(ACME, services.digests.week(ACME, WEEK)) == ()


def test_many_accounts_are_named_up_to_a_headlines_length(database: Database, clock: FixedClock) -> None:
    services = wins_services(database, clock)
    for n in range(12):
        note_at(services, clock, new_york(11, 27, 8, n), f"Account {n:02d}", competitors=f"Rival {n:02d}")

    [section] = FieldInsightsSource(services.fieldnotes).contribute(ACME, services.digests.week(ACME, WEEK))

    accounts, competitors = (entry.headline for entry in section.entries)
    # Equal counts: by name; as many named as a headline holds (at most eight), the rest counted.
    assert accounts == (
        "Accounts visited: " + ", ".join(f"Account {n:02d} (1)" for n in range(7)) + " and 5 more"
    )
    assert competitors == (
        "Competitors mentioned most: " + ", ".join(f"Rival {n:02d} (1)" for n in range(8)) + " and 4 more"
    )
    assert max(len(accounts), len(competitors)) <= HEADLINE_MAX


def test_the_digest_shows_field_insights(database: Database, clock: FixedClock) -> None:
    services = wins_services(database, clock)
    note_at(services, clock, new_york(11, 30, 12), "<!channel> Corp", feedback="Wants *SSO*")
    sources: list[DigestSource] = [FieldInsightsSource(services.fieldnotes)]
    digests = Digests(database, services.workspaces, clock, DigestDefaults(channel="C0SALES"), sources)

    composed = digests.compose(ACME, WEEK)

    assert [(s.id, [e.headline for e in s.entries]) for s in composed.sections] == [
        (
            "fieldnotes.week",
            ["Accounts visited: <!channel> Corp (1)", "Product feedback · <!channel> Corp: Wants *SSO*"],
        ),
    ]
    blocks = digest_message(composed).blocks
    texts = " ".join(b.text.text for b in blocks if isinstance(b, SectionBlock) and b.text is not None)
    assert "Field insights" in texts
    assert "<!channel>" not in texts
