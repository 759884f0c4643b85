"""Wins in Block Kit: the card posted to the wins channel, the answers to its author, the win and
settings forms (builders, ids and readers), the leaderboard, the weekly recap, App Home's part and help."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.forms import (
    ON,
    TIME,
    WEEKDAY_NAMES,
    FormValues,
    channel_input,
    settings_modal,
    time_input,
    weekday_input,
)
from bot.blocks.text import (
    Message,
    block_size,
    context,
    cut,
    escape,
    fit,
    is_user,
    json_length,
    link,
    section,
    user,
)
from bot.blocks.text import notice as notice
from bot.wins import (
    ACCOUNT_MAX,
    AMOUNT_MAX,
    DAILY_CAP_MAX,
    RECAP_WINS,
    TEXT_MAX,
    THANKED_MAX,
    Leader,
    Leaderboard,
    Period,
    PersonWins,
    Recap,
    Win,
    WinDraft,
    WinKind,
    WinsSettings,
    WinsSettingsChange,
    settings_problems,
)

COMMAND = "/win"
FORM = "wins.form"  # callback_id; private_metadata JSON {"edit": id|null, "permalink": str|null}
FROM_MESSAGE_SHORTCUT = "wins.from_message"
CARD_BLOCK = "wins.card"  # the card's first section: "wins.card:12"
CARD_MENU_ACTION = "wins.card_menu"  # the card's overflow: values "edit:<id>", "delete:<id>"
# Slack's overflow menu takes one confirm dialog for all its options, and Edit needs none: Delete
# opens this small modal instead, which is the confirmation (private_metadata: the win's id).
DELETE_FORM = "wins.delete"
OPEN_FORM_ACTION = "wins.open_form"  # App Home's "Celebrate a win"
DMS_TOGGLE_ACTION = "wins.dms"  # App Home's "DM me when I'm thanked" checkbox
OPEN_SETTINGS_ACTION = "wins.open_settings"
SETTINGS_FORM = "wins.settings"
HOME_BLOCK = "wins.home"  # App Home's buttons and checkbox

# Each way to use /win: HELP shows them all, and manifest.yml's usage hint names the same.
USAGES = (
    ("/win <text>", "post a win at once, thanking everyone you mention: `/win Closed Acme thanks to @ana`"),
    ("/win", "open the form: what happened, who to thank, the kind of win, the account and its value"),
    (
        "/win leaderboard [week|month|quarter]",
        "most thanked, most generous and cross-team thanks, this month unless you name another period",
    ),
    ("/win settings", "admins: the wins channel, the weekly recap's day and time, the daily limit"),
    ("/win help", "this help"),
)
HELP = (
    "*Wins*: celebrate a win and thank the people behind it, across teams.\n"
    + "\n".join(f"`{usage}`: {meaning}" for usage, meaning in USAGES)
    + "\nCelebrate any message too: its *⋯* menu → *Celebrate as a win*. App Home shows your wins and "
    "the thanks you received, and turns off the direct message you get when you're thanked."
)
NOBODY_THANKED = "Mention who to thank: `/win Closed Acme thanks to @ana`."

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK", "INR", "BRL")
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}

# Slack's limits, and what wins keep of them.
SECTION_TEXT = 3000
FALLBACK_TEXT = 3000
MESSAGE_SIZE = 11_000  # a message's blocks as JSON: Slack refuses about 12,000 (msg_blocks_too_long)
METADATA_MAX = 3000  # a view's private_metadata
FALLBACK_WIN_TEXT = 200  # a win's text in a card's fallback (what notifications show)
RECAP_TEXT = 150  # a win's text on its recap line
RECAP_LINE_SIZE = 700  # JSON characters one recap line takes at most
RECAP_THANKED = 5  # people a recap line names; the rest are counted
RECAP_LEADERS = 5
ACCOUNT_SHOWN = 60  # an account's name on a recap or App Home line
HOME_WINS = 5  # wins each of App Home's lists shows
HOME_TEXT = 80
HOME_BLOCKS = 5  # header, thanks received, your wins, wins you were thanked in, buttons
DAILY_CAP_RANGE = (1, DAILY_CAP_MAX)

_FAILURES = {
    "not_in_channel": "Tandem isn't in that channel. Invite it with `/invite @Tandem` in {channel}, "
    "and the next win is posted there.",
    "channel_not_found": "that channel doesn't exist or Tandem can't see it. An admin can choose another "
    "in App Home → Wins settings.",
    "is_archived": "that channel is archived. An admin can choose another in App Home → Wins settings.",
    "ratelimited": "Slack asked Tandem to slow down.",
}
_PERIOD_WORDS = {Period.WEEK: "this week", Period.MONTH: "this month", Period.QUARTER: "this quarter"}
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


# The card


def win_card(win: Win) -> Message:
    """The card in the wins channel: what was won, the people thanked with their teams, whether the
    thanks cross teams, who celebrated it, and the Edit/Delete menu (acted on by its author or admins)."""
    title = _title_line(win)
    text = fit(win.text, SECTION_TEXT - len(title) - 1, len)
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"{CARD_BLOCK}:{win.id}",
            text=MarkdownTextObject(text=f"{title}\n{text}" if text else title),
            accessory=_card_menu(win),
        )
    ]
    if win.thanked:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_thanks_line(win))))
    notes = []
    if crossing := _crossing(win):
        notes.append(MarkdownTextObject(text=f":handshake: {crossing} · cross-team thanks"))
    facts = [f"Celebrated by {_person(win.author_id)}"]
    if win.source_permalink:
        facts.append(link(win.source_permalink, "from a message"))
    if win.edited_at:
        facts.append("edited")
    notes.append(MarkdownTextObject(text=cut(" · ".join(facts), SECTION_TEXT)))
    blocks.append(ContextBlock(elements=notes))
    return Message(text=_card_fallback(win), blocks=blocks)


def chosen_card_action(action: Mapping[str, Any]) -> tuple[str, int] | None:
    """What the card's menu asks ("edit" or "delete") and for which win."""
    value = str((action.get("selected_option") or {}).get("value") or "")
    what, _, number = value.partition(":")
    if what not in {"edit", "delete"} or not number.isdigit():
        return None
    return what, int(number)


