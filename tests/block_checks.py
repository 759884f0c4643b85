"""What every renderer's test checks of a message: Slack's own types and its limits, and the text
a reader sees."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.text import Message
from tests.contract.checks import check_web_api_call


def posted(message: Message) -> dict[str, Any]:
    """The message as chat.postMessage sends it, checked against slack_sdk and Slack's own types."""
    kwargs = message.as_kwargs()  # to_dict() runs slack_sdk's checks of every block's limits
    assert check_web_api_call("chat.postMessage", {"channel": "C0CHANNEL", **kwargs}) == []
    assert kwargs["text"].strip()
    within_a_messages_limits(kwargs["blocks"])
    return kwargs


def within_a_messages_limits(sent: list[dict[str, Any]]) -> None:
    assert len(sent) <= 50
    assert sum(len(json.dumps(b)) for b in sent) < 12_000  # Slack's msg_blocks_too_long
    for block in sent:
        text = block.get("text")
        if isinstance(text, dict):
            assert len(text["text"]) <= 3000
        for element in block.get("elements") or []:
            if element.get("type") == "mrkdwn":
                assert len(element["text"]) <= 3000


def texts(sent: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in sent:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(str(text["text"]))
        for element in block.get("elements") or []:
            if "text" in element and isinstance(element["text"], str):
                found.append(element["text"])
    return found
