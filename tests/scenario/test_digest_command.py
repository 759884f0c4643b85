"""`/digest` over real HTTP: quick items, the list with its menus, preview, send, history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import digest as digest_blocks
from bot.digest import DigestStatus, ItemDraft, Section, SettingsChange
from bot.models import DigestItemRow
from bot.people import Actor
from bot.sandbox.lookalike import RecordedCall
from bot.sandbox.signing import HttpAnswer
from bot.workspaces import WorkspaceKey
from tests.scenario.conftest import ANA, BEN, TEAM, Tandem

KEY = WorkspaceKey(TEAM)
ADA = "U0ADMIN"  # a Slack admin in the look-alike
SALES = "C0SALES"
# The clock fixture's Tuesday 24 November 2026, Paris time: that week's digest is due Thursday 09:00.
THIS_WEEK = "2026-W48"
SETTINGS = SettingsChange(
    send_day="thu",
    send_time="09:00",
    channel=SALES,
    timezone=None,
    approval=False,
    owner_id=None,
    editors=(BEN,),
    empty_note=True,
    reminder_day="wed",
    reminder_time="14:00",
)


def configure(tandem: Tandem, **changes: Any) -> None:
    """The digest set up by an admin: posted to #sales, Ben (marketing) an editor, unless changed."""
    settings = SettingsChange(**{**SETTINGS.__dict__, **changes})
    tandem.services.digests.save_settings(KEY, settings, Actor(ADA, is_admin=True))


def digest(tandem: Tandem, text: str, *, user_id: str = BEN) -> HttpAnswer:
    return tandem.command(text, user_id=user_id, command="/digest")


def add(
    tandem: Tandem, headline: str, by: str = BEN, section: Section = Section.KEY_ISSUE, **draft: Any
) -> int:
    return tandem.services.digests.add_item(KEY, by, ItemDraft(section, headline, **draft)).id


def rows(tandem: Tandem) -> list[DigestItemRow]:
    with tandem.database.transaction() as session:
        return list(session.scalars(select(DigestItemRow).order_by(DigestItemRow.id)))


def answers(tandem: Tandem, count: int = 1) -> list[RecordedCall]:
    return tandem.slack.wait_for("response_url", count=count)


def shown(payload: dict[str, Any]) -> str:
    """Everything a message or view shows, as one string."""
    found = [str(payload.get("text") or "")]
    for block in payload.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(text["text"])
        found += [e.get("text", "") for e in block.get("elements") or [] if isinstance(e.get("text"), str)]
    return "\n".join(found)


def menu_of(message: dict[str, Any], item_id: int) -> dict[str, Any] | None:
    for block in message["blocks"]:
        if block.get("block_id") == f"digest.item:{item_id}":
            menu: dict[str, Any] | None = block.get("accessory")
            return menu
    return None


def choose(menu: dict[str, Any], what: str) -> dict[str, Any]:
    option = next(o for o in menu["options"] if o["value"].startswith(f"{what}:"))
    return {"action_id": menu["action_id"], "type": "overflow", "selected_option": option}


# Help and quick items


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_digest_alone_or_help_lists_every_subcommand(tandem: Tandem, text: str) -> None:
    answer = digest(tandem, text)

    assert answer.status == 200
    said = answer.json()["text"]
    for usage, _ in digest_blocks.HELP:
        assert f"`{usage}`" in said
    assert rows(tandem) == []


def test_an_unknown_subcommand_is_answered_with_help(tandem: Tandem) -> None:
    said = digest(tandem, "publish").json()["text"]
    assert said.startswith("`/digest publish` isn't something I know.")
    assert "`/digest add <text>`" in said


def test_a_quick_item_goes_into_other_news_and_is_confirmed(tandem: Tandem) -> None:
    answer = digest(tandem, "add Pricing v2 ships Monday")

    assert (answer.status, answer.body) == (200, b"")
    [confirmation] = answers(tandem)
    [item] = rows(tandem)
    assert (item.section, item.headline, item.author_id, item.week) == (
        "other",
        "Pricing v2 ships Monday",
        BEN,
        THIS_WEEK,
    )
    assert confirmation.args["response_type"] == "ephemeral"
    assert confirmation.args["text"].startswith(
        ":white_check_mark: “Pricing v2 ships Monday” is in the Thursday digest (Other news), "
        "going out <!date^"
    )


def test_a_quick_item_cannot_ping_the_channel_or_inject_links(tandem: Tandem) -> None:
    digest(tandem, "add <!channel> prices are *wrong* on <https://evil.example|our site>")

    [confirmation] = answers(tandem)
    [item] = rows(tandem)
    assert item.headline == "@channel prices are *wrong* on our site (https://evil.example)"
    assert "<!channel>" not in confirmation.args["text"]
    assert "<https://evil" not in confirmation.args["text"]
    assert "@\u2060channel" in confirmation.args["text"]


