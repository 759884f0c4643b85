"""The shared tracker in Block Kit: the card and its buttons, lists, details, thread notes, the forms
(builders, ids and parsers) and help."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.forms import FormValues
from bot.blocks.text import Message, cut, day, escape, link, user, when
from bot.issues import (
    DETAILS_MAX,
    TITLE_MAX,
    Category,
    Comment,
    FieldChange,
    IssueDetails,
    IssueDraft,
    IssueList,
    IssueView,
    Priority,
    SharedIssue,
    Status,
)

COMMAND = "/issue"
FORM = "issues.form"
RAISE_SHORTCUT = "issues.raise"
RAISE_FROM_MESSAGE_SHORTCUT = "issues.raise_from_message"
OPEN_FORM_ACTION = "issues.open_form"

# The card's buttons and menus. The actions block's id carries the issue number ("issues.card:12"),
# since menus, unlike buttons, have no value of their own.
CARD_ACTIONS = "issues.card"
TAKE_ACTION = "issues.take"
ASSIGN_ACTION = "issues.assign"
STATUS_ACTION = "issues.status"
DUE_ACTION = "issues.due"
REOPEN_ACTION = "issues.reopen"
COMMENT_ACTION = "issues.comment"
DETAILS_ACTION = "issues.details"

# The Details modal, and what admins and the people who may change an issue do there.
DETAILS_VIEW = "issues.details_view"
DETAILS_ACTIONS = "issues.details"
PRIORITY_ACTION = "issues.priority"
DELETE_ACTION = "issues.delete"

COMMENT_FORM = "issues.comment_form"
COMMENT_BLOCK = "issues.comment_form.text"

LIST_LIMIT = 20  # two blocks an issue keeps a list inside Slack's 50 blocks a message
CARD_DETAILS_LIMIT = 700  # the card stays short in the channel; Details shows everything
SHOW_COMMENTS = 5  # `/issue show` is one ephemeral message: the latest few comments
SHOW_COMMENT_LIMIT = 600
MODAL_COMMENTS = 30  # two blocks a comment keeps the Details modal inside 100 blocks
HISTORY_LIMIT = 20

HELP = (
    ("/issue <title>", "raise an issue with that title at once"),
    ("/issue", "open the form: details, category, priority, owner and due date"),
    ("/issue new", "open the form (words after `new` become its title)"),
    (
        "/issue list [mine|raised|open|overdue|sales|marketing|all]",
        "list issues: open ones unless you name another list",
    ),
    ("/issue show 12", "an issue with its details, latest comments and history"),
    ("/issue assign 12 @person", "give an issue to someone"),
    ("/issue close 12 [note]", "resolve an issue, with an optional note"),
    ("/issue reopen 12", "open a closed issue again"),
    ("/issue export", "admins: every issue as a CSV file, sent to you in a direct message"),
    ("/issue help", "this help"),
)

LIST_FILTERS = tuple(view.value for view in IssueView)

_PRIORITY_MARK = {
    Priority.LOW: ":white_circle:",
    Priority.NORMAL: ":large_blue_circle:",
    Priority.HIGH: ":large_orange_circle:",
    Priority.URGENT: ":red_circle:",
}
_STATUS_MARK = {
    Status.OPEN: ":inbox_tray:",
    Status.IN_PROGRESS: ":hammer_and_wrench:",
    Status.BLOCKED: ":no_entry:",
    Status.RESOLVED: ":white_check_mark:",
    Status.WONT_FIX: ":heavy_minus_sign:",
}
_EMPTY_LISTS = {
    IssueView.OPEN: "No open issues. Raise one with `/issue <title>`.",
    IssueView.MINE: "You own no open issues. Take one from its card in the tracker channel.",
    IssueView.RAISED: "No open issues raised by you.",
    IssueView.OVERDUE: "Nothing is overdue.",
    IssueView.SALES: "No open issues raised by Sales.",
    IssueView.MARKETING: "No open issues raised by Marketing.",
    IssueView.ALL: "No issues yet. Raise one with `/issue <title>`.",
}


# The card


def issue_card(issue: SharedIssue, zone: ZoneInfo) -> Message:
    """The card posted to the tracker channel: the issue at a glance and the buttons to work it."""
    blocks = [*_summary(issue, zone, details_limit=CARD_DETAILS_LIMIT), _card_actions(issue)]
    return Message(text=_card_text(issue), blocks=blocks)


def number_in(action: Mapping[str, Any]) -> int | None:
    """The issue a card's or Details' button or menu acts on (its block id says)."""
    prefix, _, number = str(action.get("block_id") or "").partition(":")
    if prefix not in {CARD_ACTIONS, DETAILS_ACTIONS} or not number.isdigit():
        return None
    return int(number)


def _summary(issue: SharedIssue, zone: ZoneInfo, *, details_limit: int) -> list[Block]:
    team = f" · {issue.raised_by_team.label}" if issue.raised_by_team else ""
    fields = [
        f"*Status*\n{_STATUS_MARK[issue.status]} {issue.status.label}",
        f"*Priority*\n{_priority(issue.priority)}",
        f"*Owner*\n{user(issue.owner_id) if issue.owner_id else '_Unassigned_'}",
        f"*Due*\n{day(issue.due_on) if issue.due_on else '_No due date_'}",
        f"*Category*\n{issue.category.label}",
        f"*Raised by*\n{user(issue.raised_by)}{team}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"#{issue.number} {issue.title}", emoji=False)),
        SectionBlock(fields=[MarkdownTextObject(text=field) for field in fields]),
    ]
    if issue.details:
        # plain_text: details show exactly as typed, with no formatting, links or pings.
        shown = cut(issue.details, min(details_limit, 3000))
        blocks.append(SectionBlock(text=PlainTextObject(text=shown, emoji=False)))
    facts = [f"Raised {when(issue.raised_at, zone)}"]
    if issue.source_permalink:
        facts.append(link(issue.source_permalink, "from a message"))
    if not issue.status.is_open and issue.closed_at:
        facts.append(f"{issue.status.label} {when(issue.closed_at, zone)}")
    if comments := issue.comment_count:
        facts.append(f":speech_balloon: {comments} comment{'s' if comments != 1 else ''}")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))]))
    return blocks


def _card_actions(issue: SharedIssue) -> ActionsBlock:
    block_id = f"{CARD_ACTIONS}:{issue.number}"
    value = str(issue.number)
    comment = ButtonElement(text="Comment", action_id=COMMENT_ACTION, value=value)
    details = ButtonElement(text="Details", action_id=DETAILS_ACTION, value=value)
    if not issue.status.is_open:
        reopen = ButtonElement(text="Reopen", action_id=REOPEN_ACTION, value=value)
        return ActionsBlock(block_id=block_id, elements=[reopen, comment, details])
    elements: list[Any] = []
    if issue.owner_id is None:
        elements.append(ButtonElement(text="Take it", action_id=TAKE_ACTION, value=value, style="primary"))
    statuses = [Option(value=s.value, text=s.label) for s in Status]
    elements += [
        UserSelectElement(action_id=ASSIGN_ACTION, placeholder="Assign…"),
        StaticSelectElement(
            action_id=STATUS_ACTION,
            placeholder="Status",
            options=statuses,
            initial_option=next(o for o in statuses if o.value == issue.status.value),
        ),
        DatePickerElement(
            action_id=DUE_ACTION,
            placeholder="Due date",
            initial_date=issue.due_on.isoformat() if issue.due_on else None,
        ),
        comment,
        details,
    ]
    return ActionsBlock(block_id=block_id, elements=elements)


def _card_text(issue: SharedIssue) -> str:
    team = f" ({issue.raised_by_team.label})" if issue.raised_by_team else ""
    return f"{_headline(issue)} · {issue.status.label} · raised by {user(issue.raised_by)}{team}"


# What happened, said in the card's thread


def change_note(number: int, changes: Sequence[FieldChange], note: str = "") -> Message:
    """The thread reply under a card saying who changed what: "<@ana> took #12"."""
    lines = [f"{user(change.by)} {_change_phrase(number, change)}" for change in changes]
    text = "\n".join(lines)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if note.strip():
        blocks.append(SectionBlock(text=PlainTextObject(text=cut(note.strip(), 3000), emoji=False)))
        text += f": {escape(cut(note.strip(), 300))}"
    return Message(text=text, blocks=blocks)


def comment_note(number: int, by: str, text: str) -> Message:
    """The thread reply under a card carrying a comment made from its Comment button."""
    line = f"{user(by)} commented on #{number}"
    return Message(
        text=f"{line}: {escape(cut(text, 300))}",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"{line}:")),
            SectionBlock(text=PlainTextObject(text=cut(text, 3000), emoji=False)),
        ],
    )


def deleted_note(issue: SharedIssue, by: str) -> Message:
    return notice(f":wastebasket: {user(by)} deleted #{issue.number} {escape(issue.title)}.")


def raised_from_message_note(issue: SharedIssue) -> Message:
    """The reply in a message's thread once it has been raised as an issue."""
    name = f"#{issue.number} {issue.title}"
    where = link(issue.card.permalink, name) if issue.card and issue.card.permalink else escape(name)
    return notice(f":ticket: {user(issue.raised_by)} raised this as shared issue {where}.")


