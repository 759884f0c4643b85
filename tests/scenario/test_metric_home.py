"""The metrics on App Home over real HTTP: the list and buttons, an admin defining, editing and
removing a metric in the form (problems under their fields, nothing stored), the snapshot settings,
and today's snapshot sent as a DM."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.metrics import MetricTeam, Rollup
from bot.models import MetricRow
from tests.scenario.conftest import ANA, BEN, Tandem
from tests.scenario.home_views import next_home, open_home, published
from tests.scenario.messages import said
from tests.scenario.test_metric_command import ADA, KEY, TODAY, define, metric, values

FILLED: dict[str, dict[str, Any]] = {
    "metrics.form.name": {"value": "mql"},
    "metrics.form.label": {"value": "Marketing-qualified leads"},
    "metrics.form.unit": {"value": "count"},
    "metrics.form.team": {"value": "marketing"},
    "metrics.form.rollup": {"value": "sum"},
    "metrics.form.direction": {"value": "higher"},
    "metrics.form.monthly_target": {"value": "1,500"},
    "metrics.form.quarterly_target": {"value": "4.5k"},
    "metrics.form.description": {"value": "Leads marketing hands to sales"},
}
SETTINGS: dict[str, dict[str, Any]] = {
    "metrics.settings.channel": {"value": "C0METRICS"},
    "metrics.settings.days": {"value": ["mon", "wed", "fri"]},
    "metrics.settings.time": {"value": "09:15"},
    "metrics.settings.charts": {"value": []},
}


def metrics_part(home: dict[str, Any]) -> dict[str, Any]:
    """The metrics' part of App Home: from its header to the end."""
    start = next(i for i, b in enumerate(home["blocks"]) if b.get("block_id") == "metrics.home") - 3
    return {"blocks": home["blocks"][start:]}


def elements(home: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The metrics part's buttons and menu, by action id."""
    [actions] = [b for b in home["blocks"] if b.get("block_id") == "metrics.home"]
    return {e["action_id"]: e for e in actions["elements"]}


def click(tandem: Tandem, view: dict[str, Any], user_id: str, action: dict[str, Any]) -> None:
    answer = tandem.send(tandem.requests.block_actions([action], user_id=user_id, view=view))
    assert (answer.status, answer.body) == (200, b"")


def open_form(
    tandem: Tandem, home: dict[str, Any], action: dict[str, Any], user_id: str = ADA
) -> dict[str, Any]:
    before = len(tandem.slack.calls_to("views.open"))
    click(tandem, home, user_id, action)
    opened = tandem.slack.wait_for("views.open", count=before + 1)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    return view


def choose(menu: dict[str, Any], value: str) -> dict[str, Any]:
    option = next(o for o in menu["options"] if o["value"] == value)
    return {"action_id": menu["action_id"], "type": "static_select", "selected_option": option}


def stored(tandem: Tandem) -> list[tuple[str, str, str, float | None, bool]]:
    """Every metric defined, removed ones included: name, label, unit, monthly target, removed."""
    with tandem.database.transaction() as session:
        rows = session.scalars(select(MetricRow).order_by(MetricRow.position))
        return [(r.name, r.label, r.unit, r.monthly_target, r.archived_at is not None) for r in rows]


# What App Home shows


def test_everyone_sees_the_metrics_and_todays_snapshot_button(tandem: Tandem) -> None:
    define(tandem)

    home = open_home(tandem, BEN)

    part = said(metrics_part(home)).strip()
    assert part.startswith("Shared metrics\n")
    assert "• *Leads* (`leads`) · count · 1,200 a month · marketing" in part
    assert "• *Pipeline* (`pipeline`) · EUR · sales" in part
    assert [e["text"]["text"] for e in elements(home).values()] == ["Today's snapshot"]


def test_admins_also_get_define_edit_and_settings(tandem: Tandem) -> None:
    define(tandem)

    home = open_home(tandem, ADA)

    found = elements(home)
    assert list(found) == [
        "metrics.open_form",
        "metrics.edit",
        "metrics.open_settings",
        "metrics.show_snapshot",
    ]
    assert [o["value"] for o in found["metrics.edit"]["options"]] == ["leads", "pipeline", "win-rate"]
    assert len(home["blocks"]) <= 100


def test_before_any_metric_admins_are_told_how_to_start(tandem: Tandem) -> None:
    home = open_home(tandem, ADA)

    assert "No metrics yet. Define one with the button" in said(metrics_part(home))
    assert "metrics.edit" not in elements(home)  # nothing to edit yet


# Defining, editing, removing


def test_an_admin_defines_a_metric_and_home_says_so(tandem: Tandem) -> None:
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, elements(home)["metrics.open_form"])
    assert (form["callback_id"], form["title"]["text"]) == ("metrics.form", "Define a metric")
    before = len(published(tandem, ADA))

    answer = tandem.send(tandem.requests.view_submission(form, FILLED, user_id=ADA))

    assert (answer.status, answer.body) == (200, b"")  # the form closes
    again = next_home(tandem, ADA, before)
    assert ":white_check_mark: *Marketing-qualified leads* (`mql`) added." in said(again)
    assert "• *Marketing-qualified leads* (`mql`) · count · 1,500 a month · marketing" in said(again)
    assert stored(tandem) == [("mql", "Marketing-qualified leads", "count", 1500.0, False)]
    mql = tandem.services.metrics.metric(KEY, "mql")
    assert (mql.team, mql.rollup, mql.quarterly_target, mql.description) == (
        MetricTeam.MARKETING,
        Rollup.SUM,
        4500.0,
        "Leads marketing hands to sales",
    )


