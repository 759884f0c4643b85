"""`/issue` over real HTTP: signed command in; acknowledgement, Slack calls and stored rows out."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from functools import partial

import pytest

from bot.blocks.issues import HELP
from bot.blocks.text import WORD_JOINER
from bot.people import Actor, Team
from bot.sandbox.signing import SlackRequests
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, SIGNING_SECRET, TEAM, TRACKER, Tandem
from tests.scenario.test_issue_card import KEY, after, card_of, fields, raise_issue, thread


def test_a_quick_issue_is_stored_posted_and_confirmed(tandem: Tandem) -> None:
    answer = tandem.command("Pricing page confuses prospects")

    assert answer.status == 200
    assert answer.body == b""  # acknowledged at once; the rest follows through Slack's API
    [card] = tandem.slack.wait_for("chat.postMessage")
    [confirmation] = tandem.slack.wait_for("response_url")

    [issue] = tandem.issues()
    assert (issue.number, issue.title, issue.raised_by) == (1, "Pricing page confuses prospects", ANA)
    assert (issue.status, issue.category, issue.priority) == ("open", "other", "normal")
    assert card.args["channel"] == TRACKER
    assert card.args["blocks"][0]["text"]["text"] == "#1 Pricing page confuses prospects"
    assert card.args["text"].startswith("#1 Pricing page confuses prospects (Normal, Other)")
    [posted] = tandem.slack.messages(TRACKER)
    assert (issue.card_channel, issue.card_ts) == (TRACKER, posted["ts"])
    assert issue.card_permalink == tandem.slack.calls_to("chat.getPermalink")[0].response["permalink"]
    assert confirmation.args["response_type"] == "ephemeral"
    see_card = f"<{issue.card_permalink}|See its card>"
    raised = ":white_check_mark: #1 Pricing page confuses prospects raised."
    assert confirmation.args["text"] == f"{raised} {see_card}."


def test_a_following_list_shows_the_issue(tandem: Tandem) -> None:
    tandem.command("Pricing page confuses prospects")
    tandem.slack.wait_for("response_url")

    answer = tandem.command("list", user_id="U0BEN")

    assert (answer.status, answer.body) == (200, b"")
    listing = tandem.slack.wait_for("response_url", count=2)[-1].args
    assert listing["response_type"] == "ephemeral"
    assert listing["text"] == "Open issues: 1"
    assert listing["blocks"][1]["text"]["text"] == "#1  Pricing page confuses prospects"
    assert "open card" in listing["blocks"][2]["elements"][0]["text"]


def test_an_empty_list_says_how_to_raise_one(tandem: Tandem) -> None:
    tandem.command("list")
    [listing] = tandem.slack.wait_for("response_url")
    assert listing.args["text"] == "No open issues. Raise one with `/issue <title>`."


def test_the_acknowledgement_does_not_wait_for_slack(tandem: Tandem) -> None:
    tandem.slack.delay_next("chat.postMessage", 2.0)

    answer = tandem.command("Slow Slack today")

    assert answer.status == 200
    # Had the listener posted the card before acknowledging, Slack would have seen the call by now.
    assert tandem.slack.calls_to("chat.postMessage") == []
    tandem.slack.wait_for("response_url")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x" * 121, "Keep the title to 120 characters (this one has 121)"),
        ("<!here>" + "y" * 120, "Keep the title to 120 characters"),
    ],
)
def test_a_bad_title_gets_a_clear_answer_and_nothing_is_stored(tandem: Tandem, text: str, says: str) -> None:
    answer = tandem.command(text)

    assert answer.status == 200
    assert says in answer.json()["text"]
    assert tandem.issues() == []
    assert tandem.slack.calls_to("chat.postMessage") == []


def test_user_text_cannot_ping_the_channel_or_inject_links(tandem: Tandem) -> None:
    tandem.command("<!channel> prices are *wrong* on <https://evil.example|our site> per <@U0BEN|ben>")
    [card] = tandem.slack.wait_for("chat.postMessage")
    [confirmation] = tandem.slack.wait_for("response_url")

    [issue] = tandem.issues()
    assert issue.title == "@channel prices are *wrong* on our site (https://evil.example) per @ben"
    assert card.args["blocks"][0]["text"]["type"] == "plain_text"
    for sent in (card.args["text"], confirmation.args["text"]):
        assert "<!channel>" not in sent
        assert "<https://evil" not in sent
        assert "@\u2060channel" in sent


def test_help_lists_every_subcommand(tandem: Tandem) -> None:
    answer = tandem.command("help")

    assert answer.status == 200
    text = answer.json()["text"]
    for usage, _ in HELP:
        assert f"`{usage}`" in text
    assert tandem.issues() == []


@pytest.mark.parametrize("text", ["", "new", "NEW"])
def test_the_form_opens_for_issue_alone_or_new(tandem: Tandem, text: str) -> None:
    request = tandem.requests.slash_command("/issue", text, user_id=ANA, channel_id="C0SALES")
    answer = tandem.send(request)

    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.response["ok"] is True
    assert opened.args["view"]["callback_id"] == "issues.form"
    assert opened.args["view"]["title"]["text"] == "Raise an issue"
    assert tandem.issues() == []


def test_new_with_words_opens_the_form_with_that_title(tandem: Tandem) -> None:
    tandem.command("new Webinar leads lack phone numbers")
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.args["view"]["blocks"][0]["element"]["initial_value"] == "Webinar leads lack phone numbers"


def test_a_card_that_cannot_be_posted_is_explained_and_the_issue_kept(tandem: Tandem) -> None:
    tandem.slack.fail_next("chat.postMessage", error="not_in_channel")

    tandem.command("Nobody invited Tandem")

    [confirmation] = tandem.slack.wait_for("response_url")
    assert "#1 Nobody invited Tandem is saved" in confirmation.args["text"]
    assert "/invite @Tandem" in confirmation.args["text"]
    [issue] = tandem.issues()
    assert issue.card_ts is None


def test_rate_limits_and_server_errors_are_retried(tandem: Tandem) -> None:
    tandem.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    tandem.slack.fail_next("chat.getPermalink", status=500)

    tandem.command("Retried until Slack takes it")

    [confirmation] = tandem.slack.wait_for("response_url")
    statuses = [call.status for call in tandem.slack.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    assert [c.status for c in tandem.slack.calls_to("chat.getPermalink")] == [500, 200]
    assert "raised" in confirmation.args["text"]
    assert tandem.issues()[0].card_permalink is not None


# Working issues by command


def answered(tandem: Tandem, text: str, *, user_id: str = ANA) -> str:
    """The text of the ephemeral answer that follows a quick empty acknowledgement."""
    [reply] = after(tandem, "response_url", lambda: tandem.command(text, user_id=user_id))
    assert reply.args["response_type"] == "ephemeral"
    return str(reply.args["text"])


def refused_at_once(tandem: Tandem, text: str, *, user_id: str = ANA) -> str:
    """The text of an answer given in the acknowledgement itself (bad input needs no lookup)."""
    answer = tandem.command(text, user_id=user_id)
    assert answer.status == 200
    return str(answer.json()["text"])


def test_show_gives_the_issue_with_its_comments_and_history_to_the_asker_only(tandem: Tandem) -> None:
    raise_issue(tandem)
    tracker = tandem.services.tracker
    tracker.set_due(KEY, 1, date(2026, 12, 1), Actor(ANA))
    tracker.comment(KEY, 1, BEN, "Three prospects asked", source="thread", request_key="1.1")

    [reply] = after(tandem, "response_url", lambda: tandem.command("show #1", user_id=BEN))

    assert reply.args["response_type"] == "ephemeral"
    shown = str(reply.args["blocks"])
    assert reply.args["blocks"][0]["text"]["text"] == "#1 Pricing page confuses prospects"
    assert "Three prospects asked" in shown
    assert f"<@{ANA}> set #1's due date to Tue, Dec 1, 2026" in shown
    assert "Open its card" in shown


def test_an_issue_is_named_by_12_or_hash_12(tandem: Tandem) -> None:
    raise_issue(tandem)
    for text in ["show 1", "show #1", "1", "#1"]:
        [reply] = after(tandem, "response_url", partial(tandem.command, text))
        assert reply.args["blocks"][0]["text"]["text"] == "#1 Pricing page confuses prospects", text
    assert len(tandem.issues()) == 1  # "1" alone shows #1; it does not raise an issue called "1"


def test_numbers_unknown_here_get_a_clear_answer(tandem: Tandem) -> None:
    raise_issue(tandem)
    elsewhere = SlackRequests(signing_secret=SIGNING_SECRET, lookalike=tandem.slack, team_id="T0ELSEWHERE")

    assert answered(tandem, "show 999") == "There is no issue #999 here. `/issue list` shows the open ones."
    [reply] = after(
        tandem,
        "response_url",
        lambda: tandem.send(elsewhere.slash_command("/issue", "show 1", user_id=BEN, channel_id="C0SALES")),
    )
    assert reply.args["text"] == "There is no issue #1 here. `/issue list` shows the open ones."


def test_assign_gives_the_issue_to_the_person_mentioned(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    text = answered(tandem, f"assign 1 <@{BEN}|ben>")

    assert tandem.issues()[0].owner_id == BEN
    assert text.startswith(f":white_check_mark: You assigned #1 to <@{BEN}>.")
    assert thread(tandem, card) == [f"<@{ANA}> assigned #1 to <@{BEN}>"]
    assert f"*Owner*\n<@{BEN}>" in fields(card_of(tandem, 1))


MALFORMED = [
    ("assign abc <@U0BEN|ben>", "`abc` isn't an issue number. Try `/issue assign 12 @person`."),
    ("assign", "Which issue? Name it by number: `/issue assign 12 @person`."),
    ("assign 1 @ben", "Mention the one person to give #1 to, like `/issue assign 1 @ben`."),
    ("assign 1 <@U0BEN|ben> <@U0ANA|ana>", "Mention the one person to give #1 to"),
    ("assign 1 <!subteam^S0SALES|@sales>", "Mention the one person to give #1 to"),
    ("assign 1 <@nobody|x>", "Mention the one person to give #1 to"),
    ("close abc", "`abc` isn't an issue number. Try `/issue close 12 [note]`."),
    ("reopen <!here>", f"`@{WORD_JOINER}here` isn't an issue number. Try `/issue reopen 12`."),
    ("show", "Which issue? Name it by number: `/issue show 12`."),
    ("list everything", "I don't know the list `everything`."),
]


def test_malformed_commands_are_explained_at_once_and_change_nothing(tandem: Tandem) -> None:
    raise_issue(tandem)

    for text, says in MALFORMED:
        assert says in refused_at_once(tandem, text), text
    [issue] = tandem.issues()
    assert (issue.owner_id, issue.status) == (None, "open")


REFUSED = [
    ("assign 999 <@U0BEN|ben>", "There is no issue #999 here. `/issue list` shows the open ones."),
    ("assign 1 <@U0TANDEMBOT|tandem>", "Issues are owned by people, not by apps or bots."),
    ("assign 1 <@U0GONE|gone>", "I can't find that person in this workspace."),
    ("close 999", "There is no issue #999 here. `/issue list` shows the open ones."),
    (
        "assign 1 <@U0ADMIN|ada>",
        "Only #1's owner, the person who raised it, or a Tandem admin can change its owner.",
    ),
    ("close 1", "Only #1's owner, the person who raised it, or a Tandem admin can change its status."),
]


def test_refusals_are_explained_and_change_nothing(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    for text, says in REFUSED:
        assert answered(tandem, text, user_id=BEN) == says, text
    [issue] = tandem.issues()
    assert (issue.owner_id, issue.status) == (None, "open")
    assert thread(tandem, card) == []
    assert tandem.slack.calls_to("chat.update") == []


def test_close_with_a_note_resolves_and_keeps_the_note(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    text = answered(tandem, "close #1 Fixed the <https://x.example|pricing page>")

    [issue] = tandem.issues()
    assert issue.status == "resolved"
    assert text.startswith(":white_check_mark: You resolved #1.")
    details = tandem.services.tracker.details(KEY, 1)
    assert [c.text for c in details.comments] == ["Fixed the pricing page (https://x.example)"]
    assert thread(tandem, card) == [f"<@{ANA}> resolved #1: Fixed the pricing page (https://x.example)"]
    assert "issues.reopen" in str(card_of(tandem, 1)["blocks"])


def test_close_and_reopen_say_when_there_is_nothing_to_do(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    assert answered(tandem, "reopen 1") == "#1 isn't closed: it is Open."
    answered(tandem, "close 1")
    assert answered(tandem, "close 1") == "#1 is already closed (Resolved)."
    assert answered(tandem, "reopen 1").startswith(":white_check_mark: You reopened #1.")
    assert tandem.issues()[0].status == "open"
    assert thread(tandem, card) == [f"<@{ANA}> resolved #1", f"<@{ANA}> reopened #1"]


def test_each_list_shows_what_it_says(tandem: Tandem, clock: FixedClock) -> None:
    admin = Actor("U0ADMIN", is_admin=True)
    tandem.services.people.set_team(KEY, admin, [ANA], Team.SALES)
    tandem.services.people.set_team(KEY, admin, [BEN], Team.MARKETING)
    raise_issue(tandem, "Sales issue", by=ANA)
    raise_issue(tandem, "Marketing issue", by=BEN)
    raise_issue(tandem, "Closed issue", by=BEN)
    tracker = tandem.services.tracker
    tracker.take(KEY, 2, Actor(ANA))
    tracker.set_due(KEY, 1, date(2026, 11, 25), Actor(ANA))
    tracker.close(KEY, 3, Actor(BEN))
    clock.now += timedelta(days=3)

    def titles(text: str) -> list[str]:
        [reply] = after(tandem, "response_url", lambda: tandem.command(text, user_id=ANA))
        return [b["text"]["text"] for b in reply.args["blocks"] if b["type"] == "section"]

    assert titles("list") == ["#1  Sales issue", "#2  Marketing issue"]
    assert titles("list mine") == ["#2  Marketing issue"]
    assert titles("list raised") == ["#1  Sales issue"]
    assert titles("list overdue") == ["#1  Sales issue"]
    assert titles("list SALES") == ["#1  Sales issue"]
    assert titles("list marketing") == ["#2  Marketing issue"]
    assert titles("list all") == ["#1  Sales issue", "#2  Marketing issue", "#3  Closed issue"]


def test_an_unknown_list_names_the_lists_there_are(tandem: Tandem) -> None:
    text = refused_at_once(tandem, "list everything")
    for name in ("mine", "raised", "open", "overdue", "sales", "marketing", "all"):
        assert f"`{name}`" in text


def test_export_is_for_admins_only(tandem: Tandem) -> None:
    raise_issue(tandem)

    assert answered(tandem, "export", user_id=BEN) == "Only Tandem's admins export the tracker."
    assert tandem.slack.calls_to("files.completeUploadExternal") == []


def test_export_sends_the_admin_a_csv_of_this_workspaces_issues(tandem: Tandem) -> None:
    raise_issue(tandem, "First issue")
    raise_issue(tandem, "Second, with a comma")

    text = answered(tandem, "export", user_id="U0ADMIN")

    assert text == ":white_check_mark: I've sent you 2 issues as a CSV file in a direct message."
    direct = tandem.slack.dm_channel("U0ADMIN")
    [sent] = tandem.slack.uploaded_files(direct)
    assert sent["name"].startswith("tandem-issues-")
    assert sent["name"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(sent["bytes"].decode("utf-8"))))
    assert [(row["number"], row["title"], row["team_id"]) for row in rows] == [
        ("1", "First issue", TEAM),
        ("2", "Second, with a comma", TEAM),
    ]
    assert "2 issues" in sent["initial_comment"]
