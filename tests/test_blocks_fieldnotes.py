"""Field notes' Block Kit: the card as the channel sees it, user text kept inert in every field, every
message and view within Slack's limits and accepted by its types, the form read back whole."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.blocks import fieldnotes as blocks
from bot.blocks.text import WORD_JOINER
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
from tests.block_checks import posted, texts, within_a_messages_limits
from tests.contract.checks import check_blocks, check_web_api_call

AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
TODAY = date(2026, 11, 24)
CARD_LINK = "https://tandem-test.slack.com/archives/C0FIELD/p1764000000000100"
# What a person may type at its longest, made of what escaping makes longer.
SNEAKY = "<!channel> @here <!subteam^S0SALES|@sales> <https://evil.example|prize> & *bold* ```"


def longest(limit: int) -> str:
    return ((SNEAKY + "&" * 100 + "é") * 200)[:limit]


def a_note(number: int = 7, **changes: Any) -> FieldNote:
    fields: dict[str, Any] = {
        "id": number,
        "author_id": "U0MIA",
        "account": "Acme Corp",
        "visited_on": date(2026, 11, 24),
        "kind": VisitKind.CUSTOMER_VISIT,
        "went": ("U0MIA", "U0BEN"),
        "met": "Jane Doe (CTO)",
        "heard": "They want SSO before renewal",
        "competitors": "Initech, Globex",
        "feedback": "Reports are slow",
        "follow_ups": (
            FollowUp("Send the SSO roadmap", True, "U0BEN", 12),
            FollowUp("Book a demo", False, None, None),
        ),
        "created_at": AT,
        "edited_at": None,
        "card_channel": "C0FIELD",
        "card_ts": "1764000000.000100",
        "card_permalink": CARD_LINK,
    }
    fields.update(changes)
    return FieldNote(**fields)


def sneaky_note(number: int = 7) -> FieldNote:
    """Every field someone types holds what could ping, link or format."""
    return a_note(
        number,
        account="<!here> & co",
        met=SNEAKY,
        heard=SNEAKY,
        competitors=SNEAKY,
        feedback=SNEAKY,
        follow_ups=(FollowUp(SNEAKY, True, "U0BEN", 12), FollowUp("<!everyone>", False, None, None)),
    )


def longest_note(number: int = 7) -> FieldNote:
    return a_note(
        number,
        account=longest(ACCOUNT_MAX),
        went=tuple(f"U0P{n:03}" for n in range(WENT_MAX)),
        met=longest(MET_MAX),
        heard=longest(TEXT_MAX),
        competitors=longest(TEXT_MAX),
        feedback=longest(TEXT_MAX),
        follow_ups=tuple(FollowUp(longest(FOLLOW_UP_MAX), True, "U0BEN", 10_000 + n) for n in range(5)),
        edited_at=AT,
        card_permalink=CARD_LINK + "?thread_ts=" + "9" * 40,
    )


def opened(view: Any) -> dict[str, Any]:
    """A view as views.open sends it, checked against Slack's types and limits."""
    shown: dict[str, Any] = view.to_dict()
    assert check_web_api_call("views.open", {"trigger_id": "1.2.abc", "view": shown}) == []
    assert len(shown["blocks"]) <= 100
    assert len(shown.get("private_metadata") or "") <= 3000
    for block in shown["blocks"]:
        text = block.get("text")
        if isinstance(text, dict):
            assert len(text["text"]) <= 3000
    return shown


def inert(shown: str) -> None:
    """Nothing a person typed pings, links or mentions."""
    for live in ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<https://evil", "@here", "@channel"):
        assert live not in shown
    assert "&lt;!channel&gt;" in shown or "&lt;!here&gt;" in shown


def mentions(shown: str) -> set[str]:
    return {part.split(">")[0] for part in shown.split("<@")[1:]}


# The card


