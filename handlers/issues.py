"""The shared tracker in Slack: `/issue`, its form, the global shortcut and the cards they post."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks import issues as blocks
from bot.blocks.text import Message, plain_from_slack
from bot.errors import InvalidInput
from bot.issues import Card, IssueDraft, RaisedIssue, Tracker, problems_with
from bot.workspaces import WorkspaceKey, Workspaces
from handlers.context import workspace_of

# What Slack's errors mean to the person whose card did not post.
_CARD_FAILURES = {
    "not_in_channel": "Tandem isn't in that channel yet. Invite it there with `/invite @Tandem`.",
    "channel_not_found": "that channel doesn't exist or Tandem can't see it. "
    "Ask your admin to check the tracker channel setting.",
    "is_archived": "that channel is archived. Ask your admin to choose another tracker channel.",
    "ratelimited": "Slack is asking Tandem to slow down. The card will need posting again later.",
}


def register(app: App, tracker: Tracker, workspaces: Workspaces) -> None:
    """Wire `/issue`, the raise form and the shortcut to the tracker."""

    def handle_issue_command(
        ack: Ack,
        command: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        text = command.get("text") or ""
        first, _, rest = text.strip().partition(" ")
        match first.lower():
            case "" | "new":
                ack()
                draft = IssueDraft(title=plain_from_slack(rest)) if rest.strip() else None
                origin = blocks.FormOrigin(response_url=command.get("response_url"))
                client.views_open(trigger_id=command["trigger_id"], view=blocks.issue_form(origin, draft))
            case "list":
                ack()
                list_open_issues(respond, workspace_of(context, body))
            case "help":
                ack(**blocks.help_message().as_kwargs())
            case _:
                raise_issue_from_title(ack, command, body, respond, client, context, logger)

    def raise_issue_from_title(
        ack: Ack,
        command: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        draft = IssueDraft(title=plain_from_slack(command.get("text") or ""))
        problems = problems_with(draft)
        if problems:
            ack(**blocks.notice(" ".join(problems.values())).as_kwargs())
            return
        ack()
        key = workspace_of(context, body)
        raised = tracker.raise_issue(
            key, draft, raised_by=command["user_id"], request_key=command.get("trigger_id")
        )
        respond(**post_card(client, key, raised, logger).as_kwargs(), response_type="ephemeral")

    def list_open_issues(respond: Respond, key: WorkspaceKey) -> None:
        zone = workspaces.settings_for(key).timezone
        open_issues = tracker.open_issues(key, limit=blocks.LIST_LIMIT)
        respond(**blocks.open_issues_list(open_issues, zone).as_kwargs(), response_type="ephemeral")

    def open_issue_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=blocks.issue_form(blocks.FormOrigin()))

    def save_issue(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        draft = blocks.read_issue_form(view["state"]["values"])
        key = workspace_of(context, body)
        user_id = body["user"]["id"]
        try:
            # Stored before the form closes, so a problem shows under its field, nothing half-saved.
            raised = tracker.raise_issue(key, draft, raised_by=user_id, request_key=view["id"])
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.form_errors(invalid.problems))
            return
        ack()
        confirmation = post_card(client, key, raised, logger)
        origin = blocks.FormOrigin.loads(view.get("private_metadata") or "")
        if origin.response_url:
            WebhookClient(origin.response_url, proxy=None).send(
                **confirmation.as_kwargs(), response_type="ephemeral"
            )
        else:
            # Opened from a shortcut or App Home: no channel to answer in, so the app's DM.
            client.chat_postMessage(channel=user_id, **confirmation.as_kwargs())

    def post_card(
        client: WebClient, key: WorkspaceKey, raised: RaisedIssue, logger: logging.Logger
    ) -> Message:
        """Post the issue's card to the tracker channel, once; what to tell the person who raised it."""
        issue = raised.issue
        if issue.card is not None:
            return blocks.raised_confirmation(issue, already_raised=True)
        settings = workspaces.settings_for(key)
        channel = settings.tracker_channel
        if channel is None:
            reason = "no tracker channel is set. Ask your admin to set TANDEM_TRACKER_CHANNEL."
            return blocks.card_not_posted(issue, None, reason)
        card = blocks.issue_card(issue, settings.timezone)
        try:
            posted = client.chat_postMessage(channel=channel, unfurl_links=False, **card.as_kwargs())
        except SlackApiError as failure:
            error = str(failure.response.get("error", ""))
            logger.warning(
                "Could not post the card of issue #%s to %s in team %s: %s",
                issue.number,
                channel,
                key.team_id,
                error,
            )
            reason = _CARD_FAILURES.get(error, "Slack refused it. Please try again in a moment.")
            return blocks.card_not_posted(issue, channel, reason)
        posted_channel, ts = str(posted["channel"]), str(posted["ts"])
        try:
            permalink: str | None = str(
                client.chat_getPermalink(channel=posted_channel, message_ts=ts)["permalink"]
            )
        except SlackApiError:
            logger.warning("No permalink for issue #%s's card in %s", issue.number, posted_channel)
            permalink = None
        issue = tracker.record_card(key, issue.number, Card(posted_channel, ts, permalink))
        return blocks.raised_confirmation(issue, already_raised=raised.already_raised)

    app.command(blocks.COMMAND)(handle_issue_command)
    app.view_submission(blocks.FORM)(save_issue)
    app.shortcut(blocks.RAISE_SHORTCUT)(open_issue_form)
    app.action(blocks.OPEN_FORM_ACTION)(open_issue_form)
