"""The field-note form over real HTTP: opened by `/fieldnote` alone (today in the person's timezone,
the author among who went), a full note whose follow-ups become tracker issues with their cards, each
bad input shown under its field with nothing stored, and a double submit stored and posted once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.fieldnotes import FOLLOW_UPS_MAX, TEXT_MAX
from bot.models import Issue
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, TRACKER, Scene, Tandem
from tests.scenario.messages import posts_in, said
from tests.scenario.test_fieldnote_command import (
    FIELD,
    FIELD_SCENE,
    answered,
    cards,
    fieldnote,
    follow_ups,
    stored,
)

FILLED: dict[str, dict[str, Any]] = {
    "fieldnotes.form.account": {"value": {"value": "Acme Corp"}},
    "fieldnotes.form.visited_on": {"value": "2026-11-23"},
    "fieldnotes.form.kind": {"value": "ride_along"},
    "fieldnotes.form.went": {"value": [ANA, BEN]},
    "fieldnotes.form.met": {"value": {"value": "Jane Doe (CTO)"}},
    "fieldnotes.form.heard": {"value": {"value": "They need SSO before renewing in March"}},
    "fieldnotes.form.competitors": {"value": {"value": "Initech, Globex"}},
    "fieldnotes.form.feedback": {"value": {"value": "The admin console is slow"}},
    "fieldnotes.form.follow_ups": {"value": {"value": "Send the SSO roadmap\n\nBook a security review"}},
    "fieldnotes.form.to_tracker": {"value": ["on"]},
    "fieldnotes.form.owner": {"value": BEN},
}


@pytest.fixture
def scene() -> Scene:
    return FIELD_SCENE


def opened_form(tandem: Tandem, count: int = 1) -> dict[str, Any]:
    opened = tandem.slack.wait_for("views.open", count=count)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    assert view["callback_id"] == "fieldnotes.form"
    return view


def form_by_command(tandem: Tandem, by: str = ANA) -> dict[str, Any]:
    before = len(tandem.slack.calls_to("views.open"))
    answer = fieldnote(tandem, "", by=by)
    assert (answer.status, answer.body) == (200, b"")
    return opened_form(tandem, before + 1)


def submit(tandem: Tandem, view: dict[str, Any], values: dict[str, Any], by: str = ANA) -> Any:
    answer = tandem.send(tandem.requests.view_submission(view, values, user_id=by))
    assert answer.status == 200
    return answer.json() if answer.body else None


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    [found] = [b["element"] for b in view["blocks"] if b.get("block_id") == block_id]
    return dict(found)


def issues(tandem: Tandem) -> list[Issue]:
    with tandem.database.transaction() as session:
        rows = list(session.scalars(select(Issue).order_by(Issue.number)))
        session.expunge_all()
        return rows


def test_the_form_opens_on_the_persons_today_with_them_among_who_went(
    tandem: Tandem, clock: FixedClock
) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)  # 00:30 on the 25th in Paris, still the 24th in London

    ana = form_by_command(tandem, by=ANA)
    ben = form_by_command(tandem, by=BEN)

    assert element(ana, "fieldnotes.form.visited_on")["initial_date"] == "2026-11-25"
    assert element(ben, "fieldnotes.form.visited_on")["initial_date"] == "2026-11-24"
    assert element(ana, "fieldnotes.form.went")["initial_users"] == [ANA]


def test_a_full_note_raises_its_follow_ups_and_its_card_links_them(tandem: Tandem) -> None:
    view = form_by_command(tandem)

    assert submit(tandem, view, FILLED) is None  # the form closes

    confirmation = answered(tandem)
    # Each follow-up is a tracker issue, owned as chosen, linked to the account and the note.
    raised = issues(tandem)
    assert [(i.number, i.title, i.owner_id, i.raised_by) for i in raised] == [
        (1, "Send the SSO roadmap", BEN, ANA),
        (2, "Book a security review", BEN, ANA),
    ]
    assert all("Acme Corp" in i.details for i in raised)
    # Their cards are in the tracker channel, posted before the note's card.
    tracker_cards = posts_in(tandem.slack, TRACKER)
    assert [c["ts"] for c in tracker_cards] == [i.card_ts for i in raised]
    assert "#1" in said(tracker_cards[0])
    assert "Send the SSO roadmap" in said(tracker_cards[0])
    [card] = cards(tandem)
    shown = said(card)
    assert ":car: Ride-along with sales · *Acme Corp* · Mon, Nov 23" in shown
    assert f"*Went:* <@{ANA}>, <@{BEN}>" in shown
    assert "Jane Doe (CTO)" in shown
    assert "They need SSO before renewing in March" in shown
    assert "Initech, Globex" in shown
    assert "The admin console is slow" in shown
    # Each follow-up links to its issue's card.
    assert f"Send the SSO roadmap → <{raised[0].card_permalink}|#1>" in shown
    assert f"Book a security review → <{raised[1].card_permalink}|#2>" in shown
    assert [row.issue_number for row in follow_ups(tandem)] == [1, 2]
    # The author hears where it went and which issues it raised, only them.
    assert confirmation["response_type"] == "ephemeral"
    assert f"<#{FIELD}>" in confirmation["text"]
    assert "#1" in confirmation["text"]
    assert "#2" in confirmation["text"]
    [row] = stored(tandem)
    assert (row.account, row.kind, row.visited_on.isoformat(), row.request_key) == (
        "Acme Corp",
        "ride_along",
        "2026-11-23",
        view["id"],
    )
    assert (row.card_channel, row.card_ts) == (FIELD, card["ts"])


def test_follow_ups_not_marked_for_the_tracker_stay_on_the_note(tandem: Tandem) -> None:
    view = form_by_command(tandem)

    submit(tandem, view, {**FILLED, "fieldnotes.form.to_tracker": {"value": []}})

    answered(tandem)
    assert issues(tandem) == []
    assert posts_in(tandem.slack, TRACKER) == []
    shown = said(cards(tandem)[0])
    assert "Send the SSO roadmap" in shown
    assert "#1" not in shown
    assert [(row.text, row.to_tracker, row.issue_number) for row in follow_ups(tandem)] == [
        ("Send the SSO roadmap", False, None),
        ("Book a security review", False, None),
    ]


def _nothing_heard() -> dict[str, Any]:
    return {
        **FILLED,
        "fieldnotes.form.heard": {"value": {"value": ""}},
        "fieldnotes.form.competitors": {"value": {"value": ""}},
        "fieldnotes.form.feedback": {"value": {"value": ""}},
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fieldnotes.form.visited_on": {"value": "2026-11-25"}}, "visited_on"),
        ({"fieldnotes.form.account": {"value": {"value": "   "}}}, "account"),
        ({"fieldnotes.form.heard": {"value": {"value": "x" * (TEXT_MAX + 1)}}}, "heard"),
        ({"fieldnotes.form.feedback": {"value": {"value": "x" * (TEXT_MAX + 1)}}}, "feedback"),
        ({"fieldnotes.form.account": {"value": {"value": "A" * 101}}}, "account"),
        (
            {
                "fieldnotes.form.follow_ups": {
                    "value": {"value": "\n".join(f"Do {n}" for n in range(FOLLOW_UPS_MAX + 1))}
                }
            },
            "follow_ups",
        ),
        ({"fieldnotes.form.follow_ups": {"value": {"value": "x" * 121}}}, "follow_ups"),
    ],
    ids=[
        "future-date",
        "account-of-spaces",
        "heard-too-long",
        "feedback-too-long",
        "account-too-long",
        "too-many-follow-ups",
        "follow-up-too-long",
    ],
)
def test_a_problem_shows_under_its_field_and_nothing_is_stored(
    tandem: Tandem, change: dict[str, Any], field: str
) -> None:
    view = form_by_command(tandem)

    refusal = submit(tandem, view, {**FILLED, **change})

    assert refusal["response_action"] == "errors"
    assert list(refusal["errors"]) == [f"fieldnotes.form.{field}"]
    assert refusal["errors"][f"fieldnotes.form.{field}"]  # a sentence to read
    assert stored(tandem) == []
    assert issues(tandem) == []
    assert tandem.slack.calls_to("chat.postMessage") == []
    assert tandem.slack.responses == []


def test_an_empty_note_is_refused_under_what_we_heard(tandem: Tandem) -> None:
    view = form_by_command(tandem)

    refusal = submit(tandem, view, _nothing_heard())

    assert refusal["response_action"] == "errors"
    assert "fieldnotes.form.heard" in refusal["errors"]
    assert stored(tandem) == []
    assert issues(tandem) == []


def test_a_date_in_the_persons_future_is_refused_even_if_the_workspace_is_there(
    tandem: Tandem, clock: FixedClock
) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)  # the 25th in Paris, the 24th for Ben in London
    view = form_by_command(tandem, by=BEN)

    refusal = submit(tandem, view, {**FILLED, "fieldnotes.form.visited_on": {"value": "2026-11-25"}}, by=BEN)

    assert list(refusal["errors"]) == ["fieldnotes.form.visited_on"]
    assert stored(tandem) == []


def test_a_double_submit_stores_and_posts_once(tandem: Tandem, clock: FixedClock) -> None:
    view = form_by_command(tandem)
    request = tandem.requests.view_submission(view, FILLED, user_id=ANA)

    first = tandem.send(request)
    answered(tandem)
    clock.now += timedelta(seconds=2)
    second = tandem.send(request)
    answered(tandem, 2)

    assert (first.status, second.status) == (200, 200)
    assert len(stored(tandem)) == 1
    assert len(cards(tandem)) == 1
    assert len(issues(tandem)) == 2
    assert len(posts_in(tandem.slack, TRACKER)) == 2
