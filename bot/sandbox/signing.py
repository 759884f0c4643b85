"""Requests shaped and signed as Slack sends them to an app.

`SlackRequests` builds slash commands, interactivity payloads (``block_actions``,
``view_submission``, ``view_closed``, global and message shortcuts) and Events API envelopes, each
signed the way Slack signs: ``X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">``
with the app's signing secret, and ``X-Slack-Request-Timestamp``. Trigger ids and ``response_url`` webhooks
in the payloads are issued by a `SlackLookalike`, so an app that uses them talks to the look-alike.
``signed_at=`` and ``bad_signature=True`` produce stale or forged requests for negative tests.
`SlackRequests.send` POSTs a request without any proxy and returns the answer, 4xx/5xx included.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .lookalike import SlackLookalike

JSON = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

# Where a state value sits in Slack's view state, per element type.
_STATE_KEYS = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "rich_text_input": "rich_text_value",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
}


@dataclass(frozen=True)
class SignedRequest:
    """A request ready to POST to an app: path, headers and the exact signed body."""

    path: str
    headers: dict[str, str]
    body: bytes
    data: JSON
    """What the body carries, decoded: the form fields, the ``payload`` object or the JSON."""

    def url(self, app_url: str) -> str:
        return app_url.rstrip("/") + self.path


@dataclass(frozen=True)
class HttpAnswer:
    """An app's answer to a `SignedRequest`."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's ``X-Slack-Signature`` value for a body sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def state_values(view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]) -> JSON:
    """A view's ``state.values`` as Slack sends it on submission.

    Every input block of ``view`` is present. ``values`` maps block_id -> action_id -> either
    the Slack-shaped dict (``{"type": ..., "value": ...}``) or a plain value: a string or list of
    option values, user, channel or conversation ids, a date ``"2024-11-28"``, ... which is put
    where that element type keeps it. Inputs left out keep their ``initial_*`` value, else empty.
    """
    state: JSON = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or "action_id" not in element:
            continue
        block_id, action_id = str(block.get("block_id")), str(element["action_id"])
        given = values.get(block_id, {}).get(action_id, _MISSING)
        state.setdefault(block_id, {})[action_id] = _state_value(element, given)
    for block_id, actions in values.items():  # values for elements the view does not hold
        for action_id, value in actions.items():
            if isinstance(value, dict) and action_id not in state.get(block_id, {}):
                state.setdefault(block_id, {})[action_id] = dict(value)
    return state


_MISSING: Any = object()
_MULTI_KEYS = frozenset({"selected_users", "selected_conversations", "selected_channels", "selected_options"})


def _state_value(element: Mapping[str, Any], given: Any) -> JSON:
    kind = str(element.get("type"))
    if isinstance(given, dict):
        return {"type": kind, **given}
    key = _STATE_KEYS.get(kind, "value")
    multi = key in _MULTI_KEYS
    if given is _MISSING:
        initial = (
            "initial_value" if key in ("value", "rich_text_value") else key.replace("selected_", "initial_")
        )
        given = element.get(initial, [] if multi else None)
        return {"type": kind, key: given}
    if key.startswith("selected_option"):
        wanted = given if isinstance(given, list) else [given]
        chosen = [_option(element, str(v)) for v in wanted]
        return {"type": kind, key: chosen if multi else (chosen[0] if chosen else None)}
    return {"type": kind, key: given}