def test_a_too_long_quick_item_is_refused_and_nothing_is_stored(tandem: Tandem) -> None:
    answer = digest(tandem, "add " + "x" * 151)

    said = answer.json()["text"]
    assert "Keep the headline to 150 characters (it has 151)" in said
    assert "`/digest add` alone opens the form" in said
    assert rows(tandem) == []
    assert tandem.slack.calls_to("response_url") == []


@pytest.mark.parametrize("text", ["add", "ADD"])
def test_add_alone_opens_the_form(tandem: Tandem, text: str) -> None:
    answer = digest(tandem, text)

    assert (answer.status, answer.body) == (200, b"")
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    assert opened.args["view"]["callback_id"] == "digest.form"
    assert opened.args["view"]["title"]["text"] == "Add to the digest"


# The list


def list_items(tandem: Tandem, user_id: str, count: int = 1) -> dict[str, Any]:
    digest(tandem, "list", user_id=user_id)
    listing: dict[str, Any] = answers(tandem, count)[-1].args
    return listing


def test_the_list_offers_a_menu_on_the_items_the_viewer_may_change(tandem: Tandem) -> None:
    configure(tandem)
    bens = add(tandem, "Webinar on Dec 3", by=BEN, section=Section.EVENT)
    anas = add(tandem, "Acme asks about SSO", by=ANA)

    as_ana = list_items(tandem, ANA)

    assert as_ana["response_type"] == "ephemeral"
    assert as_ana["text"] == "This week's digest: 2 items"
    assert "*Acme asks about SSO*\nKey issues · by <@U0ANA>" in shown(as_ana)
    assert menu_of(as_ana, anas) is not None
    assert menu_of(as_ana, bens) is None  # Ana added only hers
    as_ben = list_items(tandem, BEN, count=2)  # an editor changes anyone's
    assert menu_of(as_ben, anas) is not None
    assert menu_of(as_ben, bens) is not None


def test_an_empty_list_says_how_to_add(tandem: Tandem) -> None:
    listing = list_items(tandem, ANA)
    assert "Nothing yet. Add what sales should know with `/digest add`." in shown(listing)


def test_removing_from_the_list_redraws_it(tandem: Tandem) -> None:
    anas = add(tandem, "Acme asks about SSO", by=ANA)
    add(tandem, "Webinar on Dec 3", by=BEN)
    listing = list_items(tandem, ANA)
    message = {"ts": "1795512000.000200", **listing}

    answer = tandem.send(
        tandem.requests.block_actions(
            [choose(menu_of(listing, anas) or {}, "remove")], user_id=ANA, message=message, channel_id=SALES
        )
    )

    assert answer.status == 200
    redrawn = answers(tandem, 2)[-1].args
    assert redrawn["replace_original"] is True
    assert redrawn["text"] == "This week's digest: 1 item"
    assert ":wastebasket: Removed “Acme asks about SSO” from the digest." in shown(redrawn)
    assert [r.headline for r in rows(tandem)] == ["Webinar on Dec 3"]


def test_someone_elses_item_cannot_be_removed_or_edited(tandem: Tandem) -> None:
    bens = add(tandem, "Webinar on Dec 3", by=BEN)
    listing = list_items(tandem, ANA)
    forged = {
        "options": [{"value": f"remove:{bens}"}, {"value": f"edit:{bens}"}],
        "action_id": "digest.item_menu",
    }
    message = {"ts": "1795512000.000200", **listing}

    for what, count in (("remove", 2), ("edit", 3)):
        action = {**choose(forged, what), "block_id": f"digest.item:{bens}"}
        tandem.send(tandem.requests.block_actions([action], user_id=ANA, message=message, channel_id=SALES))
        refused = answers(tandem, count)[-1].args
        assert "Only the person who added it, digest editors and admins can change this item." in shown(
            refused
        )

    assert [r.headline for r in rows(tandem)] == ["Webinar on Dec 3"]
    assert tandem.slack.calls_to("views.open") == []


def test_editing_from_the_list_opens_the_item_and_redraws_the_list_once_saved(tandem: Tandem) -> None:
    anas = add(
        tandem, "Acme asks about SSO", by=ANA, detail="Twice this week", link="https://example.com/sso"
    )
    listing = list_items(tandem, ANA)
    message = {"ts": "1795512000.000200", **listing}

    tandem.send(
        tandem.requests.block_actions(
            [choose(menu_of(listing, anas) or {}, "edit")], user_id=ANA, message=message, channel_id=SALES
        )
    )

    [opened] = tandem.slack.wait_for("views.open")
    form = opened.response["view"]
    assert form["title"]["text"] == "Edit a digest item"
    prefilled = [b["element"].get("initial_value") for b in form["blocks"][1:4]]
    assert prefilled == ["Acme asks about SSO", "Twice this week", "https://example.com/sso"]
    assert form["blocks"][0]["element"]["initial_option"]["value"] == "key_issue"

    values = {"digest.form.headline": {"value": "Acme and Globex ask about SSO"}}
    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=ANA))

    assert (answer.status, answer.body) == (200, b"")
    redrawn = answers(tandem, 2)[-1].args
    assert redrawn["replace_original"] is True
    assert "“Acme and Globex ask about SSO” is updated in the Thursday digest" in shown(redrawn)
    [item] = rows(tandem)
    assert (item.headline, item.detail, item.link) == (
        "Acme and Globex ask about SSO",
        "Twice this week",
        "https://example.com/sso",
    )


