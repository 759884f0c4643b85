"""Teams in Slack: people choose their own team on App Home; admins map teams to user groups and channels.

Mapped groups and channels are read again at once on saving, and daily by the scheduler (jobs/team_sync.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import home as home_blocks
from bot.blocks import teams as team_blocks
from bot.people import AlreadyChosen, Team
from bot.services import Services
from bot.slack.team_sync import sync_mapped_teams
from handlers.context import Admins, workspace_of
from handlers.home import Home

log = logging.getLogger(__name__)


_GROUPS_UNREADABLE = {
    "plan_upgrade_required": "User groups come with paid Slack plans: map channels instead.",
    "missing_scope": "Tandem may not read user groups (usergroups:read): map channels instead.",
}


def user_groups(client: WebClient) -> tuple[list[team_blocks.UserGroup] | None, str]:
    """The workspace's user groups to choose from, or None and why not."""
    try:
        answer = client.usergroups_list()
    except SlackApiError as failure:
        error = str(failure.response.get("error") or "")
        log.warning("Could not list user groups: %s", error)
        return None, _GROUPS_UNREADABLE.get(
            error, "Slack wouldn't list user groups just now: map channels instead."
        )
    groups = [
        team_blocks.UserGroup(str(g["id"]), str(g.get("name") or ""), str(g.get("handle") or ""))
        for g in answer.get("usergroups") or []
    ]
    return (groups or None), ""


def register(app: App, services: Services, admins: Admins, home: Home) -> None:
    """Wire choosing your own team, and the admins' team setup, to the people service."""
    people = services.people

    def choose_own_team(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        try:
            team = Team(str(action.get("value")))
        except ValueError:
            return  # not one of our buttons
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            people.choose_own_team(key, user_id, team)
            notice = f":white_check_mark: You're on {team.label} now. Issues you raise will say so."
        except AlreadyChosen as chosen:
            notice = f":information_source: {chosen}"
        home.refresh(client, body, context, notice=notice)

    def open_team_setup(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        if not admins.actor(client, user_id).is_admin:
            home.refresh(client, body, context, notice=f":no_entry: {team_blocks.NOT_AN_ADMIN}")
            return
        groups, problem = user_groups(client)
        current = team_blocks.TeamSetup.now(people.sources(key), people.members(key))
        form = team_blocks.setup_form(
            current,
            groups,
            home_state=str((body.get("view") or {}).get("private_metadata") or ""),
            groups_problem=problem,
        )
        client.views_open(trigger_id=body["trigger_id"], view=form)

    def save_team_setup(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        key, user_id = workspace_of(context, body), body["user"]["id"]
        actor = admins.actor(client, user_id)
        if not actor.is_admin:
            refusal = team_blocks.not_an_admin_problem(view)
            if refusal:
                ack(response_action="errors", errors=refusal)
            else:
                ack()
            return
        members = people.members(key)
        current = team_blocks.TeamSetup.now(people.sources(key), members)
        setup = team_blocks.read_setup_form(view["state"]["values"], current)
        problems = team_blocks.setup_problems(setup)
        if problems:
            ack(response_action="errors", errors=problems)
            return
        ack()
        people.apply_setup(key, actor, setup.sources(), setup.people)
        synced = sync_mapped_teams(client, people, key, bot_user_id=context.bot_user_id)
        failures = [
            team_blocks.SyncProblem(s.source.kind, s.source.slack_id, s.error) for s in synced if s.error
        ]
        notice = team_blocks.saved_notice(people.members(key), failures)
        chosen = home_blocks.chosen_view(view.get("private_metadata"))
        home.publish(client, key, user_id, view=chosen, notice=notice)

    app.action(team_blocks.CHOOSE_ACTION)(choose_own_team)
    app.action(team_blocks.OPEN_SETUP_ACTION)(open_team_setup)
    app.view_submission(team_blocks.SETUP_FORM)(save_team_setup)
