"""The Thursday digest: items marketing collects during the week, composed with what other features
contribute into one digest a week per workspace, and the record of each week's digest (held,
approved, skipped, sent) that makes sending it happen once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import InvalidInput, TandemError
from bot.models import DigestItemRow, DigestRow, DigestSettingsRow, Workspace
from bot.people import Actor, NotAllowed
from bot.scheduling import WEEKDAYS, due_instant
from bot.scheduling import week_key as week_of
from bot.settings_rows import every_workspace_settings, settings_row, settings_row_to_change
from bot.workspaces import WorkspaceKey, Workspaces

HEADLINE_MAX = 150
DETAIL_MAX = 1000
DETAIL_LINES_MAX = 8  # "a few lines": more reads as a document, which belongs behind the link
LINK_MAX = 500
PROBLEM_MAX = 200  # digests.problem

# Shapes of what people and settings name; bot.config checks the environment with the same ones.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_LINK = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Section(StrEnum):
    """Where a collected item goes in the digest, in the digest's order."""

    KEY_ISSUE = "key_issue"
    PRODUCT_NEWS = "product_news"
    CAMPAIGN = "campaign"
    SALES_CONTENT = "sales_content"
    EVENT = "event"
    COMPETITOR = "competitor"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SECTION_LABELS[self]


_SECTION_LABELS = {
    Section.KEY_ISSUE: "Key issues",
    Section.PRODUCT_NEWS: "Product news",
    Section.CAMPAIGN: "Campaigns and launches",
    Section.SALES_CONTENT: "Content for sales",
    Section.EVENT: "Events",
    Section.COMPETITOR: "Competitors",
    Section.OTHER: "Other news",
}


class DigestStatus(StrEnum):
    """Where one week's digest stands. Only SENT and SKIPPED are final."""

    DRAFT = "draft"  # collecting; nothing decided yet
    APPROVED = "approved"  # an editor approved it (approval on): the send time posts it
    HELD = "held"  # approval on, send time came, nobody approved: waiting, owner reminded
    SKIPPED = "skipped"  # an editor chose to skip this week
    FAILED = "failed"  # Slack refused the channel (not invited, archived): kept for a retry
    SENT = "sent"


@dataclass(frozen=True)
class DigestSettings:
    """A workspace's effective digest settings: its own where it set them, else the deployment's."""

    send_day: str  # a named weekday, "thu"
    send_time: str  # local "09:00"
    channel: str | None  # where it is posted (sales); None: not configured, nothing is posted
    timezone: ZoneInfo
    approval: bool
    preview_time: str  # on send_day, local "08:00": when the owner gets the preview (approval on)
    owner_id: str | None  # gets the preview and hears about held or failed digests
    editors: tuple[str, ...]  # besides admins: may send, approve, skip, edit or remove any item
    empty_note: bool  # post "nothing new this week" when there is nothing
    reminder_day: str  # "wed"
    reminder_time: str  # "14:00"
    reminder_channel: str | None  # marketing's channel; None: no reminder

    @property
    def editor_ids(self) -> tuple[str, ...]:
        """Who besides admins edits, approves, skips and sends: the editors and the owner, who is
        asked to approve and could not otherwise."""
        if self.owner_id is None or self.owner_id in self.editors:
            return self.editors
        return (*self.editors, self.owner_id)

    def is_editor(self, actor: Actor) -> bool:
        return actor.is_admin or actor.user_id in self.editor_ids


@dataclass(frozen=True)
class DigestDefaults:
    """The deployment's digest settings (from the environment), used until a workspace sets its own."""

    send_day: str = "thu"
    send_time: str = "09:00"
    channel: str | None = None
    approval: bool = False
    preview_time: str = "08:00"
    owner_id: str | None = None
    editors: tuple[str, ...] = ()
    empty_note: bool = True
    reminder_day: str = "wed"
    reminder_time: str = "14:00"
    reminder_channel: str | None = None


