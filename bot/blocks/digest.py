"""The Thursday digest in Block Kit: the posted digest and its thread, the preview, the owner's approval
messages, the reminder, lists of the week's items, the item and settings forms (builders, ids, parsers)
and help."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.forms import (
    WEEKDAY_NAMES,
    FormValues,
    channel_input,
    settings_modal,
    switch,
    time_input,
    weekday_input,
)
from bot.blocks.text import (
    Message,
    block_size,
    context,
    cut,
    day,
    escape,
    fit,
    is_user,
    json_length,
    link,
    user,
    when,
)
from bot.digest import (
    DETAIL_LINES_MAX,
    DETAIL_MAX,
    HEADLINE_MAX,
    Composed,
    DigestEntry,
    DigestItem,
    DigestRecord,
    DigestSection,
    DigestSettings,
    DigestStatus,
    DigestWeek,
    ItemDraft,
    Section,
    SettingsChange,
)

COMMAND = "/digest"
FORM = "digest.form"
ADD_FROM_MESSAGE_SHORTCUT = "digest.add_from_message"
OPEN_FORM_ACTION = "digest.open_form"  # "Add an item": the reminder, lists and App Home
LIST_BLOCK = "digest.list"  # the list's "Add an item": the list is redrawn once the item is added
REMINDER_BLOCK = "digest.reminder"
PREVIEW_ACTION = "digest.preview"  # App Home's "Preview"

# An item's menu in lists, App Home and the items modal. Its section's block id carries the item id
# ("digest.item:12"); the options say what to do with it ("edit:12", "remove:12").
ITEM_BLOCK = "digest.item"
ITEM_MENU_ACTION = "digest.item_menu"
ITEMS_VIEW = "digest.items"  # the modal "Edit items" opens from the owner's approval message

# The owner's approval message (and the held notice): the buttons carry the week they decide.
DECISION_BLOCK = "digest.decision"
SEND_NOW_ACTION = "digest.send_now"
EDIT_ITEMS_ACTION = "digest.edit_items"
SKIP_ACTION = "digest.skip"

PREVIEW_VIEW = "digest.preview_view"
OPEN_SETTINGS_ACTION = "digest.open_settings"
SETTINGS_FORM = "digest.settings"

HELP = (
    ("/digest add", "open the form: section, headline, a few lines of detail and a link"),
    ("/digest add <text>", "add a quick item to “Other news”"),
    ("/digest list", "this week's items; edit or remove yours (editors: anyone's)"),
    ("/digest preview", "the digest as it would be posted now, only to you"),
    ("/digest send", "editors: post this week's digest now (the scheduled run then does nothing)"),
    ("/digest history", "past digests, with links"),
    ("/digest help", "this help"),
)

# Slack's limits, and what the digest keeps of them.
MESSAGE_BLOCKS = 50
SECTION_TEXT = 3000
# A message's blocks, as JSON: Slack refuses about 12,000 characters (msg_blocks_too_long).
MESSAGE_SIZE = 11_000
# Blocks and JSON characters around the digest's sections: its header and intro, and two for what a
# message adds around it (a late line; a preview or approval note and the approval buttons).
FRAME_BLOCKS = 4
SECTION_CAP = 5  # entries a section shows in the digest; the rest go in the thread below
ENTRIES_CAP = 24  # entries the digest shows in all, so each keeps room for a few lines
ENTRY_SIZE = 1_200  # JSON characters one entry takes at most in the digest
THREAD_ENTRY_SIZE = 1_400  # in the thread, where there is room for most of an item's detail
THREAD_MESSAGES = 10  # replies under one digest at most: past that, a count
TITLE_MAX = 100  # a section's title as a source names it
LIST_LIMIT = 15  # items an ephemeral list shows: one block each, with room for their text
HOME_ITEMS = 8  # items App Home shows
HOME_BLOCKS = 4 + HOME_ITEMS  # header, status, buttons, items, and a "+N more" or "nothing yet" line
MODAL_ITEMS = 90  # items the modal shows, inside a modal's 100 blocks
HISTORY_LIMIT = 12

_FAILURES = {
    "not_in_channel": "Tandem isn't in that channel. Invite it with `/invite @Tandem` in {channel}, "
    "then try again.",
    "channel_not_found": "that channel doesn't exist or Tandem can't see it. An admin can choose "
    "another in App Home → Digest settings.",
    "is_archived": "that channel is archived. An admin can choose another in App Home → Digest settings.",
    "no_channel": "no channel is set for the digest. An admin can set one in App Home → Digest settings.",
    "ratelimited": "Slack asked Tandem to slow down. Try again in a minute.",
}


# The digest as posted, and its thread


def digest_message(composed: Composed, *, late: bool = False, shown_on: DigestWeek | None = None) -> Message:
    """The digest posted to sales (dated `shown_on`, else its own week): its sections, each capped,
    the rest left for the thread below."""
    week = shown_on or composed.week
    top = [_late_line()] if late else []
    if composed.is_empty:
        return _empty(week, top)
    return Message(text=_summary(composed, week), blocks=_digest_blocks(composed, week, top=top))


def digest_thread_replies(composed: Composed) -> list[Message]:
    """The entries the digest left out, as replies under it, in at most THREAD_MESSAGES messages."""
    plan = _plan(composed.sections)
    pieces: list[tuple[Block, str, int]] = []  # a block, its section's title, entries it counts
    for index, section in enumerate(composed.sections):
        rest = section.entries[plan.shown[index] :] if index < plan.fitting else section.entries
        if not rest and (index < plan.fitting or not section.not_included):
            continue  # all shown in the digest, or counted there ("+N more")
        title = cut(section.title, TITLE_MAX)
        heading = SectionBlock(text=MarkdownTextObject(text=f"*{escape(title)}* (continued)"))
        pieces.append((heading, title, 0))
        pieces += [(_entry_block(entry, THREAD_ENTRY_SIZE), title, 1) for entry in rest]
        if section.not_included:
            pieces.append((context(f"+{section.not_included} more not listed here."), title, 0))
    messages: list[list[tuple[Block, str, int]]] = []
    size = 0
    for piece in pieces:
        grown = block_size(piece[0])
        # A message keeps room for one more line, in case the thread must end with "+N more".
        if not messages or len(messages[-1]) + 2 > MESSAGE_BLOCKS or size + grown > MESSAGE_SIZE - 300:
            messages.append([])
            size = 0
        messages[-1].append(piece)
        size += grown
    replies = []
    for number, message in enumerate(messages[:THREAD_MESSAGES], start=1):
        blocks = [block for block, _, _ in message]
        if number == THREAD_MESSAGES and len(messages) > THREAD_MESSAGES:
            left = sum(counted for later in messages[THREAD_MESSAGES:] for _, _, counted in later)
            blocks.append(
                context(f"+{left} more not listed here: App Home and `/digest list` show the items.")
            )
        titles = list(dict.fromkeys(title for _, title, _ in message))
        replies.append(Message(text=_continued(titles), blocks=blocks))
    return replies


def empty_digest_message(week: DigestWeek, *, late: bool = False) -> Message:
    """The short note an empty week posts (unless the workspace turned it off)."""
    return _empty(week, [_late_line()] if late else [])


def _late_line() -> ContextBlock:
    return context(":hourglass: Posted late: Tandem was offline at the scheduled time.")


def _empty(week: DigestWeek, top: Sequence[Block], lead: Sequence[Block] = ()) -> Message:
    blocks: list[Block] = [
        *lead,
        HeaderBlock(text=PlainTextObject(text=_title(week))),
        context(_on_day(week)),
        *top,
        SectionBlock(text=MarkdownTextObject(text=":sparkles: Nothing new this week.")),
    ]
    return Message(text=f"{_title(week)} for {day(week.send_on)}: nothing new this week.", blocks=blocks)


def _digest_blocks(
    composed: Composed,
    week: DigestWeek,
    *,
    lead: Sequence[Block] = (),
    top: Sequence[Block] = (),
    bottom: Sequence[Block] = (),
) -> list[Block]:
    """The digest's blocks with up to two of a message's own, within Slack's limits: `lead` above
    its header, `top` under its intro, `bottom` after it."""
    if len(lead) + len(top) + len(bottom) > FRAME_BLOCKS - 2:
        raise ValueError("a digest message adds at most two blocks of its own")
    plan = _plan(composed.sections)
    shown_sections = composed.sections[: plan.fitting]
    head: list[Block] = [
        *lead,
        HeaderBlock(text=PlainTextObject(text=_title(week))),
        context(f"{_on_day(week)} · What sales should know this week."),
        *top,
    ]
    headings: list[Block] = []
    mores: list[Block | None] = []
    for section, shown in zip(shown_sections, plan.shown, strict=True):
        title = escape(cut(section.title, TITLE_MAX))
        headings.append(SectionBlock(text=MarkdownTextObject(text=f"*{title}* ({section.total})")))
        rest = section.total - shown
        in_thread = " in the thread below" if len(section.entries) > shown else ""
        mores.append(context(f"+{rest} more{in_thread}") if rest else None)
    tail: list[Block] = []
    left_out = composed.sections[plan.fitting :]
    if left_out:
        titles = ", ".join(escape(cut(s.title, 40)) for s in left_out[:5])
        tail.append(context(f"+{len(left_out)} more sections in the thread below: {titles}"))
    tail += bottom
    frame = head + headings + [b for b in mores if b is not None] + tail
    room = (MESSAGE_SIZE - sum(block_size(b) for b in frame)) // max(1, sum(plan.shown))
    allowance = min(ENTRY_SIZE, room)
    blocks = list(head)
    for section, shown, heading, more in zip(shown_sections, plan.shown, headings, mores, strict=True):
        blocks.append(heading)
        blocks += [_entry_block(entry, allowance) for entry in section.entries[:shown]]
        if more is not None:
            blocks.append(more)
    return blocks + tail


@dataclass(frozen=True)
class _Plan:
    fitting: int  # the first sections the digest shows; the rest go to the thread whole
    shown: tuple[int, ...]  # entries each of those shows


def _plan(sections: Sequence[DigestSection]) -> _Plan:
    """Which sections the digest shows, and how many entries of each.

    Each section shown takes its title, its entries and a "+N more" line. Entries are dealt one
    round at a time, so a short section leaves its room to a long one.
    """
    room = MESSAGE_BLOCKS - FRAME_BLOCKS
    fitting = len(sections)
    if fitting * 3 > room:  # not even one entry each: the last sections go to the thread
        fitting = (room - 1) // 3
    free = min(ENTRIES_CAP, room - 2 * fitting - (1 if fitting < len(sections) else 0))
    wanted = [min(len(s.entries), SECTION_CAP) for s in sections[:fitting]]
    shown = [0] * fitting
    dealt = True
    while free > 0 and dealt:
        dealt = False
        for index, want in enumerate(wanted):
            if free > 0 and shown[index] < want:
                shown[index] += 1
                free -= 1
                dealt = True
    return _Plan(fitting, tuple(shown))


def _entry_block(entry: DigestEntry, allowance: int) -> SectionBlock:
    facts = []
    if entry.note:
        facts.append(escape(cut(entry.note, 80)))
    if entry.owner and is_user(entry.owner):
        facts.append(f"owner {user(entry.owner)}")
    if entry.due_on:
        facts.append(f"due {day(entry.due_on)}")
    if entry.by and is_user(entry.by):
        facts.append(f"by {user(entry.by)}")
    return _fitted_section(entry.headline, entry.link, entry.detail, facts, allowance)


def _summary(composed: Composed, week: DigestWeek) -> str:
    counts = ", ".join(f"{escape(cut(s.title, TITLE_MAX))} ({s.total})" for s in composed.sections)
    return cut(f"{_title(week)} for {day(week.send_on)}: {counts}", 3000)


def _continued(titles: Sequence[str]) -> str:
    return cut("More of the digest: " + ", ".join(escape(t) for t in titles), 3000)


# Previews, the owner's approval, and what happened


def digest_preview(
    composed: Composed,
    week: DigestWeek,
    record: DigestRecord,
    *,
    channel: str | None = None,
    empty_note: bool = True,
) -> Message:
    """`/digest preview`: the digest as it would be posted now, with where, when and how it stands."""
    where = f" to <#{channel}>" if channel else ""
    lines = [
        f":eyes: *Preview*, only for you: this is what will be posted {when(week.send_at, week.zone)}{where}."
    ]
    if channel is None:
        lines.append(":warning: No channel is set for the digest, so nothing will be posted.")
    status = _status_line(record)
    if status:
        lines.append(status)
    note = SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))
    if composed.is_empty:
        if not empty_note:
            text = "Nothing would be posted: there is nothing this week, and the empty-week note is off."
            return Message(text=text, blocks=[note, context(text)])
        empty = _empty(week, [], lead=[note])
        return Message(text=f"Preview: {empty.text}", blocks=empty.blocks)
    blocks = _digest_blocks(composed, week, lead=[note])
    return Message(text=f"Preview: {_summary(composed, week)}", blocks=blocks)


def preview_view(preview: Message) -> View:
    """The preview in a modal, for App Home's "Preview" (App Home has no channel to answer in)."""
    return View(
        type="modal",
        callback_id=PREVIEW_VIEW,
        title=PlainTextObject(text="Digest preview"),
        close=PlainTextObject(text="Close"),
        blocks=list(preview.blocks),
    )


