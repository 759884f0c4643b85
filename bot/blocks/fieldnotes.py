"""Field notes in Block Kit: the note form (builder, ids and reader), the card in the field-notes
channel and its thread starter, the Details modal, the answers, lists, App Home's part, help, and the
digest's plain lines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.forms import ON, FormValues
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
    notice,
    section,
    user,
)
from bot.fieldnotes import (
    ACCOUNT_MAX,
    FOLLOW_UP_MAX,
    FOLLOW_UPS_MAX,
    LIST_CAP,
    MET_MAX,
    TEXT_MAX,
    WENT_MAX,
    FieldInsights,
    FieldNote,
    FollowUp,
    FollowUpDraft,
    Found,
    NoteDraft,
    VisitKind,
)

COMMAND = "/fieldnote"
FORM = "fieldnotes.form"  # callback_id; private_metadata JSON {"edit": id|null}
CARD_BLOCK = "fieldnotes.card"  # the card's first section: "fieldnotes.card:12"
CARD_ACTIONS = "fieldnotes.card_actions"  # the card's buttons: "fieldnotes.card_actions:12"
DETAILS_ACTION = "fieldnotes.details"  # the card's "Details": value is the note's id
EDIT_ACTION = "fieldnotes.edit"  # the card's "Edit": value is the note's id
DETAILS_VIEW = "fieldnotes.details_view"  # private_metadata JSON {"note": id}
OPEN_FORM_ACTION = "fieldnotes.open_form"  # App Home's "Log a field note"
HOME_BLOCK = "fieldnotes.home"  # App Home's button

# Each way to use /fieldnote: HELP shows them all, and manifest.yml's usage hint names the same.
USAGES = (
    ("/fieldnote", "open the form: account, date, kind, who went and met, what you heard, follow-ups"),
    (
        "/fieldnote <account>: <text>",
        "log a quick note at once: `/fieldnote Acme Corp: they want SSO before renewal`",
    ),
    ("/fieldnote list [mine|<account>]", "the latest notes: everyone's, yours, or an account's"),
    ("/fieldnote search <words>", "search every note's text, newest first"),
    ("/fieldnote help", "this help"),
)
HELP = (
    "*Field notes*: log what you heard from customers on visits, ride-alongs, events and calls, "
    "so both teams hear it.\n"
    + "\n".join(f"`{usage}`: {meaning}" for usage, meaning in USAGES)
    + "\nEach note gets a card in the field-notes channel with a thread to discuss it; follow-ups "
    "can become shared tracker issues. The author can edit a note for 7 days. App Home shows your "
    "recent notes and the team's this month."
)

# Slack's limits, and what field notes keep of them.
SECTION_TEXT = 3000
FALLBACK_TEXT = 3000
MESSAGE_SIZE = 11_000  # a message's blocks as JSON: Slack refuses about 12,000 (msg_blocks_too_long)
MODAL_BLOCKS = 100
FOLLOW_UPS_FIELD_MAX = FOLLOW_UPS_MAX * (FOLLOW_UP_MAX + 1)  # the form's one multiline input
# What a card shows of each field, in JSON characters (escaping can make one character six).
CARD_ACCOUNT = 400
CARD_MET = 600
CARD_HEARD = 1500
CARD_COMPETITORS = 600
CARD_FEEDBACK = 1200
CARD_FOLLOW_UP = 350
CARD_EXCERPT = 400  # characters of heard / feedback a card shows before "…"
FALLBACK_EXCERPT = 200
LIST_LINE_SIZE = 700  # JSON characters one list line takes at most
LIST_EXCERPT = 140
ACCOUNT_SHOWN = 60  # an account's name on a list or App Home line
HOME_NOTES = 5  # notes each of App Home's lists shows
HOME_EXCERPT = 80
HOME_BLOCKS = 4  # header, your recent notes, the team's this month, the button
INSIGHT_LINE = 150  # a digest headline's length
INSIGHT_FEEDBACK = 3  # feedback lines the digest gets

_KIND_MARKS = {
    VisitKind.CUSTOMER_VISIT: ":busts_in_silhouette:",
    VisitKind.RIDE_ALONG: ":car:",
    VisitKind.EVENT: ":circus_tent:",
    VisitKind.CALL: ":telephone_receiver:",
}
_KIND_VISITS = {  # "Logged your visit to *Acme*"
    VisitKind.CUSTOMER_VISIT: "visit to",
    VisitKind.RIDE_ALONG: "ride-along with",
    VisitKind.EVENT: "event note on",
    VisitKind.CALL: "call with",
}
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


# The card


def note_card(note: FieldNote, issue_links: Mapping[int, str] | None = None) -> Message:
    """The card in the field-notes channel: kind, account and date, who went and who we met, what we
    heard, competitors, feedback, follow-ups (linked to the cards of the tracker issues they became,
    `issue_links` by number) and the buttons."""
    title = _title_line(note)
    people = [f"*Went:* {_people(note.went)}" if note.went else ""]
    if note.met.strip():
        people.append(f"*Met:* {fit(note.met.strip(), CARD_MET, json_length)}")
    head = "\n".join(p for p in [title, *people] if p)
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"{CARD_BLOCK}:{note.id}", text=MarkdownTextObject(text=cut(head, SECTION_TEXT))
        )
    ]
    if note.heard.strip():
        heard = fit(cut(note.heard.strip(), CARD_EXCERPT), CARD_HEARD, json_length)
        blocks.append(section(f"*Heard:* {heard}"))
    said = []
    if note.competitors.strip():
        said.append(f"*Competitors:* {fit(note.competitors.strip(), CARD_COMPETITORS, json_length)}")
    if note.feedback.strip():
        feedback = fit(cut(note.feedback.strip(), CARD_EXCERPT), CARD_FEEDBACK, json_length)
        said.append(f"*Product feedback:* {feedback}")
    if said:
        blocks.append(section("\n".join(said)))
    if note.follow_ups:
        links = issue_links or {}
        lines = [_follow_up_line(f, CARD_FOLLOW_UP, links=links) for f in note.follow_ups[:FOLLOW_UPS_MAX]]
        blocks.append(section("*Follow-ups:*\n" + "\n".join(lines)))
    value = str(note.id)
    blocks.append(
        ActionsBlock(
            block_id=f"{CARD_ACTIONS}:{note.id}",
            elements=[
                ButtonElement(text="Details", action_id=DETAILS_ACTION, value=value),
                ButtonElement(text="Edit", action_id=EDIT_ACTION, value=value),
            ],
        )
    )
    facts = [f"Logged by {_person(note.author_id)}"]
    if note.edited_at:
        facts.append("edited")
    blocks.append(context(" · ".join(facts)))
    return Message(text=_card_fallback(note), blocks=blocks)


def note_id_in(action: Mapping[str, Any]) -> int | None:
    """The note a card's Details or Edit button acts on (its value)."""
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() else None


