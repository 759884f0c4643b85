"""The sandbox's sample week: a realistic week of sales and marketing working with Tandem, played through
Tandem as people use it (slash commands, forms, card buttons, thread replies), on top of what an admin
loads in bulk (the team setup, the shared metrics and two months of their history)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.issues import SharedIssue, Status
from bot.metric_files import parse_definitions
from bot.models import DigestItemRow, FieldNoteRow, Issue, MetricValueRow, WinRow, Workspace
from bot.people import Actor, Team, TeamSourceKind
from bot.services import Services
from bot.slack.team_sync import sync_mapped_teams
from bot.workspaces import WorkspaceKey

from .people import Outcome, People
from .workspace import (
    ANA,
    BEN,
    CHLOE,
    FIELD_NOTES,
    MARKETING,
    MARKETING_GROUP,
    MAYA,
    METRICS,
    PEOPLE,
    RAJ,
    SALES_GROUP,
    TOM,
    TRACKER,
    WINS,
)


class Stage(Protocol):
    """Where the week is played: the lead's `Sandbox` (bot/sandbox/sandbox.py), or a test's own."""

    @property
    def people(self) -> People: ...  # act as the sample people
    @property
    def services(self) -> Services: ...  # Tandem's services, for what an admin loads in bulk
    @property
    def zone(self) -> ZoneInfo: ...  # the workspace's timezone
    @property
    def key(self) -> WorkspaceKey: ...  # the sandbox workspace
    def now(self) -> datetime: ...  # the sandbox clock (aware)

    # Moves the clock forward, running every scheduled job due on the way at its own time, then settles.
    # (Whatever it returns, such as the jobs it ran, is not used here.)
    def advance_to(self, moment: datetime) -> object: ...

    # Waits until Tandem has finished handling everything sent so far (cards posted, DMs queued).
    def settle(self) -> None: ...


class SampleWeekFailed(RuntimeError):
    """A step of the sample week did not do what it should: a broken sample week fails loudly."""


# ------------------------------------------------------------------ time

# The week is written as the sandbox usually plays it: from a Wednesday 08:00 to the next Wednesday
# 08:00, so Thursday's digest and Friday's wins recap fall inside it and the next digest is ahead.
WED, THU, FRI, MON, TUE, NEXT_WED = 0, 1, 2, 5, 6, 7  # days after the week's first day
WRITTEN_START = time(8, 0)
WRITTEN_WEEKDAY = 2  # Wednesday
WORK_STARTS, WORK_ENDS = time(9, 0), time(17, 30)
CRM_EXPORT_AT = time(7, 0)  # each morning the CRM's export brings yesterday's figures, before the snapshot
HISTORY_DAYS = 60


@dataclass(frozen=True)
class At:
    """A moment of the week as written: `day` (WED … NEXT_WED) at "HH:MM", in working hours."""

    day: int
    clock: str

    @property
    def time(self) -> time:
        return time.fromisoformat(self.clock)

    def working_minutes(self) -> int:
        """Working time (Monday to Friday, 09:00 to 17:30) from the written week's start to this moment."""
        total = 0
        for day in range(self.day + 1):
            if (WRITTEN_WEEKDAY + day) % 7 >= 5:
                continue
            begin = max(WORK_STARTS, WRITTEN_START) if day == 0 else WORK_STARTS
            end = min(self.time, WORK_ENDS) if day == self.day else WORK_ENDS
            total += max(0, _minutes(end) - _minutes(begin))
        return total


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True)
class Week:
    """The week being played, `start` to `until` in `zone`. Written moments land on the same working
    minute counted from the start: the same day and time when the week runs Wednesday 08:00 to
    Wednesday 08:00; otherwise every step keeps its order and still falls Monday to Friday, 09:00 to
    17:30 (any seven days hold the same 42.5 working hours)."""

    start: datetime
    until: datetime
    zone: ZoneInfo

    def moment(self, at: At) -> datetime:
        left = timedelta(minutes=at.working_minutes())
        day = self.start.astimezone(self.zone).date()
        while _local(day, time(0), self.zone) < self.until:
            if day.weekday() < 5:
                begin = max(self.start, _local(day, WORK_STARTS, self.zone))
                end = min(self.until, _local(day, WORK_ENDS, self.zone))
                if end > begin:
                    if left < end - begin:
                        return begin + left
                    left -= end - begin
            day += timedelta(days=1)
        raise SampleWeekFailed(f"{at} falls after the week's end ({self.until.isoformat()})")

    def day_of(self, at: At) -> date:
        """The day of a moment, for due dates: one written after the week ends falls on its last day."""
        try:
            return self.moment(at).astimezone(self.zone).date()
        except SampleWeekFailed:
            return self.until.astimezone(self.zone).date()

    def mornings(self) -> list[datetime]:
        """Each morning's CRM export inside the week."""
        first = self.start.astimezone(self.zone).date()
        last = self.until.astimezone(self.zone).date()
        found = []
        for offset in range((last - first).days + 1):
            moment = _local(first + timedelta(days=offset), CRM_EXPORT_AT, self.zone)
            if self.start < moment < self.until:
                found.append(moment)
        return found


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


