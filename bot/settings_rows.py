"""A feature's settings row per workspace (digest, snapshot, wins): none until an admin first saves,
the deployment's defaults meanwhile; read for one workspace, for all at once, or to change."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import DigestSettingsRow, MetricSettingsRow, WinsSettingsRow, Workspace
from bot.workspaces import WorkspaceKey

Row = TypeVar("Row", DigestSettingsRow, MetricSettingsRow, WinsSettingsRow)
Effective = TypeVar("Effective")


def settings_row(session: Session, table: type[Row], workspace_id: int, *, lock: bool = False) -> Row | None:
    """The workspace's row, if its settings were ever saved; `lock` holds it for this transaction."""
    query = select(table).where(table.workspace_id == workspace_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def settings_row_to_change(session: Session, table: type[Row], workspace_id: int) -> Row:
    """The workspace's row, locked for this transaction; added the first time its settings are saved."""
    row = settings_row(session, table, workspace_id, lock=True)
    if row is None:
        row = table(workspace_id=workspace_id)
        session.add(row)
    return row


def every_workspace_settings(
    database: Database, table: type[Row], effective: Callable[[Workspace, Row | None], Effective]
) -> dict[WorkspaceKey, Effective]:
    """Every workspace's effective settings in one query (a scheduler's plan, once a tick)."""
    with database.transaction() as session:
        rows = session.execute(
            select(Workspace, table)
            .outerjoin(table, table.workspace_id == Workspace.id)
            .order_by(Workspace.id)
        ).all()
        return {
            WorkspaceKey(workspace.team_id, workspace.enterprise_id): effective(workspace, row)
            for workspace, row in rows
        }
