"""App Home: what each person sees on Tandem's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks import issues as issue_blocks
from bot.issues import Tracker
from bot.workspaces import Workspaces
from handlers.context import workspace_of

HOME_LIMIT = 40  # two blocks an issue stays well inside App Home's 100 blocks


def register(app: App, tracker: Tracker, workspaces: Workspaces) -> None:
    def show_home(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("tab") != "home":
            return
        key = workspace_of(context, body)
        zone = workspaces.settings_for(key).timezone
        open_issues = tracker.open_issues(key, limit=HOME_LIMIT)
        client.views_publish(user_id=event["user"], view=issue_blocks.home(open_issues, zone))

    app.event("app_home_opened")(show_home)