def change_done(issue: SharedIssue, changes: Sequence[FieldChange]) -> Message:
    """The answer to a command that changed an issue, only to the person who typed it."""
    phrases = "\n".join(f"You {_change_phrase(issue.number, change)}." for change in changes)
    card = f" {link(issue.card.permalink, 'See its card')}." if issue.card and issue.card.permalink else ""
    return notice(f":white_check_mark: {phrases}{card}")


def _change_phrase(number: int, change: FieldChange) -> str:
    match change.field:
        case "owner_id" if change.new == change.by:
            return f"took #{number}"
        case "owner_id" if change.new:
            return f"assigned #{number} to {user(change.new)}"
        case "owner_id":
            return f"unassigned #{number}"
        case "status" if change.new == Status.RESOLVED:
            return f"resolved #{number}"
        case "status" if change.new == Status.WONT_FIX:
            return f"closed #{number} as Won't fix"
        case "status" if change.new == Status.OPEN and change.old in {Status.RESOLVED, Status.WONT_FIX}:
            return f"reopened #{number}"
        case "status":
            return f"moved #{number} to {Status(str(change.new)).label}"
        case "due_on" if change.new:
            return f"set #{number}'s due date to {day(date.fromisoformat(change.new))}"
        case "due_on":
            return f"cleared #{number}'s due date"
        case "priority":
            return f"changed #{number}'s priority to {Priority(str(change.new)).label}"
        case _:
            return f"changed #{number}'s {change.field.replace('_', ' ')}"


