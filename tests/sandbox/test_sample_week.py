"""The sandbox's sample week, played through Tandem over real HTTP as people would: what is stored and what
each channel shows afterwards, every Slack call answered and within Slack's contract, the same week each
time, a step that fails stopping the week loudly, and every step in working hours whatever the week."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.models import (
    DigestItemRow,
    DigestRow,
    FieldNoteFollowUpRow,
    FieldNoteRow,
    Issue,
    MetricRow,
    MetricValueRow,
    Person,
    WinRow,
)
from bot.sandbox import workspace
from bot.sandbox.sample_week import WEEK, At, SampleWeekFailed, Week, play_sample_week
from bot.sandbox.sandbox import KEPT_CALLS, Sandbox, SandboxOptions
from tests.contract.checks import contract_breaches

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)  # where a sandbox started that week stops
ANA, BEN, CHLOE, MAYA, RAJ, TOM = (workspace.ANA, workspace.BEN, workspace.CHLOE, workspace.MAYA,
                                   workspace.RAJ, workspace.TOM)  # fmt: skip


def start(directory: Path, *, sample_week: bool = True) -> Sandbox:
    options = SandboxOptions(
        directory=directory, port=0, sample_week=sample_week, start_at=lambda wall, zone: WEDNESDAY
    )
    return Sandbox(options).start()


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A new sandbox, its sample week played up to Wednesday 08:00."""
    sandbox = start(tmp_path_factory.mktemp("sample-week"))
    try:
        yield sandbox
    finally:
        sandbox.stop()


def rows(sandbox: Sandbox, model: Any) -> list[Any]:
    with sandbox.services.database.transaction() as session:
        found = list(session.scalars(select(model).order_by(model.id)))
        session.expunge_all()
        return found


def posts(sandbox: Sandbox, channel: str) -> list[dict[str, Any]]:
    """Tandem's top-level posts in a channel, oldest first."""
    return [
        m
        for m in sandbox.slack.messages(channel)
        if m.get("bot_id") and m.get("thread_ts", m["ts"]) == m["ts"]
    ]


def posted_at(message: dict[str, Any]) -> datetime:
    """When a message was posted, to the minute (the sandbox's clock flows on while Tandem works)."""
    return datetime.fromtimestamp(float(message["ts"]), LONDON).replace(second=0, microsecond=0)


def shown(message: dict[str, Any]) -> str:
    """Everything a message says: its text, then every text in its blocks."""
    return "\n".join([message.get("text", ""), *texts_in(message.get("blocks") or [])])


def texts_in(found: Any) -> list[str]:
    if isinstance(found, dict):
        own = [found["text"]] if isinstance(found.get("text"), str) else []
        return own + [t for value in found.values() for t in texts_in(value)]
    if isinstance(found, list):
        return [t for value in found for t in texts_in(value)]
    return []


# What is stored


def test_the_issues_have_owners_statuses_and_one_is_overdue(played: Sandbox) -> None:
    issues = rows(played, Issue)

    assert [(i.number, i.title, i.raised_by, i.owner_id, i.status) for i in issues] == [
        (1, "Pricing page still shows last year's enterprise tiers", ANA, CHLOE, "in_progress"),
        (2, "Webinar leads not reaching CRM for 2 days", RAJ, BEN, "resolved"),
        (3, "Umbrella Health needs a HIPAA one-pager before its security review", ANA, CHLOE, "open"),
        (4, "Send the SAP connector roadmap to Dana", TOM, ANA, "open"),
        (5, "Set up a reference call between Stark and Initech", TOM, ANA, "open"),
        (6, "Hooli battlecard still quotes their old pricing", MAYA, TOM, "open"),
        (7, "Initech procurement needs our SOC 2 report and a DPA before signing", ANA, CHLOE, "open"),
        (8, "Demo environment resets every night and loses prospect data", RAJ, None, "open"),
    ]
    # Teams were mapped from the user groups before anyone raised anything.
    teams = ["sales", "sales", "sales", "marketing", "marketing", "sales", "sales", "sales"]
    assert [i.raised_by_team for i in issues] == teams
    overdue = [i.number for i in issues if i.is_open and i.due_on and i.due_on < WEDNESDAY.date()]
    assert overdue == [6]
    assert issues[5].due_on == date(2026, 11, 23)
    assert issues[2].due_on == WEDNESDAY.date()  # the HIPAA one-pager is due today, not late yet
    assert issues[0].comment_count == 1  # Ana's reply in the card's thread
    assert all(i.card_ts for i in issues)
    assert {p.user_id: p.team for p in rows(played, Person)} == {p.user_id: p.team for p in workspace.PEOPLE}


