"""Wins' Block Kit: the card as the channel sees it, user text kept inert, every message and view
within Slack's limits and accepted by its types, forms read back whole."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import wins as blocks
from bot.people import Team
from bot.wins import (
    ACCOUNT_MAX,
    RECAP_WINS,
    TEXT_MAX,
    THANKED_MAX,
    Direction,
    Leader,
    Leaderboard,
    Period,
    PersonWins,
    Recap,
    Thanks,
    Win,
    WinDraft,
    WinKind,
    WinsSettings,
    WinsSettingsChange,
)
from tests.block_checks import posted, texts, within_a_messages_limits
from tests.contract.checks import check_blocks, check_web_api_call

AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
CARD_LINK = "https://tandem-test.slack.com/archives/C0WINS/p1764000000000100"
SOURCE_LINK = "https://tandem-test.slack.com/archives/C0SALES/p1763990000000200"
# What a person may type at its longest, made of what escaping makes longer.
SNEAKY = "<!channel> @here <!subteam^S0SALES|@sales> <https://evil.example|prize> & *bold* ```"
LONGEST_TEXT = ((SNEAKY + "&" * 100) * 20)[:TEXT_MAX]
LONGEST_ACCOUNT = ("<!here> & " * 20)[:ACCOUNT_MAX]


def a_win(number: int = 12, **changes: Any) -> Win:
    fields: dict[str, Any] = {
        "id": number,
        "author_id": "U0ANA",
        "author_team": Team.SALES,
        "text": "Closed Acme Corp: the webinar lead became a three-year deal",
        "kind": WinKind.CLOSED_DEAL,
        "account": "Acme Corp",
        "amount": 120_000.0,
        "currency": "EUR",
        "thanked": (Thanks("U0MIA", Team.MARKETING), Thanks("U0BEN", Team.SALES)),
        "source_permalink": None,
        "created_at": AT,
        "edited_at": None,
        "card_channel": "C0WINS",
        "card_ts": "1764000000.000100",
        "card_permalink": CARD_LINK,
    }
    fields.update(changes)
    return Win(**fields)


def longest_win(number: int = 12) -> Win:
    return a_win(
        number,
        text=LONGEST_TEXT,
        account=LONGEST_ACCOUNT,
        amount=999_999_999_999.0,
        currency="CHF",
        thanked=tuple(Thanks(f"U0P{n:03}", Team.MARKETING) for n in range(THANKED_MAX)),
        source_permalink=SOURCE_LINK,
        edited_at=AT,
    )


def opened(view: Any) -> dict[str, Any]:
    """A view as views.open sends it, checked against Slack's types."""
    shown: dict[str, Any] = view.to_dict()
    assert check_web_api_call("views.open", {"trigger_id": "1.2.abc", "view": shown}) == []
    assert len(shown["blocks"]) <= 100
    return shown


def inert(shown: str) -> None:
    """Nothing a person typed pings, links or mentions."""
    for live in ("<!channel>", "<!here>", "<!subteam", "<https://evil", "@here", "@channel"):
        assert live not in shown
    assert "&lt;!channel&gt;" in shown or "&lt;!here&gt;" in shown


# The card


def test_the_card_says_what_was_won_who_is_thanked_and_that_it_crossed_teams() -> None:
    sent = posted(blocks.win_card(a_win()))

    assert texts(sent["blocks"]) == [
        ":tada: *Closed deal* · Acme Corp · €120k\n"
        "Closed Acme Corp: the webinar lead became a three-year deal",
        "Thanks to <@U0MIA> (Marketing), <@U0BEN> (Sales)",
        ":handshake: Sales → Marketing · cross-team thanks",
        "Celebrated by <@U0ANA>",
    ]
    menu = sent["blocks"][0]["accessory"]
    assert menu["action_id"] == blocks.CARD_MENU_ACTION
    assert [(o["text"]["text"], o["value"]) for o in menu["options"]] == [
        ("Edit", "edit:12"),
        ("Delete", "delete:12"),
    ]
    assert sent["blocks"][0]["block_id"] == "wins.card:12"
    assert sent["text"] == (
        "<@U0ANA> celebrated a win: Closed Acme Corp: the webinar lead became a three-year deal "
        "— thanks to <@U0MIA>, <@U0BEN>"
    )