def delete_form(win: Win) -> View:
    """The confirmation the card's Delete opens: submitting it deletes the win."""
    return View(
        type="modal",
        callback_id=DELETE_FORM,
        title=PlainTextObject(text="Delete this win?"),
        submit=PlainTextObject(text="Delete"),
        close=PlainTextObject(text="Keep it"),
        private_metadata=json.dumps({"win": win.id}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=cut(
                        f"{_title_line(win)}\n{fit(win.text, 300, len)}\n\n"
                        "Its card is removed and its thanks leave the leaderboard and the recap.",
                        SECTION_TEXT,
                    )
                )
            )
        ],
    )


def read_delete_form(view: Mapping[str, Any]) -> int | None:
    """The win a submitted delete confirmation deletes."""
    number = _metadata(view).get("win")
    return number if isinstance(number, int) else None


def _card_menu(win: Win) -> OverflowMenuElement:
    return OverflowMenuElement(
        action_id=CARD_MENU_ACTION,
        options=[
            Option(value=f"edit:{win.id}", text="Edit"),
            Option(value=f"delete:{win.id}", text="Delete"),
        ],
    )


def _title_line(win: Win) -> str:
    """ ":tada: *Closed deal* · Acme Corp · €120k"."""
    parts = [f":tada: *{_kind(win.kind)}*"]
    if win.account.strip():
        parts.append(fit(win.account.strip(), 3 * ACCOUNT_MAX, len))
    if win.amount is not None:
        parts.append(amount_text(win.amount, win.currency))
    return " · ".join(parts)


def _thanks_line(win: Win) -> str:
    """ "Thanks to <@U1> (Marketing), <@U2> (Sales)"."""
    people = [_person(t.user_id) + (f" ({t.team.label})" if t.team else "") for t in win.thanked]
    return cut("Thanks to " + ", ".join(people), SECTION_TEXT)


def _crossing(win: Win) -> str:
    """ "Sales → Marketing", or "" when the thanks stay within a team."""
    return ", ".join(f"{giver.label} → {receiver.label}" for giver, receiver in win.crossings)


