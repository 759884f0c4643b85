"""Wins: someone celebrates a win and thanks the people behind it, across teams. Each win is stored
with who was thanked and their teams at that moment, so the leaderboard and the weekly recap count
thanks (and thanks that cross from one team to the other) straight off indexed rows."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, delete, false, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db import Database
from bot.digest import CHANNEL_ID, CLOCK_TIME, USER_ID, named_weekday, parse_week
from bot.errors import InvalidInput, TandemError
from bot.models import WinPreferenceRow, WinRow, WinsSettingsRow, WinThanksRow, Workspace
from bot.notifications import notify
from bot.people import Actor, People, Team
from bot.scheduling import WEEKDAYS, due_instant, week_key
from bot.settings_rows import every_workspace_settings, settings_row, settings_row_to_change
from bot.workspaces import WorkspaceKey, Workspaces

TEXT_MAX = 1500  # what happened: a card's section holds 3,000 characters, with the thanks beside it
ACCOUNT_MAX = 100
THANKED_MAX = 20  # people thanked in one win
AMOUNT_MAX = 1e12
DAILY_CAP = 10  # wins a person may post a day (TANDEM_WINS_DAILY_CAP): a guard against spam
LEADERS = 10  # people each leaderboard list shows
RECAP_WINS = 20  # wins the recap lists; the rest are counted
RECAP_WEEKS_BACK = 4  # weeks the recap compares cross-team thanks with


class WinKind(StrEnum):
    CLOSED_DEAL = "closed_deal"
    CAMPAIGN_RESULT = "campaign_result"
    GREAT_LEAD = "great_lead"
    CUSTOMER_SAVED = "customer_saved"
    LAUNCH = "launch"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    WinKind.CLOSED_DEAL: "Closed deal",
    WinKind.CAMPAIGN_RESULT: "Campaign result",
    WinKind.GREAT_LEAD: "Great lead",
    WinKind.CUSTOMER_SAVED: "Customer saved",
    WinKind.LAUNCH: "Launch",
    WinKind.OTHER: "Other",
}


class Period(StrEnum):
    """A leaderboard's stretch of time, in the workspace's timezone, up to now."""

    WEEK = "week"  # this ISO week so far
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class WinDraft:
    """A win as someone tells it (quick `/win <text>`, the form, the message shortcut)."""

    text: str  # what happened: plain text (handlers make Slack's markup plain; renderers escape it)
    thanked: tuple[str, ...]  # user ids, in the order given, without duplicates
    kind: WinKind = WinKind.OTHER
    account: str = ""
    amount: float | None = None
    currency: str | None = None  # ISO 4217, with an amount
    source_permalink: str | None = None  # the message it was celebrated from (shortcut)


@dataclass(frozen=True)
class Thanks:
    user_id: str
    team: Team | None  # their team when thanked (None: not on a team)


@dataclass(frozen=True)
class Win:
    id: int
    author_id: str
    author_team: Team | None
    text: str
    kind: WinKind
    account: str
    amount: float | None
    currency: str | None
    thanked: tuple[Thanks, ...]
    source_permalink: str | None
    created_at: datetime
    edited_at: datetime | None
    card_channel: str | None
    card_ts: str | None
    card_permalink: str | None

    @property
    def crossings(self) -> tuple[tuple[Team, Team], ...]:
        """Each distinct (author's team → thanked person's team) where the two differ: "Sales →
        Marketing". Only sales and marketing count; "other" and no team never cross."""
        giver = self.author_team
        pairs = {
            (giver, thanks.team): None
            for thanks in self.thanked
            if giver is not None and thanks.team is not None and _crosses(giver, thanks.team)
        }
        return tuple(pairs)

    @property
    def is_cross_team(self) -> bool:
        return bool(self.crossings)

    def may_be_changed_by(self, actor: Actor) -> bool:
        return actor.is_admin or actor.user_id == self.author_id