def test_a_win_within_a_team_is_not_marked_and_links_the_message_it_came_from() -> None:
    win = a_win(
        kind=WinKind.OTHER,
        account="",
        amount=None,
        currency=None,
        thanked=(Thanks("U0BEN", Team.SALES), Thanks("U0CAT", None)),
        source_permalink=SOURCE_LINK,
        edited_at=AT,
    )

    shown = texts(posted(blocks.win_card(win))["blocks"])

    assert shown == [
        ":tada: *Win*\nClosed Acme Corp: the webinar lead became a three-year deal",
        "Thanks to <@U0BEN> (Sales), <@U0CAT>",
        f"Celebrated by <@U0ANA> · <{SOURCE_LINK}|from a message> · edited",
    ]


def test_user_text_on_the_card_cannot_ping_link_or_mention() -> None:
    win = a_win(text=SNEAKY, account="<!here> & co")

    sent = posted(blocks.win_card(win))
    shown = json.dumps(sent["blocks"], ensure_ascii=False)

    inert(shown)
    inert(sent["text"])
    first = sent["blocks"][0]["text"]["text"]
    assert first.startswith(
        ":tada: *Closed deal* · &lt;!here&gt; &amp; co · €120k\n&lt;!channel&gt; @\u2060here"
    )
    # The only mentions are those Tandem makes: the author and the people thanked.
    assert {part.split(">")[0] for part in shown.split("<@")[1:]} == {"U0MIA", "U0BEN", "U0ANA"}


def test_the_largest_card_fits_one_section_and_says_it_was_cut() -> None:
    sent = posted(blocks.win_card(longest_win()))

    first = sent["blocks"][0]["text"]["text"]
    assert len(first) <= 3000
    assert first.endswith("…")
    assert first.startswith(":tada: *Closed deal* · &lt;!here&gt; &amp; ")
    assert first.split("\n")[0].endswith(" · CHF 1T")
    assert sent["blocks"][1]["text"]["text"].count("(Marketing)") == THANKED_MAX
    inert(json.dumps(sent, ensure_ascii=False))


def test_the_cards_menu_choice_reads_back() -> None:
    assert blocks.chosen_card_action({"selected_option": {"value": "edit:12"}}) == ("edit", 12)
    assert blocks.chosen_card_action({"selected_option": {"value": "delete:7"}}) == ("delete", 7)
    assert blocks.chosen_card_action({"selected_option": {"value": "drop:7"}}) is None
    assert blocks.chosen_card_action({"selected_option": {"value": "delete:x"}}) is None
    assert blocks.chosen_card_action({}) is None


def test_deleting_is_confirmed_in_a_small_modal_that_names_the_win() -> None:
    view = opened(blocks.delete_form(a_win(text="<!here> big one")))

    assert view["callback_id"] == blocks.DELETE_FORM
    assert (view["submit"]["text"], view["close"]["text"]) == ("Delete", "Keep it")
    assert "&lt;!here&gt; big one" in view["blocks"][0]["text"]["text"]
    assert blocks.read_delete_form(view) == 12
    assert blocks.read_delete_form({"private_metadata": "nonsense"}) is None


# Answers


def test_the_author_hears_where_the_win_is_posted() -> None:
    answer = posted(blocks.celebrated_answer(a_win(), "C0WINS"))
    assert answer["text"] == (
        f":tada: Posted in <#C0WINS>, thanking <@U0MIA> and <@U0BEN>. <{CARD_LINK}|See it>."
    )


def test_without_a_wins_channel_the_author_hears_where_to_set_one() -> None:
    answer = posted(blocks.celebrated_answer(a_win(card_permalink=None), None))
    assert answer["text"] == (
        ":white_check_mark: Saved — but no wins channel is set; an admin can set one in "
        "App Home → Wins settings."
    )


