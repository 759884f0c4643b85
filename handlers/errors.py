"""The one place unexpected failures go: logged with context, and a short apology to the person."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

APOLOGY = (
    "Sorry, Tandem hit a problem and couldn't finish that. It has been logged; please try again in a moment."
)


def register(app: App) -> None:
    app.error(report_failure)


def report_failure(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    client: WebClient,
    logger: logging.Logger,
) -> BoltResponse | None:
    """Log the failure; never answer Slack with a 500 or a traceback."""
    logger.error(
        "Failed to handle %s %s for user %s in team %s",
        body.get("type") or ("command" if "command" in body else "request"),
        body.get("command") or (body.get("view") or {}).get("callback_id") or "",
        _user_of(body),
        body.get("team_id") or (body.get("team") or {}).get("id"),
        exc_info=error,
    )
    if response is not None:
        # Not acknowledged yet: the answer to this very request can carry the apology.
        return _apology_as_answer(body)
    _apologise_later(body, client, logger)
    return None


def _apology_as_answer(body: dict[str, Any]) -> BoltResponse:
    if body.get("type") == "view_submission":
        inputs = [b["block_id"] for b in body["view"].get("blocks", []) if b.get("type") == "input"]
        if inputs:
            answer = {"response_action": "errors", "errors": {inputs[0]: APOLOGY}}
            return _json(answer)
        return BoltResponse(status=200, body="")
    if "command" in body:
        return _json({"response_type": "ephemeral", "text": APOLOGY})
    return BoltResponse(status=200, body="")


def _apologise_later(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
    response_url = body.get("response_url") or next(
        (r.get("response_url") for r in body.get("response_urls", [])), None
    )
    try:
        if response_url:
            WebhookClient(response_url, proxy=None).send(text=APOLOGY, response_type="ephemeral")
        elif (user := _user_of(body)) and body.get("type") in {
            "view_submission",
            "block_actions",
            "shortcut",
        }:
            client.chat_postMessage(channel=user, text=APOLOGY)
    except (SlackApiError, OSError):
        logger.warning("Could not deliver the apology either", exc_info=True)


def _user_of(body: dict[str, Any]) -> str | None:
    found = body.get("user_id") or (body.get("user") or {}).get("id")
    return str(found) if found else None


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json;charset=utf-8"}
    )