def thread_starter() -> Message:
    """Tandem's first reply under a card, which opens the discussion thread."""
    return notice(":speech_balloon: Discuss this note here — what should we do about it?")


def _title_line(note: FieldNote) -> str:
    """ ":busts_in_silhouette: Customer visit · *Acme Corp* · Tue, Nov 24, 2026"."""
    account = fit(note.account.strip(), CARD_ACCOUNT, json_length)
    return f"{_KIND_MARKS[note.kind]} {note.kind.label} · *{account}* · {day(note.visited_on)}"


def _follow_up_line(
    follow_up: FollowUp,
    room: int,
    measure: Callable[[str], int] = json_length,
    *,
    links: Mapping[int, str] | None = None,
) -> str:
    """ "• Send the SSO roadmap → #12 (<@U1>)", its text within `room` (as `measure` counts); the
    number links to the issue's card when `links` has it."""
    number = follow_up.issue_number
    permalink = (links or {}).get(number) if number is not None else None
    issue = "" if number is None else f" → {link(permalink, f'#{number}') if permalink else f'#{number}'}"
    owner = f" ({_person(follow_up.owner_id)})" if follow_up.owner_id and issue else ""
    return f"• {fit(follow_up.text.strip(), room, measure)}{issue}{owner}"


def _card_fallback(note: FieldNote) -> str:
    what = f"{_person(note.author_id)} logged a {note.kind.label.lower()}: {escape(cut(note.account, 100))}"
    excerpt = note.heard.strip() or note.feedback.strip() or note.competitors.strip()
    text = f"{what} — {escape(cut(excerpt, FALLBACK_EXCERPT))}" if excerpt else what
    return cut(text, FALLBACK_TEXT)


# The whole note: the Details modal