# ------------------------------------------------------------------ what an admin loads

# Teams come from Slack's user groups, as an admin maps them on App Home's team setup.
TEAM_GROUPS = {SALES_GROUP: Team.SALES, MARKETING_GROUP: Team.MARKETING}

METRICS_YAML = """\
metrics:
  - name: leads
    label: Leads
    team: marketing
    description: New leads from every source (web, webinars, events), counted on the day they came in.
    targets: {month: 1200, quarter: 3600}
  - name: mql
    label: Marketing-qualified leads
    team: marketing
    targets: {month: 420, quarter: 1260}
  - name: meetings
    label: Meetings booked
    team: sales
    description: First meetings SDRs and AEs booked with new prospects.
    targets: {month: 130, quarter: 390}
  - name: pipeline
    label: Open pipeline
    unit: currency
    currency: USD
    team: sales
    rollup: latest
    targets: {month: 2.5M, quarter: 2.5M}
  - name: win-rate
    label: Win rate
    unit: percent
    team: shared
    targets: {month: 28%, quarter: 28%}
"""

ADMIN = Actor(BEN, is_admin=True)  # Ben, Head of Marketing, administers Tandem (TANDEM_ADMINS)
SEED = 8  # issue 8: the same figures on every first start


@dataclass(frozen=True)
class Trend:
    """How one metric's daily figure moves: around `base` on working days (`weekend` at weekends,
    None for none), growing by `growth` a day, with `noise` either way; `walk` adds each day's change
    to the last (pipeline's size) instead."""

    base: float
    growth: float
    noise: float
    weekend: float | None = None
    walk: bool = False
    digits: int = 0

    def figures(self, days: Sequence[date], rng: random.Random) -> dict[date, float]:
        level = self.base
        found: dict[date, float] = {}
        for n, day in enumerate(days):
            if day.weekday() >= 5 and self.weekend is None:
                continue
            if self.walk:
                level += self.growth + rng.uniform(-self.noise, self.noise)
                value = level
            elif day.weekday() >= 5:
                value = (self.weekend or 0) + rng.uniform(-self.noise, self.noise) / 3
            else:
                value = self.base + self.growth * n + rng.uniform(-self.noise, self.noise)
            found[day] = float(round(max(value, 0), self.digits))
        return found


TRENDS = {
    "leads": Trend(base=41, growth=0.12, noise=9, weekend=11),
    "mql": Trend(base=15, growth=0.05, noise=4, weekend=3),
    "meetings": Trend(base=5, growth=0.02, noise=2),
    "pipeline": Trend(base=2_080_000, growth=6_500, noise=40_000, walk=True, digits=-3),
    "win-rate": Trend(base=25.5, growth=0.04, noise=3, digits=1),
}
TYPED_BY_PEOPLE = frozenset({"meetings"})  # Raj types these each evening; the CRM export brings the rest
# The webinar tool stopped passing leads to the CRM two days before the week: those days are low until
# Ben logs the real figures (see the week).
WEBINAR_GAP = {"leads": (0.45, 0.4), "mql": (0.5, 0.5)}


def history(start: date, until: date) -> dict[str, dict[date, float]]:
    """Every metric's daily figures from HISTORY_DAYS before `start` up to `until`, the same each time."""
    days = [start - timedelta(days=HISTORY_DAYS - n) for n in range(HISTORY_DAYS + (until - start).days + 1)]
    figures = {}
    for name, trend in TRENDS.items():
        values = trend.figures(days, random.Random(f"{SEED}:{name}"))  # noqa: S311 - figures, not secrets
        for back, share in enumerate(WEBINAR_GAP.get(name, ())):
            gap = start - timedelta(days=1 + back)
            if gap in values:
                values[gap] = float(round(values[gap] * share))
        figures[name] = values
    return figures