def test_digest_items_went_out_on_thursday_and_fill_the_next_one(played: Sandbox) -> None:
    items = rows(played, DigestItemRow)

    by_week: dict[str, list[tuple[str, str]]] = {}
    for item in items:
        by_week.setdefault(item.week, []).append((item.section, item.author_id))
    assert by_week == {
        "2026-W47": [("product_news", CHLOE), ("other", TOM), ("competitor", BEN), ("sales_content", CHLOE)],
        "2026-W48": [("event", CHLOE), ("other", BEN), ("key_issue", CHLOE), ("campaign", BEN)],
    }
    [sent] = rows(played, DigestRow)
    assert (sent.week, sent.status, sent.channel) == ("2026-W47", "sent", workspace.SALES)


def test_wins_thank_people_across_teams_and_one_has_a_value(played: Sandbox) -> None:
    wins = rows(played, WinRow)

    assert [(w.author_id, w.account, w.amount, w.currency) for w in wins] == [
        (ANA, "", None, None),
        (RAJ, "", None, None),
        (MAYA, "Umbrella Health", 180_000.0, "USD"),
        (ANA, "", None, None),
        (TOM, "", None, None),
    ]
    assert wins[0].text.startswith("Globex renewed for 3 years, $240k ARR!")
    assert all(w.card_ts for w in wins)


def test_field_notes_and_the_follow_ups_that_became_issues(played: Sandbox) -> None:
    notes = rows(played, FieldNoteRow)

    assert [(n.author_id, n.account) for n in notes] == [
        (CHLOE, "Initech"),
        (TOM, "Stark Logistics"),
        (TOM, "Umbrella Health"),
        (TOM, "Globex"),
    ]
    stark = notes[1]
    assert (stark.kind, stark.went, stark.visited_on) == (
        "customer_visit",
        f"{TOM},{ANA}",
        date(2026, 11, 19),
    )
    assert "Hooli" in stark.competitors
    follow_ups = rows(played, FieldNoteFollowUpRow)
    assert [(f.note_id, f.to_tracker, f.owner_id, f.issue_number) for f in follow_ups] == [
        (stark.id, True, ANA, 4),
        (stark.id, True, ANA, 5),
    ]


def test_metrics_have_targets_two_months_of_history_and_the_weeks_values(played: Sandbox) -> None:
    metrics = played.services.metrics.definitions(played.key)
    assert [(m.name, m.team.value, m.unit.value) for m in metrics] == [
        ("leads", "marketing", "count"),
        ("mql", "marketing", "count"),
        ("meetings", "sales", "count"),
        ("pipeline", "sales", "currency"),
        ("win-rate", "shared", "percent"),
    ]
    assert all(m.target_for("2026-11") and m.target_for("2026-Q4") for m in metrics)
    names = {m.id: m.name for m in rows(played, MetricRow)}
    values = rows(played, MetricValueRow)
    days = {name: sorted(v.day for v in values if names[v.metric_id] == name) for name in names.values()}
    # Sixty days before the week, then each day of the week up to yesterday.
    assert days["leads"][0] == date(2026, 9, 19)
    assert days["leads"][-1] == date(2026, 11, 24)
    assert len(days["leads"]) == 67
    assert all(d.weekday() < 5 for d in days["pipeline"] + days["meetings"] + days["win-rate"])
    typed = {(names[v.metric_id], v.day, v.value, v.logged_by) for v in values if v.source == "typed"}
    assert typed == {
        ("meetings", date(2026, 11, 18), 5, RAJ),
        ("meetings", date(2026, 11, 19), 7, RAJ),
        ("meetings", date(2026, 11, 20), 4, RAJ),
        ("meetings", date(2026, 11, 23), 6, RAJ),
        ("meetings", date(2026, 11, 24), 3, RAJ),
        ("leads", date(2026, 11, 16), 52, BEN),  # the webinar leads the CRM had missed
        ("leads", date(2026, 11, 17), 47, BEN),
    }


# What each channel shows


def test_the_tracker_has_a_card_for_every_issue(played: Sandbox) -> None:
    cards = posts(played, workspace.TRACKER)

    assert [c["ts"] for c in cards] == [i.card_ts for i in rows(played, Issue)]
    assert "#2 Webinar leads not reaching CRM for 2 days" in shown(cards[1])
    assert "Resolved" in shown(cards[1])


def test_sales_got_thursdays_digest_with_what_marketing_added(played: Sandbox) -> None:
    [digest] = posts(played, workspace.SALES)

    said = shown(digest)
    assert "Thursday digest" in said
    for headline in (
        "Analytics Pro is generally available",
        "Hooli cut list prices 15% on multi-year deals",
        "New case study: Stark Logistics onboarded 32% faster",
        "RetailTech Live in Chicago next month",
    ):
        assert headline in said
    assert "Customer roundtable" not in said  # added after it went: next week's
    assert posted_at(digest) == datetime(2026, 11, 19, 9, 0, tzinfo=LONDON)


def test_metrics_has_each_working_mornings_snapshot_with_its_chart(played: Sandbox) -> None:
    snapshots = posts(played, workspace.METRICS)

    posted = [posted_at(s).date() for s in snapshots]
    assert posted == [date(2026, 11, d) for d in (18, 19, 20, 23, 24)]
    assert all(len(s["files"]) == 1 and s["files"][0]["name"].endswith(".png") for s in snapshots)
    assert "Shared metrics · Tue, Nov 24" in shown(snapshots[-1])


