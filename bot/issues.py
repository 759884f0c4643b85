"""The shared tracker: either team raises an issue, it gets a number, and both see what is open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import InvalidInput
from bot.models import Issue, Workspace
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
        return list(Priority).index(self)


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
OPEN_STATUSES = [status.value for status in Status if status.is_open]


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


@dataclass(frozen=True)
class RaisedIssue:
    issue: SharedIssue
    # True when the same request (a retry, a double submit) had already raised it.
    already_raised: bool


@dataclass(frozen=True)
class OpenIssues:
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
    """Raises shared issues and lists the open ones, per workspace."""

    def __init__(self, database: Database, workspaces: Workspaces, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._workspaces = workspaces
        self._clock = clock

    def raise_issue(
        self,
        key: WorkspaceKey,
        draft: IssueDraft,
        *,
        raised_by: str,
        request_key: str | None = None,
    ) -> RaisedIssue:
        """Store a new issue under the workspace's next number; InvalidInput for a bad draft."""
        try:
            return self._store(key, draft, raised_by, request_key)
        except IntegrityError:
            if request_key is None:
                raise
            # A concurrent duplicate of this request won the race: its issue stands, ours rolled
            # back whole, number reservation included.
            return self._raised_by_request(key, request_key)

    def _store(
        self, key: WorkspaceKey, draft: IssueDraft, raised_by: str, request_key: str | None
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
                owner_id=draft.owner_id,
                due_on=draft.due_on,
                raised_by=raised_by,
                raised_at=now,
                request_key=request_key,
            )
            session.add(issue)
            session.flush()
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
            issue = self._issue(session, key, number)
            issue.card_channel, issue.card_ts, issue.card_permalink = (
                card.channel,
                card.ts,
                card.permalink,
            )
            return _shared(issue)

    def open_issues(self, key: WorkspaceKey, *, limit: int) -> OpenIssues:
        """Open issues, most urgent then oldest first, at most `limit`, and how many in all."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            is_open = (Issue.workspace_id == workspace.id) & Issue.status.in_(OPEN_STATUSES)
            total = session.scalar(select(func.count()).select_from(Issue).where(is_open)) or 0
            rows = session.scalars(
                select(Issue)
                .where(is_open)
                .order_by(Issue.priority_rank.desc(), Issue.raised_at, Issue.number)
                .limit(limit)
            ).all()
            return OpenIssues(shown=tuple(_shared(row) for row in rows), total=total)

    def _issue(self, session: Session, key: WorkspaceKey, number: int) -> Issue:
        workspace = self._workspaces.row_for(session, key)
        return session.scalars(
            select(Issue).where(Issue.workspace_id == workspace.id, Issue.number == number)
        ).one()


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
    )