def values_csv(figures: Mapping[str, Mapping[date, float]], days: Sequence[date]) -> str:
    """The figures for `days` as the CSV an admin imports (`tandem metrics import`)."""
    lines = ["date,metric,value"]
    for day in days:
        for name, values in figures.items():
            if name not in TYPED_BY_PEOPLE and day in values:
                lines.append(f"{day.isoformat()},{name},{_figure(values[day])}")
    return "\n".join(lines) + "\n"


def _figure(value: float) -> str:
    """A figure as a spreadsheet writes it: 2112000, 26.4."""
    return str(int(value)) if value.is_integer() else str(value)


# ------------------------------------------------------------------ the week's steps


def mention(user_id: str) -> str:
    """A mention as Slack escapes it in a command's text: <@U0ANA|ana>."""
    return f"<@{user_id}|{next(p.name for p in PEOPLE if p.user_id == user_id)}>"


NAMES = {p.name: mention(p.user_id) for p in PEOPLE}  # "{chloe}" in a step's text


@dataclass(frozen=True)
class Step:
    """Someone does something at a moment of the week."""

    at: At
    who: str
    does: Action


class Action(Protocol):
    def describe(self) -> str: ...
    def play(self, week: PlayedWeek, who: str, at: At) -> None: ...


@dataclass(frozen=True)
class RaiseIssue:
    """`/issue <title>` in a channel; `key` names the issue for later steps."""

    key: str
    title: str
    channel: str = TRACKER

    def describe(self) -> str:
        return f"/issue {self.title}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        week.command(who, self.channel, "/issue", self.title)
        week.found_issue(self.key, self.title)


@dataclass(frozen=True)
class RaiseIssueByForm:
    """`/issue` alone, then the form filled in: details, category, priority, owner and due date."""

    key: str
    title: str
    details: str
    category: str
    priority: str
    owner: str
    due: At
    channel: str = TRACKER

    def describe(self) -> str:
        return f"/issue form: {self.title}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        values: dict[str, dict[str, Any]] = {
            "issues.form.title": {"value": self.title},
            "issues.form.details": {"value": self.details},
            "issues.form.category": {"value": self.category},
            "issues.form.priority": {"value": self.priority},
            "issues.form.owner": {"value": self.owner},
            "issues.form.due": {"value": week.week.day_of(self.due).isoformat()},
        }
        week.fill_form(who, self.channel, "/issue", "", values)
        issue = week.found_issue(self.key, self.title)
        week.expect(issue.owner_id == self.owner, f"the owner is {issue.owner_id}, not {self.owner}")


@dataclass(frozen=True)
class AssignIssue:
    """`/issue assign N @person`, the mention as Slack escapes it."""

    key: str
    to: str
    channel: str = TRACKER

    def describe(self) -> str:
        return f"/issue assign {self.key} {mention(self.to)}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        week.command(who, self.channel, "/issue", f"assign {week.number(self.key)} {mention(self.to)}")
        owner = week.issue(self.key).owner_id
        week.expect(owner == self.to, f"the owner is {owner}, not {self.to}")


@dataclass(frozen=True)
class CloseIssue:
    """`/issue close N <note>`."""

    key: str
    note: str
    channel: str = TRACKER

    def describe(self) -> str:
        return f"/issue close {self.key} {self.note}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        week.command(who, self.channel, "/issue", f"close {week.number(self.key)} {self.note}")
        status = week.issue(self.key).status
        week.expect(status is Status.RESOLVED, f"the issue is {status.label}, not resolved")


@dataclass(frozen=True)
class TakeOnCard:
    """The *Take it* button on the issue's card in the tracker channel."""

    key: str

    def describe(self) -> str:
        return f"Take it on the card of {self.key}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        card, block_id, element = week.card_element(self.key, "issues.take")
        action = {"type": "button", "action_id": element["action_id"], "block_id": block_id}
        week.act(who, {**action, "value": element["value"]}, card)
        owner = week.issue(self.key).owner_id
        week.expect(owner == who, f"the owner is {owner}, not {who}")


@dataclass(frozen=True)
class AssignOnCard:
    """The card's *Assign…* people picker."""

    key: str
    to: str

    def describe(self) -> str:
        return f"Assign… {self.to} on the card of {self.key}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        card, block_id, element = week.card_element(self.key, "issues.assign")
        action = {"type": "users_select", "action_id": element["action_id"], "block_id": block_id}
        week.act(who, {**action, "selected_user": self.to}, card)
        owner = week.issue(self.key).owner_id
        week.expect(owner == self.to, f"the owner is {owner}, not {self.to}")