@dataclass(frozen=True)
class SettingsChange:
    """What an admin saves in the digest settings form; every field is given (the form shows all)."""

    send_day: str
    send_time: str
    channel: str | None
    timezone: str | None  # None: the workspace's timezone
    approval: bool
    owner_id: str | None
    editors: tuple[str, ...]
    empty_note: bool
    reminder_day: str
    reminder_time: str


@dataclass(frozen=True)
class DigestWeek:
    """One week's digest: its key, when it is due, and the stretch of time it reports on."""

    key: str  # ISO week of the local send date, "2026-W48": the ledger's and the table's key
    send_on: date  # local date it is due
    send_at: datetime  # aware UTC instant it is due
    covers_from: datetime  # aware UTC: the previous week's send time
    zone: ZoneInfo


@dataclass(frozen=True)
class ItemDraft:
    section: Section
    headline: str
    detail: str = ""
    link: str | None = None
    source_permalink: str | None = None  # the message it was added from (message shortcut)


@dataclass(frozen=True)
class DigestItem:
    id: int
    week: str
    section: Section
    headline: str
    detail: str
    link: str | None
    source_permalink: str | None
    author_id: str
    added_at: datetime
    updated_at: datetime

    def may_be_changed_by(self, actor: Actor, editors: Sequence[str]) -> bool:
        return actor.is_admin or actor.user_id == self.author_id or actor.user_id in editors


@dataclass(frozen=True)
class DigestEntry:
    """One line of a digest section: plain text (renderers escape it) and optional facts."""

    headline: str
    detail: str = ""
    link: str | None = None
    by: str | None = None  # a user id, shown as a mention
    note: str = ""  # a short plain fact line: "Urgent · due 20 Nov · owner <@U1>" is built by renderers
    owner: str | None = None  # a user id
    due_on: date | None = None
    item_id: int | None = None  # a collected item (editable), as opposed to another feature's entry


@dataclass(frozen=True)
class DigestSection:
    """One section of the digest as a source fills it: entries in display order, and how many exist."""

    id: str  # stable: "items.key_issue", "tracker.urgent", later "wins.week"
    title: str
    entries: tuple[DigestEntry, ...]
    total: int  # may exceed len(entries): the source read at most SOURCE_CAP

    @property
    def not_included(self) -> int:
        return self.total - len(self.entries)


SOURCE_CAP = 100  # entries a source hands over per section; the thread under the digest shows these


class DigestSource(Protocol):
    """A feature's contribution to the digest: zero or more sections for a week. Adding a feature
    to the digest means adding a source to the list `build_services` gives `Digests`."""

    def contribute(self, key: WorkspaceKey, week: DigestWeek) -> Sequence[DigestSection]: ...


@dataclass(frozen=True)
class Composed:
    """A week's digest as it would be posted now: its sections (empty ones left out)."""

    week: DigestWeek
    sections: tuple[DigestSection, ...]

    @property
    def is_empty(self) -> bool:
        return not self.sections


@dataclass(frozen=True)
class DigestRecord:
    """What is known of one week's digest."""

    week: str
    status: DigestStatus
    channel: str | None = None
    ts: str | None = None
    permalink: str | None = None
    sent_at: datetime | None = None
    sent_by: str | None = None  # a user id, or None when the schedule sent it
    late: bool = False
    item_count: int = 0
    decided_by: str | None = None  # who approved or skipped
    problem: str | None = None  # Slack's refusal when FAILED


class ItemNotFound(TandemError):
    def __init__(self) -> None:
        super().__init__("That item is no longer in the digest.")


class NotEditor(TandemError):
    """Only editors (and admins) send, approve or skip; the message says who may."""


class AlreadyDecided(TandemError):
    """The week's digest is already sent or skipped; the message says which, and by whom.
    (Who may post it is decided by the scheduling ledger's "digest.post" claim, not here: the
    record only says what happened.)"""

    def __init__(self, record: DigestRecord) -> None:
        self.record = record
        super().__init__(f"This week's digest is already {record.status.value}.")


