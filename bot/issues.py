"""The shared tracker: either team raises an issue, it gets a number, and both see what is open."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import InvalidInput, TandemError
from bot.models import Issue, IssueChange, IssueComment, Workspace
from bot.notifications import notify
from bot.people import Actor, NotAllowed, Team
from bot.workspaces import WorkspaceKey, Workspaces

TITLE_MAX = 120  # leaves room for "#1234 " inside a 150-character header block
DETAILS_MAX = 2500  # below a section's 3,000 characters once labelled


class Category(StrEnum):
    LEAD_QUALITY = "lead_quality"
    CONTENT_REQUEST = "content_request"
    PRICING = "pricing"
    PRODUCT = "product"
    COMPETITOR = "competitor"
    PROCESS = "process"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.LEAD_QUALITY: "Lead quality",
    Category.CONTENT_REQUEST: "Content request",
    Category.PRICING: "Pricing",
    Category.PRODUCT: "Product",
    Category.COMPETITOR: "Competitor",
    Category.PROCESS: "Process",
    Category.OTHER: "Other",
}


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        """0 for urgent up to 3 for low: lists sort ascending on it."""
        return list(reversed(Priority)).index(self)


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    RESOLVED = "resolved"
    WONT_FIX = "wont_fix"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in {Status.RESOLVED, Status.WONT_FIX}


_STATUS_LABELS = {
    Status.OPEN: "Open",
    Status.IN_PROGRESS: "In progress",
    Status.BLOCKED: "Blocked",
    Status.RESOLVED: "Resolved",
    Status.WONT_FIX: "Won't fix",
}


@dataclass(frozen=True)
class IssueDraft:
    """What a person fills in to raise an issue."""

    title: str
    details: str = ""
    category: Category = Category.OTHER
    priority: Priority = Priority.NORMAL
    owner_id: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class Card:
    """Where an issue's card was posted."""

    channel: str
    ts: str
    permalink: str | None


@dataclass(frozen=True)
class SharedIssue:
    number: int
    title: str
    details: str
    category: Category
    priority: Priority
    status: Status
    owner_id: str | None
    due_on: date | None
    raised_by: str
    raised_at: datetime
    card: Card | None
    raised_by_team: Team | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    source_permalink: str | None = None
    version: int = 1
    comment_count: int = 0

    def is_overdue(self, today: date) -> bool:
        return self.status.is_open and self.due_on is not None and self.due_on < today

    def may_be_changed_by(self, actor: Actor) -> bool:
        """The owner, the person who raised it, and admins change status, owner and due date."""
        return actor.is_admin or actor.user_id in {self.owner_id, self.raised_by}


@dataclass(frozen=True)
class Comment:
    by: str
    at: datetime
    text: str
    source: str


@dataclass(frozen=True)
class FieldChange:
    """One audited change: who set which field from what to what, and when."""

    field: str
    old: str | None
    new: str | None
    by: str
    at: datetime


