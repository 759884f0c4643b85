"""A win's card over real HTTP: its menu's Edit (the form prefilled, the card redrawn) and Delete (a
confirmation, then the card and its counts gone) for the author and admins, refused to others; and
the direct message each person thanked gets from the notifications job, unless they turned it off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.people import Team
from bot.sandbox.lookalike import RecordedCall, SlackLookalike
from bot.wins import Period
from jobs.notifications import QUIET_FOR, send_pending_notifications
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, Scene, Tandem
from tests.scenario.messages import said
from tests.scenario.test_notification_dms import context_for
from tests.scenario.test_win_command import (
    ADA,
    ADMIN,
    CAT,
    KEY,
    OUTSIDER,
    WINS,
    WINS_SCENE,
    answered,
    card_shown,
    posted_quickly,
    stored,
    thanked,
)


@pytest.fixture
def scene() -> Scene:
    return WINS_SCENE


def the_card(tandem: Tandem) -> dict[str, Any]:
    [message] = tandem.slack.messages(WINS)
    return message


def choose(tandem: Tandem, card: dict[str, Any], what: str, by: str) -> None:
    """Pick Edit or Delete in the card's menu."""
    [menu] = [b["accessory"] for b in card["blocks"] if (b.get("accessory") or {}).get("type") == "overflow"]
    [option] = [o for o in menu["options"] if o["value"].startswith(f"{what}:")]
    action = {"action_id": menu["action_id"], "type": "overflow", "selected_option": option}
    answer = tandem.send(tandem.requests.block_actions([action], user_id=by, message=card, channel_id=WINS))
    assert (answer.status, answer.body) == (200, b"")


def opened(tandem: Tandem, count: int = 1) -> dict[str, Any]:
    call = tandem.slack.wait_for("views.open", count=count)[-1]
    assert call.ok, call.response
    view: dict[str, Any] = call.response["view"]
    return view


def submit(tandem: Tandem, view: dict[str, Any], values: dict[str, Any], by: str) -> Any:
    answer = tandem.send(tandem.requests.view_submission(view, values, user_id=by))
    assert answer.status == 200
    return answer.json() if answer.body else None


# Edit


@pytest.mark.parametrize("editor", [ANA, ADA], ids=["author", "admin"])
def test_the_author_or_an_admin_edits_a_win_and_its_card_follows(tandem: Tandem, editor: str) -> None:
    tandem.services.people.set_team(KEY, ADMIN, [ANA], Team.SALES)
    tandem.services.people.set_team(KEY, ADMIN, [BEN], Team.MARKETING)
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>")

    choose(tandem, the_card(tandem), "edit", by=editor)

    form = opened(tandem)
    assert form["callback_id"] == "wins.form"
    assert form["title"]["text"] == "Edit a win"
    text_input = next(b for b in form["blocks"] if b.get("block_id") == "wins.form.text")["element"]
    assert text_input["initial_value"] == "Closed Acme @ben"
    assert (
        submit(tandem, form, {"wins.form.text": {"value": {"value": "Closed Acme, 3 years"}}}, editor) is None
    )

    [update] = tandem.slack.wait_for("chat.update")
    assert update.ok, update.response
    assert "Closed Acme, 3 years" in card_shown(tandem)
    assert "edited" in card_shown(tandem)
    assert "Sales → Marketing" in card_shown(tandem)  # the author's thanks, whoever edited them
    confirmation = answered(tandem, 2)
    assert confirmation["response_type"] == "ephemeral"
    assert confirmation["replace_original"] is False  # the card stays the card
    assert confirmation["text"].startswith(":white_check_mark: The win is updated, and so is its card.")
    assert [row.text for row in stored(tandem)] == ["Closed Acme, 3 years"]
    assert len(tandem.slack.messages(WINS)) == 1


def test_an_edit_thanking_someone_else_changes_the_thanks(tandem: Tandem) -> None:
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>")
    choose(tandem, the_card(tandem), "edit", by=ANA)
    form = opened(tandem)

    refusal = submit(tandem, form, {"wins.form.thanked": {"value": [OUTSIDER]}}, ANA)
    assert refusal == {
        "response_action": "errors",
        "errors": {"wins.form.thanked": "I can only thank people in this workspace: @olga isn't."},
    }
    submit(tandem, form, {"wins.form.thanked": {"value": [CAT]}}, ANA)

    tandem.slack.wait_for("chat.update")
    assert f"Thanks to <@{CAT}>" in card_shown(tandem)
    assert [receiver for _, receiver, *_ in thanked(tandem)] == [CAT]


