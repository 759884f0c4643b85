"""The owner's approval message over real HTTP: Send now, Edit items and Skip this week, for editors
only; once decided, the message says who decided."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.blocks import digest as digest_blocks
from bot.digest import DigestStatus, Section
from tests.scenario.conftest import ANA, BEN, BOT_TOKEN, Tandem
from tests.scenario.test_digest_command import (
    KEY,
    SALES,
    THIS_WEEK,
    add,
    answers,
    choose,
    configure,
    digest,
    menu_of,
    rows,
    shown,
)

DM = "D0BEN"


def approval_request(tandem: Tandem) -> dict[str, Any]:
    """The preview Ben (the owner) gets before the send time, posted as the preview job posts it."""
    digests = tandem.services.digests
    composed = digests.compose(KEY, THIS_WEEK)
    request = digest_blocks.approval_request(composed, composed.week)
    posted = WebClient(token=BOT_TOKEN, base_url=tandem.slack.api_url).chat_postMessage(
        channel=BEN, **request.as_kwargs()
    )
    assert posted["channel"] == DM
    message: dict[str, Any] = posted["message"]
    return message


def click(tandem: Tandem, message: dict[str, Any], action_id: str, user_id: str = BEN) -> None:
    [pressed] = [e for e in message["blocks"][-1]["elements"] if e["action_id"] == action_id]
    answer = tandem.send(
        tandem.requests.block_actions([pressed], user_id=user_id, message=message, channel_id=DM)
    )
    assert (answer.status, answer.body) == (200, b"")


def dm_now(tandem: Tandem, ts: str) -> dict[str, Any]:
    [message] = [m for m in tandem.slack.messages(DM) if m["ts"] == ts]
    return message


def test_send_now_posts_the_digest_and_the_message_says_who_sent_it(tandem: Tandem) -> None:
    configure(tandem, approval=True, owner_id=BEN, editors=())
    add(tandem, "Pricing v2 ships Monday", section=Section.PRODUCT_NEWS)
    request = approval_request(tandem)
    assert [e["text"]["text"] for e in request["blocks"][-1]["elements"]] == [
        "Send now",
        "Edit items",
        "Skip this week",
    ]

    click(tandem, request, "digest.send_now")

    [update] = tandem.slack.wait_for("chat.update")
    [posted] = tandem.slack.messages(SALES)
    assert posted["text"].startswith("Thursday digest for Thu, Nov 26, 2026: Product news (1)")
    record = tandem.services.digests.record(KEY, THIS_WEEK)
    assert (record.status, record.sent_by) == (DigestStatus.SENT, BEN)
    assert update.args["text"] == (
        f"Thursday digest for Thu, Nov 26, 2026: :white_check_mark: <@{BEN}> sent it to <#C0SALES>: "
        f"<{record.permalink}|see it>."
    )
    assert "actions" not in [b["type"] for b in dm_now(tandem, request["ts"])["blocks"]]


def test_send_now_on_a_digest_already_sent_says_so_and_posts_nothing_more(tandem: Tandem) -> None:
    configure(tandem, approval=True, owner_id=BEN, editors=())
    add(tandem, "Pricing v2 ships Monday")
    request = approval_request(tandem)
    digest(tandem, "send", user_id="U0ADMIN")
    answers(tandem)

    click(tandem, request, "digest.send_now")

    [update] = tandem.slack.wait_for("chat.update")
    assert "<@U0ADMIN> sent it to <#C0SALES>" in update.args["text"]
    told = answers(tandem, 2)[-1].args
    assert "This week's digest was already posted by <@U0ADMIN>" in told["text"]
    assert told["replace_original"] is False
    assert len(tandem.slack.messages(SALES)) == 1


def test_skip_this_week_posts_nothing_and_a_later_send_says_it_was_skipped(tandem: Tandem) -> None:
    configure(tandem, approval=True, owner_id=BEN, editors=())
    add(tandem, "Pricing v2 ships Monday")
    request = approval_request(tandem)

    click(tandem, request, "digest.skip")

    [update] = tandem.slack.wait_for("chat.update")
    assert update.args["text"] == (
        f"Thursday digest for Thu, Nov 26, 2026: :fast_forward: <@{BEN}> skipped it: "
        "nothing is posted this week."
    )
    record = tandem.services.digests.record(KEY, THIS_WEEK)
    assert (record.status, record.decided_by) == (DigestStatus.SKIPPED, BEN)

    digest(tandem, "send", user_id=BEN)

    said = answers(tandem)[0].args["text"]
    assert said.startswith(":fast_forward: This week's digest was skipped by <@U0BEN>, so nothing is posted.")
    assert tandem.slack.messages(SALES) == []


def test_someone_no_longer_an_editor_is_refused_and_the_message_kept(tandem: Tandem) -> None:
    configure(tandem, approval=True, owner_id=BEN, editors=())
    add(tandem, "Pricing v2 ships Monday")
    request = approval_request(tandem)
    configure(tandem, approval=True, owner_id=ANA, editors=())  # the digest has a new owner since

    for count, action in enumerate(("digest.send_now", "digest.skip", "digest.edit_items"), start=1):
        click(tandem, request, action)
        told = answers(tandem, count)[-1].args
        assert told["text"] == (
            ":no_entry: Only digest editors and admins send, approve or skip the digest. "
            f"Ask <@{ANA}>, a digest editor or an admin."
        )
        assert told["response_type"] == "ephemeral"
        assert told["replace_original"] is False

    assert tandem.slack.calls_to("chat.update") == []
    assert tandem.slack.calls_to("views.open") == []
    assert tandem.slack.messages(SALES) == []
    assert tandem.services.digests.record(KEY, THIS_WEEK).status is DigestStatus.DRAFT


def test_edit_items_opens_the_weeks_items_to_edit_and_remove(tandem: Tandem) -> None:
    configure(tandem, approval=True, owner_id=BEN, editors=())
    anas = add(tandem, "Acme asks about SSO", by=ANA)
    other = add(tandem, "Webinar on Dec 3", by=ANA, section=Section.EVENT)
    request = approval_request(tandem)

    click(tandem, request, "digest.edit_items")

    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    modal = opened.response["view"]
    assert modal["title"]["text"] == "This week's items"
    assert menu_of(modal, anas) is not None  # the owner changes anyone's items

    tandem.send(
        tandem.requests.block_actions(
            [choose(menu_of(modal, other) or {}, "remove")], user_id=BEN, view=modal
        )
    )
    [removed] = tandem.slack.wait_for("views.update")
    assert removed.args["view_id"] == modal["id"]
    assert ":wastebasket: Removed “Webinar on Dec 3” from the digest." in shown(removed.args["view"])
    assert menu_of(removed.args["view"], other) is None

    modal = removed.response["view"]
    tandem.send(
        tandem.requests.block_actions([choose(menu_of(modal, anas) or {}, "edit")], user_id=BEN, view=modal)
    )
    [pushed] = tandem.slack.wait_for("views.push")
    assert pushed.ok, pushed.response
    form = pushed.response["view"]
    assert form["previous_view_id"] == modal["id"]
    answer = tandem.send(
        tandem.requests.view_submission(
            form, {"digest.form.headline": {"value": "Acme and Globex ask about SSO"}}, user_id=BEN
        )
    )

    assert (answer.status, answer.body) == (200, b"")  # the form closes onto the items, redrawn
    [_, redrawn] = tandem.slack.wait_for("views.update", count=2)
    assert redrawn.args["view_id"] == modal["id"]
    assert "“Acme and Globex ask about SSO” is updated in the Thursday digest" in shown(redrawn.args["view"])
    assert [r.headline for r in rows(tandem)] == ["Acme and Globex ask about SSO"]
    assert tandem.slack.messages(SALES) == []