@dataclass(frozen=True)
class IssueDetails:
    issue: SharedIssue
    comments: tuple[Comment, ...]
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Changed:
    """An issue after a change, with what changed (nothing, when it already was so)."""

    issue: SharedIssue
    changes: tuple[FieldChange, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class IssueNotFound(TandemError):
    """No issue with that number in this workspace."""


class AlreadyTaken(TandemError):
    """Someone else owns the issue already (they were quicker on "Take it")."""

    def __init__(self, number: int, owner_id: str) -> None:
        self.number, self.owner_id = number, owner_id
        super().__init__(f"#{number} is already taken.")


class IssueView(StrEnum):
    """The lists `/issue list` and App Home offer."""

    OPEN = "open"
    MINE = "mine"
    RAISED = "raised"
    OVERDUE = "overdue"
    SALES = "sales"
    MARKETING = "marketing"
    ALL = "all"

    @property
    def label(self) -> str:
        return _VIEW_LABELS[self]


_VIEW_LABELS = {
    IssueView.OPEN: "Open issues",
    IssueView.MINE: "Your issues",
    IssueView.RAISED: "Issues you raised",
    IssueView.OVERDUE: "Overdue issues",
    IssueView.SALES: "Open issues raised by Sales",
    IssueView.MARKETING: "Open issues raised by Marketing",
    IssueView.ALL: "All issues",
}


@dataclass(frozen=True)
class Board:
    """App Home's view of the tracker for one person."""

    mine: IssueList
    raised: IssueList
    overdue: IssueList
    by_team: dict[Team, IssueList]
    # Open issues raised by people on no team, or on "other".
    others: IssueList


@dataclass(frozen=True)
class Reminders:
    """One day's reminders for a workspace: each owner's late or quiet issues, and unowned ones."""

    by_owner: dict[str, IssueList] = field(default_factory=dict)
    unowned: IssueList = field(default_factory=lambda: IssueList((), 0))


@dataclass(frozen=True)
class RaisedIssue:
    issue: SharedIssue
    # True when the same request (a retry, a double submit) had already raised it.
    already_raised: bool


@dataclass(frozen=True)
class IssueList:
    """Some issues, at most a page of them, and how many there are in all."""

    shown: tuple[SharedIssue, ...]
    total: int

    @property
    def not_shown(self) -> int:
        return self.total - len(self.shown)


def problems_with(draft: IssueDraft, today: date | None = None) -> dict[str, str]:
    """What is wrong with a draft, by field; empty when it can be raised. Pure, so forms can ask."""
    problems: dict[str, str] = {}
    title = draft.title.strip()
    if not title:
        problems["title"] = "Give the issue a title: a few words saying what is wrong."
    elif len(title) > TITLE_MAX:
        problems["title"] = (
            f"Keep the title to {TITLE_MAX} characters (this one has {len(title)}); "
            "put the rest in the details."
        )
    details = draft.details.strip()
    if len(details) > DETAILS_MAX:
        problems["details"] = f"Keep the details to {DETAILS_MAX} characters (these have {len(details)})."
    if today is not None and draft.due_on is not None and draft.due_on < today:
        problems["due_on"] = "Pick today or a later date."
    return problems


class Tracker:
    """The shared tracker of each workspace: raising, working and listing issues."""

    def __init__(self, database: Database, workspaces: Workspaces, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._workspaces = workspaces
        self._clock = clock

    # Raising

    def raise_issue(
        self,
        key: WorkspaceKey,
        draft: IssueDraft,
        *,
        raised_by: str,
        raised_by_team: Team | None = None,
        request_key: str | None = None,
        source_permalink: str | None = None,
    ) -> RaisedIssue:
        """Store a new issue under the workspace's next number; InvalidInput for a bad draft."""
        try:
            return self._store(key, draft, raised_by, raised_by_team, request_key, source_permalink)
        except IntegrityError:
            if request_key is None:
                raise
            # A concurrent duplicate of this request won the race: its issue stands, ours rolled
            # back whole, number reservation included.
            return self._raised_by_request(key, request_key)

    def _store(
        self,
        key: WorkspaceKey,
        draft: IssueDraft,
        raised_by: str,
        raised_by_team: Team | None,
        request_key: str | None,
        source_permalink: str | None,
    ) -> RaisedIssue:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            today = now.astimezone(self._workspaces.timezone_of(workspace)).date()
            problems = problems_with(draft, today)
            if problems:
                raise InvalidInput(problems)
            if request_key is not None:
                earlier = session.scalars(
                    select(Issue).where(Issue.workspace_id == workspace.id, Issue.request_key == request_key)
                ).one_or_none()
                if earlier is not None:
                    return RaisedIssue(_shared(earlier), already_raised=True)
            # One UPDATE both reserves and reads the number, so concurrent raises never share one.
            number = session.execute(
                update(Workspace)
                .where(Workspace.id == workspace.id)
                .values(last_issue_number=Workspace.last_issue_number + 1)
                .returning(Workspace.last_issue_number)
            ).scalar_one()
            issue = Issue(
                workspace_id=workspace.id,
                number=number,
                title=draft.title.strip(),
                details=draft.details.strip(),
                category=draft.category.value,
                priority=draft.priority.value,
                priority_rank=draft.priority.rank,
                status=Status.OPEN.value,
                is_open=True,
                owner_id=draft.owner_id,
                due_on=draft.due_on,
                raised_by=raised_by,
                raised_by_team=raised_by_team.value if raised_by_team else None,
                raised_at=now,
                updated_at=now,
                request_key=request_key,
                source_permalink=source_permalink,
                version=1,
            )
            session.add(issue)
            session.flush()
            if draft.owner_id and draft.owner_id != raised_by:
                notify(session, workspace.id, draft.owner_id, "issue_assigned", _facts(issue, raised_by), now)
            return RaisedIssue(_shared(issue), already_raised=False)

    def _raised_by_request(self, key: WorkspaceKey, request_key: str) -> RaisedIssue:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            earlier = session.scalars(
                select(Issue).where(Issue.workspace_id == workspace.id, Issue.request_key == request_key)
            ).one()
            return RaisedIssue(_shared(earlier), already_raised=True)

    def record_card(self, key: WorkspaceKey, number: int, card: Card) -> SharedIssue:
        """Remember where the issue's card was posted, so later changes can update it."""
        with self._database.transaction() as session:
            issue = self._locked(session, key, number)
            issue.card_channel, issue.card_ts, issue.card_permalink = card.channel, card.ts, card.permalink
            return _shared(issue)

    # Reading

    def issue(self, key: WorkspaceKey, number: int) -> SharedIssue:
        """One issue; IssueNotFound when this workspace has no such number."""
        with self._database.transaction() as session:
            return _shared(self._row(session, key, number))

    def details(self, key: WorkspaceKey, number: int, *, history_limit: int = 20) -> IssueDetails:
        """An issue with its comments and its latest changes, oldest first."""
        with self._database.transaction() as session:
            row = self._row(session, key, number)
            comments = session.scalars(
                select(IssueComment)
                .where(IssueComment.issue_id == row.id)
                .order_by(IssueComment.at, IssueComment.id)
            ).all()
            changes = session.scalars(
                select(IssueChange)
                .where(IssueChange.issue_id == row.id)
                .order_by(IssueChange.at.desc(), IssueChange.id.desc())
                .limit(history_limit)
            ).all()
            return IssueDetails(
                issue=_shared(row),
                comments=tuple(Comment(c.by, c.at, c.text, c.source) for c in comments),
                changes=tuple(reversed([_change(c) for c in changes])),
            )

    def number_for_card(self, key: WorkspaceKey, channel: str, ts: str) -> int | None:
        """The issue whose card is the message `ts` in `channel` (for replies in the card's thread)."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return session.scalar(
                select(Issue.number).where(
                    Issue.workspace_id == workspace.id, Issue.card_channel == channel, Issue.card_ts == ts
                )
            )

    def list_issues(
        self, key: WorkspaceKey, view: IssueView, *, user_id: str, limit: int, today: date | None = None
    ) -> IssueList:
        """One of the lists `/issue list` offers, most urgent then oldest first."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            if today is None:
                today = self._clock().astimezone(self._workspaces.timezone_of(workspace)).date()
            return _page(session, _view_filter(workspace.id, view, user_id, today), limit, _order(view))

    def board(self, key: WorkspaceKey, user_id: str, *, limit_each: int) -> Board:
        """What App Home shows one person: theirs, raised by them, overdue, and open by team."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            today = self._clock().astimezone(self._workspaces.timezone_of(workspace)).date()

            def page(view: IssueView) -> IssueList:
                return _page(
                    session, _view_filter(workspace.id, view, user_id, today), limit_each, _order(view)
                )

            return Board(
                mine=page(IssueView.MINE),
                raised=page(IssueView.RAISED),
                overdue=page(IssueView.OVERDUE),
                by_team={Team.SALES: page(IssueView.SALES), Team.MARKETING: page(IssueView.MARKETING)},
                others=_page(
                    session,
                    (Issue.workspace_id == workspace.id)
                    & (Issue.is_open == true())
                    & or_(Issue.raised_by_team.is_(None), Issue.raised_by_team == Team.OTHER.value),
                    limit_each,
                ),
            )

    def reminders(
        self,
        key: WorkspaceKey,
        *,
        today: date,
        quiet_since: datetime,
        unowned_since: datetime,
        per_person: int = 25,
    ) -> Reminders:
        """Open issues whose owners should hear about them (past due, or untouched since
        `quiet_since`), and open issues nobody owns raised before `unowned_since`; at most
        `per_person` of each owner's (most urgent, then oldest, first), with how many in all."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            open_here = (Issue.workspace_id == workspace.id) & (Issue.is_open == true())
            urgency = (Issue.priority_rank, Issue.raised_at, Issue.number)
            # Ranked in the database, so only a page of each owner's issues is ever read out.
            ranked = (
                select(
                    Issue.id,
                    func.row_number().over(partition_by=Issue.owner_id, order_by=urgency).label("place"),
                    func.count().over(partition_by=Issue.owner_id).label("total"),
                )
                .where(
                    open_here,
                    Issue.owner_id.is_not(None),
                    or_(Issue.due_on < today, Issue.updated_at < quiet_since),
                )
                .subquery()
            )
            rows = session.execute(
                select(Issue, ranked.c.total)
                .join(ranked, ranked.c.id == Issue.id)
                .where(ranked.c.place <= per_person)
                .order_by(Issue.owner_id, *urgency)
            ).all()
            pages: dict[str, list[SharedIssue]] = defaultdict(list)
            totals: dict[str, int] = {}
            for row, total in rows:
                assert row.owner_id is not None
                pages[row.owner_id].append(_shared(row))
                totals[row.owner_id] = total
            unowned = _page(
                session, open_here & Issue.owner_id.is_(None) & (Issue.raised_at < unowned_since), per_person
            )
            return Reminders(
                by_owner={owner: IssueList(tuple(page), totals[owner]) for owner, page in pages.items()},
                unowned=unowned,
            )

    # Working an issue

    def take(self, key: WorkspaceKey, number: int, actor: Actor) -> Changed:
        """Make `actor` the owner. Anyone may take an unowned issue; taking one someone else owns
        needs the right to change it, and otherwise raises AlreadyTaken naming the owner."""
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            if row.owner_id == actor.user_id:
                return Changed(_shared(row), ())
            if row.owner_id is not None and not _shared(row).may_be_changed_by(actor):
                raise AlreadyTaken(number, row.owner_id)
            return self._change(session, row, actor, owner_id=actor.user_id)

    def assign(self, key: WorkspaceKey, number: int, owner_id: str, actor: Actor) -> Changed:
        """Give the issue to `owner_id` (the owner, the raiser or an admin may; anyone may take it)."""
        if owner_id == actor.user_id:
            return self.take(key, number, actor)
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            self._require_right(row, actor, "change its owner")
            return self._change(session, row, actor, owner_id=owner_id)

    def set_status(
        self, key: WorkspaceKey, number: int, status: Status, actor: Actor, note: str = ""
    ) -> Changed:
        """Move the issue to `status`; a note, when given, is kept as a comment."""
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            self._require_right(row, actor, "change its status")
            changed = self._change(session, row, actor, status=status.value)
            if note.strip():
                self._add_comment(
                    session, row, actor.user_id, note.strip(), "command", f"status:{row.version}"
                )
            return changed

    def close(self, key: WorkspaceKey, number: int, actor: Actor, note: str = "") -> Changed:
        return self.set_status(key, number, Status.RESOLVED, actor, note)

    def reopen(self, key: WorkspaceKey, number: int, actor: Actor) -> Changed:
        """Open a resolved or won't-fix issue again; one still being worked on is left as it is."""
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            self._require_right(row, actor, "reopen it")
            if Status(row.status).is_open:
                return Changed(_shared(row), ())
            return self._change(session, row, actor, status=Status.OPEN.value)

    def set_due(self, key: WorkspaceKey, number: int, due_on: date | None, actor: Actor) -> Changed:
        """Set or clear the due date; a date in the past is refused (InvalidInput)."""
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            self._require_right(row, actor, "change its due date")
            workspace = self._workspaces.row_for(session, key)
            today = self._clock().astimezone(self._workspaces.timezone_of(workspace)).date()
            if due_on is not None and due_on < today:
                raise InvalidInput({"due_on": "Pick today or a later date."})
            return self._change(session, row, actor, due_on=due_on)

    def set_priority(self, key: WorkspaceKey, number: int, priority: Priority, actor: Actor) -> Changed:
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            self._require_right(row, actor, "change its priority")
            return self._change(session, row, actor, priority=priority.value, priority_rank=priority.rank)

    def comment(
        self, key: WorkspaceKey, number: int, by: str, text: str, *, source: str, request_key: str
    ) -> Comment | None:
        """Add a comment; None when this request (a retry, a double click) already added it."""
        text = text.strip()
        if not text:
            raise InvalidInput({"comment": "Write something to comment."})
        if len(text) > DETAILS_MAX:
            raise InvalidInput(
                {"comment": f"Keep a comment to {DETAILS_MAX} characters (this one has {len(text)})."}
            )
        try:
            with self._database.transaction() as session:
                row = self._locked(session, key, number)
                return self._add_comment(session, row, by, text, source, request_key)
        except IntegrityError:
            return None  # the same request, delivered again, raced us to it

    def delete(self, key: WorkspaceKey, number: int, actor: Actor) -> SharedIssue:
        """Remove an issue with its comments and history (admins only); returns what it was."""
        if not actor.is_admin:
            raise NotAllowed("Only Tandem's admins delete issues.")
        with self._database.transaction() as session:
            row = self._locked(session, key, number)
            gone = _shared(row)
            session.execute(delete(Issue).where(Issue.id == row.id))
            return gone

    # Internals

    def _row(self, session: Session, key: WorkspaceKey, number: int) -> Issue:
        workspace = self._workspaces.row_for(session, key)
        row = session.scalars(
            select(Issue).where(Issue.workspace_id == workspace.id, Issue.number == number)
        ).one_or_none()
        if row is None:
            raise IssueNotFound(f"There is no issue #{number} here. `/issue list` shows the open ones.")
        return row

    def _locked(self, session: Session, key: WorkspaceKey, number: int) -> Issue:
        # FOR UPDATE makes concurrent changes queue and each act on the state the one before left
        # (SQLite has no row locks; its BEGIN IMMEDIATE already serialises writers).
        workspace = self._workspaces.row_for(session, key)
        row = session.scalars(
            select(Issue).where(Issue.workspace_id == workspace.id, Issue.number == number).with_for_update()
        ).one_or_none()
        if row is None:
            raise IssueNotFound(f"There is no issue #{number} here. `/issue list` shows the open ones.")
        return row

    @staticmethod
    def _require_right(row: Issue, actor: Actor, to_do: str) -> None:
        if not _shared(row).may_be_changed_by(actor):
            raise NotAllowed(
                f"Only #{row.number}'s owner, the person who raised it, or a Tandem admin can {to_do}."
            )

    def _change(self, session: Session, row: Issue, actor: Actor, **values: Any) -> Changed:
        now = self._clock()
        changes: list[FieldChange] = []
        for name, new in values.items():
            old = getattr(row, name)
            if old == new:
                continue
            setattr(row, name, new)
            if name != "priority_rank":
                changes.append(FieldChange(name, _text(old), _text(new), actor.user_id, now))
        if not changes:
            return Changed(_shared(row), ())
        row.version += 1
        row.updated_at = now
        if "status" in values:
            row.is_open = Status(row.status).is_open
            row.closed_at = None if row.is_open else now
        for change in changes:
            session.add(
                IssueChange(
                    issue_id=row.id,
                    at=now,
                    by=actor.user_id,
                    field=change.field,
                    old=change.old,
                    new=change.new,
                )
            )
        facts = _facts(row, actor.user_id)
        if "owner_id" in values and row.owner_id and row.owner_id != actor.user_id:
            notify(session, row.workspace_id, row.owner_id, "issue_assigned", facts, now)
        if values.get("status") == Status.RESOLVED.value and row.raised_by != actor.user_id:
            notify(session, row.workspace_id, row.raised_by, "issue_resolved", facts, now)
        return Changed(_shared(row), tuple(changes))

    def _add_comment(
        self, session: Session, row: Issue, by: str, text: str, source: str, request_key: str
    ) -> Comment | None:
        exists = session.scalar(
            select(IssueComment.id).where(
                IssueComment.issue_id == row.id, IssueComment.request_key == request_key
            )
        )
        if exists is not None:
            return None
        now = self._clock()
        session.add(
            IssueComment(issue_id=row.id, at=now, by=by, text=text, source=source, request_key=request_key)
        )
        row.updated_at = now
        row.comment_count += 1
        session.flush()
        return Comment(by, now, text, source)


def _view_filter(workspace_id: int, view: IssueView, user_id: str, today: date) -> ColumnElement[bool]:
    mine = Issue.workspace_id == workspace_id
    is_open = Issue.is_open == true()
    match view:
        case IssueView.OPEN:
            return mine & is_open
        case IssueView.MINE:
            return mine & is_open & (Issue.owner_id == user_id)
        case IssueView.RAISED:
            return mine & is_open & (Issue.raised_by == user_id)
        case IssueView.OVERDUE:
            return mine & is_open & (Issue.due_on < today)
        case IssueView.SALES | IssueView.MARKETING:
            return mine & is_open & (Issue.raised_by_team == view.value)
        case IssueView.ALL:
            return mine


_Order = tuple[ColumnElement[Any], ...]
_BY_URGENCY: _Order = (Issue.priority_rank.asc(), Issue.raised_at.asc(), Issue.number.asc())
# Longest overdue first: the order an overdue list is read in, and the one its index holds.
_BY_LATENESS: _Order = (Issue.due_on.asc(), *_BY_URGENCY)


def _order(view: IssueView) -> _Order:
    return _BY_LATENESS if view is IssueView.OVERDUE else _BY_URGENCY


def _page(
    session: Session,
    where: ColumnElement[bool],
    limit: int,
    order: _Order = _BY_URGENCY,
) -> IssueList:
    total = session.scalar(select(func.count()).select_from(Issue).where(where)) or 0
    rows = session.scalars(select(Issue).where(where).order_by(*order).limit(limit)).all()
    return IssueList(shown=tuple(_shared(row) for row in rows), total=total)


def _facts(row: Issue, by: str) -> dict[str, Any]:
    return {"number": row.number, "title": row.title, "by": by, "permalink": row.card_permalink}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _change(row: IssueChange) -> FieldChange:
    return FieldChange(row.field, row.old, row.new, row.by, row.at)


def _shared(row: Issue) -> SharedIssue:
    card = (
        Card(row.card_channel, row.card_ts, row.card_permalink) if row.card_channel and row.card_ts else None
    )
    return SharedIssue(
        number=row.number,
        title=row.title,
        details=row.details,
        category=Category(row.category),
        priority=Priority(row.priority),
        status=Status(row.status),
        owner_id=row.owner_id,
        due_on=row.due_on,
        raised_by=row.raised_by,
        raised_at=row.raised_at,
        card=card,
        raised_by_team=Team(row.raised_by_team) if row.raised_by_team else None,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        source_permalink=row.source_permalink,
        version=row.version,
        comment_count=row.comment_count,
    )