@dataclass(frozen=True)
class StatusOnCard:
    """The card's status menu."""

    key: str
    status: Status

    def describe(self) -> str:
        return f"Status {self.status.label} on the card of {self.key}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        card, block_id, element = week.card_element(self.key, "issues.status")
        [option] = [o for o in element["options"] if o["value"] == self.status.value]
        action = {"type": "static_select", "action_id": element["action_id"], "block_id": block_id}
        week.act(who, {**action, "selected_option": option}, card)
        status = week.issue(self.key).status
        week.expect(status is self.status, f"the issue is {status.label}, not {self.status.label}")


@dataclass(frozen=True)
class ReplyOnCard:
    """A reply in the card's thread, which Tandem keeps as a comment."""

    key: str
    text: str

    def describe(self) -> str:
        return f"Reply on the card of {self.key}: {self.text}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        before = week.issue(self.key).comment_count
        card = week.card(self.key)
        week.ok(week.stage.people.post_message(who, TRACKER, self.text, thread_ts=card["ts"]))
        week.stage.settle()
        after = week.issue(self.key).comment_count
        week.expect(after == before + 1, f"the issue has {after} comments, not {before + 1}")


@dataclass(frozen=True)
class AddToDigest:
    """`/digest add <text>`: a quick item under "Other news"."""

    text: str
    channel: str = MARKETING

    def describe(self) -> str:
        return f"/digest add {self.text}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        with week.adds(DigestItemRow):
            week.command(who, self.channel, "/digest", f"add {self.text}")


@dataclass(frozen=True)
class AddToDigestByForm:
    """`/digest add` alone, then the form: section, headline, detail and link."""

    section: str
    headline: str
    detail: str = ""
    link: str = ""
    channel: str = MARKETING

    def describe(self) -> str:
        return f"/digest add form ({self.section}): {self.headline}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        values: dict[str, dict[str, Any]] = {
            "digest.form.section": {"value": self.section},
            "digest.form.headline": {"value": self.headline},
            "digest.form.detail": {"value": self.detail},
            "digest.form.link": {"value": self.link or None},
        }
        with week.adds(DigestItemRow):
            week.fill_form(who, self.channel, "/digest", "add", values)


@dataclass(frozen=True)
class CelebrateWin:
    """`/win <text>` thanking everyone it mentions ({name} is their mention)."""

    text: str

    def describe(self) -> str:
        return f"/win {self.text}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        with week.adds(WinRow):
            week.command(who, WINS, "/win", self.text.format(**NAMES))


@dataclass(frozen=True)
class CelebrateWinByForm:
    """`/win` alone, then the form: what happened, who to thank, kind, account and value."""

    text: str
    thanked: tuple[str, ...]
    kind: str
    account: str
    amount: str
    currency: str

    def describe(self) -> str:
        return f"/win form: {self.text}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        values: dict[str, dict[str, Any]] = {
            "wins.form.text": {"value": self.text},
            "wins.form.thanked": {"value": list(self.thanked)},
            "wins.form.kind": {"value": self.kind},
            "wins.form.account": {"value": self.account},
            "wins.form.amount": {"value": self.amount},
            "wins.form.currency": {"value": self.currency},
        }
        with week.adds(WinRow):
            week.fill_form(who, WINS, "/win", "", values)


@dataclass(frozen=True)
class LogFieldNote:
    """`/fieldnote Account: what was heard`."""

    text: str

    def describe(self) -> str:
        return f"/fieldnote {self.text}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        with week.adds(FieldNoteRow):
            week.command(who, FIELD_NOTES, "/fieldnote", self.text)


