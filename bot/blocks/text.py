"""Text crossing the Slack boundary: what people typed made plain, and plain text made safe in mrkdwn."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import Block

# Slack's escaped forms inside command text: <@U123|ana>, <#C123|sales>, <!here>,
# <!subteam^S123|@sales>, <https://x.io|label>.
_SLACK_TOKEN = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
WORD_JOINER = "\u2060"


def plain_from_slack(text: str) -> str:
    """What the person saw when they typed `text`, with Slack's markup and entities undone."""

    def shown(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "@":
            return "@" + (label or target)
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            special = target.split("^", 1)[0]
            return label or ("@" + special)
        # A link keeps where it points: "the page (https://example.com/p)".
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_SLACK_TOKEN.sub(shown, text)).strip()


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in command text (commands set should_escape, so they arrive as <@U…>)."""
    return [target for sigil, target, _ in _SLACK_TOKEN.findall(text) if sigil == "@"]


def escape(text: str) -> str:
    """Plain text made safe inside mrkdwn: no links, mentions or @channel pings injected."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Slack may auto-parse a bare "@here" outside verbatim text; a word joiner defuses it.
    return _SPECIAL_MENTION.sub(lambda m: "@" + WORD_JOINER + m.group(1), escaped)


def user(user_id: str) -> str:
    """A mention of a person, refusing anything that is not a Slack user id."""
    if not _USER_ID.match(user_id):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return f"<@{user_id}>"


def link(url: str, label: str) -> str:
    return f"<{url.replace('>', '%3E').replace('|', '%7C')}|{escape(label)}>"


def when(moment: datetime, fallback_zone: Any = None) -> str:
    """A moment shown in each reader's own timezone (Slack's date formatting)."""
    fallback = moment.astimezone(fallback_zone).strftime("%Y-%m-%d %H:%M %Z")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def day(value: date) -> str:
    """A calendar date (a due date), the same for every reader: 'Tue, Dec 1, 2026'."""
    return f"{value:%a, %b} {value.day}, {value.year}"


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Message:
    """A message ready to send: blocks plus the fallback text notifications and screen readers use."""

    text: str
    blocks: Sequence[Block]

    def as_kwargs(self) -> dict[str, Any]:
        # to_dict() runs slack_sdk's own validation of every block's limits.
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}
