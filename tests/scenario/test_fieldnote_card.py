"""A field note's card over real HTTP: Details opens the whole note; Edit opens the form prefilled for
its author within 7 days and for admins always, and saving redraws the card; others, and the author
after a week, are refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, TRACKER, Scene, Tandem
from tests.scenario.messages import posts_in, said, texts
from tests.scenario.test_fieldnote_command import ADA, FIELD, FIELD_SCENE, answered, asked, cards, stored
from tests.scenario.test_fieldnote_form import FILLED, form_by_command, issues, submit


@pytest.fixture
def scene() -> Scene:
    return FIELD_SCENE


def the_card(tandem: Tandem) -> dict[str, Any]:
    [card] = cards(tandem)
    return card


def click(tandem: Tandem, action_id: str, by: str) -> None:
    """Click the card's Details or Edit button."""
    card = the_card(tandem)
    [button] = [
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    ]
    action = {"action_id": action_id, "value": button["value"]}
    answer = tandem.send(tandem.requests.block_actions([action], user_id=by, message=card, channel_id=FIELD))
    assert (answer.status, answer.body) == (200, b"")


def opened(tandem: Tandem, count: int) -> dict[str, Any]:
    call = tandem.slack.wait_for("views.open", count=count)[-1]
    assert call.ok, call.response
    view: dict[str, Any] = call.response["view"]
    return view


def initial(view: dict[str, Any], block_id: str) -> Any:
    [element] = [b["element"] for b in view["blocks"] if b.get("block_id") == block_id]
    return {k: v for k, v in element.items() if k.startswith("initial_")}


def a_full_note(tandem: Tandem) -> None:
    submit(tandem, form_by_command(tandem), FILLED)
    answered(tandem)


# Details


def test_details_shows_the_whole_note_to_anyone(tandem: Tandem) -> None:
    long_heard = "They need SSO before renewing in March. " + "More detail. " * 100
    submit(
        tandem, form_by_command(tandem), {**FILLED, "fieldnotes.form.heard": {"value": {"value": long_heard}}}
    )
    answered(tandem)
    assert long_heard.strip() not in said(the_card(tandem))  # the card shows an excerpt

    click(tandem, "fieldnotes.details", by=BEN)

    details = opened(tandem, 2)
    assert details["callback_id"] == "fieldnotes.details_view"
    shown = texts(details)
    assert "Ride-along with sales" in shown
    assert "Acme Corp" in shown
    assert "Jane Doe (CTO)" in shown
    assert "".join(long_heard.split()) in "".join(shown.split())  # in full, whatever the sections
    assert "Send the SSO roadmap → #1" in shown
    permalink = stored(tandem)[0].card_permalink
    assert permalink is not None
    assert permalink in shown


# Edit


@pytest.mark.parametrize("editor", [ANA, ADA], ids=["author", "admin"])
def test_the_author_or_an_admin_edits_and_the_card_follows(tandem: Tandem, editor: str) -> None:
    a_full_note(tandem)

    click(tandem, "fieldnotes.edit", by=editor)

    form = opened(tandem, 2)
    assert form["callback_id"] == "fieldnotes.form"
    assert initial(form, "fieldnotes.form.account") == {"initial_value": "Acme Corp"}
    assert initial(form, "fieldnotes.form.visited_on") == {"initial_date": "2026-11-23"}
    assert initial(form, "fieldnotes.form.went") == {"initial_users": [ANA, BEN]}
    edited = {
        **FILLED,
        "fieldnotes.form.heard": {"value": {"value": "They need SSO and SCIM before March"}},
        "fieldnotes.form.follow_ups": {"value": {"value": "Send the SSO roadmap\nBook a security review"}},
    }

    assert submit(tandem, form, edited, by=editor) is None

    done = answered(tandem, 2)
    [update] = tandem.slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (FIELD, the_card(tandem)["ts"])
    shown = said(the_card(tandem))
    assert "They need SSO and SCIM before March" in shown
    assert "edited" in shown
    assert f"Logged by <@{ANA}>" in shown  # still Ana's note
    assert "updated" in done["text"]
    assert done["response_type"] == "ephemeral"
    [row] = stored(tandem)
    assert row.heard == "They need SSO and SCIM before March"
    assert row.author_id == ANA
    assert len(cards(tandem)) == 1  # redrawn, never posted again
    assert len(issues(tandem)) == 2  # the follow-ups raised once


