"""The sandbox's page and its JSON API, served on Tandem's own port in front of /slack/events: what each
sample person sees (channels, messages, their modal and App Home) and what they do there."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

import yaml
from slack_bolt import App

from bot.slack.http import wsgi_app

from . import workspace
from .clock import ClockCannotGoBack
from .people import Outcome

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .sandbox import Sandbox

log = logging.getLogger("tandem.sandbox")

JSON = dict[str, Any]
PAGE = Path(__file__).resolve().parent / "page"
STATIC = {
    "sandbox.css": "text/css; charset=utf-8",
    "sandbox.js": "text/javascript; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}
API = "/sandbox/api/"
FILES = "/sandbox/files/"
# How long the page's request for news waits before answering "nothing new" (204).
LONG_POLL = 15.0
BODY_LIMIT = 12 * 1024 * 1024  # a shared CSV, base64-encoded, with room to spare
LOOPBACK_HOST = re.compile(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$")


class BadRequest(Exception):
    """What was asked cannot be done: the text is shown to the person."""


def page_app(sandbox: Sandbox) -> WSGIApplication:
    """The page, its API and files at `/` and `/sandbox/...`; everything else (Slack's requests at
    /slack/events, /healthz) goes to whichever Tandem runs in the sandbox now."""
    commands, shortcuts = _manifest_entries(sandbox.options.manifest)
    api = _Api(sandbox, commands, shortcuts)
    serving: list[tuple[App, WSGIApplication]] = []  # Tandem's own WSGI app, rebuilt after a reset

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        if path == "/" or path.startswith(("/sandbox/", "/favicon")):
            return api.serve(path, environ, start_response)
        app = sandbox.slack_app()
        if app is None:  # between a reset's stop and start: Slack would retry an event
            return _answer(start_response, 503, {"ok": False, "error": "starting over"})
        if not serving or serving[0][0] is not app:
            serving[:] = [(app, wsgi_app(app, sandbox.services.database.is_reachable))]
        return serving[0][1](environ, start_response)

    return serve


class _Api:
    def __init__(self, sandbox: Sandbox, commands: list[JSON], shortcuts: JSON) -> None:
        self.sandbox = sandbox
        self.commands = commands
        self.shortcuts = shortcuts
        self.people = {p.user_id: p for p in workspace.PEOPLE}
        self.actions: dict[str, Callable[[JSON], JSON]] = {
            "command": self.command,
            "message": self.message,
            "action": self.action,
            "submit": self.submit,
            "close": self.close,
            "shortcut": self.shortcut,
            "home": self.home,
            "file": self.file,
            "jump": self.jump,
            "reset": self.reset,
        }

    def serve(self, path: str, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        verb = str(environ.get("REQUEST_METHOD") or "GET")
        host = str(environ.get("HTTP_HOST") or "")
        if not LOOPBACK_HOST.match(host):
            # A page elsewhere could reach 127.0.0.1 through a name of its own (DNS rebinding).
            return _answer(
                start_response, 403, {"ok": False, "error": "the sandbox answers on loopback only"}
            )
        try:
            if verb in {"GET", "HEAD"}:
                if path in {"/", "/sandbox/", "/sandbox"}:
                    return _static(start_response, "index.html")
                if path.startswith("/sandbox/static/"):
                    return _static(start_response, path.removeprefix("/sandbox/static/"))
                if path.startswith(FILES):
                    return self.file_bytes(path.removeprefix(FILES), start_response)
                if path == f"{API}state":
                    return self.state(environ, start_response)
                return _answer(start_response, 404, {"ok": False, "error": "not found"})
            if verb == "POST" and path.startswith(API) and path.removeprefix(API) in self.actions:
                # JSON only: a form on another site cannot send it without a preflight we never allow.
                if not str(environ.get("CONTENT_TYPE") or "").startswith("application/json"):
                    return _answer(start_response, 415, {"ok": False, "error": "send JSON"})
                body = _read_json(environ)
                return _answer(start_response, 200, self.actions[path.removeprefix(API)](body))
            return _answer(start_response, 405 if path.startswith(API) else 404, {"ok": False, "error": "no"})
        except BadRequest as bad:
            return _answer(start_response, 400, {"ok": False, "error": str(bad)})
        except Exception:
            log.exception("The sandbox page's request failed: %s %s", verb, path)
            return _answer(
                start_response, 500, {"ok": False, "error": "Something went wrong in the sandbox."}
            )

    # ------------------------------------------------------------------ what a person sees

    def state(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        query = _query(environ)
        viewer = self._person(query.get("as") or workspace.PEOPLE[0].user_id)
        slack = self.sandbox.slack
        if "since" in query:
            try:
                since = int(query["since"])
                wait = min(max(float(query.get("wait", LONG_POLL)), 0.0), LONG_POLL)
            except ValueError:
                raise BadRequest("since and wait must be numbers") from None
            # A page that knew a later version (kept open across a restart) gets the whole state at once.
            if since <= slack.version and slack.wait_for_change(since, wait) <= since:
                start_response("204 No Content", [("Cache-Control", "no-store")])
                return [b""]
        return _answer(start_response, 200, self.view_of(viewer))

    def view_of(self, viewer: str) -> JSON:
        sandbox, slack = self.sandbox, self.sandbox.slack
        version = slack.version
        directory = slack.directory()
        dm = slack.dm_channel(viewer)
        channels = [
            {"id": cid, "name": name, "kind": "channel", "purpose": purpose}
            for cid, name, purpose in workspace.CHANNELS
        ] + [{"id": dm, "name": "Tandem", "kind": "dm"}]
        now = sandbox.now().astimezone(sandbox.zone)
        return {
            "version": version,
            "workspace": {"name": workspace.TEAM_NAME, "timezone": sandbox.zone.key},
            "clock": {
                "now": now.isoformat(),
                "label": f"{now:%a %d %b %Y, %H:%M} ({sandbox.zone.key})",
                "jumps": [
                    {
                        "label": f"{when.astimezone(sandbox.zone):%a %d %b %H:%M} · {names}",
                        "to": _local(when, sandbox),
                    }
                    for when, names in sandbox.jumps()
                ],
            },
            "me": viewer,
            "people": [
                {
                    "id": p.user_id,
                    "name": p.name,
                    "real_name": p.real_name,
                    "title": p.title,
                    "team": p.team,
                    "admin": p.admin,
                    "tz": p.timezone or sandbox.zone.key,
                }
                for p in workspace.PEOPLE
            ],
            "users": {
                uid: {"name": u["name"], "real_name": u["real_name"], "is_bot": bool(u.get("is_bot"))}
                for uid, u in directory["users"].items()
            },
            "usergroups": {gid: g["handle"] for gid, g in directory["usergroups"].items()},
            "channels": channels,
            "messages": {
                c["id"]: [_shown(m) for m in slack.visible_messages(c["id"], viewer)] for c in channels
            },
            "modal": slack.open_modal(viewer),
            "home": slack.home_view(viewer),
            "commands": self.commands,
            "shortcuts": self.shortcuts,
        }

    def file_bytes(self, file_id: str, start_response: StartResponse) -> Iterable[bytes]:
        found = self.sandbox.slack.file_content(file_id.split("/")[0])
        if found is None:
            return _answer(start_response, 404, {"ok": False, "error": "no such file"})
        name, kind, data = found
        start_response(
            "200 OK",
            [
                ("Content-Type", kind),
                ("Content-Length", str(len(data))),
                ("Content-Disposition", f"inline; filename*=UTF-8''{_quoted(name)}"),
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "private, max-age=3600"),
            ],
        )
        return [data]

    # ------------------------------------------------------------------ what a person does

    def command(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        command = _text(body, "command")
        if command not in {c["command"] for c in self.commands}:
            raise BadRequest(f"{command} is not a command Tandem has")
        return _outcome(
            self.sandbox.people.run_command(viewer, self._channel(body), command, str(body.get("text") or ""))
        )

    def message(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        text = _text(body, "text")
        thread = body.get("thread_ts")
        return _outcome(
            self.sandbox.people.post_message(
                viewer, self._channel(body), text, thread_ts=str(thread) if thread else None
            )
        )

    def action(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        action = body.get("action")
        if not isinstance(action, dict) or not action.get("action_id"):
            raise BadRequest("an action needs an action_id")
        people = self.sandbox.people
        if body.get("view_id"):
            return _outcome(
                people.act(viewer, action, view_id=str(body["view_id"]), values=_values(body.get("values")))
            )
        return _outcome(
            people.act(viewer, action, channel_id=self._channel(body), message_ts=_text(body, "message_ts"))
        )

    def submit(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        outcome = self.sandbox.people.submit_view(viewer, _text(body, "view_id"), _values(body.get("values")))
        return _outcome(outcome)

    def close(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        return _outcome(self.sandbox.people.close_view(viewer, _text(body, "view_id")))

    def shortcut(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        callback_id = _text(body, "callback_id")
        people = self.sandbox.people
        if body.get("message_ts"):
            outcome = people.run_shortcut(
                viewer, callback_id, channel_id=self._channel(body), message_ts=str(body["message_ts"])
            )
        else:
            outcome = people.run_shortcut(viewer, callback_id)
        return _outcome(outcome)

    def home(self, body: JSON) -> JSON:
        return _outcome(self.sandbox.people.open_home(self._person(body.get("as"))))

    def file(self, body: JSON) -> JSON:
        viewer = self._person(body.get("as"))
        name = _text(body, "filename").replace("/", "_").replace("\\", "_")[:200]
        try:
            content = base64.b64decode(_text(body, "content_base64"), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("the file did not arrive whole") from None
        channel = self._channel(body)
        where = None if channel.startswith("D") else channel
        return _outcome(self.sandbox.people.share_file(viewer, where, name, content))

    def jump(self, body: JSON) -> JSON:
        sandbox = self.sandbox
        try:
            moment = datetime.fromisoformat(_text(body, "to"))
        except ValueError:
            raise BadRequest("Give a date and time such as 2026-11-26T09:00.") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=sandbox.zone)
        try:
            ran = sandbox.advance_to(moment)
        except ClockCannotGoBack:
            shown = sandbox.now().astimezone(sandbox.zone)
            raise BadRequest(
                f"The sandbox's clock only goes forward: it is already {shown:%a %d %b %H:%M}. "
                "Reset to start over."
            ) from None
        return {"ok": True, "ran": [{"job": r.job, "outcome": r.outcome} for r in ran]}

    def reset(self, body: JSON) -> JSON:
        self.sandbox.reset()
        return {"ok": True}

    # ------------------------------------------------------------------ checks

    def _person(self, user_id: object) -> str:
        if not isinstance(user_id, str) or user_id not in self.people:
            raise BadRequest("Pick someone from the sample workspace to act as.")
        return user_id

    def _channel(self, body: JSON) -> str:
        channel = body.get("channel")
        known = {cid for cid, _, _ in workspace.CHANNELS}
        if not isinstance(channel, str) or not (channel in known or re.fullmatch(r"D[A-Z0-9]+", channel)):
            raise BadRequest("That conversation isn't in the sandbox.")
        return channel


# --------------------------------------------------------------------------- helpers


def _manifest_entries(manifest: Path | None) -> tuple[list[JSON], JSON]:
    """The slash commands and shortcuts the app declares, as the page offers them."""
    if manifest is None or not manifest.is_file():
        return [], {"global": [], "message": []}
    features = (yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}).get("features") or {}
    commands = [
        {
            "command": c["command"],
            "description": c.get("description", ""),
            "usage_hint": c.get("usage_hint", ""),
        }
        for c in features.get("slash_commands") or []
    ]
    shortcuts: JSON = {"global": [], "message": []}
    for s in features.get("shortcuts") or []:
        shortcuts.setdefault(s.get("type", "global"), []).append(
            {"callback_id": s["callback_id"], "name": s["name"], "description": s.get("description", "")}
        )
    return commands, shortcuts


def _shown(message: JSON) -> JSON:
    """A message as the page shows it: files served by the sandbox, not the look-alike's private URLs."""
    files = [
        {
            "id": f["id"],
            "name": f.get("name"),
            "title": f.get("title"),
            "mimetype": f.get("mimetype"),
            "url": f"{FILES}{f['id']}",
        }
        for f in message.get("files") or []
    ]
    shown = {k: v for k, v in message.items() if k not in {"files", "metadata"}}
    if files:
        shown["files"] = files
    return shown


