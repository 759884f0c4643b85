"""People acting in the look-alike's workspace: each thing they do reaches the app as Slack delivers it
(signed, over HTTP, within Slack's 3 seconds), and the app's direct answer is applied as Slack applies
it: a slash command's reply shown only to them, form errors under the fields, a modal closed or replaced."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .lookalike import SlackLookalike
from .signing import HttpAnswer, SignedRequest, SlackRequests

log = logging.getLogger("tandem.sandbox")

JSON = dict[str, Any]

# Slack gives an app 3 seconds to acknowledge, then tells the person it failed.
ACK_TIMEOUT = 3.0
# What Slack shows in a modal whose submission the app did not acknowledge.
SUBMIT_TROUBLE = "We had some trouble connecting. Try again?"


@dataclass(frozen=True)
class Outcome:
    """How an action went, as the person would see it: `problem` is what Slack would tell them,
    `errors` the form errors shown under a modal's fields (block id to text)."""

    ok: bool
    problem: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


DONE = Outcome(True)


class People:
    """The sample workspace's people doing things in Slack, delivered to the app at `app_url`."""

    def __init__(self, slack: SlackLookalike, requests: SlackRequests, app_url: str) -> None:
        self.slack = slack
        self.requests = requests
        self.app_url = app_url

    # ------------------------------------------------------------------ messages and commands

    def run_command(self, user_id: str, channel_id: str, command: str, text: str = "") -> Outcome:
        """Type `/command text` in a channel or DM; the app's direct reply is shown only to them."""
        request = self.requests.slash_command(command, text, user_id=user_id, channel_id=channel_id)
        answer = self._deliver(request)
        if answer is None or answer.status != 200:
            error = "operation_timeout" if answer is None else "dispatch_failed"
            self.slack.show_ephemeral(
                channel_id, user_id, {"text": f'{command} failed with the error "{error}"'}, slackbot=True
            )
            return Outcome(False, f'{command} failed with the error "{error}"')
        reply = _reply_of(answer)
        if reply is not None:
            self.slack.show_ephemeral(channel_id, user_id, reply)
        return DONE

    def post_message(
        self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> Outcome:
        """Write a message (in a thread when `thread_ts`); the app hears of it as a `message` event."""
        message = self.slack.post_user_message(channel_id, user_id, text, thread_ts=thread_ts)
        event: JSON = {
            "type": "message",
            "channel": channel_id,
            "user": user_id,
            "text": text,
            "ts": message["ts"],
            "team": self.slack.team_id,
            "channel_type": _channel_type(channel_id),
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self._event(event)

    def share_file(self, user_id: str, channel_id: str | None, filename: str, content: bytes) -> Outcome:
        """Upload a file into their DM with the app (`channel_id` None) or a channel."""
        file = self.slack.user_shares_file(user_id, filename, content, channel=channel_id)
        where = channel_id or self.slack.dm_channel(user_id)
        shared = next(
            m
            for m in reversed(self.slack.messages(where))
            if file["id"] in [f["id"] for f in m.get("files", [])]
        )
        event: JSON = {
            "type": "message",
            "subtype": "file_share",
            "channel": where,
            "user": user_id,
            "text": "",
            "ts": shared["ts"],
            "files": [file],
            "upload": True,
            "display_as_bot": False,
            "team": self.slack.team_id,
            "channel_type": _channel_type(where),
        }
        return self._event(event)

    # ------------------------------------------------------------------ interactivity

    def act(
        self,
        user_id: str,
        action: Mapping[str, Any],
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Outcome:
        """Press a button or choose in a select, in a message (`channel_id`, `message_ts`) or in a
        view (`view_id`: a modal or App Home, with the view's current `values`)."""
        if view_id is not None:
            view = self.slack.view(view_id)
            if view is None:
                return Outcome(False, "That view is gone.")
            request = self.requests.block_actions([action], user_id=user_id, view=view, values=values or {})
        else:
            message = self._message(user_id, channel_id, message_ts)
            if message is None or channel_id is None:
                return Outcome(False, "That message is gone.")
            request = self.requests.block_actions(
                [action], user_id=user_id, message=message, channel_id=channel_id, values=values
            )
        return self._acknowledged(self._deliver(request))

    def submit_view(self, user_id: str, view_id: str, values: Mapping[str, Mapping[str, Any]]) -> Outcome:
        """Press a modal's submit button with these `values` (Slack's `view.state.values` shape)."""
        view = self.slack.open_modal(user_id)
        if view is None or view["id"] != view_id:
            return Outcome(False, "That form is no longer open.")
        answer = self._deliver(self.requests.view_submission(view, values, user_id=user_id))
        if answer is None or answer.status != 200:
            return Outcome(False, SUBMIT_TROUBLE)
        acknowledgement = _json_object(answer)
        try:
            self.slack.answer_submission(user_id, view_id, acknowledgement)
        except Exception as refused:  # the look-alike refuses a view Slack would refuse
            log.warning("Slack would refuse the view Tandem answered with: %s", refused)
            return Outcome(False, SUBMIT_TROUBLE)
        if (acknowledgement or {}).get("response_action") == "errors":
            errors = dict((acknowledgement or {}).get("errors") or {})
            return Outcome(False, None, {str(k): str(v) for k, v in errors.items()})
        return DONE

    def close_view(self, user_id: str, view_id: str) -> Outcome:
        """Cancel a modal; the app hears `view_closed` when the view asked to be notified."""
        closed = self.slack.close_view(user_id, view_id)
        if closed is None:
            return Outcome(False, "That form is no longer open.")
        if not closed.get("notify_on_close"):
            return DONE
        return self._acknowledged(self._deliver(self.requests.view_closed(closed, user_id=user_id)))

    def run_shortcut(
        self,
        user_id: str,
        callback_id: str,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> Outcome:
        """Run a global shortcut, or a message shortcut on the message at `message_ts`."""
        if message_ts is None:
            request = self.requests.global_shortcut(callback_id, user_id=user_id)
        else:
            message = self._message(user_id, channel_id, message_ts)
            if message is None or channel_id is None:
                return Outcome(False, "That message is gone.")
            request = self.requests.message_shortcut(callback_id, message, channel_id, user_id=user_id)
        return self._acknowledged(self._deliver(request))

    def open_home(self, user_id: str) -> Outcome:
        """Open the app's Home tab: the app hears `app_home_opened` and publishes the view."""
        event: JSON = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.slack.dm_channel(user_id),
            "tab": "home",
        }
        home = self.slack.home_view(user_id)
        if home is not None:
            event["view"] = home
        return self._event(event)

    # ------------------------------------------------------------------ delivery

    def _event(self, event: JSON) -> Outcome:
        return self._acknowledged(self._deliver(self.requests.event(event)))

    def _deliver(self, request: SignedRequest) -> HttpAnswer | None:
        """POST to the app; None when it did not answer within Slack's 3 seconds."""
        try:
            return self.requests.send(self.app_url, request, timeout=ACK_TIMEOUT)
        except OSError as failure:  # a timeout, or the app is not listening
            log.warning("Tandem did not answer Slack's request in time: %s", failure)
            return None

    def _message(self, user_id: str, channel_id: str | None, ts: str | None) -> JSON | None:
        if channel_id is None or ts is None:
            return None
        for message in self.slack.visible_messages(channel_id, user_id):
            if message["ts"] == ts:
                message.pop("ephemeral", None)
                return message
        return None

    @staticmethod
    def _acknowledged(answer: HttpAnswer | None) -> Outcome:
        if answer is None:
            return Outcome(False, "Tandem didn't answer within 3 seconds.")
        if answer.status != 200:
            return Outcome(False, f"Tandem answered with an error (HTTP {answer.status}).")
        return DONE


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def _json_object(answer: HttpAnswer) -> JSON | None:
    if not answer.body.strip():
        return None
    try:
        parsed = json.loads(answer.body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _reply_of(answer: HttpAnswer) -> JSON | None:
    """A slash command's direct answer as Slack shows it: JSON text and blocks, or plain text."""
    if not answer.body.strip():
        return None
    parsed = _json_object(answer)
    if parsed is None:
        return {"text": answer.text}
    reply = {k: v for k, v in parsed.items() if k in {"text", "blocks", "attachments"}}
    return reply or None
