"""App Home: your issues, issues you raised, overdue and open by team, your team, a filter, team setup,
this week's digest, your wins, field notes (yours and the team's this month), and the shared metrics.

Every section is capped with "+N more" so the whole view stays inside Slack's 100 blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import digest as digest_blocks
from bot.blocks import fieldnotes as fieldnote_blocks
from bot.blocks import metrics as metric_blocks
from bot.blocks import teams as team_blocks
from bot.blocks import wins as win_blocks
from bot.blocks.issues import CARD_ACTIONS, OPEN_FORM_ACTION, TAKE_ACTION
from bot.blocks.text import cut, day, link, user, when
from bot.digest import DigestItem, DigestRecord, DigestSettings, DigestWeek
from bot.fieldnotes import Found
from bot.issues import Board, IssueList, IssueView, Priority, SharedIssue
from bot.metrics import Metric, SnapshotSettings
from bot.people import MappedSource, Membership, Team
from bot.wins import PersonWins

FILTER_ACTION = "home.filter"
OVERVIEW = "overview"

VIEW_BLOCK_LIMIT = 100
BLOCKS_PER_ISSUE = 2  # the title (with "Take it" when nobody owns it) and a line of facts
# Header, intro, the actions row, a notice, your team (2), the admin part (2) and a divider.
TOP_BLOCKS = 9
DIGEST_BLOCKS = 1 + digest_blocks.HOME_BLOCKS  # a divider, then the digest's part at its largest
METRICS_BLOCKS = 1 + metric_blocks.HOME_BLOCKS  # a divider, then the metrics' part at its largest
WINS_BLOCKS = 1 + win_blocks.HOME_BLOCKS  # a divider, then the wins' part
FIELDNOTES_BLOCKS = 1 + fieldnote_blocks.HOME_BLOCKS  # a divider, then the field notes' part
# Everything but the issues.
PARTS_BLOCKS = TOP_BLOCKS + DIGEST_BLOCKS + WINS_BLOCKS + FIELDNOTES_BLOCKS + METRICS_BLOCKS
OVERVIEW_SECTIONS = 6  # yours, raised by you, overdue, raised by Sales, by Marketing, by others
SECTION_FRAME = 2  # a section's header, and its "+N more" or "nothing here" line
OVERVIEW_CAP = (VIEW_BLOCK_LIMIT - PARTS_BLOCKS - OVERVIEW_SECTIONS * SECTION_FRAME) // (
    OVERVIEW_SECTIONS * BLOCKS_PER_ISSUE
)
LIST_CAP = (VIEW_BLOCK_LIMIT - PARTS_BLOCKS - SECTION_FRAME) // BLOCKS_PER_ISSUE

_FILTERS = (
    IssueView.MINE,
    IssueView.RAISED,
    IssueView.OVERDUE,
    IssueView.SALES,
    IssueView.MARKETING,
    IssueView.OPEN,
    IssueView.ALL,
)
_PRIORITY_MARK = {
    Priority.LOW: ":white_circle:",
    Priority.NORMAL: ":large_blue_circle:",
    Priority.HIGH: ":large_orange_circle:",
    Priority.URGENT: ":red_circle:",
}
_EMPTY = {
    IssueView.MINE: "You own no open issues.",
    IssueView.RAISED: "You have no open issues raised.",
    IssueView.OVERDUE: "Nothing is overdue.",
    IssueView.SALES: "No open issues raised by Sales.",
    IssueView.MARKETING: "No open issues raised by Marketing.",
    IssueView.OPEN: "No open issues. Raise one with the button above.",
    IssueView.ALL: "No issues yet. Raise one with the button above.",
}


@dataclass(frozen=True)
class Overview:
    """The board: each of its lists, capped."""

    board: Board


@dataclass(frozen=True)
class Listing:
    """One list, chosen in the filter, shown as far as App Home allows."""

    view: IssueView
    issues: IssueList


@dataclass(frozen=True)
class TeamsAdmin:
    """What an admin sees of the teams: mapped sources and everyone Tandem knows the team of."""

    sources: Sequence[MappedSource] = ()
    members: Sequence[Membership] = ()


@dataclass(frozen=True)
class DigestPart:
    """This week's digest as one person sees it: its first items, and which of them they may change."""

    week: DigestWeek
    settings: DigestSettings
    record: DigestRecord
    items: Sequence[DigestItem]  # at most digest_blocks.HOME_ITEMS
    total: int
    changeable: frozenset[int]  # ids of the items shown that this person may edit or remove
    is_admin: bool = False


