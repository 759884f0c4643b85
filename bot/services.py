"""Tandem's services, built once from plain values and shared by every front (Slack now, Teams later)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from bot.db import Database
from bot.digest import DigestDefaults, Digests, DigestSource
from bot.digest_sources import FieldInsightsSource, MetricHighlights, TrackerHighlights, WinsOfTheWeek
from bot.field_time import FieldTime
from bot.fieldnotes import FieldNotes
from bot.issues import Tracker
from bot.metric_queries import run_metric_query
from bot.metrics import Metrics, QueryRunner, SnapshotDefaults
from bot.notifications import Outbox
from bot.people import People
from bot.scheduling import RETAKE_AFTER, Ledger
from bot.wins import Wins, WinsDefaults
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
    metrics: Metrics
    wins: Wins
    fieldnotes: FieldNotes


def build_services(
    database: Database,
    defaults: WorkspaceDefaults,
    clock: Callable[[], datetime] = utc_now,
    *,
    digest_defaults: DigestDefaults = DigestDefaults(),  # noqa: B008 - frozen, so one shared default is safe
    snapshot_defaults: SnapshotDefaults = SnapshotDefaults(),  # noqa: B008 - frozen, likewise
    run_query: QueryRunner = partial(run_metric_query, timeout=20.0),  # noqa: B008 - stateless
    wins_defaults: WinsDefaults = WinsDefaults(),  # noqa: B008 - frozen
    field_notes_channel: str | None = None,
) -> Services:
    workspaces = Workspaces(database, defaults, clock)
    people = People(database, workspaces, clock)
    # Metrics whose query URL is `tandem:field-visits` are answered from the field notes; others'
    # SQL runs on their own database.
    field_time = FieldTime(database, workspaces, people, run_query)
    metrics = Metrics(database, workspaces, people, clock, snapshot_defaults, field_time.runner())
    wins = Wins(database, workspaces, people, clock, wins_defaults)
    tracker = Tracker(database, workspaces, clock)
    fieldnotes = FieldNotes(database, workspaces, people, tracker, clock, field_notes_channel)
    # What the digest is made of, in its order after the collected items: a new feature adds its
    # source here; the digest itself does not change.
    digest_sources: list[DigestSource] = [
        TrackerHighlights(database, workspaces),
        WinsOfTheWeek(wins),
        MetricHighlights(metrics),
        FieldInsightsSource(fieldnotes),
    ]
    return Services(
        database=database,
        clock=clock,
        workspaces=workspaces,
        tracker=tracker,
        people=people,
        outbox=Outbox(database, clock),
        ledger=Ledger(database, workspaces, clock, retake_after=RETAKE_AFTER),
        digests=Digests(database, workspaces, clock, digest_defaults, digest_sources),
        metrics=metrics,
        wins=wins,
        fieldnotes=fieldnotes,
    )
