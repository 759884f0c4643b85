"""Field time as a metric nobody types: a metric whose query URL is `tandem:field-visits` is answered
from Tandem's own field notes, each day, beside the metrics whose SQL runs on other databases."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import Database
from bot.fieldnotes import VisitKind
from bot.metric_queries import QueryFailed
from bot.metrics import MetricQuery, QueryRunner, WorkspaceQueryRunner
from bot.models import FieldNoteRow
from bot.people import People, Team
from bot.workspaces import WorkspaceKey, Workspaces

FIELD_VISITS = "tandem:field-visits"
# Time in the field: a call is logged too, but nobody went anywhere.
FIELD_KINDS = (VisitKind.CUSTOMER_VISIT, VisitKind.RIDE_ALONG, VisitKind.EVENT)


class FieldTime:
    """Answers `tandem:` queries from Tandem's data and hands every other query to `run_query`."""

    def __init__(
        self, database: Database, workspaces: Workspaces, people: People, run_query: QueryRunner
    ) -> None:
        self._database = database
        self._workspaces = workspaces
        self._people = people
        self._run_query = run_query

    def runner(self) -> WorkspaceQueryRunner:
        """The query runner Metrics calls for each queried metric and day."""
        return self.answer

    def answer(self, key: WorkspaceKey, query: MetricQuery, day: date, zone: ZoneInfo) -> float:
        if query.url == FIELD_VISITS:
            return self.visits_per_marketer(key, day)
        if query.url.startswith("tandem:"):
            raise QueryFailed(f"Tandem answers only {FIELD_VISITS} itself")
        return self._run_query(query, day, zone)

    def visits_per_marketer(self, key: WorkspaceKey, day: date) -> float:
        """The day's field visits per marketer: each marketer who went on a customer visit, a ride-along
        or an event that day counts one visit, and the total is divided by the marketing team's size
        (today's). Summed over a month (rollup sum), that is the month's visits per marketer."""
        marketers = {m.user_id for m in self._people.members(key) if m.team is Team.MARKETING}
        if not marketers:
            raise QueryFailed("no one is on the marketing team yet: an admin sets teams in Tandem's Home")
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            went = session.scalars(
                select(FieldNoteRow.went).where(
                    FieldNoteRow.workspace_id == workspace.id,
                    FieldNoteRow.visited_on == day,
                    FieldNoteRow.kind.in_([kind.value for kind in FIELD_KINDS]),
                )
            ).all()
        visits = sum(len({user_id.strip() for user_id in who.split(",")} & marketers) for who in went)
        return visits / len(marketers)