# Lists


def issue_list(issues: IssueList, view: IssueView, zone: ZoneInfo) -> Message:
    """The answer to `/issue list [view]`: one page, capped with "+N more"."""
    if issues.total == 0:
        return notice(_EMPTY_LISTS[view])
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"{view.label}: {issues.total}")),
        *_issue_lines(issues, zone),
    ]
    return Message(text=f"{view.label}: {issues.total}", blocks=blocks)


def open_issues_list(issues: IssueList, zone: ZoneInfo) -> Message:
    """The open issues (what `/issue list` shows by default)."""
    return issue_list(issues, IssueView.OPEN, zone)


def unknown_list(asked: str) -> Message:
    filters = " · ".join(f"`{name}`" for name in LIST_FILTERS)
    return notice(
        f"I don't know the list `{escape(cut(asked, 40))}`. Try `/issue list` with one of: {filters}."
    )


def _issue_lines(issues: IssueList, zone: ZoneInfo) -> list[Block]:
    blocks: list[Block] = []
    for issue in issues.shown:
        facts = [_priority(issue.priority), issue.category.label]
        if issue.status is not Status.OPEN:
            facts.append(issue.status.label)
        facts.append(f"owner {user(issue.owner_id)}" if issue.owner_id else "unassigned")
        if issue.due_on:
            facts.append(f"due {day(issue.due_on)}")
        team = f" ({issue.raised_by_team.label})" if issue.raised_by_team else ""
        facts.append(f"raised {when(issue.raised_at, zone)} by {user(issue.raised_by)}{team}")
        if issue.card and issue.card.permalink:
            facts.append(link(issue.card.permalink, "open card"))
        blocks += [
            SectionBlock(text=PlainTextObject(text=f"#{issue.number}  {issue.title}", emoji=False)),
            ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))]),
        ]
    if issues.not_shown:
        more = f"+{issues.not_shown} more"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