@dataclass(frozen=True)
class LogFieldNoteByForm:
    """`/fieldnote` alone, then the whole form; follow-ups ticked for the tracker become issues
    (`follow_ups` pairs each line with the key later steps know its issue by)."""

    account: str
    kind: str
    went: tuple[str, ...]
    met: str
    heard: str
    competitors: str
    feedback: str
    follow_ups: tuple[tuple[str, str], ...]
    owner: str

    def describe(self) -> str:
        return f"/fieldnote form: {self.account}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        values: dict[str, dict[str, Any]] = {
            "fieldnotes.form.account": {"value": self.account},
            "fieldnotes.form.visited_on": {"value": week.week.day_of(at).isoformat()},
            "fieldnotes.form.kind": {"value": self.kind},
            "fieldnotes.form.went": {"value": list(self.went)},
            "fieldnotes.form.met": {"value": self.met},
            "fieldnotes.form.heard": {"value": self.heard},
            "fieldnotes.form.competitors": {"value": self.competitors},
            "fieldnotes.form.feedback": {"value": self.feedback},
            "fieldnotes.form.follow_ups": {"value": "\n".join(line for _, line in self.follow_ups)},
            "fieldnotes.form.to_tracker": {"value": ["on"]},
            "fieldnotes.form.owner": {"value": self.owner},
        }
        with week.adds(FieldNoteRow):
            week.fill_form(who, FIELD_NOTES, "/fieldnote", "", values)
        for key, line in self.follow_ups:
            issue = week.found_issue(key, line)
            week.expect(issue.owner_id == self.owner, f"follow-up {key} is owned by {issue.owner_id}")


@dataclass(frozen=True)
class LogMetric:
    """`/metric <name> <value>`, for today or for the day of a moment of the week (`for_day`), or
    `days_before_week` days before the week began."""

    name: str
    value: str
    for_day: At | None = None
    days_before_week: int | None = None

    def describe(self) -> str:
        return f"/metric {self.name} {self.value}"

    def play(self, week: PlayedWeek, who: str, at: At) -> None:
        if self.days_before_week is not None:
            day = week.week.start.astimezone(week.stage.zone).date() - timedelta(days=self.days_before_week)
        else:
            day = week.week.day_of(self.for_day or at)
        # Written as people write dates ("20 Nov"): read in the person's own timezone, like Tandem does.
        said = "" if self.for_day is None and self.days_before_week is None else f" {day.day} {day:%b %Y}"
        week.command(who, METRICS, "/metric", f"{self.name} {self.value}{said}")
        stored = week.metric_value(self.name, day)
        week.expect(stored is not None, f"no {self.name} value is stored for {day.isoformat()}")