# Preview, send, history


def test_the_preview_is_only_for_the_asker_and_posts_nothing(tandem: Tandem) -> None:
    configure(tandem)
    add(tandem, "Pricing v2 ships Monday", section=Section.PRODUCT_NEWS)

    digest(tandem, "preview", user_id=ANA)

    [preview] = answers(tandem)
    assert preview.args["response_type"] == "ephemeral"
    assert preview.args["text"].startswith("Preview: Thursday digest for Thu, Nov 26, 2026: Product news (1)")
    said = shown(preview.args)
    assert "this is what will be posted <!date^1795680000^" in said
    assert "to <#C0SALES>." in said
    assert "*Pricing v2 ships Monday*" in said
    assert tandem.slack.calls_to("chat.postMessage") == []


def send(tandem: Tandem, user_id: str = BEN, count: int = 1) -> dict[str, Any]:
    digest(tandem, "send", user_id=user_id)
    said: dict[str, Any] = answers(tandem, count)[-1].args
    return said


def test_an_editor_sends_it_to_sales_and_a_second_send_says_it_is_already_sent(tandem: Tandem) -> None:
    configure(tandem)
    add(tandem, "Pricing v2 ships Monday", section=Section.PRODUCT_NEWS)
    add(tandem, "Acme asks about SSO", by=ANA)

    first = send(tandem)

    [posted] = tandem.slack.messages(SALES)
    assert posted["blocks"][0]["text"]["text"] == "Thursday digest"
    assert posted["text"] == "Thursday digest for Thu, Nov 26, 2026: Key issues (1), Product news (1)"
    record = tandem.services.digests.record(KEY, THIS_WEEK)
    assert (record.status, record.sent_by, record.channel) == (DigestStatus.SENT, BEN, SALES)
    assert first["text"] == (
        f":white_check_mark: This week's digest is posted in <#C0SALES>. <{record.permalink}|See it>."
    )

    second = send(tandem, count=2)

    assert "This week's digest was already posted by <@U0BEN>" in second["text"]
    assert f"<{record.permalink}|See it>" in second["text"]
    assert "Items added now go into the next one" in second["text"]
    assert len(tandem.slack.messages(SALES)) == 1


def test_someone_not_an_editor_may_not_send(tandem: Tandem) -> None:
    configure(tandem, owner_id=BEN, editors=())
    add(tandem, "Pricing v2 ships Monday")

    said = send(tandem, user_id=ANA)

    assert said["text"] == (
        ":no_entry: Only digest editors and admins send, approve or skip the digest. "
        "Ask <@U0BEN>, a digest editor or an admin."
    )
    assert tandem.slack.messages(SALES) == []
    assert tandem.services.digests.record(KEY, THIS_WEEK).status is DigestStatus.DRAFT


def test_an_admin_may_send(tandem: Tandem) -> None:
    configure(tandem, editors=())
    add(tandem, "Pricing v2 ships Monday")
    assert "is posted in <#C0SALES>" in send(tandem, user_id=ADA)["text"]


def test_a_channel_tandem_is_not_in_is_explained_and_the_digest_kept(tandem: Tandem) -> None:
    configure(tandem)
    add(tandem, "Pricing v2 ships Monday")
    tandem.slack.fail_next("chat.postMessage", error="not_in_channel")

    said = send(tandem)

    assert said["text"] == (
        ":warning: I couldn't post the digest to <#C0SALES>: Tandem isn't in that channel. "
        "Invite it with `/invite @Tandem` in <#C0SALES>, then try again."
    )
    record = tandem.services.digests.record(KEY, THIS_WEEK)
    assert (record.status, record.problem) == (DigestStatus.FAILED, "not_in_channel")
    assert len(rows(tandem)) == 1

    assert "is posted in <#C0SALES>" in send(tandem, count=2)["text"]  # invited since: a retry posts it


def test_with_no_channel_set_nothing_is_posted_and_the_sender_told_why(tandem: Tandem) -> None:
    configure(tandem, channel=None)
    add(tandem, "Pricing v2 ships Monday")

    said = send(tandem)

    assert "no channel is set for the digest" in said["text"]
    assert tandem.slack.calls_to("chat.postMessage") == []


def test_history_lists_past_digests_with_links(tandem: Tandem) -> None:
    configure(tandem)
    digest(tandem, "history")
    assert answers(tandem)[0].args["text"] == "No digest has been posted yet."
    add(tandem, "Pricing v2 ships Monday")
    send(tandem, count=2)
    record = tandem.services.digests.record(KEY, THIS_WEEK)

    digest(tandem, "history", user_id=ANA)

    history = answers(tandem, 3)[-1].args
    assert history["response_type"] == "ephemeral"
    assert history["text"] == "Past digests: 1"
    assert f"1 item · sent by <@U0BEN> in <#C0SALES> · <{record.permalink}|open>" in shown(history)
