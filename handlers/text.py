"""Reading what people typed and what Slack answered: the words of a command, mentions labelled with
names before text is made plain, and Slack's error codes."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