def test_wins_has_every_win_and_fridays_recap(played: Sandbox) -> None:
    wins = posts(played, workspace.WINS)

    assert [w["ts"] for w in wins if "celebrated a win" in w["text"]] == [
        w.card_ts for w in rows(played, WinRow)
    ]
    [recap] = [w for w in wins if "Wins of the week" in w["text"]]
    assert "3 wins" in recap["text"]
    assert posted_at(recap) == datetime(2026, 11, 20, 16, 0, tzinfo=LONDON)


def test_field_notes_has_a_card_for_every_note(played: Sandbox) -> None:
    cards = posts(played, workspace.FIELD_NOTES)

    assert [c["ts"] for c in cards] == [n.card_ts for n in rows(played, FieldNoteRow)]


def test_slack_answered_every_call_and_each_keeps_slacks_contract(played: Sandbox) -> None:
    calls = played.slack.calls

    assert len(calls) < KEPT_CALLS  # none forgotten: every call of the week is judged here
    assert [(c.method, c.error) for c in calls if not c.ok] == []
    breaches = contract_breaches(calls)
    assert breaches == []


def test_the_week_is_the_same_every_time(played: Sandbox, tmp_path: Path) -> None:
    again = start(tmp_path / "again")
    try:
        assert summary(again) == summary(played)
    finally:
        again.stop()


def summary(sandbox: Sandbox) -> dict[str, Any]:
    """What people see and what is stored, to the minute: the sandbox's clock flows on while Tandem
    works, so timestamps (in ts, links and dates shown) carry the second or two each step took."""

    def steady(text: str) -> str:
        text = re.sub(r"\d{10}\.\d{6}|p\d{16}", "…", text)
        return re.sub(r"<!date\^(\d+)\^", lambda m: f"<!date^{int(m[1]) // 60}m^", text)

    channels = [c for c, _, _ in workspace.CHANNELS]
    return {
        "messages": {c: [steady(shown(m)) for m in sandbox.slack.messages(c)] for c in channels},
        "issues": [(i.number, i.title, i.owner_id, i.status, i.due_on) for i in rows(sandbox, Issue)],
        "items": [(d.week, d.section, d.headline) for d in rows(sandbox, DigestItemRow)],
        "wins": [(w.author_id, w.text, w.amount) for w in rows(sandbox, WinRow)],
        "notes": [(n.account, n.heard) for n in rows(sandbox, FieldNoteRow)],
        "values": [(v.metric_id, v.day, v.value, v.source) for v in rows(sandbox, MetricValueRow)],
    }


# A broken week fails loudly


def test_a_step_that_fails_stops_the_week_naming_the_step(tmp_path: Path) -> None:
    sandbox = start(tmp_path / "broken", sample_week=False)
    try:
        sandbox.slack.fail_next("chat.postMessage", error="channel_not_found")  # the first card can't post

        with pytest.raises(SampleWeekFailed) as failed:
            play_sample_week(sandbox, sandbox.now() + timedelta(days=7))

        message = str(failed.value)
        assert (
            "Wed 11:20, Ana García: /issue Pricing page still shows last year's enterprise tiers" in message
        )
        assert "#1 has no card in the tracker channel" in message
        assert rows(sandbox, WinRow) == []  # nothing after it was played
    finally:
        sandbox.stop()


# Whatever week it is


def test_the_week_as_written_lands_on_its_own_days_and_times() -> None:
    week = Week(WEDNESDAY - timedelta(days=7), WEDNESDAY, LONDON)

    for step in WEEK:
        written = WEDNESDAY.date() - timedelta(days=7 - step.at.day)
        assert week.moment(step.at) == datetime.combine(written, step.at.time, tzinfo=LONDON)


@pytest.mark.parametrize("hours", range(0, 24 * 14, 7))
def test_any_week_keeps_the_steps_in_order_and_in_working_hours(hours: int) -> None:
    # Fortnights around the clocks' change in March and October, starting at every seventh hour.
    for first in (datetime(2026, 3, 20, tzinfo=LONDON), datetime(2026, 10, 16, tzinfo=LONDON)):
        until = first + timedelta(hours=hours)
        week = Week(until - timedelta(days=7), until, LONDON)

        moments = [week.moment(step.at) for step in WEEK]

        assert moments == sorted(set(moments))
        assert week.start < moments[0]
        assert moments[-1] < until
        for moment in moments:
            local = moment.astimezone(LONDON)
            assert local.weekday() < 5, local
            assert time(9) <= local.time() < time(17, 30), local


def test_the_written_week_is_in_working_hours() -> None:
    for step in WEEK:
        weekday = (2 + step.at.day) % 7
        assert weekday < 5, step
        assert time(9) <= step.at.time < time(17, 30), step
        assert step.at.day > 0 or step.at.time > time(8), step
        assert step.at.day < 7 or step.at.time < time(8), step
    assert At(0, "08:00").working_minutes() == 0