def approval_request(composed: Composed, week: DigestWeek) -> Message:
    """The direct message to the digest's owner before the send time, when approval is on."""
    note = SectionBlock(
        text=MarkdownTextObject(
            text=f":raising_hand: This week's digest goes out {when(week.send_at, week.zone)} and waits "
            "for your approval. Send it now, edit its items, or skip this week. "
            "Nobody approving it by then holds it."
        )
    )
    buttons = _decision_buttons(week)
    if composed.is_empty:
        empty = _empty(week, [], lead=[note])
        return Message(text=f"Waiting for your approval: {empty.text}", blocks=[*empty.blocks, buttons])
    blocks = _digest_blocks(composed, week, lead=[note], bottom=[buttons])
    return Message(text=f"Waiting for your approval: {_summary(composed, week)}", blocks=blocks)


def held_notice(week: DigestWeek) -> Message:
    """To the owner when the send time came with approval on and nobody approved: it waits."""
    text = (
        f":pause_button: The {_title(week)} is held: approval is on, and nobody approved it by "
        f"{when(week.send_at, week.zone)}. It goes out when an editor sends it."
    )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), _decision_buttons(week)]
    )


def week_in(action: Mapping[str, Any]) -> str | None:
    """The week a decision button decides ("2026-W48")."""
    value = str(action.get("value") or "")
    return value or None


