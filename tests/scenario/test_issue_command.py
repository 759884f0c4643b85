"""`/issue` over real HTTP: signed command in; acknowledgement, Slack calls and stored rows out."""

from __future__ import annotations

import pytest

from bot.blocks.issues import HELP
from tests.scenario.conftest import ANA, TRACKER, Tandem


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
    assert listing["text"] == "1 open shared issues"
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
    assert issue.title == "@channel prices are *wrong* on our site per @ben"
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