def details_view(note: FieldNote) -> View:
    """The Details modal: the whole note, every field in full (split over sections when long)."""
    # The account goes in mrkdwn, escaped: a header is plain text, but shows "<!here>" as typed.
    facts = [
        f"*Account:* {fit(note.account.strip(), 1000, len)}",
        f"*Date:* {day(note.visited_on)}",
        f"*Logged by:* {_person(note.author_id)}" + (" · edited" if note.edited_at else ""),
    ]
    if note.went:
        facts.append(f"*Went:* {_people(note.went)}")
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"{_KIND_MARKS[note.kind]} {note.kind.label}")),
        section("\n".join(facts)),
    ]
    for label, text in (
        ("Who we met", note.met),
        ("What we heard", note.heard),
        ("Competitors mentioned", note.competitors),
        ("Product feedback", note.feedback),
    ):
        if text.strip():
            blocks += _long_text(label, text.strip())
    if note.follow_ups:
        # A follow-up is short (FOLLOW_UP_MAX) but escaping can make it five times longer: the lines
        # are packed into as many sections as they take, none cut.
        text = "*Follow-ups*"
        for line in (_follow_up_line(f, 1000, len) for f in note.follow_ups):
            if len(text) + 1 + len(line) > SECTION_TEXT:
                blocks.append(section(text))
                text = line
            else:
                text = f"{text}\n{line}"
        blocks.append(section(text))
    if note.card_permalink:
        blocks.append(context(link(note.card_permalink, "Open its card and thread")))
    return View(
        type="modal",
        callback_id=DETAILS_VIEW,
        title=PlainTextObject(text="Field note"),
        close=PlainTextObject(text="Close"),
        private_metadata=json.dumps({"note": note.id}),
        blocks=blocks[:MODAL_BLOCKS],
    )