def _decision_buttons(week: DigestWeek) -> ActionsBlock:
    return ActionsBlock(
        block_id=DECISION_BLOCK,
        elements=[
            ButtonElement(text="Send now", action_id=SEND_NOW_ACTION, value=week.key, style="primary"),
            ButtonElement(text="Edit items", action_id=EDIT_ITEMS_ACTION, value=week.key),
            ButtonElement(
                text="Skip this week",
                action_id=SKIP_ACTION,
                value=week.key,
                style="danger",
                confirm=ConfirmObject(
                    title="Skip this week?",
                    text="Nothing is posted this week. Items added from now on go into next week's digest.",
                    confirm="Skip it",
                    deny="Keep it",
                    style="danger",
                ),
            ),
        ],
    )


def decided(week: DigestWeek, line: str) -> Message:
    """The approval message once someone decided: `line` (mrkdwn we wrote) says who did what."""
    text = f"{_title(week)} for {day(week.send_on)}: {line}"
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))])


def sent_line(by: str | None, record: DigestRecord) -> str:
    """Who sent the digest (None: the schedule did), where, with a link to it."""
    where = f" to <#{record.channel}>" if record.channel else ""
    see = f": {link(record.permalink, 'see it')}" if record.permalink else ""
    who = f"{user(by)} sent it" if by and is_user(by) else "It was posted on schedule"
    return f":white_check_mark: {who}{where}{see}."