def test_a_refused_card_says_why_in_words() -> None:
    refused = posted(blocks.card_not_posted("C0WINS", "not_in_channel"))["text"]
    assert refused.startswith(
        ":warning: Your win is saved, but I couldn't post it to <#C0WINS>: Tandem isn't"
    )
    assert "`/invite @Tandem` in <#C0WINS>" in refused
    odd = posted(blocks.card_not_posted("C0WINS", "<!here>"))["text"]
    assert "Slack said `&lt;!here&gt;`." in odd


def test_edits_deletions_and_refusals_are_answered() -> None:
    assert posted(blocks.edited_answer(a_win()))["text"].endswith(
        f"and so is its card. <{CARD_LINK}|See it>."
    )
    uncarded = a_win(card_channel=None, card_ts=None, card_permalink=None)
    assert posted(blocks.edited_answer(uncarded))["text"] == ":white_check_mark: The win is updated."
    deleted = posted(blocks.deleted_answer(a_win(text="<!channel> won")))["text"]
    assert "“&lt;!channel&gt; won” is deleted" in deleted
    refused = posted(blocks.problems_answer({"thanked": blocks.NOBODY_THANKED}))["text"]
    assert refused == ":warning: Mention who to thank: `/win Closed Acme thanks to @ana`."


def test_help_lists_every_way_to_use_win() -> None:
    text = posted(blocks.help_message())["text"]
    for usage, _ in blocks.USAGES:
        assert f"`{usage}`" in text
    assert "`/win leaderboard [week|month|quarter]`" in text
    assert "Celebrate as a win" in text
    assert text == blocks.HELP


# Amounts


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (120_000, "EUR", "€120k"),
        (1_200_000, "USD", "$1.2M"),
        (1_234_567, "GBP", "£1.23M"),
        (999_999, "JPY", "¥1M"),
        (12_500, "CHF", "CHF 12.5k"),
        (950, "EUR", "€950"),
        (12.5, "GBP", "£12.50"),
        (45_000, None, "45k"),
        (3_000_000_000, "INR", "₹3B"),
    ],
)
def test_a_value_reads_short_in_its_currency(amount: float, currency: str | None, shown: str) -> None:
    assert blocks.amount_text(amount, currency) == shown


@pytest.mark.parametrize(
    ("typed", "chosen", "read"),
    [
        ("120k", "EUR", (120_000.0, "EUR")),
        ("1.2M", None, (1_200_000.0, None)),
        ("45,000", "USD", (45_000.0, "USD")),
        ("45 000", "EUR", (45_000.0, "EUR")),
        ("€45k", None, (45_000.0, "EUR")),
        ("$1.5m", "CAD", (1_500_000.0, "CAD")),
        ("12.5k USD", None, (12_500.0, "USD")),
        ("SEK 300k", "SEK", (300_000.0, "SEK")),
        ("2bn", None, (2e9, None)),
    ],
)
def test_a_value_is_read_as_people_type_it(typed: str, chosen: str | None, read: tuple[float, str]) -> None:
    assert blocks.parse_amount(typed, chosen) == read


@pytest.mark.parametrize(
    ("typed", "chosen", "says"),
    [
        ("lots", None, "“lots” isn't a number: try 45000, 120k or 1.2M."),
        ("1,5", None, "isn't a number"),
        ("-5k", None, "A win's value can't be negative."),
        ("€5k", "USD", "That value is in EUR, but the currency chosen is USD: choose one."),
        ("5k XYZ", None, "Tandem doesn't know the currency XYZ"),
        ("9" * 20, None, "is more than any win"),
    ],
)
def test_a_value_that_is_not_one_is_refused_in_words(typed: str, chosen: str | None, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        blocks.parse_amount(typed, chosen)


# The win form


def filled(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A submitted view as Slack sends it: each input's value where its element type keeps it."""
    keys: dict[str, Callable[[Any], dict[str, Any]]] = {
        "static_select": lambda v: {"selected_option": {"value": v}},
        "plain_text_input": lambda v: {"value": v},
        "timepicker": lambda v: {"selected_time": v},
        "conversations_select": lambda v: {"selected_conversation": v},
        "multi_users_select": lambda v: {"selected_users": v},
        "number_input": lambda v: {"value": v},
    }
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] == "input" and block["block_id"] in values:
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: keys[element["type"]](values[block["block_id"]])
            }
    return {**view, "state": {"values": state}}