def _option(element: Mapping[str, Any], value: str) -> JSON:
    groups = element.get("option_groups") or [{"options": element.get("options") or []}]
    for option in (o for g in groups for o in g.get("options") or []):
        if option.get("value") == value:
            return dict(option)
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def _walk_elements(blocks: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for block in blocks:
        children = [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]
        for child in children:
            if isinstance(child, dict) and "action_id" in child:
                yield str(block.get("block_id", "")), child


class SlackRequests:
    """Builds requests as Slack would send them to the app at ``path``, signed."""

    def __init__(
        self,
        signing_secret: str,
        lookalike: SlackLookalike,
        team_id: str | None = None,
        enterprise_id: str | None = None,
        *,
        enterprise_name: str = "Tandem Grid",
        verification_token: str = "tandem-verification-token",  # noqa: S107 - a placeholder
        path: str = "/slack/events",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signing_secret = signing_secret
        self.lookalike = lookalike
        self.team_id = team_id or lookalike.team_id
        self.enterprise_id = enterprise_id
        self.enterprise_name = enterprise_name
        self.verification_token = verification_token
        self.path = path
        self._clock = clock

    # ------------------------------------------------------------------ builders

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str = "C0TRACKER",
        signed_at: float | None = None,
        bad_signature: bool = False,
    ) -> SignedRequest:
        """A slash command invocation, form-encoded as Slack sends it."""
        look = self.lookalike
        fields = {"token": self.verification_token, "team_id": self.team_id, "team_domain": look.team_domain}
        if self.enterprise_id:
            fields.update(enterprise_id=self.enterprise_id, enterprise_name=self.enterprise_name)
        fields.update(
            channel_id=channel_id,
            channel_name=look.channel_name(channel_id),
            user_id=user_id,
            user_name=look.user_name(user_id),
            command=command,
            text=text,
            api_app_id=look.app_id,
            is_enterprise_install="false",
            response_url=look.issue_response_url(channel_id=channel_id, user_id=user_id),
            trigger_id=look.issue_trigger_id(user_id=user_id),
        )
        return self._signed(
            FORM, urlencode(fields).encode(), dict(fields), signed_at=signed_at, bad_signature=bad_signature
        )

    def block_actions(
        self,
        actions: Sequence[Mapping[str, Any]],
        *,
        user_id: str,
        message: Mapping[str, Any] | None = None,
        channel_id: str = "C0TRACKER",
        view: Mapping[str, Any] | None = None,
        values: Mapping[str, Mapping[str, Any]] | None = None,
        signed_at: float | None = None,
        bad_signature: bool = False,
    ) -> SignedRequest:
        """A ``block_actions`` payload: actions taken in a ``message`` or in a ``view``.

        Each action needs ``action_id``; ``block_id`` is found in the message or view blocks
        when left out, ``type`` defaults to ``button`` and ``action_ts`` to now.
        """
        source = view if message is None else message
        if source is None or (message is not None and view is not None):
            raise ValueError("give exactly one of message= or view=")
        block_ids = {el["action_id"]: bid for bid, el in _walk_elements(source.get("blocks") or [])}
        now = f"{self._clock():.6f}"
        filled = [
            {"type": "button", "block_id": block_ids.get(a.get("action_id"), ""), "action_ts": now, **a}
            for a in actions
        ]
        look = self.lookalike
        payload: JSON = {
            "type": "block_actions",
            "user": self._user(user_id, full=True),
            "api_app_id": look.app_id,
            "token": self.verification_token,
        }
        if message is None:
            payload.update(
                container={"type": "view", "view_id": source.get("id")},
                trigger_id=look.issue_trigger_id(user_id=user_id, view_id=source.get("id")),
                team=self._team(),
                enterprise=self._enterprise(),
                is_enterprise_install=False,
                view=self._view_state(source, values or {}),
                actions=filled,
            )
        else:
            ts = str(message.get("ts"))
            payload.update(
                container={
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                },
                trigger_id=look.issue_trigger_id(user_id=user_id),
                team=self._team(),
                enterprise=self._enterprise(),
                is_enterprise_install=False,
                channel={"id": channel_id, "name": look.channel_name(channel_id)},
                message=dict(message),
                state={"values": {k: dict(v) for k, v in (values or {}).items()}},
                response_url=look.issue_response_url(channel_id=channel_id, user_id=user_id, message_ts=ts),
                actions=filled,
            )
        return self._interactive(payload, signed_at, bad_signature)

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Any]],
        *,
        user_id: str,
        signed_at: float | None = None,
        bad_signature: bool = False,
    ) -> SignedRequest:
        """A ``view_submission`` payload for ``view`` (as ``views.open`` returned it).

        ``values`` follows `state_values`. Conversation pickers with ``response_url_enabled``
        get ``response_urls`` for the conversation chosen, as Slack sends them.
        """
        look = self.lookalike
        submitted = self._view_state(view, values)
        response_urls = []
        for block_id, element in _walk_elements(submitted.get("blocks") or []):
            chosen = submitted["state"]["values"].get(block_id, {}).get(element["action_id"], {})
            channel = chosen.get("selected_conversation") or chosen.get("selected_channel")
            if element.get("response_url_enabled") and channel:
                response_urls.append(
                    {
                        "block_id": block_id,
                        "action_id": element["action_id"],
                        "channel_id": channel,
                        "response_url": look.issue_response_url(channel_id=channel, user_id=user_id),
                    }
                )
        payload: JSON = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id, True),
            "api_app_id": look.app_id,
            "token": self.verification_token,
            "trigger_id": look.issue_trigger_id(user_id=user_id, view_id=submitted.get("id")),
            "view": submitted,
            "response_urls": response_urls,
            "is_enterprise_install": False,
            "enterprise": self._enterprise(),
        }
        return self._interactive(payload, signed_at, bad_signature)

    def view_closed(
        self,
        view: Mapping[str, Any],
        *,
        user_id: str,
        is_cleared: bool = False,
        signed_at: float | None = None,
        bad_signature: bool = False,
    ) -> SignedRequest:
        """A ``view_closed`` payload: the person closed a modal that set ``notify_on_close``."""
        look = self.lookalike
        payload: JSON = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id, True),
            "api_app_id": look.app_id,
            "token": self.verification_token,
            "view": self._view_state(view, {}),
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": self._enterprise(),
        }
        return self._interactive(payload, signed_at, bad_signature)

    def global_shortcut(
        self, callback_id: str, *, user_id: str, signed_at: float | None = None, bad_signature: bool = False
    ) -> SignedRequest:
        """A global shortcut (``type: shortcut``): no channel and no ``response_url``."""
        look = self.lookalike
        payload: JSON = {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": f"{self._clock():.6f}",
            "team": self._team(),
            "user": {"id": user_id, "username": look.user_name(user_id), "team_id": self.team_id},
            "is_enterprise_install": False,
            "enterprise": self._enterprise(),
            "callback_id": callback_id,
            "trigger_id": look.issue_trigger_id(user_id=user_id),
        }
        return self._interactive(payload, signed_at, bad_signature)

    def message_shortcut(
        self,
        callback_id: str,
        message: Mapping[str, Any],
        channel_id: str,
        *,
        user_id: str,
        signed_at: float | None = None,
        bad_signature: bool = False,
    ) -> SignedRequest:
        """A message shortcut (``type: message_action``) on ``message`` in ``channel_id``."""
        look = self.lookalike
        ts = str(message.get("ts"))
        payload: JSON = {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": f"{self._clock():.6f}",
            "team": self._team(),
            "user": {"id": user_id, "name": look.user_name(user_id), "team_id": self.team_id},
            "channel": {"id": channel_id, "name": look.channel_name(channel_id)},
            "is_enterprise_install": False,
            "enterprise": self._enterprise(),
            "callback_id": callback_id,
            "trigger_id": look.issue_trigger_id(user_id=user_id),
            "response_url": look.issue_response_url(channel_id=channel_id, user_id=user_id, message_ts=ts),
            "message_ts": ts,
            "message": dict(message),
        }
        return self._interactive(payload, signed_at, bad_signature)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        signed_at: float | None = None,
        bad_signature: bool = False,
    ) -> SignedRequest:
        """An Events API ``event_callback`` envelope; retries carry Slack's retry headers."""
        look = self.lookalike
        now = self._clock()
        inner = {"event_ts": f"{now:.6f}", **event}
        envelope: JSON = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": self.enterprise_id,
            "api_app_id": look.app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id
            or "Ev" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10)),
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": self.team_id,
                    "user_id": look.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra = {
                "X-Slack-Retry-Num": str(retry_num),
                "X-Slack-Retry-Reason": retry_reason or "http_timeout",
            }
        return self._json(envelope, signed_at, bad_signature, extra)

    def url_verification(
        self, challenge: str, *, signed_at: float | None = None, bad_signature: bool = False
    ) -> SignedRequest:
        """The ``url_verification`` handshake Slack sends when the events URL is saved."""
        envelope = {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        return self._json(envelope, signed_at, bad_signature, {})

    # ------------------------------------------------------------------ sending

    def send(self, app_url: str, request: SignedRequest, *, timeout: float = 10.0) -> HttpAnswer:
        """POST ``request`` to the app at ``app_url`` (no proxies); 4xx and 5xx are returned."""
        url = request.url(app_url)
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url}")
        prepared = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, data=request.body, headers=request.headers, method="POST"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(prepared, timeout=timeout) as answer:
                return HttpAnswer(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return HttpAnswer(error.code, dict(error.headers.items()), error.read())

    # ------------------------------------------------------------------ helpers

    def _team(self) -> JSON:
        team: JSON = {"id": self.team_id, "domain": self.lookalike.team_domain}
        if self.enterprise_id:
            team.update(enterprise_id=self.enterprise_id, enterprise_name=self.enterprise_name)
        return team

    def _enterprise(self) -> JSON | None:
        if not self.enterprise_id:
            return None
        return {"id": self.enterprise_id, "name": self.enterprise_name}

    def _user(self, user_id: str, full: bool) -> JSON:
        name = self.lookalike.user_name(user_id)
        user: JSON = {"id": user_id, "username": name, "name": name, "team_id": self.team_id}
        return user if full else {"id": user_id, "username": name, "team_id": self.team_id}

    def _view_state(self, view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]) -> JSON:
        defaults: JSON = {
            "id": "V0SANDBOX",
            "team_id": self.team_id,
            "type": "modal",
            "private_metadata": "",
            "callback_id": "",
            "hash": "0.sandbox",
            "previous_view_id": None,
            "app_id": self.lookalike.app_id,
            "external_id": "",
            "bot_id": self.lookalike.bot_id,
        }
        submitted = {**defaults, **view}
        submitted.setdefault("root_view_id", submitted["id"])
        submitted["state"] = {"values": state_values(view, values)}
        return submitted

    def _interactive(self, payload: JSON, signed_at: float | None, bad_signature: bool) -> SignedRequest:
        body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
        return self._signed(FORM, body, payload, signed_at=signed_at, bad_signature=bad_signature)

    def _json(
        self, envelope: JSON, signed_at: float | None, bad_signature: bool, extra: dict[str, str]
    ) -> SignedRequest:
        body = json.dumps(envelope, separators=(",", ":")).encode()
        return self._signed(
            "application/json", body, envelope, signed_at=signed_at, bad_signature=bad_signature, extra=extra
        )

    def _signed(
        self,
        content_type: str,
        body: bytes,
        data: JSON,
        *,
        signed_at: float | None,
        bad_signature: bool,
        extra: Mapping[str, str] | None = None,
    ) -> SignedRequest:
        timestamp = str(int(self._clock() if signed_at is None else signed_at))
        secret = self.signing_secret + ("-not-the-secret" if bad_signature else "")
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
            **(extra or {}),
        }
        return SignedRequest(self.path, headers, body, data)
