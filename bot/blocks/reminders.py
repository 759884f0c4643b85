"""The daily reminder, a direct message: the reader's late or quiet issues and, for admins, the issues
nobody owns yet; each linked to its card, cut with "+N more" inside Slack's 50 blocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.text import Message, day, escape, link, user, when
from bot.issues import IssueList, SharedIssue

MESSAGE_BLOCKS = 50
# Two blocks an issue. Both lists: header, two titles, divider, two "+N more" and footer around 15
# of the reader's own and 6 unowned make 49 blocks; one list of 22 makes 48.
MINE_LIMIT = 15
UNOWNED_LIMIT = 6
ALONE_LIMIT = 22

_Why = Callable[[SharedIssue], list[str]]


def reminder(
    mine: IssueList,
    unowned: IssueList,
    *,
    today: date,
    zone: ZoneInfo,
) -> Message:
    """One person's reminder: `mine` (late or quiet issues they own) and `unowned` (for admins)."""
    if not mine.total and not unowned.total:
        raise ValueError("a reminder needs something to remind of")
    both = bool(mine.total) and bool(unowned.total)
    blocks: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(text="Issues waiting on you" if mine.total else "Issues without an owner")
        )
    ]
    if mine.total:
        title = f"*{_count(mine.total, 'of your issues needs', 'of your issues need')} a look* "
        title += "(past due, or no update for a while)"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=title)))
        blocks += _listing(mine, MINE_LIMIT if both else ALONE_LIMIT, lambda i: _why_mine(i, today, zone))
    if both:
        blocks.append(DividerBlock())
    if unowned.total:
        title = f"*{_count(unowned.total, 'shared issue has', 'shared issues have')} no owner* "
        title += "(you are one of Tandem's admins)"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=title)))
        blocks += _listing(unowned, UNOWNED_LIMIT if both else ALONE_LIMIT, lambda i: _why_unowned(i, zone))
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text="Update an issue from its card to quiet this reminder.")]
        )
    )
    assert len(blocks) <= MESSAGE_BLOCKS
    parts = []
    if mine.total:
        parts.append(f"{_count(mine.total, 'of your issues needs', 'of your issues need')} a look")
    if unowned.total:
        parts.append(f"{_count(unowned.total, 'shared issue has', 'shared issues have')} no owner")
    return Message(text="Tandem: " + "; ".join(parts) + ".", blocks=blocks)


def _listing(issues: IssueList, limit: int, why: _Why) -> list[Block]:
    blocks: list[Block] = []
    shown = issues.shown[:limit]
    for issue in shown:
        blocks += [
            SectionBlock(text=MarkdownTextObject(text=_reference(issue))),
            ContextBlock(elements=[MarkdownTextObject(text=" · ".join(why(issue)))]),
        ]
    if issues.total > len(shown):
        more = f"+{issues.total - len(shown)} more"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def _reference(issue: SharedIssue) -> str:
    label = f"#{issue.number} {issue.title}"
    if issue.card and issue.card.permalink:
        return link(issue.card.permalink, label)
    return escape(label)


def _why_mine(issue: SharedIssue, today: date, zone: ZoneInfo) -> list[str]:
    facts = [issue.priority.label, issue.status.label]
    if issue.due_on is not None and issue.due_on < today:
        late = (today - issue.due_on).days
        facts.append(f"due {day(issue.due_on)}, {_count(late, 'day', 'days')} late")
    if issue.updated_at is not None:
        quiet = (today - issue.updated_at.astimezone(zone).date()).days  # in calendar days, as people count
        if quiet >= 1:
            facts.append(f"no update for {_count(quiet, 'day', 'days')}")
    return facts


def _why_unowned(issue: SharedIssue, zone: ZoneInfo) -> list[str]:
    return [issue.priority.label, f"raised {when(issue.raised_at, zone)} by {user(issue.raised_by)}"]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
