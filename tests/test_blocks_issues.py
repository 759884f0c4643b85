"""The tracker's Block Kit: within Slack's limits, user text kept inert, forms read back whole."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import issues as blocks
from bot.issues import (
    DETAILS_MAX,
    TITLE_MAX,
    Card,
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
from bot.people import Team

ZONE = ZoneInfo("Europe/Paris")


def an_issue(number: int = 7, **changes: object) -> SharedIssue:
    fields: dict[str, object] = {
        "number": number,
        "title": "Pricing page confuses prospects",
        "details": "",
        "category": Category.PRICING,
        "priority": Priority.HIGH,
        "status": Status.OPEN,
        "owner_id": None,
        "due_on": None,
        "raised_by": "U0ANA",
        "raised_at": datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        "card": None,
    }
    fields.update(changes)
    return SharedIssue(**fields)  # type: ignore[arg-type]


def test_the_card_shows_everything_about_the_issue() -> None:
    issue = an_issue(owner_id="U0BEN", due_on=date(2026, 12, 1), details="Seen on three calls.")
    sent = blocks.issue_card(issue, ZONE).as_kwargs()
    shown = json.dumps(sent["blocks"])

    assert sent["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "#7 Pricing page confuses prospects", "emoji": False},
    }
    for fact in [
        "Pricing",
        "High",
        "Open",
        "<@U0BEN>",
        "Tue, Dec 1, 2026",
        "<@U0ANA>",
        "Seen on three calls.",
    ]:
        assert fact in shown
    # The raise time shows in each reader's own timezone.
    assert "<!date^1795512600^{date_short_pretty} at {time}|2026-11-24 10:30 CET>" in shown
    assert sent["text"] == "#7 Pricing page confuses prospects (High, Pricing) · Open · raised by <@U0ANA>"


def test_user_text_on_the_card_cannot_ping_link_or_format() -> None:
    issue = an_issue(
        title="<!channel> *urgent* <https://evil.example|win>", details="@here _see_ <!everyone>"
    )
    sent = blocks.issue_card(issue, ZONE).as_kwargs()

    header, details = sent["blocks"][0]["text"], sent["blocks"][2]["text"]
    assert header["type"] == "plain_text"
    assert details["type"] == "plain_text"
    assert "<!channel>" not in sent["text"]
    assert "<https://evil" not in sent["text"]
    assert "&lt;!channel&gt; *urgent*" in sent["text"]


def test_the_longest_allowed_issue_fits_slack_limits() -> None:
    issue = an_issue(number=99999, title="T" * TITLE_MAX, details="D" * DETAILS_MAX)
    sent = blocks.issue_card(issue, ZONE).as_kwargs()  # to_dict() validates every block's limits
    assert len(sent["blocks"][0]["text"]["text"]) <= 150


def test_a_long_list_is_cut_with_a_count_of_the_rest_within_50_blocks() -> None:
    shown = tuple(
        an_issue(number=n, card=Card("C0TRACKER", f"{n}.0", f"https://x.slack.com/p{n}"))
        for n in range(1, 21)
    )
    sent = blocks.open_issues_list(IssueList(shown=shown, total=137), ZONE).as_kwargs()

    assert len(sent["blocks"]) <= 50
    assert sent["blocks"][-1]["elements"][0]["text"] == "+117 more"
    assert sent["blocks"][1]["text"]["text"] == "#1  Pricing page confuses prospects"
    assert "<https://x.slack.com/p1|open card>" in sent["blocks"][2]["elements"][0]["text"]
    assert sent["text"] == "Open issues: 137"


def test_an_empty_list_says_how_to_raise_one() -> None:
    sent = blocks.open_issues_list(IssueList(shown=(), total=0), ZONE).as_kwargs()
    assert sent["text"] == "No open issues. Raise one with `/issue <title>`."


def test_the_form_reads_back_what_was_filled_in() -> None:
    view = blocks.issue_form(blocks.FormOrigin(response_url="https://hooks.slack.com/x")).to_dict()
    ids = [b["block_id"] for b in view["blocks"]]
    values = {
        ids[0]: {"value": {"type": "plain_text_input", "value": "Leads lack phone numbers"}},
        ids[1]: {"value": {"type": "plain_text_input", "value": "From the webinar"}},
        ids[2]: {"value": {"type": "static_select", "selected_option": {"value": "lead_quality"}}},
        ids[3]: {"value": {"type": "static_select", "selected_option": {"value": "urgent"}}},
        ids[4]: {"value": {"type": "users_select", "selected_user": "U0BEN"}},
        ids[5]: {"value": {"type": "datepicker", "selected_date": "2026-12-03"}},
    }

    assert blocks.read_issue_form(values) == IssueDraft(
        title="Leads lack phone numbers",
        details="From the webinar",
        category=Category.LEAD_QUALITY,
        priority=Priority.URGENT,
        owner_id="U0BEN",
        due_on=date(2026, 12, 3),
    )
    assert blocks.FormOrigin.loads(view["private_metadata"]).response_url == "https://hooks.slack.com/x"
    assert set(blocks.form_errors({"title": "x", "due_on": "y"})) == {ids[0], ids[5]}


def test_the_form_can_be_prefilled() -> None:
    draft = IssueDraft("Prefilled", details="From a message", category=Category.PRODUCT)
    view = blocks.issue_form(blocks.FormOrigin(), draft).to_dict()
    assert view["blocks"][0]["element"]["initial_value"] == "Prefilled"
    assert view["blocks"][2]["element"]["initial_option"]["value"] == "product"


def test_app_home_stays_within_100_blocks() -> None:
    shown = tuple(an_issue(number=n) for n in range(1, 41))
    view = blocks.home(IssueList(shown=shown, total=300), ZONE).to_dict()
    assert len(view["blocks"]) <= 100
    assert view["blocks"][-1]["elements"][0]["text"] == "+260 more"


def card_actions(sent: dict[str, object]) -> dict[str, dict[str, object]]:
    [actions] = [b for b in sent["blocks"] if b["type"] == "actions"]  # type: ignore[attr-defined, index]
    return {element["action_id"]: element for element in actions["elements"]}


def test_an_open_unowned_card_offers_every_way_to_work_it() -> None:
    issue = an_issue(number=12, raised_by_team=Team.SALES, due_on=date(2026, 12, 1))
    sent = blocks.issue_card(replace(issue, comment_count=3), ZONE).as_kwargs()
    elements = card_actions(sent)

    assert list(elements) == [
        "issues.take",
        "issues.assign",
        "issues.status",
        "issues.due",
        "issues.comment",
        "issues.details",
    ]
    assert elements["issues.take"]["text"]["text"] == "Take it"
    assert elements["issues.assign"]["type"] == "users_select"
    assert elements["issues.status"]["initial_option"]["value"] == "open"
    assert [o["value"] for o in elements["issues.status"]["options"]] == [
        "open",
        "in_progress",
        "blocked",
        "resolved",
        "wont_fix",
    ]
    assert elements["issues.due"]["initial_date"] == "2026-12-01"
    [actions] = [b for b in sent["blocks"] if b["type"] == "actions"]
    assert blocks.number_in({"block_id": actions["block_id"]}) == 12
    shown = json.dumps(sent["blocks"], ensure_ascii=False)
    assert "<@U0ANA> · Sales" in shown
    assert ":speech_balloon: 3 comments" in shown
    assert sent["text"].endswith("raised by <@U0ANA> (Sales)")


def test_an_owned_card_has_no_take_it() -> None:
    elements = card_actions(blocks.issue_card(an_issue(owner_id="U0BEN"), ZONE).as_kwargs())
    assert "issues.take" not in elements
    assert "issues.assign" in elements


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.WONT_FIX])
def test_a_closed_card_looks_closed_and_offers_reopen(status: Status) -> None:
    closed_at = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    sent = blocks.issue_card(an_issue(status=status, closed_at=closed_at), ZONE).as_kwargs()

    assert list(card_actions(sent)) == ["issues.reopen", "issues.comment", "issues.details"]
    status_field = sent["blocks"][1]["fields"][0]["text"]
    assert status_field.startswith("*Status*\n:")
    assert status_field.endswith(status.label)
    assert f"{status.label} <!date^{int(closed_at.timestamp())}^" in sent["blocks"][-2]["elements"][0]["text"]


def test_a_card_from_a_message_links_to_it() -> None:
    issue = an_issue(source_permalink="https://x.slack.com/archives/C0SALES/p1")
    shown = json.dumps(blocks.issue_card(issue, ZONE).as_kwargs()["blocks"])
    assert "<https://x.slack.com/archives/C0SALES/p1|from a message>" in shown


def test_number_in_reads_only_tracker_block_ids() -> None:
    assert blocks.number_in({"block_id": "issues.card:12"}) == 12
    assert blocks.number_in({"block_id": "issues.details:7"}) == 7
    assert blocks.number_in({"block_id": "home.actions"}) is None
    assert blocks.number_in({"block_id": "issues.card:x"}) is None
    assert blocks.number_in({}) is None


def change(field: str, old: str | None, new: str | None, by: str = "U0ANA") -> FieldChange:
    return FieldChange(field, old, new, by, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        (change("owner_id", None, "U0ANA"), "<@U0ANA> took #12"),
        (change("owner_id", "U0ANA", "U0BEN"), "<@U0ANA> assigned #12 to <@U0BEN>"),
        (change("status", "open", "in_progress"), "<@U0ANA> moved #12 to In progress"),
        (change("status", "open", "resolved"), "<@U0ANA> resolved #12"),
        (change("status", "open", "wont_fix"), "<@U0ANA> closed #12 as Won't fix"),
        (change("status", "resolved", "open"), "<@U0ANA> reopened #12"),
        (change("status", "blocked", "open"), "<@U0ANA> moved #12 to Open"),
        (change("due_on", None, "2026-12-01"), "<@U0ANA> set #12's due date to Tue, Dec 1, 2026"),
        (change("due_on", "2026-12-01", None), "<@U0ANA> cleared #12's due date"),
        (change("priority", "normal", "urgent"), "<@U0ANA> changed #12's priority to Urgent"),
    ],
)
def test_each_change_is_one_line_in_the_cards_thread(changed: FieldChange, said: str) -> None:
    assert blocks.change_note(12, [changed]).as_kwargs()["text"] == said


def test_a_closing_note_is_shown_as_typed_and_cannot_ping() -> None:
    sent = blocks.change_note(12, [change("status", "open", "resolved")], note="<!channel> fixed").as_kwargs()
    assert sent["blocks"][1]["text"] == {"type": "plain_text", "text": "<!channel> fixed", "emoji": False}
    assert sent["text"] == "<@U0ANA> resolved #12: &lt;!channel&gt; fixed"


def test_a_comment_in_the_thread_is_plain_text() -> None:
    sent = blocks.comment_note(12, "U0BEN", "@here see *this*").as_kwargs()
    assert sent["blocks"][1]["text"]["type"] == "plain_text"
    assert "@here" not in sent["text"]  # defused with a word joiner in the fallback text


def some_details(comments: int, changes: int, **issue: object) -> IssueDetails:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    return IssueDetails(
        issue=an_issue(number=12, **issue),
        comments=tuple(
            Comment("U0BEN", at, f"Comment {n} " + "c" * DETAILS_MAX, "thread") for n in range(comments)
        ),
        changes=tuple(change("status", "open", "blocked") for _ in range(changes)),
    )


def test_show_fits_one_message_with_the_latest_comments_and_history() -> None:
    details = some_details(40, 20, details="D" * DETAILS_MAX, card=Card("C0TRACKER", "1.0", "https://x/p1"))
    sent = blocks.issue_details(details, ZONE).as_kwargs()
    shown = json.dumps(sent["blocks"], ensure_ascii=False)

    assert len(sent["blocks"]) <= 50
    assert sum(len(json.dumps(b)) for b in sent["blocks"]) < 12_000  # Slack's msg_blocks_too_long
    assert "+35 earlier comments" in shown
    assert "Comment 39" in shown
    assert "Comment 34 " not in shown
    assert "<@U0ANA> moved #12 to Blocked" in shown
    assert "<https://x/p1|Open its card>" in shown


def test_the_details_modal_stays_within_100_blocks_and_offers_what_the_viewer_may_do() -> None:
    details = some_details(80, 20, details="D" * DETAILS_MAX)

    as_admin = blocks.details_view(details, ZONE, may_change=True, may_delete=True).to_dict()
    as_anyone = blocks.details_view(details, ZONE, may_change=False, may_delete=False).to_dict()

    assert len(as_admin["blocks"]) <= 100
    assert as_admin["title"]["text"] == "Issue #12"
    [actions] = [b for b in as_admin["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["issues.priority", "issues.delete"]
    assert actions["elements"][1]["confirm"]["confirm"]["text"] == "Delete"
    assert blocks.number_in({"block_id": actions["block_id"]}) == 12
    assert not [b for b in as_anyone["blocks"] if b["type"] == "actions"]
    assert "+50 earlier comments" in json.dumps(as_admin["blocks"])


def test_lists_name_their_view_and_say_so_when_empty() -> None:
    issue = an_issue(status=Status.RESOLVED, raised_by_team=Team.MARKETING)
    sent = blocks.issue_list(IssueList((issue,), 1), IssueView.ALL, ZONE).as_kwargs()
    assert sent["text"] == "All issues: 1"
    facts = sent["blocks"][2]["elements"][0]["text"]
    assert "Resolved" in facts
    assert "(Marketing)" in facts
    empty = blocks.issue_list(IssueList((), 0), IssueView.OVERDUE, ZONE).as_kwargs()
    assert empty["text"] == "Nothing is overdue."
    unknown = blocks.unknown_list("<!here>").as_kwargs()["text"]
    assert "`mine`" in unknown
    assert "`marketing`" in unknown
    assert "<!here>" not in unknown


def test_a_message_becomes_a_draft_titled_by_its_first_line() -> None:
    long_line = "Leads " + "x" * 200
    draft = blocks.draft_from_message(f"\n  {long_line}\nSecond line\n" + "y" * DETAILS_MAX)
    assert len(draft.title) == TITLE_MAX
    assert draft.title.endswith("…")
    assert draft.details.startswith(long_line)
    assert len(draft.details) == DETAILS_MAX
    assert blocks.draft_from_message("").title == ""


def test_the_raise_form_remembers_the_message_it_came_from() -> None:
    origin = blocks.FormOrigin(
        response_url="https://hooks.slack.com/r",
        source_channel="C0SALES",
        source_thread_ts="1.0",
        source_permalink="https://x.slack.com/archives/C0SALES/p1",
    )
    view = blocks.issue_form(origin, blocks.draft_from_message("Hi")).to_dict()
    assert blocks.FormOrigin.loads(view["private_metadata"]) == origin
    assert len(view["private_metadata"]) <= 3000
    assert "the message" in json.dumps(view["blocks"][-1])


def test_the_comment_form_reads_back_its_issue_and_text() -> None:
    view = blocks.comment_form(an_issue(number=123456789)).to_dict()
    assert len(view["title"]["text"]) <= 24
    view["state"] = {"values": {blocks.COMMENT_BLOCK: {"value": {"type": "plain_text_input", "value": "Hi"}}}}
    assert blocks.read_comment_form(view) == (123456789, "Hi")


def test_help_names_every_usage_and_fits_a_section() -> None:
    text = blocks.help_message().as_kwargs()["blocks"][0]["text"]["text"]
    assert len(text) <= 3000
    for usage, _ in blocks.HELP:
        assert f"`{usage}`" in text
