"""Wins on App Home over real HTTP: a person's wins and the thanks they received, "Celebrate a win",
the "DM me when I'm thanked" toggle (no DM once off), and the admins' wins settings."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.lookalike import SlackLookalike
from jobs.notifications import QUIET_FOR, send_pending_notifications
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, Scene, Tandem
from tests.scenario.home_views import next_home, open_home, published
from tests.scenario.messages import said
from tests.scenario.test_notification_dms import context_for
from tests.scenario.test_win_command import (
    ADA,
    CAT,
    KEY,
    WINS,
    WINS_SCENE,
    cards,
    posted_quickly,
    stored,
)
from tests.scenario.test_win_form import FILLED

SETTINGS: dict[str, dict[str, Any]] = {
    "wins.settings.channel": {"value": "C0CELEBRATE"},
    "wins.settings.recap_day": {"value": "thu"},
    "wins.settings.recap_time": {"value": "17:30"},
    "wins.settings.daily_cap": {"value": {"value": "3"}},
}


@pytest.fixture
def scene() -> Scene:
    return WINS_SCENE


def wins_part(home: dict[str, Any]) -> dict[str, Any]:
    """The wins' part of App Home: from its header to its buttons."""
    blocks = home["blocks"]
    end = next(i for i, b in enumerate(blocks) if b.get("block_id") == "wins.home")
    return {"blocks": blocks[end - 4 : end + 1]}


