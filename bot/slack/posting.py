"""Scheduled posts, exactly once: each carries its key in Slack's message metadata (an upload, its
unique filename), so a run taking over from one that died between posting and recording finds the
post instead of posting it again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.blocks.text import Message

EVENT_TYPE = "tandem_post"
# Slack's answers that mean "not now" rather than "never": what failed is tried again later.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout"}
)
# How far back a post may be: a week's digest is posted within the week it is for.
LOOK_BACK = timedelta(days=8)
PAGE_SIZE = 200
PAGES = 3  # a busy channel's last 600 messages; a post older than that would not be repeated


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    found: bool  # an earlier attempt had posted it; nothing new was posted


def post_once(
    client: WebClient,
    *,
    channel: str,
    message: Message,
    key: str,
    look_first: bool,
    now: datetime,
    **options: Any,
) -> Posted:
    """Post `message` tagged with `key`; when `look_first` (an earlier attempt was made), return the
    post it left instead, if there is one. `channel` is a channel id, or a user id for a DM."""
    if look_first:
        found = find_post(client, channel, key, since=now - LOOK_BACK)
        if found is not None:
            return found
    answer = client.chat_postMessage(
        channel=channel,
        metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
        unfurl_links=False,
        **message.as_kwargs(),
        **options,
    )
    return Posted(str(answer["channel"]), str(answer["ts"]), found=False)


def find_post(client: WebClient, channel: str, key: str, *, since: datetime) -> Posted | None:
    """The message tagged with `key` posted in `channel` since `since`, if any."""
    channel = _conversation(client, channel)
    for message in _history(client, channel, since):
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
            return Posted(channel, str(message["ts"]), found=True)
    return None


def find_upload(client: WebClient, channel: str, filename: str, *, since: datetime) -> Posted | None:
    """The message sharing a file named `filename` in `channel` since `since`, if any: an upload
    carries no metadata of ours, so a unique filename is its key."""
    channel = _conversation(client, channel)
    for message in _history(client, channel, since):
        if any(file.get("name") == filename for file in message.get("files") or []):
            return Posted(channel, str(message["ts"]), found=True)
    return None


def _conversation(client: WebClient, channel: str) -> str:
    if channel[:1] in {"U", "W"}:
        # A DM is posted to the person's id; its history is read from the DM channel's id.
        return str(client.conversations_open(users=channel)["channel"]["id"])
    return channel


def _history(client: WebClient, channel: str, since: datetime) -> Iterator[dict[str, Any]]:
    """The channel's messages since `since`, newest first, over at most PAGES pages."""
    cursor = None
    for _ in range(PAGES):
        page = client.conversations_history(
            channel=channel,
            oldest=f"{since.timestamp():.6f}",
            include_all_metadata=True,
            limit=PAGE_SIZE,
            **({"cursor": cursor} if cursor else {}),
        )
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