def skipped_line(by: str | None) -> str:
    who = f"{user(by)} skipped it" if by and is_user(by) else "It was skipped"
    return f":fast_forward: {who}: nothing is posted this week."


def send_answer(
    outcome: str,
    record: DigestRecord,
    problem: str | None,
    channel: str | None,
    *,
    following: DigestWeek | None = None,
) -> Message:
    """What the person who sent the digest hears, for each outcome of posting it; `following`, the
    week items added now go into when this week's is done."""
    answer = _send_answer(outcome, record, problem, channel)
    if following is None or outcome not in {"already", "skipped"}:
        return answer
    return notice(
        f"{answer.text} Items added now go into the next one, due {when(following.send_at, following.zone)}."
    )


def _send_answer(outcome: str, record: DigestRecord, problem: str | None, channel: str | None) -> Message:
    where = f"<#{record.channel or channel}>" if (record.channel or channel) else "the sales channel"
    see = f" {link(record.permalink, 'See it')}." if record.permalink else ""
    match outcome:
        case "sent":
            return notice(f":white_check_mark: This week's digest is posted in {where}.{see}")
        case "already":
            by = f" by {user(record.sent_by)}" if record.sent_by and is_user(record.sent_by) else ""
            at = f" {when(record.sent_at)}" if record.sent_at else ""
            return notice(f":information_source: This week's digest was already posted{by}{at}.{see}")
        case "failed":
            return notice(
                f":warning: I couldn't post the digest to {where}: {failure_reason(problem, where)}"
            )
        case "busy":
            return notice(
                f":hourglass_flowing_sand: The digest is being posted right now. Look in {where} in a moment."
            )
        case "skipped":
            by = f" by {user(record.decided_by)}" if record.decided_by and is_user(record.decided_by) else ""
            return notice(f":fast_forward: This week's digest was skipped{by}, so nothing is posted.")
        case "nothing":
            return notice("Nothing to post: there is nothing this week, and the empty-week note is off.")
        case _:
            return notice(f"The digest: {escape(outcome)}.")


def failure_reason(problem: str | None, where: str) -> str:
    """Slack's refusal to post, in words the person can act on."""
    if problem in _FAILURES:
        return _FAILURES[problem].format(channel=where)
    shown = f"Slack said `{escape(cut(problem, 60))}`" if problem else "Slack refused it"
    return f"{shown}. Try again in a moment."


def post_failed_notice(problem: str, channel: str | None, week: DigestWeek) -> Message:
    """To the digest's owner and admins: the digest could not be posted, and is kept for a retry."""
    where = f"<#{channel}>" if channel else "the sales channel"
    text = (
        f":warning: I couldn't post the {_title(week)} to {where}: {failure_reason(problem, where)} "
        "It is kept: once that is fixed, an editor can post it with `/digest send`."
    )
    return notice(text)


def collection_reminder(count: int, week: DigestWeek, by_section: Mapping[Section, int]) -> Message:
    """To marketing, the day before: what the digest holds so far, and a button to add to it."""
    so_far = f"{count} item{'s' if count != 1 else ''} so far" if count else "nothing yet"
    lines = [f":memo: *The {_title(week)} goes to sales {when(week.send_at, week.zone)}*: {so_far}."]
    if by_section:
        lines.append(
            " · ".join(f"{section.label} {n}" for section in Section if (n := by_section.get(section, 0)))
        )
    lines.append("What should sales know? Add it with the button or `/digest add`.")
    return Message(
        text=f"The {_title(week)} goes to sales on {day(week.send_on)}: {so_far}. "
        "Add yours with /digest add.",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
            ActionsBlock(
                block_id=REMINDER_BLOCK,
                elements=[ButtonElement(text="Add an item", action_id=OPEN_FORM_ACTION, style="primary")],
            ),
        ],
    )


