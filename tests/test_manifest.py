"""manifest.yml and the code agree: every command, shortcut and event has a listener, and the reverse."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.blocks import digest as digest_blocks
from bot.blocks import fieldnotes as fieldnote_blocks
from bot.blocks import metrics as metric_blocks
from bot.blocks import wins as win_blocks
from bot.blocks.issues import HELP
from handlers import register_all
from handlers.context import Admins
from tests.contract.checks import check_manifest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
FEATURES = MANIFEST["features"]
SETTINGS = MANIFEST["settings"]

# The bot scopes each Web API method needs (empty: none). A method Tandem starts calling must be
# added here, and with it its scopes to manifest.yml.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat_postMessage": ("chat:write",),
    "chat_postEphemeral": ("chat:write",),
    "chat_update": ("chat:write",),
    "chat_delete": ("chat:write",),
    "chat_getPermalink": (),
    "views_open": (),
    "views_update": (),
    "views_push": (),
    "views_publish": (),
    "auth_test": (),
    "users_info": ("users:read",),
    "conversations_info": ("channels:read",),
    # Team sources may be public or private channels; Slack asks for the scope of each kind.
    "conversations_members": ("channels:read", "groups:read"),
    "conversations_open": ("im:write",),
    # Scheduled posts look for themselves in the channel or DM they went to (bot/slack/posting.py).
    "conversations_history": ("channels:history", "groups:history", "im:history"),
    "usergroups_users_list": ("usergroups:read",),
    "usergroups_list": ("usergroups:read",),
    "files_upload_v2": ("files:write",),
    # A CSV sent in a DM: its details when the event carries only its id; downloading it needs the same.
    "files_info": ("files:read",),
    # Tandem celebrates each win's card with a reaction.
    "reactions_add": ("reactions:write",),
}

# The bot scope each subscribed event needs, and the event type the listener sees: Slack delivers
# `message.channels`, `message.groups` and `message.im` alike as `message` events.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
}


class RecordingApp:
    """Stands in for Bolt's App to record what `register_all` registers."""

    def __init__(self) -> None:
        self.registered: set[tuple[str, str]] = set()

    def _record(self, kind: str) -> Callable[..., Callable[[Callable[..., Any]], Callable[..., Any]]]:
        def register(matcher: Any, *_: Any, **__: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            self.registered.add((kind, matcher if isinstance(matcher, str) else repr(matcher)))
            return lambda listener: listener

        return register

    def __getattr__(self, kind: str) -> Any:
        if kind in {
            "command",
            "shortcut",
            "view_submission",
            "view",
            "action",
            "event",
            "options",
            "message",
        }:
            return self._record(kind)
        raise AttributeError(kind)

    def error(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        self.registered.add(("error", handler.__name__))
        return handler


@pytest.fixture(scope="module")
def registered() -> set[tuple[str, str]]:
    app = RecordingApp()
    register_all(app, services=_Services(), admins=Admins(()))  # type: ignore[arg-type]
    return app.registered


class _Services:
    """register_all only hands services to listeners; none is called while registering."""

    def __getattr__(self, name: str) -> object:
        return object()


def listed(kind: str, registered: set[tuple[str, str]]) -> set[str]:
    return {matcher for k, matcher in registered if k == kind}


def test_the_manifest_follows_slacks_own_schema() -> None:
    assert check_manifest(MANIFEST) == []


def test_every_slash_command_has_a_listener_and_the_reverse(registered: set[tuple[str, str]]) -> None:
    assert {c["command"] for c in FEATURES["slash_commands"]} == listed("command", registered)


def test_every_shortcut_has_a_listener_and_the_reverse(registered: set[tuple[str, str]]) -> None:
    assert {s["callback_id"] for s in FEATURES["shortcuts"]} == listed("shortcut", registered)


def test_every_event_has_a_listener_and_the_reverse(registered: set[tuple[str, str]]) -> None:
    subscribed = {name.split(".")[0] for name in SETTINGS["event_subscriptions"]["bot_events"]}
    assert subscribed == listed("event", registered)


def test_failures_have_one_handler(registered: set[tuple[str, str]]) -> None:
    assert listed("error", registered) == {"report_failure"}


def test_commands_escape_mentions_so_people_arrive_as_ids() -> None:
    assert all(command["should_escape"] is True for command in FEATURES["slash_commands"])


def test_slack_sends_everything_to_the_one_request_url() -> None:
    urls = {c["url"] for c in FEATURES["slash_commands"]}
    urls |= {SETTINGS["interactivity"]["request_url"], SETTINGS["event_subscriptions"]["request_url"]}
    assert len(urls) == 1
    assert urls.pop().endswith("/slack/events")
    assert SETTINGS["interactivity"]["is_enabled"] is True


def test_app_home_is_enabled_for_its_listener() -> None:
    assert FEATURES["app_home"]["home_tab_enabled"] is True


def test_the_issue_commands_usage_hint_matches_its_help() -> None:
    [issue] = [c for c in FEATURES["slash_commands"] if c["command"] == "/issue"]
    hinted = {alternative.strip() for alternative in issue["usage_hint"].split(" | ")}
    # Help says "/issue <title>"; the hint's "[title]" also covers "/issue" alone, which opens the form.
    helped = {usage.removeprefix("/issue ").replace("<title>", "[title]") for usage, _ in HELP}
    assert hinted == helped - {"/issue"}


def test_the_digest_commands_usage_hint_matches_its_help() -> None:
    [digest] = [c for c in FEATURES["slash_commands"] if c["command"] == "/digest"]
    hinted = {alternative.strip() for alternative in digest["usage_hint"].split(" | ")}
    # Help says "/digest add" and "/digest add <text>"; the hint's "add [text]" covers both.
    helped = {usage.removeprefix("/digest ").replace(" <text>", " [text]") for usage, _ in digest_blocks.HELP}
    assert hinted == helped - {"add"}


def test_the_metric_commands_usage_hint_matches_its_help() -> None:
    [metric] = [c for c in FEATURES["slash_commands"] if c["command"] == "/metric"]
    hinted = {alternative.strip() for alternative in metric["usage_hint"].split(" | ")}
    # Help says "/metric <name> <value> [date]"; the hint brackets every word one may type, and its
    # "[name]" also covers "/metric" alone, today's snapshot.
    helped = {
        usage.removeprefix("/metric").strip().replace("<", "[").replace(">", "]")
        for usage, _ in metric_blocks.USAGES
    }
    assert hinted == helped - {""}
    assert all(f"`{usage}`" in metric_blocks.HELP for usage, _ in metric_blocks.USAGES)


def test_the_win_commands_usage_hint_matches_its_help() -> None:
    [win] = [c for c in FEATURES["slash_commands"] if c["command"] == "/win"]
    hinted = {alternative.strip() for alternative in win["usage_hint"].split(" | ")}
    # Help says "/win <text>"; the hint's "[text]" also covers "/win" alone, which opens the form.
    helped = {
        usage.removeprefix("/win").strip().replace("<", "[").replace(">", "]")
        for usage, _ in win_blocks.USAGES
    }
    assert hinted == helped - {""}
    assert all(f"`{usage}`" in win_blocks.HELP for usage, _ in win_blocks.USAGES)


def test_the_fieldnote_commands_usage_hint_matches_its_help() -> None:
    [fieldnote] = [c for c in FEATURES["slash_commands"] if c["command"] == "/fieldnote"]
    hinted = {alternative.strip() for alternative in fieldnote["usage_hint"].split(" | ")}
    # Help says "/fieldnote <account>: <text>"; the hint brackets every word one may type, and
    # "/fieldnote" alone opens the form. Inside "[mine|<account>]" the brackets are already there.
    helped = {
        usage.removeprefix("/fieldnote")
        .strip()
        .replace("|<account>]", "|account]")
        .replace("<", "[")
        .replace(">", "]")
        for usage, _ in fieldnote_blocks.USAGES
    }
    assert hinted == helped - {""}
    assert all(f"`{usage}`" in fieldnote_blocks.HELP for usage, _ in fieldnote_blocks.USAGES)


def test_bot_scopes_are_exactly_what_the_code_calls_for() -> None:
    called = {
        method
        for folder in ("handlers", "jobs", "bot/slack")  # everywhere Tandem calls the Web API
        for path in (ROOT / folder).rglob("*.py")
        for method in re.findall(r"\bclient\.(\w+)\(", path.read_text())
    }
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {unknown} to METHOD_SCOPES and manifest.yml"
    events = set(SETTINGS["event_subscriptions"]["bot_events"])
    assert events <= EVENT_SCOPES.keys(), f"add the scopes of {events - EVENT_SCOPES.keys()} to EVENT_SCOPES"
    needed = {scope for m in called for scope in METHOD_SCOPES[m]}
    needed |= {scope for event in events for scope in EVENT_SCOPES[event]}
    if FEATURES.get("slash_commands") or FEATURES.get("shortcuts"):
        needed.add("commands")
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed
