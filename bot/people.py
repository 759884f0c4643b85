"""People and teams: who is on sales, who is on marketing, and who may administer Tandem."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import TandemError
from bot.models import Person, TeamSource
from bot.workspaces import WorkspaceKey, Workspaces


class Team(StrEnum):
    SALES = "sales"
    MARKETING = "marketing"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class TeamSourceKind(StrEnum):
    USERGROUP = "usergroup"
    CHANNEL = "channel"


# Precedence when several ways name a person's team: an admin's word beats a mapped source,
# which beats the person's own choice (made once, only while nothing else says).
_SET_BY_ADMIN, _CHOSEN = "admin", "self"


@dataclass(frozen=True)
class Actor:
    """Who is acting, and whether they administer Tandem in this workspace."""

    user_id: str
    is_admin: bool = False


@dataclass(frozen=True)
class MappedSource:
    team: Team
    kind: TeamSourceKind
    slack_id: str
    mapped_by: str
    synced_at: datetime | None


@dataclass(frozen=True)
class Membership:
    user_id: str
    team: Team
    source: str  # "admin", "self", "usergroup" or "channel"


class NotAllowed(TandemError):
    """The person may not do this; the message says why."""


class AlreadyChosen(TandemError):
    """A person chooses their own team once; after that an admin changes it."""


def is_admin(user_id: str, *, slack_admin_or_owner: bool, configured: Iterable[str]) -> bool:
    """Admins are the workspace's admins and owners plus the people named in settings."""
    return slack_admin_or_owner or user_id in set(configured)


