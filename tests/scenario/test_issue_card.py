"""Working an issue from its card over real HTTP: buttons and menus in, the card redrawn in place,
one line in its thread, the audit stored; refusals, stale cards, double clicks and the Take-it race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.issues import Status
from bot.models import IssueChange
from bot.people import Actor, Team
from bot.sandbox.lookalike import RecordedCall
from bot.sandbox.signing import HttpAnswer, SignedRequest
from bot.workspaces import WorkspaceKey
from tests.scenario.conftest import ANA, BEN, TEAM, TRACKER, Tandem

ADMIN = "U0ADMIN"  # a workspace admin in the look-alike, so a Tandem admin
BOT = "U0TANDEMBOT"
KEY = WorkspaceKey(TEAM)


# Steps shared with the other issue scenarios


def raise_issue(
    tandem: Tandem, title: str = "Pricing page confuses prospects", *, by: str = ANA
) -> dict[str, Any]:
    """Raise an issue with `/issue <title>` and return its card as posted in the tracker channel."""
    tandem.command(title, user_id=by)
    tandem.slack.wait_for("response_url", where=lambda c: title in str(c.args.get("text")))
    [number] = [issue.number for issue in tandem.issues() if issue.title == title]
    return card_of(tandem, number)


def card_of(tandem: Tandem, number: int) -> dict[str, Any]:
    """The card of issue `number` as the tracker channel shows it now."""
    [issue] = [issue for issue in tandem.issues() if issue.number == number]
    [card] = [m for m in tandem.slack.messages(TRACKER) if m["ts"] == issue.card_ts]
    return card


def element(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in card["blocks"]:
        for found in block.get("elements", []):
            if found.get("action_id") == action_id:
                return dict(found)
    raise AssertionError(f"the card has no {action_id!r}")


def action_ids(card: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def click(tandem: Tandem, card: dict[str, Any], action_id: str, *, by: str, **chosen: Any) -> SignedRequest:
    """A click on a card's button or a choice in one of its menus, signed as Slack sends it."""
    pressed = element(card, action_id)
    action = {"action_id": action_id, "type": pressed["type"], **chosen}
    if "value" in pressed:
        action["value"] = pressed["value"]
    return tandem.requests.block_actions([action], user_id=by, message=card, channel_id=TRACKER)


def status_choice(status: Status) -> dict[str, Any]:
    return {"selected_option": {"text": {"type": "plain_text", "text": status.label}, "value": status.value}}


def after(tandem: Tandem, method: str, send: Callable[[], HttpAnswer], count: int = 1) -> list[RecordedCall]:
    """Send, check Slack got its quick empty answer, and wait for `count` more calls to `method`."""
    before = len(tandem.slack.calls_to(method))
    answer = send()
    assert (answer.status, answer.body) == (200, b"")  # acknowledged at once
    return tandem.slack.wait_for(method, count=before + count)[before:]


def press(tandem: Tandem, card: dict[str, Any], action_id: str, *, by: str, **chosen: Any) -> dict[str, Any]:
    """Click and wait until the card is redrawn (the last thing each click does); the card then."""
    request = click(tandem, card, action_id, by=by, **chosen)
    [update] = after(tandem, "chat.update", lambda: tandem.send(request))
    assert update.ok
    return card_of(tandem, int(element(card, "issues.details")["value"]))


def thread(tandem: Tandem, card: dict[str, Any]) -> list[str]:
    return [reply["text"] for reply in tandem.slack.replies(TRACKER, card["ts"])]


def told(tandem: Tandem, user_id: str) -> list[str]:
    return [m["text"] for m in tandem.slack.ephemeral_messages(TRACKER) if m["to_user"] == user_id]


def changes(tandem: Tandem) -> list[tuple[str, str | None, str | None, str]]:
    with tandem.database.transaction() as session:
        rows = session.scalars(select(IssueChange).order_by(IssueChange.id))
        return [(row.field, row.old, row.new, row.by) for row in rows]


def fields(card: dict[str, Any]) -> list[str]:
    return [field["text"] for field in card["blocks"][1]["fields"]]


# The card