def history_message(records: Sequence[DigestRecord]) -> Message:
    """`/digest history`: past digests, newest first, each linked."""
    if not records:
        return notice("No digest has been posted yet.")
    text = "*Past digests*"
    for index, record in enumerate(records):
        line = _history_line(record)
        if len(text) + 1 + len(line) + 40 > SECTION_TEXT:
            text += f"\n+{len(records) - index} earlier"
            break
        text += "\n" + line
    return Message(
        text=f"Past digests: {len(records)}", blocks=[SectionBlock(text=MarkdownTextObject(text=text))]
    )


def _history_line(record: DigestRecord) -> str:
    at = when(record.sent_at) if record.sent_at else record.week
    by = f"sent by {user(record.sent_by)}" if record.sent_by and is_user(record.sent_by) else "on schedule"
    late = " (late)" if record.late else ""
    where = f" in <#{record.channel}>" if record.channel else ""
    items = f"{record.item_count} item{'s' if record.item_count != 1 else ''}"
    see = f" · {link(record.permalink, 'open')}" if record.permalink else ""
    return f"{at} · {items} · {by}{late}{where}{see}"


def _status_line(record: DigestRecord) -> str:
    by = f" by {user(record.decided_by)}" if record.decided_by and is_user(record.decided_by) else ""
    match record.status:
        case DigestStatus.APPROVED:
            return f":white_check_mark: Approved{by}: it goes out at the send time."
        case DigestStatus.HELD:
            return ":pause_button: Held: approval is on and nobody has approved it yet."
        case DigestStatus.SKIPPED:
            return f":fast_forward: Skipped this week{by}: nothing will be posted."
        case DigestStatus.FAILED:
            problem = f" (`{escape(cut(record.problem, 60))}`)" if record.problem else ""
            return f":warning: Posting it failed{problem}. It is kept for another try."
        case DigestStatus.SENT:
            see = f": {link(record.permalink, 'see it')}" if record.permalink else ""
            return f":white_check_mark: Already posted{see}."
        case _:
            return ""


# The week's items: lists, App Home's part, and the items modal


def item_list(
    items: Sequence[DigestItem],
    week: DigestWeek,
    viewer_may_change: Callable[[DigestItem], bool],
    *,
    notice_text: str = "",
) -> Message:
    """`/digest list`: this week's items, each with a menu to edit or remove it for those who may."""
    count = f"{len(items)} item{'s' if len(items) != 1 else ''}"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"This week's digest: {count}")),
        context(f"It goes to sales {when(week.send_at, week.zone)}."),
    ]
    if notice_text:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(notice_text, SECTION_TEXT))))
    shown = items[:LIST_LIMIT]
    add = ActionsBlock(
        block_id=LIST_BLOCK, elements=[ButtonElement(text="Add an item", action_id=OPEN_FORM_ACTION)]
    )
    tail: list[Block] = [add]
    if len(items) > len(shown):
        tail.insert(0, context(f"+{len(items) - len(shown)} more: App Home lists them too."))
    elif not items:
        tail.insert(0, context("Nothing yet. Add what sales should know with `/digest add`."))
    room = (MESSAGE_SIZE - sum(block_size(b) for b in blocks + tail)) // max(1, len(shown))
    blocks += [_item_block(item, viewer_may_change(item), min(ENTRY_SIZE, room)) for item in shown]
    return Message(text=f"This week's digest: {count}", blocks=blocks + tail)


def home_part(
    items: Sequence[DigestItem],
    total: int,
    week: DigestWeek,
    settings: DigestSettings,
    record: DigestRecord,
    viewer_may_change: Callable[[DigestItem], bool],
    *,
    is_admin: bool,
) -> list[Block]:
    """App Home's digest part: the week's items, buttons to add and preview, and settings for admins."""
    count = f"{total} item{'s' if total != 1 else ''}"
    where = f" to <#{settings.channel}>" if settings.channel else ""
    facts = [f"It goes out {when(week.send_at, week.zone)}{where}."]
    if not settings.channel:
        facts.append("No channel is set for it yet" + (": set one in Digest settings." if is_admin else "."))
    if status := _status_line(record):
        facts.append(status)
    elif settings.approval:
        facts.append("Its owner approves it first.")
    buttons: list[Any] = [
        ButtonElement(text="Add an item", action_id=OPEN_FORM_ACTION, style="primary"),
        ButtonElement(text="Preview", action_id=PREVIEW_ACTION),
    ]
    if is_admin:
        buttons.append(ButtonElement(text="Digest settings", action_id=OPEN_SETTINGS_ACTION))
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"{_title(week)}: {count}")),
        context(cut(" ".join(facts), SECTION_TEXT)),
        ActionsBlock(block_id="digest.home", elements=buttons),
    ]
    shown = items[:HOME_ITEMS]
    blocks += [_item_block(item, viewer_may_change(item), ENTRY_SIZE) for item in shown]
    if total > len(shown):
        blocks.append(context(f"+{total - len(shown)} more: `/digest list` shows them all."))
    elif not shown:
        blocks.append(context("Nothing yet this week."))
    return blocks


