"""Reading what people typed and what Slack answered: the words of a command, mentions labelled with
names before text is made plain, and Slack's error codes."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.text import plain_from_slack

BARE_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
NAMES_LOOKED_UP = 5  # mentions named per message, so a pasted roll-call cannot stall a form


def first_word(text: str) -> tuple[str, str]:
    """The first word of command text and the rest, whatever spaces or new lines part them."""
    words = text.split(None, 1)
    return (words[0], words[1].strip()) if len(words) == 2 else (text.strip(), "")


def error_of(failure: SlackApiError) -> str:
    """Slack's error code ("not_in_channel"), or "" when the failure carried no answer."""
    return str(failure.response.get("error", "")) if failure.response is not None else ""


def with_names(client: WebClient, text: str, logger: logging.Logger) -> str:
    """Message text with bare mentions (<@U123>) labelled, so made plain they read "@ana"."""
    ids = list(dict.fromkeys(BARE_MENTION.findall(text)))[:NAMES_LOOKED_UP]
    names: dict[str, str] = {}
    for user_id in ids:
        try:
            found = client.users_info(user=user_id)["user"]
        except SlackApiError as failure:
            logger.info("No name for %s: %s", user_id, error_of(failure))
            continue
        profile = found.get("profile") or {}
        name = profile.get("display_name") or found.get("real_name") or found.get("name") or user_id
        names[user_id] = re.sub(r"[<>|]", "", str(name))
    return BARE_MENTION.sub(lambda m: f"<@{m[1]}|{names[m[1]]}>" if m[1] in names else m[0], text)


@dataclass(frozen=True)
class SharedMessage:
    """The message a message shortcut was used on, as the form it opens needs it."""

    channel: str
    ts: str
    thread_ts: str  # the thread it is in, or its own ts: where a reply about it goes
    text: str  # plain, with mentions named
    permalink: str | None


def shared_message(client: WebClient, shortcut: dict[str, Any], logger: logging.Logger) -> SharedMessage:
    """What a message shortcut was used on: its plain text and a link back to it (None if Slack
    would not give one: the form still opens)."""
    message = shortcut.get("message") or {}
    channel = str((shortcut.get("channel") or {}).get("id") or "")
    ts = str(shortcut.get("message_ts") or message.get("ts"))
    text = plain_from_slack(with_names(client, str(message.get("text") or ""), logger))
    permalink: str | None = None
    try:
        permalink = str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as failure:
        logger.warning("No permalink for message %s in %s: %s", ts, channel, error_of(failure))
    return SharedMessage(channel, ts, str(message.get("thread_ts") or ts), text, permalink)