# An issue in full: `/issue show` and the Details modal


def issue_details(details: IssueDetails, zone: ZoneInfo) -> Message:
    """The answer to `/issue show 12`: the card's content, details, latest comments and history."""
    issue = details.issue
    blocks = _summary(issue, zone, details_limit=3000)
    blocks += _comments(details.comments, zone, SHOW_COMMENTS, SHOW_COMMENT_LIMIT)
    blocks += _history(issue.number, details.changes, zone, limit=10)
    if issue.card and issue.card.permalink:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=link(issue.card.permalink, "Open its card"))])
        )
    return Message(text=f"{_headline(issue)} · {issue.status.label}", blocks=blocks)


def details_view(
    details: IssueDetails,
    zone: ZoneInfo,
    *,
    may_change: bool,
    may_delete: bool,
    notice_text: str | None = None,
) -> View:
    """The Details modal: everything about the issue, and its priority and deletion for those allowed."""
    issue = details.issue
    blocks: list[Block] = []
    if notice_text:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f":warning: {notice_text}")))
    blocks += _summary(issue, zone, details_limit=3000)
    elements: list[Any] = []
    if may_change:
        priorities = [Option(value=p.value, text=p.label) for p in Priority]
        elements.append(
            StaticSelectElement(
                action_id=PRIORITY_ACTION,
                placeholder="Priority",
                options=priorities,
                initial_option=next(o for o in priorities if o.value == issue.priority.value),
            )
        )
    if may_delete:
        elements.append(
            ButtonElement(
                text="Delete",
                action_id=DELETE_ACTION,
                value=str(issue.number),
                style="danger",
                confirm=ConfirmObject(
                    title=f"Delete #{issue.number}?",
                    text="The issue, its comments and its history go for good, and its card is removed.",
                    confirm="Delete",
                    deny="Keep it",
                    style="danger",
                ),
            )
        )
    if elements:
        blocks.append(ActionsBlock(block_id=f"{DETAILS_ACTIONS}:{issue.number}", elements=elements))
    blocks += _comments(details.comments, zone, MODAL_COMMENTS, 3000)
    blocks += _history(issue.number, details.changes, zone, limit=HISTORY_LIMIT)
    return View(
        type="modal",
        callback_id=DETAILS_VIEW,
        title=PlainTextObject(text=f"Issue #{issue.number}"),
        close=PlainTextObject(text="Close"),
        private_metadata=json.dumps({"number": issue.number}),
        blocks=blocks,
    )


def deleted_view(issue: SharedIssue, by: str) -> View:
    """What the Details modal shows once its issue is deleted."""
    return gone_view(issue.number, deleted_note(issue, by).text)


