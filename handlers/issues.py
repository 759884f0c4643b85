"""The shared tracker in Slack: `/issue`, the raise and comment forms, the shortcuts, the cards with
their buttons, and comments replied in a card's thread."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.blocks import issues as blocks
from bot.blocks.text import Message, cut, escape, mentioned_users, plain_from_slack, user
from bot.errors import InvalidInput, TandemError
from bot.issue_export import ExportFormat, IssueExport, write_export
from bot.issues import (
    AlreadyTaken,
    Card,
    Changed,
    IssueDetails,
    IssueDraft,
    IssueNotFound,
    IssueView,
    Priority,
    RaisedIssue,
    SharedIssue,
    Status,
    Tracker,
    problems_with,
)
from bot.people import Actor
from bot.services import Services
from bot.workspaces import WorkspaceKey, Workspaces
from handlers.answers import answer
from handlers.context import Admins, workspace_of
from handlers.home import Home
from handlers.text import error_of, first_word, shared_message, with_names

T = TypeVar("T")

Change = Callable[[WorkspaceKey, int, Actor], Changed]

# What Slack's errors mean to the person whose card did not post or update.
_CARD_FAILURES = {
    "not_in_channel": "Tandem isn't in that channel yet. Invite it there with `/invite @Tandem`.",
    "channel_not_found": "that channel doesn't exist or Tandem can't see it. "
    "Ask your admin to check the tracker channel setting.",
    "is_archived": "that channel is archived. Ask your admin to choose another tracker channel.",
    "ratelimited": "Slack is asking Tandem to slow down. The card will need posting again later.",
    "message_not_found": "the card was deleted from the channel.",
    "cant_update_message": "Slack won't let Tandem edit that card.",
}
_NUMBER = re.compile(r"#?(\d{1,9})")  # nine digits stay inside the database's integer column
# Replies written by people: plain ones, ones also sent to the channel, and ones with a file.
_PEOPLES_SUBTYPES = {None, "thread_broadcast", "file_share"}


def register(app: App, services: Services, admins: Admins, home: Home) -> None:
    """Wire `/issue`, the forms, the shortcuts, the card's buttons and card threads to the tracker."""
    tracker, workspaces, people = services.tracker, services.workspaces, services.people
    export = IssueExport(services.database)

    # `/issue` and its subcommands

    def handle_issue_command(
        ack: Ack,
        command: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        first, rest = first_word(command.get("text") or "")
        key = workspace_of(context, body)
        user_id = command["user_id"]
        match first.lower():
            case "" | "new":
                ack()
                draft = IssueDraft(title=plain_from_slack(rest)) if rest else None
                origin = blocks.FormOrigin(response_url=command.get("response_url"))
                client.views_open(trigger_id=command["trigger_id"], view=blocks.issue_form(origin, draft))
            case "list":
                list_issues(ack, respond, key, user_id, rest)
            case "show":
                show_issue(ack, respond, key, rest)
            case "assign":
                assign_by_command(ack, respond, client, key, user_id, rest, logger)
            case "close":
                close_issue(ack, respond, client, key, user_id, rest, logger)
            case "reopen":
                reopen_by_command(ack, respond, client, key, user_id, rest, logger)
            case "export":
                ack()
                export_issues(respond, client, key, user_id, logger)
            case "help":
                ack(**blocks.help_message().as_kwargs())
            case _ if not rest and _NUMBER.fullmatch(first):
                show_issue(ack, respond, key, first)  # `/issue 12` alone: no one raises "12"
            case _:
                raise_issue_from_title(ack, command, body, respond, client, context, logger)

    def list_issues(ack: Ack, respond: Respond, key: WorkspaceKey, user_id: str, asked: str) -> None:
        try:
            view = IssueView(asked.lower() or IssueView.OPEN)
        except ValueError:
            ack(**blocks.unknown_list(asked).as_kwargs())
            return
        ack()
        zone = workspaces.settings_for(key).timezone
        found = tracker.list_issues(key, view, user_id=user_id, limit=blocks.LIST_LIMIT)
        answer(respond, blocks.issue_list(found, view, zone))

    def show_issue(ack: Ack, respond: Respond, key: WorkspaceKey, asked: str) -> None:
        number = _number_or_explain(ack, asked, "show 12")
        if number is None:
            return
        ack()
        try:
            details = tracker.details(key, number)
        except IssueNotFound as missing:
            answer(respond, blocks.notice(str(missing)))
            return
        answer(respond, blocks.issue_details(details, workspaces.settings_for(key).timezone))

    def assign_by_command(
        ack: Ack,
        respond: Respond,
        client: WebClient,
        key: WorkspaceKey,
        user_id: str,
        rest: str,
        logger: logging.Logger,
    ) -> None:
        asked, who = first_word(rest)
        number = _number_or_explain(ack, asked, "assign 12 @person")
        if number is None:
            return
        named = mentioned_users(who)
        if len(named) != 1 or not _is_user_id(named[0]):
            ack(
                **blocks.notice(
                    f"Mention the one person to give #{number} to, like `/issue assign {number} @ben`."
                ).as_kwargs()
            )
            return
        ack()
        owner_id = named[0]
        problem = unassignable(client, owner_id)
        if problem:
            answer(respond, blocks.notice(problem))
            return
        work_by_command(
            respond,
            client,
            key,
            number,
            user_id,
            lambda k, n, actor: tracker.assign(k, n, owner_id, actor),
            lambda issue: f"#{issue.number} is already {user(owner_id)}'s.",
            logger,
        )

    def close_issue(
        ack: Ack,
        respond: Respond,
        client: WebClient,
        key: WorkspaceKey,
        user_id: str,
        rest: str,
        logger: logging.Logger,
    ) -> None:
        asked, typed_note = first_word(rest)
        number = _number_or_explain(ack, asked, "close 12 [note]")
        if number is None:
            return
        ack()
        note = plain_from_slack(typed_note)
        work_by_command(
            respond,
            client,
            key,
            number,
            user_id,
            lambda k, n, actor: tracker.close(k, n, actor, note),
            lambda issue: (
                f"#{issue.number} is already closed ({issue.status.label})."
                + (" To add a note, reply in its card's thread." if note else "")
            ),
            logger,
            note=note,
        )

    def reopen_by_command(
        ack: Ack,
        respond: Respond,
        client: WebClient,
        key: WorkspaceKey,
        user_id: str,
        rest: str,
        logger: logging.Logger,
    ) -> None:
        number = _number_or_explain(ack, rest, "reopen 12")
        if number is None:
            return
        ack()
        work_by_command(
            respond,
            client,
            key,
            number,
            user_id,
            reopen_if_closed,
            lambda issue: f"#{issue.number} isn't closed: it is {issue.status.label}.",
            logger,
        )

    def work_by_command(
        respond: Respond,
        client: WebClient,
        key: WorkspaceKey,
        number: int,
        user_id: str,
        change: Change,
        already: Callable[[SharedIssue], str],
        logger: logging.Logger,
        note: str = "",
    ) -> None:
        actor = admins.actor(client, user_id)
        try:
            changed = change(key, number, actor)
        except AlreadyTaken as taken:
            answer(respond, blocks.notice(f"{user(taken.owner_id)} already owns #{number}."))
            return
        except TandemError as refusal:
            answer(respond, blocks.notice(str(refusal)))
            return
        if not changed.changed:
            answer(respond, blocks.notice(already(changed.issue)))
            return
        problem = publish(client, key, changed, logger, note)
        done = blocks.change_done(changed.issue, changed.changes)
        answer(respond, blocks.notice(f"{done.text}\n:warning: {problem}") if problem else done)

    def export_issues(
        respond: Respond, client: WebClient, key: WorkspaceKey, user_id: str, logger: logging.Logger
    ) -> None:
        if not admins.actor(client, user_id).is_admin:
            answer(respond, blocks.notice("Only Tandem's admins export the tracker."))
            return
        out = io.StringIO()
        count = write_export(export.rows(key), ExportFormat.CSV, out)
        today = datetime.now(workspaces.settings_for(key).timezone).date()
        try:
            # files_upload_v2 needs a channel id: the direct message with the admin, opened if need be.
            direct = str(client.conversations_open(users=user_id)["channel"]["id"])
            client.files_upload_v2(
                channel=direct,
                filename=f"tandem-issues-{today.isoformat()}.csv",
                title=f"Shared issues, {today.isoformat()}",
                content=out.getvalue(),
                initial_comment=f"The shared tracker's {count} issues, as of today, as you asked.",
            )
        except SlackApiError as failure:
            error = error_of(failure)
            logger.warning(
                "Could not send the issue export to %s in team %s: %s", user_id, key.team_id, error
            )
            answer(respond, blocks.notice(f"I couldn't send you the export: Slack said `{error}`."))
            return
        answer(
            respond,
            blocks.notice(
                f":white_check_mark: I've sent you {count} issues as a CSV file in a direct message."
            ),
        )

    # Raising

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
        user_id = command["user_id"]
        raised = tracker.raise_issue(
            key,
            draft,
            raised_by=user_id,
            raised_by_team=people.team_of(key, user_id),
            request_key=command.get("trigger_id"),
        )
        _, confirmation = post_card(client, key, raised, logger)
        answer(respond, confirmation)

    def open_issue_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=blocks.issue_form(blocks.FormOrigin()))

    def raise_issue_from_message(
        ack: Ack, shortcut: dict[str, Any], client: WebClient, logger: logging.Logger
    ) -> None:
        ack()
        shared = shared_message(client, shortcut, logger)
        origin = blocks.FormOrigin(
            response_url=shortcut.get("response_url"),
            source_channel=shared.channel,
            # A reply goes in the thread the message is in, or starts one under it.
            source_thread_ts=shared.thread_ts,
            source_permalink=shared.permalink,
        )
        form = blocks.issue_form(origin, blocks.draft_from_message(shared.text))
        client.views_open(trigger_id=shortcut["trigger_id"], view=form)

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
        origin = blocks.FormOrigin.loads(view.get("private_metadata") or "")
        try:
            # Stored before the form closes, so a problem shows under its field, nothing half-saved.
            raised = tracker.raise_issue(
                key,
                draft,
                raised_by=user_id,
                raised_by_team=people.team_of(key, user_id),
                request_key=view["id"],
                source_permalink=origin.source_permalink,
            )
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.form_errors(invalid.problems))
            return
        ack()
        issue, confirmation = post_card(client, key, raised, logger)
        if origin.source_channel and origin.source_thread_ts and not raised.already_raised:
            problem = reply_under_source(
                client, origin.source_channel, origin.source_thread_ts, issue, logger
            )
            if problem:
                confirmation = blocks.notice(f"{confirmation.text}\n{problem}")
        if origin.response_url:
            WebhookClient(origin.response_url, proxy=None).send(
                **confirmation.as_kwargs(), response_type="ephemeral"
            )
        else:
            # Opened from a shortcut or App Home: no channel to answer in, so the app's DM.
            client.chat_postMessage(channel=user_id, **confirmation.as_kwargs())

    def post_card(
        client: WebClient, key: WorkspaceKey, raised: RaisedIssue, logger: logging.Logger
    ) -> tuple[SharedIssue, Message]:
        return post_issue_card(client, tracker, workspaces, key, raised, logger)

    def reply_under_source(
        client: WebClient, channel: str, thread_ts: str, issue: SharedIssue, logger: logging.Logger
    ) -> str | None:
        """Say in the source message's thread that it is now an issue; a note for the raiser if not."""
        try:
            client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                unfurl_links=False,
                **blocks.raised_from_message_note(issue).as_kwargs(),
            )
        except SlackApiError as failure:
            error = error_of(failure)
            logger.warning("Could not reply under the message #%s came from: %s", issue.number, error)
            if error == "not_in_channel":
                return "I couldn't reply under the message: invite Tandem there with `/invite @Tandem`."
            return "I couldn't reply under the message."
        return None

    # Working an issue from its card

    def take_issue(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        work_from_card(body, action, client, context, logger, tracker.take)

    def assign_issue(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        owner_id = str(action.get("selected_user") or "")

        def assign(key: WorkspaceKey, number: int, actor: Actor) -> Changed:
            problem = unassignable(client, owner_id)
            if problem:
                raise InvalidInput({"owner_id": problem})
            return tracker.assign(key, number, owner_id, actor)

        work_from_card(body, action, client, context, logger, assign)

    def change_status(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        chosen = str((action.get("selected_option") or {}).get("value") or "")
        if chosen not in set(Status):
            logger.warning("Unknown status %r chosen on a card", chosen)
            return

        def move(key: WorkspaceKey, number: int, actor: Actor) -> Changed:
            return tracker.set_status(key, number, Status(chosen), actor)

        work_from_card(body, action, client, context, logger, move)

    def set_due_date(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        picked = action.get("selected_date")
        due_on = date.fromisoformat(picked) if picked else None

        def set_due(key: WorkspaceKey, number: int, actor: Actor) -> Changed:
            return tracker.set_due(key, number, due_on, actor)

        work_from_card(body, action, client, context, logger, set_due)

    def reopen_issue(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        work_from_card(body, action, client, context, logger, reopen_if_closed)

    def reopen_if_closed(key: WorkspaceKey, number: int, actor: Actor) -> Changed:
        # A stale Reopen button, or `/issue reopen` on an issue in progress, must not reset it to Open.
        current = tracker.issue(key, number)
        if current.status.is_open:
            return Changed(current, ())
        return tracker.reopen(key, number, actor)

    def work_from_card(
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
        change: Change,
    ) -> None:
        """Make a change asked for on a card (or on App Home); the card always ends up showing the
        issue as it is, and a click on App Home is answered by publishing it again."""
        key = workspace_of(context, body)
        user_id = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        number = blocks.number_in(action)
        if number is None:
            logger.warning("A card action without an issue number: %r", action.get("block_id"))
            return
        actor = admins.actor(client, user_id)
        refused: str | None = None
        try:
            changed = change(key, number, actor)
        except AlreadyTaken as taken:
            refused = f"{user(taken.owner_id)} already took #{number}."
        except TandemError as refusal:
            refused = str(refusal)
        if refused is not None:
            answer_click(client, body, context, channel, user_id, refused, logger)
            # A menu keeps showing what was picked even when nothing changed: redraw the card as it is.
            # The card's update comes last, always: it is the sign the click has been dealt with.
            refresh_card(client, key, number, logger)
            return
        if _on_app_home(body):
            done = blocks.change_note(number, changed.changes).text if changed.changed else ""
            home.refresh(client, body, context, notice=f":white_check_mark: {done}" if done else "")
        problem = publish(client, key, changed, logger)
        if problem:
            answer_click(client, body, context, channel, user_id, problem, logger)

    def answer_click(
        client: WebClient,
        body: dict[str, Any],
        context: BoltContext,
        channel: str | None,
        user_id: str,
        text: str,
        logger: logging.Logger,
    ) -> None:
        """Tell the clicker something: at the top of App Home for a click there, else only to them."""
        if _on_app_home(body):
            home.refresh(client, body, context, notice=text)
        else:
            tell(client, channel, user_id, text, logger)

    def publish(
        client: WebClient, key: WorkspaceKey, changed: Changed, logger: logging.Logger, note: str = ""
    ) -> str | None:
        """Tell the card's thread what changed, then redraw the card; a problem worth telling, if any."""
        if changed.changed:
            issue = changed.issue
            announce(client, issue, blocks.change_note(issue.number, changed.changes, note), logger)
        return refresh_card(client, key, changed.issue.number, logger)

    def refresh_card(client: WebClient, key: WorkspaceKey, number: int, logger: logging.Logger) -> str | None:
        """Redraw the issue's card from what is stored now; a sentence for the person if it failed."""
        try:
            # Read after the change committed, so of two quick changes the later redraw shows both.
            issue = tracker.issue(key, number)
        except IssueNotFound:
            return None
        if issue.card is None:
            return None
        card = blocks.issue_card(issue, workspaces.settings_for(key).timezone)
        try:
            client.chat_update(channel=issue.card.channel, ts=issue.card.ts, **card.as_kwargs())
        except SlackApiError as failure:
            error = error_of(failure)
            logger.warning("Could not update the card of #%s in team %s: %s", number, key.team_id, error)
            reason = _CARD_FAILURES.get(error, "Slack refused it. It will catch up on the next change.")
            return f"#{number} is saved, but I couldn't update its card: {reason}"
        return None

    def announce(client: WebClient, issue: SharedIssue, note: Message, logger: logging.Logger) -> None:
        """A reply in the card's thread; losing it loses no data, so a failure is only logged."""
        if issue.card is None:
            return
        try:
            client.chat_postMessage(
                channel=issue.card.channel,
                thread_ts=issue.card.ts,
                unfurl_links=False,
                unfurl_media=False,
                **note.as_kwargs(),
            )
        except SlackApiError as failure:
            logger.warning("Could not reply under the card of #%s: %s", issue.number, error_of(failure))

    # Comments and details

    def open_comment_form(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        issue = clicked_issue(body, action, client, context, logger, tracker.issue)
        if issue is not None:
            client.views_open(trigger_id=body["trigger_id"], view=blocks.comment_form(issue))

    def clicked_issue(
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
        read: Callable[[WorkspaceKey, int], T],
    ) -> T | None:
        """The issue a button was pressed for, read by `read`; None (the clicker told why) if it is gone."""
        number = blocks.number_in(action)
        if number is None:
            return None
        try:
            return read(workspace_of(context, body), number)
        except IssueNotFound as missing:
            tell(client, (body.get("channel") or {}).get("id"), body["user"]["id"], str(missing), logger)
            return None

    def save_comment(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        number, text = blocks.read_comment_form(view)
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            # The view id is the request key: a double submit of the same form stores one comment.
            comment = tracker.comment(key, number, user_id, text, source="card", request_key=view["id"])
        except (InvalidInput, IssueNotFound) as problem:
            ack(response_action="errors", errors={blocks.COMMENT_BLOCK: str(problem)})
            return
        ack()
        if comment is None:
            return  # already said in the thread by the first submission
        try:
            issue = tracker.issue(key, number)
        except IssueNotFound:
            return
        announce(client, issue, blocks.comment_note(number, user_id, comment.text), logger)
        refresh_card(client, key, number, logger)

    def store_thread_reply(
        event: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        """A person's reply in a card's thread becomes a comment on its issue."""
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if not thread_ts or not ts or thread_ts == ts:
            return  # not a reply in a thread
        if event.get("bot_id") or event.get("subtype") not in _PEOPLES_SUBTYPES or not event.get("user"):
            return  # Tandem's own notes, other apps, edits and deletions
        key = workspace_of(context, body)
        channel = str(event.get("channel") or "")
        number = tracker.number_for_card(key, channel, str(thread_ts))
        if number is None:
            return
        text = plain_from_slack(with_names(client, str(event.get("text") or ""), logger))
        if not text:
            return
        try:
            # The message's ts is the request key: Slack's retries and redeliveries store it once.
            tracker.comment(key, number, event["user"], text, source="thread", request_key=str(ts))
        except InvalidInput as invalid:
            try:
                client.chat_postEphemeral(
                    channel=channel,
                    user=event["user"],
                    thread_ts=str(thread_ts),
                    text=f"I couldn't keep that reply as a comment on #{number}: {invalid}",
                )
            except SlackApiError as failure:
                logger.warning("Could not tell %s why: %s", event["user"], error_of(failure))
            return
        except IssueNotFound:
            return
        # Redrawn on every delivery, retries included, so the card's comment count is right.
        refresh_card(client, key, number, logger)

    def show_details(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        details = clicked_issue(body, action, client, context, logger, tracker.details)
        if details is not None:
            actor = admins.actor(client, body["user"]["id"])
            view = details_view(workspace_of(context, body), details, actor)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def change_priority(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        number = blocks.number_in(action)
        chosen = str((action.get("selected_option") or {}).get("value") or "")
        if number is None or chosen not in set(Priority):
            return
        actor = admins.actor(client, user_id)
        problem: str | None
        try:
            changed = tracker.set_priority(key, number, Priority(chosen), actor)
        except TandemError as refusal:
            problem = str(refusal)
        else:
            problem = publish(client, key, changed, logger)
        redraw_details(client, body["view"]["id"], key, number, actor, problem)

    def delete_issue(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        number = blocks.number_in(action)
        if number is None:
            return
        actor = admins.actor(client, user_id)
        try:
            gone = tracker.delete(key, number, actor)
        except TandemError as refusal:
            redraw_details(client, body["view"]["id"], key, number, actor, str(refusal))
            return
        if gone.card is not None:
            # Said first: Slack keeps a deleted message's thread, so the note explains the gap.
            announce(client, gone, blocks.deleted_note(gone, user_id), logger)
            try:
                client.chat_delete(channel=gone.card.channel, ts=gone.card.ts)
            except SlackApiError as failure:
                logger.warning("Could not delete the card of #%s: %s", number, error_of(failure))
        client.views_update(view_id=body["view"]["id"], view=blocks.deleted_view(gone, user_id))

    def details_view(
        key: WorkspaceKey, details: IssueDetails, actor: Actor, problem: str | None = None
    ) -> View:
        return blocks.details_view(
            details,
            workspaces.settings_for(key).timezone,
            may_change=details.issue.may_be_changed_by(actor),
            may_delete=actor.is_admin,
            notice_text=problem,
        )

    def redraw_details(
        client: WebClient, view_id: str, key: WorkspaceKey, number: int, actor: Actor, problem: str | None
    ) -> None:
        try:
            view = details_view(key, tracker.details(key, number), actor, problem)
        except IssueNotFound as missing:
            view = blocks.gone_view(number, str(missing))
        client.views_update(view_id=view_id, view=view)

    # Small helpers that talk to Slack

    def tell(client: WebClient, channel: str | None, user_id: str, text: str, logger: logging.Logger) -> None:
        """A short answer only the clicker sees, where they clicked (else in the app's DM)."""
        try:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user_id, text=text)
            else:
                client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError as failure:
            logger.warning("Could not tell %s: %s", user_id, error_of(failure))

    def unassignable(client: WebClient, user_id: str) -> str | None:
        """Why `user_id` cannot own an issue (not a person here), or None when they can."""
        try:
            found = client.users_info(user=user_id)["user"]
        except SlackApiError:
            return "I can't find that person in this workspace."
        if found.get("deleted"):
            return f"{user(user_id)} is no longer in this workspace."
        if found.get("is_bot") or user_id == "USLACKBOT":
            return "Issues are owned by people, not by apps or bots."
        return None

    # Registered in one place, one line each.
    app.command(blocks.COMMAND)(handle_issue_command)
    app.shortcut(blocks.RAISE_SHORTCUT)(open_issue_form)
    app.shortcut(blocks.RAISE_FROM_MESSAGE_SHORTCUT)(raise_issue_from_message)
    app.action(blocks.OPEN_FORM_ACTION)(open_issue_form)
    app.view_submission(blocks.FORM)(save_issue)
    app.action(blocks.TAKE_ACTION)(take_issue)
    app.action(blocks.ASSIGN_ACTION)(assign_issue)
    app.action(blocks.STATUS_ACTION)(change_status)
    app.action(blocks.DUE_ACTION)(set_due_date)
    app.action(blocks.REOPEN_ACTION)(reopen_issue)
    app.action(blocks.COMMENT_ACTION)(open_comment_form)
    app.view_submission(blocks.COMMENT_FORM)(save_comment)
    app.event("message")(store_thread_reply)
    app.action(blocks.DETAILS_ACTION)(show_details)
    app.action(blocks.PRIORITY_ACTION)(change_priority)
    app.action(blocks.DELETE_ACTION)(delete_issue)


def post_issue_card(
    client: WebClient,
    tracker: Tracker,
    workspaces: Workspaces,
    key: WorkspaceKey,
    raised: RaisedIssue,
    logger: logging.Logger,
) -> tuple[SharedIssue, Message]:
    """Post the issue's card to the tracker channel, once; the issue, and what to tell its raiser."""
    issue = raised.issue
    if issue.card is not None:
        return issue, blocks.raised_confirmation(issue, already_raised=True)
    settings = workspaces.settings_for(key)
    channel = settings.tracker_channel
    if channel is None:
        reason = "no tracker channel is set. Ask your admin to set TANDEM_TRACKER_CHANNEL."
        return issue, blocks.card_not_posted(issue, None, reason)
    card = blocks.issue_card(issue, settings.timezone)
    try:
        posted = client.chat_postMessage(channel=channel, unfurl_links=False, **card.as_kwargs())
    except SlackApiError as failure:
        error = error_of(failure)
        logger.warning(
            "Could not post the card of issue #%s to %s in team %s: %s",
            issue.number,
            channel,
            key.team_id,
            error,
        )
        reason = _CARD_FAILURES.get(error, "Slack refused it. Please try again in a moment.")
        return issue, blocks.card_not_posted(issue, channel, reason)
    posted_channel, ts = str(posted["channel"]), str(posted["ts"])
    try:
        permalink: str | None = str(
            client.chat_getPermalink(channel=posted_channel, message_ts=ts)["permalink"]
        )
    except SlackApiError:
        logger.warning("No permalink for issue #%s's card in %s", issue.number, posted_channel)
        permalink = None
    issue = tracker.record_card(key, issue.number, Card(posted_channel, ts, permalink))
    return issue, blocks.raised_confirmation(issue, already_raised=raised.already_raised)


def _number_or_explain(ack: Ack, asked: str, usage: str) -> int | None:
    """The issue number typed ("12" or "#12"); otherwise acknowledges with how to type one."""
    found = _NUMBER.fullmatch(asked.strip())
    if found:
        return int(found.group(1))
    if not asked.strip():
        ack(**blocks.notice(f"Which issue? Name it by number: `/issue {usage}`.").as_kwargs())
    else:
        shown = escape(cut(plain_from_slack(asked), 30))
        ack(**blocks.notice(f"`{shown}` isn't an issue number. Try `/issue {usage}`.").as_kwargs())
    return None


def _is_user_id(candidate: str) -> bool:
    try:
        user(candidate)
    except ValueError:
        return False
    return True


def _on_app_home(body: dict[str, Any]) -> bool:
    return bool((body.get("view") or {}).get("type") == "home")
