"""Reading mapped teams from Slack: a user group's or a channel's members, put on their team.

Used when an admin saves the team setup (handlers/teams.py) and by the daily sync (jobs/team_sync.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.people import MappedSource, People, TeamSourceKind
from bot.workspaces import WorkspaceKey

log = logging.getLogger(__name__)

MEMBERS_PAGE = 200  # Slack suggests no more than 200 members a page


@dataclass(frozen=True)
class SourceSync:
    """How reading one mapped source went: how many people it now holds, or Slack's error."""

    source: MappedSource
    members: int | None
    error: str | None = None


def members_of(client: WebClient, kind: TeamSourceKind, slack_id: str) -> list[str]:
    """A user group's or channel's members now, every page of them."""
    if kind is TeamSourceKind.USERGROUP:
        return [str(u) for u in client.usergroups_users_list(usergroup=slack_id).get("users") or []]
    members: list[str] = []
    cursor = ""
    while True:
        page = client.conversations_members(
            channel=slack_id, limit=MEMBERS_PAGE, **({"cursor": cursor} if cursor else {})
        )
        members += [str(m) for m in page.get("members") or []]
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return members


def sync_mapped_teams(
    client: WebClient, people: People, key: WorkspaceKey, *, bot_user_id: str | None = None
) -> list[SourceSync]:
    """Read every mapped user group's and channel's members from Slack and put them on their teams.

    Channels are read before user groups, so someone both claim ends on the group's team, the same
    way every day. A source Slack refuses (a private channel Tandem left, a deleted group) keeps
    its people until it can be read again. Tandem itself is never put on a team.
    """
    sources = sorted(people.sources(key), key=lambda s: (s.kind is TeamSourceKind.USERGROUP, s.slack_id))
    if not sources:
        return []
    if bot_user_id is None:
        bot_user_id = str(client.auth_test()["user_id"])
    results: list[SourceSync] = []
    for source in sources:
        try:
            members = [m for m in members_of(client, source.kind, source.slack_id) if m != bot_user_id]
        except SlackApiError as failure:
            error = str(failure.response.get("error") or f"HTTP {failure.response.status_code}")
            log.warning(
                "Could not read the members of %s %s in team %s: %s",
                source.kind.value,
                source.slack_id,
                key.team_id,
                error,
            )
            results.append(SourceSync(source, None, error))
            continue
        results.append(SourceSync(source, people.sync_source(key, source.kind, source.slack_id, members)))
    return results