def test_a_follow_up_added_by_an_edit_becomes_an_issue_with_its_card(tandem: Tandem) -> None:
    a_full_note(tandem)
    click(tandem, "fieldnotes.edit", by=ANA)
    form = opened(tandem, 2)
    lines = "Send the SSO roadmap\nBook a security review\nInvite them to the beta"

    submit(tandem, form, {**FILLED, "fieldnotes.form.follow_ups": {"value": {"value": lines}}})

    answered(tandem, 2)
    tandem.slack.wait_for("chat.update")
    assert [i.title for i in issues(tandem)] == [
        "Send the SSO roadmap",
        "Book a security review",
        "Invite them to the beta",
    ]
    assert len(posts_in(tandem.slack, TRACKER)) == 3
    third = issues(tandem)[2]
    assert f"Invite them to the beta → <{third.card_permalink}|#3>" in said(the_card(tandem))


def test_someone_else_is_refused_and_nothing_changes(tandem: Tandem) -> None:
    a_full_note(tandem)

    click(tandem, "fieldnotes.edit", by=BEN)

    [refusal] = [r for r in tandem.slack.wait_for("response_url", count=2)[1:]]
    assert refusal.args["response_type"] == "ephemeral"
    assert refusal.args.get("replace_original") is False
    assert "Only the note's author" in refusal.args["text"]
    assert len(tandem.slack.calls_to("views.open")) == 1  # only the form it was logged with


def test_the_author_is_refused_after_a_week_but_an_admin_still_edits(
    tandem: Tandem, clock: FixedClock
) -> None:
    a_full_note(tandem)
    clock.now += timedelta(days=7, minutes=1)

    click(tandem, "fieldnotes.edit", by=ANA)
    refusal = answered(tandem, 2)
    click(tandem, "fieldnotes.edit", by=ADA)
    form = opened(tandem, 2)

    assert "7 days" in refusal["text"]
    assert form["callback_id"] == "fieldnotes.form"


def test_an_edit_form_submitted_too_late_is_refused_under_its_fields(
    tandem: Tandem, clock: FixedClock
) -> None:
    a_full_note(tandem)
    click(tandem, "fieldnotes.edit", by=ANA)
    form = opened(tandem, 2)
    clock.now += timedelta(days=8)  # the form stayed open

    refusal = submit(tandem, form, {**FILLED, "fieldnotes.form.heard": {"value": {"value": "changed"}}})

    assert refusal["response_action"] == "errors"
    assert stored(tandem)[0].heard == "They need SSO before renewing in March"
    assert tandem.slack.calls_to("chat.update") == []


def test_an_edit_with_a_problem_shows_it_under_its_field(tandem: Tandem) -> None:
    a_full_note(tandem)
    click(tandem, "fieldnotes.edit", by=ANA)
    form = opened(tandem, 2)

    refusal = submit(tandem, form, {**FILLED, "fieldnotes.form.visited_on": {"value": "2026-12-01"}})

    assert list(refusal["errors"]) == ["fieldnotes.form.visited_on"]
    assert stored(tandem)[0].visited_on.isoformat() == "2026-11-23"


def test_a_quick_note_can_be_edited_into_a_full_one(tandem: Tandem) -> None:
    asked(tandem, "Acme Corp: they want SSO")
    click(tandem, "fieldnotes.edit", by=ANA)
    form = opened(tandem, 1)
    assert initial(form, "fieldnotes.form.heard") == {"initial_value": "they want SSO"}

    submit(tandem, form, FILLED)

    answered(tandem, 2)
    tandem.slack.wait_for("chat.update")
    assert "Ride-along with sales" in said(the_card(tandem))
    assert len(issues(tandem)) == 2