def items_view(
    items: Sequence[DigestItem],
    week: DigestWeek,
    viewer_may_change: Callable[[DigestItem], bool],
    *,
    notice_text: str = "",
) -> View:
    """The modal "Edit items" opens: the week's items, each with its menu."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{_title(week)}*, going out {when(week.send_at, week.zone)}: "
                f"{len(items)} item{'s' if len(items) != 1 else ''}."
            )
        )
    ]
    if notice_text:
        blocks.append(context(cut(notice_text, SECTION_TEXT)))
    shown = items[:MODAL_ITEMS]
    blocks += [_item_block(item, viewer_may_change(item), ENTRY_SIZE) for item in shown]
    if len(items) > len(shown):
        blocks.append(context(f"+{len(items) - len(shown)} more: `/digest list` shows them."))
    elif not items:
        blocks.append(context("Nothing yet this week."))
    return View(
        type="modal",
        callback_id=ITEMS_VIEW,
        title=PlainTextObject(text="This week's items"),
        close=PlainTextObject(text="Done"),
        private_metadata=json.dumps({"week": week.key}),
        blocks=blocks,
    )


def chosen_item(action: Mapping[str, Any]) -> tuple[str, int] | None:
    """What an item's menu asks ("edit" or "remove") and for which item id."""
    value = str((action.get("selected_option") or {}).get("value") or "")
    what, _, number = value.partition(":")
    if what not in {"edit", "remove"} or not number.isdigit():
        return None
    return what, int(number)


def _item_block(item: DigestItem, may_change: bool, allowance: int) -> SectionBlock:
    facts = [escape(item.section.label)]
    if is_user(item.author_id):
        facts.append(f"by {user(item.author_id)}")
    if item.source_permalink:
        facts.append(link(item.source_permalink, "from a message"))
    menu = None
    if may_change:
        menu = OverflowMenuElement(
            action_id=ITEM_MENU_ACTION,
            options=[
                Option(value=f"edit:{item.id}", text="Edit"),
                Option(value=f"remove:{item.id}", text="Remove"),
            ],
        )
    return _fitted_section(
        item.headline,
        item.link,
        cut(item.detail, 200),
        facts,
        allowance,
        block_id=f"{ITEM_BLOCK}:{item.id}",
        accessory=menu,
    )


# The item form: one place for its ids, its builder and its parser.


@dataclass(frozen=True)
class ItemOrigin:
    """Where the item form was opened, so its submit answers there.

    `place` is "list" (`response_url` holds an item list to redraw), "home" (App Home, published
    again with `home_state` kept), "items" (the items modal under the form) or "" (a command or a
    shortcut: the confirmation goes to `response_url`, else to the app's direct message).
    """

    item_id: int | None = None  # the item being edited; None: a new item
    response_url: str | None = None
    source_permalink: str | None = None  # the message it is added from
    place: str = ""
    home_state: str = ""

    def dumps(self) -> str:
        fields: dict[str, object] = {
            "item_id": self.item_id,
            "response_url": self.response_url,
            "source_permalink": self.source_permalink,
            "place": self.place,
            "home_state": self.home_state,
        }
        return json.dumps({name: value for name, value in fields.items() if value})

    @classmethod
    def loads(cls, metadata: str) -> ItemOrigin:
        data = json.loads(metadata) if metadata else {}
        item_id = data.get("item_id")
        return cls(
            item_id=int(item_id) if item_id is not None else None,
            response_url=data.get("response_url"),
            source_permalink=data.get("source_permalink"),
            place=str(data.get("place") or ""),
            home_state=str(data.get("home_state") or ""),
        )


_ITEM_BLOCKS = {
    "section": "digest.form.section",
    "headline": "digest.form.headline",
    "detail": "digest.form.detail",
    "link": "digest.form.link",
}


