"""Field-visit notes: what marketers heard from customers on visits, ride-alongs, events and calls,
searchable by full text (SQLite FTS5, PostgreSQL tsvector, each native), with follow-ups that become
shared tracker issues, and the week's notes in the Thursday digest."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    column,
    delete,
    func,
    join,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.digest import USER_ID
from bot.errors import InvalidInput, TandemError
from bot.issues import IssueDraft, Tracker
from bot.models import FieldNoteFollowUpRow, FieldNoteRow
from bot.people import Actor, People, Team
from bot.scheduling import due_instant
from bot.workspaces import WorkspaceKey, Workspaces

ACCOUNT_MAX = 100
MET_MAX = 500  # who we met: names and roles
TEXT_MAX = 2500  # each of heard / competitors / feedback: a card section holds 3,000 characters
FOLLOW_UPS_MAX = 5
FOLLOW_UP_MAX = 120  # a follow-up becomes an issue title (the tracker's TITLE_MAX)
EDIT_WINDOW = timedelta(days=7)  # the author edits for a week; admins always
BACKDATE_DAYS = 366
LIST_CAP = 20  # notes a list or a search shows
WENT_MAX = 10
FEEDBACK_LINES = 10  # latest product feedback lines the week's insights keep
# Kinds of note that are time in the field (a call is not): what field time counts.
FIELD_KINDS = frozenset({"customer_visit", "ride_along", "event"})


class VisitKind(StrEnum):
    CUSTOMER_VISIT = "customer_visit"
    RIDE_ALONG = "ride_along"
    EVENT = "event"  # event or trade show
    CALL = "call"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    VisitKind.CUSTOMER_VISIT: "Customer visit",
    VisitKind.RIDE_ALONG: "Ride-along with sales",
    VisitKind.EVENT: "Event or trade show",
    VisitKind.CALL: "Call",
}


@dataclass(frozen=True)
class FollowUpDraft:
    text: str
    to_tracker: bool = False  # becomes a shared tracker issue
    owner_id: str | None = None  # the issue's owner, when it goes to the tracker


@dataclass(frozen=True)
class NoteDraft:
    """A note as someone logs it: the form, or quick mode (`/fieldnote Acme: heard …`)."""

    account: str
    visited_on: date
    kind: VisitKind = VisitKind.CUSTOMER_VISIT
    went: tuple[str, ...] = ()  # user ids of who went (the author is added if missing)
    met: str = ""  # who we met: names and roles, free text
    heard: str = ""  # needs and pains
    competitors: str = ""
    feedback: str = ""  # product feedback
    follow_ups: tuple[FollowUpDraft, ...] = ()


@dataclass(frozen=True)
class FollowUp:
    text: str
    to_tracker: bool
    owner_id: str | None
    issue_number: int | None  # the tracker issue it became


@dataclass(frozen=True)
class FieldNote:
    id: int
    author_id: str
    account: str
    visited_on: date
    kind: VisitKind
    went: tuple[str, ...]
    met: str
    heard: str
    competitors: str
    feedback: str
    follow_ups: tuple[FollowUp, ...]
    created_at: datetime
    edited_at: datetime | None
    card_channel: str | None
    card_ts: str | None
    card_permalink: str | None

    def may_be_edited_by(self, actor: Actor, now: datetime) -> bool:
        return actor.is_admin or (actor.user_id == self.author_id and now - self.created_at <= EDIT_WINDOW)


@dataclass(frozen=True)
class Saved:
    """A note stored (or found again: `repeated`, a double submit or Slack's retry), and the tracker
    issues its follow-ups became (their cards are the handler's to post)."""

    note: FieldNote
    repeated: bool
    raised: tuple[int, ...]  # issue numbers raised now


@dataclass(frozen=True)
class Found:
    notes: tuple[FieldNote, ...]  # newest first, at most the cap
    total: int


@dataclass(frozen=True)
class FieldInsights:
    """The week's notes for the digest: accounts visited, competitors and feedback mentioned most."""

    notes: int
    accounts: tuple[tuple[str, int], ...]  # (account, notes), most first
    competitors: tuple[tuple[str, int], ...]  # named in the competitors field, most first
    feedback: tuple[str, ...]  # the latest product feedback lines


@dataclass(frozen=True)
class FieldNotesSettings:
    channel: str | None
    timezone: ZoneInfo


class NoteNotFound(TandemError):
    def __init__(self) -> None:
        super().__init__("That note is no longer there.")


class NoteNotAllowed(TandemError):
    """Only the author, within a week, or an admin edits a note."""


def problems_with(draft: NoteDraft, today: date) -> dict[str, str]:
    """Every problem, by field ("account", "visited_on", "met", "heard", "competitors", "feedback",
    "follow_ups", "went"): an account of only spaces, a future date or one over a year back, nothing
    heard at all (heard, competitors and feedback all empty), text over the limits, too many
    follow-ups or one too long, too many people."""
    problems: dict[str, str] = {}
    draft = _cleaned(draft, None)
    if not draft.account:
        problems["account"] = "Name the account: the customer or prospect you met."
    elif len(draft.account) > ACCOUNT_MAX:
        problems["account"] = (
            f"Keep the account name to {ACCOUNT_MAX} characters (it has {len(draft.account)})."
        )
    if draft.visited_on > today:
        problems["visited_on"] = "Pick today or an earlier date: a note tells what already happened."
    elif draft.visited_on < today - timedelta(days=BACKDATE_DAYS):
        problems["visited_on"] = "Pick a date within the last year."
    if len(draft.met) > MET_MAX:
        problems["met"] = f"Keep who you met to {MET_MAX} characters (it has {len(draft.met):,})."
    if not (draft.heard or draft.competitors or draft.feedback):
        problems["heard"] = "Say what you heard: needs and pains, competitors or product feedback."
    for field, label in (
        ("heard", "what you heard"),
        ("competitors", "the competitors"),
        ("feedback", "the feedback"),
    ):
        size = len(getattr(draft, field))
        if size > TEXT_MAX:
            problems[field] = f"Keep {label} to {TEXT_MAX:,} characters (it has {size:,}); link to the rest."
    too_long = [n for n, follow_up in enumerate(draft.follow_ups, 1) if len(follow_up.text) > FOLLOW_UP_MAX]
    if len(draft.follow_ups) > FOLLOW_UPS_MAX:
        problems["follow_ups"] = (
            f"Give at most {FOLLOW_UPS_MAX} follow-ups, one a line (there are {len(draft.follow_ups)})."
        )
    elif too_long:
        lines = ", ".join(str(n) for n in too_long)
        problems["follow_ups"] = (
            f"Keep each follow-up to {FOLLOW_UP_MAX} characters (line {lines} is longer)."
        )
    elif any(f.owner_id is not None and not USER_ID.match(f.owner_id) for f in draft.follow_ups):
        problems["follow_ups"] = "Pick a person as the follow-ups' owner."
    strangers = [user_id for user_id in draft.went if not USER_ID.match(user_id)]
    if len(draft.went) > WENT_MAX:
        problems["went"] = f"Name at most {WENT_MAX} people who went (there are {len(draft.went)})."
    elif strangers:
        problems["went"] = f"Pick people who went (not {', '.join(strangers)})."
    return problems


def quick_draft(text: str, today: date) -> NoteDraft:
    """`Acme Corp: they want SSO before renewing` → account "Acme Corp", heard the rest; InvalidInput
    (field "account" or "heard") when the colon or either side is missing."""
    account, colon, heard = text.partition(":")
    if not colon or not account.strip():
        raise InvalidInput(
            {"account": "Start with the account and a colon: `/fieldnote Acme Corp: what you heard`."}
        )
    if not heard.strip():
        raise InvalidInput(
            {"heard": "Say what you heard after the colon: `/fieldnote Acme Corp: what you heard`."}
        )
    return NoteDraft(account=" ".join(account.split()), visited_on=today, heard=heard.strip())


def search_words(words: str) -> tuple[str, ...]:
    """The words a search looks for: runs of letters and digits, as both full-text indexes split text."""
    return tuple(_WORD.findall(words.lower()))


class FieldNotes:
    """Field notes per workspace; each public call is one transaction (raising follow-up issues goes
    through the tracker, keyed by note and line so a retry raises each once)."""

    def __init__(
        self,
        database: Database,
        workspaces: Workspaces,
        people: People,
        tracker: Tracker,
        clock: Callable[[], datetime],
        channel: str | None,
    ) -> None:
        self._database = database
        self._workspaces = workspaces
        self._people = people
        self._tracker = tracker
        self._clock = clock
        self._channel = channel

    # logging

    def save(self, key: WorkspaceKey, actor: Actor, draft: NoteDraft, *, request_key: str) -> Saved:
        """Store a note (InvalidInput with per-field problems), then raise its follow-ups marked for
        the tracker. `request_key` (the view id, the command's trigger) makes a repeat a no-op, except
        that it finishes raising what an interrupted first attempt left unraised."""
        draft = _cleaned(draft, actor.user_id)
        # Read before our transaction opens: People reads in its own (SQLite has one writer at a time).
        team = self._people.team_of(key, actor.user_id)
        try:
            note_id, repeated = self._store(key, actor.user_id, team, draft, request_key)
        except IntegrityError:
            # A concurrent delivery of the same request stored it first; ours rolled back whole.
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                row = session.scalars(_by_request(workspace.id, request_key)).one()
                note_id, repeated = row.id, True
        raised = self._raise_follow_ups(key, note_id, actor.user_id, team)
        return Saved(self.note(key, note_id), repeated=repeated, raised=raised)

    def _store(
        self, key: WorkspaceKey, author_id: str, team: Team | None, draft: NoteDraft, request_key: str
    ) -> tuple[int, bool]:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            earlier = session.scalars(_by_request(workspace.id, request_key)).one_or_none()
            if earlier is not None:
                return earlier.id, True
            problems = problems_with(draft, now.astimezone(self._workspaces.timezone_of(workspace)).date())
            if problems:
                raise InvalidInput(problems)
            row = FieldNoteRow(
                workspace_id=workspace.id,
                author_id=author_id,
                author_team=team.value if team else None,
                follow_up_lines=0,
                request_key=request_key,
                created_at=now,
            )
            _fill(row, draft)
            session.add(row)
            session.flush()
            _replace_follow_ups(session, row, draft.follow_ups, ())
            return row.id, False

    def record_card(
        self, key: WorkspaceKey, note_id: int, channel: str, ts: str, permalink: str | None
    ) -> FieldNote:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = _note_row(session, workspace.id, note_id, lock=True)
            row.card_channel, row.card_ts, row.card_permalink = channel, ts, permalink
            return _notes_of(session, [row])[0]

    def note(self, key: WorkspaceKey, note_id: int) -> FieldNote:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return _notes_of(session, [_note_row(session, workspace.id, note_id)])[0]

    def edit(self, key: WorkspaceKey, note_id: int, actor: Actor, draft: NoteDraft) -> Saved:
        """The author within EDIT_WINDOW of logging it, or an admin, changes the note (NoteNotAllowed
        otherwise). Follow-ups already raised keep their issue; new ones for the tracker are raised."""
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = _note_row(session, workspace.id, note_id, lock=True)
            if not _notes_of(session, [row])[0].may_be_edited_by(actor, now):
                raise NoteNotAllowed(
                    "Only the note's author, for a week after logging it, and Tandem's admins can edit it."
                )
            draft = _cleaned(draft, row.author_id)
            problems = problems_with(draft, now.astimezone(self._workspaces.timezone_of(workspace)).date())
            if problems:
                raise InvalidInput(problems)
            earlier = session.scalars(
                select(FieldNoteFollowUpRow).where(FieldNoteFollowUpRow.note_id == row.id)
            ).all()
            _fill(row, draft)
            row.edited_at = now
            _replace_follow_ups(session, row, draft.follow_ups, earlier)
            author_id, team = row.author_id, Team(row.author_team) if row.author_team else None
        raised = self._raise_follow_ups(key, note_id, author_id, team)
        return Saved(self.note(key, note_id), repeated=False, raised=raised)

    def _raise_follow_ups(
        self, key: WorkspaceKey, note_id: int, raised_by: str, team: Team | None
    ) -> tuple[int, ...]:
        """Raise each follow-up for the tracker not raised yet, one tracker transaction each (keyed by
        note and line: a retry finds the issue raised), then store their numbers."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            note = _note_row(session, workspace.id, note_id)
            pending = session.scalars(
                select(FieldNoteFollowUpRow)
                .where(
                    FieldNoteFollowUpRow.note_id == note_id,
                    FieldNoteFollowUpRow.to_tracker.is_(True),
                    FieldNoteFollowUpRow.issue_number.is_(None),
                )
                .order_by(FieldNoteFollowUpRow.position)
            ).all()
            if not pending:
                return ()
            wanted = [(f.line, f.id, f.text, f.owner_id) for f in pending]
            details = (
                f"A follow-up from the field note on {note.account} "
                f"({VisitKind(note.kind).label}, {note.visited_on:%a %d %b %Y})."
            )
        numbers: dict[int, int] = {}
        raised: list[int] = []
        for line, follow_up_id, title, owner_id in wanted:
            result = self._tracker.raise_issue(
                key,
                IssueDraft(title, details, owner_id=owner_id),
                raised_by=raised_by,
                raised_by_team=team,
                request_key=f"fieldnote:{note_id}:{line}",
            )
            numbers[follow_up_id] = result.issue.number
            if not result.already_raised:
                raised.append(result.issue.number)
        with self._database.transaction() as session:
            for follow_up in session.scalars(
                select(FieldNoteFollowUpRow).where(FieldNoteFollowUpRow.id.in_(numbers))
            ):
                follow_up.issue_number = numbers[follow_up.id]
        return tuple(raised)

    # finding

    def recent(
        self,
        key: WorkspaceKey,
        *,
        author: str | None = None,
        account: str | None = None,
        limit: int = LIST_CAP,
    ) -> Found:
        """The newest notes, of one author or one account (its name in any case) when given."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            where = FieldNoteRow.workspace_id == workspace.id
            if author is not None:
                where &= FieldNoteRow.author_id == author
            if account is not None:
                where &= FieldNoteRow.account_key == _account_key(account)
            return _found(session, where, limit)

    def search(self, key: WorkspaceKey, words: str, *, limit: int = LIST_CAP) -> Found:
        """Full-text search, newest first: FTS5 on SQLite, tsvector/GIN on PostgreSQL. Every word must
        appear, the last one also as the start of a longer word ("sso rene" finds "SSO renewal");
        InvalidInput (field "words") when there are no words to look for."""
        found = search_words(words)
        if not found:
            raise InvalidInput({"words": "Search for words: `/fieldnote search pricing sso`."})
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            here = FieldNoteRow.workspace_id == workspace.id
            if session.get_bind().dialect.name == "postgresql":
                # Letters and digits only, so nothing in the words is tsquery syntax.
                query = " & ".join([*(f"'{w}'" for w in found[:-1]), f"'{found[-1]}':*"])
                matches = literal_column("field_notes.search").bool_op("@@")(
                    func.to_tsquery(literal_column("'simple'::regconfig"), query)
                )
                return _found(session, here & matches, limit, order=(FieldNoteRow.id.desc(),))
            # FTS5: each word quoted (a plain string, never query syntax), the last one a prefix. The
            # index hands its matches newest (highest rowid) first, so a page needs no sort.
            query = " ".join([*(f'"{w}"' for w in found[:-1]), f'"{found[-1]}"*'])
            fts = table("field_notes_fts", column("rowid"))
            # `+ 0` keeps SQLite's planner off the workspace's index, which would check each of the
            # workspace's notes against the full-text index: the index's matches lead instead.
            in_workspace = (FieldNoteRow.workspace_id + 0) == workspace.id
            return _found(
                session,
                in_workspace & text("field_notes_fts MATCH :query"),
                limit,
                source=join(fts, FieldNoteRow, FieldNoteRow.id == fts.c.rowid),
                order=(fts.c.rowid.desc(),),
                params={"query": query},
            )

    def this_month(self, key: WorkspaceKey, *, limit: int) -> Found:
        """The team's notes logged this month (the workspace's), newest first."""
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            first = now.astimezone(zone).date().replace(day=1)
            where = (FieldNoteRow.workspace_id == workspace.id) & (
                FieldNoteRow.created_at >= due_instant(first, time(), zone)
            )
            return _found(session, where, limit)

    # reaching both teams

    def insights(self, key: WorkspaceKey, first: date, last: date) -> FieldInsights:
        """The notes logged from local date `first` through `last`: accounts and competitors counted
        (a note counts once for each), most first, and the latest product feedback lines."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            rows = session.execute(
                select(
                    FieldNoteRow.account,
                    FieldNoteRow.account_key,
                    FieldNoteRow.competitors,
                    FieldNoteRow.feedback,
                )
                .where(
                    FieldNoteRow.workspace_id == workspace.id,
                    FieldNoteRow.created_at >= due_instant(first, time(), zone),
                    FieldNoteRow.created_at < due_instant(last + timedelta(days=1), time(), zone),
                )
                .order_by(FieldNoteRow.created_at.desc(), FieldNoteRow.id.desc())
            ).all()
        accounts = _Tally()
        competitors = _Tally()
        feedback: list[str] = []
        for account, account_key, named, said in rows:
            accounts.add(account_key, account)
            named_here = {name.casefold(): name for name in reversed(competitor_names(named))}
            for folded, competitor in named_here.items():
                competitors.add(folded, competitor)
            if said and len(feedback) < FEEDBACK_LINES:
                feedback.append(f"{account}: {' '.join(said.split())}")
        return FieldInsights(len(rows), accounts.most(), competitors.most(), tuple(feedback))

    def visits_per_marketer(self, key: WorkspaceKey, month_start: date) -> dict[str, int]:
        """Field time: notes of kind visit/ride-along/event per marketer (who went) in the month."""
        month_end = (month_start.replace(day=1) + timedelta(days=32)).replace(day=1)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            went = session.scalars(
                select(FieldNoteRow.went).where(
                    FieldNoteRow.workspace_id == workspace.id,
                    FieldNoteRow.visited_on >= month_start.replace(day=1),
                    FieldNoteRow.visited_on < month_end,
                    FieldNoteRow.kind.in_(sorted(FIELD_KINDS)),
                )
            ).all()
        visits = Counter(user_id for people in went for user_id in _people(people))
        teams = self._people.teams_of(key, visits)
        return {
            user_id: count
            for user_id, count in sorted(visits.items())
            if teams.get(user_id) is Team.MARKETING
        }

    def export(self, key: WorkspaceKey) -> list[FieldNote]:
        """Every note of the workspace, oldest first."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            rows = session.scalars(
                select(FieldNoteRow)
                .where(FieldNoteRow.workspace_id == workspace.id)
                .order_by(FieldNoteRow.created_at, FieldNoteRow.id)
            ).all()
            return _notes_of(session, rows)

    def settings(self, key: WorkspaceKey) -> FieldNotesSettings:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return FieldNotesSettings(self._channel, self._workspaces.timezone_of(workspace))


def competitor_names(named: str) -> list[str]:
    """The competitors a note names: "Initech, Hooli and Globex" → three names, as typed."""
    return [name for part in _COMPETITOR_SPLIT.split(named) if (name := " ".join(part.split()))]


_WORD = re.compile(r"[^\W_]+")
_COMPETITOR_SPLIT = re.compile(r"[,;\n]|\band\b|&", re.IGNORECASE)


class _Tally:
    """Counts by a case-folded key, shown as first spelled (the newest note's spelling)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._names: dict[str, str] = {}

    def add(self, key: str, name: str) -> None:
        self._counts[key] += 1
        self._names.setdefault(key, name)

    def most(self) -> tuple[tuple[str, int], ...]:
        ranked = sorted(self._counts.items(), key=lambda item: (-item[1], item[0]))
        return tuple((self._names[key], count) for key, count in ranked)


def _cleaned(draft: NoteDraft, author_id: str | None) -> NoteDraft:
    """The draft as stored: trimmed, the account on one line, who went each once with the author,
    follow-ups without empty lines."""
    went = tuple(dict.fromkeys(user_id.strip() for user_id in draft.went if user_id.strip()))
    if author_id is not None and author_id not in went:
        went = (author_id, *went)
    follow_ups = tuple(
        replace(follow_up, text=" ".join(follow_up.text.split()), owner_id=follow_up.owner_id or None)
        for follow_up in draft.follow_ups
        if follow_up.text.strip()
    )
    return replace(
        draft,
        account=" ".join(draft.account.split()),
        went=went,
        met=draft.met.strip(),
        heard=draft.heard.strip(),
        competitors=draft.competitors.strip(),
        feedback=draft.feedback.strip(),
        follow_ups=follow_ups,
    )


def _account_key(account: str) -> str:
    return " ".join(account.split()).casefold()[:ACCOUNT_MAX]


def _text_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _people(went: str) -> list[str]:
    return [user_id for user_id in went.split(",") if user_id]


def _fill(row: FieldNoteRow, draft: NoteDraft) -> None:
    row.account = draft.account
    row.account_key = _account_key(draft.account)
    row.visited_on = draft.visited_on
    row.kind = draft.kind.value
    row.went = ",".join(draft.went)
    row.met = draft.met
    row.heard = draft.heard
    row.competitors = draft.competitors
    row.feedback = draft.feedback
    row.follow_up_text = "\n".join(follow_up.text for follow_up in draft.follow_ups)


def _replace_follow_ups(
    session: Session,
    note: FieldNoteRow,
    follow_ups: Sequence[FollowUpDraft],
    earlier: Sequence[FieldNoteFollowUpRow],
) -> None:
    """The note's follow-ups, in the order given. A line the note had before (the same text) keeps its
    number and its issue, and stays a tracker one once raised: unticking a box takes no issue back.
    New lines are numbered after every line the note has had."""
    kept = {_text_key(row.text): (row.line, row.issue_number) for row in earlier}
    session.execute(delete(FieldNoteFollowUpRow).where(FieldNoteFollowUpRow.note_id == note.id))
    session.flush()
    rows = []
    for position, follow_up in enumerate(follow_ups):
        line, issue = kept.pop(_text_key(follow_up.text), (None, None))
        if line is None:
            note.follow_up_lines += 1
            line = note.follow_up_lines
        rows.append(
            FieldNoteFollowUpRow(
                note_id=note.id,
                workspace_id=note.workspace_id,
                position=position,
                line=line,
                text=follow_up.text,
                to_tracker=follow_up.to_tracker or issue is not None,
                owner_id=follow_up.owner_id,
                issue_number=issue,
            )
        )
    session.add_all(rows)
    session.flush()


def _by_request(workspace_id: int, request_key: str) -> Select[FieldNoteRow]:
    return select(FieldNoteRow).where(
        FieldNoteRow.workspace_id == workspace_id, FieldNoteRow.request_key == request_key
    )


def _note_row(session: Session, workspace_id: int, note_id: int, *, lock: bool = False) -> FieldNoteRow:
    query = select(FieldNoteRow).where(FieldNoteRow.workspace_id == workspace_id, FieldNoteRow.id == note_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NoteNotFound()
    return row


def _found(
    session: Session,
    where: ColumnElement[bool],
    limit: int,
    *,
    source: FromClause | None = None,
    order: Sequence[ColumnElement[Any]] = (FieldNoteRow.created_at.desc(), FieldNoteRow.id.desc()),
    params: dict[str, str] | None = None,
) -> Found:
    """A page of notes, newest first, and how many match. A search reads `source` (the notes joined
    to their full-text index) and goes by id alone: ids grow with time, and the index keeps them."""
    counted = select(func.count()).select_from(source if source is not None else FieldNoteRow)
    total = session.scalar(counted.where(where), params) or 0
    if total == 0:
        return Found((), 0)
    page = select(FieldNoteRow)
    if source is not None:
        page = page.select_from(source)
    rows = session.scalars(page.where(where).order_by(*order).limit(limit), params).all()
    return Found(tuple(_notes_of(session, rows)), total)


def _notes_of(session: Session, rows: Sequence[FieldNoteRow]) -> list[FieldNote]:
    """Notes with their follow-ups, read in one query, in the order of `rows`."""
    follow_ups: dict[int, list[FieldNoteFollowUpRow]] = {row.id: [] for row in rows}
    if follow_ups:
        for follow_up in session.scalars(
            select(FieldNoteFollowUpRow)
            .where(FieldNoteFollowUpRow.note_id.in_(follow_ups))
            .order_by(FieldNoteFollowUpRow.note_id, FieldNoteFollowUpRow.position)
        ):
            follow_ups[follow_up.note_id].append(follow_up)
    return [_note(row, follow_ups[row.id]) for row in rows]


def _note(row: FieldNoteRow, follow_ups: Sequence[FieldNoteFollowUpRow]) -> FieldNote:
    return FieldNote(
        id=row.id,
        author_id=row.author_id,
        account=row.account,
        visited_on=row.visited_on,
        kind=VisitKind(row.kind),
        went=tuple(_people(row.went)),
        met=row.met,
        heard=row.heard,
        competitors=row.competitors,
        feedback=row.feedback,
        follow_ups=tuple(FollowUp(f.text, f.to_tracker, f.owner_id, f.issue_number) for f in follow_ups),
        created_at=row.created_at,
        edited_at=row.edited_at,
        card_channel=row.card_channel,
        card_ts=row.card_ts,
        card_permalink=row.card_permalink,
    )