def _card_fallback(win: Win) -> str:
    thanked = ", ".join(_person(t.user_id) for t in win.thanked)
    text = f"{_person(win.author_id)} celebrated a win: {escape(cut(win.text, FALLBACK_WIN_TEXT))}"
    return cut(f"{text} — thanks to {thanked}" if thanked else text, FALLBACK_TEXT)


# Answers to the person who celebrated, edited or deleted a win


def celebrated_answer(win: Win, channel: str | None) -> Message:
    """Only to the author once the win is stored: where its card is, or that no channel is set."""
    if channel is None:
        return notice(
            ":white_check_mark: Saved — but no wins channel is set; an admin can set one in "
            "App Home → Wins settings."
        )
    see = f" {link(win.card_permalink, 'See it')}." if win.card_permalink else ""
    thanked = _names([_person(t.user_id) for t in win.thanked])
    thanking = f", thanking {thanked}" if thanked else ""
    return notice(f":tada: Posted in {_channel(channel)}{thanking}.{see}")


def edited_answer(win: Win) -> Message:
    """Only to whoever edited the win."""
    if not win.card_ts:
        return notice(":white_check_mark: The win is updated.")
    see = f" {link(win.card_permalink, 'See it')}." if win.card_permalink else ""
    return notice(f":white_check_mark: The win is updated, and so is its card.{see}")


def deleted_answer(win: Win) -> Message:
    """Only to whoever deleted the win."""
    return notice(
        f":wastebasket: The win “{fit(win.text, 100, len)}” is deleted: its card is gone and its thanks "
        "no longer count."
    )


def card_not_posted(channel: str, problem: str | None) -> Message:
    """The win is stored, but Slack refused its card: why, in words the author can act on."""
    where = _channel(channel)
    if problem in _FAILURES:
        reason = _FAILURES[problem].format(channel=where)
    else:
        reason = f"Slack said `{escape(cut(problem, 60))}`." if problem else "Slack refused it."
    return notice(f":warning: Your win is saved, but I couldn't post it to {where}: {reason}")


def problems_answer(problems: Mapping[str, str]) -> Message:
    """Why a quick `/win` was refused: each problem (mrkdwn we wrote), nothing posted."""
    return notice(":warning: " + " ".join(problems.values()))


def help_message() -> Message:
    return notice(HELP)


# The win form: one place for its ids, its builder and its reader.


_FIELD_BLOCKS = {
    "text": "wins.form.text",
    "thanked": "wins.form.thanked",
    "kind": "wins.form.kind",
    "account": "wins.form.account",
    "amount": "wins.form.amount",
    "currency": "wins.form.currency",
}
# Other names problems (from the service or a handler) may give a field.
_FIELD_ALIASES = {"value": "amount", "thanks": "thanked", "people": "thanked"}