FORM_IDS = [
    "wins.form.text",
    "wins.form.thanked",
    "wins.form.kind",
    "wins.form.account",
    "wins.form.amount",
    "wins.form.currency",
]


def test_the_form_asks_what_happened_and_who_to_thank_and_reads_back_a_win() -> None:
    view = opened(blocks.win_form())

    assert view["callback_id"] == blocks.FORM
    assert (view["title"]["text"], view["submit"]["text"]) == ("Celebrate a win", "Post it")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == FORM_IDS
    assert [b.get("optional", False) for b in inputs.values()] == [False, False, False, True, True, True]
    text, thanked = inputs["wins.form.text"]["element"], inputs["wins.form.thanked"]["element"]
    assert (text["multiline"], text["max_length"]) == (True, TEXT_MAX)
    assert (thanked["type"], thanked["max_selected_items"]) == ("multi_users_select", THANKED_MAX)
    assert [o["value"] for o in inputs["wins.form.kind"]["element"]["options"]] == [k.value for k in WinKind]
    assert [o["value"] for o in inputs["wins.form.currency"]["element"]["options"]] == list(blocks.CURRENCIES)
    assert json.loads(view["private_metadata"]) == {"edit": None, "permalink": None}

    draft, errors, edited = blocks.read_win_form(
        filled(
            view,
            {
                "wins.form.text": "  Closed Acme <!here>  ",
                "wins.form.thanked": ["U0MIA", "U0BEN", "U0MIA"],
                "wins.form.kind": "closed_deal",
                "wins.form.account": " Acme Corp ",
                "wins.form.amount": "120k",
                "wins.form.currency": "EUR",
            },
        )
    )

    assert (errors, edited) == ({}, None)
    assert draft == WinDraft(
        text="Closed Acme <!here>",  # stored as typed; every renderer escapes it
        thanked=("U0MIA", "U0BEN"),
        kind=WinKind.CLOSED_DEAL,
        account="Acme Corp",
        amount=120_000.0,
        currency="EUR",
    )


def test_the_edit_form_is_prefilled_and_remembers_the_win_and_its_message() -> None:
    draft = WinDraft(
        text="Saved Globex",
        thanked=("U0MIA",),
        kind=WinKind.CUSTOMER_SAVED,
        account="Globex",
        amount=1_200_000.0,
        currency="USD",
        source_permalink=SOURCE_LINK,
    )

    view = opened(blocks.win_form(draft, editing=12))

    assert (view["title"]["text"], view["submit"]["text"]) == ("Edit a win", "Save")
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["wins.form.text"]["initial_value"] == "Saved Globex"
    assert inputs["wins.form.thanked"]["initial_users"] == ["U0MIA"]
    assert inputs["wins.form.kind"]["initial_option"]["value"] == "customer_saved"
    assert inputs["wins.form.account"]["initial_value"] == "Globex"
    assert inputs["wins.form.amount"]["initial_value"] == "1.2M"
    assert inputs["wins.form.currency"]["initial_option"]["value"] == "USD"
    assert json.loads(view["private_metadata"]) == {"edit": 12, "permalink": SOURCE_LINK}
    assert f"<{SOURCE_LINK}|the message>" in json.dumps(view["blocks"])

    # Submitted untouched, it reads back as it was shown.
    values = {
        "wins.form.text": "Saved Globex",
        "wins.form.thanked": ["U0MIA"],
        "wins.form.kind": "customer_saved",
        "wins.form.account": "Globex",
        "wins.form.amount": inputs["wins.form.amount"]["initial_value"],
        "wins.form.currency": "USD",
    }
    assert blocks.read_win_form(filled(view, values)) == (draft, {}, 12)


