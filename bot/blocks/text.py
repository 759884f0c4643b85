"""Text crossing the Slack boundary: what people typed made plain, plain text made safe in mrkdwn and
fitted to Slack's limits, and the one-line blocks every renderer uses."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

# Slack's escaped forms inside command text: <@U123|ana>, <#C123|sales>, <!here>,
# <!subteam^S123|@sales>, <https://x.io|label>.
_SLACK_TOKEN = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
WORD_JOINER = "\u2060"
SECTION_TEXT = 3000  # Slack's limit on a section's (or a context element's) text
FALLBACK_TEXT = 3000  # what a message's fallback keeps: notifications show the start of it


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


def is_user(candidate: str) -> bool:
    """Whether `candidate` is a Slack user id, which `user` mentions."""
    return bool(_USER_ID.match(candidate))


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


def json_length(text: str) -> int:
    """The characters `text` takes inside a message's JSON (Slack counts blocks as JSON)."""
    return len(json.dumps(text)) - 2


def fit(plain: str, room: int, measure: Callable[[str], int]) -> str:
    """`plain` escaped for mrkdwn within `room` (as `measure` counts), cut with an ellipsis if need be."""
    shown = escape(plain)
    keep = min(len(plain), max(room, 0))
    while measure(shown) > room and keep > 0:
        shown = escape(cut(plain, keep))
        over = measure(shown) - room
        keep -= max(1, over // 6)  # a character grows to at most six (\uXXXX in JSON, &amp; in mrkdwn)
    return shown if measure(shown) <= room else ""


@dataclass(frozen=True)
class Message:
    """A message ready to send: blocks plus the fallback text notifications and screen readers use."""

    text: str
    blocks: Sequence[Block]

    def as_kwargs(self) -> dict[str, Any]:
        # to_dict() runs slack_sdk's own validation of every block's limits.
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def notice(text: str) -> Message:
    """A one-line answer; `text` is mrkdwn we wrote, with any user text already escaped."""
    return Message(text=cut(text, FALLBACK_TEXT), blocks=[section(text)])


def section(text: str) -> SectionBlock:
    """A section of mrkdwn we wrote, within Slack's limit."""
    return SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def context(text: str) -> ContextBlock:
    """A context line of mrkdwn we wrote, within Slack's limit."""
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text, SECTION_TEXT))])


def block_size(block: Block) -> int:
    """The JSON characters a block takes in a message (Slack refuses about 12,000 in all)."""
    return len(json.dumps(block.to_dict()))