@dataclass(frozen=True)
class MetricsPart:
    """The shared metrics as one person sees them: what is watched, and the admins' buttons."""

    metrics: Sequence[Metric]
    settings: SnapshotSettings
    is_admin: bool = False


@dataclass(frozen=True)
class WinsPart:
    """One person's wins and thanks received, their DM choice, and whether they set wins up."""

    person: PersonWins
    wants_dms: bool
    is_admin: bool = False


@dataclass(frozen=True)
class FieldNotesPart:
    """One person's latest field notes, and the team's this month."""

    mine: Found
    this_month: Found


@dataclass(frozen=True)
class HomePage:
    """Everything one person's App Home shows."""

    team: Team | None
    shown: Overview | Listing
    admin: TeamsAdmin | None = None
    notice: str = ""
    """A short mrkdwn answer to what they just did, shown at the top once."""
    digest: DigestPart | None = None
    metrics: MetricsPart | None = None
    wins: WinsPart | None = None
    fieldnotes: FieldNotesPart | None = None


def home(page: HomePage, zone: ZoneInfo) -> View:
    """The App Home view; `private_metadata` remembers the list chosen in the filter."""
    chosen = page.shown.view if isinstance(page.shown, Listing) else None
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Tandem")),
        SectionBlock(
            text=MarkdownTextObject(
                text="Sales and marketing raise problems here early, and each gets an owner "
                "and a due date. `/issue <title>` raises one from anywhere."
            )
        ),
        ActionsBlock(
            block_id="home.actions",
            elements=[
                ButtonElement(text="Raise an issue", action_id=OPEN_FORM_ACTION, style="primary"),
                _filter(chosen),
            ],
        ),
    ]
    if page.notice:
        blocks.append(
            SectionBlock(block_id="home.notice", text=MarkdownTextObject(text=cut(page.notice, 3000)))
        )
    blocks += team_blocks.your_team(page.team)
    if page.admin is not None:
        blocks += team_blocks.admin_section(page.admin.sources, page.admin.members)
    blocks.append(DividerBlock())
    offered: set[int] = set()
    if isinstance(page.shown, Listing):
        blocks += _section(
            page.shown.view.label, page.shown.issues, zone, offered, empty=_EMPTY[page.shown.view]
        )
    else:
        board = page.shown.board
        for view, issues in (
            (IssueView.MINE, board.mine),
            (IssueView.RAISED, board.raised),
            (IssueView.OVERDUE, board.overdue),
            (IssueView.SALES, board.by_team.get(Team.SALES, IssueList((), 0))),
            (IssueView.MARKETING, board.by_team.get(Team.MARKETING, IssueList((), 0))),
        ):
            blocks += _section(
                _OVERVIEW_TITLES[view], issues, zone, offered, empty=_EMPTY[view], more_in=view
            )
        if page.shown.board.others.total:
            blocks += _section(
                "Raised by others", page.shown.board.others, zone, offered, empty="", more_in=IssueView.OPEN
            )
    if page.digest is not None:
        part = page.digest
        blocks.append(DividerBlock())
        blocks += digest_blocks.home_part(
            part.items[: digest_blocks.HOME_ITEMS],
            part.total,
            part.week,
            part.settings,
            part.record,
            lambda item: item.id in part.changeable,
            is_admin=part.is_admin,
        )
    if page.wins is not None:
        blocks.append(DividerBlock())
        blocks += win_blocks.home_part(page.wins.person, page.wins.wants_dms, is_admin=page.wins.is_admin)
    if page.fieldnotes is not None:
        blocks.append(DividerBlock())
        blocks += fieldnote_blocks.home_part(page.fieldnotes.mine, page.fieldnotes.this_month)
    if page.metrics is not None:
        blocks.append(DividerBlock())
        shared = page.metrics
        blocks += metric_blocks.home_part(shared.metrics, shared.settings, is_admin=shared.is_admin)
    return View(
        type="home",
        callback_id="home",
        private_metadata=chosen.value if chosen else OVERVIEW,
        blocks=blocks,
    )