def test_the_card_says_where_when_who_what_was_heard_and_what_follows() -> None:
    sent = posted(blocks.note_card(a_note()))

    assert texts(sent["blocks"]) == [
        ":busts_in_silhouette: Customer visit · *Acme Corp* · Tue, Nov 24, 2026\n"
        "*Went:* <@U0MIA>, <@U0BEN>\n*Met:* Jane Doe (CTO)",
        "*Heard:* They want SSO before renewal",
        "*Competitors:* Initech, Globex\n*Product feedback:* Reports are slow",
        "*Follow-ups:*\n• Send the SSO roadmap → #12 (<@U0BEN>)\n• Book a demo",
        "Logged by <@U0MIA>",
    ]
    assert sent["blocks"][0]["block_id"] == "fieldnotes.card:7"
    buttons = sent["blocks"][-2]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (blocks.DETAILS_ACTION, "7"),
        (blocks.EDIT_ACTION, "7"),
    ]
    assert (blocks.DETAILS_ACTION, blocks.EDIT_ACTION) == ("fieldnotes.details", "fieldnotes.edit")
    assert blocks.note_id_in(buttons[0]) == 7
    assert blocks.note_id_in({"value": "x"}) is None
    assert sent["text"] == "<@U0MIA> logged a customer visit: Acme Corp — They want SSO before renewal"


def test_a_follow_up_links_to_its_issues_card_when_the_card_is_known() -> None:
    permalink = "https://acme.slack.com/archives/C0TRACKER/p1795500000000100"
    sent = posted(blocks.note_card(a_note(), {12: permalink}))

    assert f"• Send the SSO roadmap → <{permalink}|#12> (<@U0BEN>)" in texts(sent["blocks"])[3]


def test_a_short_note_shows_only_what_it_has() -> None:
    note = a_note(
        kind=VisitKind.CALL,
        went=(),
        met="",
        heard="",
        competitors="",
        feedback="Exports to CSV please",
        follow_ups=(),
        edited_at=AT,
    )

    shown = texts(posted(blocks.note_card(note))["blocks"])

    assert shown == [
        ":telephone_receiver: Call · *Acme Corp* · Tue, Nov 24, 2026",
        "*Product feedback:* Exports to CSV please",
        "Logged by <@U0MIA> · edited",
    ]


def test_user_text_on_the_card_cannot_ping_link_or_mention_in_any_field() -> None:
    sent = posted(blocks.note_card(sneaky_note()))
    shown = json.dumps(sent["blocks"], ensure_ascii=False)

    inert(shown)
    inert(sent["text"])
    assert "*Acme" not in shown
    assert "· *&lt;!here&gt; &amp; co* ·" in shown
    assert shown.count("&lt;!channel&gt; @\u2060here") == 5  # met, heard, competitors, feedback, follow-up
    assert "&lt;!everyone&gt;" in shown
    # The only mentions are those Tandem makes: who went, the author and the follow-up's owner.
    assert mentions(shown) == {"U0MIA", "U0BEN"}


def test_the_largest_card_stays_within_a_messages_limits_and_says_it_was_cut() -> None:
    sent = posted(blocks.note_card(longest_note()))

    shown = texts(sent["blocks"])
    assert shown[0].count("<@U0P") == WENT_MAX
    assert shown[1].startswith("*Heard:* &lt;!channel&gt;")
    assert shown[1].endswith("…")
    assert shown[3].count("\n• ") == FOLLOW_UPS_MAX
    assert "→ #10004 (<@U0BEN>)" in shown[3]
    inert(json.dumps(sent, ensure_ascii=False))


@pytest.mark.parametrize("kind", list(VisitKind))
def test_each_kind_has_its_mark_and_label(kind: VisitKind) -> None:
    first = texts(posted(blocks.note_card(a_note(kind=kind)))["blocks"])[0]
    assert f" {kind.label} · *Acme Corp*" in first
    assert first.startswith(":")


def test_the_thread_starts_with_an_invitation_to_discuss() -> None:
    sent = posted(blocks.thread_starter())
    assert "Discuss this note here — what should we do about it?" in sent["text"]


# The Details modal


def test_details_show_the_whole_note() -> None:
    view = opened(blocks.details_view(a_note(heard="word " * 400)))

    assert view["callback_id"] == blocks.DETAILS_VIEW
    assert json.loads(view["private_metadata"]) == {"note": 7}
    shown = texts(view["blocks"])
    assert shown[0] == ":busts_in_silhouette: Customer visit"
    assert shown[1] == (
        "*Account:* Acme Corp\n*Date:* Tue, Nov 24, 2026\n*Logged by:* <@U0MIA>\n*Went:* <@U0MIA>, <@U0BEN>"
    )
    assert shown[2] == "*Who we met*\nJane Doe (CTO)"
    assert shown[3] == "*What we heard*\n" + ("word " * 400).strip()  # in full, not an excerpt
    assert "*Follow-ups*\n• Send the SSO roadmap → #12 (<@U0BEN>)\n• Book a demo" in shown
    assert shown[-1] == f"<{CARD_LINK}|Open its card and thread>"


