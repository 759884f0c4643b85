"""Reading what the look-alike received as people would see it: posts in a channel, direct messages,
and the text a message or its blocks show."""

from __future__ import annotations

from typing import Any

from bot.sandbox.lookalike import RecordedCall, SlackLookalike


def posts_in(slack: SlackLookalike, channel: str) -> list[dict[str, Any]]:
    """The channel's messages, without replies in threads."""
    return [m for m in slack.messages(channel) if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]


def dms_to(slack: SlackLookalike, person: str) -> list[RecordedCall]:
    """Direct messages Slack took for `person`."""
    return [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == person and c.ok]


def texts(node: Any) -> str:
    """Every piece of text in a message, a block, a cell or a list of them, run together."""
    if isinstance(node, dict):
        return " ".join(v if k == "text" and isinstance(v, str) else texts(v) for k, v in node.items())
    if isinstance(node, list):
        return " ".join(texts(value) for value in node)
    return ""


def said(payload: dict[str, Any]) -> str:
    """Everything a message shows, as one string: its text, sections, contexts and table cells."""
    found = [str(payload.get("text") or "")]
    for block in payload.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [e.get("text", "") for e in block.get("elements") or [] if isinstance(e.get("text"), str)]
        found += [cell.get("text", "") for row in block.get("rows") or [] for cell in row]
    return "\n".join(found)