def problems_with(draft: ItemDraft) -> dict[str, str]:
    """What is wrong with an item, by field ("headline", "detail", "link"); empty when it is fine."""
    problems: dict[str, str] = {}
    draft = _cleaned(draft)
    if not draft.headline:
        problems["headline"] = "Give the item a headline: the few words sales should read first."
    elif len(draft.headline) > HEADLINE_MAX:
        problems["headline"] = (
            f"Keep the headline to {HEADLINE_MAX} characters (it has {len(draft.headline)}); "
            "put the rest in the detail."
        )
    lines = len(draft.detail.splitlines())
    if len(draft.detail) > DETAIL_MAX:
        problems["detail"] = (
            f"Keep the detail to {DETAIL_MAX:,} characters (it has {len(draft.detail):,}); link to the rest."
        )
    elif lines > DETAIL_LINES_MAX:
        problems["detail"] = (
            f"Keep the detail to {DETAIL_LINES_MAX} lines (it has {lines}); link to the rest."
        )
    if draft.link is not None:
        if len(draft.link) > LINK_MAX:
            problems["link"] = f"Keep the link to {LINK_MAX} characters (it has {len(draft.link)})."
        elif not _LINK.match(draft.link):
            problems["link"] = "Give the link as a web address starting with https://"
    return problems


def settings_problems(change: SettingsChange) -> dict[str, str]:
    """What is wrong with digest settings, by field of SettingsChange; empty when they can be saved."""
    problems: dict[str, str] = {}
    for field, day in (("send_day", change.send_day), ("reminder_day", change.reminder_day)):
        if named_weekday(day) is None:
            problems[field] = f"Pick a day of the week ({', '.join(WEEKDAYS)})."
    for field, at in (("send_time", change.send_time), ("reminder_time", change.reminder_time)):
        if not CLOCK_TIME.match(at):
            problems[field] = "Give a time of day such as 09:00 (24-hour clock)."
    if change.channel is not None and not CHANNEL_ID.match(change.channel):
        problems["channel"] = "Pick a channel: its ID looks like C0123ABCD."
    if change.timezone is not None and not _is_timezone(change.timezone):
        problems["timezone"] = "Give a timezone name such as Europe/Paris or America/New_York."
    if change.owner_id is not None and not USER_ID.match(change.owner_id):
        problems["owner_id"] = "Pick a person as the digest owner."
    elif change.approval and change.owner_id is None:
        problems["owner_id"] = "Pick an owner: with approval on, someone has to approve each digest."
    strangers = [e for e in change.editors if not USER_ID.match(e)]
    if strangers:
        problems["editors"] = f"Pick people as editors (not {', '.join(strangers)})."
    return problems


def named_weekday(name: str) -> str | None:
    """The short name ("thu") of a weekday given short or in full, any case; None when it is none."""
    name = name.strip().lower()
    if name in WEEKDAYS:
        return name
    return WEEKDAYS[_DAY_NAMES.index(name)] if name in _DAY_NAMES else None


def parse_week(week_key: str) -> tuple[int, int]:
    """The ISO year and week of a key such as "2026-W48"; ValueError for anything else."""
    match = _WEEK_KEY.match(week_key)
    try:
        if match is None:
            raise ValueError
        date.fromisocalendar(int(match[1]), int(match[2]), 1)  # a week the year does not have fails
    except ValueError:
        raise ValueError(f"not a week key such as 2026-W48: {week_key!r}") from None
    return int(match[1]), int(match[2])