def test_the_largest_note_shows_in_full_over_sections_within_a_modals_limits() -> None:
    note = longest_note()

    view = opened(blocks.details_view(note))

    shown = json.dumps(view, ensure_ascii=False)
    inert(shown)
    # Every character typed is there, escaped, over as many sections as it took: nothing cut.
    shown_texts = texts(view["blocks"])
    start = next(i for i, t in enumerate(shown_texts) if t.startswith("*What we heard*\n"))
    heard = [shown_texts[start].removeprefix("*What we heard*\n")]
    for text in shown_texts[start + 1 :]:
        if text.startswith("*Competitors mentioned*\n"):
            break
        heard.append(text)
    assert len(heard) > 1
    assert html.unescape("".join(heard)).replace(WORD_JOINER, "") == note.heard
    assert mentions(shown) == {"U0MIA", "U0BEN"} | set(note.went)
    follow_ups = html.unescape("\n".join(shown_texts)).replace(WORD_JOINER, "")
    for follow_up in note.follow_ups:  # each in full
        assert f"• {follow_up.text.strip()} → #{follow_up.issue_number} (<@U0BEN>)" in follow_ups


def test_details_keep_every_field_inert() -> None:
    view = opened(blocks.details_view(sneaky_note()))
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    inert(shown)
    assert mentions(shown) == {"U0MIA", "U0BEN"}


# Answers


def test_the_author_hears_where_the_note_went_and_which_issues_were_raised() -> None:
    answer = posted(blocks.saved_answer(a_note(), "C0FIELD", [12, 13]))
    assert answer["text"] == (
        ":white_check_mark: Logged your visit to *Acme Corp* in <#C0FIELD>; follow-ups raised as #12, #13. "
        f"<{CARD_LINK}|See it>."
    )
    call = posted(blocks.saved_answer(a_note(kind=VisitKind.CALL, card_permalink=None), "C0FIELD", []))
    assert call["text"] == ":white_check_mark: Logged your call with *Acme Corp* in <#C0FIELD>."


def test_without_a_channel_the_author_hears_the_note_is_kept_but_not_posted() -> None:
    answer = posted(blocks.saved_answer(a_note(account="<!here>", card_permalink=None), None, [12]))
    assert answer["text"].startswith(
        ":white_check_mark: Logged your visit to *&lt;!here&gt;*; follow-ups raised as #12. "
        "No field-notes channel is configured"
    )


def test_edits_and_refusals_are_answered() -> None:
    assert posted(blocks.edited_answer(a_note()))["text"].endswith(
        f"and so is its card. <{CARD_LINK}|See it>."
    )
    uncarded = a_note(card_channel=None, card_ts=None, card_permalink=None)
    assert posted(blocks.edited_answer(uncarded))["text"] == ":white_check_mark: The note is updated."
    refused = posted(blocks.problems_answer({"account": "Name the account <!here>."}))["text"]
    assert refused == ":warning: Name the account &lt;!here&gt;."


def test_help_lists_every_way_to_use_fieldnote() -> None:
    text = posted(blocks.help_message())["text"]
    for usage, _ in blocks.USAGES:
        assert f"`{usage}`" in text
    assert text == blocks.HELP
    assert blocks.COMMAND == "/fieldnote"


# Lists


def test_a_list_has_a_line_a_note_with_a_link_to_its_card() -> None:
    found = Found(notes=(a_note(2), a_note(1, kind=VisitKind.EVENT, heard="", card_permalink=None)), total=2)

    sent = posted(blocks.notes_list(found, "Field notes on Acme"))

    assert texts(sent["blocks"]) == [
        "*Field notes on Acme* · 2 notes",
        "• Tue, Nov 24, 2026 · Customer visit · *Acme Corp* · <@U0MIA> · They want SSO before renewal · "
        f"<{CARD_LINK}|card>",
        "• Tue, Nov 24, 2026 · Event or trade show · *Acme Corp* · <@U0MIA> · Reports are slow",
    ]
    assert sent["text"] == "Field notes on Acme: 2 notes"


def test_an_empty_list_says_so_kindly() -> None:
    sent = posted(blocks.notes_list(Found(notes=(), total=0), "Search for <!here>"))
    assert sent["text"] == "*Search for &lt;!here&gt;*: no field notes found. Log one with `/fieldnote`."