def elements(home: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [actions] = [b for b in home["blocks"] if b.get("block_id") == "wins.home"]
    return {e["action_id"]: e for e in actions["elements"]}


def click(tandem: Tandem, home: dict[str, Any], user_id: str, action: dict[str, Any]) -> dict[str, Any]:
    """Click on App Home; the Home published in answer."""
    before = len(published(tandem, user_id))
    answer = tandem.send(tandem.requests.block_actions([action], user_id=user_id, view=home))
    assert (answer.status, answer.body) == (200, b"")
    return next_home(tandem, user_id, before)


def open_form(tandem: Tandem, home: dict[str, Any], user_id: str, action_id: str) -> dict[str, Any]:
    before = len(tandem.slack.calls_to("views.open"))
    answer = tandem.send(
        tandem.requests.block_actions([elements(home)[action_id]], user_id=user_id, view=home)
    )
    assert (answer.status, answer.body) == (200, b"")
    opened = tandem.slack.wait_for("views.open", count=before + 1)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    return view


def toggle(home: dict[str, Any], on: bool) -> dict[str, Any]:
    checkbox = elements(home)["wins.dms"]
    return {
        "action_id": "wins.dms",
        "type": "checkboxes",
        "selected_options": checkbox["options"] if on else [],
    }


# What App Home shows


def test_home_shows_your_wins_and_the_thanks_you_received(tandem: Tandem) -> None:
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben>", by=ANA)
    posted_quickly(tandem, f"Webinar full <@{BEN}|ben> <@{CAT}|cat>", by=ANA)
    posted_quickly(tandem, f"Great call <@{ANA}|ana>", by=BEN)

    home = open_home(tandem, BEN)

    part = said(wins_part(home)).strip()
    assert part.startswith("Wins\n")
    assert ":raised_hands: Thanks received: *2* all time · *2* this month" in part
    assert "*Your last wins*" in part
    assert "Great call @ana" in part
    assert "*Wins you were thanked in*" in part
    assert "Webinar full @ben @cat" in part
    assert f"from <@{ANA}>" in part
    assert [e["text"]["text"] for e in elements(home).values() if e["type"] == "button"] == [
        "Celebrate a win"
    ]
    assert elements(home)["wins.dms"]["initial_options"][0]["value"] == "on"  # DMs on by default
    assert len(home["blocks"]) <= 100


def test_a_newcomer_is_told_how_to_start(tandem: Tandem) -> None:
    part = said(wins_part(open_home(tandem, CAT)))

    assert "You haven't posted a win yet" in part
    assert "Nobody has thanked you in a win yet." in part


def test_admins_also_get_the_wins_settings(tandem: Tandem) -> None:
    home = open_home(tandem, ADA)

    assert list(elements(home)) == ["wins.open_form", "wins.dms", "wins.open_settings"]


# Celebrating from App Home


def test_celebrate_a_win_opens_the_form_and_home_says_where_it_went(tandem: Tandem) -> None:
    home = open_home(tandem, ANA)
    form = open_form(tandem, home, ANA, "wins.open_form")
    assert form["callback_id"] == "wins.form"
    before = len(published(tandem, ANA))

    answer = tandem.send(tandem.requests.view_submission(form, FILLED, user_id=ANA))

    assert (answer.status, answer.body) == (200, b"")
    again = next_home(tandem, ANA, before)
    notice = next(b for b in again["blocks"] if b.get("block_id") == "home.notice")
    assert notice["text"]["text"].startswith(f":tada: Posted in <#{WINS}>, thanking <@{BEN}> and <@{CAT}>.")
    assert "Acme signed for three years" in said(wins_part(again))
    assert len(cards(tandem)) == 1
    assert tandem.slack.responses == []  # nothing to answer through: Home says it


# Direct messages


def test_turning_dms_off_is_kept_and_no_dm_follows(
    tandem: Tandem, slack: SlackLookalike, clock: FixedClock
) -> None:
    home = open_home(tandem, BEN)

    off = click(tandem, home, BEN, toggle(home, on=False))

    assert tandem.services.wins.wants_dms(KEY, BEN) is False
    assert "initial_options" not in elements(off)["wins.dms"]
    assert "No more direct messages when you're thanked" in said(off)
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben> <@{CAT}|cat>")
    clock.now += QUIET_FOR
    send_pending_notifications(context_for(slack, tandem.services, clock))
    assert [c.args["channel"] for c in slack.calls_to("chat.postMessage") if c.args["channel"] != WINS] == [
        CAT
    ]

    on = click(tandem, off, BEN, toggle(off, on=True))

    assert tandem.services.wins.wants_dms(KEY, BEN) is True
    assert elements(on)["wins.dms"]["initial_options"][0]["value"] == "on"


# Settings


def test_an_admin_saves_the_wins_settings_with_problems_under_their_fields(tandem: Tandem) -> None:
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, ADA, "wins.open_settings")
    assert form["callback_id"] == "wins.settings"

    bad = tandem.send(
        tandem.requests.view_submission(
            form, {**SETTINGS, "wins.settings.daily_cap": {"value": {"value": "0"}}}, user_id=ADA
        )
    )
    assert bad.json() == {
        "response_action": "errors",
        "errors": {"wins.settings.daily_cap": "A whole number from 1 to 100."},
    }
    assert tandem.services.wins.settings(KEY).daily_cap == 10

    before = len(published(tandem, ADA))
    good = tandem.send(tandem.requests.view_submission(form, SETTINGS, user_id=ADA))

    assert (good.status, good.body) == (200, b"")
    again = next_home(tandem, ADA, before)
    assert ":white_check_mark: Wins settings saved: cards go to <#C0CELEBRATE>" in said(again)
    saved = tandem.services.wins.settings(KEY)
    assert (saved.channel, saved.recap_day, saved.recap_time, saved.daily_cap) == (
        "C0CELEBRATE",
        "thu",
        "17:30",
        3,
    )


def test_the_settings_are_refused_to_others(tandem: Tandem) -> None:
    admins_home = open_home(tandem, ADA)
    button = elements(admins_home)["wins.open_settings"]
    home = open_home(tandem, BEN)

    again = click(tandem, home, BEN, button)

    assert ":no_entry: Only Tandem's admins change the wins settings." in said(again)
    assert tandem.slack.calls_to("views.open") == []
    assert stored(tandem) == []