def test_a_value_that_reads_back_inexactly_is_shown_whole() -> None:
    draft = WinDraft(text="x", thanked=("U0MIA",), amount=1_234_567.0, currency="EUR")
    view = opened(blocks.win_form(draft))
    [amount] = [b["element"] for b in view["blocks"] if b.get("block_id") == "wins.form.amount"]
    assert amount["initial_value"] == "1234567"


def test_a_message_prefills_the_form_thanking_its_author() -> None:
    draft = blocks.draft_from_message("x" * (TEXT_MAX + 50), "U0MIA", "U0ANA", SOURCE_LINK)
    assert draft.thanked == ("U0MIA",)
    assert len(draft.text) == TEXT_MAX
    assert draft.source_permalink == SOURCE_LINK
    assert blocks.draft_from_message("mine", "U0ANA", "U0ANA", None).thanked == ()

    view = opened(blocks.win_form(draft, permalink=SOURCE_LINK))
    assert json.loads(view["private_metadata"])["permalink"] == SOURCE_LINK


def test_a_value_that_isnt_a_number_shows_under_the_value_and_nothing_is_read() -> None:
    view = opened(blocks.win_form())
    values = {"wins.form.text": "Won", "wins.form.thanked": ["U0MIA"], "wins.form.amount": "a lot"}

    draft, errors, _ = blocks.read_win_form(filled(view, values))

    assert draft is None
    assert errors == {"wins.form.amount": "“a lot” isn't a number: try 45000, 120k or 1.2M."}


def test_a_currency_without_a_value_is_dropped_and_a_missing_kind_is_other() -> None:
    view = opened(blocks.win_form())
    values = {"wins.form.text": "Won", "wins.form.thanked": ["U0MIA"], "wins.form.currency": "EUR"}

    draft, errors, _ = blocks.read_win_form(filled(view, values))

    assert errors == {}
    assert draft == WinDraft(text="Won", thanked=("U0MIA",), kind=WinKind.OTHER)


def test_the_services_problems_land_under_their_fields() -> None:
    assert blocks.form_errors(
        {
            "text": "Too long.",
            "thanked": "Thank someone besides yourself.",
            "amount": "Negative.",
            "currency": "Not a code.",
            "account": "Too long.",
            "surprise": "Odd.",
        }
    ) == {
        "wins.form.text": "Too long. Odd.",
        "wins.form.thanked": "Thank someone besides yourself.",
        "wins.form.amount": "Negative.",
        "wins.form.currency": "Not a code.",
        "wins.form.account": "Too long.",
    }


# The leaderboard


def a_board(**changes: Any) -> Leaderboard:
    fields: dict[str, Any] = {
        "period": Period.MONTH,
        "starts_on": date(2026, 11, 1),
        "ends_on": date(2026, 11, 24),
        "most_thanked": (
            Leader("U0MIA", Team.MARKETING, 7),
            Leader("U0BEN", Team.SALES, 5),
            Leader("U0CAT", None, 5),
            Leader("U0DAN", Team.SALES, 2),
        ),
        "most_generous": (Leader("U0ANA", Team.SALES, 9), Leader("U0MIA", Team.MARKETING, 4)),
        "directions": (
            Direction(Team.SALES, Team.MARKETING, 12),
            Direction(Team.MARKETING, Team.SALES, 5),
        ),
        "wins": 14,
        "thanks": 31,
    }
    fields.update(changes)
    return Leaderboard(**fields)


