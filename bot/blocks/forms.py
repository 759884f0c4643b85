"""Pieces the settings forms share (channel, weekday, time, on/off, the modal itself) and the reader of
what a submitted form holds. Every input's action id is "value"; its block id names the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

WEEKDAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")  # a time picker's "08:30"
ON = "on"  # the value of a ticked on/off checkbox

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]


def channel_input(
    block_id: str,
    label: str,
    *,
    chosen: str | None,
    placeholder: str,
    hint: str,
    current_first: bool = False,
) -> InputBlock:
    """An optional choice of one public or private channel; `current_first`: opened from a channel,
    that channel is chosen at first."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=ConversationSelectElement(
            action_id="value",
            placeholder=placeholder,
            initial_conversation=chosen,
            default_to_current_conversation=True if current_first else None,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        ),
        hint=hint,
    )


def weekday_input(block_id: str, label: str, chosen: str) -> InputBlock:
    """A choice of one weekday ("mon" … "sun")."""
    options = [Option(value=d, text=name) for d, name in WEEKDAY_NAMES.items()]
    return InputBlock(
        block_id=block_id,
        label=label,
        element=StaticSelectElement(
            action_id="value",
            options=options,
            initial_option=next((o for o in options if o.value == chosen), None),
        ),
    )


def time_input(block_id: str, label: str, chosen: str, *, hint: str | None = None) -> InputBlock:
    """A time of day ("08:30")."""
    return InputBlock(
        block_id=block_id,
        label=label,
        element=TimePickerElement(action_id="value", initial_time=chosen),
        hint=hint,
    )


def switch(block_id: str, label: str, text: str, on: bool) -> InputBlock:
    """One checkbox saying `text`, ticked when `on` (read back with `FormValues.ticked`)."""
    option = Option(value=ON, text=text)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=CheckboxesElement(
            action_id="value", options=[option], initial_options=[option] if on else None
        ),
    )


def settings_modal(
    callback_id: str, title: str, blocks: Sequence[Block], *, private_metadata: str = ""
) -> View:
    """A settings form: saved with Save, left with Cancel."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata or None,
        blocks=list(blocks),
    )


class FormValues:
    """What a submitted form holds (its `view.state.values`), read by field; `block_of` names the
    block each field is in."""

    def __init__(self, values: StateValues, block_of: Callable[[str], str]) -> None:
        self._values = values
        self._block_of = block_of

    def value(self, field: str) -> Mapping[str, Any]:
        """The field's input as Slack sent it ({} when it is missing)."""
        return self._values.get(self._block_of(field), {}).get("value", {})

    def text(self, field: str) -> str:
        """What was typed, without surrounding spaces."""
        return str(self.value(field).get("value") or "").strip()

    def option(self, field: str) -> str:
        """The chosen option's value, or ""."""
        return str((self.value(field).get("selected_option") or {}).get("value") or "")

    def ticked(self, field: str) -> bool:
        """Whether a `switch` is on."""
        return any(o.get("value") == ON for o in self.value(field).get("selected_options") or [])

    def time(self, field: str) -> str:
        return str(self.value(field).get("selected_time") or "")

    def channel(self, field: str) -> str | None:
        return self.value(field).get("selected_conversation") or None