def test_problems_show_under_their_fields_and_nothing_is_stored(tandem: Tandem) -> None:
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, elements(home)["metrics.open_form"])
    values = {
        **FILLED,
        "metrics.form.name": {"value": "MQL rate!"},
        "metrics.form.unit": {"value": "percent"},  # summed percentages, and a currency without money
        "metrics.form.currency": {"value": "EUR"},
        "metrics.form.monthly_target": {"value": "lots"},
        "metrics.form.quarterly_target": {"value": ""},
    }

    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=ADA))

    assert answer.json()["response_action"] == "errors"
    errors = answer.json()["errors"]
    assert errors == {"metrics.form.monthly_target": "“lots” isn't a number: try 1,200 or 2.5M."}
    values["metrics.form.monthly_target"] = {"value": "30"}

    errors = tandem.send(tandem.requests.view_submission(form, values, user_id=ADA)).json()["errors"]

    assert set(errors) == {"metrics.form.name", "metrics.form.currency", "metrics.form.rollup"}
    assert errors["metrics.form.name"].startswith("A name is what people type after /metric")
    assert errors["metrics.form.rollup"].startswith("Percentages don't add up")
    assert stored(tandem) == []
    assert len(published(tandem, ADA)) == 1  # Home was not published again


def test_a_name_already_taken_shows_under_the_name(tandem: Tandem) -> None:
    define(tandem)
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, elements(home)["metrics.open_form"])

    answer = tandem.send(
        tandem.requests.view_submission(
            form, {**FILLED, "metrics.form.name": {"value": "leads"}}, user_id=ADA
        )
    )

    assert answer.json()["errors"] == {
        "metrics.form.name": "There's already a metric called `leads`: pick another name, or edit that one."
    }
    assert [m[0] for m in stored(tandem)] == ["leads", "pipeline", "win-rate"]


def test_an_admin_edits_a_metric_from_the_menu(tandem: Tandem) -> None:
    define(tandem)
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, choose(elements(home)["metrics.edit"], "leads"))
    assert form["title"]["text"] == "Edit a metric"
    assert form["private_metadata"] == "leads"
    before = len(published(tandem, ADA))

    answer = tandem.send(
        tandem.requests.view_submission(
            form,
            {
                "metrics.form.label": {"value": "Inbound leads"},
                "metrics.form.monthly_target": {"value": "1.5k"},
            },
            user_id=ADA,
        )
    )

    assert (answer.status, answer.body) == (200, b"")
    assert ":white_check_mark: *Inbound leads* (`leads`) changed." in said(next_home(tandem, ADA, before))
    assert stored(tandem)[0] == ("leads", "Inbound leads", "count", 1500.0, False)


