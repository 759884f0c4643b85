"""Field notes in Slack: `/fieldnote` (the form, a quick note, list, search, help), the card in the
field-notes channel with its Details and Edit buttons, follow-ups' tracker cards, App Home's button."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import fieldnotes as blocks
from bot.blocks.text import Message, cut, escape, notice, plain_from_slack
from bot.errors import InvalidInput, TandemError
from bot.fieldnotes import (
    FieldNote,
    FollowUpDraft,
    NoteDraft,
    NoteNotFound,
    Saved,
    problems_with,
    quick_draft,
)
from bot.issues import IssueNotFound, RaisedIssue
from bot.people import Actor
from bot.services import Services
from bot.workspaces import WorkspaceKey
from handlers.answers import Origin, answer, origin_of, say, tell_where_opened, with_origin
from handlers.context import Admins, Timezones, workspace_of
from handlers.home import Home
from handlers.issues import post_issue_card
from handlers.text import error_of, first_word

_SUBCOMMANDS = frozenset({"help", "list", "search"})
SEARCH_HINT = ":mag: Search for words, like `/fieldnote search pricing SSO`."
NOT_YOURS = ":no_entry: Only the note's author, for 7 days after logging it, and Tandem's admins can edit it."


def register(app: App, services: Services, admins: Admins, home: Home) -> None:
    """Wire `/fieldnote`, the note form, the card's buttons and App Home's "Log a field note"."""
    fieldnotes, tracker, workspaces = services.fieldnotes, services.tracker, services.workspaces
    zones = Timezones()

    def issue_links(key: WorkspaceKey, note: FieldNote) -> dict[int, str]:
        """Where the cards of the issues a note's follow-ups became are, so its card links them."""
        links = {}
        for follow_up in note.follow_ups:
            if follow_up.issue_number is None:
                continue
            try:
                card = tracker.issue(key, follow_up.issue_number).card
            except IssueNotFound:  # deleted from the tracker since: the number stays, unlinked
                continue
            if card is not None and card.permalink:
                links[follow_up.issue_number] = card.permalink
        return links

    def today_for(client: WebClient, key: WorkspaceKey, user_id: str) -> date:
        """The day it is for this person, in their own timezone."""
        zone = zones.zone(client, user_id, fieldnotes.settings(key).timezone)
        return services.clock().astimezone(zone).date()

    # `/fieldnote` and its subcommands

    def handle_fieldnote_command(
        ack: Ack,
        command: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        text = (command.get("text") or "").strip()
        first, rest = first_word(text)
        key, user_id = workspace_of(context, body), command["user_id"]
        asked = first.lower() if first.lower() in _SUBCOMMANDS else None
        match asked:
            case "help":
                ack(**blocks.help_message().as_kwargs())
            case "list":
                ack()
                list_notes(respond, key, user_id, rest)
            case "search":
                ack()
                search_notes(respond, key, rest)
            case None if not text:
                ack()
                origin = Origin(response_url=command.get("response_url"))
                form = blocks.note_form(None, today=today_for(client, key, user_id), author_id=user_id)
                client.views_open(trigger_id=command["trigger_id"], view=with_origin(form, origin))
            case _:
                ack()
                log_quickly(command, respond, client, key, text, logger)

    def list_notes(respond: Respond, key: WorkspaceKey, user_id: str, asked: str) -> None:
        account = plain_from_slack(asked).strip()
        if not account:
            found = fieldnotes.recent(key)
            title = "Recent field notes"
        elif account.lower() == "mine":
            found = fieldnotes.recent(key, author=user_id)
            title = "Your field notes"
        else:
            found = fieldnotes.recent(key, account=account)
            title = f"Field notes on {account}"
        answer(respond, blocks.notes_list(found, title))

    def search_notes(respond: Respond, key: WorkspaceKey, asked: str) -> None:
        words = plain_from_slack(asked).strip()
        if not any(character.isalnum() for character in words):
            say(respond, SEARCH_HINT)
            return
        try:
            found = fieldnotes.search(key, words)
        except InvalidInput as invalid:
            say(respond, f":mag: {escape(' '.join(invalid.problems.values()))}")
            return
        answer(respond, blocks.notes_list(found, f"Field notes matching “{cut(words, 60)}”"))

    def log_quickly(
        command: dict[str, Any],
        respond: Respond,
        client: WebClient,
        key: WorkspaceKey,
        text: str,
        logger: logging.Logger,
    ) -> None:
        """`/fieldnote Acme Corp: they want SSO`: stored and posted at once, or a clear refusal."""
        user_id = command["user_id"]
        today = today_for(client, key, user_id)
        try:
            draft = quick_draft(plain_from_slack(text), today)
            problems = problems_with(draft, today)
            if problems:
                raise InvalidInput(problems)
            # The trigger id is the request key: a command delivered twice stores one note.
            saved = fieldnotes.save(key, Actor(user_id), draft, request_key=command["trigger_id"])
        except InvalidInput as invalid:
            answer(respond, blocks.problems_answer(invalid.problems))
            return
        answer(respond, post_note(client, key, saved, logger))

    # Posting: the follow-ups' tracker cards, then the note's card and its thread

    def post_note(client: WebClient, key: WorkspaceKey, saved: Saved, logger: logging.Logger) -> Message:
        """Post a new note's follow-up issues and its card, once; what to tell its author."""
        note = saved.note
        channel = fieldnotes.settings(key).channel
        if saved.repeated:
            return blocks.saved_answer(note, note.card_channel or channel, ())
        problems = post_follow_ups(client, key, saved, logger)
        if channel is None:
            return with_problems(blocks.saved_answer(note, None, saved.raised), problems)
        try:
            posted = client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                **blocks.note_card(note, issue_links(key, note)).as_kwargs(),
            )
        except SlackApiError as failure:
            problem = error_of(failure)
            logger.warning(
                "Could not post note %s to %s in team %s: %s", note.id, channel, key.team_id, problem
            )
            return with_problems(not_posted(note, channel, problem), problems)
        posted_channel, ts = str(posted["channel"]), str(posted["ts"])
        permalink: str | None = None
        try:
            permalink = str(client.chat_getPermalink(channel=posted_channel, message_ts=ts)["permalink"])
        except SlackApiError as failure:
            logger.warning("No permalink for note %s's card: %s", note.id, error_of(failure))
        # Remembered before the thread starts: an edit finds the card again whatever happens next.
        note = fieldnotes.record_card(key, note.id, posted_channel, ts, permalink)
        try:
            client.chat_postMessage(
                channel=posted_channel, thread_ts=ts, **blocks.thread_starter().as_kwargs()
            )
        except SlackApiError as failure:  # people can still start the thread themselves
            logger.info("No first reply under note %s's card: %s", note.id, error_of(failure))
        return with_problems(blocks.saved_answer(note, posted_channel, saved.raised), problems)

    def post_follow_ups(
        client: WebClient, key: WorkspaceKey, saved: Saved, logger: logging.Logger
    ) -> list[str]:
        """Post the card of each issue the note's follow-ups raised now; what went wrong, if anything."""
        problems: list[str] = []
        for number in saved.raised:
            try:
                issue = tracker.issue(key, number)
            except IssueNotFound:  # deleted in the meantime: nothing to post
                continue
            issue, confirmation = post_issue_card(
                client, tracker, workspaces, key, RaisedIssue(issue, already_raised=False), logger
            )
            if issue.card is None:
                problems.append(confirmation.text)
        return problems

    def update_card(
        client: WebClient, key: WorkspaceKey, note: FieldNote, logger: logging.Logger
    ) -> str | None:
        """Redraw an edited note's card; a sentence for the editor if Slack refused."""
        if not (note.card_channel and note.card_ts):
            return None
        try:
            client.chat_update(
                channel=note.card_channel,
                ts=note.card_ts,
                **blocks.note_card(note, issue_links(key, note)).as_kwargs(),
            )
        except SlackApiError as failure:
            problem = error_of(failure)
            logger.warning("Could not update note %s's card: %s", note.id, problem)
            if problem == "message_not_found":
                return "Its card was deleted from the channel, so there is nothing to update."
            return f"I couldn't update its card: Slack said `{escape(cut(problem, 60))}`."
        return None

    # The note form: opened by `/fieldnote`, App Home, or a card's Edit

    def open_note_form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        origin = Origin(home_state=str((body.get("view") or {}).get("private_metadata") or ""))
        form = blocks.note_form(None, today=today_for(client, key, user_id), author_id=user_id)
        client.views_open(trigger_id=body["trigger_id"], view=with_origin(form, origin))

    def save_note(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        draft, errors, editing = blocks.read_note_form(view)
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            # Checked and stored before the form closes, so a problem shows under its field.
            problems = problems_with(draft, today_for(client, key, user_id))
            if problems:
                raise InvalidInput(problems)
            if editing is not None:
                saved = fieldnotes.edit(key, editing, admins.actor(client, user_id), draft)
            else:
                # The view id is the request key: a double submit of the same form stores one note.
                saved = fieldnotes.save(key, Actor(user_id), draft, request_key=view["id"])
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.form_errors(invalid.problems))
            return
        except TandemError as refusal:  # no longer theirs to edit, or deleted meanwhile
            ack(response_action="errors", errors=blocks.form_errors({"account": str(refusal)}))
            return
        ack()
        if editing is None:
            done = post_note(client, key, saved, logger)
        else:
            problems_seen = post_follow_ups(client, key, saved, logger)
            problem = update_card(client, key, saved.note, logger)
            done = with_problems(
                blocks.edited_answer(saved.note), problems_seen + ([problem] if problem else [])
            )
        tell_where_opened(client, home, key, user_id, origin_of(view), done)

    # The card's buttons

    def show_note(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        note = clicked_note(body, action, respond, context)
        if note is not None:
            client.views_open(trigger_id=body["trigger_id"], view=blocks.details_view(note))

    def edit_note(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        note = clicked_note(body, action, respond, context)
        if note is None:
            return
        if not note.may_be_edited_by(admins.actor(client, body["user"]["id"]), services.clock()):
            say(respond, NOT_YOURS, replace_original=False)
            return
        origin = Origin(response_url=body.get("response_url"))
        today = today_for(client, workspace_of(context, body), body["user"]["id"])
        form = blocks.note_form(draft_of(note), today=today, author_id=note.author_id, editing=note.id)
        client.views_open(trigger_id=body["trigger_id"], view=with_origin(form, origin))

    def clicked_note(
        body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
    ) -> FieldNote | None:
        """The note a card's button is about, or None once the clicker heard it is gone."""
        try:
            note_id = blocks.note_id_in(action)
            if note_id is None:
                raise NoteNotFound()
            return fieldnotes.note(workspace_of(context, body), note_id)
        except TandemError:
            say(respond, ":information_source: That note is no longer there.", replace_original=False)
            return None

    # Registered in one place, one line each.
    app.command(blocks.COMMAND)(handle_fieldnote_command)
    app.action(blocks.OPEN_FORM_ACTION)(open_note_form)
    app.view_submission(blocks.FORM)(save_note)
    app.action(blocks.DETAILS_ACTION)(show_note)
    app.action(blocks.EDIT_ACTION)(edit_note)


def draft_of(note: FieldNote) -> NoteDraft:
    """A stored note as the edit form shows it again."""
    return NoteDraft(
        account=note.account,
        visited_on=note.visited_on,
        kind=note.kind,
        went=note.went,
        met=note.met,
        heard=note.heard,
        competitors=note.competitors,
        feedback=note.feedback,
        follow_ups=tuple(FollowUpDraft(f.text, f.to_tracker, f.owner_id) for f in note.follow_ups),
    )


def not_posted(note: FieldNote, channel: str, problem: str) -> Message:
    """The note is stored, but its card could not be posted: why, in words the author can act on."""
    if problem == "not_in_channel":
        why = f"Tandem isn't in <#{channel}> yet: invite it there with `/invite @Tandem`."
    else:
        why = f"I couldn't post its card in <#{channel}>: Slack said `{escape(cut(problem, 60))}`."
    saved = f":white_check_mark: Your note on *{escape(cut(note.account, 100))}* is saved."
    return notice(f"{saved}\n:warning: {why}")


def with_problems(message: Message, problems: list[str]) -> Message:
    """An answer, followed by what did not work out along the way."""
    if not problems:
        return message
    return notice("\n".join([message.text, *(f":warning: {problem}" for problem in problems)]))
