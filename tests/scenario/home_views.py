"""Reading App Home in scenario tests: open it as Slack does, and take the view Tandem publishes."""

from __future__ import annotations

from typing import Any

from tests.scenario.conftest import Tandem


def open_home(tandem: Tandem, user_id: str, *, shown: dict[str, Any] | None = None) -> dict[str, Any]:
    """Open the Home tab as Slack reports it (with the view on show, if any); the view Tandem publishes."""
    before = len(published(tandem, user_id))
    event = {"type": "app_home_opened", "user": user_id, "tab": "home", "channel": f"D{user_id[1:]}"}
    if shown is not None:
        event["view"] = shown
    tandem.send(tandem.requests.event(event))
    return next_home(tandem, user_id, before)


def published(tandem: Tandem, user_id: str) -> list[Any]:
    return [c for c in tandem.slack.calls_to("views.publish") if c.args["user_id"] == user_id]


def next_home(tandem: Tandem, user_id: str, before: int) -> dict[str, Any]:
    """The Home published for `user_id` after the `before` already published, once it comes."""
    calls = tandem.slack.wait_for(
        "views.publish", count=before + 1, where=lambda c: c.args["user_id"] == user_id
    )
    assert calls[-1].ok, calls[-1].response
    view: dict[str, Any] = calls[-1].response["view"]
    return view
