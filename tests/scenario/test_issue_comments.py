"""Comments over real HTTP: from the card's Comment form, or replied in the card's thread; stored
once whatever Slack retries, and never from Tandem's own notes or other bots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.models import IssueComment
from bot.people import Actor
from tests.scenario.conftest import ANA, BEN, TRACKER, Tandem
from tests.scenario.test_issue_card import ADMIN, KEY, after, card_of, click, raise_issue, thread

COMMENT = "issues.comment_form.text"


def comments(tandem: Tandem) -> list[tuple[str, str, str, str]]:
    with tandem.database.transaction() as session:
        rows = session.scalars(select(IssueComment).order_by(IssueComment.id))
        return [(row.by, row.text, row.source, row.request_key) for row in rows]


def open_comment_form(tandem: Tandem, card: dict[str, Any], by: str) -> dict[str, Any]:
    request = click(tandem, card, "issues.comment", by=by)
    [opened] = after(tandem, "views.open", lambda: tandem.send(request))
    assert opened.ok
    view: dict[str, Any] = opened.response["view"]
    return view


def card_context(card: dict[str, Any]) -> str:
    [context] = [b for b in card["blocks"] if b["type"] == "context"]
    return str(context["elements"][0]["text"])


# The Comment button


def test_a_comment_from_the_card_is_stored_and_said_in_its_thread(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    form = open_comment_form(tandem, card, by=BEN)
    assert form["title"]["text"] == "Comment on #1"

    submit = tandem.requests.view_submission(
        form, {COMMENT: {"value": "Seen it on <!here> calls"}}, user_id=BEN
    )
    answer = tandem.send(submit)
    assert (answer.status, answer.body) == (200, b"")  # the form closes
    tandem.slack.wait_for("chat.update")

    assert comments(tandem) == [(BEN, "Seen it on <!here> calls", "card", form["id"])]
    [note] = tandem.slack.replies(TRACKER, card["ts"])
    assert note["blocks"][1]["text"] == {
        "type": "plain_text",
        "text": "Seen it on <!here> calls",
        "emoji": False,
    }
    assert "<!here>" not in note["text"]
    assert ":speech_balloon: 1 comment" in card_context(card_of(tandem, 1))


def test_a_blank_comment_is_refused_under_its_field(tandem: Tandem) -> None:
    form = open_comment_form(tandem, raise_issue(tandem), by=BEN)

    answer = tandem.send(tandem.requests.view_submission(form, {COMMENT: {"value": "   "}}, user_id=BEN))

    assert answer.json() == {"response_action": "errors", "errors": {COMMENT: "Write something to comment."}}
    assert comments(tandem) == []


def test_a_comment_on_an_issue_deleted_meanwhile_is_refused_in_the_form(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    form = open_comment_form(tandem, card, by=BEN)
    tandem.services.tracker.delete(KEY, 1, Actor(ADMIN, is_admin=True))

    answer = tandem.send(tandem.requests.view_submission(form, {COMMENT: {"value": "Hello?"}}, user_id=BEN))

    assert answer.json()["errors"] == {
        COMMENT: "There is no issue #1 here. `/issue list` shows the open ones."
    }


def test_a_double_submitted_comment_is_stored_and_said_once(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    form = open_comment_form(tandem, card, by=BEN)
    submit = tandem.requests.view_submission(form, {COMMENT: {"value": "On it"}}, user_id=BEN)

    tandem.send(submit)
    tandem.slack.wait_for("chat.update")
    again = tandem.send(submit)

    assert (again.status, again.body) == (200, b"")
    assert comments(tandem) == [(BEN, "On it", "card", form["id"])]
    assert len(thread(tandem, card)) == 1


# Replies in the card's thread


def reply(tandem: Tandem, card: dict[str, Any], text: str, by: str = BEN) -> dict[str, Any]:
    """A person's reply in the card's thread, as Slack stores it and sends it in a message event."""
    message = tandem.slack.post_user_message(TRACKER, by, text, thread_ts=card["ts"])
    return {**message, "channel": TRACKER, "channel_type": "channel"}


def test_a_reply_in_the_cards_thread_becomes_a_comment(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    message = reply(tandem, card, f"Asked <@{ANA}> for the call notes")

    [update] = after(tandem, "chat.update", lambda: tandem.send(tandem.requests.event(message)))

    assert comments(tandem) == [(BEN, "Asked @ana for the call notes", "thread", message["ts"])]
    assert ":speech_balloon: 1 comment" in card_context(update.args)
    assert thread(tandem, card) == [f"Asked <@{ANA}> for the call notes"]  # Tandem added nothing


def test_slack_retrying_an_event_stores_its_comment_once(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    message = reply(tandem, card, "Call notes attached")
    # The first delivery Tandem sees may already be a retry (the original lost on the way):
    # it must be handled, not dropped for its retry header.
    first = tandem.requests.event(message, event_id="Ev0RETRIED", retry_num=1, retry_reason="http_timeout")
    second = tandem.requests.event(message, event_id="Ev0RETRIED", retry_num=2, retry_reason="http_timeout")

    after(tandem, "chat.update", lambda: tandem.send(first))
    after(tandem, "chat.update", lambda: tandem.send(second))

    assert comments(tandem) == [(BEN, "Call notes attached", "thread", message["ts"])]
    assert ":speech_balloon: 1 comment" in card_context(card_of(tandem, 1))


def test_only_peoples_replies_under_cards_become_comments(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    tandem.send(click(tandem, card, "issues.take", by=BEN))
    tandem.slack.wait_for("chat.update")
    [own_note] = [m for m in tandem.slack.replies(TRACKER, card["ts"])]  # "<@ben> took #1", by Tandem
    elsewhere = tandem.slack.post_user_message("C0SALES", ANA, "Anyone?")
    ignored = [
        {**own_note, "channel": TRACKER},
        {**reply(tandem, card, "deploy done"), "subtype": "bot_message", "bot_id": "B0OTHER"},
        {**reply(tandem, card, "edited"), "subtype": "message_changed"},
        {"type": "message", "channel": TRACKER, "user": ANA, "text": "top level", "ts": "1700000999.000001"},
        {
            **tandem.slack.post_user_message("C0SALES", BEN, "Me", thread_ts=elsewhere["ts"]),
            "channel": "C0SALES",
        },
    ]
    for event in ignored:
        assert tandem.send(tandem.requests.event(event)).status == 200
    counted = reply(tandem, card, "Real comment")

    after(tandem, "chat.update", lambda: tandem.send(tandem.requests.event(counted)))

    assert comments(tandem) == [(BEN, "Real comment", "thread", counted["ts"])]


def test_a_reply_too_long_to_keep_is_explained_to_its_author_only(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    message = reply(tandem, card, "x" * 2600)

    [told] = after(tandem, "chat.postEphemeral", lambda: tandem.send(tandem.requests.event(message)))

    assert told.args["user"] == BEN
    assert told.args["thread_ts"] == card["ts"]
    assert told.args["text"] == (
        "I couldn't keep that reply as a comment on #1: "
        "Keep a comment to 2500 characters (this one has 2600)."
    )
    assert comments(tandem) == []