def gone_view(number: int, text: str) -> View:
    """The Details modal of an issue that no longer exists; `text` is mrkdwn we wrote."""
    return View(
        type="modal",
        callback_id=DETAILS_VIEW,
        title=PlainTextObject(text=f"Issue #{number}"),
        close=PlainTextObject(text="Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )


def _comments(comments: Sequence[Comment], zone: ZoneInfo, limit: int, each: int) -> list[Block]:
    if not comments:
        return []
    shown = comments[-limit:]
    blocks: list[Block] = [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*Comments*"))]
    if len(comments) > len(shown):
        earlier = len(comments) - len(shown)
        text = f"+{earlier} earlier comment{'s' if earlier != 1 else ''}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
    for comment in shown:
        blocks += [
            ContextBlock(
                elements=[MarkdownTextObject(text=f"{user(comment.by)} · {when(comment.at, zone)}")]
            ),
            SectionBlock(text=PlainTextObject(text=cut(comment.text, each), emoji=False)),
        ]
    return blocks


def _history(number: int, changes: Sequence[FieldChange], zone: ZoneInfo, *, limit: int) -> list[Block]:
    if not changes:
        return []
    lines = [
        f"{when(change.at, zone)} · {user(change.by)} {_change_phrase(number, change)}"
        for change in changes[-limit:]
    ]
    return [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=cut("*History*\n" + "\n".join(lines), 3000))),
    ]


# Raising


def raised_confirmation(issue: SharedIssue, already_raised: bool, note: str = "") -> Message:
    """What the person who raised an issue sees, only to them; `note` is mrkdwn we wrote."""
    verb = "was already raised" if already_raised else "raised"
    where = f" {link(issue.card.permalink, 'See its card')}." if issue.card and issue.card.permalink else ""
    text = f":white_check_mark: #{issue.number} {escape(issue.title)} {verb}.{where}"
    return notice(f"{text} {note}" if note else text)


def card_not_posted(issue: SharedIssue, channel: str | None, reason: str) -> Message:
    """The apology when the issue is saved but its card could not be posted."""
    return notice(
        f":warning: #{issue.number} {escape(issue.title)} is saved and shows in `/issue list`, "
        f"but I couldn't post its card{f' to <#{channel}>' if channel else ''}: {reason}"
    )


def draft_from_message(text: str) -> IssueDraft:
    """A draft raised from a message (its text already made plain): title from its first line."""
    text = text.strip()
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return IssueDraft(title=cut(first_line, TITLE_MAX), details=cut(text, DETAILS_MAX))


def help_message() -> Message:
    lines = "\n".join(f"`{usage}`: {meaning}" for usage, meaning in HELP)
    text = (
        "*Shared tracker*: either team raises an issue, and nothing falls between chairs.\n"
        f"{lines}\n"
        "Raise one from any message too: its *⋯* menu → *Raise as shared issue*. Work an issue from "
        "its card in the tracker channel, and reply in the card's thread to comment. "
        "`12` and `#12` both name issue 12."
    )
    return notice(text)


def notice(text: str) -> Message:
    """A one-line answer; `text` is mrkdwn we wrote, with any user text already escaped."""
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=cut(text, 3000)))])


