"""Tables. Every row belongs to a workspace, so one deployment can serve many."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints keep Alembic's batch migrations on SQLite able to find them later.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Tandem stores aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    """A Slack workspace (team), with the settings it overrides."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # "" rather than NULL outside Enterprise Grid, so the unique key above holds on every database.
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    tracker_channel: Mapped[str | None] = mapped_column(String(32))
    last_issue_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Issue(Base):
    """A problem raised by either team into the shared tracker."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        UniqueConstraint("workspace_id", "request_key"),
        # Every list is "most urgent, then oldest, first": each index ends in that order, after
        # equalities only, so a page is read straight off the index with no sort, at any size.
        Index(None, "workspace_id", "priority_rank", "raised_at"),
        Index(None, "workspace_id", "is_open", "priority_rank", "raised_at"),
        Index(None, "workspace_id", "owner_id", "is_open", "priority_rank", "raised_at"),
        Index(None, "workspace_id", "raised_by", "is_open", "priority_rank", "raised_at"),
        Index(None, "workspace_id", "raised_by_team", "is_open", "priority_rank", "raised_at"),
        Index(None, "workspace_id", "is_open", "due_on"),
        Index(None, "workspace_id", "card_channel", "card_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    # Stored beside `priority`, 0 for the most urgent, so "most urgent first" is an ascending index scan.
    priority_rank: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # Kept with `status`: lists of open issues need an equality to read their index in order.
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    owner_id: Mapped[str | None] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date)
    raised_by: Mapped[str] = mapped_column(String(32))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # What made this issue (a slash command's trigger id, a form's view id): a retry or a
    # double submit carries the same key and finds the issue already raised.
    request_key: Mapped[str | None] = mapped_column(String(64))
    # The raiser's team when raised ("raised by Sales"): a later change of team does not rewrite history.
    raised_by_team: Mapped[str | None] = mapped_column(String(16))
    # The message an issue was raised from (message shortcut), and where to reply about it.
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Bumped by every change; a change made against an older version is re-read, never blind.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Kept with the issue so drawing its card never counts its comments.
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    card_permalink: Mapped[str | None] = mapped_column(String(500))


class IssueChange(Base):
    """The audit trail: who changed which field of an issue, when, from what to what."""

    __tablename__ = "issue_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))
    old: Mapped[str | None] = mapped_column(String(200))
    new: Mapped[str | None] = mapped_column(String(200))


class IssueComment(Base):
    """A comment on an issue: from the card's Comment button, a command, or a reply in the card's thread."""

    __tablename__ = "issue_comments"
    __table_args__ = (UniqueConstraint("issue_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    # A Slack retry or a double click carries the same key (event id, message ts, view id).
    request_key: Mapped[str] = mapped_column(String(64))


class Person(Base):
    """Someone Tandem knows the team of: sales, marketing or other."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    team: Mapped[str] = mapped_column(String(16))
    # How the team was learnt: set by an admin, chosen by the person, or from a mapped source.
    source: Mapped[str] = mapped_column(String(16))
    # The user group or channel the team came from, when source is "usergroup" or "channel".
    source_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TeamSource(Base):
    """A Slack user group or channel whose members make up a team."""

    __tablename__ = "team_sources"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "slack_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    slack_id: Mapped[str] = mapped_column(String(32))
    mapped_by: Mapped[str] = mapped_column(String(32))
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Notification(Base):
    """News waiting to reach someone by direct message; news pending together goes as one message."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "sent_at", "workspace_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(32))
    # What happened ("issue_assigned", "issue_resolved", ...) and its facts as JSON: data, not Slack
    # text, so each chat front renders it its own way.
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Taken by a runner that is sending it; a claim never settled (the runner died) is taken again.
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Sent, or given up on for good.
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class JobRun(Base):
    """The scheduling ledger: one row per job, workspace and occurrence, so each runs exactly once."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "workspace_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # The occurrence's key, such as the local date "2026-11-26" for a daily job.
    occurrence: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(200))