def win_form(
    draft: WinDraft | None = None, *, editing: int | None = None, permalink: str | None = None
) -> View:
    """The modal to celebrate a win (or edit win `editing`), optionally prefilled; `permalink` (or the
    draft's own) is the message it is celebrated from, which the card will link to."""
    permalink = permalink or (draft.source_permalink if draft else None)
    if permalink and len(json.dumps(permalink)) > METADATA_MAX - 100:
        permalink = None  # never a permalink; but a view refuses metadata over 3,000 characters
    kinds = [Option(value=kind.value, text=kind.label) for kind in WinKind]
    currencies = [Option(value=code, text=code) for code in CURRENCIES]
    if draft and draft.currency and draft.currency not in CURRENCIES:
        currencies.append(Option(value=draft.currency, text=draft.currency))
    blocks: list[Block] = [
        _input(
            "text",
            "What happened",
            PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=TEXT_MAX,
                initial_value=cut(draft.text, TEXT_MAX) if draft and draft.text else None,
                placeholder="Closed Acme Corp: the webinar lead became a three-year deal",
            ),
        ),
        _input(
            "thanked",
            "Who to thank",
            UserMultiSelectElement(
                action_id="value",
                placeholder="The people behind it",
                initial_users=list(draft.thanked[:THANKED_MAX]) if draft and draft.thanked else None,
                max_selected_items=THANKED_MAX,
            ),
            hint="They get a direct message with a link to the win (unless they turned that off).",
        ),
        _input(
            "kind",
            "Kind of win",
            StaticSelectElement(
                action_id="value",
                placeholder="Closed deal, campaign result…",
                options=kinds,
                initial_option=next((o for o in kinds if draft and o.value == draft.kind.value), None),
            ),
        ),
        _input(
            "account",
            "Account or deal",
            PlainTextInputElement(
                action_id="value",
                max_length=ACCOUNT_MAX,
                initial_value=draft.account if draft and draft.account else None,
                placeholder="Acme Corp",
            ),
            optional=True,
        ),
        _input(
            "amount",
            "Value",
            PlainTextInputElement(
                action_id="value",
                max_length=40,
                initial_value=_amount_field(draft.amount) if draft else None,
                placeholder="120k or 1.2M",
            ),
            optional=True,
            hint="A number: 45000, 120k, 1.2M. Choose its currency below.",
        ),
        _input(
            "currency",
            "Currency",
            StaticSelectElement(
                action_id="value",
                placeholder="EUR, USD…",
                options=currencies,
                initial_option=next((o for o in currencies if draft and o.value == draft.currency), None),
            ),
            optional=True,
        ),
    ]
    if permalink:
        blocks.append(context(f"The card will link to {link(permalink, 'the message')}."))
    return View(
        type="modal",
        callback_id=FORM,
        title=PlainTextObject(text="Edit a win" if editing is not None else "Celebrate a win"),
        submit=PlainTextObject(text="Save" if editing is not None else "Post it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"edit": editing, "permalink": permalink}),
        blocks=blocks,
    )


def read_win_form(view: Mapping[str, Any]) -> tuple[WinDraft | None, dict[str, str], int | None]:
    """The draft a submitted win form holds, the problems reading it by block id (a value that isn't
    a number; the draft is None then), and the id of the win being edited (None: a new win).

    The reader cannot know who submitted it, so it does not judge the draft: the handler calls
    `problems_with(draft, author)` and shows `form_errors(problems)` with `response_action: errors`.
    A currency chosen without a value is dropped rather than refused: it says nothing on its own."""
    form = FormValues(view["state"]["values"], _FIELD_BLOCKS.__getitem__)
    value, text, option = form.value, form.text, form.option
    metadata = _metadata(view)
    edited = metadata.get("edit")
    permalink = metadata.get("permalink")

    errors: dict[str, str] = {}
    amount: float | None = None
    currency = option("currency") or None
    if text("amount"):
        try:
            amount, currency = parse_amount(text("amount"), currency)
        except ValueError as problem:
            errors[_FIELD_BLOCKS["amount"]] = str(problem)
    else:
        currency = None
    chosen_kind = option("kind")
    draft = WinDraft(
        text=text("text"),
        thanked=tuple(dict.fromkeys(str(u) for u in value("thanked").get("selected_users") or [])),
        kind=WinKind(chosen_kind) if chosen_kind in {k.value for k in WinKind} else WinKind.OTHER,
        account=text("account"),
        amount=amount,
        currency=currency,
        source_permalink=permalink if isinstance(permalink, str) and permalink else None,
    )
    return (None if errors else draft), errors, edited if isinstance(edited, int) else None


def form_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """`problems_with`'s problems by field ("text", "thanked", "account", "amount", "currency"), keyed
    by the form's block ids as `response_action: errors` wants; other fields show under the text."""
    errors: dict[str, str] = {}
    for field, message in problems.items():
        block = _FIELD_BLOCKS.get(_FIELD_ALIASES.get(field, field), _FIELD_BLOCKS["text"])
        errors[block] = f"{errors[block]} {message}" if block in errors else message
    return errors


def draft_from_message(
    text: str, author_id: str | None, celebrating_id: str, permalink: str | None
) -> WinDraft:
    """The form's draft for "Celebrate as a win" on a message (its text already made plain): the
    message's author thanked unless it is the person celebrating, and the message linked."""
    thanked = (author_id,) if author_id and author_id != celebrating_id else ()
    return WinDraft(text=cut(text.strip(), TEXT_MAX), thanked=thanked, source_permalink=permalink)


def _input(
    field: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=_FIELD_BLOCKS[field], label=label, element=element, optional=optional, hint=hint
    )


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(str(view.get("private_metadata") or "") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


# Amounts: "120k" typed, "€120k" shown


_SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "mm": 10**6, "b": 10**9, "bn": 10**9}
_TYPED_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR"}
_DOLLARS = frozenset({"USD", "CAD", "AUD"})  # "$" is written for each of them
_AMOUNT = re.compile(
    r"""^(?P<sign>[-−])?\s*
    (?:(?P<code1>[A-Za-z]{3})\s+|(?P<symbol>[€$£¥₹])\s*)?
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*
    (?P<suffix>mm|bn|[kmb])?\s*
    (?P<code2>[A-Za-z]{3})?$""",
    re.IGNORECASE | re.VERBOSE,
)
_AMOUNT_EXAMPLES = "try 45000, 120k or 1.2M"


def parse_amount(typed: str, currency: str | None = None) -> tuple[float, str | None]:
    """A win's value as typed ("120k", "1.2M", "€45,000", "45000 USD") and its currency: the one
    chosen, else the one the value names; ValueError (a sentence for the form) when it isn't a
    number, is negative, or names a currency other than the one chosen."""
    shown = typed.strip().replace("\u00a0", " ")
    # "45 000": a space between thousands, as many write them.
    match = _AMOUNT.match(re.sub(r"(?<=\d)[ \u202f](?=\d{3}(?!\d))", "", shown))
    if match is None or (match["code1"] and match["code2"]):
        raise ValueError(f"“{cut(shown, 40)}” isn't a number: {_AMOUNT_EXAMPLES}.")
    code = (match["code1"] or match["code2"] or "").upper()
    if code and code not in CURRENCIES:
        raise ValueError(
            f"Tandem doesn't know the currency {code}: give just the number, {_AMOUNT_EXAMPLES}."
        )
    named = code or (_TYPED_SYMBOLS[match["symbol"]] if match["symbol"] else None)
    if match["sign"]:
        raise ValueError("A win's value can't be negative.")
    if currency and named and named != currency and not (match["symbol"] == "$" and currency in _DOLLARS):
        raise ValueError(f"That value is in {named}, but the currency chosen is {currency}: choose one.")
    # Scaled in decimal: 1.2 × 10⁶ in binary floats is 1199999.9999999998.
    amount = float(Decimal(match["number"].replace(",", "")) * _SUFFIXES[(match["suffix"] or "").lower()])
    if amount > AMOUNT_MAX:
        raise ValueError(f"“{cut(shown, 40)}” is more than any win: {_AMOUNT_EXAMPLES}.")
    return amount, currency or named


def amount_text(amount: float, currency: str | None) -> str:
    """A win's value, short: "€120k", "$1.2M", "CHF 12k", "€950", "£12.50"; no currency: "120k"."""
    size = abs(amount)
    if size >= 999.5:
        number = _compact(size)
    elif size == round(size):
        number = f"{round(size):,}"
    else:
        number = f"{size:,.2f}"
    sign = "-" if amount < 0 else ""
    code = (currency or "").upper()
    if code in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[code]}{number}"
    if re.fullmatch(r"[A-Z]{3}", code):
        return f"{sign}{code} {number}"
    return f"{sign}{number}"


