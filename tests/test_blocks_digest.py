"""The digest's Block Kit: within Slack's limits at its largest, user text kept inert, every entry
reachable, forms read back whole."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import digest as blocks
from bot.blocks.text import Message
from bot.digest import (
    DETAIL_MAX,
    HEADLINE_MAX,
    SOURCE_CAP,
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
from tests.contract.checks import check_blocks, check_view

ZONE = ZoneInfo("Europe/Paris")
WEEK = DigestWeek(
    key="2026-W48",
    send_on=date(2026, 11, 26),
    send_at=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    covers_from=datetime(2026, 11, 19, 8, 0, tzinfo=UTC),
    zone=ZONE,
)
# Everything a person may type at its longest, and made of what escaping makes longer.
LONGEST_HEADLINE = ("<!channel> & " * 20)[:HEADLINE_MAX]
LONGEST_DETAIL = ("@here <https://evil.example|win> & " * 40)[:DETAIL_MAX]
LONGEST_LINK = "https://example.com/" + "p" * 480


def entry(n: int, *, longest: bool = False) -> DigestEntry:
    if longest:
        return DigestEntry(
            headline=LONGEST_HEADLINE,
            detail=LONGEST_DETAIL,
            link=LONGEST_LINK,
            by="U0BEN",
            note="Urgent " * 20,
            owner="U0ANA",
            due_on=date(2026, 12, 1),
            item_id=n,
        )
    return DigestEntry(headline=f"Headline {n}", detail=f"Detail {n}", by="U0BEN", item_id=n)


def section(title: str, count: int, *, total: int | None = None, longest: bool = False) -> DigestSection:
    shown = min(count, SOURCE_CAP)
    return DigestSection(
        id=f"items.{title}",
        title=title,
        entries=tuple(entry(n, longest=longest) for n in range(shown)),
        total=total if total is not None else count,
    )


def worst_case() -> Composed:
    """Every collected section and the tracker's, each full, each entry as long as it may be."""
    sections = [section(s.label, SOURCE_CAP, total=250, longest=True) for s in Section]
    sections.append(section("Needs attention in the tracker", SOURCE_CAP, total=400, longest=True))
    return Composed(WEEK, tuple(sections))


def sent(message: Message) -> dict[str, Any]:
    kwargs = message.as_kwargs()  # to_dict() runs slack_sdk's checks of every block's limits
    assert check_blocks(kwargs["blocks"]) == []
    assert kwargs["text"].strip()
    return kwargs


def within_a_messages_limits(kwargs: dict[str, Any]) -> None:
    assert len(kwargs["blocks"]) <= 50
    assert sum(len(json.dumps(b)) for b in kwargs["blocks"]) < 12_000  # Slack's msg_blocks_too_long
    for block in kwargs["blocks"]:
        text = block.get("text")
        if isinstance(text, dict):
            assert len(text["text"]) <= 3000
        for element in block.get("elements") or []:
            if element.get("type") == "mrkdwn":
                assert len(element["text"]) <= 3000


def texts(kwargs: dict[str, Any]) -> str:
    return json.dumps(kwargs["blocks"], ensure_ascii=False) + kwargs["text"]


# The digest as posted


def test_the_largest_digest_stays_within_slacks_limits_and_says_what_is_in_the_thread() -> None:
    composed = worst_case()

    for message in (
        blocks.digest_message(composed, late=True),
        blocks.digest_preview(composed, WEEK, DigestRecord(WEEK.key, DigestStatus.HELD), channel="C0SALES"),
        blocks.approval_request(composed, WEEK),
    ):
        kwargs = sent(message)
        within_a_messages_limits(kwargs)

    kwargs = sent(blocks.digest_message(composed, late=True))
    shown = texts(kwargs)
    assert kwargs["blocks"][0]["text"]["text"] == "Thursday digest"
    assert "+247 more in the thread below" in shown  # 250 items, 3 shown
    assert "Posted late: Tandem was offline at the scheduled time." in shown
    assert kwargs["text"].startswith("Thursday digest for Thu, Nov 26, 2026: Key issues (250), ")
    assert kwargs["text"].endswith("Needs attention in the tracker (400)")