# The week. Accounts: Globex, Initech, Umbrella Health, Stark Logistics, Wayne Enterprises.
# Competitors: Hooli and Vandelay Analytics. Tom works from New York, so his steps are London afternoons.
# fmt: off
WEEK: tuple[Step, ...] = (
    # Wednesday: the week before's loose ends, and marketing fills Thursday's digest.
    Step(At(WED, "11:20"), ANA, RaiseIssue(
        "pricing", "Pricing page still shows last year's enterprise tiers")),
    Step(At(WED, "11:45"), MAYA, AssignIssue("pricing", CHLOE)),
    Step(At(WED, "13:40"), CHLOE, AddToDigestByForm(
        "product_news", "Analytics Pro is generally available",
        "Dashboards, scheduled exports and SSO on every Enterprise plan.\n"
        "Beta customers keep their current price until renewal.",
        "https://acme.example/releases/analytics-pro")),
    Step(At(WED, "14:30"), TOM, AddToDigest(
        "RetailTech Live in Chicago next month: booth 14, ask Tom for customer passes")),
    Step(At(WED, "15:10"), BEN, AddToDigestByForm(
        "competitor", "Hooli cut list prices 15% on multi-year deals",
        "Seen in the Initech and Umbrella Health deals. Lead with time-to-value, not price:\n"
        "the updated battlecard has the talk track.",
        "https://acme.example/battlecards/hooli")),
    Step(At(WED, "15:50"), RAJ, RaiseIssue("webinar", "Webinar leads not reaching CRM for 2 days")),
    Step(At(WED, "16:20"), CHLOE, AddToDigestByForm(
        "sales_content", "New case study: Stark Logistics onboarded 32% faster",
        "Three warehouses live in six weeks. Good for logistics and retail prospects.",
        "https://acme.example/customers/stark-logistics")),
    Step(At(WED, "17:15"), RAJ, LogMetric("meetings", "5")),
    # Thursday: the digest goes to #sales at 09:00; the CRM gap gets an owner.
    Step(At(THU, "09:20"), BEN, TakeOnCard("webinar")),
    Step(At(THU, "09:50"), BEN, StatusOnCard("webinar", Status.IN_PROGRESS)),
    Step(At(THU, "10:30"), ANA, CelebrateWin(
        "Globex renewed for 3 years, $240k ARR! "
        "Thanks {chloe} for the ROI deck and {ben} for the exec dinner")),
    Step(At(THU, "11:15"), CHLOE, LogFieldNote(
        "Initech: their CFO asked for usage-based pricing; Hooli offered it last month. "
        "Send the new price sheet once the pricing page is fixed.")),
    Step(At(THU, "14:00"), ANA, RaiseIssueByForm(
        "hipaa", "Umbrella Health needs a HIPAA one-pager before its security review",
        "Their CISO wants our HIPAA controls on one page before the review next Wednesday. "
        "200 seats hang on it.",
        "content_request", "high", CHLOE, due=At(NEXT_WED, "09:00"))),
    Step(At(THU, "15:00"), TOM, LogFieldNoteByForm(
        account="Stark Logistics", kind="customer_visit", went=(TOM, ANA),
        met="Dana Whitfield (VP Operations), Luis Romero (IT lead)",
        heard="Rolling out to three more warehouses next quarter if the SAP connector ships. "
              "Happy with support; onboarding took six weeks, not four.",
        competitors="Hooli, Vandelay Analytics",
        feedback="Wants bulk user import from CSV. The mobile app logs people out too often.",
        follow_ups=(("sap", "Send the SAP connector roadmap to Dana"),
                    ("reference", "Set up a reference call between Stark and Initech")),
        owner=ANA)),
    Step(At(THU, "16:30"), MAYA, RaiseIssueByForm(
        "battlecard", "Hooli battlecard still quotes their old pricing",
        "Two reps used it this week and got corrected by the prospect. Needs the 15% multi-year cut "
        "and the free pilot offer.",
        "competitor", "high", TOM, due=At(MON, "12:00"))),
    Step(At(THU, "17:15"), RAJ, LogMetric("meetings", "7")),
    # Friday: deals close, and the wins recap goes out at 16:00.
    Step(At(FRI, "10:00"), RAJ, CelebrateWin(
        "Booked a first meeting with Wayne Enterprises' Head of Logistics off the Stark case study. "
        "Thanks {chloe}!")),
    Step(At(FRI, "11:30"), MAYA, CelebrateWinByForm(
        "Umbrella Health signed for 200 seats after a two-month security review",
        (ANA, CHLOE), "closed_deal", "Umbrella Health", "180k", "USD")),
    Step(At(FRI, "13:45"), ANA, ReplyOnCard(
        "pricing",
        "Two prospects sent me screenshots of the old tiers this week. Can we fix it before month end?")),
    Step(At(FRI, "14:30"), TOM, LogFieldNote(
        "Umbrella Health: at the regional health-IT meetup their CISO praised our audit log; "
        "Vandelay Analytics was demoing an AI assistant at the next booth.")),
    Step(At(FRI, "17:10"), RAJ, LogMetric("meetings", "4")),
    # Monday: the CRM gap is closed and its leads counted; next week's digest starts filling.
    Step(At(MON, "09:30"), BEN, CloseIssue(
        "webinar", "The webinar tool's CRM token had expired. Re-synced 118 leads; they're in the CRM now.")),
    Step(At(MON, "09:40"), BEN, LogMetric("leads", "52", days_before_week=2)),
    Step(At(MON, "09:42"), BEN, LogMetric("leads", "47", days_before_week=1)),
    Step(At(MON, "10:15"), ANA, RaiseIssue(
        "soc2", "Initech procurement needs our SOC 2 report and a DPA before signing")),
    Step(At(MON, "10:40"), MAYA, AssignOnCard("soc2", CHLOE)),
    Step(At(MON, "11:30"), CHLOE, AddToDigestByForm(
        "event", "Customer roundtable in London with Globex, Initech and Stark",
        "Twelve seats left. Invite your champions by Friday; Tom has the guest list.")),
    Step(At(MON, "14:00"), TOM, LogFieldNote(
        "Globex: renewal kickoff call. They asked about bundling Analytics Pro; Hooli pitched a free pilot "
        "to their EU team. Ana to send a bundle quote this week.")),
    Step(At(MON, "15:00"), ANA, CelebrateWin(
        "Initech moved to contract after the ROI workshop. Thanks {tom} and {chloe} for running it!")),
    Step(At(MON, "16:00"), BEN, AddToDigest(
        "The new price list is in the sales drive; quotes on the old one hold until month end")),
    Step(At(MON, "17:15"), RAJ, LogMetric("meetings", "6")),
    # Tuesday: pricing is in progress, a new problem nobody owns yet, and the field team's win.
    Step(At(TUE, "09:40"), CHLOE, StatusOnCard("pricing", Status.IN_PROGRESS)),
    Step(At(TUE, "10:30"), RAJ, RaiseIssue(
        "demo", "Demo environment resets every night and loses prospect data")),
    Step(At(TUE, "11:15"), CHLOE, AddToDigestByForm(
        "key_issue", "The pricing page still shows last year's tiers",
        "Quote from the price list in the sales drive until it's fixed (see the tracker).")),
    Step(At(TUE, "14:20"), TOM, CelebrateWin(
        "RetailTech Live warm-up dinner: 38 conversations and 9 meetings booked for {raj} and {ana}")),
    Step(At(TUE, "15:30"), BEN, AddToDigestByForm(
        "campaign", "'Switch from Hooli' campaign starts Monday",
        "Emails and ads to 2,400 Hooli users in logistics and retail. Leads go to Raj first.",
        "https://acme.example/campaigns/switch-from-hooli")),
    Step(At(TUE, "17:15"), RAJ, LogMetric("meetings", "3")),
)
# fmt: on