def test_the_leaderboard_ranks_the_thanked_the_generous_and_cross_team_thanks() -> None:
    sent = posted(blocks.leaderboard_message(a_board()))

    assert texts(sent["blocks"]) == [
        "Wins leaderboard · this month (Nov 1–24)",
        "*Most thanked*\n1. <@U0MIA> · 7 thanks · Marketing\n2. <@U0BEN> · 5 thanks · Sales\n"
        "2. <@U0CAT> · 5 thanks\n4. <@U0DAN> · 2 thanks · Sales",
        "*Most generous*\n1. <@U0ANA> · 9 thanks given · Sales\n2. <@U0MIA> · 4 thanks given · Marketing",
        "*Cross-team thanks*\nSales → Marketing: 12 · Marketing → Sales: 5",
        "14 wins · 31 thanks · 17 across teams",
    ]
    assert (
        sent["text"]
        == "Wins leaderboard · this month (Nov 1–24): 14 wins, 31 thanks; most thanked <@U0MIA> (7)"
    )


@pytest.mark.parametrize(
    ("period", "starts_on", "ends_on", "header"),
    [
        (Period.WEEK, date(2026, 11, 23), date(2026, 11, 23), "Wins leaderboard · this week (Nov 23)"),
        (
            Period.QUARTER,
            date(2026, 10, 1),
            date(2026, 11, 24),
            "Wins leaderboard · this quarter (Oct 1 – Nov 24)",
        ),
        (
            Period.WEEK,
            date(2026, 12, 28),
            date(2027, 1, 2),
            "Wins leaderboard · this week (Dec 28, 2026 – Jan 2, 2027)",
        ),
    ],
)
def test_the_leaderboard_names_its_period(
    period: Period, starts_on: date, ends_on: date, header: str
) -> None:
    sent = posted(blocks.leaderboard_message(a_board(period=period, starts_on=starts_on, ends_on=ends_on)))
    assert sent["blocks"][0]["text"]["text"] == header


def test_an_empty_leaderboard_invites_the_first_win() -> None:
    board = a_board(most_thanked=(), most_generous=(), wins=0, thanks=0)
    sent = posted(blocks.leaderboard_message(board))
    assert texts(sent["blocks"])[1] == (
        ":seedling: No wins this month yet. Celebrate one with `/win`, and thank the people behind it."
    )


def test_a_full_leaderboard_stays_small() -> None:
    leaders = tuple(Leader(f"U0P{n:03}", Team.MARKETING, 1000 - n) for n in range(10))
    sent = posted(blocks.leaderboard_message(a_board(most_thanked=leaders, most_generous=leaders)))
    assert len(sent["blocks"]) <= 6


# The weekly recap


def a_recap(wins: tuple[Win, ...], **changes: Any) -> Recap:
    fields: dict[str, Any] = {
        "week": "2026-W48",
        "starts_on": date(2026, 11, 23),
        "ends_on": date(2026, 11, 29),
        "wins": wins,
        "total": len(wins),
        "most_thanked": (Leader("U0MIA", Team.MARKETING, 3), Leader("U0BEN", Team.SALES, 1)),
        "cross_team": 7,
        "cross_team_before": (("2026-W44", 4), ("2026-W45", 6), ("2026-W46", 3), ("2026-W47", 5)),
    }
    fields.update(changes)
    return Recap(**fields)


def test_the_recap_counts_the_weeks_wins_lists_them_and_names_the_most_thanked() -> None:
    won = a_win(1)
    launched = a_win(2, kind=WinKind.LAUNCH, account="", amount=None, thanked=(Thanks("U0CAT", None),))

    sent = posted(blocks.recap_message(a_recap((won, launched))))

    assert texts(sent["blocks"]) == [
        "Wins of the week · Nov 23–29",
        "*2 wins* · 7 cross-team thanks (4, 6, 3, 5 the weeks before)",
        "• *Closed deal* · Acme Corp · €120k · Closed Acme Corp: the webinar lead became a three-year deal"
        " · thanks to <@U0MIA>, <@U0BEN>",
        "• *Launch* · Closed Acme Corp: the webinar lead became a three-year deal · thanks to <@U0CAT>",
        "*Most thanked*\n1. <@U0MIA> · 3 thanks · Marketing\n2. <@U0BEN> · 1 thanks · Sales",
    ]
    assert sent["text"] == "Wins of the week · Nov 23–29: 2 wins, 7 cross-team thanks."


