"""The digest on App Home over real HTTP: the week's items with their menus, adding, preview, and the
admins' digest settings."""

from __future__ import annotations

from typing import Any

from bot.digest import Section
from tests.scenario.conftest import ANA, BEN, Tandem
from tests.scenario.home_views import next_home, open_home, published
from tests.scenario.test_digest_command import ADA, KEY, add, choose, configure, menu_of, rows, shown


def digest_part(home: dict[str, Any]) -> dict[str, Any]:
    """The digest's part of App Home: from its header to the divider before the next part."""
    blocks = home["blocks"]
    start = next(i for i, b in enumerate(blocks) if b.get("block_id") == "digest.home") - 2
    end = next((i for i in range(start, len(blocks)) if blocks[i]["type"] == "divider"), len(blocks))
    return {"blocks": blocks[start:end]}


def click(tandem: Tandem, home: dict[str, Any], user_id: str, action: dict[str, Any]) -> None:
    answer = tandem.send(tandem.requests.block_actions([action], user_id=user_id, view=home))
    assert (answer.status, answer.body) == (200, b"")


def button(home: dict[str, Any], action_id: str) -> dict[str, Any]:
    [found] = [e for b in home["blocks"] for e in b.get("elements") or [] if e.get("action_id") == action_id]
    return found


def test_home_shows_the_weeks_items_with_menus_on_those_you_may_change(tandem: Tandem) -> None:
    configure(tandem)
    anas = add(tandem, "Acme asks about SSO", by=ANA)
    bens = add(tandem, "Webinar on Dec 3", by=BEN, section=Section.EVENT)

    home = open_home(tandem, ANA)

    part = digest_part(home)
    said = shown(part)
    assert part["blocks"][0]["text"]["text"] == "Thursday digest: 2 items"
    assert "It goes out <!date^1795680000^{date_short_pretty} at {time}|" in said
    assert "to <#C0SALES>." in said
    assert "*Acme asks about SSO*" in said
    assert "*Webinar on Dec 3*" in said
    assert menu_of(home, anas) is not None
    assert menu_of(home, bens) is None
    assert [e["text"]["text"] for e in part["blocks"][2]["elements"]] == ["Add an item", "Preview"]
    admins_part = digest_part(open_home(tandem, ADA))
    assert [e["text"]["text"] for e in admins_part["blocks"][2]["elements"]] == [
        "Add an item",
        "Preview",
        "Digest settings",
    ]
    assert menu_of(open_home(tandem, BEN), anas) is not None  # Ben is an editor


def test_adding_from_home_publishes_it_again_with_the_item(tandem: Tandem) -> None:
    home = open_home(tandem, BEN)
    assert "Nothing yet this week." in shown(digest_part(home))

    click(tandem, home, BEN, button(home, "digest.open_form"))
    [opened] = tandem.slack.wait_for("views.open")
    before = len(published(tandem, BEN))
    values = {
        "digest.form.section": {"value": "campaign"},
        "digest.form.headline": {"value": "Spring launch kit is ready"},
    }
    tandem.send(tandem.requests.view_submission(opened.response["view"], values, user_id=BEN))

    again = next_home(tandem, BEN, before)
    said = shown(again)
    assert "“Spring launch kit is ready” is in the Thursday digest (Campaigns and launches)" in said
    assert digest_part(again)["blocks"][0]["text"]["text"] == "Thursday digest: 1 item"
    assert [r.headline for r in rows(tandem)] == ["Spring launch kit is ready"]
    assert tandem.slack.calls_to("chat.postMessage") == []  # answered on Home, not in a DM


def test_editing_from_home_saves_and_says_so_on_home(tandem: Tandem) -> None:
    anas = add(tandem, "Acme asks about SSO", by=ANA)
    home = open_home(tandem, ANA)

    click(tandem, home, ANA, choose(menu_of(home, anas) or {}, "edit"))
    [opened] = tandem.slack.wait_for("views.open")
    before = len(published(tandem, ANA))
    values = {"digest.form.headline": {"value": "Acme and Globex ask about SSO"}}
    tandem.send(tandem.requests.view_submission(opened.response["view"], values, user_id=ANA))

    again = next_home(tandem, ANA, before)
    assert "“Acme and Globex ask about SSO” is updated in the Thursday digest" in shown(again)
    assert [r.headline for r in rows(tandem)] == ["Acme and Globex ask about SSO"]


def test_removing_from_home_publishes_it_again_without_the_item(tandem: Tandem) -> None:
    anas = add(tandem, "Acme asks about SSO", by=ANA)
    home = open_home(tandem, ANA)
    before = len(published(tandem, ANA))

    click(tandem, home, ANA, choose(menu_of(home, anas) or {}, "remove"))

    again = next_home(tandem, ANA, before)
    assert ":wastebasket: Removed “Acme asks about SSO” from the digest." in shown(again)
    assert menu_of(again, anas) is None
    assert rows(tandem) == []