def item_form(origin: ItemOrigin, draft: ItemDraft | None = None) -> View:
    """The modal for adding an item, or editing one (`origin.item_id`), optionally prefilled."""
    sections = [Option(value=s.value, text=s.label) for s in Section]
    chosen = next((o for o in sections if draft and o.value == draft.section.value), None)
    blocks: list[Block] = [
        InputBlock(
            block_id=_ITEM_BLOCKS["section"],
            label="Section",
            element=StaticSelectElement(
                action_id="value", placeholder="Where it goes", options=sections, initial_option=chosen
            ),
        ),
        InputBlock(
            block_id=_ITEM_BLOCKS["headline"],
            label="Headline",
            element=PlainTextInputElement(
                action_id="value",
                max_length=HEADLINE_MAX,
                initial_value=draft.headline if draft and draft.headline else None,
                placeholder="What sales should know, in one line",
            ),
        ),
        InputBlock(
            block_id=_ITEM_BLOCKS["detail"],
            label="Detail",
            optional=True,
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=DETAIL_MAX,
                initial_value=draft.detail if draft and draft.detail else None,
                placeholder="A few lines: what it means for a deal, who to ask",
            ),
            hint=f"At most {DETAIL_LINES_MAX} lines; put longer documents behind the link.",
        ),
        InputBlock(
            block_id=_ITEM_BLOCKS["link"],
            label="Link",
            optional=True,
            element=UrlInputElement(
                action_id="value",
                initial_value=draft.link if draft and draft.link else None,
                placeholder="https://…",
            ),
        ),
    ]
    if origin.source_permalink:
        blocks.append(context(f"The item links to {link(origin.source_permalink, 'the message')}."))
    editing = origin.item_id is not None
    return View(
        type="modal",
        callback_id=FORM,
        title=PlainTextObject(text="Edit a digest item" if editing else "Add to the digest"),
        submit=PlainTextObject(text="Save" if editing else "Add"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=origin.dumps(),
        blocks=blocks,
    )


def parse_item_form(view: Mapping[str, Any]) -> ItemDraft:
    """The draft a submitted item form holds (its state, and the message it came from)."""
    form = FormValues(view["state"]["values"], _ITEM_BLOCKS.__getitem__)
    chosen = (form.value("section").get("selected_option") or {}).get("value")
    try:
        section = Section(str(chosen))
    except ValueError:
        section = Section.OTHER
    origin = ItemOrigin.loads(str(view.get("private_metadata") or ""))
    return ItemDraft(
        section=section,
        headline=form.text("headline"),
        detail=form.text("detail"),
        link=form.text("link") or None,
        source_permalink=origin.source_permalink,
    )


def item_form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """Problems by field, keyed by the form's block ids, as `response_action: errors` wants."""
    return {_ITEM_BLOCKS.get(field, _ITEM_BLOCKS["headline"]): message for field, message in problems.items()}


def draft_from_message(text: str) -> ItemDraft:
    """A draft added from a message (its text already made plain): headline from its first line,
    detail from the rest, both within the form's limits."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    first = next((line.strip() for line in lines if line.strip()), "")
    headline = cut(first, HEADLINE_MAX)
    rest = lines[lines.index(first) + 1 :] if first in lines else lines[1:]
    if headline != first:
        rest = [first, *rest]  # cut: the detail keeps all of it
    kept = [line for line in rest if line.strip()][:DETAIL_LINES_MAX]
    return ItemDraft(section=Section.OTHER, headline=headline, detail=cut("\n".join(kept), DETAIL_MAX))


def item_saved(item: DigestItem, week: DigestWeek, *, edited: bool) -> Message:
    """The confirmation to whoever added or edited an item."""
    verb = "is updated in" if edited else "is in"
    return notice(
        f":white_check_mark: “{escape(item.headline)}” {verb} the {_title(week)} "
        f"({escape(item.section.label)}), going out {when(week.send_at, week.zone)}."
    )


# The settings form (admins)


def _settings_block(field: str) -> str:
    return f"{SETTINGS_FORM}.{field}"


def settings_form(settings: DigestSettings, *, home_state: str = "") -> View:
    """The modal admins set the digest up in, showing the settings in effect."""
    block = _settings_block
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="When and where")),
        weekday_input(block("send_day"), "Send day", settings.send_day),
        time_input(block("send_time"), "Send time", settings.send_time),
        channel_input(
            block("channel"),
            "Channel",
            chosen=settings.channel,
            placeholder="Where sales reads it",
            hint="Invite Tandem there with /invite @Tandem. With no channel, nothing is posted.",
        ),
        InputBlock(
            block_id=block("timezone"),
            label="Timezone",
            optional=True,
            element=PlainTextInputElement(
                action_id="value",
                initial_value=settings.timezone.key,
                placeholder="Europe/Paris",
                max_length=64,
            ),
            hint="A name such as America/New_York. Leave it empty for the workspace's timezone.",
        ),
        switch(
            block("empty_note"),
            "Empty weeks",
            "Post a short “nothing new this week” note",
            settings.empty_note,
        ),
        HeaderBlock(text=PlainTextObject(text="Who")),
        InputBlock(
            block_id=block("owner_id"),
            label="Owner",
            optional=True,
            element=UserSelectElement(
                action_id="value", placeholder="Who hears about the digest", initial_user=settings.owner_id
            ),
            hint="Gets the preview to approve (when approval is on), and hears when the digest is held "
            "or could not be posted.",
        ),
        InputBlock(
            block_id=block("editors"),
            label="Editors",
            optional=True,
            element=UserMultiSelectElement(
                action_id="value",
                placeholder="Marketing leads",
                initial_users=list(settings.editors) or None,
            ),
            hint="Editors send, approve or skip the digest, and edit anyone's items. Admins always may.",
        ),
        switch(
            block("approval"),
            "Approval",
            f"The owner approves each digest (preview at {settings.preview_time} on the send day)",
            settings.approval,
        ),
        HeaderBlock(text=PlainTextObject(text="Reminder to marketing")),
        weekday_input(block("reminder_day"), "Reminder day", settings.reminder_day),
        time_input(block("reminder_time"), "Reminder time", settings.reminder_time),
    ]
    reminded = (
        f"<#{settings.reminder_channel}>"
        if settings.reminder_channel
        else "no channel (TANDEM_MARKETING_CHANNEL)"
    )
    blocks.append(context(f"The reminder goes to {reminded}."))
    return settings_modal(SETTINGS_FORM, "Digest settings", blocks, private_metadata=home_state)


def parse_settings_form(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> SettingsChange:
    """The settings a submitted settings form holds (its `view.state.values`)."""
    form = FormValues(values, _settings_block)
    return SettingsChange(
        send_day=form.option("send_day") or "thu",
        send_time=form.time("send_time"),
        channel=form.channel("channel"),
        timezone=form.text("timezone") or None,
        approval=form.ticked("approval"),
        owner_id=form.value("owner_id").get("selected_user") or None,
        editors=tuple(dict.fromkeys(form.value("editors").get("selected_users") or [])),
        empty_note=form.ticked("empty_note"),
        reminder_day=form.option("reminder_day") or "wed",
        reminder_time=form.time("reminder_time"),
    )


def settings_form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """Problems by field, keyed by the settings form's block ids."""
    known = set(SettingsChange.__dataclass_fields__)
    return {_settings_block(field if field in known else "send_day"): m for field, m in problems.items()}


def settings_saved(settings: DigestSettings) -> str:
    """App Home's notice once an admin saved the settings (mrkdwn)."""
    day_name = WEEKDAY_NAMES.get(settings.send_day, settings.send_day)
    where = f"<#{settings.channel}>" if settings.channel else "no channel yet, so nothing is posted"
    approval = "the owner approves it first" if settings.approval else "no approval needed"
    return (
        f":white_check_mark: Digest settings saved: {day_name}s at {settings.send_time} "
        f"({settings.timezone.key}) to {where}; {approval}."
    )


# Help and one-line answers


def help_message() -> Message:
    lines = "\n".join(f"`{usage}`: {meaning}" for usage, meaning in HELP)
    text = (
        "*Thursday digest*: marketing collects what sales should know during the week, and Tandem "
        "posts it to sales on the day, once.\n"
        f"{lines}\n"
        "Add any message too: its *⋯* menu → *Add to Thursday digest*. App Home shows the week's items."
    )
    return notice(text)


def notice(text: str) -> Message:
    """A one-line answer; `text` is mrkdwn we wrote, with any user text already escaped."""
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))])