_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _compact(size: float) -> str:
    """Three significant digits and a scale: "120k", "1.2M", "1.23M"; 999,999 is "1M"."""
    scale, suffix = next(((s, x) for s, x in _SCALES if size >= s * 0.9995), _SCALES[-1])
    scaled = size / scale
    places = max(0, 3 - len(str(int(scaled)))) if scaled >= 1 else 2
    text = f"{round(scaled, places):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{suffix}"


def _amount_field(amount: float | None) -> str | None:
    """A value as the edit form shows it again: short when that reads back exactly ("120k")."""
    if amount is None:
        return None
    short = _compact(amount) if amount >= 999.5 else ""
    if short and parse_amount(short)[0] == amount:
        return short
    return str(int(amount)) if amount == int(amount) else f"{amount:.2f}"


# The leaderboard


def leaderboard_message(board: Leaderboard) -> Message:
    """`/win leaderboard`: most thanked, most generous and cross-team thanks by direction, so far this
    week, month or quarter."""
    period = _PERIOD_WORDS[board.period]
    title = f"Wins leaderboard · {period} ({_span(board.starts_on, board.ends_on)})"
    if board.wins == 0:
        empty = f":seedling: No wins {period} yet. Celebrate one with `/win`, and thank the people behind it."
        return Message(
            text=f"{title}: no wins yet.",
            blocks=[
                HeaderBlock(text=PlainTextObject(text=title)),
                SectionBlock(text=MarkdownTextObject(text=empty)),
            ],
        )
    crossing = sum(d.count for d in board.directions)
    directions = " · ".join(f"{d.giver.label} → {d.receiver.label}: {d.count:,}" for d in board.directions)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=title)),
        section("*Most thanked*\n" + _ranking(board.most_thanked, _thanks)),
        section("*Most generous*\n" + _ranking(board.most_generous, lambda n: _thanks(n) + " given")),
        section("*Cross-team thanks*\n" + (directions or "None yet.")),
        context(f"{_count(board.wins, 'win')} · {_thanks(board.thanks)} · {crossing:,} across teams"),
    ]
    top = board.most_thanked[0] if board.most_thanked else None
    most = f"; most thanked {_person(top.user_id)} ({top.count:,})" if top else ""
    return Message(
        text=f"{title}: {_count(board.wins, 'win')}, {_thanks(board.thanks)}{most}",
        blocks=blocks,
    )