def test_user_text_in_the_digest_cannot_ping_or_link() -> None:
    composed = Composed(WEEK, (section("Key issues", 1, longest=True),))

    shown = texts(sent(blocks.digest_message(composed)))

    assert "<!channel>" not in shown
    assert "<https://evil" not in shown
    assert "@here" not in shown
    assert "&lt;!channel&gt;" in shown
    assert f"*<{LONGEST_LINK}|&lt;!channel&gt;" in shown  # the headline links where its item said


def test_each_entry_shows_its_facts_and_the_date_in_each_readers_timezone() -> None:
    tracked = DigestEntry(
        headline="#12 Pricing page confuses prospects",
        owner="U0ANA",
        due_on=date(2026, 12, 1),
        note="Urgent",
        link="https://x.slack.com/archives/C0TRACKER/p1",
    )
    composed = Composed(WEEK, (DigestSection("tracker.attention", "Needs attention", (tracked,), 1),))

    kwargs = sent(blocks.digest_message(composed))

    assert (
        "<!date^1795680000^{date_long_pretty}|Thu, Nov 26, 2026>"
        in kwargs["blocks"][1]["elements"][0]["text"]
    )
    [entry_block] = [b for b in kwargs["blocks"] if "Pricing" in json.dumps(b)]
    assert entry_block["text"]["text"] == (
        "*<https://x.slack.com/archives/C0TRACKER/p1|#12 Pricing page confuses prospects>*\n"
        "Urgent · owner <@U0ANA> · due Tue, Dec 1, 2026"
    )


def test_the_header_names_the_configured_send_day() -> None:
    tuesday = DigestWeek("2026-W48", date(2026, 11, 24), WEEK.send_at, WEEK.covers_from, ZONE)
    composed = Composed(tuesday, (section("Key issues", 1),))
    assert sent(blocks.digest_message(composed))["blocks"][0]["text"]["text"] == "Tuesday digest"
    assert sent(blocks.empty_digest_message(tuesday))["text"].startswith("Tuesday digest for Tue, Nov 24")


def test_a_long_section_shows_its_cap_and_a_short_one_leaves_its_room() -> None:
    composed = Composed(WEEK, (section("Key issues", 12), section("Events", 1)))

    shown = texts(sent(blocks.digest_message(composed)))

    assert f"*Headline {blocks.SECTION_CAP - 1}*" in shown
    assert f"*Headline {blocks.SECTION_CAP}*" not in shown
    assert f"+{12 - blocks.SECTION_CAP} more in the thread below" in shown
    assert "*Events* (1)" in shown


def test_every_left_out_entry_is_in_the_thread_once() -> None:
    composed = Composed(
        WEEK,
        tuple(
            DigestSection(
                f"items.{s.value}", s.label, tuple(DigestEntry(f"{s.value} {n}") for n in range(30)), 30
            )
            for s in Section
        ),
    )

    digest = texts(sent(blocks.digest_message(composed)))
    replies = [sent(reply) for reply in blocks.digest_thread_replies(composed)]

    for reply in replies:
        within_a_messages_limits(reply)
    threaded = "".join(texts(r) for r in replies)
    for s in Section:
        for n in range(30):
            assert (digest + threaded).count(f"*{s.value} {n}*") == 1
    assert replies[0]["text"].startswith("More of the digest: Key issues")


def test_entries_a_source_did_not_hand_over_are_counted_in_the_thread() -> None:
    composed = Composed(WEEK, (section("Needs attention in the tracker", SOURCE_CAP, total=130),))

    replies = [sent(r) for r in blocks.digest_thread_replies(composed)]

    assert "+30 more not listed here." in "".join(texts(r) for r in replies)


def test_the_thread_of_the_largest_digest_is_capped_with_a_count() -> None:
    replies = [sent(r) for r in blocks.digest_thread_replies(worst_case())]

    assert len(replies) == blocks.THREAD_MESSAGES
    for reply in replies:
        within_a_messages_limits(reply)
    assert "more not listed here: App Home and `/digest list` show the items." in texts(replies[-1])


