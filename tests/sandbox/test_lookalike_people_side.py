"""The look-alike's people's side, which the sandbox's page stands on: what a person sees (their modal,
their ephemeral messages), closing and answering modals as Slack does, news of changes, and keeping
its state across a restart."""

from __future__ import annotations

import threading

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.sandbox import SlackLookalike
from bot.sandbox.lookalike import SlackFailure

from .conftest import TOKEN

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Q3 pipeline*"}}
FIELD = {
    "type": "input",
    "block_id": "win.title",
    "label": {"type": "plain_text", "text": "What happened"},
    "element": {"type": "plain_text_input", "action_id": "title"},
}


def modal(title: str, **extra: object) -> dict[str, object]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [FIELD], **extra}


def open_modal(lookalike: SlackLookalike, client: WebClient, user: str = "U0ANA", title: str = "Win") -> str:
    trigger = lookalike.issue_trigger_id(user_id=user)
    view_id: str = client.views_open(trigger_id=trigger, view=modal(title))["view"]["id"]
    return view_id


def test_a_person_sees_the_modal_they_opened_and_nobody_else_does(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    view_id = open_modal(lookalike, client)

    shown = lookalike.open_modal("U0ANA")

    assert shown is not None
    assert (shown["id"], shown["title"]["text"], shown["errors"]) == (
        view_id,
        "Win",
        {},
    )
    assert lookalike.open_modal("U0BEN") is None


def test_closing_the_top_modal_shows_the_one_beneath(lookalike: SlackLookalike, client: WebClient) -> None:
    root = open_modal(lookalike, client)
    pushed = client.views_push(
        trigger_id=lookalike.issue_trigger_id(user_id="U0ANA", view_id=root), view=modal("More")
    )
    top = pushed["view"]["id"]

    closed = lookalike.close_view("U0ANA", top)

    assert closed is not None
    assert closed["id"] == top
    assert lookalike.open_modal("U0ANA")["id"] == root  # type: ignore[index]
    assert lookalike.close_view("U0ANA", top) is None  # already gone
    lookalike.close_view("U0ANA", root)
    assert lookalike.open_modal("U0ANA") is None


@pytest.mark.parametrize(
    ("answer", "left_open"),
    [
        (None, None),
        ({}, None),
        ({"response_action": "clear"}, None),
        ({"response_action": "errors", "errors": {"win.title": "Say what happened"}}, "Win"),
        ({"response_action": "update", "view": modal("Saved")}, "Saved"),
        ({"response_action": "push", "view": modal("Confirm")}, "Confirm"),
    ],
)
def test_a_submissions_acknowledgement_is_applied_as_slack_applies_it(
    lookalike: SlackLookalike, client: WebClient, answer: dict[str, object] | None, left_open: str | None
) -> None:
    view_id = open_modal(lookalike, client)

    lookalike.answer_submission("U0ANA", view_id, answer)

    shown = lookalike.open_modal("U0ANA")
    assert (shown["title"]["text"] if shown else None) == left_open
    if answer and answer.get("response_action") == "errors":
        assert shown is not None
        assert shown["errors"] == {"win.title": "Say what happened"}


def test_an_update_answered_with_a_view_slack_would_refuse_is_refused(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    view_id = open_modal(lookalike, client)
    too_long = modal("A title far longer than Slack's twenty-four characters")

    with pytest.raises(SlackFailure, match="invalid_arguments"):
        lookalike.answer_submission("U0ANA", view_id, {"response_action": "update", "view": too_long})

    assert lookalike.open_modal("U0ANA")["title"]["text"] == "Win"  # type: ignore[index]


def test_ephemeral_messages_are_shown_only_to_whom_they_are_for(lookalike: SlackLookalike) -> None:
    lookalike.post_user_message("C0SALES", "U0ANA", "hello")
    lookalike.show_ephemeral("C0SALES", "U0ANA", {"text": "Raised #1"})
    lookalike.show_ephemeral(
        "C0SALES", "U0ANA", {"text": '/issue failed with the error "dispatch_failed"'}, slackbot=True
    )

    for_ana = lookalike.visible_messages("C0SALES", "U0ANA")
    for_ben = lookalike.visible_messages("C0SALES", "U0BEN")

    assert [(m["text"], m.get("ephemeral", False)) for m in for_ana] == [
        ("hello", False),
        ("Raised #1", True),
        ('/issue failed with the error "dispatch_failed"', True),
    ]
    assert for_ana[1]["bot_id"]
    assert for_ana[2]["user"] == "USLACKBOT"
    assert [m["text"] for m in for_ben] == ["hello"]


def test_a_response_url_replaces_or_deletes_the_ephemeral_message_its_action_came_from(
    lookalike: SlackLookalike,
) -> None:
    shown = lookalike.show_ephemeral("C0SALES", "U0ANA", {"text": "Load 12 rows?"})
    replace = lookalike.issue_response_url(channel_id="C0SALES", user_id="U0ANA", message_ts=shown["ts"])
    WebhookClient(replace, proxy=None).send(text="Loaded 12 rows", replace_original=True)

    assert [m["text"] for m in lookalike.visible_messages("C0SALES", "U0ANA")] == ["Loaded 12 rows"]

    delete = lookalike.issue_response_url(channel_id="C0SALES", user_id="U0ANA", message_ts=shown["ts"])
    WebhookClient(delete, proxy=None).send_dict({"delete_original": True})
    assert lookalike.visible_messages("C0SALES", "U0ANA") == []


def test_the_version_grows_with_every_change_and_wakes_whoever_waits(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    before = lookalike.version
    assert lookalike.wait_for_change(before, timeout=0.01) == before  # nothing new

    woken: list[int] = []
    waiting = threading.Thread(target=lambda: woken.append(lookalike.wait_for_change(before, timeout=10)))
    waiting.start()
    client.chat_postMessage(channel="C0SALES", text="Deal: Acme")
    waiting.join(timeout=10)

    assert woken
    assert woken[0] > before
    after_post = lookalike.version
    lookalike.touch()
    assert lookalike.version == after_post + 1


def test_only_the_latest_calls_are_kept_when_asked() -> None:
    with SlackLookalike(bot_token=TOKEN, keep_calls=2) as lookalike:
        client = WebClient(token=TOKEN, base_url=lookalike.api_url, proxy=None, timeout=5)
        for text in ("one", "two", "three"):
            client.chat_postMessage(channel="C0SALES", text=text)

        assert [c.args["text"] for c in lookalike.calls] == ["two", "three"]
        assert [m["text"] for m in lookalike.messages("C0SALES")] == ["one", "two", "three"]


def test_its_state_survives_a_restart(lookalike: SlackLookalike, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0SALES", text="Deal: Acme")
    client.reactions_add(channel="C0SALES", timestamp=posted["ts"], name="tada")
    lookalike.show_ephemeral("C0SALES", "U0ANA", {"text": "Raised #1"})
    client.views_publish(user_id="U0ANA", view={"type": "home", "blocks": [SECTION]})
    view_id = open_modal(lookalike, client)
    lookalike.answer_submission(
        "U0ANA", view_id, {"response_action": "errors", "errors": {"win.title": "Say it"}}
    )
    file = lookalike.user_shares_file("U0BEN", "values.csv", b"metric,date,value\n")

    with SlackLookalike(bot_token=TOKEN) as restarted:
        restarted.restore_state(lookalike.export_state())

        assert restarted.visible_messages("C0SALES", "U0ANA") == lookalike.visible_messages(
            "C0SALES", "U0ANA"
        )
        assert restarted.home_view("U0ANA") == lookalike.home_view("U0ANA")
        assert restarted.open_modal("U0ANA") == lookalike.open_modal("U0ANA")
        assert restarted.file_content(file["id"]) == ("values.csv", "text/csv", b"metric,date,value\n")
        assert restarted.messages("D0BEN") == lookalike.messages("D0BEN")
        newer = WebClient(token=TOKEN, base_url=restarted.api_url, proxy=None).chat_postMessage(
            channel="C0SALES", text="later"
        )
        assert float(newer["ts"]) > float(posted["ts"])  # timestamps keep growing