def _ranking(leaders: Sequence[Leader], counted: Callable[[int], str]) -> str:
    """ "1. <@U1> · 7 thanks · Marketing", one line each; people with the same count share a rank."""
    if not leaders:
        return "Nobody yet."
    lines = []
    rank = 0
    for index, leader in enumerate(leaders):
        if index == 0 or leader.count != leaders[index - 1].count:
            rank = index + 1
        team = f" · {leader.team.label}" if leader.team else ""
        lines.append(f"{rank}. {_person(leader.user_id)} · {counted(leader.count)}{team}")
    return cut("\n".join(lines), SECTION_TEXT)


# The weekly recap


def recap_message(recap: Recap, *, late: bool = False) -> Message:
    """The week's wins in the wins channel: how many, cross-team thanks against the weeks before, a
    line a win (up to RECAP_WINS, then "+N more") and the most thanked."""
    title = f"Wins of the week · {_span(recap.starts_on, recap.ends_on)}"
    head: list[Block] = [HeaderBlock(text=PlainTextObject(text=title))]
    if late:
        head.append(context(":hourglass: Posted late: Tandem was offline at the scheduled time."))
    if recap.is_empty:
        head.append(section("No wins posted this week — share one with `/win`."))
        return Message(text=f"{title}: no wins posted this week.", blocks=head)
    before = ", ".join(f"{count:,}" for _, count in recap.cross_team_before)
    summary = f"*{_count(recap.total, 'win')}* · {_thanks(recap.cross_team, 'cross-team thanks')}"
    if before:
        summary += f" ({before} the weeks before)"
    head.append(section(summary))
    shown = recap.wins[:RECAP_WINS]
    tail: list[Block] = []
    if recap.total > len(shown):
        tail.append(context(f"+{recap.total - len(shown):,} more this week"))
    if recap.most_thanked:
        leaders = _ranking(recap.most_thanked[:RECAP_LEADERS], _thanks)
        tail.append(section("*Most thanked*\n" + leaders))
    room = (MESSAGE_SIZE - sum(block_size(b) for b in head + tail)) // max(1, len(shown))
    allowance = min(RECAP_LINE_SIZE, room)
    lines = [_recap_line(win, allowance) for win in shown]
    return Message(
        text=cut(
            f"{title}: {_count(recap.total, 'win')}, {_thanks(recap.cross_team, 'cross-team thanks')}.",
            FALLBACK_TEXT,
        ),
        blocks=[*head, *lines, *tail],
    )


