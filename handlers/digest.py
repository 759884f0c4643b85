"""The Thursday digest in Slack: `/digest`, the item form and the message shortcut, the week's items
with their menus (lists, App Home, the items modal), the owner's approval buttons, and the admins'
settings form."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.blocks import digest as blocks
from bot.blocks import home as home_blocks
from bot.blocks.text import Message, cut, escape, plain_from_slack, user
from bot.digest import (
    AlreadyDecided,
    DigestItem,
    DigestRecord,
    DigestStatus,
    DigestWeek,
    ItemDraft,
    Section,
    problems_with,
)
from bot.errors import InvalidInput, TandemError
from bot.scheduling import week_key
from bot.services import Services
from bot.slack.digest_post import DigestPosted, post_digest
from bot.workspaces import WorkspaceKey
from handlers.answers import answer, saved_or_refused
from handlers.context import Admins, workspace_of
from handlers.home import Home
from handlers.text import first_word, shared_message

_DONE = {DigestStatus.SENT: "already", DigestStatus.SKIPPED: "skipped"}  # outcomes of sending again


def register(app: App, services: Services, admins: Admins, home: Home) -> None:
    """Wire `/digest`, the forms, the shortcut, item menus and the approval buttons to the digest."""
    digests = services.digests

    # `/digest` and its subcommands

    def handle_digest_command(
        ack: Ack,
        command: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        first, rest = first_word(command.get("text") or "")
        key, user_id = workspace_of(context, body), command["user_id"]
        match first.lower():
            case "" | "help":
                ack(**blocks.help_message().as_kwargs())
            case "add" if rest:
                add_quick_item(ack, command, respond, key, rest)
            case "add":
                ack()
                origin = blocks.ItemOrigin(response_url=command.get("response_url"))
                client.views_open(trigger_id=command["trigger_id"], view=blocks.item_form(origin))
            case "list":
                ack()
                answer(respond, item_list(client, key, user_id))
            case "preview":
                ack()
                answer(respond, preview(key))
            case "send":
                ack()
                answer(respond, send_by_command(client, key, user_id))
            case "history":
                ack()
                answer(respond, blocks.history_message(digests.history(key, limit=blocks.HISTORY_LIMIT)))
            case _:
                shown = escape(cut(plain_from_slack(first), 30))
                help_text = blocks.help_message().text
                ack(**blocks.notice(f"`/digest {shown}` isn't something I know.\n{help_text}").as_kwargs())

    def add_quick_item(
        ack: Ack, command: dict[str, Any], respond: Respond, key: WorkspaceKey, text: str
    ) -> None:
        draft = ItemDraft(section=Section.OTHER, headline=plain_from_slack(text))
        problems = problems_with(draft)
        if problems:
            more = " `/digest add` alone opens the form, with room for detail."
            ack(**blocks.notice(escape(" ".join(problems.values())) + more).as_kwargs())
            return
        ack()
        # The trigger id is the request key: a command Slack delivers twice adds one item.
        item = digests.add_item(key, command["user_id"], draft, request_key=command.get("trigger_id"))
        answer(respond, blocks.item_saved(item, digests.week(key, item.week), edited=False))

    def item_list(client: WebClient, key: WorkspaceKey, user_id: str, notice_text: str = "") -> Message:
        week = digests.current_week(key)
        may_change = changer(client, key, user_id)
        return blocks.item_list(digests.items(key, week.key), week, may_change, notice_text=notice_text)

    def changer(client: WebClient, key: WorkspaceKey, user_id: str) -> Callable[[DigestItem], bool]:
        """Tells whether `user_id` may edit or remove an item."""
        actor = admins.actor(client, user_id)
        editors = digests.settings(key).editor_ids
        return lambda item: item.may_be_changed_by(actor, editors)

    def preview(key: WorkspaceKey) -> Message:
        week = digests.current_week(key)
        settings = digests.settings(key)
        return blocks.digest_preview(
            digests.compose(key, week.key),
            week,
            digests.record(key, week.key),
            channel=settings.channel,
            empty_note=settings.empty_note,
        )

    def send_by_command(client: WebClient, key: WorkspaceKey, user_id: str) -> Message:
        refusal = not_an_editor(client, key, user_id)
        if refusal:
            return blocks.notice(refusal)
        settings = digests.settings(key)
        current = digests.current_week(key)
        # Once this week's digest is sent or skipped, what is collected now is next week's: sending
        # that days early is never what "send" means, so the answer is about this week's.
        this_week = week_key(services.clock().astimezone(settings.timezone).date())
        if this_week != current.key:
            record = digests.record(key, this_week)
            if record.status in _DONE:
                return blocks.send_answer(
                    _DONE[record.status], record, None, settings.channel, following=current
                )
        posted = post_digest(client, services, key, current.key, by=user_id)
        return said(posted)

    def not_an_editor(client: WebClient, key: WorkspaceKey, user_id: str) -> str | None:
        """Why `user_id` may not send, approve or skip the digest, or None when they may."""
        settings = digests.settings(key)
        if settings.is_editor(admins.actor(client, user_id)):
            return None
        who = f" Ask {user(settings.owner_id)}, a digest editor or an admin." if settings.owner_id else ""
        return f":no_entry: Only digest editors and admins send, approve or skip the digest.{who}"

    def said(posted: DigestPosted) -> Message:
        return blocks.send_answer(posted.outcome, posted.record, posted.problem, posted.channel)

    # The item form: opened by command, by the "Add an item" buttons, by the shortcut, or to edit

    def open_item_form(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        home_view = body.get("view") or {}
        if home_view.get("type") == "home":
            origin = blocks.ItemOrigin(place="home", home_state=str(home_view.get("private_metadata") or ""))
        elif action.get("block_id") == blocks.LIST_BLOCK:
            origin = blocks.ItemOrigin(response_url=body.get("response_url"), place="list")
        else:  # the reminder in marketing's channel: the confirmation goes only to the clicker
            origin = blocks.ItemOrigin(response_url=body.get("response_url"))
        client.views_open(trigger_id=body["trigger_id"], view=blocks.item_form(origin))

    def add_from_message(
        ack: Ack, shortcut: dict[str, Any], client: WebClient, logger: logging.Logger
    ) -> None:
        ack()
        shared = shared_message(client, shortcut, logger)
        origin = blocks.ItemOrigin(
            response_url=shortcut.get("response_url"), source_permalink=shared.permalink
        )
        form = blocks.item_form(origin, blocks.draft_from_message(shared.text))
        client.views_open(trigger_id=shortcut["trigger_id"], view=form)

    def save_digest_item(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        draft = blocks.parse_item_form(view)
        origin = blocks.ItemOrigin.loads(str(view.get("private_metadata") or ""))
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            # Stored before the form closes, so a problem shows under its field, nothing half-saved.
            if origin.item_id is None:
                # The view id is the request key: a double submit of the same form adds one item.
                item = digests.add_item(key, user_id, draft, request_key=view["id"])
            else:
                item = digests.update_item(key, origin.item_id, admins.actor(client, user_id), draft)
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.item_form_errors(invalid.problems))
            return
        except TandemError as refusal:  # not theirs to change, gone, or already posted
            ack(response_action="errors", errors=blocks.item_form_errors({"headline": str(refusal)}))
            return
        ack()
        saved = blocks.item_saved(item, digests.week(key, item.week), edited=origin.item_id is not None)
        answer_where(client, key, user_id, origin, saved, previous_view=view.get("previous_view_id"))

    def answer_where(
        client: WebClient,
        key: WorkspaceKey,
        user_id: str,
        origin: blocks.ItemOrigin,
        done: Message,
        *,
        previous_view: str | None = None,
    ) -> None:
        """Tell the person where they opened the form: redraw that list, App Home or items modal."""
        if origin.place == "home":
            home.publish(
                client, key, user_id, view=home_blocks.chosen_view(origin.home_state), notice=done.text
            )
        elif origin.place == "items" and previous_view:
            client.views_update(view_id=previous_view, view=items_view(client, key, user_id, done.text))
        elif origin.place == "list" and origin.response_url:
            redrawn = item_list(client, key, user_id, notice_text=done.text)
            WebhookClient(origin.response_url, proxy=None).send(**redrawn.as_kwargs(), replace_original=True)
        elif origin.response_url:
            WebhookClient(origin.response_url, proxy=None).send(
                **done.as_kwargs(), response_type="ephemeral", replace_original=False
            )
        else:
            client.chat_postMessage(channel=user_id, **done.as_kwargs())

    # An item's menu: in the ephemeral list, on App Home, in the items modal

    def change_item(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        chosen = blocks.chosen_item(action)
        if chosen is None:
            return
        what, item_id = chosen
        key, user_id = workspace_of(context, body), body["user"]["id"]
        shown_in = body.get("view") or {}
        place = "home" if shown_in.get("type") == "home" else "items" if shown_in else "list"
        if what == "edit":
            try:
                item = digests.item(key, item_id)
            except TandemError as missing:
                tell(client, body, context, respond, place, missing_text(missing))
                return
            if not changer(client, key, user_id)(item):
                refusal = "Only the person who added it, digest editors and admins can change this item."
                tell(client, body, context, respond, place, f":no_entry: {refusal}")
                return
            origin = blocks.ItemOrigin(
                item_id=item.id,
                response_url=body.get("response_url") if place == "list" else None,
                source_permalink=item.source_permalink,
                place=place,
                home_state=str(shown_in.get("private_metadata") or "") if place == "home" else "",
            )
            form = blocks.item_form(origin, _draft(item))
            if place == "items":  # on top of the items modal, which is redrawn once the form is saved
                client.views_push(trigger_id=body["trigger_id"], view=form)
            else:
                client.views_open(trigger_id=body["trigger_id"], view=form)
            return
        try:
            gone = digests.remove_item(key, item_id, admins.actor(client, user_id))
            done = f":wastebasket: Removed “{escape(gone.headline)}” from the digest."
        except TandemError as refusal:
            done = missing_text(refusal)
        tell(client, body, context, respond, place, done)

    def tell(
        client: WebClient,
        body: dict[str, Any],
        context: BoltContext,
        respond: Respond,
        place: str,
        text: str,
    ) -> None:
        """Redraw what the menu was clicked in, with `text` (mrkdwn we wrote) at its top."""
        key, user_id = workspace_of(context, body), body["user"]["id"]
        if place == "home":
            home.refresh(client, body, context, notice=text)
        elif place == "items":
            client.views_update(view_id=body["view"]["id"], view=items_view(client, key, user_id, text))
        else:
            respond(**item_list(client, key, user_id, notice_text=text).as_kwargs(), replace_original=True)

    def items_view(client: WebClient, key: WorkspaceKey, user_id: str, notice_text: str = "") -> View:
        week = digests.current_week(key)
        may_change = changer(client, key, user_id)
        return blocks.items_view(digests.items(key, week.key), week, may_change, notice_text=notice_text)

    # App Home's buttons

    def show_preview(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        shown = preview(workspace_of(context, body))
        client.views_open(trigger_id=body["trigger_id"], view=blocks.preview_view(shown))

    def open_settings(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        if not admins.actor(client, user_id).is_admin:
            home.refresh(
                client, body, context, notice=":no_entry: Only Tandem's admins change the digest settings."
            )
            return
        form = blocks.settings_form(
            digests.settings(key), home_state=str((body.get("view") or {}).get("private_metadata") or "")
        )
        client.views_open(trigger_id=body["trigger_id"], view=form)

    def save_settings(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        key, user_id = workspace_of(context, body), body["user"]["id"]
        change = blocks.parse_settings_form(view["state"]["values"])
        saved = saved_or_refused(
            ack,
            lambda: digests.save_settings(key, change, admins.actor(client, user_id)),
            blocks.settings_form_errors,
            "send_day",
        )
        if saved is None:
            return
        ack()
        chosen = home_blocks.chosen_view(view.get("private_metadata"))
        home.publish(client, key, user_id, view=chosen, notice=blocks.settings_saved(saved))

    # The owner's approval message (and the held notice)

    def send_now(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        week = decided_week(key, action)
        refusal = not_an_editor(client, key, user_id)
        if week is None or refusal:
            answer_privately(respond, refusal or "That digest is not known any more.")
            return
        posted = post_digest(client, services, key, week.key, by=user_id)
        if posted.outcome in {"sent", "already", "skipped"}:
            settle(client, body, week, outcome_line(posted.outcome, posted.record))
        if posted.outcome != "sent":
            answer_privately(respond, said(posted).text)

    def edit_items(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        refusal = not_an_editor(client, key, user_id)
        if refusal:
            answer_privately(respond, refusal)
            return
        client.views_open(trigger_id=body["trigger_id"], view=items_view(client, key, user_id))

    def skip_week(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        week = decided_week(key, action)
        refusal = not_an_editor(client, key, user_id)
        if week is None or refusal:
            answer_privately(respond, refusal or "That digest is not known any more.")
            return
        try:
            record = digests.skip(key, week.key, admins.actor(client, user_id))
        except AlreadyDecided as done:
            if done.record.status in _DONE:
                settle(client, body, week, outcome_line(_DONE[done.record.status], done.record))
            answer_privately(respond, escape(str(done)))
            return
        except TandemError as refusal:
            answer_privately(respond, f":no_entry: {escape(str(refusal))}")
            return
        settle(client, body, week, outcome_line("skipped", record))

    def decided_week(key: WorkspaceKey, action: dict[str, Any]) -> DigestWeek | None:
        week_key = blocks.week_in(action)
        if week_key is None:
            return None
        try:
            return digests.week(key, week_key)
        except ValueError:
            return None

    def settle(client: WebClient, body: dict[str, Any], week: DigestWeek, line: str) -> None:
        """The approval message, once decided, says who decided what instead of offering buttons."""
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
        if channel and ts:
            client.chat_update(channel=channel, ts=ts, **blocks.decided(week, line).as_kwargs())

    # Small helpers that talk to Slack

    # Registered in one place, one line each.
    app.command(blocks.COMMAND)(handle_digest_command)
    app.shortcut(blocks.ADD_FROM_MESSAGE_SHORTCUT)(add_from_message)
    app.action(blocks.OPEN_FORM_ACTION)(open_item_form)
    app.view_submission(blocks.FORM)(save_digest_item)
    app.action(blocks.ITEM_MENU_ACTION)(change_item)
    app.action(blocks.PREVIEW_ACTION)(show_preview)
    app.action(blocks.OPEN_SETTINGS_ACTION)(open_settings)
    app.view_submission(blocks.SETTINGS_FORM)(save_settings)
    app.action(blocks.SEND_NOW_ACTION)(send_now)
    app.action(blocks.EDIT_ITEMS_ACTION)(edit_items)
    app.action(blocks.SKIP_ACTION)(skip_week)


def answer_privately(respond: Respond, text: str) -> None:
    """A short answer to a click on a message, only to the clicker, leaving the message as it is."""
    respond(**blocks.notice(text).as_kwargs(), response_type="ephemeral", replace_original=False)


def outcome_line(outcome: str, record: DigestRecord) -> str:
    """What an approval message says once decided: who sent or skipped it."""
    if outcome == "skipped":
        return blocks.skipped_line(record.decided_by)
    return blocks.sent_line(record.sent_by, record)


def missing_text(refusal: TandemError) -> str:
    return f":information_source: {escape(str(refusal))}"


def _draft(item: DigestItem) -> ItemDraft:
    return ItemDraft(item.section, item.headline, item.detail, item.link, item.source_permalink)
