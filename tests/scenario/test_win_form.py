"""The win form over real HTTP: opened by `/win` alone or by "Celebrate as a win" on a message
(prefilled and linked), problems shown under their fields with nothing stored, people outside the
workspace and the daily limit refused there too, and a double submit posted once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scenario.conftest import ANA, BEN, Scene, Tandem
from tests.scenario.messages import said
from tests.scenario.test_win_command import (
    CAT,
    OUTSIDER,
    WINS,
    WINS_SCENE,
    answered,
    card_shown,
    cards,
    set_daily_cap,
    stored,
    thanked,
    win,
)

FILLED: dict[str, dict[str, Any]] = {
    "wins.form.text": {"value": {"value": "Acme signed for three years"}},
    "wins.form.thanked": {"value": [BEN, CAT]},
    "wins.form.kind": {"value": "closed_deal"},
    "wins.form.account": {"value": {"value": "Acme Corp"}},
    "wins.form.amount": {"value": {"value": "120k"}},
    "wins.form.currency": {"value": "EUR"},
}


@pytest.fixture
def scene() -> Scene:
    return WINS_SCENE


def opened_form(tandem: Tandem, count: int = 1) -> dict[str, Any]:
    opened = tandem.slack.wait_for("views.open", count=count)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    assert view["callback_id"] == "wins.form"
    return view


def form_by_command(tandem: Tandem, by: str = ANA) -> dict[str, Any]:
    answer = win(tandem, "", by=by)
    assert (answer.status, answer.body) == (200, b"")
    return opened_form(tandem)


def submit(tandem: Tandem, view: dict[str, Any], values: dict[str, Any], by: str = ANA) -> Any:
    answer = tandem.send(tandem.requests.view_submission(view, values, user_id=by))
    assert answer.status == 200
    return answer.json() if answer.body else None


def initial(view: dict[str, Any], block_id: str) -> Any:
    [element] = [b["element"] for b in view["blocks"] if b.get("block_id") == block_id]
    return {k: v for k, v in element.items() if k.startswith("initial_")}


def test_the_filled_form_posts_the_card_and_answers_where_win_was_typed(tandem: Tandem) -> None:
    view = form_by_command(tandem)

    assert submit(tandem, view, FILLED) is None  # the form closes

    confirmation = answered(tandem)
    [card] = cards(tandem)
    shown = said(card.args)
    assert ":tada: *Closed deal* · Acme Corp · €120k" in shown
    assert "Acme signed for three years" in shown
    assert f"Thanks to <@{BEN}>, <@{CAT}>" in shown
    assert tandem.slack.wait_for("reactions.add")[0].args["timestamp"] == card.response["ts"]
    assert confirmation["response_type"] == "ephemeral"
    assert f"Posted in <#{WINS}>, thanking <@{BEN}> and <@{CAT}>." in confirmation["text"]
    [row] = stored(tandem)
    assert (row.text, row.kind, row.account, row.amount, row.currency, row.request_key) == (
        "Acme signed for three years",
        "closed_deal",
        "Acme Corp",
        120_000.0,
        "EUR",
        view["id"],
    )


def test_problems_show_under_their_fields_and_nothing_is_stored(tandem: Tandem) -> None:
    view = form_by_command(tandem)
    values = {
        **FILLED,
        "wins.form.thanked": {"value": [ANA]},
        "wins.form.amount": {"value": {"value": "lots"}},
    }

    first = submit(tandem, view, values)
    second = submit(tandem, view, {**values, "wins.form.amount": {"value": {"value": "12k"}}})

    assert first == {
        "response_action": "errors",
        "errors": {"wins.form.amount": "“lots” isn't a number: try 45000, 120k or 1.2M."},
    }
    assert second == {
        "response_action": "errors",
        "errors": {"wins.form.thanked": "You can't thank only yourself — add who helped."},
    }
    assert stored(tandem) == []
    assert cards(tandem) == []
    assert tandem.slack.responses == []


def test_someone_outside_the_workspace_is_refused_under_who_to_thank(tandem: Tandem) -> None:
    view = form_by_command(tandem)

    refusal = submit(tandem, view, {**FILLED, "wins.form.thanked": {"value": [BEN, OUTSIDER]}})

    assert refusal == {
        "response_action": "errors",
        "errors": {"wins.form.thanked": "I can only thank people in this workspace: @olga isn't."},
    }
    assert stored(tandem) == []
    assert cards(tandem) == []


def test_the_daily_limit_shows_under_what_happened(tandem: Tandem) -> None:
    set_daily_cap(tandem, 1)
    submit(tandem, form_by_command(tandem), FILLED)
    answered(tandem)
    win(tandem, "", by=ANA)
    again = opened_form(tandem, 2)

    refusal = submit(tandem, again, FILLED)

    assert refusal == {
        "response_action": "errors",
        "errors": {"wins.form.text": "You've posted 1 win today — that's the daily limit; more tomorrow."},
    }
    assert len(stored(tandem)) == 1


def test_a_double_submit_posts_one_card(tandem: Tandem) -> None:
    view = form_by_command(tandem)
    request = tandem.requests.view_submission(view, FILLED, user_id=ANA)

    first = tandem.send(request)
    answered(tandem)
    second = tandem.send(request)
    answered(tandem, 2)

    assert (first.status, second.status) == (200, 200)
    assert len(stored(tandem)) == 1
    assert len(cards(tandem)) == 1
    assert len(tandem.slack.calls_to("reactions.add")) == 1
    assert len(thanked(tandem)) == 2


# Celebrating a message


def celebrate_message(tandem: Tandem, message: dict[str, Any], channel: str, by: str = ANA) -> dict[str, Any]:
    shortcut = tandem.requests.message_shortcut("wins.from_message", message, channel, user_id=by)
    answer = tandem.send(shortcut)
    assert (answer.status, answer.body) == (200, b"")
    return opened_form(tandem)


def test_a_message_prefills_the_form_thanking_its_author_and_the_card_links_to_it(tandem: Tandem) -> None:
    message = tandem.slack.post_user_message(
        "C0MARKETING", BEN, f"The webinar brought <@{CAT}> a lead: Acme wants a demo <!here>"
    )

    view = celebrate_message(tandem, message, "C0MARKETING")

    [permalink] = tandem.slack.calls_to("chat.getPermalink")
    link = permalink.response["permalink"]
    assert initial(view, "wins.form.text") == {
        "initial_value": "The webinar brought @cat a lead: Acme wants a demo @here"
    }
    assert initial(view, "wins.form.thanked") == {"initial_users": [BEN]}
    assert link in str(view["blocks"])

    submit(tandem, view, {"wins.form.kind": {"value": "great_lead"}})

    confirmation = answered(tandem)
    assert confirmation["response_type"] == "ephemeral"
    shown = card_shown(tandem)
    assert f"<{link}|from a message>" in shown
    assert "Acme wants a demo @\u2060here" in shown  # never a ping
    assert f"Thanks to <@{BEN}>" in shown
    assert [row.source_permalink for row in stored(tandem)] == [link]


def test_celebrating_your_own_message_leaves_who_to_thank_to_you(tandem: Tandem) -> None:
    message = tandem.slack.post_user_message("C0SALES", ANA, "Closed Acme!")

    view = celebrate_message(tandem, message, "C0SALES", by=ANA)

    assert initial(view, "wins.form.thanked") == {}
