"""The raise form over real HTTP: opened by command, shortcut or App Home; errors shown in the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.scenario.conftest import ANA, BEN, TRACKER, Tandem

FILLED = {
    "issues.form.title": {"value": "Webinar leads lack phone numbers"},
    "issues.form.details": {"value": "Half of last week's leads can't be called."},
    "issues.form.category": {"value": "lead_quality"},
    "issues.form.priority": {"value": "urgent"},
    "issues.form.owner": {"value": BEN},
    "issues.form.due": {"value": "2026-12-01"},
}


def open_form_by_command(tandem: Tandem) -> dict[str, Any]:
    tandem.command("")
    [opened] = tandem.slack.wait_for("views.open")
    view: dict[str, Any] = opened.response["view"]
    return view


def test_a_filled_form_raises_the_issue_and_confirms_where_the_command_was_typed(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)

    answer = tandem.send(tandem.requests.view_submission(view, FILLED, user_id=ANA))

    assert (answer.status, answer.body) == (200, b"")  # the form closes
    [card] = tandem.slack.wait_for("chat.postMessage")
    [confirmation] = tandem.slack.wait_for("response_url")
    [issue] = tandem.issues()
    assert (issue.title, issue.category, issue.priority) == (
        "Webinar leads lack phone numbers",
        "lead_quality",
        "urgent",
    )
    assert (issue.owner_id, issue.due_on, issue.raised_by) == (BEN, date(2026, 12, 1), ANA)
    assert issue.details == "Half of last week's leads can't be called."
    assert card.args["channel"] == TRACKER
    fields = [field["text"] for field in card.args["blocks"][1]["fields"]]
    assert f"*Owner*\n<@{BEN}>" in fields
    assert "*Due*\nTue, Dec 1, 2026" in fields
    assert confirmation.args["response_type"] == "ephemeral"
    assert confirmation.args["text"].startswith(
        ":white_check_mark: #1 Webinar leads lack phone numbers raised."
    )


def test_problems_show_under_their_fields_and_nothing_is_stored(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)
    values = {**FILLED, "issues.form.title": {"value": "   "}, "issues.form.due": {"value": "2026-11-20"}}

    answer = tandem.send(tandem.requests.view_submission(view, values, user_id=ANA))

    assert answer.status == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {
            "issues.form.title": "Give the issue a title: a few words saying what is wrong.",
            "issues.form.due": "Pick today or a later date.",
        },
    }
    assert tandem.issues() == []
    assert tandem.slack.calls_to("chat.postMessage") == []


def test_a_double_submit_raises_one_issue_and_posts_one_card(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)

    first = tandem.send(tandem.requests.view_submission(view, FILLED, user_id=ANA))
    tandem.slack.wait_for("response_url")
    second = tandem.send(tandem.requests.view_submission(view, FILLED, user_id=ANA))
    [_, again] = tandem.slack.wait_for("response_url", count=2)

    assert (first.status, second.status) == (200, 200)
    assert len(tandem.issues()) == 1
    assert len(tandem.slack.calls_to("chat.postMessage")) == 1
    assert "#1 Webinar leads lack phone numbers was already raised" in again.args["text"]


def test_the_shortcut_opens_the_form_and_confirms_in_the_apps_messages(tandem: Tandem) -> None:
    answer = tandem.send(tandem.requests.global_shortcut("issues.raise", user_id=BEN))
    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")

    tandem.send(tandem.requests.view_submission(opened.response["view"], FILLED, user_id=BEN))

    direct = tandem.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == BEN)
    assert direct[0].args["text"].startswith(":white_check_mark: #1 Webinar leads lack phone numbers raised.")
    assert tandem.issues()[0].raised_by == BEN


def test_app_home_lists_open_issues_and_its_button_opens_the_form(tandem: Tandem) -> None:
    tandem.command("Competitor undercuts us in EMEA")
    tandem.slack.wait_for("response_url")

    tandem.send(
        tandem.requests.event({"type": "app_home_opened", "user": BEN, "tab": "home", "channel": "D0BEN"})
    )

    [published] = tandem.slack.wait_for("views.publish")
    assert published.args["user_id"] == BEN
    home = published.args["view"]
    assert home["type"] == "home"
    texts = [block.get("text", {}).get("text") for block in home["blocks"]]
    assert "#1  Competitor undercuts us in EMEA" in texts
    assert tandem.slack.home_view(BEN) is not None

    button = home["blocks"][2]["elements"][0]
    tandem.send(tandem.requests.block_actions([button], user_id=BEN, view=home))
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "issues.form"


def test_the_messages_tab_publishes_nothing(tandem: Tandem) -> None:
    tandem.send(tandem.requests.event({"type": "app_home_opened", "user": BEN, "tab": "messages"}))
    tandem.send(tandem.requests.event({"type": "app_home_opened", "user": BEN, "tab": "home"}))
    tandem.slack.wait_for("views.publish")
    assert len(tandem.slack.calls_to("views.publish")) == 1