class Digests:
    """The digest service. Every public call is one transaction and returns frozen data."""

    def __init__(
        self,
        database: Database,
        workspaces: Workspaces,
        clock: Callable[[], datetime],
        defaults: DigestDefaults,
        sources: Sequence[DigestSource] = (),
    ) -> None:
        self._database = database
        self._workspaces = workspaces
        self._clock = clock
        self._defaults = defaults
        self._sources = tuple(sources)

    # settings

    def settings(self, key: WorkspaceKey) -> DigestSettings:
        with self._database.transaction() as session:
            return self._settings_in(session, key)[1]

    def all_settings(self) -> Mapping[WorkspaceKey, DigestSettings]:
        """Every workspace's effective settings in one query (the scheduler asks once a minute)."""
        return every_workspace_settings(self._database, DigestSettingsRow, self._effective)

    def save_settings(self, key: WorkspaceKey, change: SettingsChange, actor: Actor) -> DigestSettings:
        """Admins only (NotAllowed otherwise); InvalidInput names each bad field."""
        if not actor.is_admin:
            raise NotAllowed("Only Tandem's admins change the digest settings.")
        problems = settings_problems(change)
        if problems:
            raise InvalidInput(problems)
        try:
            return self._save_settings(key, change, actor)
        except IntegrityError:
            # Another admin's first save of this workspace's settings won the race: ours updates it.
            return self._save_settings(key, change, actor)

    def _save_settings(self, key: WorkspaceKey, change: SettingsChange, actor: Actor) -> DigestSettings:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = settings_row_to_change(session, DigestSettingsRow, workspace.id)
            row.send_day = named_weekday(change.send_day) or change.send_day
            row.send_time = change.send_time
            row.channel = change.channel
            row.timezone = change.timezone
            row.approval = change.approval
            row.owner_id = change.owner_id
            row.editors = ",".join(dict.fromkeys(change.editors))
            row.empty_note = change.empty_note
            row.reminder_day = named_weekday(change.reminder_day) or change.reminder_day
            row.reminder_time = change.reminder_time
            row.updated_by = actor.user_id
            row.updated_at = now
            session.flush()
            return self._effective(workspace, row)

    def is_editor(self, key: WorkspaceKey, actor: Actor) -> bool:
        return actor.is_admin or self.settings(key).is_editor(actor)

    # weeks

    def current_week(self, key: WorkspaceKey, now: datetime | None = None) -> DigestWeek:
        """The digest an item added now goes into: this week's until it is sent or skipped (or its
        send time passed with approval off), then next week's."""
        now = self._clock() if now is None else now
        with self._database.transaction() as session:
            workspace, settings = self._settings_in(session, key)
            return self._current(session, workspace.id, settings, now)

    def week(self, key: WorkspaceKey, week_key: str) -> DigestWeek:
        with self._database.transaction() as session:
            return _week(self._settings_in(session, key)[1], week_key)

    def _current(
        self, session: Session, workspace_id: int, settings: DigestSettings, now: datetime
    ) -> DigestWeek:
        this = _week(settings, week_of(now.astimezone(settings.timezone).date()))
        status = session.scalar(
            select(DigestRow.status).where(DigestRow.workspace_id == workspace_id, DigestRow.week == this.key)
        )
        if status not in _FINAL and (now < this.send_at or status in _STILL_TO_GO):
            return this
        # Sent (perhaps early) or skipped, or its time passed: what is added now goes out next week.
        return _week(settings, week_of(this.send_on + timedelta(days=7)))

    # items

    def add_item(
        self, key: WorkspaceKey, author_id: str, draft: ItemDraft, *, request_key: str | None = None
    ) -> DigestItem:
        """Add to the current week; the same request_key (a retry, a double submit) adds it once."""
        problems = problems_with(draft)
        if problems:
            raise InvalidInput(problems)
        try:
            return self._add(key, author_id, _cleaned(draft), request_key)
        except IntegrityError:
            if request_key is None:
                raise
            # A concurrent delivery of the same request stored it first; ours rolled back whole.
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                return _item(session.scalars(_by_request(workspace.id, request_key)).one())

    def _add(
        self, key: WorkspaceKey, author_id: str, draft: ItemDraft, request_key: str | None
    ) -> DigestItem:
        now = self._clock()
        with self._database.transaction() as session:
            workspace, settings = self._settings_in(session, key)
            if request_key is not None:
                earlier = session.scalars(_by_request(workspace.id, request_key)).one_or_none()
                if earlier is not None:
                    return _item(earlier)
            row = DigestItemRow(
                workspace_id=workspace.id,
                week=self._current(session, workspace.id, settings, now).key,
                section=draft.section.value,
                headline=draft.headline,
                detail=draft.detail,
                link=draft.link,
                source_permalink=draft.source_permalink,
                author_id=author_id,
                added_at=now,
                updated_at=now,
                request_key=request_key,
            )
            session.add(row)
            session.flush()
            return _item(row)

    def update_item(self, key: WorkspaceKey, item_id: int, actor: Actor, draft: ItemDraft) -> DigestItem:
        with self._database.transaction() as session:
            row = self._changeable(session, key, item_id, actor)
            problems = problems_with(draft)
            if problems:
                raise InvalidInput(problems)
            draft = _cleaned(draft)
            row.section, row.headline, row.detail = draft.section.value, draft.headline, draft.detail
            row.link = draft.link
            # An edit made from a form that does not carry the source message keeps the one it had.
            row.source_permalink = draft.source_permalink or row.source_permalink
            row.updated_at = self._clock()
            return _item(row)

    def remove_item(self, key: WorkspaceKey, item_id: int, actor: Actor) -> DigestItem:
        with self._database.transaction() as session:
            row = self._changeable(session, key, item_id, actor)
            gone = _item(row)
            session.delete(row)
            return gone

    def item(self, key: WorkspaceKey, item_id: int) -> DigestItem:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return _item(_item_row(session, workspace.id, item_id))

    def items(self, key: WorkspaceKey, week_key: str) -> list[DigestItem]:
        """The week's items, in section order then oldest first."""
        parse_week(week_key)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return _week_items(session, workspace.id, week_key)

    def count_items(self, key: WorkspaceKey, week_key: str) -> int:
        parse_week(week_key)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            counted = session.scalar(
                select(func.count())
                .select_from(DigestItemRow)
                .where(DigestItemRow.workspace_id == workspace.id, DigestItemRow.week == week_key)
            )
            return counted or 0

    def _changeable(self, session: Session, key: WorkspaceKey, item_id: int, actor: Actor) -> DigestItemRow:
        workspace, settings = self._settings_in(session, key)
        row = _item_row(session, workspace.id, item_id, lock=True)
        if not _item(row).may_be_changed_by(actor, settings.editor_ids):
            raise NotAllowed("Only the person who added it, digest editors and admins can change this item.")
        sent = session.scalars(
            select(DigestRow).where(
                DigestRow.workspace_id == workspace.id,
                DigestRow.week == row.week,
                DigestRow.status == DigestStatus.SENT.value,
            )
        ).one_or_none()
        if sent is not None:
            raise AlreadyDecided(_record(sent))
        return row

    # composing

    def compose(self, key: WorkspaceKey, week_key: str) -> Composed:
        with self._database.transaction() as session:
            workspace, settings = self._settings_in(session, key)
            week = _week(settings, week_key)
            items = _week_items(session, workspace.id, week_key)
        sections = [_items_section(section, items) for section in Section]
        # Each source reads in its own transaction: a feature's service owns its tables.
        for source in self._sources:
            sections.extend(source.contribute(key, week))
        return Composed(week, tuple(section for section in sections if section.entries))

    # the week's record

    def record(self, key: WorkspaceKey, week_key: str) -> DigestRecord:
        parse_week(week_key)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = session.scalars(
                select(DigestRow).where(DigestRow.workspace_id == workspace.id, DigestRow.week == week_key)
            ).one_or_none()
            return DigestRecord(week_key, DigestStatus.DRAFT) if row is None else _record(row)

    def approve(self, key: WorkspaceKey, week_key: str, actor: Actor) -> DigestRecord:
        return self._decide(key, week_key, actor, DigestStatus.APPROVED)

    def skip(self, key: WorkspaceKey, week_key: str, actor: Actor) -> DigestRecord:
        return self._decide(key, week_key, actor, DigestStatus.SKIPPED)

    def _decide(self, key: WorkspaceKey, week_key: str, actor: Actor, status: DigestStatus) -> DigestRecord:
        parse_week(week_key)
        now = self._clock()
        with self._database.transaction() as session:
            workspace, settings = self._settings_in(session, key)
            if not settings.is_editor(actor):
                raise NotEditor("Only digest editors and admins can approve or skip the digest.")
            row = self._record_row(session, workspace.id, week_key, now)
            if row.status in _FINAL:
                raise AlreadyDecided(_record(row))
            if row.status != status.value:
                row.status, row.decided_by, row.decided_at, row.updated_at = (
                    status.value,
                    actor.user_id,
                    now,
                    now,
                )
            return _record(row)

    def hold(self, key: WorkspaceKey, week_key: str) -> DigestRecord:
        """Hold an unapproved digest at its send time; a digest approved, skipped or sent is left so."""
        parse_week(week_key)
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = self._record_row(session, workspace.id, week_key, now)
            if row.status in {DigestStatus.DRAFT.value, DigestStatus.FAILED.value}:
                row.status, row.updated_at = DigestStatus.HELD.value, now
            return _record(row)

    def record_sent(
        self,
        key: WorkspaceKey,
        week_key: str,
        *,
        channel: str,
        ts: str,
        permalink: str | None,
        late: bool,
        item_count: int,
        by: str | None = None,
    ) -> DigestRecord:
        """Record the week's digest as posted (by a person, or by the schedule when `by` is None).
        Recorded once: a digest already recorded sent keeps its first record."""
        parse_week(week_key)
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = self._record_row(session, workspace.id, week_key, now)
            if row.status == DigestStatus.SENT.value:
                return _record(row)
            row.status = DigestStatus.SENT.value
            row.channel, row.ts, row.permalink = channel, ts, permalink
            row.sent_at, row.sent_by, row.late, row.item_count = now, by, late, item_count
            row.problem, row.updated_at = None, now
            return _record(row)

    def record_failed(self, key: WorkspaceKey, week_key: str, problem: str) -> DigestRecord:
        """Slack refused the post: the digest is kept, FAILED, for a retry (a sent one stays sent)."""
        parse_week(week_key)
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = self._record_row(session, workspace.id, week_key, now)
            if row.status != DigestStatus.SENT.value:
                row.status, row.problem, row.updated_at = (
                    DigestStatus.FAILED.value,
                    problem[:PROBLEM_MAX],
                    now,
                )
            return _record(row)

    def history(self, key: WorkspaceKey, *, limit: int) -> list[DigestRecord]:
        """Sent digests, newest first."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = session.scalars(
                select(DigestRow)
                .where(DigestRow.workspace_id == workspace.id, DigestRow.status == DigestStatus.SENT.value)
                .order_by(DigestRow.sent_at.desc(), DigestRow.id.desc())
                .limit(limit)
            ).all()
            return [_record(row) for row in rows]

    # internals

    def _settings_in(self, session: Session, key: WorkspaceKey) -> tuple[Workspace, DigestSettings]:
        workspace = self._workspaces.row_for(session, key)
        return workspace, self._effective(workspace, settings_row(session, DigestSettingsRow, workspace.id))

    def _effective(self, workspace: Workspace, row: DigestSettingsRow | None) -> DigestSettings:
        defaults = self._defaults
        zone = ZoneInfo(row.timezone) if row and row.timezone else self._workspaces.timezone_of(workspace)
        if row is None:
            return DigestSettings(timezone=zone, **asdict(defaults))
        return DigestSettings(
            send_day=row.send_day,
            send_time=row.send_time,
            channel=row.channel,
            timezone=zone,
            approval=row.approval,
            # Not in the settings form: the preview goes out at the deployment's time.
            preview_time=defaults.preview_time,
            owner_id=row.owner_id,
            editors=tuple(user for user in row.editors.split(",") if user),
            empty_note=row.empty_note,
            reminder_day=row.reminder_day,
            reminder_time=row.reminder_time,
            # Marketing's channel is the deployment's: the reminder goes where marketing is.
            reminder_channel=defaults.reminder_channel,
        )

    def _record_row(self, session: Session, workspace_id: int, week_key: str, now: datetime) -> DigestRow:
        """The week's record, locked for this transaction; created as a draft the first time."""
        query = (
            select(DigestRow)
            .where(DigestRow.workspace_id == workspace_id, DigestRow.week == week_key)
            .with_for_update()
        )
        row = session.scalars(query).one_or_none()
        if row is not None:
            return row
        try:
            with session.begin_nested():
                row = DigestRow(
                    workspace_id=workspace_id,
                    week=week_key,
                    status=DigestStatus.DRAFT.value,
                    late=False,
                    item_count=0,
                    updated_at=now,
                )
                session.add(row)
            return row
        except IntegrityError:
            # Another call created it between our read and our insert.
            return session.scalars(query).one()