def test_the_largest_list_stays_within_a_messages_limits_and_counts_the_rest() -> None:
    found = Found(notes=tuple(longest_note(n) for n in range(LIST_CAP)), total=200_000)

    sent = posted(blocks.notes_list(found, longest(200)))

    shown = texts(sent["blocks"])
    assert len([t for t in shown if t.startswith("• ")]) == LIST_CAP
    assert shown[-1].startswith("+199,980 more")
    assert all(t.endswith("|card>") for t in shown if t.startswith("• "))
    inert(json.dumps(sent, ensure_ascii=False))


def test_list_lines_keep_user_text_inert() -> None:
    sent = posted(blocks.notes_list(Found(notes=(sneaky_note(),), total=1), "Mine"))
    shown = json.dumps(sent, ensure_ascii=False)
    inert(shown)
    assert mentions(shown) == {"U0MIA"}


# App Home


def test_app_homes_part_shows_my_notes_and_the_teams_this_month() -> None:
    mine = Found(notes=(a_note(2),), total=1)
    team = Found(notes=(a_note(2), a_note(1, author_id="U0BEN", card_permalink=None)), total=9)

    part = [b.to_dict() for b in blocks.home_part(mine, team)]

    assert check_blocks(part) == []
    assert len(part) <= blocks.HOME_BLOCKS <= 5
    shown = texts(part)
    assert shown[0] == "Field notes"
    assert shown[1] == (
        "*Your recent notes*\n• Tue, Nov 24, 2026 · *Acme Corp* · Customer visit · <@U0MIA> · "
        f"They want SSO before renewal · <{CARD_LINK}|card>"
    )
    assert shown[2].startswith("*The team's notes this month: 9*\n• ")
    assert shown[2].endswith("\n+7 more: `/fieldnote list`")
    assert "<@U0BEN>" in shown[2]
    button = part[-1]["elements"][0]
    assert (part[-1]["block_id"], button["action_id"], button["text"]["text"]) == (
        blocks.HOME_BLOCK,
        blocks.OPEN_FORM_ACTION,
        "Log a field note",
    )


def test_an_empty_home_part_invites_a_note() -> None:
    nothing = Found(notes=(), total=0)
    shown = texts([b.to_dict() for b in blocks.home_part(nothing, nothing)])
    assert "You haven't logged a field note yet" in shown[1]
    assert shown[2] == "*The team's notes this month: 0*\nNone yet this month."


def test_the_largest_home_part_stays_within_each_sections_limit() -> None:
    many = Found(notes=tuple(longest_note(n) for n in range(8)), total=10**6)

    part = [b.to_dict() for b in blocks.home_part(many, many)]

    assert check_blocks(part) == []
    assert len(part) == blocks.HOME_BLOCKS
    within_a_messages_limits(part)
    assert texts(part)[1].count("\n• ") == blocks.HOME_NOTES
    inert(json.dumps(part, ensure_ascii=False))


# The digest's lines


def test_the_weeks_insights_read_as_plain_lines() -> None:
    insights = FieldInsights(
        notes=5,
        accounts=(("Acme", 2), ("Globex", 1)),
        competitors=(("Initech", 3), ("Hooli", 1)),
        feedback=("Reports are slow", "Exports to CSV\nplease", "SSO", "dropped"),
    )

    assert blocks.insights_lines(insights) == [
        "5 field notes logged this week",
        "Accounts visited: Acme (2), Globex",
        "Competitors mentioned most: Initech (3), Hooli",
        "Product feedback: Reports are slow",
        "Product feedback: Exports to CSV please",
        "Product feedback: SSO",
    ]
    assert blocks.insights_lines(FieldInsights(notes=0, accounts=(), competitors=(), feedback=())) == []


def test_many_insights_stay_within_a_headlines_length() -> None:
    names = tuple((f"Account number {n}", 100 - n) for n in range(100))
    lines = blocks.insights_lines(
        FieldInsights(notes=1000, accounts=names, competitors=names, feedback=("x" * 999,))
    )
    assert all(len(line) <= 150 for line in lines)
    assert lines[1].endswith(" more")
    assert lines[-1].endswith("…")


# The note form


def filled(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A submitted view as Slack sends it: each input's value where its element type keeps it."""
    keys: dict[str, Callable[[Any], dict[str, Any]]] = {
        "static_select": lambda v: {"selected_option": {"value": v}},
        "plain_text_input": lambda v: {"value": v},
        "datepicker": lambda v: {"selected_date": v},
        "multi_users_select": lambda v: {"selected_users": v},
        "users_select": lambda v: {"selected_user": v},
        "checkboxes": lambda v: {"selected_options": [{"value": o} for o in v]},
    }
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] == "input" and block["block_id"] in values:
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: keys[element["type"]](values[block["block_id"]])
            }
    return {**view, "state": {"values": state}}