def test_more_sections_than_fit_go_to_the_thread_whole() -> None:
    composed = Composed(WEEK, tuple(section(f"Source {n}", 2) for n in range(20)))

    kwargs = sent(blocks.digest_message(composed, late=True))
    replies = [sent(r) for r in blocks.digest_thread_replies(composed)]

    within_a_messages_limits(kwargs)
    shown = texts(kwargs)
    assert "more sections in the thread below: Source " in shown
    assert "*Source 19* (continued)" in "".join(texts(r) for r in replies)


def test_an_empty_week_says_so() -> None:
    kwargs = sent(blocks.empty_digest_message(WEEK, late=True))
    assert kwargs["text"] == "Thursday digest for Thu, Nov 26, 2026: nothing new this week."
    assert "Nothing new this week." in texts(kwargs)
    assert "Posted late" in texts(kwargs)


# Previews and the owner's messages


@pytest.mark.parametrize(
    ("record", "says"),
    [
        (DigestRecord(WEEK.key, DigestStatus.DRAFT), None),
        (DigestRecord(WEEK.key, DigestStatus.APPROVED, decided_by="U0BEN"), "Approved by <@U0BEN>"),
        (DigestRecord(WEEK.key, DigestStatus.HELD), "Held: approval is on"),
        (DigestRecord(WEEK.key, DigestStatus.SKIPPED, decided_by="U0BEN"), "Skipped this week by <@U0BEN>"),
        (DigestRecord(WEEK.key, DigestStatus.FAILED, problem="not_in_channel"), "`not_in_channel`"),
    ],
)
def test_the_preview_says_when_where_and_how_the_digest_stands(
    record: DigestRecord, says: str | None
) -> None:
    composed = Composed(WEEK, (section("Key issues", 2),))

    kwargs = sent(blocks.digest_preview(composed, WEEK, record, channel="C0SALES"))

    first = kwargs["blocks"][0]["text"]["text"]
    assert first.startswith(":eyes: *Preview*, only for you: this is what will be posted <!date^1795680000^")
    assert "to <#C0SALES>." in first
    if says:
        assert says in first
    assert kwargs["text"].startswith("Preview: Thursday digest for Thu, Nov 26, 2026: Key issues (2)")


def test_an_empty_preview_says_whether_anything_would_be_posted() -> None:
    empty = Composed(WEEK, ())
    record = DigestRecord(WEEK.key, DigestStatus.DRAFT)
    assert "Nothing new this week" in texts(
        sent(blocks.digest_preview(empty, WEEK, record, channel="C0SALES"))
    )
    quiet = sent(blocks.digest_preview(empty, WEEK, record, channel=None, empty_note=False))
    assert "Nothing would be posted" in quiet["text"]
    assert "No channel is set" in texts(quiet)


def test_the_approval_request_carries_the_weeks_decision_buttons() -> None:
    kwargs = sent(blocks.approval_request(Composed(WEEK, (section("Key issues", 2),)), WEEK))

    buttons = kwargs["blocks"][-1]
    assert buttons["block_id"] == blocks.DECISION_BLOCK
    assert [(b["action_id"], b["value"]) for b in buttons["elements"]] == [
        (blocks.SEND_NOW_ACTION, "2026-W48"),
        (blocks.EDIT_ITEMS_ACTION, "2026-W48"),
        (blocks.SKIP_ACTION, "2026-W48"),
    ]
    assert buttons["elements"][2]["confirm"]["title"]["text"] == "Skip this week?"
    assert kwargs["text"].startswith("Waiting for your approval: Thursday digest")
    held = sent(blocks.held_notice(WEEK))
    assert held["blocks"][-1]["block_id"] == blocks.DECISION_BLOCK
    assert "is held" in held["text"]