_OVERVIEW_TITLES = {
    IssueView.MINE: "Your issues",
    IssueView.RAISED: "Issues you raised",
    IssueView.OVERDUE: "Overdue",
    IssueView.SALES: "Raised by Sales",
    IssueView.MARKETING: "Raised by Marketing",
}


def chosen_view(value: object) -> IssueView | None:
    """The list a filter value or a Home view's `private_metadata` names; None is the overview."""
    try:
        return IssueView(str(value))
    except ValueError:
        return None


def view_of(home_view: Mapping[str, Any] | None) -> IssueView | None:
    """The list an App Home view (as a block_actions payload carries it) was showing."""
    return chosen_view((home_view or {}).get("private_metadata"))


def _filter(chosen: IssueView | None) -> StaticSelectElement:
    overview = Option(value=OVERVIEW, text="Overview")
    options = [overview] + [Option(value=v.value, text=v.label) for v in _FILTERS]
    return StaticSelectElement(
        action_id=FILTER_ACTION,
        placeholder="Show",
        options=options,
        initial_option=next((o for o in options if chosen and o.value == chosen.value), overview),
    )


def _section(
    title: str,
    issues: IssueList,
    zone: ZoneInfo,
    offered: set[int],
    *,
    empty: str,
    more_in: IssueView | None = None,
) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=f"{title} ({issues.total})"))]
    for issue in issues.shown:
        blocks += _issue_line(issue, zone, offered)
    if issues.not_shown:
        where = f" Choose “{more_in.label}” in the filter to see them." if more_in else ""
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"+{issues.not_shown} more.{where}")]))
    elif not issues.shown:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=empty)]))
    return blocks


def _issue_line(issue: SharedIssue, zone: ZoneInfo, offered: set[int]) -> list[Block]:
    facts = [f"{_PRIORITY_MARK[issue.priority]} {issue.priority.label}", issue.status.label]
    facts.append(f"owner {user(issue.owner_id)}" if issue.owner_id else "_unassigned_")
    if issue.due_on:
        facts.append(f"due {day(issue.due_on)}")
    raiser = user(issue.raised_by)
    team = issue.raised_by_team
    facts.append(f"raised by {team.label} ({raiser})" if team else f"raised by {raiser}")
    facts.append(when(issue.raised_at, zone))
    if issue.card and issue.card.permalink:
        facts.append(link(issue.card.permalink, "open card"))
    title = PlainTextObject(text=f"#{issue.number}  {issue.title}", emoji=False)
    # "Take it" once per issue: a block id must be unique in a view, and the card's block id
    # (issues.card:<number>) tells the take listener which issue, as on the card itself.
    if issue.owner_id is None and issue.status.is_open and issue.number not in offered:
        offered.add(issue.number)
        section = SectionBlock(
            block_id=f"{CARD_ACTIONS}:{issue.number}",
            text=title,
            accessory=ButtonElement(text="Take it", action_id=TAKE_ACTION, value=str(issue.number)),
        )
    else:
        section = SectionBlock(text=title)
    return [section, ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))])]