# Small pieces


def _title(week: DigestWeek) -> str:
    return f"{week.send_on:%A} digest"


def _on_day(week: DigestWeek) -> str:
    """The send date in each reader's own timezone, with the digest's own as fallback."""
    return f"<!date^{int(week.send_at.timestamp())}^{{date_long_pretty}}|{day(week.send_on)}>"


def _fitted_section(
    headline: str,
    url: str | None,
    detail: str,
    facts: Sequence[str],
    allowance: int,
    *,
    block_id: str | None = None,
    accessory: Any = None,
) -> SectionBlock:
    """An entry as one section: bold headline (linked when it has a link), detail and a line of facts,
    within `allowance` JSON characters. The headline comes first; facts and then detail give way."""

    def block(text: str) -> SectionBlock:
        return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=text), accessory=accessory)

    room = min(allowance - block_size(block("x")) + 1, SECTION_TEXT)
    kept = list(facts)
    while kept and json_length(" · ".join(kept)) > room // 3:
        kept.pop()  # the last facts (a message's link, who added it) matter least
    facts_line = " · ".join(kept)
    room_for_title = room - (json_length(facts_line) + 2 if facts_line else 0)
    title = ""
    if url:
        address = url.replace(">", "%3E").replace("|", "%7C")
        label_room = room_for_title - json_length(address) - 5
        if label_room >= min(40, len(headline)):
            title = f"*<{address}|{fit(headline, label_room, json_length)}>*"
    if not title:
        title = f"*{fit(headline, max(room_for_title - 2, 1), json_length)}*"
    text = title
    room_for_detail = room - json_length(title) - (json_length(facts_line) + 2 if facts_line else 0) - 2
    if detail.strip() and room_for_detail > 20:
        text += "\n" + fit(detail.strip(), room_for_detail, json_length)
    if facts_line:
        text += "\n" + facts_line
    return block(text)