@pytest.mark.parametrize(
    ("outcome", "problem", "says"),
    [
        ("sent", None, ":white_check_mark: This week's digest is posted in <#C0SALES>. <https://p|See it>."),
        ("already", None, "already posted by <@U0BEN>"),
        ("failed", "not_in_channel", "Invite it with `/invite @Tandem` in <#C0SALES>"),
        ("failed", "is_archived", "that channel is archived"),
        ("failed", "no_channel", "no channel is set for the digest"),
        ("failed", "weird_error", "Slack said `weird_error`"),
        ("busy", None, "being posted right now"),
        ("nothing", None, "Nothing to post"),
        ("skipped", None, "skipped by <@U0BEN>"),
    ],
)
def test_each_outcome_of_sending_is_said_in_words(outcome: str, problem: str | None, says: str) -> None:
    record = DigestRecord(
        WEEK.key,
        DigestStatus.SENT if outcome in {"sent", "already"} else DigestStatus.DRAFT,
        channel="C0SALES" if outcome in {"sent", "already"} else None,
        permalink="https://p" if outcome in {"sent", "already"} else None,
        sent_by="U0BEN",
        sent_at=datetime(2026, 11, 26, 8, tzinfo=UTC),
        decided_by="U0BEN",
    )
    assert says in sent(blocks.send_answer(outcome, record, problem, "C0SALES"))["text"]


def test_a_failed_post_tells_the_owner_it_is_kept() -> None:
    text = sent(blocks.post_failed_notice("not_in_channel", "C0SALES", WEEK))["text"]
    assert "I couldn't post the Thursday digest to <#C0SALES>" in text
    assert "/invite @Tandem" in text
    assert "It is kept" in text


def test_the_reminder_counts_by_section_and_offers_a_button() -> None:
    kwargs = sent(blocks.collection_reminder(3, WEEK, {Section.KEY_ISSUE: 2, Section.EVENT: 1}))

    assert "3 items so far" in kwargs["text"]
    assert "Key issues 2 · Events 1" in texts(kwargs)
    [button] = kwargs["blocks"][-1]["elements"]
    assert (button["action_id"], button["text"]["text"]) == (blocks.OPEN_FORM_ACTION, "Add an item")


def test_history_links_each_digest_and_says_who_sent_it() -> None:
    records = [
        DigestRecord(
            f"2026-W{48 - n}",
            DigestStatus.SENT,
            channel="C0SALES",
            permalink=f"https://x.slack.com/p{n}",
            sent_at=datetime(2026, 11, 26, 8, tzinfo=UTC),
            sent_by="U0BEN" if n == 0 else None,
            item_count=n,
            late=n == 1,
        )
        for n in range(blocks.HISTORY_LIMIT)
    ]

    shown = texts(sent(blocks.history_message(records)))

    assert "1 item · on schedule (late) in <#C0SALES> · <https://x.slack.com/p1|open>" in shown
    assert "0 items · sent by <@U0BEN> in <#C0SALES> · <https://x.slack.com/p0|open>" in shown
    assert sent(blocks.history_message([]))["text"] == "No digest has been posted yet."


# The week's items


def an_item(n: int, *, longest: bool = False, author: str = "U0BEN") -> DigestItem:
    at = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    return DigestItem(
        id=n,
        week=WEEK.key,
        section=Section.KEY_ISSUE,
        headline=LONGEST_HEADLINE if longest else f"Item {n}",
        detail=LONGEST_DETAIL if longest else "",
        link=LONGEST_LINK if longest else None,
        source_permalink=LONGEST_LINK if longest else None,
        author_id=author,
        added_at=at,
        updated_at=at,
    )


def test_a_long_list_fits_one_message_with_menus_only_where_the_viewer_may_change() -> None:
    items = [an_item(n, longest=True, author="U0BEN" if n % 2 else "U0ANA") for n in range(40)]

    kwargs = sent(blocks.item_list(items, WEEK, lambda item: item.author_id == "U0BEN", notice_text="Done."))

    within_a_messages_limits(kwargs)
    menus = [
        b for b in kwargs["blocks"] if (b.get("accessory") or {}).get("action_id") == blocks.ITEM_MENU_ACTION
    ]
    assert [b["block_id"] for b in menus] == [f"digest.item:{n}" for n in range(1, blocks.LIST_LIMIT, 2)]
    assert [o["value"] for o in menus[0]["accessory"]["options"]] == ["edit:1", "remove:1"]
    shown = texts(kwargs)
    assert f"+{40 - blocks.LIST_LIMIT} more" in shown
    assert "<!channel>" not in shown
    assert kwargs["text"] == "This week's digest: 40 items"


