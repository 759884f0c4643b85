"""The reminder and notification DMs' Block Kit: inside Slack's 50 blocks with "+N more", linked to
cards, titles kept inert, fallback text always there."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from bot.blocks.notifications import news
from bot.blocks.reminders import reminder
from bot.issues import Card, IssueList, Priority, SharedIssue, Status
from bot.notifications import Notice
from tests.test_blocks_issues import an_issue

ZONE = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 24)
AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LINK = "https://tandem-test.slack.com/archives/C0TRACKER/p1764000000000100"


def texts(blocks: list[dict[str, object]]) -> list[str]:
    found = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(str(text["text"]))
        for element in block.get("elements", []):  # type: ignore[attr-defined]
            found.append(str(element["text"]))
    return found


def late(number: int, **changes: object) -> SharedIssue:
    fields: dict[str, object] = {
        "owner_id": "U0BEN",
        "due_on": date(2026, 11, 20),
        "updated_at": datetime(2026, 11, 17, 15, 0, tzinfo=UTC),
    }
    fields.update(changes)
    return an_issue(number, **fields)


def test_an_owners_reminder_says_why_each_issue_is_listed() -> None:
    overdue = late(7, card=Card("C0TRACKER", "1764000000.000100", LINK))
    quiet = late(9, due_on=None, priority=Priority.URGENT, status=Status.BLOCKED)

    sent = reminder(page(overdue, quiet), page(), today=TODAY, zone=ZONE).as_kwargs()

    assert sent["text"] == "Tandem: 2 of your issues need a look."
    assert texts(sent["blocks"]) == [
        "Issues waiting on you",
        "*2 of your issues need a look* (past due, or no update for a while)",
        f"<{LINK}|#7 Pricing page confuses prospects>",
        "High · Open · due Fri, Nov 20, 2026, 4 days late · no update for 7 days",
        "#9 Pricing page confuses prospects",
        "Urgent · Blocked · no update for 7 days",
        "Update an issue from its card to quiet this reminder.",
    ]


def test_a_title_cannot_ping_or_link() -> None:
    sneaky = late(3, title="<!here> see <https://evil.example|this> & more @channel")
    [_, _, title, *_] = texts(reminder(page(sneaky), page(), today=TODAY, zone=ZONE).as_kwargs()["blocks"])
    assert "<!here>" not in title
    assert "<https://evil" not in title
    assert "&amp; more" in title
    assert "@\u2060channel" in title


def test_the_count_is_of_all_issues_not_only_those_read() -> None:
    # The job reads a page of each person's issues; the message counts every one of them.
    message = reminder(IssueList((late(1), late(2)), 230), page(), today=TODAY, zone=ZONE)
    assert message.text == "Tandem: 230 of your issues need a look."
    assert "+228 more" in texts(message.as_kwargs()["blocks"])


def page(*issues: SharedIssue) -> IssueList:
    return IssueList(tuple(issues), len(issues))


@pytest.mark.parametrize(("mine", "unowned"), [(40, 0), (0, 40), (40, 40), (15, 6), (16, 7), (1, 30)])
def test_any_number_of_issues_fits_in_one_message_with_the_rest_counted(mine: int, unowned: int) -> None:
    own = [late(n) for n in range(1, mine + 1)]
    nobodys = [an_issue(100 + n) for n in range(unowned)]

    message = reminder(page(*own), page(*nobodys), today=TODAY, zone=ZONE)
    sent = message.as_kwargs()  # validates every block against slack_sdk's limits

    assert len(sent["blocks"]) <= 50
    shown = json.dumps(sent["blocks"])
    numbers_shown = sum(f"#{n} " in shown for n in [*range(1, mine + 1), *range(100, 100 + unowned)])
    more = [int(t.split()[0][1:]) for t in texts(sent["blocks"]) if t.startswith("+")]
    assert numbers_shown + sum(more) == mine + unowned
    assert all(Block.parse(block) is not None for block in sent["blocks"])


def test_a_reminder_needs_something_to_say() -> None:
    with pytest.raises(ValueError, match="something to remind"):
        reminder(page(), page(), today=TODAY, zone=ZONE)


def notice(kind: str, number: int, **facts: object) -> Notice:
    base: dict[str, object] = {"number": number, "title": f"Issue {number}", "by": "U0ANA", "permalink": None}
    return Notice(kind, {**base, **facts}, AT)


def test_news_reads_one_line_a_change_with_card_links() -> None:
    message = news(
        [
            notice("issue_assigned", 12, permalink=LINK),
            notice("issue_resolved", 7, by="U0BEN"),
            notice("issue_commented", 3),  # a kind added later still reaches the person
        ]
    )

    assert texts(message.as_kwargs()["blocks"]) == [
        f"<@U0ANA> assigned you <{LINK}|#12 Issue 12>",
        "<@U0BEN> resolved #7 Issue 7 (you raised it)",
        "News about #3 Issue 3",
    ]
    assert message.text.splitlines()[0] == f"<@U0ANA> assigned you <{LINK}|#12 Issue 12>"


def test_a_flood_of_news_is_cut_with_a_count() -> None:
    sent = news([notice("issue_assigned", n) for n in range(1, 121)]).as_kwargs()

    assert len(sent["blocks"]) == 46
    assert texts(sent["blocks"])[-1] == "+75 more updates"
    assert len(sent["text"]) <= 3000


def test_a_thank_you_for_a_win_reads_as_one_line_with_a_link_to_the_card() -> None:
    thanked = Notice(
        "win.thanked",
        {
            "win_id": 12,
            "author": "U0ANA",
            "text": "Closed Acme Corp",
            "permalink": LINK,
            "kind": "closed_deal",
        },
        AT,
    )
    unlinked = Notice(
        "win.thanked", {"win_id": 13, "author": "U0BEN", "text": "Webinar", "permalink": None}, AT
    )

    message = news([thanked, notice("issue_assigned", 12), unlinked])

    assert texts(message.as_kwargs()["blocks"]) == [
        f"<@U0ANA> thanked you for a win: “Closed Acme Corp” · <{LINK}|See it>",
        "<@U0ANA> assigned you #12 Issue 12",
        "<@U0BEN> thanked you for a win: “Webinar”",
    ]


def test_a_wins_text_in_the_news_cannot_ping_and_is_cut() -> None:
    sneaky = "<!channel> @here <https://evil.example|prize> & " * 20
    facts = {"win_id": 1, "author": "<!here>", "text": sneaky, "permalink": LINK}

    [line] = texts(news([Notice("win.thanked", facts, AT)]).as_kwargs()["blocks"])

    assert line.startswith("Someone thanked you for a win: “&lt;!channel&gt; @\u2060here &lt;https://evil")
    assert "<!" not in line
    assert "<https://evil" not in line
    assert line.endswith(f"…” · <{LINK}|See it>")