# Decided for good: nothing more is added to, approved in or sent with such a week.
_FINAL = {DigestStatus.SENT.value, DigestStatus.SKIPPED.value}
# Past its send time yet still to go out (approval awaited, or Slack refused): items still join it.
_STILL_TO_GO = {DigestStatus.HELD.value, DigestStatus.FAILED.value}
_SECTION_ORDER = {section.value: place for place, section in enumerate(Section)}


def _week(settings: DigestSettings, week_key: str) -> DigestWeek:
    year, number = parse_week(week_key)
    send_on = date.fromisocalendar(year, number, WEEKDAYS.index(settings.send_day) + 1)
    hours, minutes = settings.send_time.split(":")
    at = time(int(hours), int(minutes))
    return DigestWeek(
        key=week_key,
        send_on=send_on,
        # Local time to UTC for each date on its own, so a daylight-saving change between two
        # digests moves neither.
        send_at=due_instant(send_on, at, settings.timezone),
        covers_from=due_instant(send_on - timedelta(days=7), at, settings.timezone),
        zone=settings.timezone,
    )


def _cleaned(draft: ItemDraft) -> ItemDraft:
    link = (draft.link or "").strip()
    source = draft.source_permalink
    return ItemDraft(
        section=draft.section,
        # A headline is one line however it was typed or pasted.
        headline=" ".join(draft.headline.split()),
        detail=draft.detail.strip(),
        link=link or None,
        # Slack's own permalinks; one too long to store would be a broken one anyway.
        source_permalink=source if source and len(source) <= LINK_MAX else None,
    )


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _by_request(workspace_id: int, request_key: str) -> Select[DigestItemRow]:
    return select(DigestItemRow).where(
        DigestItemRow.workspace_id == workspace_id, DigestItemRow.request_key == request_key
    )