def _recap_line(win: Win, allowance: int) -> SectionBlock:
    """ "• *Closed deal* · Acme Corp · €120k · text · thanks to <@U1>, <@U2>" within `allowance` JSON
    characters: the text gives way first."""
    names = ", ".join(_person(t.user_id) for t in win.thanked[:RECAP_THANKED])
    if len(win.thanked) > RECAP_THANKED:
        names += f" +{len(win.thanked) - RECAP_THANKED} more"
    facts = [f"• *{_kind(win.kind)}*"]
    if win.account.strip():
        facts.append(fit(cut(win.account.strip(), ACCOUNT_SHOWN), 2 * ACCOUNT_SHOWN, json_length))
    if win.amount is not None:
        facts.append(amount_text(win.amount, win.currency))
    thanks = f"thanks to {names}" if names else ""
    fixed = " · ".join([*facts, thanks] if thanks else facts)
    room = allowance - block_size(section(fixed)) - json_length(" · ")
    text = fit(cut(win.text, RECAP_TEXT), room, json_length) if room > 10 else ""
    return section(" · ".join(p for p in [*facts, text, thanks] if p))


# App Home


def home_part(person: PersonWins, wants_dms: bool, *, is_admin: bool) -> list[Block]:
    """App Home's wins part, in HOME_BLOCKS blocks: thanks received, the person's last wins and the
    wins they were thanked in, "Celebrate a win", the DM toggle and (admins) the settings."""
    received = (
        f":raised_hands: Thanks received: *{person.thanks_received:,}* all time · "
        f"*{person.thanks_received_this_month:,}* this month"
    )
    posted = _home_list(
        "*Your last wins*",
        person.posted,
        lambda _: "",
        "You haven't posted a win yet: celebrate one with the button or `/win`.",
    )
    thanked_in = _home_list(
        "*Wins you were thanked in*",
        person.thanked_in,
        lambda win: f"from {_person(win.author_id)}",
        "Nobody has thanked you in a win yet.",
    )
    dms = Option(value=ON, text="DM me when I'm thanked")
    elements: list[Any] = [
        ButtonElement(text="Celebrate a win", action_id=OPEN_FORM_ACTION, style="primary"),
        CheckboxesElement(
            action_id=DMS_TOGGLE_ACTION, options=[dms], initial_options=[dms] if wants_dms else None
        ),
    ]
    if is_admin:
        elements.append(ButtonElement(text="Wins settings", action_id=OPEN_SETTINGS_ACTION))
    return [
        HeaderBlock(text=PlainTextObject(text="Wins")),
        section(received),
        section(posted),
        section(thanked_in),
        ActionsBlock(block_id=HOME_BLOCK, elements=elements),
    ]


def dms_wanted(action: Mapping[str, Any]) -> bool:
    """What App Home's "DM me when I'm thanked" checkbox now says."""
    return any(o.get("value") == ON for o in action.get("selected_options") or [])


def _home_list(heading: str, wins: Sequence[Win], extra: Callable[[Win], str], empty: str) -> str:
    shown = wins[:HOME_WINS]
    if not shown:
        return f"{heading}\n{empty}"
    room = (SECTION_TEXT - len(heading) - 40) // len(shown)
    lines = [heading]
    for win in shown:
        facts = [f"• {_short_date(win.created_at)} *{_kind(win.kind)}*"]
        if win.account.strip():
            facts.append(fit(cut(win.account.strip(), ACCOUNT_SHOWN), 2 * ACCOUNT_SHOWN, len))
        if win.amount is not None:
            facts.append(amount_text(win.amount, win.currency))
        after = [e for e in [extra(win)] if e]
        if win.card_permalink:
            after.append(link(win.card_permalink, "see it"))
        fixed = len(" · ".join(facts + after)) + 3
        text = fit(cut(win.text, HOME_TEXT), room - fixed, len) if room - fixed > 10 else ""
        lines.append(" · ".join(p for p in [*facts, text, *after] if p))
    return "\n".join(lines)


def _short_date(moment: datetime) -> str:
    """ "Nov 24" in each reader's own timezone (UTC's as the fallback)."""
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%b} {moment.day}>"


# The settings form (admins)


_SETTINGS_BLOCKS = {
    "channel": "wins.settings.channel",
    "recap_day": "wins.settings.recap_day",
    "recap_time": "wins.settings.recap_time",
    "daily_cap": "wins.settings.daily_cap",
}


