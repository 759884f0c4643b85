"""Wins in Slack: `/win` (quick, the form, the leaderboard, settings), the "Celebrate as a win" shortcut,
the card in the wins channel with its Edit/Delete menu, and App Home's wins buttons."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import wins as blocks
from bot.blocks.text import Message, cut, escape, mentioned_users, plain_from_slack
from bot.errors import InvalidInput, TandemError
from bot.people import Actor
from bot.services import Services
from bot.wins import Celebrated, Period, TooManyWins, Win, WinDraft, WinNotFound, problems_with
from bot.workspaces import WorkspaceKey
from handlers.answers import (
    Origin,
    answer,
    closing_view,
    origin_of,
    saved_or_refused,
    say,
    tell_where_opened,
    with_origin,
)
from handlers.context import Admins, workspace_of
from handlers.home import Home
from handlers.text import error_of, first_word, shared_message

CELEBRATION = "tada"  # the reaction Tandem adds to each card; people add their own
LOOKUPS_AT_ONCE = 8  # users.info calls made side by side while a form waits for its answer
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>|]*))?>")
_SUBCOMMANDS = frozenset({"help", "leaderboard", "settings"})


def register(app: App, services: Services, admins: Admins, home: Home) -> None:
    """Wire `/win`, the forms, the shortcut, the card's menu and App Home's wins buttons."""
    wins = services.wins

    # `/win` and its subcommands

    def handle_win_command(
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
        # "/win Settings page shipped, thanks @ben" is a win, not the settings: a subcommand's word
        # followed by mentions is the win's text.
        asked = first.lower() if first.lower() in _SUBCOMMANDS and not mentioned_users(rest) else None
        match asked:
            case "help":
                ack(**blocks.help_message().as_kwargs())
            case "leaderboard":
                show_leaderboard(ack, respond, key, rest)
            case "settings":
                ack()
                if not admins.actor(client, user_id).is_admin:
                    say(respond, NOT_AN_ADMIN)
                    return
                origin = Origin(response_url=command.get("response_url"))
                form = with_origin(blocks.settings_form(wins.settings(key)), origin)
                client.views_open(trigger_id=command["trigger_id"], view=form)
            case None if not text:
                ack()
                origin = Origin(response_url=command.get("response_url"))
                client.views_open(
                    trigger_id=command["trigger_id"], view=with_origin(blocks.win_form(), origin)
                )
            case _:
                celebrate_quickly(ack, command, respond, client, key, text, logger)

    def show_leaderboard(ack: Ack, respond: Respond, key: WorkspaceKey, asked: str) -> None:
        try:
            period = Period(asked.lower() or Period.MONTH)
        except ValueError:
            shown = escape(cut(plain_from_slack(asked), 30))
            hint = (
                f"`{shown}` isn't a period I know. Try `/win leaderboard [week|month|quarter]`; "
                "it shows this month by default."
            )
            ack(**blocks.notice(hint).as_kwargs())
            return
        ack()
        answer(respond, blocks.leaderboard_message(wins.leaderboard(key, period)))

    def celebrate_quickly(
        ack: Ack,
        command: dict[str, Any],
        respond: Respond,
        client: WebClient,
        key: WorkspaceKey,
        text: str,
        logger: logging.Logger,
    ) -> None:
        """`/win <text>`: thank everyone mentioned, and post the card at once."""
        user_id = command["user_id"]
        thanked = tuple(dict.fromkeys(mentioned_users(text)))
        if not thanked:
            ack(**blocks.notice(f":information_source: {blocks.NOBODY_THANKED}").as_kwargs())
            return
        draft = WinDraft(text=plain_from_slack(text), thanked=thanked)
        problems = problems_with(draft, user_id)
        if problems:
            ack(**blocks.problems_answer(problems).as_kwargs())
            return
        ack()
        labels = {found[1]: found[2] for found in _MENTION.finditer(text) if found[2]}
        outsiders = strangers(client, key, [u for u in thanked if u != user_id], labels, logger)
        if outsiders:
            say(respond, f":no_entry: {escape(only_this_workspace(outsiders))}")
            return
        try:
            # The trigger id is the request key: a command delivered twice posts one card.
            celebrated = wins.celebrate(key, Actor(user_id), draft, request_key=command["trigger_id"])
        except InvalidInput as invalid:
            answer(respond, blocks.problems_answer(invalid.problems))
            return
        except TooManyWins as capped:
            say(respond, f":hourglass: {escape(str(capped))}")
            return
        answer(respond, post_card(client, key, celebrated, logger))

    # Posting the card

    def post_card(
        client: WebClient, key: WorkspaceKey, celebrated: Celebrated, logger: logging.Logger
    ) -> Message:
        """Post a new win's card to the wins channel, celebrate it and remember where it is; a repeated
        request posts nothing. What to tell the person who celebrated it."""
        win = celebrated.win
        channel = wins.settings(key).channel
        if celebrated.repeated:
            return blocks.celebrated_answer(win, win.card_channel or channel)
        if channel is None:
            return blocks.celebrated_answer(win, None)
        try:
            posted = client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False, **blocks.win_card(win).as_kwargs()
            )
        except SlackApiError as failure:
            problem = error_of(failure)
            logger.warning(
                "Could not post win %s to %s in team %s: %s", win.id, channel, key.team_id, problem
            )
            return blocks.card_not_posted(channel, problem)
        posted_channel, ts = str(posted["channel"]), str(posted["ts"])
        permalink: str | None = None
        try:
            permalink = str(client.chat_getPermalink(channel=posted_channel, message_ts=ts)["permalink"])
        except SlackApiError as failure:
            logger.warning(
                "No permalink for win %s's card in %s: %s", win.id, posted_channel, error_of(failure)
            )
        # Remembered before anything else can fail: the card is found again for an edit or a delete,
        # and the people thanked get their DM.
        win = wins.record_card(key, win.id, posted_channel, ts, permalink)
        try:
            client.reactions_add(channel=posted_channel, timestamp=ts, name=CELEBRATION)
        except SlackApiError as failure:  # a card without Tandem's reaction is still a card
            logger.info("No reaction on win %s's card: %s", win.id, error_of(failure))
        return blocks.celebrated_answer(win, posted_channel)

    def update_card(client: WebClient, win: Win, logger: logging.Logger) -> str | None:
        """Redraw an edited win's card; a sentence for the editor if Slack refused."""
        if not (win.card_channel and win.card_ts):
            return None
        try:
            client.chat_update(channel=win.card_channel, ts=win.card_ts, **blocks.win_card(win).as_kwargs())
        except SlackApiError as failure:
            problem = error_of(failure)
            logger.warning("Could not update win %s's card: %s", win.id, problem)
            if problem == "message_not_found":
                return "Its card was deleted from the channel, so there is nothing to update."
            return f"I couldn't update its card: Slack said `{escape(cut(problem, 60))}`."
        return None

    def delete_card(client: WebClient, win: Win, logger: logging.Logger) -> None:
        if not (win.card_channel and win.card_ts):
            return
        try:
            client.chat_delete(channel=win.card_channel, ts=win.card_ts)
        except SlackApiError as failure:
            # Already deleted by hand, or the channel is gone: the win is deleted all the same.
            logger.info("Could not delete win %s's card: %s", win.id, error_of(failure))

    # The win form: opened by `/win`, the shortcut, App Home, or a card's Edit

    def celebrate_from_message(
        ack: Ack, shortcut: dict[str, Any], client: WebClient, logger: logging.Logger
    ) -> None:
        ack()
        shared = shared_message(client, shortcut, logger)
        message = shortcut.get("message") or {}
        # A bot's message has nobody to thank behind it: the person picks who.
        author = None if message.get("bot_id") else message.get("user")
        draft = blocks.draft_from_message(shared.text, author, shortcut["user"]["id"], shared.permalink)
        origin = Origin(response_url=shortcut.get("response_url"))
        form = with_origin(blocks.win_form(draft, permalink=shared.permalink), origin)
        client.views_open(trigger_id=shortcut["trigger_id"], view=form)

    def open_win_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        origin = Origin(home_state=str((body.get("view") or {}).get("private_metadata") or ""))
        client.views_open(trigger_id=body["trigger_id"], view=with_origin(blocks.win_form(), origin))

    def save_win(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        draft, errors, edited = blocks.read_win_form(view)
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        key, user_id = workspace_of(context, body), body["user"]["id"]
        if edited is not None:
            save_edit(ack, client, key, user_id, view, edited, draft, logger)
            return
        # Checked and stored before the form closes, so a problem shows under its field.
        problems = problems_with(draft, user_id) or thanked_problems(client, key, draft, user_id, logger)
        if problems:
            ack(response_action="errors", errors=blocks.form_errors(problems))
            return
        try:
            # The view id is the request key: a double submit of the same form posts one card.
            celebrated = wins.celebrate(key, Actor(user_id), draft, request_key=view["id"])
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.form_errors(invalid.problems))
            return
        except TooManyWins as capped:
            ack(response_action="errors", errors=blocks.form_errors({"text": str(capped)}))
            return
        ack()
        tell_where_opened(
            client, home, key, user_id, origin_of(view), post_card(client, key, celebrated, logger)
        )

    def save_edit(
        ack: Ack,
        client: WebClient,
        key: WorkspaceKey,
        user_id: str,
        view: dict[str, Any],
        win_id: int,
        draft: WinDraft,
        logger: logging.Logger,
    ) -> None:
        try:
            author = wins.win(key, win_id).author_id
            # The win stays its author's, whoever edits it: "only yourself" means only the author.
            problems = problems_with(draft, author) or thanked_problems(client, key, draft, author, logger)
            if problems:
                raise InvalidInput(problems)
            win = wins.edit(key, win_id, admins.actor(client, user_id), draft)
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.form_errors(invalid.problems))
            return
        except TandemError as refusal:  # not theirs to change, or deleted meanwhile
            ack(response_action="errors", errors=blocks.form_errors({"text": str(refusal)}))
            return
        ack()
        done = blocks.edited_answer(win)
        problem = update_card(client, win, logger)
        if problem:
            done = blocks.notice(f"{done.text}\n{problem}")
        tell_where_opened(client, home, key, user_id, origin_of(view), done)

    def thanked_problems(
        client: WebClient, key: WorkspaceKey, draft: WinDraft, author: str, logger: logging.Logger
    ) -> dict[str, str]:
        outsiders = strangers(client, key, [u for u in draft.thanked if u != author], {}, logger)
        return {"thanked": only_this_workspace(outsiders)} if outsiders else {}

    # The card's menu: Edit opens the form, Delete a confirmation

    def change_win(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        chosen = blocks.chosen_card_action(action)
        if chosen is None:
            return
        what, win_id = chosen
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            win = wins.win(key, win_id)
        except TandemError as gone:
            say(respond, f":information_source: {escape(str(gone))}", replace_original=False)
            return
        if not win.may_be_changed_by(admins.actor(client, user_id)):
            doing = "edit" if what == "edit" else "delete"
            refusal = f":no_entry: Only the person who posted this win, and Tandem's admins, can {doing} it."
            say(respond, refusal, replace_original=False)
            return
        origin = Origin(response_url=body.get("response_url"))
        form = blocks.win_form(draft_of(win), editing=win.id) if what == "edit" else blocks.delete_form(win)
        client.views_open(trigger_id=body["trigger_id"], view=with_origin(form, origin))

    def delete_win(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        key, user_id = workspace_of(context, body), body["user"]["id"]
        win_id = blocks.read_delete_form(view)
        try:
            if win_id is None:
                raise WinNotFound()
            gone = wins.delete(key, win_id, admins.actor(client, user_id))
        except TandemError as refusal:
            # The confirmation has no field to show a problem under: it says so instead.
            ack(response_action="update", view=closing_view("Delete this win?", escape(str(refusal))))
            return
        ack()
        delete_card(client, gone, logger)
        tell_where_opened(client, home, key, user_id, origin_of(view), blocks.deleted_answer(gone))

    # App Home: the DM toggle and the settings (the "Celebrate a win" button opens the form above)

    def choose_dms(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        wanted = blocks.dms_wanted(action)
        wins.set_dms(workspace_of(context, body), body["user"]["id"], wanted)
        notice = (
            ":bell: You'll get a direct message when someone thanks you in a win."
            if wanted
            else ":no_bell: No more direct messages when you're thanked; your thanks still show here."
        )
        home.refresh(client, body, context, notice=notice)

    def open_settings(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        if not admins.actor(client, user_id).is_admin:
            home.refresh(client, body, context, notice=NOT_AN_ADMIN)
            return
        origin = Origin(home_state=str((body.get("view") or {}).get("private_metadata") or ""))
        form = with_origin(blocks.settings_form(wins.settings(key)), origin)
        client.views_open(trigger_id=body["trigger_id"], view=form)

    def save_settings(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        change, errors = blocks.read_settings_form(view)
        if change is None:
            ack(response_action="errors", errors=errors)
            return
        key, user_id = workspace_of(context, body), body["user"]["id"]
        saved = saved_or_refused(
            ack,
            lambda: wins.save_settings(key, change, admins.actor(client, user_id)),
            blocks.settings_errors,
            "channel",
        )
        if saved is None:
            return
        ack()
        tell_where_opened(
            client, home, key, user_id, origin_of(view), blocks.notice(blocks.settings_saved(saved))
        )

    # Registered in one place, one line each.
    app.command(blocks.COMMAND)(handle_win_command)
    app.shortcut(blocks.FROM_MESSAGE_SHORTCUT)(celebrate_from_message)
    app.action(blocks.OPEN_FORM_ACTION)(open_win_form)
    app.view_submission(blocks.FORM)(save_win)
    app.action(blocks.CARD_MENU_ACTION)(change_win)
    app.view_submission(blocks.DELETE_FORM)(delete_win)
    app.action(blocks.DMS_TOGGLE_ACTION)(choose_dms)
    app.action(blocks.OPEN_SETTINGS_ACTION)(open_settings)
    app.view_submission(blocks.SETTINGS_FORM)(save_settings)


NOT_AN_ADMIN = ":no_entry: Only Tandem's admins change the wins settings."


def strangers(
    client: WebClient,
    key: WorkspaceKey,
    user_ids: Iterable[str],
    labels: Mapping[str, str],
    logger: logging.Logger,
) -> list[str]:
    """Names ("@ana") of the people among `user_ids` a win can't thank: unknown to Slack here, in
    another company's workspace (a shared channel's guest), deactivated, or a bot. `labels` are the
    names a command's mentions carried, for people Slack doesn't know."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []

    def stranger(user_id: str) -> str | None:
        try:
            found = client.users_info(user=user_id)["user"]
        except SlackApiError as failure:
            logger.info("%s can't be thanked: %s", user_id, error_of(failure))
            return "@" + labels.get(user_id, user_id)
        if _belongs(found, key) and not (
            found.get("deleted") or found.get("is_bot") or user_id == "USLACKBOT"
        ):
            return None
        profile = found.get("profile") or {}
        return "@" + str(
            profile.get("display_name") or found.get("real_name") or found.get("name") or user_id
        )

    # Side by side: a form waits for this answer, and Slack allows it 3 seconds.
    with ThreadPoolExecutor(max_workers=min(LOOKUPS_AT_ONCE, len(wanted))) as pool:
        return [name for name in pool.map(stranger, wanted) if name]


def _belongs(found: Mapping[str, Any], key: WorkspaceKey) -> bool:
    """A member of this workspace, or of another workspace in its Enterprise Grid organisation."""
    if found.get("team_id") == key.team_id:
        return True
    enterprise = (found.get("enterprise_user") or {}).get("enterprise_id")
    return bool(key.enterprise_id) and enterprise == key.enterprise_id


def only_this_workspace(names: list[str]) -> str:
    """ "I can only thank people in this workspace: @x isn't." (plain text: form errors show it as is)."""
    if len(names) == 1:
        return f"I can only thank people in this workspace: {names[0]} isn't."
    return f"I can only thank people in this workspace: {', '.join(names[:-1])} and {names[-1]} aren't."


def draft_of(win: Win) -> WinDraft:
    """A stored win as the edit form shows it again."""
    return WinDraft(
        text=win.text,
        thanked=tuple(thanks.user_id for thanks in win.thanked),
        kind=win.kind,
        account=win.account,
        amount=win.amount,
        currency=win.currency,
        source_permalink=win.source_permalink,
    )