def test_an_item_menu_choice_reads_back() -> None:
    assert blocks.chosen_item({"selected_option": {"value": "remove:12"}}) == ("remove", 12)
    assert blocks.chosen_item({"selected_option": {"value": "drop:12"}}) is None
    assert blocks.chosen_item({}) is None


def test_app_homes_part_and_the_items_modal_stay_within_their_budgets() -> None:
    items = [an_item(n, longest=True) for n in range(200)]
    settings = a_settings()
    record = DigestRecord(WEEK.key, DigestStatus.DRAFT)

    part = [
        b.to_dict()
        for b in blocks.home_part(items[:20], 200, WEEK, settings, record, lambda _: True, is_admin=True)
    ]
    modal = blocks.items_view(items, WEEK, lambda _: True, notice_text="Removed.").to_dict()

    assert len(part) == blocks.HOME_BLOCKS
    assert check_blocks(part) == []
    assert "+192 more: `/digest list` shows them all." in json.dumps(part)
    assert [e["action_id"] for e in part[2]["elements"]] == [
        blocks.OPEN_FORM_ACTION,
        blocks.PREVIEW_ACTION,
        blocks.OPEN_SETTINGS_ACTION,
    ]
    assert len(modal["blocks"]) <= 100
    assert check_view(modal) == []


# The item form


def filled(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A submitted view as Slack sends it: each input's value where its element type keeps it."""
    keys = {
        "static_select": lambda v: {"selected_option": {"value": v}},
        "plain_text_input": lambda v: {"value": v},
        "url_text_input": lambda v: {"value": v},
        "timepicker": lambda v: {"selected_time": v},
        "conversations_select": lambda v: {"selected_conversation": v},
        "users_select": lambda v: {"selected_user": v},
        "multi_users_select": lambda v: {"selected_users": v},
        "checkboxes": lambda v: {"selected_options": [{"value": "on"}] if v else []},
    }
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] == "input" and block["block_id"] in values:
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: keys[element["type"]](values[block["block_id"]])
            }
    return {**view, "state": {"values": state}}


def test_the_item_form_reads_back_what_was_filled_in() -> None:
    origin = blocks.ItemOrigin(response_url="https://hooks.slack.com/x", source_permalink="https://x/p1")
    view = blocks.item_form(origin).to_dict()

    assert check_view(view) == []
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert ids == ["digest.form.section", "digest.form.headline", "digest.form.detail", "digest.form.link"]
    headline, detail = view["blocks"][1]["element"], view["blocks"][2]["element"]
    assert (headline["max_length"], detail["max_length"], detail["multiline"]) == (
        HEADLINE_MAX,
        DETAIL_MAX,
        True,
    )
    assert view["blocks"][3]["element"]["type"] == "url_text_input"
    assert [o["text"]["text"] for o in view["blocks"][0]["element"]["options"]] == [s.label for s in Section]

    draft = blocks.parse_item_form(
        filled(
            view,
            {
                ids[0]: "product_news",
                ids[1]: "  Pricing v2 ships Monday ",
                ids[2]: "New tiers.\nOld prices hold until March.",
                ids[3]: "https://example.com/pricing",
            },
        )
    )

    assert draft == ItemDraft(
        section=Section.PRODUCT_NEWS,
        headline="Pricing v2 ships Monday",
        detail="New tiers.\nOld prices hold until March.",
        link="https://example.com/pricing",
        source_permalink="https://x/p1",
    )
    assert blocks.ItemOrigin.loads(view["private_metadata"]) == origin


