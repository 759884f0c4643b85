"""Slack-style signed requests: shapes, signatures, and a real Bolt app receiving them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.sandbox import SignedRequest, SlackLookalike, SlackRequests
from bot.sandbox.signing import state_values

SECRET = "tandem-signing-secret"
NOW = 1_732_412_345.0
SECTION = {
    "type": "section",
    "text": {"type": "mrkdwn", "text": "Deal *Acme*"},
    "block_id": "deal",
    "accessory": {
        "type": "button",
        "action_id": "approve",
        "text": {"type": "plain_text", "text": "Approve"},
        "value": "acme",
    },
}
STAGES = [
    {"text": {"type": "plain_text", "text": "Won"}, "value": "won"},
    {"text": {"type": "plain_text", "text": "Lost"}, "value": "lost"},
]
WIN_MODAL = {
    "type": "modal",
    "callback_id": "log_win",
    "title": {"type": "plain_text", "text": "Log win"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "amount",
            "label": {"type": "plain_text", "text": "Amount"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "stage",
            "label": {"type": "plain_text", "text": "Stage"},
            "element": {
                "type": "static_select",
                "action_id": "choice",
                "options": STAGES,
                "initial_option": STAGES[0],
            },
        },
        {
            "type": "input",
            "block_id": "owner",
            "label": {"type": "plain_text", "text": "Owner"},
            "element": {"type": "users_select", "action_id": "user"},
        },
        {
            "type": "input",
            "block_id": "closed",
            "label": {"type": "plain_text", "text": "Closed"},
            "element": {"type": "datepicker", "action_id": "date"},
        },
        {
            "type": "input",
            "block_id": "tags",
            "label": {"type": "plain_text", "text": "Tags"},
            "element": {"type": "checkboxes", "action_id": "picked", "options": STAGES},
        },
        {
            "type": "input",
            "block_id": "where",
            "label": {"type": "plain_text", "text": "Post"},
            "element": {"type": "conversations_select", "action_id": "channel", "response_url_enabled": True},
        },
    ],
}


class FixedClock(Clock):
    def now(self) -> float:
        return NOW


@pytest.fixture
def slack(lookalike: SlackLookalike) -> SlackRequests:
    return SlackRequests(SECRET, lookalike, clock=lambda: NOW)


def form(request: SignedRequest) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.body.decode()).items()}


def payload(request: SignedRequest) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(form(request)["payload"])
    return decoded


BUILDERS: dict[str, Callable[[SlackRequests], SignedRequest]] = {
    "slash_command": lambda s: s.slash_command("/tandem", "deal Acme", user_id="U0ANA"),
    "block_actions": lambda s: s.block_actions(
        [{"action_id": "approve"}], user_id="U0ANA", message={"ts": "1.000001", "blocks": [SECTION]}
    ),
    "view_submission": lambda s: s.view_submission(WIN_MODAL, {}, user_id="U0ANA"),
    "global_shortcut": lambda s: s.global_shortcut("new_deal", user_id="U0BEN"),
    "message_shortcut": lambda s: s.message_shortcut(
        "log_note", {"ts": "1.000001", "text": "x"}, "C0FIELD", user_id="U0BEN"
    ),
    "event": lambda s: s.event({"type": "app_mention", "user": "U0ANA", "text": "hi"}),
    "url_verification": lambda s: s.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"),
}


# ----------------------------------------------------------------------------- signatures


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_every_request_is_signed_as_slack_signs(
    slack: SlackRequests, build: Callable[[SlackRequests], SignedRequest]
) -> None:
    request = build(slack)
    assert request.headers["X-Slack-Request-Timestamp"] == str(int(NOW))
    expected = hmac.new(
        SECRET.encode(), f"v0:{int(NOW)}:".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Slack-Signature"] == f"v0={expected}"
    verifier = SignatureVerifier(SECRET, clock=FixedClock())
    assert verifier.is_valid_request(request.body, request.headers)
    assert verifier.is_valid_request(request.body.decode(), request.headers)


def test_forged_and_stale_requests_fail_verification(slack: SlackRequests) -> None:
    verifier = SignatureVerifier(SECRET, clock=FixedClock())
    forged = slack.slash_command("/tandem", "", user_id="U0ANA", bad_signature=True)
    stale = slack.event({"type": "app_home_opened", "user": "U0ANA"}, signed_at=NOW - 301)
    recent = slack.event({"type": "app_home_opened", "user": "U0ANA"}, signed_at=NOW - 299)
    assert not verifier.is_valid_request(forged.body, forged.headers)
    assert stale.headers["X-Slack-Request-Timestamp"] == str(int(NOW - 301))
    assert not verifier.is_valid_request(stale.body, stale.headers)
    assert verifier.is_valid_request(recent.body, recent.headers)
    tampered = forged.body.replace(b"U0ANA", b"U0BEN")
    honest = slack.slash_command("/tandem", "", user_id="U0ANA")
    assert not verifier.is_valid_request(tampered, honest.headers)


# ----------------------------------------------------------------------------- shapes


def test_slash_command_is_form_encoded_with_slacks_fields(
    lookalike: SlackLookalike, slack: SlackRequests, client: WebClient
) -> None:
    request = slack.slash_command("/tandem", "deal Acme <@U0BEN|ben>", user_id="U0ANA", channel_id="C0SALES")
    assert (request.path, request.headers["Content-Type"]) == (
        "/slack/events",
        "application/x-www-form-urlencoded",
    )
    fields = form(request)
    assert (
        list(fields)
        == list(request.data)
        == [
            "token",
            "team_id",
            "team_domain",
            "channel_id",
            "channel_name",
            "user_id",
            "user_name",
            "command",
            "text",
            "api_app_id",
            "is_enterprise_install",
            "response_url",
            "trigger_id",
        ]
    )
    assert {
        k: fields[k]
        for k in (
            "team_id",
            "team_domain",
            "channel_name",
            "user_name",
            "command",
            "text",
            "api_app_id",
            "is_enterprise_install",
        )
    } == {
        "team_id": "T0TANDEM",
        "team_domain": "tandem-test",
        "channel_name": "sales",
        "user_name": "ana",
        "command": "/tandem",
        "text": "deal Acme <@U0BEN|ben>",
        "api_app_id": "A0TANDEM",
        "is_enterprise_install": "false",
    }
    assert fields["response_url"].startswith(lookalike.url + "webhooks/response/")
    assert client.views_open(trigger_id=fields["trigger_id"], view=WIN_MODAL)["ok"]


def test_enterprise_fields(lookalike: SlackLookalike) -> None:
    grid = SlackRequests(SECRET, lookalike, enterprise_id="E0GRID", clock=lambda: NOW)
    fields = form(grid.slash_command("/tandem", "", user_id="U0ANA"))
    assert (fields["enterprise_id"], fields["enterprise_name"]) == ("E0GRID", "Tandem Grid")
    shortcut = payload(grid.global_shortcut("new_deal", user_id="U0ANA"))
    assert shortcut["enterprise"] == {"id": "E0GRID", "name": "Tandem Grid"}
    assert shortcut["team"]["enterprise_id"] == "E0GRID"
    envelope = json.loads(grid.event({"type": "app_mention"}).body)
    assert envelope["authorizations"][0]["enterprise_id"] == "E0GRID"


def test_block_actions_on_a_message(
    lookalike: SlackLookalike, slack: SlackRequests, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C0TRACKER", text="Deal Acme", blocks=[SECTION])
    request = slack.block_actions(
        [{"action_id": "approve", "value": "acme"}],
        user_id="U0ANA",
        message=posted["message"],
        channel_id="C0TRACKER",
    )
    body = payload(request)
    assert body == request.data
    assert list(body) == [
        "type",
        "user",
        "api_app_id",
        "token",
        "container",
        "trigger_id",
        "team",
        "enterprise",
        "is_enterprise_install",
        "channel",
        "message",
        "state",
        "response_url",
        "actions",
    ]
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0TRACKER",
        "is_ephemeral": False,
    }
    assert body["user"] == {"id": "U0ANA", "username": "ana", "name": "ana", "team_id": "T0TANDEM"}
    assert body["channel"] == {"id": "C0TRACKER", "name": "tandem-tracker"}
    assert body["actions"] == [
        {
            "type": "button",
            "block_id": "deal",
            "action_ts": f"{NOW:.6f}",
            "action_id": "approve",
            "value": "acme",
        }
    ]
    # the response_url replaces the message the button sits in
    WebhookClient(body["response_url"], proxy=None).send(text="Approved", replace_original=True)
    assert lookalike.messages("C0TRACKER")[0]["text"] == "Approved"


def test_block_actions_in_a_modal(lookalike: SlackLookalike, slack: SlackRequests, client: WebClient) -> None:
    view = client.views_open(trigger_id=lookalike.issue_trigger_id(user_id="U0ANA"), view=WIN_MODAL)["view"]
    body = payload(
        slack.block_actions(
            [{"action_id": "choice", "type": "static_select", "selected_option": STAGES[1]}],
            user_id="U0ANA",
            view=view,
            values={"amount": {"value": "1200"}},
        )
    )
    assert body["container"] == {"type": "view", "view_id": view["id"]}
    assert "response_url" not in body
    assert "channel" not in body
    assert body["actions"][0]["block_id"] == "stage"
    assert body["view"]["id"] == view["id"]
    assert body["view"]["state"]["values"]["amount"]["value"] == {"type": "plain_text_input", "value": "1200"}
    pushed = client.views_push(trigger_id=body["trigger_id"], view=WIN_MODAL)["view"]
    assert pushed["previous_view_id"] == view["id"]


def test_state_values_take_slacks_shape_per_element_type() -> None:
    values = state_values(
        WIN_MODAL,
        {
            "amount": {"value": "1200"},
            "owner": {"user": "U0BEN"},
            "closed": {"date": "2024-11-28"},
            "tags": {"picked": ["lost"]},
            "where": {"channel": {"type": "conversations_select", "selected_conversation": "C0WINS"}},
        },
    )
    assert values == {
        "amount": {"value": {"type": "plain_text_input", "value": "1200"}},
        "stage": {"choice": {"type": "static_select", "selected_option": STAGES[0]}},
        "owner": {"user": {"type": "users_select", "selected_user": "U0BEN"}},
        "closed": {"date": {"type": "datepicker", "selected_date": "2024-11-28"}},
        "tags": {"picked": {"type": "checkboxes", "selected_options": [STAGES[1]]}},
        "where": {"channel": {"type": "conversations_select", "selected_conversation": "C0WINS"}},
    }
    empty = state_values(WIN_MODAL, {})
    assert empty["amount"]["value"] == {"type": "plain_text_input", "value": None}
    assert empty["tags"]["picked"] == {"type": "checkboxes", "selected_options": []}
    assert empty["owner"]["user"] == {"type": "users_select", "selected_user": None}


def test_view_submission(lookalike: SlackLookalike, slack: SlackRequests, client: WebClient) -> None:
    view = client.views_open(
        trigger_id=lookalike.issue_trigger_id(user_id="U0ANA"),
        view={**WIN_MODAL, "private_metadata": "deal=42"},
    )["view"]
    body = payload(
        slack.view_submission(
            view, {"amount": {"value": "1200"}, "where": {"channel": "C0WINS"}}, user_id="U0ANA"
        )
    )
    assert list(body) == [
        "type",
        "team",
        "user",
        "api_app_id",
        "token",
        "trigger_id",
        "view",
        "response_urls",
        "is_enterprise_install",
        "enterprise",
    ]
    submitted = body["view"]
    assert (submitted["id"], submitted["hash"], submitted["private_metadata"], submitted["callback_id"]) == (
        view["id"],
        view["hash"],
        "deal=42",
        "log_win",
    )
    assert submitted["state"]["values"]["amount"]["value"]["value"] == "1200"
    (target,) = body["response_urls"]
    assert (target["block_id"], target["action_id"], target["channel_id"]) == ("where", "channel", "C0WINS")
    WebhookClient(target["response_url"], proxy=None).send(text="Win logged", response_type="in_channel")
    assert lookalike.messages("C0WINS")[0]["text"] == "Win logged"


def test_shortcuts(lookalike: SlackLookalike, slack: SlackRequests) -> None:
    glob = payload(slack.global_shortcut("new_deal", user_id="U0BEN"))
    assert glob["type"] == "shortcut"
    assert "response_url" not in glob
    assert glob["user"] == {"id": "U0BEN", "username": "ben", "team_id": "T0TANDEM"}
    assert (glob["callback_id"], glob["team"]) == ("new_deal", {"id": "T0TANDEM", "domain": "tandem-test"})
    note = lookalike.post_user_message("C0FIELD", "U0ANA", "Acme wants a demo")
    msg = payload(slack.message_shortcut("log_note", note, "C0FIELD", user_id="U0BEN"))
    assert (msg["type"], msg["message_ts"], msg["message"]["text"]) == (
        "message_action",
        note["ts"],
        "Acme wants a demo",
    )
    assert msg["channel"] == {"id": "C0FIELD", "name": "field-notes"}
    assert msg["response_url"].startswith(lookalike.url)


def test_event_envelope_and_retry_headers(slack: SlackRequests) -> None:
    first = slack.event(
        {"type": "app_mention", "user": "U0ANA", "text": "<@U0TANDEMBOT> hi", "channel": "C0SALES"},
        event_id="Ev0TANDEM1",
    )
    envelope = json.loads(first.body)
    assert first.headers["Content-Type"] == "application/json"
    assert "X-Slack-Retry-Num" not in first.headers
    assert (
        envelope["type"],
        envelope["event_id"],
        envelope["event_time"],
        envelope["team_id"],
        envelope["api_app_id"],
    ) == ("event_callback", "Ev0TANDEM1", int(NOW), "T0TANDEM", "A0TANDEM")
    assert envelope["event"]["event_ts"] == f"{NOW:.6f}"
    assert envelope["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": "T0TANDEM",
            "user_id": "U0TANDEMBOT",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    retry = slack.event(envelope["event"], event_id="Ev0TANDEM1", retry_num=1)
    assert (retry.headers["X-Slack-Retry-Num"], retry.headers["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )
    assert json.loads(retry.body)["event_id"] == "Ev0TANDEM1"
    challenge = json.loads(slack.url_verification("abc123").body)
    assert challenge == {
        "token": "tandem-verification-token",
        "challenge": "abc123",
        "type": "url_verification",
    }


# ----------------------------------------------------------------------------- a real Bolt app


class _BoltHandler(BaseHTTPRequestHandler):
    app: App

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        answer = self.app.dispatch(BoltRequest(body=body, headers=dict(self.headers.items())))
        self.send_response(answer.status)
        for name, values in answer.headers.items():
            for value in values:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_url(lookalike: SlackLookalike) -> Iterator[str]:
    """A Bolt app wired to the look-alike, served on 127.0.0.1 like production would be."""
    app = App(
        signing_secret=SECRET,
        process_before_response=True,
        client=WebClient(token=lookalike.bot_token, base_url=lookalike.api_url, proxy=None),
    )

    @app.command("/tandem")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=WIN_MODAL)
        respond("Opening the win form")

    @app.view("log_win")
    def submit(ack: Ack, view: dict[str, Any]) -> None:
        amount = view["state"]["values"]["amount"]["value"]["value"]
        if not (amount or "").isdigit():
            ack(response_action="errors", errors={"amount": "Enter a whole number"})
        else:
            ack()

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Callable[..., Any]) -> None:
        say(text=f"Hi <@{event['user']}>", channel=event["channel"])

    handler = type("Handler", (_BoltHandler,), {"app": app})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def live(lookalike: SlackLookalike) -> SlackRequests:
    return SlackRequests(SECRET, lookalike)  # Bolt checks timestamps against the real clock


def test_a_bolt_app_handles_a_signed_slash_command(
    lookalike: SlackLookalike, live: SlackRequests, bolt_url: str
) -> None:
    answer = live.send(bolt_url, live.slash_command("/tandem", "", user_id="U0ANA"))
    assert (answer.status, answer.text) == (200, "")
    (opened,) = lookalike.wait_for("views.open")
    assert opened.ok
    assert opened.args["view"]["callback_id"] == "log_win"
    (posted,) = lookalike.wait_for("response_url")
    assert posted.args == {"text": "Opening the win form"}
    assert posted.status == 200


def test_a_bolt_app_refuses_forged_and_stale_requests(live: SlackRequests, bolt_url: str) -> None:
    forged = live.send(bolt_url, live.slash_command("/tandem", "", user_id="U0ANA", bad_signature=True))
    stale = live.send(bolt_url, live.global_shortcut("x", user_id="U0ANA", signed_at=time.time() - 600))
    assert (forged.status, forged.json()) == (401, {"error": "invalid request"})
    assert stale.status == 401


def test_a_bolt_app_answers_view_submissions(
    lookalike: SlackLookalike, live: SlackRequests, bolt_url: str
) -> None:
    view = lookalike.view(
        WebClient(token=lookalike.bot_token, base_url=lookalike.api_url, proxy=None).views_open(
            trigger_id=lookalike.issue_trigger_id(user_id="U0ANA"), view=WIN_MODAL
        )["view"]["id"]
    )
    assert view is not None
    refused = live.send(bolt_url, live.view_submission(view, {"amount": {"value": "lots"}}, user_id="U0ANA"))
    assert refused.json() == {"response_action": "errors", "errors": {"amount": "Enter a whole number"}}
    accepted = live.send(bolt_url, live.view_submission(view, {"amount": {"value": "1200"}}, user_id="U0ANA"))
    assert (accepted.status, accepted.body) == (200, b"")


def test_a_bolt_app_handles_events_and_their_retries(
    lookalike: SlackLookalike, live: SlackRequests, bolt_url: str
) -> None:
    event = {
        "type": "app_mention",
        "user": "U0ANA",
        "text": "<@U0TANDEMBOT> hi",
        "channel": "C0SALES",
        "ts": "1.000001",
    }
    assert live.send(bolt_url, live.event(event, event_id="Ev1")).status == 200
    assert live.send(bolt_url, live.event(event, event_id="Ev1", retry_num=1)).status == 200
    posts = lookalike.wait_for("chat.postMessage", count=2)
    assert [p.args["text"] for p in posts] == ["Hi <@U0ANA>"] * 2  # Bolt does not deduplicate


def test_send_ignores_proxy_settings(
    live: SlackRequests, bolt_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "")
    challenge = live.send(bolt_url, live.url_verification("abc123"))
    assert (challenge.status, challenge.json()) == (200, {"challenge": "abc123"})
