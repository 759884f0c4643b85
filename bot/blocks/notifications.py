"""A person's batched news as one direct message: a line for each change ("<@ana> assigned you #12
Title", "<@ana> thanked you for a win: …"), linked to its card, cut with "+N more" inside Slack's 50
blocks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.text import Message, cut, escape, link, user
from bot.notifications import Notice

LINES_SHOWN = 45  # a section a line, and room for "+N more"
FALLBACK_MAX = 3000
WIN_TEXT_MAX = 150  # a win's text in its line: the card has all of it
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def news(notices: Sequence[Notice]) -> Message:
    """One direct message for a batch of notices, oldest first."""
    if not notices:
        raise ValueError("no news to send")
    lines = [line(notice) for notice in notices]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text)) for text in lines[:LINES_SHOWN]]
    if len(lines) > LINES_SHOWN:
        more = f"+{len(lines) - LINES_SHOWN} more updates"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return Message(text=cut("\n".join(lines), FALLBACK_MAX), blocks=blocks)


def line(notice: Notice) -> str:
    """What happened, in one line of mrkdwn."""
    facts = notice.facts
    match notice.kind:
        case "issue_assigned":
            return f"{user(str(facts['by']))} assigned you {_issue(facts)}"
        case "issue_resolved":
            return f"{user(str(facts['by']))} resolved {_issue(facts)} (you raised it)"
        case "win.thanked":
            return _thanked(facts)
        case _:
            # A kind this renderer does not know yet still reaches the person, plainly.
            return f"News about {_issue(facts)}" if "number" in facts else escape(notice.kind)


def _issue(facts: Mapping[str, Any]) -> str:
    label = f"#{facts['number']} {facts.get('title', '')}".strip()
    permalink = facts.get("permalink")
    return link(str(permalink), label) if permalink else escape(label)


def _thanked(facts: Mapping[str, Any]) -> str:
    """ "<@ana> thanked you for a win: “Closed Acme…” · See it": the win's text escaped, as typed."""
    author = str(facts.get("author") or "")
    who = user(author) if _USER_ID.match(author) else "Someone"
    text = str(facts.get("text") or "").strip()
    said = f": “{escape(cut(text, WIN_TEXT_MAX))}”" if text else ""
    permalink = facts.get("permalink")
    see = f" · {link(str(permalink), 'See it')}" if permalink else ""
    return f"{who} thanked you for a win{said}{see}"