def test_the_edit_form_is_prefilled_and_remembers_the_item() -> None:
    draft = ItemDraft(Section.EVENT, "Webinar on Dec 3", "Register here", "https://example.com/w")
    view = blocks.item_form(
        blocks.ItemOrigin(item_id=12, place="home", home_state="overview"), draft
    ).to_dict()

    assert view["title"]["text"] == "Edit a digest item"
    assert view["submit"]["text"] == "Save"
    assert view["blocks"][0]["element"]["initial_option"]["value"] == "event"
    initial = [b["element"].get("initial_value") for b in view["blocks"][1:4]]
    assert initial == ["Webinar on Dec 3", "Register here", "https://example.com/w"]
    assert blocks.ItemOrigin.loads(view["private_metadata"]).item_id == 12


def test_problems_land_under_their_fields() -> None:
    assert blocks.item_form_errors({"headline": "Too long", "link": "Not a link"}) == {
        "digest.form.headline": "Too long",
        "digest.form.link": "Not a link",
    }


def test_a_message_becomes_a_headline_and_a_few_lines_of_detail() -> None:
    draft = blocks.draft_from_message("Competitor cut prices\n\n" + "\n".join(f"line {n}" for n in range(20)))
    assert draft.headline == "Competitor cut prices"
    assert draft.detail == "\n".join(f"line {n}" for n in range(8))

    long = blocks.draft_from_message("word " * 60)
    assert len(long.headline) == HEADLINE_MAX
    assert long.headline.endswith("…")
    assert long.detail == ("word " * 60).strip()


# The settings form


def a_settings(**changes: Any) -> DigestSettings:
    fields: dict[str, Any] = {
        "send_day": "thu",
        "send_time": "09:00",
        "channel": "C0SALES",
        "timezone": ZONE,
        "approval": False,
        "preview_time": "08:00",
        "owner_id": None,
        "editors": (),
        "empty_note": True,
        "reminder_day": "wed",
        "reminder_time": "14:00",
        "reminder_channel": "C0MARKETING",
    }
    fields.update(changes)
    return DigestSettings(**fields)


def test_the_settings_form_shows_the_settings_and_reads_back_a_change() -> None:
    view = blocks.settings_form(a_settings(owner_id="U0BEN", editors=("U0ANA",), approval=True)).to_dict()

    assert check_view(view) == []
    assert blocks.parse_settings_form(filled(view, {})["state"]["values"]) == SettingsChange(
        send_day="thu",
        send_time="",
        channel=None,
        timezone=None,
        approval=False,
        owner_id=None,
        editors=(),
        empty_note=False,
        reminder_day="wed",
        reminder_time="",
    )
    initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert initial["digest.settings.send_time"]["initial_time"] == "09:00"
    assert initial["digest.settings.timezone"]["initial_value"] == "Europe/Paris"
    assert initial["digest.settings.channel"]["initial_conversation"] == "C0SALES"
    assert initial["digest.settings.owner_id"]["initial_user"] == "U0BEN"
    assert initial["digest.settings.editors"]["initial_users"] == ["U0ANA"]
    assert initial["digest.settings.approval"]["initial_options"][0]["value"] == "on"

    values = {
        "digest.settings.send_day": "tue",
        "digest.settings.send_time": "10:30",
        "digest.settings.channel": "C0SALES",
        "digest.settings.timezone": " America/New_York ",
        "digest.settings.approval": True,
        "digest.settings.owner_id": "U0BEN",
        "digest.settings.editors": ["U0ANA", "U0ANA", "U0CAT"],
        "digest.settings.empty_note": True,
        "digest.settings.reminder_day": "mon",
        "digest.settings.reminder_time": "15:00",
    }
    assert blocks.parse_settings_form(filled(view, values)["state"]["values"]) == SettingsChange(
        send_day="tue",
        send_time="10:30",
        channel="C0SALES",
        timezone="America/New_York",
        approval=True,
        owner_id="U0BEN",
        editors=("U0ANA", "U0CAT"),
        empty_note=True,
        reminder_day="mon",
        reminder_time="15:00",
    )
    assert blocks.settings_form_errors({"timezone": "Unknown"}) == {"digest.settings.timezone": "Unknown"}


# Help


def test_help_lists_every_subcommand() -> None:
    text = sent(blocks.help_message())["text"]
    for usage, _ in blocks.HELP:
        assert f"`{usage}`" in text
    assert "Add to Thursday digest" in text
