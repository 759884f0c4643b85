"""Shared metrics in Slack: `/metric` (today's snapshot, a metric's history, logging a value), the
admins' metric and snapshot-settings forms from App Home, and CSV values sent to Tandem in a DM."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import metrics as blocks
from bot.blocks.text import Message, cut, escape, plain_from_slack
from bot.errors import InvalidInput, TandemError
from bot.metrics import IMPORT_BYTES_MAX, ImportNotFound, PendingImport, SnapshotSettings
from bot.people import Actor
from bot.scheduling import OCCURRENCE_MAX, runner_name
from bot.services import Services
from bot.slack.files import DownloadFailed, download
from bot.workspaces import WorkspaceKey
from handlers.answers import answer, closing_view, saved_or_refused, say
from handlers.context import Admins, Timezones, workspace_of
from handlers.home import Home
from handlers.text import error_of, first_word

IMPORT_JOB = "metrics.dm_import"  # ledger entries: one per file shared, so a retried event loads it once
FILES_READ = 10  # files looked at in one message (Slack allows ten)
SHOWN_NAME = 80  # characters of a file or metric name repeated back
# Three-letter words that name a day, not a currency: "/metric leads 42 mon".
_DAY_WORDS = frozenset(
    {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    | {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)
# A word written apart from the number it belongs to: "35 %", "1.2 M", "1.2M EUR", "EUR 1.2M", "$ 5".
_UNIT_WORD = re.compile(r"^(?:%|k|m|mm|b|bn|[a-z]{3}|[$€£¥₹])$", re.IGNORECASE)
_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values"})


def register(app: App, services: Services, admins: Admins, home: Home) -> None:
    """Wire `/metric`, the forms, App Home's metric buttons and CSV files sent in a DM."""
    metrics, workspaces, ledger = services.metrics, services.workspaces, services.ledger
    zones = Timezones()

    def zone_of(client: WebClient, key: WorkspaceKey, user_id: str) -> ZoneInfo:
        """The person's own timezone, so "yesterday" is theirs; the workspace's if Slack has none."""
        return zones.zone(client, user_id, workspaces.settings_for(key).timezone)

    # `/metric` and its subcommands

    def handle_metric_command(
        ack: Ack,
        command: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        first, rest = first_word(command.get("text") or "")
        key, user_id = workspace_of(context, body), command["user_id"]
        # Acknowledged first, whatever was asked: the work after it may take longer than Slack waits.
        match first.lower():
            case "help":
                ack(**blocks.help_message().as_kwargs())
            case "":
                ack()
                answer(respond, todays_snapshot(key))
            case "define" | "settings" as form:
                ack()
                refusal = not_an_admin(client, user_id)
                if refusal:
                    say(respond, refusal)
                elif form == "define":
                    client.views_open(trigger_id=command["trigger_id"], view=blocks.metric_form(None))
                else:
                    client.views_open(
                        trigger_id=command["trigger_id"], view=blocks.settings_form(metrics.settings(key))
                    )
            case _:
                ack()
                name = plain_from_slack(first)
                try:
                    if rest:
                        answer(respond, log_value(client, key, user_id, name, rest))
                    else:
                        answer(respond, blocks.history_message(metrics.history(key, name)))
                except TandemError as refusal:  # unknown metric, not theirs to log, a bad value or date
                    say(respond, f":warning: {cut(escape(str(refusal)), 2000)}")

    def todays_snapshot(key: WorkspaceKey) -> Message:
        snapshot = metrics.snapshot(key)
        if snapshot.is_empty:
            return blocks.empty_snapshot_message(snapshot.made_on)
        return blocks.snapshot_message(snapshot)

    def log_value(client: WebClient, key: WorkspaceKey, user_id: str, name: str, text: str) -> Message:
        metric = metrics.metric(key, name)
        value_text, day_text = value_and_day(text)
        actor = admins.actor(client, user_id)
        logged = metrics.log_value(
            key, actor, metric.name, value_text, day_text, zone_of(client, key, user_id)
        )
        return blocks.logged_message(logged, metric)

    def not_an_admin(client: WebClient, user_id: str) -> str | None:
        if admins.actor(client, user_id).is_admin:
            return None
        return ":no_entry: Only Tandem's admins define metrics or change the snapshot settings."

    # The metric form: opened from App Home (to add or edit) or by `/metric define`

    def open_metric_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        refusal = not_an_admin(client, user_id)
        if refusal:
            home.refresh(client, body, context, notice=refusal)
            return
        name = blocks.metric_to_edit(action)
        try:
            metric = metrics.metric(key, name) if name else None
        except TandemError as gone:
            home.refresh(client, body, context, notice=f":information_source: {escape(str(gone))}")
            return
        client.views_open(trigger_id=body["trigger_id"], view=blocks.metric_form(metric))

    def save_metric(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        draft, errors, replacing = blocks.read_metric_form(view)
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            # What the form does not show (targets set in the file, a kept query URL) comes from the
            # stored metric; stored before the form closes, so a problem shows under its field.
            stored = metrics.metric(key, replacing) if replacing else None
            draft = blocks.with_stored(draft, stored)
            saved = metrics.save_definition(key, draft, admins.actor(client, user_id), replacing=replacing)
        except InvalidInput as invalid:
            ack(response_action="errors", errors=blocks.form_errors(invalid.problems))
            return
        except TandemError as refusal:  # not an admin, or the metric edited is gone
            ack(response_action="errors", errors=blocks.form_errors({"name": str(refusal)}))
            return
        ack()
        done = "changed" if replacing else "added"
        notice = f":white_check_mark: *{escape(saved.label)}* (`{saved.name}`) {done}."
        home.publish(client, key, user_id, notice=notice)

    def remove_metric(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """The metric form's "Remove this metric" (after Slack's confirm dialog)."""
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            gone = metrics.remove_definition(
                key, str(action.get("value") or ""), admins.actor(client, user_id)
            )
        except TandemError as refusal:
            done = f":no_entry: {escape(str(refusal))}"
        else:
            done = (
                f":wastebasket: *{escape(gone.label)}* (`{gone.name}`) is no longer shown. Its values are "
                "kept: defining it again brings them back."
            )
        form = body.get("view") or {}
        if form.get("id"):  # the form it was removed from now says so, with nothing left to save
            client.views_update(view_id=form["id"], view=closing_view("Remove a metric", done))
        home.publish(client, key, user_id, notice=done)

    # Snapshot settings

    def open_settings(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        refusal = not_an_admin(client, user_id)
        if refusal:
            home.refresh(client, body, context, notice=refusal)
            return
        client.views_open(trigger_id=body["trigger_id"], view=blocks.settings_form(metrics.settings(key)))

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
            lambda: metrics.save_settings(key, change, admins.actor(client, user_id)),
            blocks.settings_errors,
            "channel",
        )
        if saved is None:
            return
        ack()
        home.publish(client, key, user_id, notice=settings_saved(saved))

    # Today's snapshot from App Home, which has no channel to answer in: it comes as a DM

    def show_snapshot(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        key, user_id = workspace_of(context, body), body["user"]["id"]
        client.chat_postMessage(channel=user_id, **todays_snapshot(key).as_kwargs())
        home.refresh(
            client,
            body,
            context,
            notice=":incoming_envelope: Today's snapshot is in your messages with Tandem.",
        )

    # CSV values sent in a direct message

    def import_shared_files(
        event: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        key, user_id, channel = workspace_of(context, body), str(event["user"]), str(event["channel"])
        for shared in (event.get("files") or [])[:FILES_READ]:
            # Slack sends an event again when it thinks it was missed: the file's id, claimed in the
            # ledger, makes a retry find the first delivery's work and leave it be.
            occurrence, runner = str(shared.get("id") or "")[:OCCURRENCE_MAX], runner_name()
            if not occurrence or ledger.claim(IMPORT_JOB, key, occurrence, runner) is None:
                logger.info("File %r in %s was taken in already", occurrence, channel)
                continue
            try:
                outcome = import_file(client, key, user_id, channel, shared)
            except BaseException:
                # Let Slack's next retry try again: what failed may not have stored anything.
                ledger.release(IMPORT_JOB, key, occurrence, runner, "interrupted")
                raise
            ledger.finish(IMPORT_JOB, key, occurrence, runner, outcome)

    def import_file(
        client: WebClient, key: WorkspaceKey, user_id: str, channel: str, shared: dict[str, Any]
    ) -> str:
        """Check the file, load it when all is well, or hold it for the sender to confirm; the outcome."""
        filename = cut(str(shared.get("name") or shared.get("title") or "values.csv"), SHOWN_NAME)
        if not is_csv(shared):
            post(client, channel, f":page_facing_up: `{escape(filename)}` isn't a CSV file. {CSV_HINT}")
            return "not a csv"
        try:
            text = read_text(client, shared)
        except DownloadFailed as failed:
            post(client, channel, f":warning: I couldn't read `{escape(filename)}`: {escape(str(failed))}")
            return "unreadable"
        check = metrics.check_import(key, text, admins.actor(client, user_id), zone_of(client, key, user_id))
        if check.loadable and not check.problems:
            result = metrics.import_values(key, check, by=user_id)
            client.chat_postMessage(channel=channel, **blocks.import_done(filename, result).as_kwargs())
            return f"loaded {result.stored}"
        pending = metrics.hold_import(key, user_id, filename, check) if check.loadable else None
        summary = blocks.import_summary(filename, check, pending.id if pending else None)
        client.chat_postMessage(channel=channel, **summary.as_kwargs())
        return f"held as {pending.id}" if pending else "nothing to load"

    def read_text(client: WebClient, shared: dict[str, Any]) -> str:
        if int(shared.get("size") or 0) > IMPORT_BYTES_MAX:
            raise DownloadFailed(
                f"it is bigger than Tandem reads ({IMPORT_BYTES_MAX // 1_000_000} MB at most)."
            )
        url = shared.get("url_private_download")
        if not url:
            # Some shares carry only the file's id ("file_access": "check_file_info").
            try:
                url = client.files_info(file=str(shared.get("id")))["file"].get("url_private_download")
            except SlackApiError as failure:
                raise DownloadFailed(f"Slack would not say where it is ({error_of(failure)}).") from failure
        data = download(client, str(url or ""), limit=IMPORT_BYTES_MAX)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DownloadFailed("it isn't UTF-8 text. Save it as “CSV UTF-8” and send it again.") from None

    def load_held_import(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()

        def load(key: WorkspaceKey, import_id: int, actor: Actor, pending: PendingImport) -> Message:
            return blocks.import_done(pending.filename, metrics.apply_import(key, import_id, actor))

        decide_held_import(body, action, respond, client, context, load)

    def cancel_held_import(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()

        def cancel(key: WorkspaceKey, import_id: int, actor: Actor, pending: PendingImport) -> Message:
            metrics.cancel_import(key, import_id, actor)
            return blocks.import_cancelled(pending.filename)

        decide_held_import(body, action, respond, client, context, cancel)

    def decide_held_import(
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        decide: Callable[[WorkspaceKey, int, Actor, PendingImport], Message],
    ) -> None:
        """The sender's Load or Cancel on a held import: done, then the summary says what became of it."""
        key, user_id = workspace_of(context, body), body["user"]["id"]
        try:
            import_id = int(action.get("value") or "")
            pending = metrics.pending_import(key, import_id, user_id)
            outcome = decide(key, import_id, admins.actor(client, user_id), pending)
        except (ValueError, ImportNotFound):
            say(respond, f":information_source: {ImportNotFound()}", replace_original=False)
            return
        except TandemError as refusal:
            say(respond, f":no_entry: {escape(str(refusal))}", replace_original=False)
            return
        settle(client, body, outcome)

    # Registered in one place, one line each.
    app.command(blocks.COMMAND)(handle_metric_command)
    app.action(blocks.OPEN_METRIC_FORM_ACTION)(open_metric_form)
    app.action(blocks.EDIT_METRIC_ACTION)(open_metric_form)
    app.view_submission(blocks.METRIC_FORM)(save_metric)
    app.action(blocks.REMOVE_METRIC_ACTION)(remove_metric)
    app.action(blocks.OPEN_SETTINGS_ACTION)(open_settings)
    app.view_submission(blocks.SETTINGS_FORM)(save_settings)
    app.action(blocks.SHOW_SNAPSHOT_ACTION)(show_snapshot)
    app.event("message", matchers=[is_file_shared_in_a_dm])(import_shared_files)
    app.action(blocks.CONFIRM_IMPORT_ACTION)(load_held_import)
    app.action(blocks.CANCEL_IMPORT_ACTION)(cancel_held_import)


CSV_HINT = (
    "Send me a CSV with the columns `date`, `metric` and `value` (a header row first) and I'll load "
    "the values, or `/metric <name> <value> [date]` logs one."
)


def is_file_shared_in_a_dm(event: dict[str, Any]) -> bool:
    """A person sharing files with Tandem in their direct messages (not Tandem's own posts)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") == "file_share"
        and bool(event.get("user"))
        and not event.get("bot_id")
        and bool(event.get("files"))
    )


def is_csv(shared: Mapping[str, Any]) -> bool:
    name = str(shared.get("name") or "").lower()
    kind = str(shared.get("filetype") or "").lower()
    mimetype = str(shared.get("mimetype") or "").lower().split(";")[0].strip()
    return name.endswith(".csv") or kind == "csv" or mimetype in _CSV_TYPES


def value_and_day(text: str) -> tuple[str, str]:
    """What follows the metric's name, parted into the value and the date: the value is its first word
    with any unit or currency written apart ("35 %", "1.2M EUR", "EUR 1.2M"); the rest is the date."""
    words = text.split()
    taken = 2 if len(words) > 1 and _is_unit(words[0]) else 1  # "EUR 1.2M", "$ 5"
    while taken < min(len(words), 4) and _is_unit(words[taken]):  # "35 %", "1.2 M EUR"
        taken += 1
    return " ".join(words[:taken]), " ".join(words[taken:])


def _is_unit(word: str) -> bool:
    """A suffix, percent sign or currency written apart from the number; never a day's name ("mon")."""
    return bool(_UNIT_WORD.match(word)) and word.lower() not in _DAY_WORDS


def settings_saved(saved: SnapshotSettings) -> str:
    """What App Home says once the snapshot settings are saved."""
    return f":white_check_mark: Snapshot settings saved. {blocks.schedule_line(saved)}"


def post(client: WebClient, channel: str, text: str) -> None:
    client.chat_postMessage(channel=channel, **blocks.notice(text).as_kwargs())


def settle(client: WebClient, body: dict[str, Any], message: Message) -> None:
    """The import's summary, once decided, says what became of it instead of offering buttons."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    if channel and ts:
        client.chat_update(channel=channel, ts=ts, **message.as_kwargs())
