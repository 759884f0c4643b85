"""Answering the person who asked, only them: through a command's or click's response_url, with a
modal that says what became of a form, or with a settings form's errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import PlainTextObject
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.blocks import home as home_blocks
from bot.blocks.text import Message, notice, section
from bot.errors import InvalidInput, TandemError
from bot.workspaces import WorkspaceKey
from handlers.home import Home

Saved = TypeVar("Saved")


def answer(respond: Respond, message: Message) -> None:
    """An answer through the command's response_url, only to the person who typed it."""
    respond(**message.as_kwargs(), response_type="ephemeral")


def say(respond: Respond, text: str, **options: Any) -> None:
    """A short answer (mrkdwn we wrote) only to the person, through the response_url."""
    respond(**notice(text).as_kwargs(), response_type="ephemeral", **options)


def closing_view(title: str, text: str) -> View:
    """A modal that only says what became of it, closed with one button."""
    return View(
        type="modal",
        title=PlainTextObject(text=title),
        close=PlainTextObject(text="Close"),
        blocks=[section(text)],
    )


def saved_or_refused(
    ack: Ack,
    save: Callable[[], Saved],
    form_errors: Callable[[Mapping[str, str]], dict[str, str]],
    refusal_field: str,
) -> Saved | None:
    """What `save` stored, or None once the form was told what to correct: the service's problems by
    field, or its refusal (no longer an admin) under `refusal_field`."""
    try:
        return save()
    except InvalidInput as invalid:
        ack(response_action="errors", errors=form_errors(invalid.problems))
    except TandemError as refusal:
        ack(response_action="errors", errors=form_errors({refusal_field: str(refusal)}))
    return None


# Where a form was opened, so its outcome is told there

_ORIGIN = "origin"  # our key in a form's private_metadata, beside the renderer's own keys
_METADATA_MAX = 3000


@dataclass(frozen=True)
class Origin:
    """Where a form was opened, so its outcome is told there: a command's or message's response_url
    (only to that person), App Home (its notice, on the list it showed), else the app's DM."""

    response_url: str | None = None
    home_state: str | None = None  # App Home's private_metadata, when opened there


def with_origin(form: View, origin: Origin) -> View:
    """The form, remembering where it was opened beside what its renderer keeps in private_metadata."""
    try:
        kept = json.loads(form.private_metadata or "{}")
    except json.JSONDecodeError:
        kept = {}
    data = kept if isinstance(kept, dict) else {}
    data[_ORIGIN] = {"response_url": origin.response_url, "home": origin.home_state}
    merged = json.dumps(data)
    if len(merged) <= _METADATA_MAX:  # else the answer goes to the app's DM
        form.private_metadata = merged
    return form


def origin_of(view: Mapping[str, Any]) -> Origin:
    """Where a submitted form was opened (see `with_origin`)."""
    try:
        data = json.loads(str(view.get("private_metadata") or "") or "{}")
    except json.JSONDecodeError:
        return Origin()
    origin = data.get(_ORIGIN) if isinstance(data, dict) else None
    if not isinstance(origin, dict):
        return Origin()
    url, state = origin.get("response_url"), origin.get("home")
    return Origin(
        response_url=url if isinstance(url, str) and url else None,
        home_state=state if isinstance(state, str) else None,
    )


def tell_where_opened(
    client: WebClient, home: Home, key: WorkspaceKey, user_id: str, origin: Origin, message: Message
) -> None:
    """Tell the person how their form turned out, where they opened it."""
    if origin.home_state is not None:
        view = home_blocks.chosen_view(origin.home_state)
        home.publish(client, key, user_id, view=view, notice=message.text)
        return
    if origin.response_url:
        sent = WebhookClient(origin.response_url, proxy=None).send(
            **message.as_kwargs(), response_type="ephemeral", replace_original=False
        )
        if sent.status_code == 200:
            return
    # No place to answer, or its response_url has expired: the app's DM with them.
    client.chat_postMessage(channel=user_id, **message.as_kwargs())