def test_the_largest_recap_stays_within_a_messages_limits_and_counts_the_rest() -> None:
    wins = tuple(longest_win(n) for n in range(RECAP_WINS))
    leaders = tuple(Leader(f"U0P{n:03}", Team.MARKETING, 9) for n in range(5))

    sent = posted(blocks.recap_message(a_recap(wins, total=480, most_thanked=leaders), late=True))

    assert sum(len(json.dumps(b)) for b in sent["blocks"]) <= blocks.MESSAGE_SIZE
    shown = texts(sent["blocks"])
    assert "Posted late: Tandem was offline at the scheduled time." in shown[1]
    assert "+460 more this week" in shown
    lines = [t for t in shown if t.startswith("• ")]
    assert len(lines) == RECAP_WINS
    assert all(line.endswith(f"<@U0P004> +{THANKED_MAX - 5} more") for line in lines)
    assert all("…" in line for line in lines)  # each text cut, none dropped whole
    inert(json.dumps(sent, ensure_ascii=False))


def test_a_long_text_is_cut_on_its_recap_line() -> None:
    sent = posted(blocks.recap_message(a_recap((a_win(text="word " * 100),))))
    [line] = [t for t in texts(sent["blocks"]) if t.startswith("• ")]
    assert "word word…" in line
    assert len(line.split(" · ")[3]) <= 150


def test_an_empty_week_says_so_and_invites_a_win() -> None:
    sent = posted(blocks.recap_message(a_recap((), most_thanked=(), cross_team=0)))
    assert texts(sent["blocks"]) == [
        "Wins of the week · Nov 23–29",
        "No wins posted this week — share one with `/win`.",
    ]


# App Home


def test_app_homes_part_shows_thanks_received_and_the_persons_wins() -> None:
    person = PersonWins(
        posted=(a_win(1),),
        thanked_in=(a_win(2, author_id="U0BEN", card_permalink=None),),
        thanks_received=12,
        thanks_received_this_month=3,
    )

    part = [b.to_dict() for b in blocks.home_part(person, True, is_admin=False)]

    assert check_blocks(part) == []
    assert len(part) <= blocks.HOME_BLOCKS
    shown = texts(part)
    assert shown[:2] == ["Wins", ":raised_hands: Thanks received: *12* all time · *3* this month"]
    assert shown[2] == (
        "*Your last wins*\n• <!date^1795534200^{date_short}|Nov 24> *Closed deal* · Acme Corp · €120k · "
        f"Closed Acme Corp: the webinar lead became a three-year deal · <{CARD_LINK}|see it>"
    )
    assert shown[3].startswith("*Wins you were thanked in*\n• ")
    assert shown[3].endswith("three-year deal · from <@U0BEN>")
    actions = part[-1]["elements"]
    assert [e.get("action_id") for e in actions] == [blocks.OPEN_FORM_ACTION, blocks.DMS_TOGGLE_ACTION]
    assert actions[1]["initial_options"][0]["text"]["text"] == "DM me when I'm thanked"


def test_admins_get_the_settings_and_an_empty_part_says_what_to_do() -> None:
    nobody = PersonWins(posted=(), thanked_in=(), thanks_received=0, thanks_received_this_month=0)

    part = [b.to_dict() for b in blocks.home_part(nobody, False, is_admin=True)]

    assert check_blocks(part) == []
    actions = part[-1]["elements"]
    assert [e.get("action_id") for e in actions][-1] == blocks.OPEN_SETTINGS_ACTION
    assert "initial_options" not in actions[1]
    shown = texts(part)
    assert "You haven't posted a win yet" in shown[2]
    assert "Nobody has thanked you in a win yet." in shown[3]