def test_many_items_are_capped_on_home_within_its_100_blocks(tandem: Tandem) -> None:
    for n in range(30):
        add(tandem, f"Item {n} " + "x" * 140, by=BEN, detail="d" * 1000)

    home = open_home(tandem, BEN)

    assert len(home["blocks"]) <= 100
    assert "+22 more: `/digest list` shows them all." in shown(digest_part(home))


def test_preview_on_home_opens_the_digest_in_a_modal(tandem: Tandem) -> None:
    configure(tandem)
    add(tandem, "Pricing v2 ships Monday", section=Section.PRODUCT_NEWS)
    home = open_home(tandem, ANA)

    click(tandem, home, ANA, button(home, "digest.preview"))

    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    modal = opened.args["view"]
    assert modal["title"]["text"] == "Digest preview"
    said = shown(modal)
    assert ":eyes: *Preview*, only for you" in said
    assert "*Pricing v2 ships Monday*" in said
    assert tandem.slack.calls_to("chat.postMessage") == []


# The admins' digest settings


SETTINGS_VALUES = {
    "digest.settings.send_day": {"value": "fri"},
    "digest.settings.send_time": {"value": "10:30"},
    "digest.settings.channel": {"value": "C0SALES"},
    "digest.settings.timezone": {"value": "America/New_York"},
    "digest.settings.approval": {"value": ["on"]},
    "digest.settings.owner_id": {"value": BEN},
    "digest.settings.editors": {"value": [BEN, ANA]},
    "digest.settings.empty_note": {"value": []},
    "digest.settings.reminder_day": {"value": "thu"},
    "digest.settings.reminder_time": {"value": "15:00"},
}


def open_settings(tandem: Tandem) -> dict[str, Any]:
    home = open_home(tandem, ADA)
    click(tandem, home, ADA, button(home, "digest.open_settings"))
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    return view


def test_an_admin_saves_the_digest_settings_and_home_says_so(tandem: Tandem) -> None:
    form = open_settings(tandem)
    assert form["title"]["text"] == "Digest settings"
    before = len(published(tandem, ADA))

    answer = tandem.send(tandem.requests.view_submission(form, SETTINGS_VALUES, user_id=ADA))

    assert (answer.status, answer.body) == (200, b"")
    again = next_home(tandem, ADA, before)
    assert (
        ":white_check_mark: Digest settings saved: Fridays at 10:30 (America/New_York) to <#C0SALES>; "
        "the owner approves it first."
    ) in shown(again)
    settings = tandem.services.digests.settings(KEY)
    assert (settings.send_day, settings.send_time, settings.channel) == ("fri", "10:30", "C0SALES")
    assert (settings.timezone.key, settings.approval, settings.owner_id) == ("America/New_York", True, BEN)
    assert (settings.editors, settings.empty_note) == ((BEN, ANA), False)
    assert (settings.reminder_day, settings.reminder_time) == ("thu", "15:00")
    assert digest_part(again)["blocks"][0]["text"]["text"] == "Friday digest: 0 items"


def test_bad_settings_show_under_their_fields_and_nothing_is_saved(tandem: Tandem) -> None:
    form = open_settings(tandem)
    values = {
        **SETTINGS_VALUES,
        "digest.settings.timezone": {"value": "Mars/Olympus"},
        "digest.settings.owner_id": {"value": None},
    }

    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=ADA))

    assert answer.json() == {
        "response_action": "errors",
        "errors": {
            "digest.settings.timezone": "Give a timezone name such as Europe/Paris or America/New_York.",
            "digest.settings.owner_id": (
                "Pick an owner: with approval on, someone has to approve each digest."
            ),
        },
    }
    assert tandem.services.digests.settings(KEY).send_day == "thu"


def test_only_admins_open_or_save_the_digest_settings(tandem: Tandem) -> None:
    form = open_settings(tandem)
    home = open_home(tandem, BEN)
    forged = {"action_id": "digest.open_settings", "type": "button", "block_id": "digest.home"}
    before = len(published(tandem, BEN))

    click(tandem, home, BEN, forged)

    again = next_home(tandem, BEN, before)
    assert ":no_entry: Only Tandem's admins change the digest settings." in shown(again)
    answer = tandem.send(tandem.requests.view_submission(form, SETTINGS_VALUES, user_id=BEN))
    assert answer.json()["errors"] == {
        "digest.settings.send_day": "Only Tandem's admins change the digest settings."
    }
    assert tandem.services.digests.settings(KEY).send_day == "thu"
