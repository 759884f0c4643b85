"""App Home: what each person sees on Tandem's Home tab, published when they open it or pick a list."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks import digest as digest_blocks
from bot.blocks import fieldnotes as fieldnote_blocks
from bot.blocks import home as home_blocks
from bot.blocks import wins as win_blocks
from bot.issues import IssueView
from bot.people import Actor
from bot.services import Services
from bot.workspaces import WorkspaceKey
from handlers.context import Admins, workspace_of


class Home:
    """Builds and publishes one person's App Home; nothing is remembered between publishes."""

    def __init__(self, services: Services, admins: Admins) -> None:
        self._tracker = services.tracker
        self._people = services.people
        self._workspaces = services.workspaces
        self._admins = admins
        self._digests = services.digests
        self._metrics = services.metrics
        self._wins = services.wins
        self._fieldnotes = services.fieldnotes

    def publish(
        self,
        client: WebClient,
        key: WorkspaceKey,
        user_id: str,
        *,
        view: IssueView | None = None,
        notice: str = "",
    ) -> None:
        """Publish the overview (`view` None) or one list, with an optional notice at the top."""
        actor = self._admins.actor(client, user_id)
        shown: home_blocks.Overview | home_blocks.Listing
        if view is None:
            board = self._tracker.board(key, user_id, limit_each=home_blocks.OVERVIEW_CAP)
            shown = home_blocks.Overview(board)
        else:
            issues = self._tracker.list_issues(key, view, user_id=user_id, limit=home_blocks.LIST_CAP)
            shown = home_blocks.Listing(view, issues)
        admin = (
            home_blocks.TeamsAdmin(self._people.sources(key), self._people.members(key))
            if actor.is_admin
            else None
        )
        page = home_blocks.HomePage(
            team=self._people.team_of(key, user_id),
            shown=shown,
            admin=admin,
            notice=notice,
            digest=self._digest_part(key, actor),
            metrics=home_blocks.MetricsPart(
                self._metrics.definitions(key), self._metrics.settings(key), is_admin=actor.is_admin
            ),
            wins=home_blocks.WinsPart(
                self._wins.person(key, user_id, limit=win_blocks.HOME_WINS),
                self._wins.wants_dms(key, user_id),
                is_admin=actor.is_admin,
            ),
            fieldnotes=home_blocks.FieldNotesPart(
                mine=self._fieldnotes.recent(key, author=user_id, limit=fieldnote_blocks.HOME_NOTES),
                this_month=self._fieldnotes.this_month(key, limit=fieldnote_blocks.HOME_NOTES),
            ),
        )
        zone = self._workspaces.settings_for(key).timezone
        client.views_publish(user_id=user_id, view=home_blocks.home(page, zone))

    def _digest_part(self, key: WorkspaceKey, actor: Actor) -> home_blocks.DigestPart:
        digests = self._digests
        week = digests.current_week(key)
        settings = digests.settings(key)
        items = digests.items(key, week.key)
        shown = items[: digest_blocks.HOME_ITEMS]
        return home_blocks.DigestPart(
            week=week,
            settings=settings,
            record=digests.record(key, week.key),
            items=shown,
            total=len(items),
            changeable=frozenset(i.id for i in shown if i.may_be_changed_by(actor, settings.editor_ids)),
            is_admin=actor.is_admin,
        )

    def refresh(
        self, client: WebClient, body: dict[str, Any], context: BoltContext, notice: str = ""
    ) -> None:
        """Publish again the Home a block action came from, showing the same list, with a notice.

        App Home has no channel to answer in, so answers to clicks there go at its top.
        """
        view = home_blocks.view_of(body.get("view"))
        self.publish(client, workspace_of(context, body), body["user"]["id"], view=view, notice=notice)


def register(app: App, home: Home) -> None:
    """Publish App Home when it is opened, and again when someone picks a list in its filter."""

    def show_home(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("tab") != "home":
            return
        # The event carries the Home last published, so the list picked there stays picked.
        view = home_blocks.view_of(event.get("view"))
        home.publish(client, workspace_of(context, body), event["user"], view=view)

    def show_chosen_list(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        view = home_blocks.chosen_view((action.get("selected_option") or {}).get("value"))
        home.publish(client, workspace_of(context, body), body["user"]["id"], view=view)

    app.event("app_home_opened")(show_home)
    app.action(home_blocks.FILTER_ACTION)(show_chosen_list)
