"""The raise form over real HTTP: opened by command, shortcut or App Home; errors shown in the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.people import Actor, Team
from bot.workspaces import WorkspaceKey
from tests.scenario.conftest import ANA, BEN, TEAM, TRACKER, Tandem

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


# Raising from a message


def raise_from_message(tandem: Tandem, message: dict[str, Any], by: str = BEN) -> dict[str, Any]:
    """Use the message shortcut on `message` in #sales; the form it opens."""
    shortcut = tandem.requests.message_shortcut("issues.raise_from_message", message, "C0SALES", user_id=by)
    answer = tandem.send(shortcut)
    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok
    view: dict[str, Any] = opened.response["view"]
    return view


def test_a_message_is_raised_with_its_text_a_link_and_a_reply_in_its_thread(tandem: Tandem) -> None:
    message = tandem.slack.post_user_message(
        "C0SALES", ANA, f"Leads from the webinar have no phone numbers\nAsk <@{BEN}> for the list"
    )

    view = raise_from_message(tandem, message, by=BEN)

    [title, details] = [b["element"].get("initial_value") for b in view["blocks"][:2]]
    assert title == "Leads from the webinar have no phone numbers"
    assert details == "Leads from the webinar have no phone numbers\nAsk @ben for the list"
    [permalink] = tandem.slack.calls_to("chat.getPermalink")
    assert (permalink.args["channel"], permalink.args["message_ts"]) == ("C0SALES", message["ts"])

    tandem.send(tandem.requests.view_submission(view, {}, user_id=BEN))

    [confirmation] = tandem.slack.wait_for("response_url")
    [issue] = tandem.issues()
    assert (issue.title, issue.raised_by) == ("Leads from the webinar have no phone numbers", BEN)
    assert issue.source_permalink == permalink.response["permalink"]
    [card] = tandem.slack.messages(TRACKER)
    assert f"<{issue.source_permalink}|from a message>" in str(card["blocks"])
    [note] = tandem.slack.replies("C0SALES", message["ts"])
    assert note["text"] == (
        f":ticket: <@{BEN}> raised this as shared issue "
        f"<{issue.card_permalink}|#1 Leads from the webinar have no phone numbers>."
    )
    assert confirmation.args["response_type"] == "ephemeral"
    assert confirmation.args["text"].startswith(":white_check_mark: #1 Leads from the webinar")


def test_a_long_first_line_is_cut_to_the_title_limit(tandem: Tandem) -> None:
    message = tandem.slack.post_user_message("C0SALES", ANA, "Pricing " * 40)

    view = raise_from_message(tandem, message)

    title = view["blocks"][0]["element"]["initial_value"]
    assert len(title) == 120
    assert title.endswith("…")


def test_a_message_raised_twice_by_a_double_submit_replies_once(tandem: Tandem) -> None:
    message = tandem.slack.post_user_message("C0SALES", ANA, "Competitor dropped prices")
    view = raise_from_message(tandem, message)
    submit = tandem.requests.view_submission(view, {}, user_id=BEN)

    tandem.send(submit)
    tandem.slack.wait_for("response_url")
    tandem.send(submit)
    tandem.slack.wait_for("response_url", count=2)

    assert len(tandem.issues()) == 1
    assert len(tandem.slack.replies("C0SALES", message["ts"])) == 1


def test_a_message_where_tandem_is_not_is_raised_and_the_raiser_told_why_no_reply(tandem: Tandem) -> None:
    # A direct message between two people: Tandem can neither link to it nor reply there.
    message = {"type": "message", "user": ANA, "text": "Case study is out of date", "ts": "1795512000.000100"}
    shortcut = tandem.requests.message_shortcut("issues.raise_from_message", message, "D0ANABEN", user_id=BEN)
    tandem.send(shortcut)
    [opened] = tandem.slack.wait_for("views.open")

    tandem.send(tandem.requests.view_submission(opened.response["view"], {}, user_id=BEN))

    [confirmation] = tandem.slack.wait_for("response_url")
    [issue] = tandem.issues()
    assert (issue.title, issue.source_permalink, issue.card_ts is not None) == (
        "Case study is out of date",
        None,
        True,
    )
    assert confirmation.args["text"].endswith("\nI couldn't reply under the message.")


def test_the_raisers_team_is_recorded(tandem: Tandem) -> None:
    tandem.services.people.set_team(
        WorkspaceKey(TEAM), Actor("U0ADMIN", is_admin=True), [BEN], Team.MARKETING
    )
    view = open_form_by_command(tandem)

    tandem.send(tandem.requests.view_submission(view, FILLED, user_id=BEN))

    [card] = tandem.slack.wait_for("chat.postMessage")
    assert tandem.issues()[0].raised_by_team == "marketing"
    assert f"*Raised by*\n<@{BEN}> · Marketing" in [f["text"] for f in card.args["blocks"][1]["fields"]]