def test_the_largest_home_part_stays_within_each_sections_limit() -> None:
    many = tuple(longest_win(n) for n in range(8))
    person = PersonWins(posted=many, thanked_in=many, thanks_received=10**6, thanks_received_this_month=999)

    part = [b.to_dict() for b in blocks.home_part(person, True, is_admin=True)]

    assert check_blocks(part) == []
    assert len(part) == blocks.HOME_BLOCKS
    within_a_messages_limits(part)
    assert texts(part)[2].count("\n• ") == blocks.HOME_WINS
    inert(json.dumps(part, ensure_ascii=False))


def test_the_dm_checkbox_reads_back() -> None:
    assert blocks.dms_wanted({"selected_options": [{"value": "on"}]}) is True
    assert blocks.dms_wanted({"selected_options": []}) is False


# The settings form


def a_settings(**changes: Any) -> WinsSettings:
    fields: dict[str, Any] = {
        "channel": "C0WINS",
        "recap_day": "fri",
        "recap_time": "16:00",
        "daily_cap": 10,
        "timezone": ZoneInfo("Europe/Paris"),
    }
    fields.update(changes)
    return WinsSettings(**fields)


def test_the_settings_form_shows_the_settings_and_reads_back_a_change() -> None:
    view = opened(blocks.settings_form(a_settings()))

    assert view["callback_id"] == blocks.SETTINGS_FORM
    initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert initial["wins.settings.channel"]["initial_conversation"] == "C0WINS"
    assert initial["wins.settings.recap_day"]["initial_option"]["value"] == "fri"
    assert initial["wins.settings.recap_time"]["initial_time"] == "16:00"
    cap = initial["wins.settings.daily_cap"]
    assert (cap["type"], cap["initial_value"], cap["min_value"], cap["max_value"]) == (
        "number_input",
        "10",
        "1",
        "100",
    )

    values = {
        "wins.settings.channel": "C0CELEBRATE",
        "wins.settings.recap_day": "mon",
        "wins.settings.recap_time": "09:30",
        "wins.settings.daily_cap": "25",
    }
    assert blocks.read_settings_form(filled(view, values)) == (
        WinsSettingsChange(channel="C0CELEBRATE", recap_day="mon", recap_time="09:30", daily_cap=25),
        {},
    )
    no_channel = {**values, "wins.settings.channel": None}
    assert blocks.read_settings_form(filled(view, no_channel))[0] == WinsSettingsChange(
        None, "mon", "09:30", 25
    )


@pytest.mark.parametrize("cap", ["0", "101", "ten", ""])
def test_a_daily_cap_out_of_range_is_refused_under_it(cap: str) -> None:
    view = opened(blocks.settings_form(a_settings(channel=None)))
    values = {
        "wins.settings.recap_day": "fri",
        "wins.settings.recap_time": "16:00",
        "wins.settings.daily_cap": cap,
    }
    assert blocks.read_settings_form(filled(view, values)) == (
        None,
        {"wins.settings.daily_cap": "A whole number from 1 to 100."},
    )


def test_settings_saved_says_where_when_and_how_many() -> None:
    assert blocks.settings_saved(a_settings()) == (
        ":white_check_mark: Wins settings saved: cards go to <#C0WINS>; the recap comes Fridays at 16:00 "
        "(Europe/Paris); at most 10 wins a person a day."
    )
    assert "no channel yet" in blocks.settings_saved(a_settings(channel=None))
    assert blocks.settings_errors({"daily_cap": "Too many."}) == {"wins.settings.daily_cap": "Too many."}


def test_the_services_own_checks_of_settings_show_under_their_fields() -> None:
    view = opened(blocks.settings_form(a_settings()))
    values = {
        "wins.settings.channel": "not-a-channel",
        "wins.settings.recap_day": "fri",
        "wins.settings.recap_time": "16:00",
        "wins.settings.daily_cap": "10",
    }
    change, errors = blocks.read_settings_form(filled(view, values))
    assert change is None
    assert list(errors) == ["wins.settings.channel"]