@dataclass(frozen=True)
class Celebrated:
    """A win stored; `repeated` when the same request (a double submit, Slack's retry) came before:
    nothing new was stored and the card must not be posted again."""

    win: Win
    repeated: bool


@dataclass(frozen=True)
class Leader:
    user_id: str
    team: Team | None
    count: int


@dataclass(frozen=True)
class Direction:
    """Thanks crossing from one team to the other in a period: "Sales → Marketing: 12"."""

    giver: Team
    receiver: Team
    count: int


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    starts_on: date  # local
    ends_on: date  # local, inclusive (today)
    most_thanked: tuple[Leader, ...]  # at most LEADERS, most first, ties by user id
    most_generous: tuple[Leader, ...]  # thanks given (a win thanking 3 people gives 3)
    directions: tuple[Direction, ...]  # Sales → Marketing and Marketing → Sales, both always present
    wins: int
    thanks: int


@dataclass(frozen=True)
class Recap:
    """One week's wins (Monday to Sunday local), for the recap post and the digest."""

    week: str  # ISO week "2026-W48"
    starts_on: date
    ends_on: date
    wins: tuple[Win, ...]  # at most RECAP_WINS, newest first
    total: int
    most_thanked: tuple[Leader, ...]  # at most 5
    cross_team: int  # thanks crossing teams this week
    cross_team_before: tuple[
        tuple[str, int], ...
    ]  # (ISO week, count) for RECAP_WEEKS_BACK weeks, oldest first

    @property
    def is_empty(self) -> bool:
        return self.total == 0


@dataclass(frozen=True)
class PersonWins:
    """App Home: a person's own wins and the thanks they received, newest first."""

    posted: tuple[Win, ...]
    thanked_in: tuple[Win, ...]
    thanks_received: int  # all time
    thanks_received_this_month: int


@dataclass(frozen=True)
class WinsSettings:
    channel: str | None  # None: wins are stored and answered, but no card is posted
    recap_day: str  # "fri"
    recap_time: str  # "16:00"
    daily_cap: int
    timezone: ZoneInfo


@dataclass(frozen=True)
class WinsDefaults:
    channel: str | None = None
    recap_day: str = "fri"
    recap_time: str = "16:00"
    daily_cap: int = DAILY_CAP


@dataclass(frozen=True)
class WinsSettingsChange:
    channel: str | None
    recap_day: str
    recap_time: str
    daily_cap: int


class WinNotFound(TandemError):
    def __init__(self) -> None:
        super().__init__("That win is no longer there.")


class TooManyWins(TandemError):
    """The daily cap is reached: the message says how many and when they can post again."""


class WinNotAllowed(TandemError):
    """Only the author or an admin edits or deletes a win; only admins change wins settings."""


def problems_with(draft: WinDraft, author_id: str) -> dict[str, str]:
    """Every problem with a win, by field ("text", "thanked", "account", "amount", "currency"):
    empty text or over TEXT_MAX, nobody thanked, only the author thanked, over THANKED_MAX people,
    an amount that is negative or absurd, a currency without an amount or not a 3-letter code."""
    problems: dict[str, str] = {}
    draft = _cleaned(draft, author_id)
    if not draft.text:
        problems["text"] = "Say what happened: the win in a sentence or two."
    elif len(draft.text) > TEXT_MAX:
        problems["text"] = (
            f"Keep the win to {TEXT_MAX:,} characters (it has {len(draft.text):,}); link to the rest."
        )
    strangers = [user_id for user_id in draft.thanked if not USER_ID.match(user_id)]
    if not draft.thanked:
        problems["thanked"] = "Pick who to thank: a win thanks the people behind it."
    elif draft.thanked == (author_id,):
        problems["thanked"] = "You can't thank only yourself — add who helped."
    elif len(draft.thanked) > THANKED_MAX:
        problems["thanked"] = (
            f"Thank at most {THANKED_MAX} people in one win (this one thanks {len(draft.thanked)})."
        )
    elif strangers:
        problems["thanked"] = f"Pick people to thank (not {', '.join(strangers)})."
    if len(draft.account) > ACCOUNT_MAX:
        problems["account"] = (
            f"Keep the account or deal name to {ACCOUNT_MAX} characters (it has {len(draft.account)})."
        )
    if draft.amount is not None:
        if not math.isfinite(draft.amount) or draft.amount > AMOUNT_MAX:
            problems["amount"] = f"That value is too large to be real: give one up to {AMOUNT_MAX:,.0f}."
        elif draft.amount < 0:
            problems["amount"] = "Give the value as a positive number, such as 12k or 1.2M."
    if draft.currency is not None:
        if draft.amount is None:
            problems["currency"] = "Give a value with the currency, or leave the currency out."
        elif not _CURRENCY.match(draft.currency):
            problems["currency"] = "Give the currency as a 3-letter code such as EUR or USD."
    return problems