def test_the_card_shows_the_issue_and_every_way_to_work_it(tandem: Tandem) -> None:
    tandem.services.people.set_team(KEY, Actor(ADMIN, is_admin=True), [ANA], Team.SALES)

    card = raise_issue(tandem)

    assert fields(card) == [
        "*Status*\n:inbox_tray: Open",
        "*Priority*\n:large_blue_circle: Normal",
        "*Owner*\n_Unassigned_",
        "*Due*\n_No due date_",
        "*Category*\nOther",
        f"*Raised by*\n<@{ANA}> · Sales",
    ]
    assert card["blocks"][0]["text"]["text"] == "#1 Pricing page confuses prospects"
    age = card["blocks"][2]["elements"][0]["text"]
    assert age.startswith("Raised <!date^1795512600^{date_short_pretty} at {time}|")
    assert action_ids(card) == [
        "issues.take",
        "issues.assign",
        "issues.status",
        "issues.due",
        "issues.comment",
        "issues.details",
    ]
    assert card["text"].endswith(f"raised by <@{ANA}> (Sales)")
    assert tandem.issues()[0].raised_by_team == "sales"


def test_take_it_makes_the_clicker_the_owner(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    card = press(tandem, card, "issues.take", by=BEN)

    assert tandem.issues()[0].owner_id == BEN
    assert f"*Owner*\n<@{BEN}>" in fields(card)
    assert "issues.take" not in action_ids(card)
    assert thread(tandem, card) == [f"<@{BEN}> took #1"]
    assert changes(tandem) == [("owner_id", None, BEN, BEN)]


def test_assign_gives_the_issue_to_the_person_picked(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    card = press(tandem, card, "issues.assign", by=ANA, selected_user=BEN)

    assert tandem.issues()[0].owner_id == BEN
    assert f"*Owner*\n<@{BEN}>" in fields(card)
    assert thread(tandem, card) == [f"<@{ANA}> assigned #1 to <@{BEN}>"]
    assert changes(tandem) == [("owner_id", None, BEN, ANA)]


def test_an_app_cannot_be_given_an_issue(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    press(tandem, card, "issues.assign", by=ANA, selected_user=BOT)

    assert told(tandem, ANA) == ["Issues are owned by people, not by apps or bots."]
    assert tandem.issues()[0].owner_id is None
    assert changes(tandem) == []


def test_the_status_menu_moves_the_issue(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    card = press(tandem, card, "issues.status", by=ANA, **status_choice(Status.IN_PROGRESS))

    assert tandem.issues()[0].status == "in_progress"
    assert element(card, "issues.status")["initial_option"]["value"] == "in_progress"
    assert thread(tandem, card) == [f"<@{ANA}> moved #1 to In progress"]
    assert changes(tandem) == [("status", "open", "in_progress", ANA)]


def test_a_resolved_card_looks_closed_and_reopen_opens_it_again(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    card = press(tandem, card, "issues.status", by=ANA, **status_choice(Status.RESOLVED))

    assert action_ids(card) == ["issues.reopen", "issues.comment", "issues.details"]
    assert fields(card)[0] == "*Status*\n:white_check_mark: Resolved"
    assert tandem.issues()[0].closed_at is not None

    card = press(tandem, card, "issues.reopen", by=ANA)

    assert "issues.take" in action_ids(card)
    assert tandem.issues()[0].status == "open"
    assert thread(tandem, card) == [f"<@{ANA}> resolved #1", f"<@{ANA}> reopened #1"]


def test_the_due_date_is_picked_on_the_card_and_a_past_one_refused(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    card = press(tandem, card, "issues.due", by=ANA, selected_date="2026-12-01")

    assert "*Due*\nTue, Dec 1, 2026" in fields(card)
    assert thread(tandem, card) == [f"<@{ANA}> set #1's due date to Tue, Dec 1, 2026"]

    card = press(tandem, card, "issues.due", by=ANA, selected_date="2026-11-01")

    assert told(tandem, ANA) == ["Pick today or a later date."]
    assert str(tandem.issues()[0].due_on) == "2026-12-01"
    assert element(card, "issues.due")["initial_date"] == "2026-12-01"  # the picker is put back


def test_someone_who_may_not_change_it_is_told_why_and_the_card_redrawn(tandem: Tandem) -> None:
    card = raise_issue(tandem)  # raised by Ana, owned by nobody: Ben may not change it

    card = press(tandem, card, "issues.status", by=BEN, **status_choice(Status.WONT_FIX))

    assert told(tandem, BEN) == [
        "Only #1's owner, the person who raised it, or a Tandem admin can change its status."
    ]
    assert tandem.issues()[0].status == "open"
    assert element(card, "issues.status")["initial_option"]["value"] == "open"
    assert changes(tandem) == []
    assert thread(tandem, card) == []


def test_admins_may_change_any_issue(tandem: Tandem) -> None:
    card = raise_issue(tandem)

    press(tandem, card, "issues.status", by=ADMIN, **status_choice(Status.BLOCKED))

    assert tandem.issues()[0].status == "blocked"
    assert told(tandem, ADMIN) == []


def test_a_stale_card_acts_on_the_issue_as_it_is_now(tandem: Tandem) -> None:
    stale = raise_issue(tandem)
    tandem.command("close 1 Fixed on the site")
    tandem.slack.wait_for("response_url", count=2)

    # The old card still shows "Open"; Ana, who raised it, picks In progress there.
    card = press(tandem, stale, "issues.status", by=ANA, **status_choice(Status.IN_PROGRESS))

    assert changes(tandem)[-1] == ("status", "resolved", "in_progress", ANA)
    assert fields(card)[0] == "*Status*\n:hammer_and_wrench: In progress"
    assert thread(tandem, card)[-1] == f"<@{ANA}> moved #1 to In progress"


def test_a_stale_take_it_tells_who_took_it(tandem: Tandem) -> None:
    stale = raise_issue(tandem, by=ADMIN)
    press(tandem, stale, "issues.take", by=BEN)

    card = press(tandem, stale, "issues.take", by=ANA)

    assert told(tandem, ANA) == [f"<@{BEN}> already took #1."]
    assert f"*Owner*\n<@{BEN}>" in fields(card)
    assert tandem.issues()[0].owner_id == BEN


def test_a_double_click_changes_once_and_says_so_once(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    first, second = (
        click(tandem, card, "issues.status", by=ANA, **status_choice(Status.BLOCKED)) for _ in "12"
    )

    answers = send_together(tandem, [first, second])
    tandem.slack.wait_for("chat.update", count=2)  # each click ends by redrawing the card

    assert [a.status for a in answers] == [200, 200]
    assert changes(tandem) == [("status", "open", "blocked", ANA)]
    assert thread(tandem, card) == [f"<@{ANA}> moved #1 to Blocked"]
    assert told(tandem, ANA) == []


def test_two_people_pressing_take_it_at_once_one_wins_and_the_other_is_told(tandem: Tandem) -> None:
    card = raise_issue(tandem, by=ADMIN)  # neither racer raised it nor administers Tandem
    requests = [click(tandem, card, "issues.take", by=racer) for racer in (ANA, BEN)]

    answers = send_together(tandem, requests)
    tandem.slack.wait_for("chat.update", count=2)

    assert [a.status for a in answers] == [200, 200]
    [(field, old, winner, by)] = changes(tandem)
    assert (field, old, winner == by) == ("owner_id", None, True)
    loser = BEN if winner == ANA else ANA
    assert tandem.issues()[0].owner_id == winner
    assert thread(tandem, card) == [f"<@{winner}> took #1"]
    assert told(tandem, loser) == [f"<@{winner}> already took #1."]
    assert told(tandem, winner) == []
    assert f"*Owner*\n<@{winner}>" in fields(card_of(tandem, 1))


def send_together(tandem: Tandem, requests: list[SignedRequest]) -> list[HttpAnswer]:
    """Send requests from threads released at the same moment, as two people clicking at once."""
    start = threading.Barrier(len(requests))
    answers: list[HttpAnswer | None] = [None] * len(requests)

    def send(index: int) -> None:
        start.wait()
        answers[index] = tandem.send(requests[index])

    senders = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=10)
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def test_a_card_slack_will_not_update_keeps_the_change_and_tells_the_clicker(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    tandem.slack.fail_next("chat.update", error="cant_update_message")

    after(tandem, "chat.postEphemeral", lambda: tandem.send(click(tandem, card, "issues.take", by=BEN)))

    assert tandem.issues()[0].owner_id == BEN
    assert told(tandem, BEN) == [
        "#1 is saved, but I couldn't update its card: Slack won't let Tandem edit that card."
    ]
    assert thread(tandem, card) == [f"<@{BEN}> took #1"]


def test_a_click_on_the_card_of_a_deleted_issue_is_explained(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    tandem.services.tracker.delete(KEY, 1, Actor(ADMIN, is_admin=True))

    after(tandem, "chat.postEphemeral", lambda: tandem.send(click(tandem, card, "issues.take", by=BEN)))

    assert told(tandem, BEN) == ["There is no issue #1 here. `/issue list` shows the open ones."]
    assert tandem.issues() == []


# Details: everything about the issue, priority, and deletion for admins


def open_details(tandem: Tandem, card: dict[str, Any], by: str) -> dict[str, Any]:
    [opened] = after(tandem, "views.open", lambda: tandem.send(click(tandem, card, "issues.details", by=by)))
    assert opened.ok
    view: dict[str, Any] = opened.response["view"]
    return view


def details_actions(view: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_details_show_everything_and_only_what_the_viewer_may_do(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    card = press(tandem, card, "issues.take", by=BEN)
    tandem.services.tracker.comment(KEY, 1, BEN, "Looking at it", source="thread", request_key="1.0")

    as_owner = open_details(tandem, card, by=BEN)
    as_admin = open_details(tandem, card, by=ADMIN)

    assert as_owner["title"]["text"] == "Issue #1"
    text = str(as_owner["blocks"])
    assert "Looking at it" in text
    assert f"<@{BEN}> took #1" in text  # the history
    assert details_actions(as_owner) == ["issues.priority"]
    assert details_actions(as_admin) == ["issues.priority", "issues.delete"]


def test_priority_changes_from_details_redraw_card_and_modal(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    view = open_details(tandem, card, by=ANA)
    choice = {"selected_option": {"text": {"type": "plain_text", "text": "Urgent"}, "value": "urgent"}}
    request = tandem.requests.block_actions(
        [{"action_id": "issues.priority", "type": "static_select", **choice}], user_id=ANA, view=view
    )

    [redrawn] = after(tandem, "views.update", lambda: tandem.send(request))

    assert tandem.issues()[0].priority == "urgent"
    assert "*Priority*\n:red_circle: Urgent" in fields(card_of(tandem, 1))
    assert thread(tandem, card) == [f"<@{ANA}> changed #1's priority to Urgent"]
    assert redrawn.args["view_id"] == view["id"]
    assert "Urgent" in str(redrawn.args["view"]["blocks"][1])


def test_only_admins_delete_and_the_card_goes_with_the_issue(tandem: Tandem) -> None:
    card = raise_issue(tandem)
    admins_view = open_details(tandem, card, by=ADMIN)
    delete = element(admins_view, "issues.delete")
    forged = tandem.requests.block_actions([delete], user_id=ANA, view=admins_view)

    [refused] = after(tandem, "views.update", lambda: tandem.send(forged))

    assert "Only Tandem's admins delete issues." in str(refused.args["view"]["blocks"][0])
    assert len(tandem.issues()) == 1

    deleting = tandem.requests.block_actions([delete], user_id=ADMIN, view=admins_view)
    [gone] = after(tandem, "views.update", lambda: tandem.send(deleting))

    assert tandem.issues() == []
    assert [c.args["ts"] for c in tandem.slack.calls_to("chat.delete")] == [card["ts"]]
    assert card["ts"] not in [m["ts"] for m in tandem.slack.messages(TRACKER)]
    assert thread(tandem, card) == [f":wastebasket: <@{ADMIN}> deleted #1 Pricing page confuses prospects."]
    assert "deleted #1" in gone.args["view"]["blocks"][0]["text"]["text"]
