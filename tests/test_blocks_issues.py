"""The tracker's Block Kit: within Slack's limits, user text kept inert, forms read back whole."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.blocks import issues as blocks
from bot.issues import (
    DETAILS_MAX,
    TITLE_MAX,
    Card,
    Category,
    IssueDraft,
    IssueList,
    Priority,
    SharedIssue,
    Status,
)

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
    assert sent["text"] == "#7 Pricing page confuses prospects (High, Pricing), raised by <@U0ANA>"


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
    assert sent["blocks"][-1]["elements"][0]["text"] == "+117 more open issues"
    assert sent["blocks"][1]["text"]["text"] == "#1  Pricing page confuses prospects"
    assert "<https://x.slack.com/p1|open card>" in sent["blocks"][2]["elements"][0]["text"]
    assert sent["text"] == "137 open shared issues"


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
    assert view["blocks"][-1]["elements"][0]["text"] == "+260 more open issues"
