"""Tandem's services, built once from plain values and shared by every front (Slack now, Teams later)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.db import Database
from bot.issues import Tracker
from bot.notifications import Outbox
from bot.people import People
from bot.scheduling import RETAKE_AFTER, Ledger
from bot.workspaces import WorkspaceDefaults, Workspaces


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    database: Database
    workspaces: Workspaces
    tracker: Tracker
    people: People
    outbox: Outbox
    ledger: Ledger


def build_services(
    database: Database, defaults: WorkspaceDefaults, clock: Callable[[], datetime] = utc_now
) -> Services:
    workspaces = Workspaces(database, defaults, clock)
    return Services(
        database=database,
        workspaces=workspaces,
        tracker=Tracker(database, workspaces, clock),
        people=People(database, workspaces, clock),
        outbox=Outbox(database, clock),
        ledger=Ledger(database, workspaces, clock, retake_after=RETAKE_AFTER),
    )