def _long_text(label: str, plain: str) -> list[Block]:
    """ "*label*" and `plain` escaped in full, over as many sections as it takes (escaping can make
    2,500 characters 12,500)."""
    heading = f"*{label}*\n"
    room = SECTION_TEXT - len(heading)
    blocks: list[Block] = []
    start = 0
    while start < len(plain):
        end = min(len(plain), start + room)
        while len(escape(plain[start:end])) > room:
            end -= max(1, (len(escape(plain[start:end])) - room) // 5)
        blocks.append(section(heading + escape(plain[start:end])))
        heading, room, start = "", SECTION_TEXT, end
    return blocks


# Answers to the person who logged or edited a note


def saved_answer(note: FieldNote, channel: str | None, raised: Sequence[int]) -> Message:
    """Only to the author once the note is stored: where its card is and the issues its follow-ups
    became, or that no field-notes channel is configured."""
    what = f"your {_KIND_VISITS[note.kind]} *{fit(note.account.strip(), 300, len)}*"
    issues = f"; follow-ups raised as {_numbers(raised)}" if raised else ""
    if channel is None:
        return notice(
            f":white_check_mark: Logged {what}{issues}. No field-notes channel is configured, so it "
            "isn't posted anywhere: ask an admin to set one (TANDEM_FIELD_NOTES_CHANNEL)."
        )
    see = f" {link(note.card_permalink, 'See it')}." if note.card_permalink else ""
    return notice(f":white_check_mark: Logged {what} in {_channel(channel)}{issues}.{see}")


def edited_answer(note: FieldNote) -> Message:
    """Only to whoever edited the note."""
    if not note.card_ts:
        return notice(":white_check_mark: The note is updated.")
    see = f" {link(note.card_permalink, 'See it')}." if note.card_permalink else ""
    return notice(f":white_check_mark: The note is updated, and so is its card.{see}")


def problems_answer(problems: Mapping[str, str]) -> Message:
    """Why a quick `/fieldnote` was refused: each problem (plain sentences), nothing stored."""
    return notice(":warning: " + " ".join(escape(p) for p in problems.values()))


def help_message() -> Message:
    return notice(HELP)


# Lists and search answers


def notes_list(found: Found, title: str) -> Message:
    """`/fieldnote list` and `/fieldnote search`: one line a note, newest first, "+N more"; `title`
    is plain text ("Field notes on Acme"), escaped here."""
    heading = escape(cut(title.strip(), 150))
    if not found.notes:
        return notice(f"*{heading}*: no field notes found. Log one with `/fieldnote`.")
    shown = found.notes[:LIST_CAP]
    head: list[Block] = [section(f"*{heading}* · {_count(found.total, 'note')}")]
    tail: list[Block] = []
    if found.total > len(shown):
        tail.append(
            context(f"+{found.total - len(shown):,} more — narrow it with `/fieldnote search <words>`")
        )
    room = (MESSAGE_SIZE - sum(block_size(b) for b in head + tail)) // len(shown)
    lines = [_list_line(note, min(LIST_LINE_SIZE, room)) for note in shown]
    return Message(
        text=cut(f"{escape(title.strip())}: {_count(found.total, 'note')}", FALLBACK_TEXT),
        blocks=[*head, *lines, *tail],
    )


def _list_line(note: FieldNote, allowance: int) -> SectionBlock:
    """ "• Tue, Nov 24, 2026 · Customer visit · *Acme* · <@U1> · excerpt · <link|card>" within
    `allowance` JSON characters: the excerpt gives way first."""
    facts = [f"• {day(note.visited_on)}", note.kind.label, f"*{_account(note)}*", _person(note.author_id)]
    after = [link(note.card_permalink, "card")] if note.card_permalink else []
    fixed = " · ".join(facts + after)
    room = allowance - block_size(section(fixed)) - json_length(" · ")
    excerpt = _excerpt(note)
    text = fit(cut(excerpt, LIST_EXCERPT), room, json_length) if excerpt and room > 10 else ""
    return section(" · ".join(p for p in [*facts, text, *after] if p))


# App Home


def home_part(mine: Found, team_month: Found) -> list[Block]:
    """App Home's field-notes part, in HOME_BLOCKS blocks: your recent notes, the team's this month
    (counted), and "Log a field note"."""
    yours = _home_list(
        "*Your recent notes*",
        mine.notes,
        "You haven't logged a field note yet: log one with the button or `/fieldnote`.",
    )
    team = _home_list(
        f"*The team's notes this month: {team_month.total:,}*",
        team_month.notes,
        "None yet this month.",
        more=team_month.total,
    )
    return [
        HeaderBlock(text=PlainTextObject(text="Field notes")),
        section(yours),
        section(team),
        ActionsBlock(
            block_id=HOME_BLOCK,
            elements=[ButtonElement(text="Log a field note", action_id=OPEN_FORM_ACTION, style="primary")],
        ),
    ]


def _home_list(heading: str, notes: Sequence[FieldNote], empty: str, *, more: int = 0) -> str:
    shown = notes[:HOME_NOTES]
    if not shown:
        return f"{heading}\n{empty}"
    room = (SECTION_TEXT - len(heading) - 40) // len(shown)
    lines = [heading]
    for note in shown:
        facts = [f"• {day(note.visited_on)}", f"*{_account(note)}*", note.kind.label]
        if note.author_id:
            facts.append(_person(note.author_id))
        after = [link(note.card_permalink, "card")] if note.card_permalink else []
        fixed = len(" · ".join(facts + after)) + 3
        excerpt = _excerpt(note)
        text = fit(cut(excerpt, HOME_EXCERPT), room - fixed, len) if excerpt and room - fixed > 10 else ""
        lines.append(" · ".join(p for p in [*facts, text, *after] if p))
    if more > len(shown):
        lines.append(f"+{more - len(shown):,} more: `/fieldnote list`")
    return "\n".join(lines)


# The digest's plain lines


def insights_lines(insights: FieldInsights) -> list[str]:
    """The week's notes as plain lines (the digest escapes them), each within a headline's length:
    "Accounts visited: Acme (2), Globex", "Competitors mentioned most: Initech (3)", feedback."""
    if insights.notes == 0:
        return []
    lines = [f"{_count(insights.notes, 'field note')} logged this week"]
    if insights.accounts:
        lines.append("Accounts visited: " + _counted(insights.accounts))
    if insights.competitors:
        lines.append("Competitors mentioned most: " + _counted(insights.competitors))
    lines += [
        f"Product feedback: {' '.join(f.split())}" for f in insights.feedback[:INSIGHT_FEEDBACK] if f.strip()
    ]
    return [cut(line, INSIGHT_LINE) for line in lines]


def _counted(named: Sequence[tuple[str, int]]) -> str:
    """ "Acme (2), Globex", stopping before a headline's length."""
    parts: list[str] = []
    for name, count in named:
        part = " ".join(name.split()) + (f" ({count:,})" if count > 1 else "")
        if parts and len(", ".join([*parts, part])) > INSIGHT_LINE - 30:
            parts.append(f"+{len(named) - len(parts):,} more")
            break
        parts.append(part)
    return ", ".join(parts)


# The note form: one place for its ids, its builder and its reader.


_FIELD_BLOCKS = {
    "account": "fieldnotes.form.account",
    "visited_on": "fieldnotes.form.visited_on",
    "kind": "fieldnotes.form.kind",
    "went": "fieldnotes.form.went",
    "met": "fieldnotes.form.met",
    "heard": "fieldnotes.form.heard",
    "competitors": "fieldnotes.form.competitors",
    "feedback": "fieldnotes.form.feedback",
    "follow_ups": "fieldnotes.form.follow_ups",
    "to_tracker": "fieldnotes.form.to_tracker",
    "owner": "fieldnotes.form.owner",
}
# Other names problems (from the service or a handler) may give a field.
_FIELD_ALIASES = {"date": "visited_on", "people": "went", "owner_id": "owner", "follow_up": "follow_ups"}


def note_form(draft: NoteDraft | None, *, today: date, author_id: str, editing: int | None = None) -> View:
    """The modal to log a field note (or edit note `editing`), prefilled from `draft`; a new note is
    dated `today` (the person's) and has its author among who went."""
    kinds = [Option(value=kind.value, text=kind.label) for kind in VisitKind]
    chosen_kind = draft.kind if draft else VisitKind.CUSTOMER_VISIT
    went = list(draft.went) if draft and draft.went else [author_id]
    follow_ups = draft.follow_ups if draft else ()
    raised = [f for f in follow_ups if f.to_tracker]
    owner = next((f.owner_id for f in raised if f.owner_id), None)
    tracker = Option(value=ON, text="Raise these follow-ups in the shared tracker")
    blocks: list[Block] = [
        _input(
            "account",
            "Account",
            _text_element(draft.account if draft else "", ACCOUNT_MAX, "Acme Corp (customer or prospect)"),
        ),
        _input(
            "visited_on",
            "Date",
            DatePickerElement(
                action_id="value", initial_date=(draft.visited_on if draft else today).isoformat()
            ),
        ),
        _input(
            "kind",
            "Kind",
            StaticSelectElement(
                action_id="value",
                options=kinds,
                initial_option=next(o for o in kinds if o.value == chosen_kind.value),
            ),
        ),
        _input(
            "went",
            "Who went",
            UserMultiSelectElement(
                action_id="value",
                placeholder="People in the workspace",
                initial_users=[u for u in went if is_user(u)][:WENT_MAX] or None,
                max_selected_items=WENT_MAX,
            ),
        ),
        _input(
            "met",
            "Who we met",
            _text_element(draft.met if draft else "", MET_MAX, "Jane Doe (CTO), Sam Lee (buyer)"),
            optional=True,
        ),
        _input(
            "heard",
            "What we heard",
            _text_element(draft.heard if draft else "", TEXT_MAX, "Needs and pains", multiline=True),
            optional=True,
            hint="Fill in at least one of what we heard, competitors and product feedback.",
        ),
        _input(
            "competitors",
            "Competitors mentioned",
            _text_element(draft.competitors if draft else "", TEXT_MAX, "Initech, Globex"),
            optional=True,
            hint="Names, separated by commas.",
        ),
        _input(
            "feedback",
            "Product feedback",
            _text_element(
                draft.feedback if draft else "", TEXT_MAX, "What they said about the product", multiline=True
            ),
            optional=True,
        ),
        _input(
            "follow_ups",
            "Follow-ups",
            _text_element(
                "\n".join(f.text for f in follow_ups),
                FOLLOW_UPS_FIELD_MAX,
                "Send the SSO roadmap",
                multiline=True,
            ),
            optional=True,
            hint=f"One per line, up to {FOLLOW_UPS_MAX}.",
        ),
        _input(
            "to_tracker",
            "Tracker",
            CheckboxesElement(
                action_id="value", options=[tracker], initial_options=[tracker] if raised else None
            ),
            optional=True,
        ),
        _input(
            "owner",
            "Owner of the follow-ups",
            UserSelectElement(
                action_id="value",
                placeholder="Who sees them through",
                initial_user=owner if owner and is_user(owner) else None,
            ),
            optional=True,
            hint="For the tracker issues the follow-ups become.",
        ),
    ]
    return View(
        type="modal",
        callback_id=FORM,
        title=PlainTextObject(text="Edit a field note" if editing is not None else "Log a field note"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"edit": editing}),
        blocks=blocks,
    )


