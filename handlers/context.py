"""What every listener needs to know about who is asking."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.workspaces import WorkspaceKey


def workspace_of(context: BoltContext, body: dict[str, Any]) -> WorkspaceKey:
    """The workspace a request comes from (Bolt's context, or the payload for org-wide apps)."""
    team_id = context.team_id or (body.get("team") or {}).get("id") or body.get("team_id")
    if not team_id:
        raise ValueError("request carries no team id")
    return WorkspaceKey(team_id=team_id, enterprise_id=context.enterprise_id or "")
