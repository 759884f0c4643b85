"""The Slack Web API look-alike, driven over real HTTP by slack_sdk's own clients."""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.sandbox import SlackLookalike

from .conftest import TOKEN, FakeClock

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Q3 pipeline*"}}
MODAL = {
    "type": "modal",
    "callback_id": "log_win",
    "title": {"type": "plain_text", "text": "Win"},
    "blocks": [SECTION],
}
HOME = {"type": "home", "blocks": [SECTION]}
TS = re.compile(r"^\d{10}\.\d{6}$")


def failure(call: Any) -> dict[str, Any]:
    """The answer of a Web API call that must fail, with its HTTP status."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return {"status": raised.value.response.status_code, **raised.value.response.data}


def raw(
    lookalike: SlackLookalike,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> tuple[int, Any, Any]:
    """A hand-made request to the look-alike, headers exactly as given: (status, headers, JSON)."""
    parts = urlsplit(lookalike.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.headers, json.loads(answer.read())
    finally:
        connection.close()


# ----------------------------------------------------------------------------- basics


def test_api_url_is_the_base_url_webclient_joins_method_names_to(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", lookalike.api_url)
    answer = client.auth_test()
    assert answer.data == {
        "ok": True,
        "url": "https://tandem-test.slack.com/",
        "team": "Tandem Test",
        "user": "tandem",
        "team_id": "T0TANDEM",
        "user_id": "U0TANDEMBOT",
        "bot_id": "B0TANDEM",
        "is_enterprise_install": False,
    }
    (call,) = lookalike.calls
    assert (call.method, call.path, call.status) == ("auth.test", "/api/auth.test", 200)
    assert call.headers["Authorization"] == f"Bearer {lookalike.bot_token}"


def test_a_url_needs_a_started_server() -> None:
    lookalike = SlackLookalike(bot_token="xoxb-x")
    with pytest.raises(RuntimeError):
        _ = lookalike.api_url


def test_unknown_method_is_http_200_unknown_method_as_slack_answers(client: WebClient) -> None:
    assert failure(lambda: client.api_call("foo.bar")) == {
        "status": 200,
        "ok": False,
        "error": "unknown_method",
        "req_method": "foo.bar",
    }


def test_missing_and_wrong_tokens(lookalike: SlackLookalike) -> None:
    anonymous = WebClient(base_url=lookalike.api_url, proxy=None)
    impostor = WebClient(token="xoxb-wrong", base_url=lookalike.api_url, proxy=None)
    assert failure(anonymous.auth_test)["error"] == "not_authed"
    assert failure(impostor.auth_test)["error"] == "invalid_auth"


def test_a_token_argument_in_a_form_is_read_but_not_in_a_json_body(lookalike: SlackLookalike) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = f"token={lookalike.bot_token}&user=U0ANA".encode()
    status, _, answer = raw(lookalike, "/api/users.info", body, form)
    assert (status, answer["ok"], answer["user"]["name"]) == (200, True, "ana")
    assert lookalike.calls[-1].args == {"user": "U0ANA"}  # the token is not kept in args
    as_json = json.dumps({"token": lookalike.bot_token, "user": "U0ANA"}).encode()
    _, _, answer = raw(lookalike, "/api/users.info", as_json, {"Content-Type": "application/json"})
    assert answer == {"ok": False, "error": "not_authed"}


def test_query_string_arguments_and_get(lookalike: SlackLookalike) -> None:
    bearer = {"Authorization": f"Bearer {lookalike.bot_token}"}
    status, _, answer = raw(lookalike, "/api/users.info?user=U0BEN", headers=bearer, method="GET")
    assert (status, answer["user"]["id"]) == (200, "U0BEN")


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        ({}, b"user=U0ANA", "missing_post_type"),
        ({"Content-Type": "application/xml"}, b"<user/>", "invalid_post_type"),
        (
            {"Content-Type": "application/x-www-form-urlencoded; charset=ebcdic"},
            b"user=U0ANA",
            "invalid_charset",
        ),
        ({"Content-Type": "application/json"}, b"{not json", "invalid_json"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"user", "invalid_form_data"),
    ],
)
def test_bodies_slack_cannot_read(
    lookalike: SlackLookalike, headers: dict[str, str], body: bytes, error: str
) -> None:
    headers = {**headers, "Authorization": f"Bearer {lookalike.bot_token}"}
    status, _, answer = raw(lookalike, "/api/users.info", body, headers)
    assert (status, answer) == (200, {"ok": False, "error": error})


def test_multipart_bodies_are_read(lookalike: SlackLookalike, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage", data={"channel": "C0WINS", "text": "deck attached"}, files={"file": b"%PDF-1.7"}
    )
    (call,) = lookalike.calls_to("chat.postMessage")
    assert call.headers["Content-Type"].startswith("multipart/form-data")
    assert call.args == {
        "channel": "C0WINS",
        "text": "deck attached",
        "file": {"filename": "Uploaded file", "length": 8},
    }


def test_other_paths_are_not_found(lookalike: SlackLookalike) -> None:
    status, _, answer = raw(lookalike, "/nothing/here", b"{}", {"Content-Type": "application/json"})
    assert (status, answer["ok"]) == (404, False)


# ----------------------------------------------------------------------------- chat.*


def test_post_message_stores_the_message_with_a_unique_increasing_ts(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0TRACKER", text="Deal: Acme", blocks=[SECTION])
    second = client.chat_postMessage(channel="#sales", text="second")
    assert TS.match(first["ts"])
    assert TS.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["channel"] == "C0TRACKER"
    assert second["channel"] == "C0SALES"
    assert first["message"] == {
        "type": "message",
        "user": "U0TANDEMBOT",
        "bot_id": "B0TANDEM",
        "app_id": "A0TANDEM",
        "team": "T0TANDEM",
        "text": "Deal: Acme",
        "blocks": [SECTION],
        "ts": first["ts"],
    }
    assert [m["ts"] for m in lookalike.messages("C0TRACKER")] == [first["ts"]]


def test_posting_to_a_user_id_lands_in_the_bots_dm(lookalike: SlackLookalike, client: WebClient) -> None:
    answer = client.chat_postMessage(channel="U0ANA", text="your digest")
    assert answer["channel"] == lookalike.dm_channel("U0ANA") == "D0ANA"
    assert lookalike.messages("D0ANA")[0]["text"] == "your digest"


def test_thread_replies_are_kept_and_linked(lookalike: SlackLookalike, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0FIELD", text="note")["ts"]
    reply = client.chat_postMessage(channel="C0FIELD", text="reply", thread_ts=parent)["ts"]
    assert [m["text"] for m in lookalike.replies("C0FIELD", parent)] == ["reply"]
    stored_parent = lookalike.messages("C0FIELD")[0]
    assert (stored_parent["reply_count"], stored_parent["latest_reply"]) == (1, reply)
    link = client.chat_getPermalink(channel="C0FIELD", message_ts=reply)["permalink"]
    assert link == (
        f"https://tandem-test.slack.com/archives/C0FIELD/p{reply.replace('.', '')}"
        f"?thread_ts={parent}&cid=C0FIELD"
    )


def test_form_encoded_json_fields_are_decoded(lookalike: SlackLookalike, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={
            "channel": "C0WINS",
            "text": "win",
            "blocks": json.dumps([SECTION]),
            "metadata": json.dumps({"event_type": "win_logged", "event_payload": {"id": 7}}),
        },
    )
    (call,) = lookalike.calls_to("chat.postMessage")
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.args["blocks"] == [SECTION]
    assert call.args["metadata"]["event_payload"] == {"id": 7}
    assert lookalike.messages("C0WINS")[0]["metadata"]["event_type"] == "win_logged"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"text": "no channel"}, "channel_not_found"),
        ({"channel": "C0NOPE", "text": "x"}, "channel_not_found"),
        ({"channel": "C0TRACKER"}, "no_text"),
        ({"channel": "C0TRACKER", "text": ""}, "no_text"),
        ({"channel": "C0TRACKER", "blocks": [SECTION]}, "no_text"),  # stricter than Slack
        ({"channel": "C0TRACKER", "text": "x", "blocks": "[not json"}, "invalid_blocks_format"),
        ({"channel": "C0TRACKER", "text": "x", "blocks": {"type": "divider"}}, "invalid_blocks_format"),
        ({"channel": "C0TRACKER", "text": "x", "blocks": ["divider"]}, "invalid_blocks"),
        ({"channel": "C0TRACKER", "text": "x", "blocks": [{"type": "hologram"}]}, "invalid_blocks"),
        (
            {
                "channel": "C0TRACKER",
                "text": "x",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            },
            "invalid_blocks",
        ),
        ({"channel": "C0TRACKER", "text": "x", "markdown_text": "*x*"}, "markdown_text_conflict"),
        ({"channel": "C0TRACKER", "text": "x", "attachments": ["nope"]}, "invalid_attachments"),
        ({"channel": "C0TRACKER", "text": "x", "metadata": {"event_type": 1}}, "invalid_metadata_format"),
    ],
)
def test_post_message_refusals(client: WebClient, args: dict[str, Any], error: str) -> None:
    answer = failure(lambda: client.api_call("chat.postMessage", json=args))
    assert (answer["status"], answer["error"]) == (200, error)


def test_invalid_blocks_say_where_as_slack_does(client: WebClient) -> None:
    too_many = [{"type": "divider"}] * 51
    answer = failure(lambda: client.chat_postMessage(channel="C0TRACKER", text="x", blocks=too_many))
    assert answer["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]
    client.chat_postMessage(channel="C0TRACKER", text="x", blocks=too_many[:50])
    answer = failure(
        lambda: client.chat_postMessage(
            channel="C0TRACKER", text="x", blocks=[{"type": "divider"}, {"type": "header"}]
        )
    )
    assert answer["errors"] == ["text attribute must be specified [json-pointer:/blocks/1]"]


def test_archived_channels_and_channels_the_bot_is_not_in() -> None:
    channels = {
        "C0OLD": {"name": "old", "is_archived": True},
        "C0OUT": {"name": "elsewhere", "is_member": False},
        "C0HIDDEN": {"name": "board", "is_private": True, "is_member": False},
    }
    with SlackLookalike(bot_token="xoxb-t", channels=channels) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        assert failure(lambda: client.chat_postMessage(channel="C0OLD", text="x"))["error"] == "is_archived"
        assert (
            failure(lambda: client.chat_postMessage(channel="C0OUT", text="x"))["error"] == "not_in_channel"
        )


def test_post_ephemeral(lookalike: SlackLookalike, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C0SALES", user="U0ANA", text="only you")
    assert TS.match(answer["message_ts"])
    (message,) = lookalike.ephemeral_messages("C0SALES")
    assert (message["to_user"], message["text"]) == ("U0ANA", "only you")
    assert lookalike.messages("C0SALES") == []
    assert (
        failure(lambda: client.chat_postEphemeral(channel="C0SALES", user="U0NOBODY", text="x"))["error"]
        == "user_not_found"
    )


def test_post_ephemeral_to_someone_outside_the_channel() -> None:
    channels = {"C0PRIV": {"name": "deals", "is_private": True, "members": ["U0ANA"]}}
    with SlackLookalike(bot_token="xoxb-t", channels=channels) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        client.chat_postEphemeral(channel="C0PRIV", user="U0ANA", text="hi")
        assert (
            failure(lambda: client.chat_postEphemeral(channel="C0PRIV", user="U0BEN", text="hi"))["error"]
            == "user_not_in_channel"
        )


def test_update_replaces_content_and_keeps_blocks_left_out(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0TRACKER", text="v1", blocks=[SECTION])["ts"]
    answer = client.chat_update(channel="C0TRACKER", ts=ts, text="v2")
    assert (answer["ts"], answer["text"], answer["message"]["blocks"]) == (ts, "v2", [SECTION])
    (stored,) = lookalike.messages("C0TRACKER")
    assert (stored["text"], stored["edited"]["user"]) == ("v2", "U0TANDEMBOT")
    assert (
        failure(lambda: client.chat_update(channel="C0TRACKER", ts="1.000001", text="x"))["error"]
        == "message_not_found"
    )
    with pytest.warns(UserWarning, match="text"):  # slack_sdk only warns; we refuse
        refused = failure(lambda: client.chat_update(channel="C0TRACKER", ts=ts, blocks=[SECTION]))
    assert refused["error"] == "no_text"


def test_update_and_delete_refuse_messages_people_wrote(lookalike: SlackLookalike, client: WebClient) -> None:
    ts = lookalike.post_user_message("C0FIELD", "U0ANA", "met Acme today")["ts"]
    assert (
        failure(lambda: client.chat_update(channel="C0FIELD", ts=ts, text="x"))["error"]
        == "cant_update_message"
    )
    assert failure(lambda: client.chat_delete(channel="C0FIELD", ts=ts))["error"] == "cant_delete_message"


def test_delete(lookalike: SlackLookalike, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0METRICS", text="snapshot")["ts"]
    assert client.chat_delete(channel="C0METRICS", ts=ts).data == {
        "ok": True,
        "channel": "C0METRICS",
        "ts": ts,
    }
    assert lookalike.messages("C0METRICS") == []
    assert failure(lambda: client.chat_delete(channel="C0METRICS", ts=ts))["error"] == "message_not_found"


def test_get_permalink(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0TRACKER", text="deal")["ts"]
    answer = client.chat_getPermalink(channel="C0TRACKER", message_ts=ts)
    assert answer.data == {
        "ok": True,
        "channel": "C0TRACKER",
        "permalink": f"https://tandem-test.slack.com/archives/C0TRACKER/p{ts.replace('.', '')}",
    }
    assert (
        failure(lambda: client.chat_getPermalink(channel="C0TRACKER", message_ts="9.000009"))["error"]
        == "message_not_found"
    )
    assert (
        failure(lambda: client.chat_getPermalink(channel="C0NOPE", message_ts=ts))["error"]
        == "channel_not_found"
    )


# ----------------------------------------------------------------------------- views.*


def test_views_open_exchanges_a_trigger_once(lookalike: SlackLookalike, client: WebClient) -> None:
    trigger = lookalike.issue_trigger_id(user_id="U0ANA")
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert re.fullmatch(r"V[A-Z0-9]{10}", view["id"])
    assert (view["root_view_id"], view["callback_id"], view["type"]) == (view["id"], "log_win", "modal")
    assert view["state"] == {"values": {}}
    assert view["hash"]
    assert lookalike.view(view["id"]) == view
    assert (
        failure(lambda: client.views_open(trigger_id=trigger, view=MODAL))["error"] == "exchanged_trigger_id"
    )
    assert (
        failure(lambda: client.views_open(trigger_id="1.2.abc", view=MODAL))["error"] == "invalid_trigger_id"
    )


def test_trigger_ids_expire_after_three_seconds(
    lookalike: SlackLookalike, client: WebClient, slack_clock: FakeClock
) -> None:
    in_time, too_late = lookalike.issue_trigger_id(), lookalike.issue_trigger_id()
    slack_clock.advance(2.9)
    client.views_open(trigger_id=in_time, view=MODAL)
    slack_clock.advance(0.2)
    assert (
        failure(lambda: client.views_open(trigger_id=too_late, view=MODAL))["error"] == "expired_trigger_id"
    )


@pytest.mark.parametrize(
    ("view", "message"),
    [
        (
            {**MODAL, "blocks": [SECTION] * 101},
            "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]",
        ),
        (
            {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}},
            "[ERROR] title must be between 1 and 24 characters [json-pointer:/view]",
        ),
        (
            {**MODAL, "blocks": [{"type": "hologram"}]},
            "[ERROR] unsupported type: 'hologram' [json-pointer:/view/blocks/0]",
        ),
        (
            {key: value for key, value in MODAL.items() if key != "title"},
            "[ERROR] missing required field: title [json-pointer:/view]",
        ),
        (HOME, "[ERROR] type must be one of modal [json-pointer:/view/type]"),
    ],
)
def test_invalid_views_are_invalid_arguments_and_keep_the_trigger(
    lookalike: SlackLookalike, client: WebClient, view: dict[str, Any], message: str
) -> None:
    trigger = lookalike.issue_trigger_id()
    answer = failure(lambda: client.views_open(trigger_id=trigger, view=view))
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [message]
    client.views_open(trigger_id=trigger, view=MODAL)


def test_views_open_without_trigger(client: WebClient) -> None:
    answer = failure(lambda: client.api_call("views.open", json={"view": MODAL}))
    assert answer["error"] == "invalid_arguments"


def test_views_update_by_id_and_external_id(lookalike: SlackLookalike, client: WebClient) -> None:
    opened = client.views_open(
        trigger_id=lookalike.issue_trigger_id(), view={**MODAL, "external_id": "win-42"}
    )["view"]
    changed = {**MODAL, "private_metadata": "deal=42"}
    by_id = client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])["view"]
    assert (by_id["id"], by_id["private_metadata"]) == (opened["id"], "deal=42")
    assert by_id["hash"] != opened["hash"]
    by_external = client.views_update(external_id="win-42", view=MODAL)["view"]
    assert by_external["id"] == opened["id"]
    assert (
        failure(lambda: client.views_update(view_id=opened["id"], view=MODAL, hash=opened["hash"]))["error"]
        == "hash_conflict"
    )
    assert failure(lambda: client.views_update(view_id="V0MISSING", view=MODAL))["error"] == "not_found"
    assert (
        failure(
            lambda: client.views_open(
                trigger_id=lookalike.issue_trigger_id(), view={**MODAL, "external_id": "win-42"}
            )
        )["error"]
        == "duplicate_external_id"
    )


def test_views_push_stacks_at_most_three(lookalike: SlackLookalike, client: WebClient) -> None:
    root = client.views_open(trigger_id=lookalike.issue_trigger_id(user_id="U0BEN"), view=MODAL)["view"]
    second = client.views_push(trigger_id=lookalike.issue_trigger_id(view_id=root["id"]), view=MODAL)["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    client.views_push(trigger_id=lookalike.issue_trigger_id(user_id="U0BEN"), view=MODAL)
    assert (
        failure(
            lambda: client.views_push(trigger_id=lookalike.issue_trigger_id(view_id=second["id"]), view=MODAL)
        )["error"]
        == "push_limit_reached"
    )
    assert (
        failure(
            lambda: client.views_push(trigger_id=lookalike.issue_trigger_id(user_id="U0ANA"), view=MODAL)
        )["error"]
        == "not_found"
    )


def test_views_publish_keeps_one_home_view_per_user(lookalike: SlackLookalike, client: WebClient) -> None:
    first = client.views_publish(user_id="U0ANA", view=HOME)["view"]
    again = client.views_publish(
        user_id="U0ANA", view={**HOME, "private_metadata": "v2"}, hash=first["hash"]
    )["view"]
    assert again["id"] == first["id"]
    home = lookalike.home_view("U0ANA")
    assert home is not None
    assert home["private_metadata"] == "v2"
    assert lookalike.home_view("U0BEN") is None
    assert (
        failure(lambda: client.views_publish(user_id="U0ANA", view=HOME, hash=first["hash"]))["error"]
        == "hash_conflict"
    )
    assert failure(lambda: client.views_publish(user_id="U0NOBODY", view=HOME))["error"] == "user_not_found"
    assert failure(lambda: client.views_publish(user_id="U0ANA", view=MODAL))["error"] == "invalid_arguments"


# ----------------------------------------------------------------------------- directory


def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="U0BEN", include_locale=True)["user"]
    assert (user["name"], user["tz"], user["tz_offset"], user["locale"]) == (
        "ben",
        "Europe/London",
        0,
        "en-US",
    )
    admin = client.users_info(user="U0ADMIN")["user"]
    assert admin["is_admin"]
    assert not admin["is_bot"]
    assert client.users_info(user="U0TANDEMBOT")["user"]["is_bot"]
    assert failure(lambda: client.users_info(user="U0NOBODY"))["error"] == "user_not_found"


def test_custom_users_and_channels() -> None:
    users = {
        "U0ZED": {
            "name": "zed",
            "real_name": "Zed",
            "tz": "Asia/Tokyo",
            "tz_offset": 32400,
            "profile": {"email": "zed@example.com"},
        }
    }
    channels = {"C0ONLY": {"name": "only"}}
    with SlackLookalike(bot_token="xoxb-t", users=users, channels=channels) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        zed = client.users_info(user="U0ZED")["user"]
        assert (zed["tz"], zed["profile"]["email"], zed["profile"]["real_name"]) == (
            "Asia/Tokyo",
            "zed@example.com",
            "Zed",
        )
        assert failure(lambda: client.users_info(user="U0ANA"))["error"] == "user_not_found"
        assert client.conversations_info(channel="C0ONLY")["channel"]["name"] == "only"


def test_conversations_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="C0MARKETING", include_num_members=True)["channel"]
    assert (channel["id"], channel["name"], channel["is_channel"], channel["is_member"]) == (
        "C0MARKETING",
        "marketing",
        True,
        True,
    )
    assert channel["num_members"] == 3  # Ben, Ada and the bot
    assert failure(lambda: client.conversations_info(channel="C0NOPE"))["error"] == "channel_not_found"


def test_conversations_open(lookalike: SlackLookalike, client: WebClient) -> None:
    assert client.conversations_open(users=["U0ANA"]).data == {"ok": True, "channel": {"id": "D0ANA"}}
    again = client.conversations_open(users="U0ANA", return_im=True)
    assert (again["already_open"], again["channel"]["is_im"], again["channel"]["user"]) == (
        True,
        True,
        "U0ANA",
    )
    client.chat_postMessage(channel="D0ANA", text="hello")
    assert lookalike.messages("D0ANA")[0]["text"] == "hello"
    assert failure(lambda: client.conversations_open(users=["U0NOBODY"]))["error"] == "user_not_found"
    assert failure(lambda: client.api_call("conversations.open"))["error"] == "users_list_not_supplied"


def test_users_list_pages_with_a_cursor(lookalike: SlackLookalike, client: WebClient) -> None:
    everyone = client.users_list()
    assert [m["id"] for m in everyone["members"]] == ["U0ANA", "U0BEN", "U0ADMIN", "U0TANDEMBOT"]
    assert everyone["response_metadata"] == {"next_cursor": ""}
    first = client.users_list(limit=3, include_locale=True)
    assert [m["id"] for m in first["members"]] == ["U0ANA", "U0BEN", "U0ADMIN"]
    assert first["members"][0]["locale"] == "en-US"
    rest = client.users_list(limit=3, cursor=first["response_metadata"]["next_cursor"])
    assert ([m["id"] for m in rest["members"]], rest["response_metadata"]["next_cursor"]) == (
        ["U0TANDEMBOT"],
        "",
    )
    paged = [
        m["id"] for page in client.users_list(limit=1) for m in page["members"]
    ]  # slack_sdk follows cursors
    assert paged == ["U0ANA", "U0BEN", "U0ADMIN", "U0TANDEMBOT"]
    assert failure(lambda: client.users_list(cursor="bm90IGEgY3Vyc29y"))["error"] == "invalid_cursor"


def test_usergroups_list(client: WebClient) -> None:
    plain = client.usergroups_list()["usergroups"]
    assert [(g["id"], g["handle"], g["name"]) for g in plain] == [
        ("S0SALES", "sales-team", "Sales team"),
        ("S0MARKETING", "marketing-team", "Marketing team"),
    ]
    assert all(g["is_usergroup"] and g["date_delete"] == 0 for g in plain)
    assert "users" not in plain[0]
    assert "user_count" not in plain[0]
    detailed = client.usergroups_list(include_users=True, include_count=True)["usergroups"]
    assert [(g["users"], g["user_count"]) for g in detailed] == [(["U0ANA"], 1), (["U0BEN"], 1)]


def test_disabled_usergroups_show_only_when_asked_for() -> None:
    groups: dict[str, dict[str, Any]] = {
        "S0OLD": {"name": "Old promo", "users": ["U0ANA"], "disabled": True},
        "S0NEW": {"name": "New"},
    }
    with SlackLookalike(bot_token="xoxb-t", usergroups=groups) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        assert [g["id"] for g in client.usergroups_list()["usergroups"]] == ["S0NEW"]
        listed = client.usergroups_list(include_disabled=True)["usergroups"]
        assert [(g["id"], g["handle"], g["date_delete"] > 0) for g in listed] == [
            ("S0OLD", "old-promo", True),
            ("S0NEW", "new", False),
        ]
        assert failure(lambda: client.usergroups_users_list(usergroup="S0OLD"))["error"] == "no_such_subteam"
        assert client.usergroups_users_list(usergroup="S0OLD", include_disabled=True)["users"] == ["U0ANA"]
        assert client.usergroups_users_list(usergroup="S0NEW")["users"] == []


def test_usergroups_users_list_follows_the_directory(lookalike: SlackLookalike, client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0SALES").data == {"ok": True, "users": ["U0ANA"]}
    lookalike.set_usergroup_users("S0SALES", ["U0ANA", "U0ADMIN"])
    assert client.usergroups_users_list(usergroup="S0SALES")["users"] == ["U0ANA", "U0ADMIN"]
    assert failure(lambda: client.usergroups_users_list(usergroup="S0NOPE"))["error"] == "no_such_subteam"
    assert failure(lambda: client.api_call("usergroups.users.list"))["error"] == "no_such_subteam"


def test_conversations_members_pages_with_a_cursor(lookalike: SlackLookalike, client: WebClient) -> None:
    assert client.conversations_members(channel="C0SALES").data == {
        "ok": True,
        "members": ["U0ADMIN", "U0ANA", "U0TANDEMBOT"],
        "response_metadata": {"next_cursor": ""},
    }
    first = client.conversations_members(channel="C0TRACKER", limit=2)
    assert first["members"] == ["U0ADMIN", "U0ANA"]
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    second = client.conversations_members(channel="C0TRACKER", limit=2, cursor=cursor)
    assert (second["members"], second["response_metadata"]["next_cursor"]) == (["U0BEN", "U0TANDEMBOT"], "")
    pages = [page["members"] for page in client.conversations_members(channel="C0TRACKER", limit=3)]
    assert pages == [["U0ADMIN", "U0ANA", "U0BEN"], ["U0TANDEMBOT"]]
    lookalike.set_channel_members("C0SALES", ["U0BEN"])
    assert client.conversations_members(channel="C0SALES")["members"] == ["U0BEN"]
    assert lookalike.channel_members("C0SALES") == ["U0BEN"]
    dm = client.conversations_open(users="U0ANA")["channel"]["id"]
    assert client.conversations_members(channel=dm)["members"] == ["U0ANA", "U0TANDEMBOT"]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"channel": "C0NOPE"}, "channel_not_found"),
        ({"channel": "C0SALES", "limit": 1000}, "invalid_limit"),
        ({"channel": "C0SALES", "limit": "many"}, "invalid_limit"),
        ({"channel": "C0SALES", "cursor": "%%%"}, "invalid_cursor"),
        ({"channel": "C0SALES", "cursor": "dXNlcjpVME5PQk9EWQ=="}, "invalid_cursor"),  # user:U0NOBODY
    ],
)
def test_conversations_members_refusals(client: WebClient, args: dict[str, Any], error: str) -> None:
    assert failure(lambda: client.api_call("conversations.members", params=args))["error"] == error


def test_private_channels_the_bot_is_not_in_keep_their_members() -> None:
    channels = {"C0DEALS": {"name": "deals", "is_private": True, "is_member": False, "members": ["U0ANA"]}}
    with SlackLookalike(bot_token="xoxb-t", channels=channels) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        assert (
            failure(lambda: client.conversations_members(channel="C0DEALS"))["error"] == "channel_not_found"
        )
        assert lookalike.channel_members("C0DEALS") == ["U0ANA"]


# ----------------------------------------------------------------------------- conversations.history


@pytest.fixture
def timeline(slack_clock: FakeClock) -> Iterator[tuple[SlackLookalike, WebClient, FakeClock]]:
    """A look-alike whose message timestamps follow a wall clock the test moves."""
    wall = FakeClock(1_700_000_000.0)
    with SlackLookalike(bot_token="xoxb-t", clock=slack_clock, wall_clock=wall) as lookalike:
        yield lookalike, WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None), wall


def post_each_second(client: WebClient, wall: FakeClock, channel: str, count: int) -> list[str]:
    """Post ``count`` messages one wall-clock second apart; their ts, oldest first."""
    stamps = []
    for n in range(1, count + 1):
        wall.advance(1)
        stamps.append(client.chat_postMessage(channel=channel, text=f"m{n}")["ts"])
    return stamps


def test_history_is_newest_first_and_leaves_thread_replies_in_their_threads(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0FIELD", text="first")["ts"]
    parent = client.chat_postMessage(channel="C0FIELD", text="parent")["ts"]
    client.chat_postMessage(channel="C0FIELD", text="reply", thread_ts=parent)
    said = lookalike.post_user_message("C0FIELD", "U0ANA", "from ana")
    client.chat_postEphemeral(channel="C0FIELD", user="U0ANA", text="only ana")
    history = client.conversations_history(channel="C0FIELD")
    assert [(m["text"], m["ts"]) for m in history["messages"]] == [
        ("from ana", said["ts"]),
        ("parent", parent),
        ("first", first),
    ]
    assert (history["messages"][1]["reply_count"], history["messages"][1]["thread_ts"]) == (1, parent)
    assert (history["has_more"], history["pin_count"], history["response_metadata"]) == (
        False,
        0,
        {"next_cursor": ""},
    )
    assert client.conversations_history(channel="C0WINS")["messages"] == []


def test_history_bounds_are_exclusive_unless_inclusive(
    timeline: tuple[SlackLookalike, WebClient, FakeClock],
) -> None:
    _, client, wall = timeline
    one, two, _, four = post_each_second(client, wall, "C0SALES", 4)

    def texts(**bounds: Any) -> list[str]:
        return [m["text"] for m in client.conversations_history(channel="C0SALES", **bounds)["messages"]]

    assert (one, four) == ("1700000001.000000", "1700000004.000000")
    assert texts(oldest=one, latest=four) == ["m3", "m2"]
    assert texts(oldest=one, latest=four, inclusive=True) == ["m4", "m3", "m2", "m1"]
    assert texts(oldest=two) == ["m4", "m3"]
    assert texts(latest="1700000003", inclusive=1) == ["m3", "m2", "m1"]  # whole seconds are timestamps too
    assert texts(oldest="1700000002.5") == ["m4", "m3"]
    assert texts(inclusive=True) == ["m4", "m3", "m2", "m1"]  # no bounds: nothing to include
    assert texts(oldest=four) == []


def test_history_pages_with_limit_and_cursor(timeline: tuple[SlackLookalike, WebClient, FakeClock]) -> None:
    _, client, wall = timeline
    stamps = post_each_second(client, wall, "C0TRACKER", 5)
    first = client.conversations_history(channel="C0TRACKER", limit=2)
    assert ([m["text"] for m in first["messages"]], first["has_more"]) == (["m5", "m4"], True)
    cursor = first["response_metadata"]["next_cursor"]
    assert base64.b64decode(cursor).decode() == f"next_ts:{stamps[2]}"
    second = client.conversations_history(channel="C0TRACKER", limit=2, cursor=cursor)
    assert ([m["text"] for m in second["messages"]], second["has_more"]) == (["m3", "m2"], True)
    last = client.conversations_history(
        channel="C0TRACKER", limit=2, cursor=second["response_metadata"]["next_cursor"]
    )
    assert (last["messages"][0]["text"], last["has_more"], last["response_metadata"]["next_cursor"]) == (
        "m1",
        False,
        "",
    )
    pages = [  # slack_sdk follows cursors; the bounds hold on every page
        [m["text"] for m in page["messages"]]
        for page in client.conversations_history(channel="C0TRACKER", limit=2, oldest=stamps[0])
    ]
    assert pages == [["m5", "m4"], ["m3", "m2"]]


def test_history_returns_metadata_only_when_asked_for(lookalike: SlackLookalike, client: WebClient) -> None:
    metadata = {"event_type": "win_logged", "event_payload": {"id": 7}}
    posted = client.chat_postMessage(channel="C0WINS", text="win", metadata={**metadata, "extra": "not kept"})
    assert posted["message"]["metadata"] == metadata  # Slack's shape: event_type and event_payload
    client.chat_postMessage(channel="C0WINS", text="plain")
    plain = client.conversations_history(channel="C0WINS")["messages"]
    assert [("metadata" in m, m["text"]) for m in plain] == [(False, "plain"), (False, "win")]
    full = client.conversations_history(channel="C0WINS", include_all_metadata=True)["messages"]
    assert [m.get("metadata") for m in full] == [None, metadata]
    assert lookalike.messages("C0WINS")[0]["metadata"] == metadata  # the store keeps it either way


def test_history_of_a_dm_the_bot_opened(lookalike: SlackLookalike, client: WebClient) -> None:
    dm = client.conversations_open(users="U0BEN")["channel"]["id"]
    lookalike.post_user_message(dm, "U0BEN", "can I get the deck?")
    client.chat_postMessage(channel=dm, text="here it is")
    history = client.conversations_history(channel=dm)
    assert [(m["user"], m["text"]) for m in history["messages"]] == [
        ("U0TANDEMBOT", "here it is"),
        ("U0BEN", "can I get the deck?"),
    ]
    assert failure(lambda: client.conversations_history(channel="D0ANA"))["error"] == "channel_not_found"


def test_history_of_channels_the_bot_cannot_read() -> None:
    channels = {
        "C0OUT": {"name": "elsewhere", "is_member": False},
        "C0HIDDEN": {"name": "board", "is_private": True, "is_member": False},
        "C0OLD": {"name": "old", "is_archived": True},
    }
    with SlackLookalike(bot_token="xoxb-t", channels=channels) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        lookalike.post_user_message("C0OUT", "U0ANA", "not for the bot")
        assert failure(lambda: client.conversations_history(channel="C0OUT"))["error"] == "not_in_channel"
        assert (
            failure(lambda: client.conversations_history(channel="C0HIDDEN"))["error"] == "channel_not_found"
        )
        assert client.conversations_history(channel="C0OLD")["messages"] == []  # archived stays readable


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "channel_not_found"),
        ({"channel": "C0NOPE"}, "channel_not_found"),
        ({"channel": "#sales"}, "channel_not_found"),  # ids only
        ({"channel": "C0SALES", "oldest": "yesterday"}, "invalid_ts_oldest"),
        ({"channel": "C0SALES", "oldest": "-1"}, "invalid_ts_oldest"),
        ({"channel": "C0SALES", "latest": "NaN"}, "invalid_ts_latest"),
        ({"channel": "C0SALES", "limit": 1000}, "invalid_limit"),
        ({"channel": "C0SALES", "limit": "many"}, "invalid_limit"),
        ({"channel": "C0SALES", "cursor": "%%%"}, "invalid_cursor"),
        ({"channel": "C0SALES", "cursor": "bmV4dF90czoxLjA="}, "invalid_cursor"),  # next_ts:1.0
    ],
)
def test_history_refusals(client: WebClient, args: dict[str, Any], error: str) -> None:
    client.chat_postMessage(channel="C0SALES", text="x")
    assert failure(lambda: client.api_call("conversations.history", params=args))["error"] == error


def test_files_upload_v2_end_to_end(lookalike: SlackLookalike, client: WebClient) -> None:
    content = "number,title\n1,Leads lack phone numbers\n"
    answer = client.files_upload_v2(
        channel="C0TRACKER",
        content=content,
        filename="issues.csv",
        title="Shared issues",
        initial_comment="Here is the export",
    )
    [step1] = lookalike.calls_to("files.getUploadURLExternal")
    assert (step1.args["filename"], step1.args["length"]) == ("issues.csv", str(len(content)))
    upload_url = step1.response["upload_url"]
    assert upload_url.startswith(lookalike.url + "upload/v1/")
    [step2] = lookalike.uploads
    assert (step2.path, step2.body, step2.status, step2.args) == (
        upload_url[len(lookalike.url) - 1 :],
        content.encode(),
        200,
        {"length": len(content)},
    )
    [step3] = lookalike.calls_to("files.completeUploadExternal")
    assert json.loads(step3.args["files"]) == [{"id": step1.response["file_id"], "title": "Shared issues"}]
    assert (step3.args["channel_id"], step3.args["initial_comment"]) == ("C0TRACKER", "Here is the export")
    assert answer["file"]["id"] == step1.response["file_id"]
    assert (answer["file"]["name"], answer["file"]["mimetype"], answer["file"]["size"]) == (
        "issues.csv",
        "text/csv",
        len(content),
    )
    assert lookalike.uploaded_files("C0TRACKER") == [
        {
            "id": step1.response["file_id"],
            "name": "issues.csv",
            "title": "Shared issues",
            "bytes": content.encode(),
            "channels": ["C0TRACKER"],
            "initial_comment": "Here is the export",
            "thread_ts": None,
        }
    ]
    [shared] = lookalike.messages("C0TRACKER")
    assert (shared["text"], shared["files"][0]["id"], shared["user"]) == (
        "Here is the export",
        step1.response["file_id"],
        "U0TANDEMBOT",
    )
    assert lookalike.uploaded_files("C0SALES") == []


def test_files_upload_v2_into_a_thread_and_a_dm(lookalike: SlackLookalike, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0TRACKER", text="weekly export")["ts"]
    client.files_upload_v2(channel="C0TRACKER", content=b"\x00\x01", filename="data.bin", thread_ts=parent)
    [upload] = lookalike.uploaded_files("C0TRACKER")
    assert (upload["bytes"], upload["title"], upload["thread_ts"]) == (b"\x00\x01", "data.bin", parent)
    assert [m["files"][0]["name"] for m in lookalike.replies("C0TRACKER", parent)] == ["data.bin"]
    dm = client.conversations_open(users="U0ANA")["channel"]["id"]
    client.files_upload_v2(channel=dm, content="hi", filename="note.txt")
    assert [f["name"] for f in lookalike.uploaded_files(dm)] == ["note.txt"]


def test_file_upload_refusals(lookalike: SlackLookalike, client: WebClient) -> None:
    assert failure(lambda: client.files_getUploadURLExternal(filename="x.csv", length=0))["error"] == (
        "missing_argument"
    )
    assert failure(lambda: client.api_call("files.getUploadURLExternal", params={"length": 3}))["error"] == (
        "invalid_arguments"
    )
    ticket = client.files_getUploadURLExternal(filename="x.csv", length=3)
    files = [{"id": ticket["file_id"], "title": "x"}]
    # Not uploaded yet: Slack cannot find the file behind the ticket.
    assert failure(lambda: client.files_completeUploadExternal(files=files))["error"] == "file_not_found"
    upload = urllib.request.Request(ticket["upload_url"], data=b"four", method="POST")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(upload, timeout=5)
    assert refused.value.code == 400
    assert refused.value.read() == b"length mismatch: expected 3 bytes, got 4"
    assert lookalike.uploads[-1].response == {"ok": False, "error": "length_mismatch"}
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        urllib.request.Request(ticket["upload_url"], data=b"abc", method="POST"),  # noqa: S310
        timeout=5,
    ) as accepted:
        assert (accepted.status, accepted.read()) == (200, b"OK - 3")
    for channel, error in [
        ("C0NOPE", "invalid_channel"),
        ("sales", "invalid_channel"),  # completeUploadExternal takes IDs, never names
    ]:
        assert (
            failure(lambda c=channel: client.files_completeUploadExternal(files=files, channel_id=c))["error"]
            == error
        )
    assert failure(lambda: client.files_completeUploadExternal(files=[{"id": "F0NOPE"}]))["error"] == (
        "file_not_found"
    )
    client.files_completeUploadExternal(files=files)  # no channel: a private file
    assert lookalike.uploaded_files() == [
        {
            "id": ticket["file_id"],
            "name": "x.csv",
            "title": "x",
            "bytes": b"abc",
            "channels": [],
            "initial_comment": "",
            "thread_ts": None,
        }
    ]
    assert failure(lambda: client.files_completeUploadExternal(files=files))["error"] == "file_not_found"


def test_a_failed_upload_makes_files_upload_v2_raise(lookalike: SlackLookalike, client: WebClient) -> None:
    lookalike.fail_next("file_upload", status=500)
    # slack_sdk posts the bytes with urllib and lets its HTTPError through: callers must catch it.
    with pytest.raises(urllib.error.HTTPError) as raised:
        client.files_upload_v2(channel="C0TRACKER", content="x", filename="x.txt")
    assert raised.value.code == 500
    assert lookalike.calls_to("files.completeUploadExternal") == []
    assert lookalike.uploaded_files() == []


def test_uploads_to_archived_channels_and_channels_the_bot_left_are_denied() -> None:
    channels = {"C0OLD": {"name": "old", "is_archived": True}, "C0OUT": {"name": "out", "is_member": False}}
    with SlackLookalike(bot_token="xoxb-t", channels=channels) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        for channel in ("C0OLD", "C0OUT"):
            with pytest.raises(SlackApiError) as raised:
                client.files_upload_v2(channel=channel, content="x", filename="x.txt")
            assert raised.value.response["error"] == "posting_to_channel_denied"


def test_multipart_uploads_keep_the_file_part(lookalike: SlackLookalike, client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="deck.pdf", length=8)
    boundary = "tandemboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="filename"; filename="deck.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--{boundary}--\r\n"
    ).encode()
    status, _, _ = raw_text(
        lookalike,
        ticket["upload_url"][len(lookalike.url) - 1 :],
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 200
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="C0WINS")
    [deck] = lookalike.uploaded_files("C0WINS")
    assert (deck["bytes"], deck["title"]) == (b"%PDF-1.7", "deck.pdf")


# ----------------------------------------------------------------------------- tables and files


def table(rows: int = 2, cells: int = 2) -> dict[str, Any]:
    return {
        "type": "table",
        "rows": [[{"type": "raw_text", "text": f"r{r}c{c}"} for c in range(cells)] for r in range(rows)],
    }


@pytest.mark.parametrize(
    ("blocks", "error", "messages"),
    [
        ([table(), table()], "invalid_attachments", ["only_one_table_allowed"]),
        ([SECTION, table(), SECTION, table(1, 1)], "invalid_attachments", ["only_one_table_allowed"]),
        (
            [table(rows=101)],
            "invalid_blocks",
            ["[ERROR] no more than 100 items allowed [json-pointer:/blocks/0/rows]"],
        ),
        (
            [SECTION, table(cells=21)],
            "invalid_blocks",
            [f"[ERROR] no more than 20 items allowed [json-pointer:/blocks/1/rows/{r}]" for r in range(2)],
        ),
    ],
)
def test_a_message_holds_one_table_of_at_most_100_rows_of_20_cells(
    lookalike: SlackLookalike,
    client: WebClient,
    blocks: list[dict[str, Any]],
    error: str,
    messages: list[str],
) -> None:
    refused = failure(lambda: client.chat_postMessage(channel="C0SALES", text="figures", blocks=blocks))
    assert (refused["error"], refused["response_metadata"]["messages"]) == (error, messages)
    ts = client.chat_postMessage(channel="C0SALES", text="figures", blocks=[SECTION, table(100, 20)])["ts"]
    for call in (
        lambda: client.chat_update(channel="C0SALES", ts=ts, text="figures", blocks=blocks),
        lambda: client.chat_postEphemeral(channel="C0SALES", user="U0ANA", text="figures", blocks=blocks),
    ):
        assert failure(call)["error"] == error
    webhook = WebhookClient(lookalike.issue_response_url(channel_id="C0SALES"), proxy=None)
    answer = webhook.send_dict({"text": "figures", "blocks": blocks})
    assert (answer.status_code, json.loads(answer.body)["error"]) == (400, error)
    [kept] = lookalike.messages("C0SALES")
    assert len(kept["blocks"][1]["rows"]) == 100


def test_views_take_tables_within_the_row_and_cell_limits(client: WebClient) -> None:
    home = {"type": "home", "blocks": [SECTION, table(rows=101)]}
    refused = failure(lambda: client.views_publish(user_id="U0ANA", view=home))
    assert refused["error"] == "invalid_arguments"
    assert refused["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks/1/rows]"
    ]
    client.views_publish(user_id="U0ANA", view={"type": "home", "blocks": [table(100, 20)]})


def test_an_upload_shares_one_message_with_its_blocks_and_file(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    blocks = [SECTION, table()]
    answer = client.files_upload_v2(
        channel="C0METRICS",
        content=png,
        filename="chart.png",
        title="Metrics",
        alt_txt="Leads 42",
        blocks=json.dumps(blocks),
    )
    [step3] = lookalike.calls_to("files.completeUploadExternal")
    assert step3.args["blocks"] == blocks  # sent as a JSON string in the form, read back as blocks
    [shared] = lookalike.messages("C0METRICS")
    assert (shared["blocks"], shared["text"], [f["id"] for f in shared["files"]]) == (
        blocks,
        "",  # no fallback text to give: the product rule is for chat.postMessage and its kin
        [answer["file"]["id"]],
    )
    history = client.conversations_history(channel="C0METRICS")["messages"]
    assert [(m["ts"], [f["name"] for f in m["files"]], m["blocks"]) for m in history] == [
        (shared["ts"], ["chart.png"], blocks)
    ]


def test_an_upload_takes_blocks_as_a_list_in_a_json_body(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    ticket = client.files_getUploadURLExternal(filename="a.txt", length=1)
    put_bytes(ticket["upload_url"], b"a")
    client.api_call(
        "files.completeUploadExternal",
        json={"files": [{"id": ticket["file_id"]}], "channel_id": "C0WINS", "blocks": [SECTION]},
    )
    [shared] = lookalike.messages("C0WINS")
    assert (shared["blocks"], shared["files"][0]["name"]) == ([SECTION], "a.txt")


def test_an_upload_with_an_initial_comment_ignores_its_blocks(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    client.files_upload_v2(
        channel="C0WINS",
        content="x",
        filename="x.txt",
        initial_comment="Here it is",
        blocks=json.dumps([{"type": "hologram"}]),  # not even looked at, as Slack documents
    )
    [shared] = lookalike.messages("C0WINS")
    assert (shared["text"], "blocks" in shared) == ("Here it is", False)


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ("not json", "invalid_blocks_format"),
        (json.dumps([{"type": "hologram"}]), "invalid_blocks"),
        (json.dumps([SECTION] * 51), "invalid_blocks"),
        (json.dumps([table(), table()]), "invalid_attachments"),
    ],
)
def test_an_upload_with_bad_blocks_is_refused_and_shares_nothing(
    lookalike: SlackLookalike, client: WebClient, blocks: str, error: str
) -> None:
    ticket = client.files_getUploadURLExternal(filename="x.txt", length=1)
    put_bytes(ticket["upload_url"], b"x")
    files = [{"id": ticket["file_id"]}]
    refused = failure(
        lambda: client.files_completeUploadExternal(files=files, channel_id="C0WINS", blocks=blocks)
    )
    assert refused["error"] == error
    assert (lookalike.messages("C0WINS"), lookalike.uploaded_files()) == ([], [])
    client.files_completeUploadExternal(files=files, channel_id="C0WINS", blocks=json.dumps([SECTION]))
    assert [m["blocks"] for m in lookalike.messages("C0WINS")] == [[SECTION]]


def put_bytes(url: str, data: bytes) -> None:
    """Step two of an upload, done by hand: the bytes POSTed to the ``upload_url``."""
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5).close()


def download(url: str, token: str | None = None, method: str = "GET") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, method=method)  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read()


def test_files_are_downloaded_from_the_lookalike_with_the_bot_token_only(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    file = client.files_upload_v2(channel="C0WINS", content=b"%PDF-1.7", filename="deck.pdf")["file"]
    prefix = f"{lookalike.url}files-pri/{lookalike.team_id}-{file['id']}/"
    assert (file["url_private"], file["url_private_download"]) == (
        prefix + "deck.pdf",
        prefix + "download/deck.pdf",
    )
    assert file["permalink"] == f"https://tandem-test.slack.com/files/U0TANDEMBOT/{file['id']}/deck.pdf"
    for url in (file["url_private"], file["url_private_download"]):
        assert download(url, TOKEN) == (200, "application/pdf", b"%PDF-1.7")
        status, kind, page = download(url)
        assert (status, kind.split(";")[0]) == (403, "text/html")  # Slack's sign-in page, not the file
        assert b"%PDF" not in page
        assert download(url, "xoxb-someone-else")[0] == 403
        assert download(url, TOKEN, method="POST")[0] != 200
    assert download(prefix + "other.pdf", TOKEN)[0] == 404
    assert download(f"{lookalike.url}files-pri/{lookalike.team_id}-F0NOPE/deck.pdf", TOKEN)[0] == 404
    assert [c.status for c in lookalike.calls_to("file_download")][:3] == [200, 403, 403]


def test_files_info_returns_a_complete_file(lookalike: SlackLookalike, client: WebClient) -> None:
    file = client.files_upload_v2(channel="C0WINS", content="a,b\n", filename="values.csv")["file"]
    info = client.files_info(file=file["id"])
    assert (info["file"], info["comments"]) == (file, [])
    assert lookalike.calls_to("files.info")[0].args["file"] == file["id"]
    assert failure(lambda: client.files_info(file="F0NOPE"))["error"] == "file_not_found"
    ticket = client.files_getUploadURLExternal(filename="later.csv", length=3)
    assert failure(lambda: client.files_info(file=ticket["file_id"]))["error"] == "file_not_found"


def test_a_person_shares_a_file_in_their_dm_with_the_bot(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    csv = b"date,metric,value\n2026-11-23,leads,42\n"
    file = lookalike.user_shares_file("U0ANA", "values.csv", csv)
    dm = lookalike.dm_channel("U0ANA")
    [shared] = lookalike.messages(dm)
    assert (shared["subtype"], shared["user"], shared["files"]) == ("file_share", "U0ANA", [file])
    assert (file["name"], file["user"], file["size"], file["filetype"], file["mimetype"]) == (
        "values.csv",
        "U0ANA",
        len(csv),
        "csv",
        "text/csv",
    )
    assert download(file["url_private_download"], TOKEN)[2] == csv
    assert download(file["url_private_download"])[0] == 403
    assert client.files_info(file=file["id"])["file"] == file
    [seen] = client.conversations_history(channel=dm)["messages"]
    assert (seen["ts"], seen["files"][0]["id"]) == (shared["ts"], file["id"])
    assert lookalike.uploaded_files() == []  # the bot's uploads only


def test_a_person_shares_a_file_in_a_channel_with_a_filetype(lookalike: SlackLookalike) -> None:
    file = lookalike.user_shares_file("U0BEN", "export", b"a\tb\n", channel="C0MARKETING", filetype="tsv")
    [shared] = lookalike.messages("C0MARKETING")
    assert (shared["files"][0]["id"], file["filetype"], file["user"]) == (file["id"], "tsv", "U0BEN")
    with pytest.raises(ValueError, match="U0NOBODY"):
        lookalike.user_shares_file("U0NOBODY", "x.csv", b"x")


def raw_text(
    lookalike: SlackLookalike, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, Any, bytes]:
    parts = urlsplit(lookalike.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        connection.close()


def test_reactions_add(lookalike: SlackLookalike, client: WebClient) -> None:
    ts = lookalike.post_user_message("C0WINS", "U0ANA", "closed Acme!")["ts"]
    assert client.reactions_add(channel="C0WINS", name="tada", timestamp=ts).data == {"ok": True}
    assert lookalike.messages("C0WINS")[0]["reactions"] == [
        {"name": "tada", "users": ["U0TANDEMBOT"], "count": 1}
    ]
    for name, timestamp, error in [
        ("tada", ts, "already_reacted"),
        ("tada", "1.000001", "message_not_found"),
        (":tada:", ts, "invalid_name"),
        ("tada", "", "no_item_specified"),
    ]:
        assert (
            failure(lambda n=name, t=timestamp: client.reactions_add(channel="C0WINS", name=n, timestamp=t))[
                "error"
            ]
            == error
        )


# ----------------------------------------------------------------------------- recording


def test_calls_are_recorded_whole_and_frozen(
    lookalike: SlackLookalike, client: WebClient, slack_clock: FakeClock
) -> None:
    slack_clock.advance(5)
    client.chat_postMessage(channel="C0TRACKER", text="x", blocks=[SECTION])
    (call,) = lookalike.calls_to("chat.postMessage")
    assert json.loads(call.body) == {"channel": "C0TRACKER", "text": "x", "blocks": [SECTION]}
    assert call.args == json.loads(call.body)
    assert (call.status, call.ok, call.error, call.at) == (200, True, None, 1005.0)
    assert call.response["channel"] == "C0TRACKER"
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.status = 500  # type: ignore[misc]
    lookalike.calls.clear()  # a copy
    assert len(lookalike.calls) == 1


def test_wait_for_blocks_until_the_call_arrives(lookalike: SlackLookalike, client: WebClient) -> None:
    lookalike.delay_next("chat.postMessage", 0.2)
    worker = threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C0SALES", "text": "later"})
    started = time.monotonic()
    worker.start()
    (call,) = lookalike.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == "C0SALES")
    assert time.monotonic() - started >= 0.2
    assert call.ok
    worker.join()


def test_wait_for_says_what_was_recorded_on_timeout(lookalike: SlackLookalike, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"(?s)'views\.open'.*got 0.*auth\.test -> HTTP 200 ok"):
        lookalike.wait_for("views.open", timeout=0.05)


def test_reset_forgets_everything_but_the_directory(lookalike: SlackLookalike, client: WebClient) -> None:
    client.chat_postMessage(channel="C0TRACKER", text="x")
    lookalike.fail_next("auth.test")
    lookalike.reset()
    assert lookalike.calls == []
    assert lookalike.messages("C0TRACKER") == []
    assert client.auth_test()["ok"]
    assert client.users_info(user="U0ANA")["ok"]


# ----------------------------------------------------------------------------- faults


def test_rate_limited_answers_carry_retry_after(lookalike: SlackLookalike, client: WebClient) -> None:
    lookalike.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0TRACKER", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response.data == {"ok": False, "error": "ratelimited"}
    assert [c.status for c in lookalike.calls] == [429]
    assert lookalike.messages("C0TRACKER") == []


def test_rate_limit_retry_handler_retries_after_retry_after(lookalike: SlackLookalike) -> None:
    client = WebClient(
        token=lookalike.bot_token,
        base_url=lookalike.api_url,
        proxy=None,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    lookalike.fail_next("chat.postMessage", retry_after=0)
    assert client.chat_postMessage(channel="C0TRACKER", text="x")["ok"]
    assert [c.status for c in lookalike.calls_to("chat.postMessage")] == [429, 200]
    assert len(lookalike.messages("C0TRACKER")) == 1


def test_server_errors(lookalike: SlackLookalike, client: WebClient) -> None:
    lookalike.fail_next("auth.test", status=500)
    answer = failure(client.auth_test)
    assert (answer["status"], answer["error"]) == (500, "internal_error")
    retrying = WebClient(
        token=lookalike.bot_token,
        base_url=lookalike.api_url,
        proxy=None,
        retry_handlers=[
            ServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.0)
            )
        ],
    )
    lookalike.fail_next("auth.test", status=503)
    assert retrying.auth_test()["ok"]
    assert [c.status for c in lookalike.calls_to("auth.test")] == [500, 503, 200]


def test_injected_slack_errors(lookalike: SlackLookalike, client: WebClient) -> None:
    lookalike.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        answer = failure(lambda: client.chat_postMessage(channel="C0TRACKER", text="x"))
        assert (answer["status"], answer["error"]) == (200, "channel_not_found")
    assert client.chat_postMessage(channel="C0TRACKER", text="x")["ok"]


def test_latency_comes_before_every_web_api_answer() -> None:
    with SlackLookalike(bot_token="xoxb-t", latency=0.2) as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        started = time.monotonic()  # the look-alike's default clock: RecordedCall.at is comparable
        client.auth_test()
        failure(lambda: client.api_call("foo.bar"))
        assert [c.at - started >= 0.2 for c in lookalike.calls] == [True, True]


def test_set_latency_slows_concurrent_calls_each_and_adds_to_delay_next() -> None:
    with SlackLookalike(bot_token="xoxb-t") as lookalike:
        client = WebClient(token="xoxb-t", base_url=lookalike.api_url, proxy=None)
        lookalike.set_latency(0.3)
        started = time.monotonic()
        workers = [
            threading.Thread(target=client.chat_postMessage, kwargs={"channel": c, "text": "x"})
            for c in ("C0SALES", "C0MARKETING")
        ]
        for worker in workers:
            worker.start()
        calls = lookalike.wait_for("chat.postMessage", count=2)
        for worker in workers:
            worker.join()
        assert [(c.ok, c.at - started >= 0.3) for c in calls] == [(True, True), (True, True)]
        lookalike.set_latency(0.1)
        lookalike.delay_next("auth.test", 0.2)
        started = time.monotonic()
        client.auth_test()
        assert lookalike.calls_to("auth.test")[0].at - started >= 0.3
        with pytest.raises(ValueError, match="latency"):
            lookalike.set_latency(-1)


# ----------------------------------------------------------------------------- response_url


def test_response_url_posts_land_where_slack_would_put_them(
    lookalike: SlackLookalike, client: WebClient
) -> None:
    original = client.chat_postMessage(channel="C0TRACKER", text="pending")["ts"]
    url = lookalike.issue_response_url(channel_id="C0TRACKER", user_id="U0ANA", message_ts=original)
    assert url.startswith(lookalike.url + "webhooks/response/")
    webhook = WebhookClient(url, proxy=None)
    assert webhook.send(text="only Ana sees this").status_code == 200
    assert webhook.send(text="shared", response_type="in_channel").status_code == 200
    assert webhook.send(text="approved", replace_original=True).body == '{"ok": true}'
    assert [m["text"] for m in lookalike.messages("C0TRACKER")] == ["approved", "shared"]
    assert lookalike.ephemeral_messages("C0TRACKER")[0]["to_user"] == "U0ANA"
    assert webhook.send_dict({"delete_original": True}).status_code == 200
    assert [m["text"] for m in lookalike.messages("C0TRACKER")] == ["shared"]
    assert [r.args.get("text") for r in lookalike.responses] == [
        "only Ana sees this",
        "shared",
        "approved",
        None,
    ]


def test_response_url_takes_five_posts(lookalike: SlackLookalike) -> None:
    webhook = WebhookClient(lookalike.issue_response_url(channel_id="C0SALES"), proxy=None)
    assert [webhook.send(text=str(n)).status_code for n in range(5)] == [200] * 5
    sixth = webhook.send(text="6")
    assert (sixth.status_code, json.loads(sixth.body)["error"]) == (404, "used_url")


def test_response_url_expires_after_thirty_minutes(lookalike: SlackLookalike, slack_clock: FakeClock) -> None:
    webhook = WebhookClient(lookalike.issue_response_url(channel_id="C0SALES"), proxy=None)
    slack_clock.advance(30 * 60)
    assert webhook.send(text="just in time").status_code == 200
    slack_clock.advance(1)
    late = webhook.send(text="late")
    assert (late.status_code, json.loads(late.body)["error"]) == (404, "expired_url")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"blocks": [SECTION]}, "no_text"),
        ({"response_type": "in_channel"}, "no_text"),
        ({"text": "x", "blocks": [{"type": "hologram"}]}, "invalid_blocks"),
        ({"text": "x", "blocks": [SECTION] * 51}, "invalid_blocks"),
    ],
)
def test_response_url_refusals(lookalike: SlackLookalike, payload: dict[str, Any], error: str) -> None:
    webhook = WebhookClient(lookalike.issue_response_url(channel_id="C0SALES"), proxy=None)
    answer = webhook.send_dict(payload)
    assert (answer.status_code, json.loads(answer.body)["error"]) == (400, error)


def test_unknown_response_urls_and_bad_bodies(lookalike: SlackLookalike) -> None:
    unknown = WebhookClient(lookalike.url + "webhooks/response/T0/1/nope", proxy=None)
    assert unknown.send(text="x").status_code == 404
    url = lookalike.issue_response_url()
    status, _, answer = raw(
        lookalike, url[len(lookalike.url) - 1 :], b"[1, 2]", {"Content-Type": "application/json"}
    )
    assert (status, answer["error"]) == (400, "invalid_payload")


def test_response_url_faults(lookalike: SlackLookalike) -> None:
    webhook = WebhookClient(lookalike.issue_response_url(channel_id="C0SALES"), proxy=None)
    lookalike.fail_next("response_url", status=500)
    assert webhook.send(text="x").status_code == 500
    assert webhook.send(text="x").status_code == 200
    assert [r.status for r in lookalike.responses] == [500, 200]