def read_note_form(view: Mapping[str, Any]) -> tuple[NoteDraft | None, dict[str, str], int | None]:
    """The draft a submitted note form holds, the problems reading it by block id (no account, a date
    that isn't one; the draft is None then), and the id of the note being edited (None: a new note).

    The reader does not judge the draft: the handler calls `problems_with(draft, today)` and shows
    `form_errors(problems)` with `response_action: errors`. Follow-up lines are kept as typed (blank
    lines dropped), so too many or too long ones are the service's to refuse."""
    form = FormValues(view["state"]["values"], _FIELD_BLOCKS.__getitem__)
    edit = _metadata(view).get("edit")
    errors: dict[str, str] = {}
    account = form.text("account")
    if not account:
        errors[_FIELD_BLOCKS["account"]] = "Name the account: the customer or prospect."
    visited_on: date | None = None
    try:
        visited_on = date.fromisoformat(str(form.value("visited_on").get("selected_date") or ""))
    except ValueError:
        errors[_FIELD_BLOCKS["visited_on"]] = "Choose the date of the visit."
    chosen_kind = form.option("kind")
    to_tracker = form.ticked("to_tracker")
    owner = form.value("owner").get("selected_user") or None
    follow_ups = tuple(
        FollowUpDraft(text=line.strip(), to_tracker=to_tracker, owner_id=owner if to_tracker else None)
        for line in form.text("follow_ups").splitlines()
        if line.strip()
    )
    edited = edit if isinstance(edit, int) and not isinstance(edit, bool) else None
    if errors or visited_on is None:
        return None, errors, edited
    draft = NoteDraft(
        account=account,
        visited_on=visited_on,
        kind=VisitKind(chosen_kind)
        if chosen_kind in {k.value for k in VisitKind}
        else VisitKind.CUSTOMER_VISIT,
        went=tuple(dict.fromkeys(str(u) for u in form.value("went").get("selected_users") or [])),
        met=form.text("met"),
        heard=form.text("heard"),
        competitors=form.text("competitors"),
        feedback=form.text("feedback"),
        follow_ups=follow_ups,
    )
    return draft, {}, edited