def as_shown(view: dict[str, Any]) -> dict[str, Any]:
    """What each input holds at first, as a submission of the untouched form would send it."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        initial = {
            "plain_text_input": element.get("initial_value"),
            "datepicker": element.get("initial_date"),
            "static_select": (element.get("initial_option") or {}).get("value"),
            "multi_users_select": element.get("initial_users"),
            "users_select": element.get("initial_user"),
            "checkboxes": [o["value"] for o in element.get("initial_options") or []],
        }[element["type"]]
        if initial is not None:
            values[block["block_id"]] = initial
    return values


FORM_IDS = [
    "fieldnotes.form.account",
    "fieldnotes.form.visited_on",
    "fieldnotes.form.kind",
    "fieldnotes.form.went",
    "fieldnotes.form.met",
    "fieldnotes.form.heard",
    "fieldnotes.form.competitors",
    "fieldnotes.form.feedback",
    "fieldnotes.form.follow_ups",
    "fieldnotes.form.to_tracker",
    "fieldnotes.form.owner",
]


def test_a_new_form_is_dated_today_with_its_author_going_and_reads_back_a_note() -> None:
    view = opened(blocks.note_form(None, today=TODAY, author_id="U0MIA"))

    assert view["callback_id"] == blocks.FORM == "fieldnotes.form"
    assert (view["title"]["text"], view["submit"]["text"]) == ("Log a field note", "Save")
    assert json.loads(view["private_metadata"]) == {"edit": None}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == FORM_IDS
    assert [b.get("optional", False) for b in inputs.values()] == [False, False, False, False] + [True] * 7
    element = {k: b["element"] for k, b in inputs.items()}
    assert element["fieldnotes.form.visited_on"]["initial_date"] == "2026-11-24"
    assert element["fieldnotes.form.kind"]["initial_option"]["value"] == "customer_visit"
    assert [o["value"] for o in element["fieldnotes.form.kind"]["options"]] == [k.value for k in VisitKind]
    assert element["fieldnotes.form.went"]["initial_users"] == ["U0MIA"]
    assert element["fieldnotes.form.went"]["max_selected_items"] == WENT_MAX
    assert element["fieldnotes.form.heard"]["max_length"] == TEXT_MAX
    assert element["fieldnotes.form.follow_ups"]["multiline"] is True
    assert "initial_options" not in element["fieldnotes.form.to_tracker"]

    draft, errors, edited = blocks.read_note_form(
        filled(
            view,
            {
                "fieldnotes.form.account": "  Acme Corp  ",
                "fieldnotes.form.visited_on": "2026-11-20",
                "fieldnotes.form.kind": "ride_along",
                "fieldnotes.form.went": ["U0MIA", "U0BEN", "U0MIA"],
                "fieldnotes.form.met": "Jane (CTO)",
                "fieldnotes.form.heard": "SSO <!here>",
                "fieldnotes.form.competitors": "Initech",
                "fieldnotes.form.feedback": "",
                "fieldnotes.form.follow_ups": "Send the roadmap\n\n  Book a demo  \n",
                "fieldnotes.form.to_tracker": ["on"],
                "fieldnotes.form.owner": "U0BEN",
            },
        )
    )

    assert (errors, edited) == ({}, None)
    assert draft == NoteDraft(
        account="Acme Corp",
        visited_on=date(2026, 11, 20),
        kind=VisitKind.RIDE_ALONG,
        went=("U0MIA", "U0BEN"),
        met="Jane (CTO)",
        heard="SSO <!here>",  # stored as typed; every renderer escapes it
        competitors="Initech",
        follow_ups=(
            FollowUpDraft("Send the roadmap", True, "U0BEN"),
            FollowUpDraft("Book a demo", True, "U0BEN"),
        ),
    )


def test_follow_ups_not_for_the_tracker_have_no_owner() -> None:
    view = opened(blocks.note_form(None, today=TODAY, author_id="U0MIA"))
    values = {
        "fieldnotes.form.account": "Acme",
        "fieldnotes.form.visited_on": "2026-11-24",
        "fieldnotes.form.kind": "call",
        "fieldnotes.form.heard": "x",
        "fieldnotes.form.follow_ups": "Call back",
        "fieldnotes.form.owner": "U0BEN",
    }
    draft, errors, _ = blocks.read_note_form(filled(view, values))
    assert errors == {}
    assert draft is not None
    assert draft.follow_ups == (FollowUpDraft("Call back", False, None),)
    assert draft.went == ()


def test_the_edit_form_is_prefilled_and_reads_back_unchanged() -> None:
    draft = NoteDraft(
        account="Globex",
        visited_on=date(2026, 11, 2),
        kind=VisitKind.EVENT,
        went=("U0BEN", "U0CAT"),
        met="Sam (buyer)",
        heard="Budget freeze",
        competitors="Initech, Hooli",
        feedback="Mobile app",
        follow_ups=(
            FollowUpDraft("Send pricing", True, "U0CAT"),
            FollowUpDraft("Invite to webinar", True, "U0CAT"),
        ),
    )

    view = opened(blocks.note_form(draft, today=TODAY, author_id="U0MIA", editing=7))

    assert (view["title"]["text"], view["submit"]["text"]) == ("Edit a field note", "Save")
    assert json.loads(view["private_metadata"]) == {"edit": 7}
    assert blocks.read_note_form(filled(view, as_shown(view))) == (draft, {}, 7)


def test_a_missing_account_and_date_show_under_their_fields() -> None:
    view = opened(blocks.note_form(None, today=TODAY, author_id="U0MIA"))
    values = {"fieldnotes.form.account": "   ", "fieldnotes.form.heard": "x"}

    draft, errors, _ = blocks.read_note_form(filled(view, values))

    assert draft is None
    assert errors == {
        "fieldnotes.form.account": "Name the account: the customer or prospect.",
        "fieldnotes.form.visited_on": "Choose the date of the visit.",
    }
    bad_date = {"fieldnotes.form.account": "Acme", "fieldnotes.form.visited_on": "2026-13-45"}
    assert blocks.read_note_form(filled(view, bad_date))[1] == {
        "fieldnotes.form.visited_on": "Choose the date of the visit."
    }


def test_odd_metadata_reads_as_a_new_note() -> None:
    view = filled(
        opened(blocks.note_form(None, today=TODAY, author_id="U0MIA")),
        {"fieldnotes.form.account": "Acme", "fieldnotes.form.visited_on": "2026-11-24"},
    )
    assert blocks.read_note_form({**view, "private_metadata": "nonsense"})[2] is None
    assert blocks.read_note_form({**view, "private_metadata": '{"edit": true}'})[2] is None


def test_the_services_problems_land_under_their_fields() -> None:
    assert blocks.form_errors(
        {
            "account": "Only spaces.",
            "visited_on": "In the future.",
            "went": "Too many.",
            "met": "Too long.",
            "heard": "Say what you heard.",
            "competitors": "Too long.",
            "feedback": "Too long.",
            "follow_ups": "Five at most.",
            "surprise": "Odd.",
        }
    ) == {
        "fieldnotes.form.account": "Only spaces.",
        "fieldnotes.form.visited_on": "In the future.",
        "fieldnotes.form.went": "Too many.",
        "fieldnotes.form.met": "Too long.",
        "fieldnotes.form.heard": "Say what you heard. Odd.",
        "fieldnotes.form.competitors": "Too long.",
        "fieldnotes.form.feedback": "Too long.",
        "fieldnotes.form.follow_ups": "Five at most.",
    }


def test_the_largest_draft_fits_the_form() -> None:
    draft = NoteDraft(
        account=longest(ACCOUNT_MAX),
        visited_on=TODAY,
        went=tuple(f"U0P{n:03}" for n in range(WENT_MAX)),
        met=longest(MET_MAX),
        heard=longest(TEXT_MAX),
        competitors=longest(TEXT_MAX),
        feedback=longest(TEXT_MAX),
        follow_ups=tuple(
            FollowUpDraft(longest(FOLLOW_UP_MAX).replace("\n", " "), True, "U0BEN") for _ in range(5)
        ),
    )
    view = opened(blocks.note_form(draft, today=TODAY, author_id="U0MIA", editing=10**9))
    read, errors, edited = blocks.read_note_form(filled(view, as_shown(view)))
    assert (errors, edited) == ({}, 10**9)
    assert read is not None
    assert read.heard == draft.heard.strip()
    assert len(read.follow_ups) == FOLLOW_UPS_MAX