# ------------------------------------------------------------------ playing it


def play_sample_week(stage: Stage, until: datetime) -> None:
    """Play a realistic week of sales and marketing working with Tandem, from stage.now() (7 days before
    `until`) to `until`."""
    week = PlayedWeek(stage, Week(stage.now(), until, stage.zone))
    week.set_up()
    moments = [(week.week.moment(step.at), n, step) for n, step in enumerate(WEEK)]
    exports = [(moment, -1, None) for moment in week.week.mornings()]
    for moment, _, step in sorted([*moments, *exports], key=lambda found: (found[0], found[1])):
        if moment > stage.now():
            stage.advance_to(moment)
        if step is None:
            week.import_yesterday()
        else:
            week.play(step)
    if until > stage.now():
        stage.advance_to(until)


@dataclass
class PlayedWeek:
    """The week as it is played: the stage, the issues raised so far by key, and checks on each step."""

    stage: Stage
    week: Week
    issues: dict[str, int] = field(default_factory=dict)
    step: str = "setting up"
    figures: dict[str, dict[date, float]] = field(default_factory=dict)

    # What an admin loads before people start

    def set_up(self) -> None:
        services, key = self.stage.services, self.stage.key
        people = services.people
        sources = {(TeamSourceKind.USERGROUP, group): team for group, team in TEAM_GROUPS.items()}
        people.apply_setup(key, ADMIN, sources, {})
        slack = self.stage.people.slack
        client = WebClient(token=slack.bot_token, base_url=slack.api_url, proxy=None, timeout=10)
        synced = sync_mapped_teams(client, people, key, bot_user_id=slack.bot_user_id)
        self.expect(all(s.error is None for s in synced), f"the team sync failed: {synced}")
        self.expect(len(people.members(key)) == len(PEOPLE), f"teams hold {people.members(key)}")
        services.metrics.load_definitions(key, parse_definitions(METRICS_YAML), ADMIN)
        first = self.week.start.astimezone(self.stage.zone).date()
        self.figures = history(first, self.week.until.astimezone(self.stage.zone).date())
        self.import_values(
            [first - timedelta(days=HISTORY_DAYS - n) for n in range(HISTORY_DAYS)], with_typed=True
        )

    def import_yesterday(self) -> None:
        self.step = f"the CRM export at {self.stage.now().isoformat()}"
        self.import_values([self.stage.now().astimezone(self.stage.zone).date() - timedelta(days=1)])

    def import_values(self, days: Sequence[date], *, with_typed: bool = False) -> None:
        """Figures for `days` loaded as an admin imports a CSV; `with_typed` adds those people type."""
        figures = {
            name: values for name, values in self.figures.items() if with_typed or name not in TYPED_BY_PEOPLE
        }
        text = values_csv(figures, days)
        if with_typed:  # the history of what people type, from the spreadsheet they kept before Tandem
            text += "".join(
                f"{day.isoformat()},{name},{_figure(self.figures[name][day])}\n"
                for day in days
                for name in sorted(TYPED_BY_PEOPLE)
                if day in self.figures[name]
            )
        metrics = self.stage.services.metrics
        check = metrics.check_import(self.stage.key, text, None, self.stage.zone)
        problems = [check.fatal] if check.fatal else [f"line {p.line}: {p.message}" for p in check.problems]
        self.expect(not problems, f"the import has problems: {'; '.join(problems[:5])}")
        if check.rows:
            metrics.import_values(self.stage.key, check, None)

    # People's steps

    def play(self, step: Step) -> None:
        self.step = f"{self.stage.now():%a %H:%M}, {_name(step.who)}: {step.does.describe()}"
        step.does.play(self, step.who, step.at)

    def command(self, who: str, channel: str, command: str, text: str) -> None:
        self.ok(self.stage.people.run_command(who, channel, command, text))
        self.stage.settle()

    def fill_form(
        self, who: str, channel: str, command: str, text: str, values: Mapping[str, Mapping[str, Any]]
    ) -> None:
        slack = self.stage.people.slack
        before = slack.open_modal(who)
        self.command(who, channel, command, text)
        form = slack.open_modal(who)
        self.expect(form is not None and form != before, f"`{command} {text}` opened no form")
        assert form is not None
        self.ok(self.stage.people.submit_view(who, form["id"], values))
        self.stage.settle()

    def act(self, who: str, action: Mapping[str, Any], card: Mapping[str, Any]) -> None:
        self.ok(self.stage.people.act(who, action, channel_id=TRACKER, message_ts=card["ts"]))
        self.stage.settle()

    # What the steps check

    def ok(self, outcome: Outcome) -> None:
        if not outcome.ok:
            said = outcome.problem or "; ".join(f"{k}: {v}" for k, v in outcome.errors.items())
            raise SampleWeekFailed(f"The sample week's step [{self.step}] failed: {said}")

    def expect(self, holds: bool, problem: str) -> None:
        if not holds:
            raise SampleWeekFailed(f"The sample week's step [{self.step}] went wrong: {problem}")

    def adds(self, model: Any) -> _Adds:
        return _Adds(self, model)

    def count(self, model: Any) -> int:
        with self.stage.services.database.transaction() as session:
            workspace = session.scalars(
                select(Workspace.id).where(Workspace.team_id == self.stage.key.team_id)
            )
            return int(
                session.scalar(
                    select(func.count()).select_from(model).where(model.workspace_id == workspace.one())
                )
                or 0
            )

    def found_issue(self, key: str, title: str) -> SharedIssue:
        with self.stage.services.database.transaction() as session:
            number = session.scalar(
                select(Issue.number)
                .join(Workspace)
                .where(Workspace.team_id == self.stage.key.team_id, Issue.title == title)
            )
        self.expect(number is not None, f"no issue titled {title!r} was raised")
        assert number is not None
        self.issues[key] = number
        issue = self.issue(key)
        self.expect(issue.card is not None, f"#{number} has no card in the tracker channel")
        return issue

    def number(self, key: str) -> int:
        return self.issues[key]

    def issue(self, key: str) -> SharedIssue:
        return self.stage.services.tracker.issue(self.stage.key, self.issues[key])

    def card(self, key: str) -> dict[str, Any]:
        block_id = f"issues.card:{self.number(key)}"
        for message in self.stage.people.slack.messages(TRACKER):
            if any(block.get("block_id") == block_id for block in message.get("blocks") or []):
                return message
        raise SampleWeekFailed(f"The sample week's step [{self.step}] found no card for #{self.number(key)}")

    def card_element(self, key: str, action_id: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
        """The card, and the block id and element of the button or menu people would use on it."""
        card = self.card(key)
        for block in card.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == action_id:
                    return card, str(block["block_id"]), element
        raise SampleWeekFailed(f"The sample week's step [{self.step}] found no {action_id} on the card")

    def metric_value(self, name: str, day: date) -> float | None:
        metric = self.stage.services.metrics.metric(self.stage.key, name)
        with self.stage.services.database.transaction() as session:
            return session.scalar(
                select(MetricValueRow.value).where(
                    MetricValueRow.metric_id == metric.id, MetricValueRow.day == day
                )
            )


@dataclass
class _Adds:
    """`with week.adds(WinRow): ...` checks the step stored one more row."""

    week: PlayedWeek
    model: Any
    before: int = 0

    def __enter__(self) -> None:
        self.before = self.week.count(self.model)

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            after = self.week.count(self.model)
            self.week.expect(
                after == self.before + 1, f"{self.model.__tablename__} holds {after}, not {self.before + 1}"
            )


def _name(user_id: str) -> str:
    return next(p.real_name for p in PEOPLE if p.user_id == user_id)
