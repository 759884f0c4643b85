"""Tandem's services, built once from plain values and shared by every front (Slack now, Teams later)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.db import Database
from bot.digest import DigestDefaults, Digests, DigestSource
from bot.digest_sources import TrackerHighlights
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
    clock: Callable[[], datetime]  # what time every service thinks it is (`tandem jobs run --at` moves it)
    workspaces: Workspaces
    tracker: Tracker
    people: People
    outbox: Outbox
    ledger: Ledger
    digests: Digests


def build_services(
    database: Database,
    defaults: WorkspaceDefaults,
    clock: Callable[[], datetime] = utc_now,
    *,
    digest_defaults: DigestDefaults = DigestDefaults(),  # noqa: B008 - frozen, so one shared default is safe
) -> Services:
    workspaces = Workspaces(database, defaults, clock)
    # What the digest is made of, in its order after the collected items. Later features (wins,
    # field notes, metrics) add their source here; the digest itself does not change.
    digest_sources: list[DigestSource] = [TrackerHighlights(database, workspaces)]
    return Services(
        database=database,
        clock=clock,
        workspaces=workspaces,
        tracker=Tracker(database, workspaces, clock),
        people=People(database, workspaces, clock),
        outbox=Outbox(database, clock),
        ledger=Ledger(database, workspaces, clock, retake_after=RETAKE_AFTER),
        digests=Digests(database, workspaces, clock, digest_defaults, digest_sources),
    )