def settings_form(settings: WinsSettings) -> View:
    """The modal admins set wins up in, showing the settings in effect."""
    low, high = DAILY_CAP_RANGE
    blocks: list[Block] = [
        channel_input(
            _SETTINGS_BLOCKS["channel"],
            "Wins channel",
            chosen=settings.channel,
            placeholder="Where wins are celebrated",
            hint="Invite Tandem there with /invite @Tandem. With no channel, wins are saved but not posted.",
        ),
        weekday_input(_SETTINGS_BLOCKS["recap_day"], "Weekly recap day", settings.recap_day),
        time_input(
            _SETTINGS_BLOCKS["recap_time"],
            "Weekly recap time",
            settings.recap_time,
            hint=f"In the workspace's timezone ({settings.timezone.key}).",
        ),
        InputBlock(
            block_id=_SETTINGS_BLOCKS["daily_cap"],
            label="Wins a person may post a day",
            element=NumberInputElement(
                action_id="value",
                is_decimal_allowed=False,
                min_value=str(low),
                max_value=str(high),
                initial_value=str(settings.daily_cap),
            ),
            hint="A guard against spam, counted in the workspace's day.",
        ),
    ]
    return settings_modal(SETTINGS_FORM, "Wins settings", blocks)


def read_settings_form(view: Mapping[str, Any]) -> tuple[WinsSettingsChange | None, dict[str, str]]:
    """The settings a submitted settings form holds, or None and the problems by block id."""
    form = FormValues(view["state"]["values"], _SETTINGS_BLOCKS.__getitem__)
    day, time, typed = form.option("recap_day"), form.time("recap_time"), form.text("daily_cap")
    low, high = DAILY_CAP_RANGE
    errors: dict[str, str] = {}
    if day not in WEEKDAY_NAMES:
        errors[_SETTINGS_BLOCKS["recap_day"]] = "Choose a day."
    if not TIME.match(time):
        errors[_SETTINGS_BLOCKS["recap_time"]] = "Choose a time, such as 16:00."
    cap = int(typed) if typed.isdigit() else None
    if cap is None or not low <= cap <= high:
        errors[_SETTINGS_BLOCKS["daily_cap"]] = f"A whole number from {low} to {high}."
    if errors or cap is None:
        return None, errors
    change = WinsSettingsChange(
        channel=form.channel("channel"), recap_day=day, recap_time=time, daily_cap=cap
    )
    problems = settings_errors(settings_problems(change))
    return (None, problems) if problems else (change, {})


def settings_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """A service's problems with settings by field, keyed by the settings form's block ids."""
    return {_SETTINGS_BLOCKS.get(field, _SETTINGS_BLOCKS["channel"]): m for field, m in problems.items()}


def settings_saved(settings: WinsSettings) -> str:
    """App Home's notice once an admin saved the settings (mrkdwn)."""
    where = (
        f"cards go to {_channel(settings.channel)}"
        if settings.channel
        else "no channel yet, so nothing is posted"
    )
    day_name = WEEKDAY_NAMES.get(settings.recap_day, settings.recap_day)
    return (
        f":white_check_mark: Wins settings saved: {where}; the recap comes {day_name}s at "
        f"{settings.recap_time} ({settings.timezone.key}); at most {_count(settings.daily_cap, 'win')} "
        "a person a day."
    )


# Small pieces


def _kind(kind: WinKind) -> str:
    return "Win" if kind is WinKind.OTHER else kind.label


def _person(user_id: str) -> str:
    """A mention of a person; anything that isn't a user id is shown, escaped, never as a mention."""
    return user(user_id) if is_user(user_id) else escape(user_id)


def _channel(channel: str) -> str:
    return f"<#{channel}>" if _CHANNEL_ID.match(channel) else escape(channel)


def _names(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def _thanks(number: int, noun: str = "thanks") -> str:
    """ "7 thanks", "1 thanks": a count of thank-yous reads the same in the singular."""
    return f"{number:,} {noun}"


def _span(start: date, end: date) -> str:
    """ "Nov 1–24", "Oct 1 – Nov 24", "Dec 29, 2025 – Jan 4, 2026", "Nov 24"."""
    if start == end:
        return f"{start:%b} {start.day}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%b} {start.day}–{end.day}"
    if start.year == end.year:
        return f"{start:%b} {start.day} – {end:%b} {end.day}"
    return f"{start:%b} {start.day}, {start.year} – {end:%b} {end.day}, {end.year}"
