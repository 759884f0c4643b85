"""What every listener needs to know about who is asking: their workspace, and whether they are an admin."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.people import Actor, is_admin
from bot.workspaces import WorkspaceKey


def workspace_of(context: BoltContext, body: dict[str, Any]) -> WorkspaceKey:
    """The workspace a request comes from (Bolt's context, or the payload for org-wide apps)."""
    team_id = context.team_id or (body.get("team") or {}).get("id") or body.get("team_id")
    if not team_id:
        raise ValueError("request carries no team id")
    return WorkspaceKey(team_id=team_id, enterprise_id=context.enterprise_id or "")


class Admins:
    """Tells who administers Tandem: the workspace's admins and owners, plus the people in settings.

    Slack's answer (users.info) is kept for a few minutes, so a run of clicks costs one call.
    """

    def __init__(
        self,
        configured: Iterable[str],
        *,
        keep_for: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._configured = frozenset(configured)
        self._keep_for = keep_for
        self._clock = clock
        self._known: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def actor(self, client: WebClient, user_id: str) -> Actor:
        """`user_id` as an Actor, with whether they may administer Tandem."""
        if user_id in self._configured:
            return Actor(user_id, is_admin=True)
        now = self._clock()
        with self._lock:
            known = self._known.get(user_id)
        if known is not None and now - known[1] < self._keep_for:
            return Actor(user_id, is_admin=known[0])
        user = client.users_info(user=user_id)["user"]
        slack_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._known[user_id] = (slack_admin, now)
        return Actor(
            user_id, is_admin=is_admin(user_id, slack_admin_or_owner=slack_admin, configured=self._configured)
        )


class Timezones:
    """Each person's own timezone (users.info's `tz`), so "yesterday" is theirs, not the workspace's.

    Kept for a few minutes like admin rights; a person Slack gives no valid zone gets `fallback`.
    """

    def __init__(self, *, keep_for: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._keep_for = keep_for
        self._clock = clock
        self._known: dict[str, tuple[ZoneInfo | None, float]] = {}
        self._lock = threading.Lock()

    def zone(self, client: WebClient, user_id: str, fallback: ZoneInfo) -> ZoneInfo:
        """`user_id`'s timezone, or `fallback` when Slack names none Python knows."""
        now = self._clock()
        with self._lock:
            known = self._known.get(user_id)
        if known is None or now - known[1] >= self._keep_for:
            name = client.users_info(user=user_id)["user"].get("tz")
            known = (_zone_named(name), now)
            with self._lock:
                self._known[user_id] = known
        return known[0] or fallback


def _zone_named(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return None