def _local(moment: datetime, sandbox: Sandbox) -> str:
    return moment.astimezone(sandbox.zone).strftime("%Y-%m-%dT%H:%M")


def _outcome(outcome: Outcome) -> JSON:
    answer: JSON = {"ok": outcome.ok}
    if outcome.problem:
        answer["error"] = outcome.problem
    if outcome.errors:
        answer["errors"] = outcome.errors
    return answer


def _text(body: JSON, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name} is missing")
    return value


def _values(values: object) -> dict[str, dict[str, Any]]:
    if values is None:
        return {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise BadRequest("values must be Slack's state.values: block id → action id → value")
    return {str(k): dict(v) for k, v in values.items()}


def _query(environ: WSGIEnvironment) -> dict[str, str]:
    return dict(parse_qsl(str(environ.get("QUERY_STRING") or "")))


def _read_json(environ: WSGIEnvironment) -> JSON:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > BODY_LIMIT:
        raise BadRequest("That is too big for the sandbox.")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadRequest("send JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def _static(start_response: StartResponse, name: str) -> Iterable[bytes]:
    if name not in STATIC:
        return _answer(start_response, 404, {"ok": False, "error": "not found"})
    data = (PAGE / name).read_bytes()
    start_response(
        "200 OK",
        [
            ("Content-Type", STATIC[name]),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
            # The page runs only its own script and talks only to this server.
            (
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "connect-src 'self'; frame-ancestors 'none'",
            ),
        ],
    )
    return [data]


def _answer(start_response: StartResponse, status: int, body: JSON) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}
    reason |= {415: "Unsupported Media Type", 500: "Internal Server Error", 503: "Service Unavailable"}
    start_response(
        f"{status} {reason.get(status, 'Error')}",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


def _quoted(name: str) -> str:
    return quote(name, safe="")
