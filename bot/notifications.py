"""Direct-message news, batched: changes made close together reach each person as one message."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import Notification, Workspace
from bot.workspaces import WorkspaceKey


@dataclass(frozen=True)
class Notice:
    """One piece of news: what happened (`kind`) and its facts."""

    kind: str
    facts: Mapping[str, Any]
    at: datetime


@dataclass(frozen=True)
class Batch:
    """Everything pending for one person, to be sent as one direct message."""

    key: WorkspaceKey
    recipient: str
    notices: tuple[Notice, ...]
    ids: tuple[int, ...]


def notify(
    session: Session, workspace_id: int, recipient: str, kind: str, facts: Mapping[str, Any], at: datetime
) -> None:
    """Queue news for someone, inside the caller's transaction: it is sent only if the change commits."""
    session.add(
        Notification(
            workspace_id=workspace_id,
            recipient=recipient,
            kind=kind,
            payload=json.dumps(dict(facts), sort_keys=True, default=str),
            created_at=at,
        )
    )


class Outbox:
    """Hands out pending news once each, even to several replicas asking at the same moment.

    Two steps, so a runner that dies between taking news and sending it loses nothing: news is
    claimed, then settled once sent (or given up on); a claim left unsettled is taken again later.
    """

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        retake_after: timedelta = timedelta(minutes=10),
    ) -> None:
        self._database = database
        self._clock = clock
        self._retake_after = retake_after

    def take_quiet_batches(self, quiet_for: timedelta) -> list[Batch]:
        """Claim the news of everyone whose latest news is at least `quiet_for` old.

        Waiting for quiet turns a burst of changes into one message. Claiming is a conditional
        UPDATE, so two replicas never both take the same row.
        """
        now = self._clock()
        takeable = Notification.sent_at.is_(None) & or_(
            Notification.claimed_at.is_(None), Notification.claimed_at <= now - self._retake_after
        )
        with self._database.transaction() as session:
            quiet = session.execute(
                select(Notification.workspace_id, Notification.recipient)
                .where(takeable)
                .group_by(Notification.workspace_id, Notification.recipient)
                .having(func.max(Notification.created_at) <= now - quiet_for)
            ).all()
            batches: list[Batch] = []
            for workspace_id, recipient in quiet:
                claimed = session.execute(
                    update(Notification)
                    .where(
                        takeable,
                        Notification.workspace_id == workspace_id,
                        Notification.recipient == recipient,
                    )
                    .values(claimed_at=now)
                    .returning(
                        Notification.id, Notification.kind, Notification.payload, Notification.created_at
                    )
                ).all()
                if not claimed:
                    continue  # another replica took them first
                workspace = session.get_one(Workspace, workspace_id)
                ordered = sorted(claimed, key=lambda row: (row.created_at, row.id))
                batches.append(
                    Batch(
                        key=WorkspaceKey(workspace.team_id, workspace.enterprise_id),
                        recipient=recipient,
                        notices=tuple(Notice(r.kind, json.loads(r.payload), r.created_at) for r in ordered),
                        ids=tuple(r.id for r in ordered),
                    )
                )
            return batches

    def settle(self, batch: Batch) -> None:
        """The batch was sent (or can never be): it is done."""
        with self._database.transaction() as session:
            session.execute(
                update(Notification).where(Notification.id.in_(batch.ids)).values(sent_at=self._clock())
            )

    def give_back(self, batch: Batch) -> None:
        """Return a batch that could not be delivered now, so the next round tries again."""
        with self._database.transaction() as session:
            session.execute(
                update(Notification).where(Notification.id.in_(batch.ids)).values(claimed_at=None)
            )

    def pending_for(self, key: WorkspaceKey) -> dict[str, int]:
        """How many notices wait for each person (for App Home and tests)."""
        with self._database.transaction() as session:
            rows = session.execute(
                select(Notification.recipient, func.count())
                .join(Workspace, Workspace.id == Notification.workspace_id)
                .where(
                    Workspace.team_id == key.team_id,
                    Workspace.enterprise_id == key.enterprise_id,
                    Notification.sent_at.is_(None),
                )
                .group_by(Notification.recipient)
            ).all()
            counts: dict[str, int] = defaultdict(int)
            for recipient, count in rows:
                counts[recipient] = count
            return dict(counts)