def test_others_may_not_edit_or_delete_a_win(tandem: Tandem) -> None:
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>")
    card = the_card(tandem)

    choose(tandem, card, "edit", by=BEN)  # thanked, but not the author
    refusal = answered(tandem, 2)
    choose(tandem, card, "delete", by=CAT)
    other = answered(tandem, 3)

    assert (
        refusal["text"] == ":no_entry: Only the person who posted this win, and Tandem's admins, can edit it."
    )
    assert refusal["response_type"] == "ephemeral"
    assert refusal["replace_original"] is False
    assert other["text"].endswith("can delete it.")
    assert tandem.slack.calls_to("views.open") == []
    assert tandem.slack.calls_to("chat.update") == []
    assert len(stored(tandem)) == 1


# Delete


@pytest.mark.parametrize("deleter", [ANA, ADA], ids=["author", "admin"])
def test_deleting_removes_the_card_and_the_wins_counts(tandem: Tandem, deleter: str) -> None:
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>")
    posted_quickly(tandem, f"Great lead <@{CAT}|cat>")
    first, _ = tandem.slack.messages(WINS)

    choose(tandem, first, "delete", by=deleter)
    confirm = opened(tandem)
    assert confirm["callback_id"] == "wins.delete"
    assert "Closed Acme @ben" in said(confirm)
    assert submit(tandem, confirm, {}, deleter) is None

    [deleted] = tandem.slack.wait_for("chat.delete")
    assert deleted.ok, deleted.response
    assert deleted.args["ts"] == first["ts"]
    assert "Great lead" in card_shown(tandem)  # the other card stays
    gone = answered(tandem, 3)
    assert gone["text"].startswith(":wastebasket: The win “Closed Acme @ben” is deleted")
    assert [row.text for row in stored(tandem)] == ["Great lead @cat"]
    board = tandem.services.wins.leaderboard(KEY, Period.MONTH)
    assert (board.wins, board.thanks) == (1, 1)
    assert [leader.user_id for leader in board.most_thanked] == [CAT]
    # And as people see it:
    tandem.command("leaderboard", user_id=ANA, command="/win")
    assert f"<@{BEN}>" not in said(answered(tandem, 4))


def test_a_card_already_gone_does_not_stop_the_delete(tandem: Tandem) -> None:
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>")
    card = the_card(tandem)
    choose(tandem, card, "delete", by=ANA)
    confirm = opened(tandem)
    tandem.slack.fail_next("chat.delete", error="message_not_found")

    submit(tandem, confirm, {}, ANA)

    assert answered(tandem, 2)["text"].startswith(":wastebasket:")
    assert stored(tandem) == []
    assert thanked(tandem) == []


def test_deleting_a_win_deleted_meanwhile_says_so_in_the_confirmation(tandem: Tandem) -> None:
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>")
    choose(tandem, the_card(tandem), "delete", by=ANA)
    confirm = opened(tandem)
    [row] = stored(tandem)
    tandem.services.wins.delete(KEY, row.id, ADMIN)

    answer = submit(tandem, confirm, {}, ANA)

    assert answer["response_action"] == "update"
    assert said(answer["view"]).strip() == "That win is no longer there."
    assert tandem.slack.calls_to("chat.delete") == []


# Direct messages to the people thanked


def dms(tandem: Tandem) -> list[RecordedCall]:
    return [
        c for c in tandem.slack.calls_to("chat.postMessage") if c.ok and c.args["channel"] in {BEN, CAT, ANA}
    ]


def test_the_people_thanked_hear_of_it_by_dm_unless_they_turned_that_off(
    tandem: Tandem, slack: SlackLookalike, clock: FixedClock
) -> None:
    tandem.services.wins.set_dms(KEY, CAT, False)
    posted_quickly(tandem, f"Closed Acme <!channel> <@{BEN}|ben> <@{CAT}|cat>")
    [permalink] = tandem.slack.calls_to("chat.getPermalink")
    context = context_for(slack, tandem.services, clock)

    clock.now += QUIET_FOR
    assert send_pending_notifications(context) == "1 sent, 0 to send again, 0 dropped"

    [dm] = dms(tandem)
    assert dm.args["channel"] == BEN
    line = said(dm.args)
    assert f"<@{ANA}> thanked you for a win: “Closed Acme @\u2060channel @ben @cat”" in line
    assert f"<{permalink.response['permalink']}|See it>" in line
    assert "<!channel>" not in str(dm.args)
    clock.now += timedelta(minutes=5)
    assert send_pending_notifications(context) == ""  # sent once