class DigestItemRow(Base):
    """An item marketing collected for one week's digest."""

    __tablename__ = "digest_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_key"),
        # Composing reads one week's items, by section then oldest first, straight off this index,
        # however many weeks of history the table holds.
        Index(None, "workspace_id", "week", "section", "added_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # The ISO week of the digest it goes into, "2026-W48".
    week: Mapped[str] = mapped_column(String(10))
    section: Mapped[str] = mapped_column(String(32))
    headline: Mapped[str] = mapped_column(String(150))
    detail: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    # The message it was added from (message shortcut).
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    author_id: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A form's view id: a retry or a double submit carries the same key and finds the item added.
    request_key: Mapped[str | None] = mapped_column(String(64))


class DigestRow(Base):
    """What happened to one week's digest: held, approved, skipped, failed or sent, and where."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("workspace_id", "week"),
        # History is "sent, newest first": read off this index in order.
        Index(None, "workspace_id", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Who sent it now; NULL when the schedule did.
    sent_by: Mapped[str | None] = mapped_column(String(32))
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    item_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Who approved or skipped it, and when.
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Slack's refusal when posting failed, kept for the retry and for the owner to read.
    problem: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DigestSettingsRow(Base):
    """A workspace's own digest settings; without a row, the deployment's (environment) apply."""

    __tablename__ = "digest_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    send_day: Mapped[str] = mapped_column(String(3))
    send_time: Mapped[str] = mapped_column(String(5))
    channel: Mapped[str | None] = mapped_column(String(32))
    # NULL: the workspace's timezone, followed when that changes.
    timezone: Mapped[str | None] = mapped_column(String(64))
    approval: Mapped[bool] = mapped_column(Boolean)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    # User ids, comma separated: a handful at most, always read whole.
    editors: Mapped[str] = mapped_column(Text, default="")
    empty_note: Mapped[bool] = mapped_column(Boolean)
    reminder_day: Mapped[str] = mapped_column(String(3))
    reminder_time: Mapped[str] = mapped_column(String(5))
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MetricRow(Base):
    """A shared metric a workspace watches: what it counts, who owns it, its default targets, and
    the query that fetches it, if any. Removing one archives it: its values stay."""

    __tablename__ = "metrics"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # The snapshot's order.
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(String(3))
    team: Mapped[str] = mapped_column(String(16))
    rollup: Mapped[str] = mapped_column(String(16))
    higher_is_better: Mapped[bool] = mapped_column(Boolean)
    monthly_target: Mapped[float | None] = mapped_column(Float)
    quarterly_target: Mapped[float | None] = mapped_column(Float)
    # The SQL and the SQLAlchemy URL (with credentials) that fetch a day's value; NULL when typed in.
    query_sql: Mapped[str | None] = mapped_column(Text)
    query_url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(300), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MetricTargetRow(Base):
    """A metric's target for one named period ("2026-11", "2026-Q4"), overriding its default."""

    __tablename__ = "metric_targets"
    __table_args__ = (UniqueConstraint("metric_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)


class MetricValueRow(Base):
    """A metric's value for one local date. NULL with a `problem`: its query failed (never zero)."""

    __tablename__ = "metric_values"
    __table_args__ = (
        UniqueConstraint("metric_id", "day"),
        # A snapshot reads a quarter of every metric's days in one range scan of this index.
        Index(None, "workspace_id", "metric_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    problem: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    # A user id; NULL for the CLI and queries.
    logged_by: Mapped[str | None] = mapped_column(String(32))
    logged_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MetricValueChangeRow(Base):
    """The audit trail of values: each replacement of a date's value, by whom, from what to what."""

    __tablename__ = "metric_value_changes"
    # A metric's history shows its latest changes, read newest first off this index.
    __table_args__ = (Index(None, "metric_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    old: Mapped[float | None] = mapped_column(Float)
    new: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str | None] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MetricImportRow(Base):
    """A CSV of values sent in a direct message with problems, held until its sender confirms."""

    __tablename__ = "metric_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    # The checked rows and problems as JSON (not the file): confirming loads exactly what was shown.
    rows: Mapped[str] = mapped_column(Text)
    problems: Mapped[str] = mapped_column(Text)
    # "pending", then "applied" or "cancelled", once.
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MetricSettingsRow(Base):
    """A workspace's own snapshot settings; without a row, the deployment's (environment) apply."""

    __tablename__ = "metric_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str | None] = mapped_column(String(32))
    # Named weekdays, comma separated in WEEKDAYS order: "mon,tue,wed,thu,fri".
    days: Mapped[str] = mapped_column(String(27))
    time: Mapped[str] = mapped_column(String(5))
    charts: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WinRow(Base):
    """A win someone celebrated, with the author's team when it was posted and where its card is."""

    __tablename__ = "wins"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_key"),
        # A period's wins (recap, digest, leaderboard's count), and one person's wins (the daily cap,
        # App Home), each read as a range of its index.
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "author_id", "created_at"),
        Index(None, "workspace_id", "card_channel", "card_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(32))
    # The author's team when it was posted: a later change of team does not rewrite history.
    author_team: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    # The message it was celebrated from (message shortcut).
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    # A form's view id or a command's trigger id: a retry or a double submit finds the win stored.
    request_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    card_permalink: Mapped[str | None] = mapped_column(String(500))


class WinThanksRow(Base):
    """One person thanked in a win, with both teams as they were: the leaderboard and the recap
    count these rows over a range of `given_at` and never join the wins."""

    __tablename__ = "win_thanks"
    __table_args__ = (
        Index(None, "workspace_id", "given_at"),
        Index(None, "workspace_id", "receiver_id", "given_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    win_id: Mapped[int] = mapped_column(ForeignKey("wins.id", ondelete="CASCADE"), index=True)
    giver_id: Mapped[str] = mapped_column(String(32))
    giver_team: Mapped[str | None] = mapped_column(String(16))
    receiver_id: Mapped[str] = mapped_column(String(32))
    receiver_team: Mapped[str | None] = mapped_column(String(16))
    # The win's created_at: an edit replaces the rows but keeps them in the win's week.
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Sales to marketing or marketing to sales.
    cross_team: Mapped[bool] = mapped_column(Boolean)


class WinPreferenceRow(Base):
    """A person's choice about wins; without a row, they get a DM when thanked."""

    __tablename__ = "win_preferences"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    dms: Mapped[bool] = mapped_column(Boolean)


class WinsSettingsRow(Base):
    """A workspace's own wins settings; without a row, the deployment's (environment) apply."""

    __tablename__ = "wins_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str | None] = mapped_column(String(32))
    recap_day: Mapped[str] = mapped_column(String(3))
    recap_time: Mapped[str] = mapped_column(String(5))
    daily_cap: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FieldNoteRow(Base):
    """A note from a customer visit, ride-along, event or call, with where its card is. Full-text
    search reads an index the migration keeps beside it: the FTS5 table `field_notes_fts` (kept in step
    by triggers) on SQLite, the generated tsvector column `search` with a GIN index on PostgreSQL;
    neither is modelled here (see `is_modelled`)."""

    __tablename__ = "field_notes"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_key"),
        # The team's notes (this month, the digest's week), one person's, one account's: each read as
        # a range of its index, newest first.
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "author_id", "created_at"),
        Index(None, "workspace_id", "account_key", "created_at"),
        # Field time: a month's visits by the date they happened.
        Index(None, "workspace_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(32))
    # The author's team when it was logged.
    author_team: Mapped[str | None] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(100))
    # The account case-folded: "/fieldnote list acme corp" finds "Acme Corp".
    account_key: Mapped[str] = mapped_column(String(100))
    visited_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    # User ids of who went, comma separated, the author among them.
    went: Mapped[str] = mapped_column(Text)
    met: Mapped[str] = mapped_column(Text)
    heard: Mapped[str] = mapped_column(Text)
    competitors: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text)
    # The follow-ups' lines, one a line: what full-text search reads of them.
    follow_up_text: Mapped[str] = mapped_column(Text)
    # Follow-up lines numbered so far: a line an edit adds never takes the number of an earlier one.
    follow_up_lines: Mapped[int] = mapped_column(Integer)
    # A form's view id or a command's trigger id: a retry or a double submit finds the note stored.
    request_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    card_permalink: Mapped[str | None] = mapped_column(String(500))


class FieldNoteFollowUpRow(Base):
    """One follow-up line of a field note, in the note's order, and the tracker issue it became."""

    __tablename__ = "field_note_follow_ups"
    __table_args__ = (UniqueConstraint("note_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("field_notes.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # The line's number in the note, kept through edits and never given to another line: the tracker
    # issue's request key names it, so a retry finds the issue raised.
    line: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(120))
    to_tracker: Mapped[bool] = mapped_column(Boolean)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    # The issue's number in the workspace's tracker, once raised.
    issue_number: Mapped[int | None] = mapped_column(Integer)


# Full-text search objects each database keeps beside field_notes, made by migration 0006 only.
_FULL_TEXT_TABLES = "field_notes_fts"  # FTS5's table and its shadow tables (field_notes_fts_data, …)
_FULL_TEXT_COLUMN, _FULL_TEXT_INDEX = "search", "ix_field_notes_search"


def is_modelled(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's `include_object`: False for the full-text objects the models leave to migrations,
    so comparing the schema with the models (and autogenerate) passes them by."""
    if type_ == "table":
        return not (name or "").startswith(_FULL_TEXT_TABLES)
    if type_ == "column":
        return not (name == _FULL_TEXT_COLUMN and obj.table.name == FieldNoteRow.__tablename__)
    if type_ == "index":
        return name != _FULL_TEXT_INDEX
    return True
