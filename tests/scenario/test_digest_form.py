"""The digest's item form over real HTTP: opened by command, by the message shortcut or the reminder's
button; problems shown under the fields; a double submit stored once."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.blocks import digest as digest_blocks
from bot.digest import Section
from tests.scenario.conftest import ANA, BEN, BOT_TOKEN, Tandem
from tests.scenario.test_digest_command import KEY, THIS_WEEK, answers, configure, digest, rows

FILLED = {
    "digest.form.section": {"value": "product_news"},
    "digest.form.headline": {"value": "Pricing v2 ships Monday"},
    "digest.form.detail": {"value": "New tiers for teams.\nOld prices hold until March."},
    "digest.form.link": {"value": "https://example.com/pricing"},
}


def open_form_by_command(tandem: Tandem, user_id: str = BEN) -> dict[str, Any]:
    digest(tandem, "add", user_id=user_id)
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    return view


def test_a_filled_form_adds_the_item_and_confirms_where_the_command_was_typed(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)

    answer = tandem.send(tandem.requests.view_submission(view, FILLED, user_id=BEN))

    assert (answer.status, answer.body) == (200, b"")  # the form closes
    [confirmation] = answers(tandem)
    [item] = rows(tandem)
    assert (item.section, item.headline, item.author_id, item.week) == (
        "product_news",
        "Pricing v2 ships Monday",
        BEN,
        THIS_WEEK,
    )
    assert item.detail == "New tiers for teams.\nOld prices hold until March."
    assert item.link == "https://example.com/pricing"
    assert confirmation.args["response_type"] == "ephemeral"
    assert confirmation.args["text"].startswith(
        ":white_check_mark: “Pricing v2 ships Monday” is in the Thursday digest (Product news)"
    )


def test_problems_show_under_their_fields_and_nothing_is_stored(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)
    values = {
        **FILLED,
        "digest.form.headline": {"value": "   "},
        "digest.form.detail": {"value": "\n".join(f"line {n}" for n in range(12))},
        "digest.form.link": {"value": "ftp://example.com/file"},
    }

    answer = tandem.send(tandem.requests.view_submission(view, values, user_id=BEN))

    assert answer.status == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {
            "digest.form.headline": "Give the item a headline: the few words sales should read first.",
            "digest.form.detail": "Keep the detail to 8 lines (it has 12); link to the rest.",
            "digest.form.link": "Give the link as a web address starting with https://",
        },
    }
    assert rows(tandem) == []
    assert tandem.slack.calls_to("response_url") == []


def test_a_double_submit_adds_one_item(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)
    submit = tandem.requests.view_submission(view, FILLED, user_id=BEN)

    first = tandem.send(submit)
    answers(tandem)
    second = tandem.send(submit)
    answers(tandem, 2)

    assert (first.status, second.status) == (200, 200)
    assert len(rows(tandem)) == 1


def test_user_text_in_the_form_cannot_ping_in_the_list(tandem: Tandem) -> None:
    view = open_form_by_command(tandem)
    values = {**FILLED, "digest.form.headline": {"value": "<!here> <https://evil.example|win> @channel"}}
    tandem.send(tandem.requests.view_submission(view, values, user_id=BEN))
    answers(tandem)

    digest(tandem, "list", user_id=BEN)

    listing = answers(tandem, 2)[-1].args
    sent = str(listing["blocks"])
    assert "<!here>" not in sent
    assert "<https://evil" not in sent
    assert "@channel" not in sent  # defused with a word joiner
    assert "&lt;!here&gt;" in sent


# Adding from a message


def add_from_message(tandem: Tandem, message: dict[str, Any], channel: str, by: str = BEN) -> dict[str, Any]:
    shortcut = tandem.requests.message_shortcut("digest.add_from_message", message, channel, user_id=by)
    answer = tandem.send(shortcut)
    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    return view


def test_a_message_prefills_the_form_and_the_item_links_to_it(tandem: Tandem) -> None:
    message = tandem.slack.post_user_message(
        "C0MARKETING", ANA, f"Competitor cut prices by 20%\nThey target <@{BEN}>'s accounts first"
    )

    view = add_from_message(tandem, message, "C0MARKETING")

    [headline, detail] = [b["element"].get("initial_value") for b in view["blocks"][1:3]]
    assert headline == "Competitor cut prices by 20%"
    assert detail == "They target @ben's accounts first"
    [permalink] = tandem.slack.calls_to("chat.getPermalink")
    assert (permalink.args["channel"], permalink.args["message_ts"]) == ("C0MARKETING", message["ts"])
    assert f"<{permalink.response['permalink']}|the message>" in str(view["blocks"])

    tandem.send(
        tandem.requests.view_submission(view, {"digest.form.section": {"value": "competitor"}}, user_id=BEN)
    )

    [confirmation] = answers(tandem)
    [item] = rows(tandem)
    assert (item.section, item.headline, item.author_id) == (
        "competitor",
        "Competitor cut prices by 20%",
        BEN,
    )
    assert item.source_permalink == permalink.response["permalink"]
    assert confirmation.args["response_type"] == "ephemeral"
    assert (
        "“Competitor cut prices by 20%” is in the Thursday digest (Competitors)" in confirmation.args["text"]
    )


def test_a_message_tandem_cannot_link_to_is_still_added(tandem: Tandem) -> None:
    # A direct message between two people: Tandem can't link to it, but its text is still the item.
    message = {"type": "message", "user": ANA, "text": "Case study is out", "ts": "1795512000.000100"}

    view = add_from_message(tandem, message, "D0ANABEN")
    tandem.send(
        tandem.requests.view_submission(
            view, {"digest.form.section": {"value": "sales_content"}}, user_id=BEN
        )
    )

    tandem.slack.wait_for("response_url")
    [item] = rows(tandem)
    assert (item.headline, item.source_permalink) == ("Case study is out", None)


# The reminder's button


def test_the_reminders_button_opens_the_form_and_confirms_only_to_the_clicker(tandem: Tandem) -> None:
    configure(tandem)
    digests = tandem.services.digests
    week = digests.current_week(KEY)
    reminder = digest_blocks.collection_reminder(0, week, {})
    # Posted as the Wednesday job posts it.
    posted = WebClient(token=BOT_TOKEN, base_url=tandem.slack.api_url).chat_postMessage(
        channel="C0MARKETING", **reminder.as_kwargs()
    )
    message = posted["message"]
    [button] = message["blocks"][-1]["elements"]

    tandem.send(
        tandem.requests.block_actions([button], user_id=BEN, message=message, channel_id="C0MARKETING")
    )

    [opened] = tandem.slack.wait_for("views.open")
    tandem.send(tandem.requests.view_submission(opened.response["view"], FILLED, user_id=BEN))
    [confirmation] = answers(tandem)
    assert confirmation.args["response_type"] == "ephemeral"
    assert confirmation.args["replace_original"] is False  # the reminder stays for everyone else
    assert "“Pricing v2 ships Monday” is in the Thursday digest" in confirmation.args["text"]
    assert [r.section for r in rows(tandem)] == [Section.PRODUCT_NEWS.value]
    assert len(tandem.slack.messages("C0MARKETING")) == 1


def test_adding_from_the_lists_button_redraws_the_list_with_the_item(tandem: Tandem) -> None:
    digest(tandem, "list", user_id=BEN)
    listing = answers(tandem)[0].args
    [add_button] = listing["blocks"][-1]["elements"]
    message = {"ts": "1795512000.000300", **listing}

    tandem.send(
        tandem.requests.block_actions([add_button], user_id=BEN, message=message, channel_id="C0SALES")
    )
    [opened] = tandem.slack.wait_for("views.open")
    tandem.send(tandem.requests.view_submission(opened.response["view"], FILLED, user_id=BEN))

    redrawn = answers(tandem, 2)[-1].args
    assert redrawn["replace_original"] is True
    assert redrawn["text"] == "This week's digest: 1 item"
    assert "“Pricing v2 ships Monday” is in the Thursday digest" in str(redrawn["blocks"])


def test_an_item_of_a_digest_already_posted_cannot_be_edited(tandem: Tandem) -> None:
    """Its items stay as they were posted: a form opened before the send is refused under the field."""
    configure(tandem)
    digest(tandem, "add Pricing v2 ships Monday")
    answers(tandem)
    digest(tandem, "send")
    answers(tandem, 2)
    [item] = rows(tandem)
    form = digest_blocks.item_form(digest_blocks.ItemOrigin(item_id=item.id), None).to_dict()
    form = {**form, "id": "V0EDITSENT"}

    answer = tandem.send(
        tandem.requests.view_submission(
            form,
            {
                "digest.form.section": {"value": "other"},
                "digest.form.headline": {"value": "Pricing v3 ships Monday"},
            },
            user_id=BEN,
        )
    )

    assert answer.json() == {
        "response_action": "errors",
        "errors": {"digest.form.headline": "This week's digest is already sent."},
    }
    assert [r.headline for r in rows(tandem)] == ["Pricing v2 ships Monday"]