def form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """`problems_with`'s problems by field, keyed by the form's block ids as `response_action: errors`
    wants; a field the form doesn't have shows under what we heard."""
    errors: dict[str, str] = {}
    for field, message in problems.items():
        block = _FIELD_BLOCKS.get(_FIELD_ALIASES.get(field, field), _FIELD_BLOCKS["heard"])
        errors[block] = f"{errors[block]} {message}" if block in errors else message
    return errors


def _input(
    field: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=_FIELD_BLOCKS[field], label=label, element=element, optional=optional, hint=hint
    )


def _text_element(
    initial: str, limit: int, placeholder: str, *, multiline: bool = False
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id="value",
        multiline=multiline or None,
        max_length=limit,
        initial_value=cut(initial, limit) if initial else None,
        placeholder=placeholder,
    )


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(str(view.get("private_metadata") or "") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


# Small pieces


def _account(note: FieldNote) -> str:
    return fit(cut(note.account.strip(), ACCOUNT_SHOWN), 2 * ACCOUNT_SHOWN, json_length)


def _excerpt(note: FieldNote) -> str:
    """What a line shows of the note: what we heard, else the feedback, else the competitors."""
    text = note.heard.strip() or note.feedback.strip() or note.competitors.strip()
    return " ".join(text.split())


def _person(user_id: str) -> str:
    """A mention of a person; anything that isn't a user id is shown, escaped, never as a mention."""
    return user(user_id) if is_user(user_id) else escape(user_id)


def _people(user_ids: Sequence[str]) -> str:
    shown = [_person(u) for u in user_ids[:WENT_MAX]]
    more = f" +{len(user_ids) - WENT_MAX} more" if len(user_ids) > WENT_MAX else ""
    return cut(", ".join(shown), 1000) + more


def _channel(channel: str) -> str:
    return f"<#{channel}>" if _CHANNEL_ID.match(channel) else escape(channel)


def _numbers(numbers: Sequence[int]) -> str:
    """ "#12, #13"."""
    return ", ".join(f"#{n}" for n in numbers)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun if number == 1 else noun + 's'}"