def home(issues: IssueList, zone: ZoneInfo) -> View:
    """App Home: a button to raise an issue, and the open issues."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Shared tracker")),
        SectionBlock(
            text=MarkdownTextObject(
                text="Sales and marketing raise problems here early, and each gets an owner "
                "and a due date. `/issue <title>` raises one from anywhere."
            )
        ),
        ActionsBlock(
            elements=[ButtonElement(text="Raise an issue", action_id=OPEN_FORM_ACTION, style="primary")]
        ),
        DividerBlock(),
    ]
    if issues.total:
        blocks.append(HeaderBlock(text=PlainTextObject(text=f"Open issues: {issues.total}")))
        blocks += _issue_lines(issues, zone)
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="No open issues.")))
    return View(type="home", blocks=blocks)


# The raise form: one place for its ids, its builder and its parser.


@dataclass(frozen=True)
class FormOrigin:
    """Where the form was opened: where the confirmation goes, and the message it was raised from."""

    response_url: str | None = None
    source_channel: str | None = None
    source_thread_ts: str | None = None  # the thread to reply in under the source message
    source_permalink: str | None = None

    def dumps(self) -> str:
        fields = {
            "response_url": self.response_url,
            "source_channel": self.source_channel,
            "source_thread_ts": self.source_thread_ts,
            "source_permalink": self.source_permalink,
        }
        return json.dumps({name: value for name, value in fields.items() if value})

    @classmethod
    def loads(cls, metadata: str) -> FormOrigin:
        data = json.loads(metadata) if metadata else {}
        return cls(
            response_url=data.get("response_url"),
            source_channel=data.get("source_channel"),
            source_thread_ts=data.get("source_thread_ts"),
            source_permalink=data.get("source_permalink"),
        )


_FIELD_BLOCKS = {
    "title": "issues.form.title",
    "details": "issues.form.details",
    "category": "issues.form.category",
    "priority": "issues.form.priority",
    "owner_id": "issues.form.owner",
    "due_on": "issues.form.due",
}


def issue_form(origin: FormOrigin, draft: IssueDraft | None = None) -> View:
    """The modal for raising an issue, optionally prefilled."""
    categories = [Option(value=c.value, text=c.label) for c in Category]
    priorities = [Option(value=p.value, text=p.label) for p in Priority]
    chosen_priority = draft.priority if draft else Priority.NORMAL
    blocks: list[Block] = [
        _input(
            "title",
            "Title",
            PlainTextInputElement(
                action_id="value",
                max_length=TITLE_MAX,
                initial_value=draft.title if draft and draft.title else None,
                placeholder="What is wrong, in a few words",
            ),
        ),
        _input(
            "details",
            "Details",
            PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=DETAILS_MAX,
                initial_value=draft.details if draft and draft.details else None,
                placeholder="What happened, who it affects, what you need",
            ),
            optional=True,
        ),
        _input(
            "category",
            "Category",
            StaticSelectElement(
                action_id="value",
                placeholder="Choose a category",
                options=categories,
                initial_option=next(o for o in categories if draft and o.value == draft.category)
                if draft
                else None,
            ),
        ),
        _input(
            "priority",
            "Priority",
            StaticSelectElement(
                action_id="value",
                options=priorities,
                initial_option=next(o for o in priorities if o.value == chosen_priority),
            ),
        ),
        _input(
            "owner_id",
            "Owner",
            UserSelectElement(action_id="value", placeholder="Who will see it through"),
            optional=True,
        ),
        _input(
            "due_on",
            "Due date",
            DatePickerElement(action_id="value", placeholder="When it should be settled"),
            optional=True,
        ),
    ]
    if origin.source_permalink:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"The card will link to {link(origin.source_permalink, 'the message')}, "
                        "and I'll reply in its thread."
                    )
                ]
            )
        )
    return View(
        type="modal",
        callback_id=FORM,
        title=PlainTextObject(text="Raise an issue"),
        submit=PlainTextObject(text="Raise"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=origin.dumps(),
        blocks=blocks,
    )


def _input(field: str, label: str, element: Any, optional: bool = False) -> InputBlock:
    return InputBlock(block_id=_FIELD_BLOCKS[field], label=label, element=element, optional=optional)


def read_issue_form(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> IssueDraft:
    """The draft a submitted form holds (its `view.state.values`)."""

    form = FormValues(values, _FIELD_BLOCKS.__getitem__)
    value = form.value
    due = value("due_on").get("selected_date")
    return IssueDraft(
        title=value("title").get("value") or "",
        details=value("details").get("value") or "",
        category=Category(form.option("category") or Category.OTHER),
        priority=Priority(form.option("priority") or Priority.NORMAL),
        owner_id=value("owner_id").get("selected_user"),
        due_on=date.fromisoformat(due) if due else None,
    )


def form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """Problems by field, keyed by the form's block ids, as `response_action: errors` wants."""
    return {_FIELD_BLOCKS[field]: message for field, message in problems.items()}


# The comment form


def comment_form(issue: SharedIssue) -> View:
    """The modal the card's Comment button opens."""
    return View(
        type="modal",
        callback_id=COMMENT_FORM,
        title=PlainTextObject(text=cut(f"Comment on #{issue.number}", 24)),
        submit=PlainTextObject(text="Comment"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"number": issue.number}),
        blocks=[
            SectionBlock(text=PlainTextObject(text=f"#{issue.number} {issue.title}", emoji=False)),
            InputBlock(
                block_id=COMMENT_BLOCK,
                label="Comment",
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=DETAILS_MAX,
                    placeholder="What's new, what you need, what you found",
                ),
            ),
        ],
    )


def read_comment_form(view: Mapping[str, Any]) -> tuple[int, str]:
    """The issue number and the comment a submitted comment form holds."""
    number = int(json.loads(view.get("private_metadata") or "{}")["number"])
    entered = view["state"]["values"].get(COMMENT_BLOCK, {}).get("value", {}).get("value")
    return number, str(entered or "")


def _priority(priority: Priority) -> str:
    return f"{_PRIORITY_MARK[priority]} {priority.label}"


def _headline(issue: SharedIssue) -> str:
    return f"#{issue.number} {escape(issue.title)} ({issue.priority.label}, {issue.category.label})"
