"""The shared tracker in Slack: the issue card, the open list, the form (builder, ids and parser), help."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
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

from bot.blocks.text import Message, cut, day, escape, link, user, when
from bot.issues import (
    DETAILS_MAX,
    TITLE_MAX,
    Category,
    IssueDraft,
    IssueList,
    Priority,
    SharedIssue,
)

COMMAND = "/issue"
FORM = "issues.form"
RAISE_SHORTCUT = "issues.raise"
OPEN_FORM_ACTION = "issues.open_form"
LIST_LIMIT = 20  # two blocks an issue keeps a list inside Slack's 50 blocks a message

HELP = (
    ("/issue <title>", "raise an issue with that title at once"),
    ("/issue", "open the form: details, category, priority, owner and due date"),
    ("/issue new", "open the form"),
    ("/issue list", "the open issues, most urgent and oldest first"),
    ("/issue help", "this help"),
)

_PRIORITY_MARK = {
    Priority.LOW: ":white_circle:",
    Priority.NORMAL: ":large_blue_circle:",
    Priority.HIGH: ":large_orange_circle:",
    Priority.URGENT: ":red_circle:",
}


def issue_card(issue: SharedIssue, zone: ZoneInfo) -> Message:
    """The card posted to the tracker channel."""
    fields = [
        f"*Category*\n{issue.category.label}",
        f"*Priority*\n{_priority(issue.priority)}",
        f"*Status*\n{issue.status.label}",
        f"*Owner*\n{user(issue.owner_id) if issue.owner_id else '_Unassigned_'}",
        f"*Due*\n{day(issue.due_on) if issue.due_on else '_No due date_'}",
        f"*Raised by*\n{user(issue.raised_by)}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"#{issue.number} {issue.title}", emoji=False)),
        SectionBlock(fields=[MarkdownTextObject(text=field) for field in fields]),
    ]
    if issue.details:
        # plain_text: details show exactly as typed, with no formatting, links or pings.
        blocks.append(SectionBlock(text=PlainTextObject(text=cut(issue.details, 3000), emoji=False)))
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Raised {when(issue.raised_at, zone)} · Shared tracker")]
        )
    )
    return Message(text=f"{_summary(issue)}, raised by {user(issue.raised_by)}", blocks=blocks)


def open_issues_list(issues: IssueList, zone: ZoneInfo) -> Message:
    """The answer to `/issue list`: open issues, capped with "+N more"."""
    if issues.total == 0:
        text = "No open issues. Raise one with `/issue <title>`."
        return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"Open shared issues: {issues.total}")),
        *_issue_lines(issues, zone),
    ]
    return Message(text=f"{issues.total} open shared issues", blocks=blocks)


def _issue_lines(issues: IssueList, zone: ZoneInfo) -> list[Block]:
    blocks: list[Block] = []
    for issue in issues.shown:
        facts = [_priority(issue.priority), issue.category.label]
        facts.append(f"owner {user(issue.owner_id)}" if issue.owner_id else "unassigned")
        if issue.due_on:
            facts.append(f"due {day(issue.due_on)}")
        facts.append(f"raised {when(issue.raised_at, zone)} by {user(issue.raised_by)}")
        if issue.card and issue.card.permalink:
            facts.append(link(issue.card.permalink, "open card"))
        blocks += [
            SectionBlock(text=PlainTextObject(text=f"#{issue.number}  {issue.title}", emoji=False)),
            ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))]),
        ]
    if issues.not_shown:
        more = f"+{issues.not_shown} more open issues"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def raised_confirmation(issue: SharedIssue, already_raised: bool) -> Message:
    """What the person who raised an issue sees, only to them."""
    verb = "was already raised" if already_raised else "raised"
    where = f" {link(issue.card.permalink, 'See its card')}." if issue.card and issue.card.permalink else ""
    text = f":white_check_mark: #{issue.number} {escape(issue.title)} {verb}.{where}"
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def card_not_posted(issue: SharedIssue, channel: str | None, reason: str) -> Message:
    """The apology when the issue is saved but its card could not be posted."""
    text = (
        f":warning: #{issue.number} {escape(issue.title)} is saved and shows in `/issue list`, "
        f"but I couldn't post its card{f' to <#{channel}>' if channel else ''}: {reason}"
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def help_message() -> Message:
    lines = "\n".join(f"`{usage}`: {meaning}" for usage, meaning in HELP)
    text = f"*Shared tracker*: either team raises an issue, and nothing falls between chairs.\n{lines}"
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def notice(text: str) -> Message:
    """A one-line answer; `text` is mrkdwn we wrote, with any user text already escaped."""
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


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


# The form: one place for its ids, its builder and its parser.


@dataclass(frozen=True)
class FormOrigin:
    """Where the form was opened, so the confirmation can go back there."""

    response_url: str | None = None

    def dumps(self) -> str:
        return json.dumps({"response_url": self.response_url})

    @classmethod
    def loads(cls, metadata: str) -> FormOrigin:
        data = json.loads(metadata) if metadata else {}
        return cls(response_url=data.get("response_url"))


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
                initial_value=draft.title if draft else None,
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

    def value(field: str) -> Mapping[str, Any]:
        return values.get(_FIELD_BLOCKS[field], {}).get("value", {})

    def option(field: str) -> str | None:
        selected = value(field).get("selected_option")
        return str(selected["value"]) if selected else None

    due = value("due_on").get("selected_date")
    return IssueDraft(
        title=value("title").get("value") or "",
        details=value("details").get("value") or "",
        category=Category(option("category") or Category.OTHER),
        priority=Priority(option("priority") or Priority.NORMAL),
        owner_id=value("owner_id").get("selected_user"),
        due_on=date.fromisoformat(due) if due else None,
    )


def form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """Problems by field, keyed by the form's block ids, as `response_action: errors` wants."""
    return {_FIELD_BLOCKS[field]: message for field, message in problems.items()}


def _priority(priority: Priority) -> str:
    return f"{_PRIORITY_MARK[priority]} {priority.label}"


def _summary(issue: SharedIssue) -> str:
    return f"#{issue.number} {escape(issue.title)} ({issue.priority.label}, {issue.category.label})"