def test_removing_a_metric_keeps_its_values(tandem: Tandem) -> None:
    define(tandem)
    metric(tandem, "leads 42")
    tandem.slack.wait_for("response_url")
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, choose(elements(home)["metrics.edit"], "leads"))
    [remove] = next(b for b in form["blocks"] if b.get("block_id") == "metrics.form.actions")["elements"]
    assert remove["confirm"]["confirm"]["text"] == "Remove"  # Slack asks before the click arrives
    before = len(published(tandem, ADA))

    click(tandem, form, ADA, remove)

    again = next_home(tandem, ADA, before)
    assert ":wastebasket: *Leads* (`leads`) is no longer shown." in said(again)
    assert "(`leads`) · count" not in said(again)
    [updated] = tandem.slack.wait_for("views.update")
    assert updated.ok, updated.response
    assert "is no longer shown" in said(updated.args["view"])
    assert "submit" not in updated.args["view"]  # nothing left to save in that form
    assert stored(tandem)[0][4] is True
    assert values(tandem) == [("leads", TODAY, 42.0, "typed", BEN)]


def test_only_admins_open_or_save_the_form(tandem: Tandem) -> None:
    home = open_home(tandem, ADA)
    form = open_form(tandem, home, elements(home)["metrics.open_form"])
    bens = open_home(tandem, BEN)
    forged = {"action_id": "metrics.open_form", "type": "button", "block_id": "metrics.home", "value": ""}
    before = len(published(tandem, BEN))

    click(tandem, bens, BEN, forged)

    again = next_home(tandem, BEN, before)
    assert ":no_entry: Only Tandem's admins define metrics" in said(again)
    assert len(tandem.slack.calls_to("views.open")) == 1  # only the admin's
    answer = tandem.send(tandem.requests.view_submission(form, FILLED, user_id=BEN))
    assert answer.json()["errors"] == {"metrics.form.name": "Only Tandem's admins define metrics."}
    assert stored(tandem) == []


# Snapshot settings


def open_settings(tandem: Tandem, user_id: str = ADA) -> dict[str, Any]:
    home = open_home(tandem, ADA)
    return open_form(tandem, home, elements(home)["metrics.open_settings"], user_id)


def test_an_admin_saves_the_snapshot_settings_and_home_says_so(tandem: Tandem) -> None:
    form = open_settings(tandem)
    assert (form["callback_id"], form["title"]["text"]) == ("metrics.settings", "Snapshot settings")
    before = len(published(tandem, ADA))

    answer = tandem.send(tandem.requests.view_submission(form, SETTINGS, user_id=ADA))

    assert (answer.status, answer.body) == (200, b"")
    again = said(next_home(tandem, ADA, before))
    expected = "Posted to <#C0METRICS> at 09:15 on Mon, Wed, Fri (Europe/Paris), without a chart."
    assert f":white_check_mark: Snapshot settings saved. {expected}" in again
    settings = tandem.services.metrics.settings(KEY)
    assert (settings.channel, settings.days, settings.time, settings.charts) == (
        "C0METRICS",
        ("mon", "wed", "fri"),
        "09:15",
        False,
    )


def test_bad_settings_show_under_their_fields_and_nothing_is_saved(tandem: Tandem) -> None:
    form = open_settings(tandem)
    values = {**SETTINGS, "metrics.settings.days": {"value": []}}

    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=ADA))

    assert answer.json() == {
        "response_action": "errors",
        "errors": {"metrics.settings.days": "Choose at least one day."},
    }
    assert tandem.services.metrics.settings(KEY).time == "08:30"


def test_only_admins_save_the_snapshot_settings(tandem: Tandem) -> None:
    form = open_settings(tandem)

    answer = tandem.send(tandem.requests.view_submission(form, SETTINGS, user_id=ANA))

    assert answer.json()["errors"] == {
        "metrics.settings.channel": "Only Tandem's admins change the snapshot settings."
    }
    assert tandem.services.metrics.settings(KEY).time == "08:30"


# Today's snapshot


@pytest.mark.parametrize("defined", [True, False])
def test_todays_snapshot_from_home_comes_as_a_dm(tandem: Tandem, defined: bool) -> None:
    if defined:
        define(tandem)
    home = open_home(tandem, ANA)
    before = len(published(tandem, ANA))

    click(tandem, home, ANA, elements(home)["metrics.show_snapshot"])

    [sent] = tandem.slack.wait_for("chat.postMessage")
    assert sent.ok, sent.response
    assert sent.args["channel"] == ANA
    tables = [b for b in sent.args.get("blocks") or [] if b["type"] == "table"]
    assert len(tables) == (1 if defined else 0)
    if not defined:
        assert sent.args["text"].startswith("No shared metrics yet")
    assert "Today's snapshot is in your messages with Tandem." in said(next_home(tandem, ANA, before))