def _item_row(session: Session, workspace_id: int, item_id: int, *, lock: bool = False) -> DigestItemRow:
    query = select(DigestItemRow).where(
        DigestItemRow.workspace_id == workspace_id, DigestItemRow.id == item_id
    )
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise ItemNotFound()
    return row


def _week_items(session: Session, workspace_id: int, week_key: str) -> list[DigestItem]:
    rows = session.scalars(
        select(DigestItemRow)
        .where(DigestItemRow.workspace_id == workspace_id, DigestItemRow.week == week_key)
        .order_by(DigestItemRow.section, DigestItemRow.added_at, DigestItemRow.id)
    ).all()
    # The index holds sections alphabetically; the digest's order is Section's.
    return [_item(row) for row in sorted(rows, key=lambda row: _SECTION_ORDER[row.section])]


def _items_section(section: Section, items: Sequence[DigestItem]) -> DigestSection:
    mine = [item for item in items if item.section is section]
    return DigestSection(
        id=f"items.{section.value}",
        title=section.label,
        entries=tuple(
            DigestEntry(headline=i.headline, detail=i.detail, link=i.link, by=i.author_id, item_id=i.id)
            for i in mine[:SOURCE_CAP]
        ),
        total=len(mine),
    )


def _item(row: DigestItemRow) -> DigestItem:
    return DigestItem(
        id=row.id,
        week=row.week,
        section=Section(row.section),
        headline=row.headline,
        detail=row.detail,
        link=row.link,
        source_permalink=row.source_permalink,
        author_id=row.author_id,
        added_at=row.added_at,
        updated_at=row.updated_at,
    )


def _record(row: DigestRow) -> DigestRecord:
    return DigestRecord(
        week=row.week,
        status=DigestStatus(row.status),
        channel=row.channel,
        ts=row.ts,
        permalink=row.permalink,
        sent_at=row.sent_at,
        sent_by=row.sent_by,
        late=row.late,
        item_count=row.item_count,
        decided_by=row.decided_by,
        problem=row.problem,
    )
