"""Answering the person who asked, only them: through a command's or click's response_url, with a
modal that says what became of a form, or with a settings form's errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk.models.blocks import PlainTextObject
from slack_sdk.models.views import View

from bot.blocks.text import Message, notice, section
from bot.errors import InvalidInput, TandemError

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