class People:
    """Teams of people, per workspace."""

    def __init__(self, database: Database, workspaces: Workspaces, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._workspaces = workspaces
        self._clock = clock

    def team_of(self, key: WorkspaceKey, user_id: str) -> Team | None:
        return self.teams_of(key, [user_id]).get(user_id)

    def teams_of(self, key: WorkspaceKey, user_ids: Iterable[str]) -> dict[str, Team]:
        """The known team of each of these people (unknown people are left out)."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return {}
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = session.execute(
                select(Person.user_id, Person.team).where(
                    Person.workspace_id == workspace.id, Person.user_id.in_(wanted)
                )
            ).all()
            return {user_id: Team(team) for user_id, team in rows}

    def members(self, key: WorkspaceKey) -> list[Membership]:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = session.scalars(
                select(Person)
                .where(Person.workspace_id == workspace.id)
                .order_by(Person.team, Person.user_id)
            ).all()
            return [Membership(p.user_id, Team(p.team), p.source) for p in rows]

    def set_team(self, key: WorkspaceKey, actor: Actor, user_ids: Iterable[str], team: Team) -> None:
        """An admin puts people on a team directly; this beats every other way of knowing."""
        if not actor.is_admin:
            raise NotAllowed("Only Tandem's admins set other people's teams.")
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            for user_id in set(user_ids):
                self._put(session, workspace.id, user_id, team, _SET_BY_ADMIN, None)

    def choose_own_team(self, key: WorkspaceKey, user_id: str, team: Team) -> None:
        """A person sets their own team, once, while nothing else has set it."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            known = session.scalars(
                select(Person).where(Person.workspace_id == workspace.id, Person.user_id == user_id)
            ).one_or_none()
            if known is not None:
                raise AlreadyChosen(
                    f"You're already on {Team(known.team).label}. Ask a Tandem admin to change it."
                )
            self._put(session, workspace.id, user_id, team, _CHOSEN, None)

    def map_source(
        self, key: WorkspaceKey, actor: Actor, team: Team, kind: TeamSourceKind, slack_id: str
    ) -> None:
        """An admin says a user group's or a channel's members make up a team."""
        if not actor.is_admin:
            raise NotAllowed("Only Tandem's admins map teams to user groups or channels.")
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            _map(session, workspace.id, team, kind, slack_id, actor.user_id)

    def unmap_source(self, key: WorkspaceKey, actor: Actor, kind: TeamSourceKind, slack_id: str) -> None:
        """An admin says a user group or channel no longer makes up a team; its people are forgotten."""
        if not actor.is_admin:
            raise NotAllowed("Only Tandem's admins change team mappings.")
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            _unmap(session, workspace.id, kind, slack_id)

    def apply_setup(
        self,
        key: WorkspaceKey,
        actor: Actor,
        sources: Mapping[tuple[TeamSourceKind, str], Team],
        placed: Mapping[Team, Iterable[str]],
    ) -> None:
        """An admin's whole team setup, stored at once: exactly these user groups and channels make
        up teams, and exactly these people are placed directly; anyone an admin had placed and is now
        left out is taken off (a mapped source may put them on a team again when it is next read)."""
        if not actor.is_admin:
            raise NotAllowed("Only Tandem's admins set up teams.")
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            mapped = session.execute(
                select(TeamSource.kind, TeamSource.slack_id).where(TeamSource.workspace_id == workspace.id)
            ).all()
            for kind, slack_id in mapped:
                if (TeamSourceKind(kind), slack_id) not in sources:
                    _unmap(session, workspace.id, TeamSourceKind(kind), slack_id)
            for (kind, slack_id), team in sources.items():
                _map(session, workspace.id, team, kind, slack_id, actor.user_id)
            wanted = {user_id: team for team, user_ids in placed.items() for user_id in user_ids}
            session.execute(
                delete(Person).where(
                    Person.workspace_id == workspace.id,
                    Person.source == _SET_BY_ADMIN,
                    Person.user_id.not_in(wanted) if wanted else Person.user_id.is_not(None),
                )
            )
            for user_id, team in wanted.items():
                self._put(session, workspace.id, user_id, team, _SET_BY_ADMIN, None, now)

    def sources(self, key: WorkspaceKey) -> list[MappedSource]:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = session.scalars(
                select(TeamSource).where(TeamSource.workspace_id == workspace.id).order_by(TeamSource.id)
            ).all()
            return [
                MappedSource(Team(r.team), TeamSourceKind(r.kind), r.slack_id, r.mapped_by, r.synced_at)
                for r in rows
            ]

    def sync_source(
        self, key: WorkspaceKey, kind: TeamSourceKind, slack_id: str, members: Iterable[str]
    ) -> int:
        """Put a mapped source's current members on its team; returns how many people it now holds.

        People an admin placed keep their team; people who chose their own take the mapped one;
        former members who came only from this source are forgotten.
        """
        now = self._clock()
        current = set(members)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            source = session.scalars(
                select(TeamSource).where(
                    TeamSource.workspace_id == workspace.id,
                    TeamSource.kind == kind.value,
                    TeamSource.slack_id == slack_id,
                )
            ).one_or_none()
            if source is None:
                return 0
            session.execute(
                delete(Person).where(
                    Person.workspace_id == workspace.id,
                    Person.source == kind.value,
                    Person.source_id == slack_id,
                    Person.user_id.not_in(current) if current else Person.user_id.is_not(None),
                )
            )
            for user_id in current:
                self._put(session, workspace.id, user_id, Team(source.team), kind.value, slack_id, now)
            source.synced_at = now
            return len(current)

    def _put(
        self,
        session: Session,
        workspace_id: int,
        user_id: str,
        team: Team,
        source: str,
        source_id: str | None,
        now: datetime | None = None,
    ) -> None:
        now = now or self._clock()
        person = session.scalars(
            select(Person).where(Person.workspace_id == workspace_id, Person.user_id == user_id)
        ).one_or_none()
        if person is None:
            session.add(
                Person(
                    workspace_id=workspace_id,
                    user_id=user_id,
                    team=team.value,
                    source=source,
                    source_id=source_id,
                    updated_at=now,
                )
            )
            return
        if person.source == _SET_BY_ADMIN and source != _SET_BY_ADMIN:
            return  # an admin's placement stands until an admin changes it
        person.team, person.source, person.source_id, person.updated_at = team.value, source, source_id, now


def _map(
    session: Session, workspace_id: int, team: Team, kind: TeamSourceKind, slack_id: str, by: str
) -> None:
    source = session.scalars(
        select(TeamSource).where(
            TeamSource.workspace_id == workspace_id,
            TeamSource.kind == kind.value,
            TeamSource.slack_id == slack_id,
        )
    ).one_or_none()
    if source is None:
        session.add(
            TeamSource(
                workspace_id=workspace_id, team=team.value, kind=kind.value, slack_id=slack_id, mapped_by=by
            )
        )
    elif source.team != team.value:
        source.team, source.mapped_by = team.value, by


def _unmap(session: Session, workspace_id: int, kind: TeamSourceKind, slack_id: str) -> None:
    session.execute(
        delete(TeamSource).where(
            TeamSource.workspace_id == workspace_id,
            TeamSource.kind == kind.value,
            TeamSource.slack_id == slack_id,
        )
    )
    session.execute(
        delete(Person).where(
            Person.workspace_id == workspace_id, Person.source == kind.value, Person.source_id == slack_id
        )
    )
