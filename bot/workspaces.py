"""Workspaces: the tenant every row belongs to, and the settings each one may override."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import Workspace


@dataclass(frozen=True)
class WorkspaceKey:
    """Who a request comes from: a Slack team, inside an Enterprise Grid org where there is one."""

    team_id: str
    enterprise_id: str = ""


@dataclass(frozen=True)
class WorkspaceDefaults:
    """What a workspace uses until it sets its own (from the deployment's settings)."""

    timezone: str
    tracker_channel: str | None


@dataclass(frozen=True)
class WorkspaceSettings:
    key: WorkspaceKey
    timezone: ZoneInfo
    tracker_channel: str | None
    # When Tandem first met it: a scheduled run due before then was never missed.
    met_at: datetime | None = None


class Workspaces:
    """Finds or creates workspace rows and answers their effective settings."""

    def __init__(
        self, database: Database, defaults: WorkspaceDefaults, clock: Callable[[], datetime]
    ) -> None:
        self._database = database
        self._defaults = defaults
        self._clock = clock

    def settings_for(self, key: WorkspaceKey) -> WorkspaceSettings:
        with self._database.transaction() as session:
            workspace = self.row_for(session, key)
            return self._settings(workspace)

    def all_settings(self) -> list[WorkspaceSettings]:
        """Every workspace Tandem has met, with its effective settings (scheduled jobs visit each)."""
        with self._database.transaction() as session:
            return [
                self._settings(workspace)
                for workspace in session.scalars(select(Workspace).order_by(Workspace.id))
            ]

    def _settings(self, workspace: Workspace) -> WorkspaceSettings:
        return WorkspaceSettings(
            key=WorkspaceKey(workspace.team_id, workspace.enterprise_id),
            timezone=self.timezone_of(workspace),
            tracker_channel=workspace.tracker_channel or self._defaults.tracker_channel,
            met_at=workspace.created_at,
        )

    def timezone_of(self, workspace: Workspace) -> ZoneInfo:
        return ZoneInfo(workspace.timezone or self._defaults.timezone)

    def row_for(self, session: Session, key: WorkspaceKey) -> Workspace:
        """The workspace's row, created on first contact; for services sharing a transaction."""
        query = select(Workspace).where(
            Workspace.team_id == key.team_id, Workspace.enterprise_id == key.enterprise_id
        )
        found = session.scalars(query).one_or_none()
        if found is not None:
            return found
        try:
            with session.begin_nested():
                created = Workspace(
                    team_id=key.team_id,
                    enterprise_id=key.enterprise_id,
                    last_issue_number=0,
                    created_at=self._clock(),
                )
                session.add(created)
            return created
        except IntegrityError:
            # Another request created it between our read and our insert.
            return session.scalars(query).one()