def settings_problems(change: WinsSettingsChange) -> dict[str, str]:
    """What is wrong with wins settings, by field of WinsSettingsChange; empty when they can be saved."""
    problems: dict[str, str] = {}
    if change.channel is not None and not CHANNEL_ID.match(change.channel):
        problems["channel"] = "Pick a channel: its ID looks like C0123ABCD."
    if named_weekday(change.recap_day) is None:
        problems["recap_day"] = f"Pick a day of the week ({', '.join(WEEKDAYS)})."
    if not CLOCK_TIME.match(change.recap_time):
        problems["recap_time"] = "Give a time of day such as 16:00 (24-hour clock)."
    if not 1 <= change.daily_cap <= DAILY_CAP_MAX:
        problems["daily_cap"] = f"Give a daily limit from 1 to {DAILY_CAP_MAX} wins a person."
    return problems


class Wins:
    """Wins per workspace; each public call is one transaction."""

    def __init__(
        self,
        database: Database,
        workspaces: Workspaces,
        people: People,
        clock: Callable[[], datetime],
        defaults: WinsDefaults,
    ) -> None:
        self._database = database
        self._workspaces = workspaces
        self._people = people
        self._clock = clock
        self._defaults = defaults

    # celebrating

    def celebrate(self, key: WorkspaceKey, actor: Actor, draft: WinDraft, *, request_key: str) -> Celebrated:
        """Store a win (InvalidInput with per-field problems; TooManyWins past the daily cap in the
        workspace's day). `request_key` (the view id, the command's trigger) makes a repeat a no-op."""
        problems = problems_with(draft, actor.user_id)
        if problems:
            raise InvalidInput(problems)
        draft = _cleaned(draft, actor.user_id)
        # Read before our transaction opens: People reads in its own (SQLite has one writer at a time).
        teams = self._people.teams_of(key, [actor.user_id, *draft.thanked])
        try:
            return self._celebrate(key, actor.user_id, draft, teams, request_key)
        except IntegrityError:
            # A concurrent delivery of the same request stored it first; ours rolled back whole.
            with self._database.transaction() as session:
                workspace = self._workspaces.row_for(session, key)
                earlier = session.scalars(_by_request(workspace.id, request_key)).one()
                return Celebrated(_wins_of(session, [earlier])[0], repeated=True)

    def _celebrate(
        self, key: WorkspaceKey, author_id: str, draft: WinDraft, teams: Mapping[str, Team], request_key: str
    ) -> Celebrated:
        now = self._clock()
        with self._database.transaction() as session:
            workspace, settings = self._settings_in(session, key)
            earlier = session.scalars(_by_request(workspace.id, request_key)).one_or_none()
            if earlier is not None:
                return Celebrated(_wins_of(session, [earlier])[0], repeated=True)
            # A guard against spam, not a quota: two wins posted at the very same moment may both pass.
            today = now.astimezone(settings.timezone).date()
            posted_today = _count(
                session,
                select(func.count())
                .select_from(WinRow)
                .where(
                    WinRow.workspace_id == workspace.id,
                    WinRow.author_id == author_id,
                    WinRow.created_at >= due_instant(today, time(), settings.timezone),
                    WinRow.created_at < due_instant(today + timedelta(days=1), time(), settings.timezone),
                ),
            )
            if posted_today >= settings.daily_cap:
                wins = "win" if posted_today == 1 else "wins"
                raise TooManyWins(
                    f"You've posted {posted_today} {wins} today — that's the daily limit; more tomorrow."
                )
            author_team = teams.get(author_id)
            row = WinRow(
                workspace_id=workspace.id,
                author_id=author_id,
                author_team=author_team.value if author_team else None,
                text=draft.text,
                kind=draft.kind.value,
                account=draft.account,
                amount=draft.amount,
                currency=draft.currency,
                source_permalink=draft.source_permalink,
                request_key=request_key,
                created_at=now,
            )
            session.add(row)
            session.flush()
            thanks = _add_thanks(session, row, [(user_id, teams.get(user_id)) for user_id in draft.thanked])
            return Celebrated(_win(row, thanks), repeated=False)

    def record_card(
        self, key: WorkspaceKey, win_id: int, channel: str, ts: str, permalink: str | None
    ) -> Win:
        """The card is posted: remember where, and queue a DM for each person thanked (unless they
        turned those off), in the same transaction (bot.notifications.notify, kind "win.thanked")."""
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = _win_row(session, workspace.id, win_id, lock=True)
            # The DMs go with the first card only: a card posted again (after an edit, a retry) is
            # news to nobody.
            first_card = row.card_ts is None
            row.card_channel, row.card_ts, row.card_permalink = channel, ts, permalink
            win = _wins_of(session, [row])[0]
            if not first_card:
                return win
            recipients = [thanks.user_id for thanks in win.thanked if thanks.user_id != win.author_id]
            declined = set(
                session.scalars(
                    select(WinPreferenceRow.user_id).where(
                        WinPreferenceRow.workspace_id == workspace.id,
                        WinPreferenceRow.user_id.in_(recipients),
                        WinPreferenceRow.dms == false(),
                    )
                )
            )
            facts = {
                "win_id": win.id,
                "author": win.author_id,
                "text": _cut(win.text, NOTICE_TEXT_MAX),
                "kind": win.kind.value,
                "permalink": permalink,
            }
            for recipient in recipients:
                if recipient not in declined:
                    notify(session, workspace.id, recipient, "win.thanked", facts, now)
            return win

    # reading and changing one win

    def win(self, key: WorkspaceKey, win_id: int) -> Win:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            return _wins_of(session, [_win_row(session, workspace.id, win_id)])[0]

    def win_by_card(self, key: WorkspaceKey, channel: str, ts: str) -> Win | None:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = session.scalars(
                select(WinRow).where(
                    WinRow.workspace_id == workspace.id, WinRow.card_channel == channel, WinRow.card_ts == ts
                )
            ).first()
            return None if row is None else _wins_of(session, [row])[0]

    def edit(self, key: WorkspaceKey, win_id: int, actor: Actor, draft: WinDraft) -> Win:
        """Author or admin; thanks are replaced (counts follow)."""
        # Teams of people newly thanked, read before our transaction (see celebrate).
        teams = self._people.teams_of(key, draft.thanked)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = _changeable(session, workspace.id, win_id, actor, "change")
            problems = problems_with(draft, row.author_id)
            if problems:
                raise InvalidInput(problems)
            draft = _cleaned(draft, row.author_id)
            # People thanked before keep the team they had then; the win happened when it was posted.
            before: dict[str, Team | None] = {
                thanks.receiver_id: _team(thanks.receiver_team)
                for thanks in session.scalars(select(WinThanksRow).where(WinThanksRow.win_id == row.id))
            }
            session.execute(delete(WinThanksRow).where(WinThanksRow.win_id == row.id))
            row.text, row.kind, row.account = draft.text, draft.kind.value, draft.account
            row.amount, row.currency = draft.amount, draft.currency
            # A form that does not carry the source message keeps the one the win had.
            row.source_permalink = draft.source_permalink or row.source_permalink
            row.edited_at = self._clock()
            thanked = [(u, before[u] if u in before else teams.get(u)) for u in draft.thanked]
            return _win(row, _add_thanks(session, row, thanked))

    def delete(self, key: WorkspaceKey, win_id: int, actor: Actor) -> Win:
        """Author or admin; the win and its thanks leave every count. Returns it (for its card)."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = _changeable(session, workspace.id, win_id, actor, "delete")
            gone = _wins_of(session, [row])[0]
            session.execute(delete(WinThanksRow).where(WinThanksRow.win_id == row.id))
            session.execute(delete(WinRow).where(WinRow.id == row.id))
            return gone

    # looking back

    def leaderboard(self, key: WorkspaceKey, period: Period) -> Leaderboard:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            today = now.astimezone(zone).date()
            starts_on = _period_start(period, today)
            since = due_instant(starts_on, time(), zone)
            # Each query reads the period's range of (workspace_id, given_at) and groups it.
            in_period = (
                (WinThanksRow.workspace_id == workspace.id)
                & (WinThanksRow.given_at >= since)
                & (WinThanksRow.given_at <= now)
            )
            most_thanked = _leaders(session, in_period, WinThanksRow.receiver_id, WinThanksRow.receiver_team)
            most_generous = _leaders(session, in_period, WinThanksRow.giver_id, WinThanksRow.giver_team)
            by_teams = session.execute(
                select(WinThanksRow.giver_team, WinThanksRow.receiver_team, func.count())
                .where(in_period)
                .group_by(WinThanksRow.giver_team, WinThanksRow.receiver_team)
            ).all()
            between = {(giver, receiver): count for giver, receiver, count in by_teams}
            wins = _count(
                session,
                select(func.count())
                .select_from(WinRow)
                .where(
                    WinRow.workspace_id == workspace.id, WinRow.created_at >= since, WinRow.created_at <= now
                ),
            )
            return Leaderboard(
                period=period,
                starts_on=starts_on,
                ends_on=today,
                most_thanked=most_thanked,
                most_generous=most_generous,
                directions=tuple(
                    Direction(giver, receiver, between.get((giver.value, receiver.value), 0))
                    for giver, receiver in _DIRECTIONS
                ),
                wins=wins,
                thanks=sum(count for _, _, count in by_teams),
            )

    def recap(self, key: WorkspaceKey, week: str) -> Recap:
        """The ISO week's recap, in the workspace's timezone."""
        year, number = parse_week(week)
        monday = date.fromisocalendar(year, number, 1)
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            # Each week's bounds from its own local midnight, so a daylight-saving change moves none.
            starts = [
                due_instant(monday - timedelta(weeks=back), time(), zone)
                for back in range(RECAP_WEEKS_BACK, -1, -1)
            ]
            start, end = starts[-1], due_instant(monday + timedelta(weeks=1), time(), zone)
            in_week = (
                (WinRow.workspace_id == workspace.id)
                & (WinRow.created_at >= start)
                & (WinRow.created_at < end)
            )
            total = _count(session, select(func.count()).select_from(WinRow).where(in_week))
            rows = session.scalars(
                select(WinRow)
                .where(in_week)
                .order_by(WinRow.created_at.desc(), WinRow.id.desc())
                .limit(RECAP_WINS)
            ).all()
            thanks_in_week = (
                (WinThanksRow.workspace_id == workspace.id)
                & (WinThanksRow.given_at >= start)
                & (WinThanksRow.given_at < end)
            )
            most_thanked = _leaders(
                session, thanks_in_week, WinThanksRow.receiver_id, WinThanksRow.receiver_team, RECAP_LEADERS
            )
            crossings = _cross_team_by_week(session, workspace.id, starts, end)
            return Recap(
                week=week,
                starts_on=monday,
                ends_on=monday + timedelta(days=6),
                wins=tuple(_wins_of(session, rows)),
                total=total,
                most_thanked=most_thanked,
                cross_team=crossings[-1],
                cross_team_before=tuple(
                    (week_key(monday - timedelta(weeks=RECAP_WEEKS_BACK - index)), count)
                    for index, count in enumerate(crossings[:-1])
                ),
            )

    def posted_between(
        self, key: WorkspaceKey, first: date, last: date, *, limit: int
    ) -> tuple[tuple[Win, ...], int]:
        """Wins posted from local date `first` through `last`, oldest first (at most `limit`), and
        how many there are (the digest's week of wins)."""
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            in_range = (
                (WinRow.workspace_id == workspace.id)
                & (WinRow.created_at >= due_instant(first, time(), zone))
                & (WinRow.created_at < due_instant(last + timedelta(days=1), time(), zone))
            )
            total = _count(session, select(func.count()).select_from(WinRow).where(in_range))
            if total == 0:
                return (), 0
            rows = session.scalars(
                select(WinRow).where(in_range).order_by(WinRow.created_at, WinRow.id).limit(limit)
            ).all()
            return tuple(_wins_of(session, rows)), total

    def person(self, key: WorkspaceKey, user_id: str, *, limit: int = 5) -> PersonWins:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            zone = self._workspaces.timezone_of(workspace)
            posted = session.scalars(
                select(WinRow)
                .where(WinRow.workspace_id == workspace.id, WinRow.author_id == user_id)
                .order_by(WinRow.created_at.desc(), WinRow.id.desc())
                .limit(limit)
            ).all()
            received = (WinThanksRow.workspace_id == workspace.id) & (WinThanksRow.receiver_id == user_id)
            # A person is thanked once a win at most, so these are distinct wins.
            thanked_ids = list(
                session.scalars(
                    select(WinThanksRow.win_id)
                    .where(received)
                    .order_by(WinThanksRow.given_at.desc(), WinThanksRow.id.desc())
                    .limit(limit)
                )
            )
            thanked_rows = {
                row.id: row for row in session.scalars(select(WinRow).where(WinRow.id.in_(thanked_ids)))
            }
            month_start = due_instant(now.astimezone(zone).date().replace(day=1), time(), zone)
            all_time, this_month = session.execute(
                select(func.count(), func.count(case((WinThanksRow.given_at >= month_start, 1)))).where(
                    received
                )
            ).one()
            return PersonWins(
                posted=tuple(_wins_of(session, posted)),
                thanked_in=tuple(_wins_of(session, [thanked_rows[i] for i in thanked_ids])),
                thanks_received=all_time,
                thanks_received_this_month=this_month,
            )

    # direct messages

    def wants_dms(self, key: WorkspaceKey, user_id: str) -> bool:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            wanted = session.scalar(
                select(WinPreferenceRow.dms).where(
                    WinPreferenceRow.workspace_id == workspace.id, WinPreferenceRow.user_id == user_id
                )
            )
            return True if wanted is None else wanted

    def set_dms(self, key: WorkspaceKey, user_id: str, wanted: bool) -> None:
        try:
            self._set_dms(key, user_id, wanted)
        except IntegrityError:
            # Two clicks stored the person's first choice at once: ours now updates it.
            self._set_dms(key, user_id, wanted)

    def _set_dms(self, key: WorkspaceKey, user_id: str, wanted: bool) -> None:
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = session.scalars(
                select(WinPreferenceRow)
                .where(WinPreferenceRow.workspace_id == workspace.id, WinPreferenceRow.user_id == user_id)
                .with_for_update()
            ).one_or_none()
            if row is None:
                session.add(WinPreferenceRow(workspace_id=workspace.id, user_id=user_id, dms=wanted))
            else:
                row.dms = wanted

    # settings

    def settings(self, key: WorkspaceKey) -> WinsSettings:
        with self._database.transaction() as session:
            return self._settings_in(session, key)[1]

    def all_settings(self) -> dict[WorkspaceKey, WinsSettings]:
        """Every workspace's settings in one query (the recap's plan, once a tick)."""
        return every_workspace_settings(self._database, WinsSettingsRow, self._effective)

    def save_settings(self, key: WorkspaceKey, change: WinsSettingsChange, actor: Actor) -> WinsSettings:
        """Admins only (WinNotAllowed otherwise); InvalidInput names each bad field."""
        if not actor.is_admin:
            raise WinNotAllowed("Only Tandem's admins change the wins settings.")
        problems = settings_problems(change)
        if problems:
            raise InvalidInput(problems)
        try:
            return self._save_settings(key, change, actor)
        except IntegrityError:
            # Another admin's first save of this workspace's settings won the race: ours updates it.
            return self._save_settings(key, change, actor)

    def _save_settings(self, key: WorkspaceKey, change: WinsSettingsChange, actor: Actor) -> WinsSettings:
        now = self._clock()
        with self._database.transaction() as session:
            workspace = self._workspaces.row_for(session, key)
            row = settings_row_to_change(session, WinsSettingsRow, workspace.id)
            row.channel = change.channel
            row.recap_day = named_weekday(change.recap_day) or change.recap_day
            row.recap_time = change.recap_time
            row.daily_cap = change.daily_cap
            row.updated_by, row.updated_at = actor.user_id, now
            session.flush()
            return self._effective(workspace, row)

    def _settings_in(self, session: Session, key: WorkspaceKey) -> tuple[Workspace, WinsSettings]:
        workspace = self._workspaces.row_for(session, key)
        return workspace, self._effective(workspace, settings_row(session, WinsSettingsRow, workspace.id))

    def _effective(self, workspace: Workspace, row: WinsSettingsRow | None) -> WinsSettings:
        zone = self._workspaces.timezone_of(workspace)
        if row is None:
            return WinsSettings(timezone=zone, **asdict(self._defaults))
        return WinsSettings(
            channel=row.channel,
            recap_day=row.recap_day,
            recap_time=row.recap_time,
            daily_cap=row.daily_cap,
            timezone=zone,
        )


DAILY_CAP_MAX = 100  # the most wins a day a workspace may allow each person
NOTICE_TEXT_MAX = 200  # the win's text as a "win.thanked" DM quotes it
RECAP_LEADERS = 5  # most thanked people the recap names
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CROSSING_TEAMS = (Team.SALES, Team.MARKETING)
_DIRECTIONS = ((Team.SALES, Team.MARKETING), (Team.MARKETING, Team.SALES))
_PERMALINK_MAX = 500  # wins.source_permalink


def _crosses(giver: Team | None, receiver: Team | None) -> bool:
    return giver in _CROSSING_TEAMS and receiver in _CROSSING_TEAMS and giver != receiver


def _cleaned(draft: WinDraft, author_id: str) -> WinDraft:
    """The draft as stored: trimmed, each person thanked once, and the author left out when others
    are thanked too (thanking yourself among others is taken as modesty, not refused)."""
    thanked = tuple(dict.fromkeys(user_id.strip() for user_id in draft.thanked if user_id.strip()))
    others = tuple(user_id for user_id in thanked if user_id != author_id)
    source = draft.source_permalink
    return WinDraft(
        text=draft.text.strip(),
        thanked=others or thanked,
        kind=draft.kind,
        # An account is one line however it was typed or pasted.
        account=" ".join(draft.account.split()),
        amount=draft.amount,
        currency=(draft.currency or "").strip().upper() or None,
        # Slack's own permalinks; one too long to store would be a broken one anyway.
        source_permalink=source if source and len(source) <= _PERMALINK_MAX else None,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _team(value: str | None) -> Team | None:
    return Team(value) if value else None


def _period_start(period: Period, today: date) -> date:
    if period is Period.WEEK:
        return today - timedelta(days=today.weekday())
    if period is Period.MONTH:
        return today.replace(day=1)
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


def _count(session: Session, query: Select[int]) -> int:
    return session.scalar(query) or 0


def _by_request(workspace_id: int, request_key: str) -> Select[WinRow]:
    return select(WinRow).where(WinRow.workspace_id == workspace_id, WinRow.request_key == request_key)


def _win_row(session: Session, workspace_id: int, win_id: int, *, lock: bool = False) -> WinRow:
    query = select(WinRow).where(WinRow.workspace_id == workspace_id, WinRow.id == win_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise WinNotFound()
    return row


def _changeable(session: Session, workspace_id: int, win_id: int, actor: Actor, doing: str) -> WinRow:
    row = _win_row(session, workspace_id, win_id, lock=True)
    if not (actor.is_admin or actor.user_id == row.author_id):
        raise WinNotAllowed(f"Only the person who posted this win, and Tandem's admins, can {doing} it.")
    return row


def _add_thanks(
    session: Session, win: WinRow, thanked: Sequence[tuple[str, Team | None]]
) -> list[WinThanksRow]:
    """One row per person thanked, in the order given (their ids keep it)."""
    giver_team = _team(win.author_team)
    rows = [
        WinThanksRow(
            workspace_id=win.workspace_id,
            win_id=win.id,
            giver_id=win.author_id,
            giver_team=win.author_team,
            receiver_id=user_id,
            receiver_team=team.value if team else None,
            given_at=win.created_at,
            cross_team=_crosses(giver_team, team),
        )
        for user_id, team in thanked
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _leaders(
    session: Session,
    where: ColumnElement[bool],
    who: InstrumentedAttribute[str],
    team: InstrumentedAttribute[str | None],
    limit: int = LEADERS,
) -> tuple[Leader, ...]:
    counted = func.count().label("counted")
    rows = session.execute(
        # A person's team is the one the rows snapshotted; should it have changed within the
        # period, one of them stands for it.
        select(who, func.max(team), counted)
        .where(where)
        .group_by(who)
        .order_by(counted.desc(), who)
        .limit(limit)
    ).all()
    return tuple(Leader(user_id, _team(team_value), count) for user_id, team_value, count in rows)


def _cross_team_by_week(
    session: Session, workspace_id: int, starts: Sequence[datetime], end: datetime
) -> list[int]:
    """Thanks crossing teams in each week starting at `starts` (oldest first; the last ends at `end`),
    counted in one grouped read of the weeks' range."""
    week = case(
        *((WinThanksRow.given_at >= start, index) for index, start in reversed(list(enumerate(starts)))),
        else_=0,
    ).label("week")
    counted = session.execute(
        select(week, func.count())
        .where(
            WinThanksRow.workspace_id == workspace_id,
            WinThanksRow.given_at >= starts[0],
            WinThanksRow.given_at < end,
            WinThanksRow.cross_team == true(),
        )
        .group_by(week)
    ).all()
    by_week = dict.fromkeys(range(len(starts)), 0)
    for index, count in counted:
        by_week[index] = count
    return [by_week[index] for index in range(len(starts))]


def _wins_of(session: Session, rows: Sequence[WinRow]) -> list[Win]:
    """Wins with the people they thank, read in one query, in the order of `rows`."""
    thanks: dict[int, list[WinThanksRow]] = {row.id: [] for row in rows}
    if thanks:
        for thanked in session.scalars(
            select(WinThanksRow).where(WinThanksRow.win_id.in_(thanks)).order_by(WinThanksRow.id)
        ):
            thanks[thanked.win_id].append(thanked)
    return [_win(row, thanks[row.id]) for row in rows]


def _win(row: WinRow, thanks: Sequence[WinThanksRow]) -> Win:
    return Win(
        id=row.id,
        author_id=row.author_id,
        author_team=_team(row.author_team),
        text=row.text,
        kind=WinKind(row.kind),
        account=row.account,
        amount=row.amount,
        currency=row.currency,
        thanked=tuple(Thanks(t.receiver_id, _team(t.receiver_team)) for t in thanks),
        source_permalink=row.source_permalink,
        created_at=row.created_at,
        edited_at=row.edited_at,
        card_channel=row.card_channel,
        card_ts=row.card_ts,
        card_permalink=row.card_permalink,
    )
