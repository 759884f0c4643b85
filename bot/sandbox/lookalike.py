"""A Slack Web API look-alike served over real HTTP on 127.0.0.1.

`SlackLookalike` answers ``POST /api/<method>`` the way Slack's Web API does (form, multipart or
JSON bodies, query strings, ``Authorization: Bearer`` or a ``token`` argument; HTTP 200 with
``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``), so a real ``slack_sdk.WebClient(
base_url=lookalike.api_url)`` — and a Bolt app built on one — can talk to it unchanged. It keeps a
small workspace: a user, user group and channel directory (with each channel's members), posted
messages per channel (threads included), modals, App Home views, trigger ids, ``response_url``
webhooks and files uploaded the v2 way (``files.getUploadURLExternal``, a POST of the bytes to the
returned ``upload_url`` on this server, ``files.completeUploadExternal``), with Slack's limits: 50
blocks a message, 100 a view, a trigger id valid once within 3 seconds, a ``response_url`` used at
most 5 times within 30 minutes; lists (``users.list``, ``conversations.members``,
``conversations.history``) come in pages with Slack's ``response_metadata.next_cursor``.

Table blocks, wherever blocks are taken, hold at most 100 rows of at most 20 cells (and 20 column
settings), refused as ``invalid_blocks`` like any bad block; a message (``chat.postMessage``,
``chat.postEphemeral``, ``chat.update``, ``response_url``, an upload's message) holds one table at
most: a second is refused with ``invalid_attachments`` and ``only_one_table_allowed`` in
``response_metadata.messages``, as Slack is reported to answer (its table block reference says one
table a message, without the error).

Files: ``files.completeUploadExternal`` takes ``blocks`` (a JSON-encoded string in a form, a list in
a JSON body), checked like a message's; Slack documents that they are ignored when
``initial_comment`` is given, and so they are here. The message sharing the upload carries the
blocks and its ``files``, and ``conversations.history`` returns it with them. A file object's
``url_private`` and ``url_private_download`` point at this server (``/files-pri/<team>-<file id>/``)
and answer a GET carrying ``Authorization: Bearer <bot token>`` with the bytes; without that token
the answer is 403 with an HTML page (Slack answers with its sign-in page, never the file).
``permalink`` keeps Slack's shape. ``files.info`` returns a complete file's object
(``file_not_found`` otherwise). `SlackLookalike.user_shares_file` stands in for a person uploading a
file (a ``file_share`` message in their DM with the bot, or a channel).

One rule is stricter than Slack on purpose (a product rule): a message that has ``blocks`` must
also carry a top-level fallback ``text``; without it the message is refused with ``no_text``, on
the Web API and on ``response_url`` alike (not on ``files.completeUploadExternal``, which has no
text to give). Where Slack documents nothing, an upload whose bytes are
not as long as ``files.getUploadURLExternal`` was told is refused with HTTP 400.

Every request is recorded whole as a `RecordedCall`; tests wait for calls with `wait_for` instead
of sleeping. `fail_next` and `delay_next` inject rate limits, server errors, Slack errors and slow
answers; ``latency`` (or `set_latency`) slows every Web API answer as a real network would, for
benchmarks. Time-based rules read an injectable ``clock`` so expiry can be tested without waiting.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import mimetypes
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JSON = dict[str, Any]
Clock = Callable[[], float]

MESSAGE_BLOCK_LIMIT = 50
TABLE_ROW_LIMIT = 100
TABLE_CELL_LIMIT = 20
VIEW_BLOCK_LIMIT = 100
ATTACHMENT_LIMIT = 100
HISTORY_LIMIT = 999
HISTORY_DEFAULT_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
VIEW_SIZE_LIMIT = 250_000
VIEW_STACK_LIMIT = 3
TRIGGER_TTL = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_PREFIX = "/webhooks/response/"
UPLOAD_PREFIX = "/upload/v1/"
FILES_PREFIX = "/files-pri/"
SIGN_IN_PAGE = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"
JSON_VALUED_ARGS = ("blocks", "attachments", "view", "metadata")
POST_TYPES = frozenset(
    {"application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
CHARSETS = frozenset({"utf-8", "utf8", "iso-8859-1"})
EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")
_EPOCH = 1_700_000_000


class SlackFailure(Exception):
    """An ``ok: false`` answer: the error name, the HTTP status and any extra fields."""

    def __init__(
        self, error: str, *, status: int = 200, messages: list[str] | None = None, **extra: Any
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra: JSON = dict(extra)
        if messages:
            self.extra["response_metadata"] = {"messages": messages}

    def answer(self) -> _Answer:
        return _Answer(self.status, {"ok": False, "error": self.error, **self.extra})


@dataclass(frozen=True)
class RecordedCall:
    """One request as the look-alike received and answered it."""

    method: str
    """Web API method name, ``"response_url"`` for webhook posts, ``"file_upload"`` for bytes posted
    to an ``upload_url``, ``"file_download"`` for a GET of a file's ``url_private``, else the
    request path."""
    path: str
    headers: dict[str, str]
    body: bytes
    args: JSON
    """Parsed arguments: JSON-valued form fields decoded, the token removed."""
    status: int
    response: JSON
    at: float
    """The look-alike's clock when the answer was recorded."""

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class _Answer:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    """Sent as text/plain instead of ``body`` (Slack's upload service answers "OK - 123")."""
    raw: bytes | None = None
    """Sent as is with ``content_type`` instead of ``body`` (a file's bytes, an HTML page)."""
    content_type: str = "application/octet-stream"


@dataclass
class _Fault:
    remaining: int
    status: int | None = None
    error: str | None = None
    retry_after: int = 1
    delay: float = 0.0


@dataclass
class _Trigger:
    issued_at: float
    user_id: str | None
    view_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    issued_at: float
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    uses: int = 0


@dataclass
class _Upload:
    file_id: str
    filename: str
    length: int
    user: str
    """Who uploaded it: the bot, or a person sharing a file (`SlackLookalike.user_shares_file`)."""
    data: bytes | None = None
    shared: JSON | None = None
    """What ``files.completeUploadExternal`` made of it: title, channels, comment."""
    file: JSON | None = None
    """The file object, once the file is complete (``files.info`` answers with it)."""


# --------------------------------------------------------------------------- validation helpers


def _flag(value: object) -> bool:
    """Slack's reading of a boolean argument (JSON true, or "1"/"true" in a form)."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _block_problems(blocks: list[Any], *, limit: int, pointer: str) -> list[str]:
    """Problems in a list of blocks, each phrased as Slack does: ``reason [json-pointer:/x]``."""
    if len(blocks) > limit:
        return [f"no more than {limit} items allowed [json-pointer:{pointer}]"]
    problems: list[str] = []
    for index, raw in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(raw, dict):
            problems.append(f"must be an object [json-pointer:{where}]")
            continue
        try:
            block = Block.parse(raw)
            if block is None:
                problems.append(f"unsupported type: {raw.get('type')!r} [json-pointer:{where}]")
                continue
            block.validate_json()
        except Exception as exc:  # slack_sdk's models raise several exception types
            problems.append(f"{exc} [json-pointer:{where}]")
            continue
        if raw.get("type") == "table":
            problems += _table_problems(raw, where)
    return problems


def _table_problems(table: JSON, where: str) -> list[str]:
    """A table block's limits, which slack_sdk's TableBlock leaves unchecked: 100 rows, 20 cells a
    row, 20 column settings."""
    rows = table.get("rows")
    if not isinstance(rows, list):
        return [f"must be an array [json-pointer:{where}/rows]"]
    problems = []
    if len(rows) > TABLE_ROW_LIMIT:
        problems.append(f"no more than {TABLE_ROW_LIMIT} items allowed [json-pointer:{where}/rows]")
    for number, row in enumerate(rows):
        if not isinstance(row, list):
            problems.append(f"must be an array [json-pointer:{where}/rows/{number}]")
        elif len(row) > TABLE_CELL_LIMIT:
            problems.append(
                f"no more than {TABLE_CELL_LIMIT} items allowed [json-pointer:{where}/rows/{number}]"
            )
    settings = table.get("column_settings")
    if isinstance(settings, list) and len(settings) > TABLE_CELL_LIMIT:
        problems.append(
            f"no more than {TABLE_CELL_LIMIT} items allowed [json-pointer:{where}/column_settings]"
        )
    return problems


def _valid_message_blocks(blocks: object, *, status: int = 200) -> list[Any]:
    """A message's blocks as Slack checks them (50 at most, each valid, one table), or a failure."""
    if not isinstance(blocks, list):
        raise SlackFailure("invalid_blocks_format", status=status)
    problems = _block_problems(blocks, limit=MESSAGE_BLOCK_LIMIT, pointer="/blocks")
    if problems:
        raise SlackFailure(
            "invalid_blocks", status=status, errors=problems, messages=[f"[ERROR] {p}" for p in problems]
        )
    if sum(1 for block in blocks if block.get("type") == "table") > 1:
        # Slack lays a message's table out below its other blocks, as an attachment would be, and
        # names the problem after attachments.
        raise SlackFailure("invalid_attachments", status=status, messages=["only_one_table_allowed"])
    return blocks


def _validated_content(args: Mapping[str, Any], *, status: int = 200) -> JSON:
    """The content of a message (text, blocks, attachments, metadata), or a `SlackFailure`."""
    text, markdown = _text(args.get("text")), _text(args.get("markdown_text"))
    if text and markdown:
        raise SlackFailure("markdown_text_conflict", status=status)
    content: JSON = {"text": text or markdown}
    blocks = args.get("blocks")
    if blocks is not None:
        content["blocks"] = _valid_message_blocks(blocks, status=status)
    attachments = args.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise SlackFailure("invalid_attachments", status=status)
        if len(attachments) > ATTACHMENT_LIMIT:
            raise SlackFailure("too_many_attachments", status=status)
        content["attachments"] = attachments
    metadata = args.get("metadata")
    if metadata is not None:
        if not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackFailure("invalid_metadata_format", status=status)
        # kept in the shape Slack returns it on messages, whatever else the caller sent
        content["metadata"] = {
            "event_type": metadata["event_type"],
            "event_payload": metadata["event_payload"],
        }
    if not (content["text"] or blocks or attachments):
        raise SlackFailure("no_text", status=status)
    if blocks and not content["text"]:  # Tandem's rule, stricter than Slack: fallback text
        raise SlackFailure("no_text", status=status)
    return content


def _timestamp(value: object, error: str) -> Decimal | None:
    """A ``latest``/``oldest`` argument as an exact number (None when not given), or ``error``."""
    if value is None or value == "":
        return None
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        raise SlackFailure(error) from None
    if not parsed.is_finite() or parsed < 0:
        raise SlackFailure(error)
    return parsed


def _view_problems(view: object, *, kinds: tuple[str, ...]) -> list[str]:
    """Problems in a view payload, phrased as Slack's ``invalid_arguments`` messages."""
    if not isinstance(view, dict):
        return ["[ERROR] must be a JSON object [json-pointer:/view]"]
    if view.get("type") not in kinds:
        return [f"[ERROR] type must be one of {', '.join(kinds)} [json-pointer:/view/type]"]
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["[ERROR] missing required field: blocks [json-pointer:/view]"]
    problems = [
        f"[ERROR] {p}" for p in _block_problems(blocks, limit=VIEW_BLOCK_LIMIT, pointer="/view/blocks")
    ]
    if view["type"] == "modal" and not view.get("title"):
        problems.append("[ERROR] missing required field: title [json-pointer:/view]")
    if not problems:
        try:
            View(**view).validate_json()
        except Exception as exc:  # slack_sdk's models raise several exception types
            problems.append(f"[ERROR] {exc} [json-pointer:/view]")
    return problems


# --------------------------------------------------------------------------- default workspace


def _default_users() -> dict[str, JSON]:
    return {
        "U0ANA": {"name": "ana", "real_name": "Ana Sales", "title": "Account Executive"},
        "U0BEN": {
            "name": "ben",
            "real_name": "Ben Marketing",
            "title": "Campaign Manager",
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
        },
        "U0ADMIN": {"name": "ada", "real_name": "Ada Admin", "is_admin": True, "is_owner": True},
    }


def _default_channels() -> dict[str, JSON]:
    names = {
        "C0TRACKER": "tandem-tracker",
        "C0SALES": "sales",
        "C0MARKETING": "marketing",
        "C0WINS": "wins",
        "C0FIELD": "field-notes",
        "C0METRICS": "metrics",
    }
    # Everyone is in the other channels; the bot joins every channel it is a member of.
    members = {"C0SALES": ["U0ANA", "U0ADMIN"], "C0MARKETING": ["U0BEN", "U0ADMIN"]}
    return {
        cid: {"name": name, **({"members": members[cid]} if cid in members else {})}
        for cid, name in names.items()
    }


def _default_usergroups() -> dict[str, JSON]:
    return {
        "S0SALES": {"name": "Sales team", "handle": "sales-team", "users": ["U0ANA"]},
        "S0MARKETING": {"name": "Marketing team", "handle": "marketing-team", "users": ["U0BEN"]},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, lookalike: SlackLookalike, host: str) -> None:
        self.lookalike = lookalike
        super().__init__((host, 0), _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.lookalike._serve(self)

    do_GET = do_POST  # Web API methods take GET too (slack_sdk calls files.info that way)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class SlackLookalike:
    """A local, recording imitation of Slack's Web API and ``response_url`` webhooks.

    ::

        with SlackLookalike(bot_token="xoxb-test") as slack:
            client = WebClient(token="xoxb-test", base_url=slack.api_url)
            client.chat_postMessage(channel="C0TRACKER", text="Deal: Acme")
            [call] = slack.wait_for("chat.postMessage")

    ``users`` maps user ids to ``users.info`` fields, ``channels`` channel ids to
    ``conversations.info`` fields (plus ``members``, a list of user ids: everyone when left out;
    the bot is added where it ``is_member``) and ``usergroups`` user group ids to ``name``,
    ``handle``, ``description``, ``users`` and ``disabled``; all default to a small
    sales-and-marketing workspace. ``clock`` (monotonic seconds) drives trigger and
    ``response_url`` expiry and `RecordedCall.at`; ``wall_clock`` (epoch seconds) makes ``ts``.
    ``latency`` (seconds) is added before every Web API answer; see `set_latency`. ``keep_calls``
    bounds how many recorded calls are kept (the oldest are forgotten): for a long-running sandbox.
    """

    def __init__(
        self,
        *,
        bot_token: str,
        team_id: str = "T0TANDEM",
        team_name: str = "Tandem Test",
        bot_user_id: str = "U0TANDEMBOT",
        bot_id: str = "B0TANDEM",
        app_id: str = "A0TANDEM",
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channels: Mapping[str, Mapping[str, Any]] | None = None,
        usergroups: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        host: str = "127.0.0.1",
        latency: float = 0.0,
        keep_calls: int | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = re.sub(r"[^a-z0-9]+", "-", team_name.lower()).strip("-") or "team"
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self._clock = clock
        self._wall_clock = wall_clock
        self._host = host
        self._keep_calls = keep_calls
        self._version = 0
        self._latency = 0.0
        self.set_latency(latency)
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[str, JSON] = {}
        for uid, fields in (_default_users() if users is None else users).items():
            self._users[uid] = self._user_record(uid, fields)
        self._users.setdefault(
            bot_user_id,
            self._user_record(
                bot_user_id,
                {
                    "name": "tandem",
                    "real_name": "Tandem",
                    "is_bot": True,
                    "profile": {"bot_id": bot_id, "api_app_id": app_id},
                },
            ),
        )
        self._channels: dict[str, JSON] = {}
        self._members: dict[str, set[str]] = {}
        for cid, fields in (_default_channels() if channels is None else channels).items():
            self._channels[cid] = self._channel_record(cid, fields)
            members = fields.get("members")
            self._members[cid] = set(members) if isinstance(members, list) else set(self._users)
            if self._channels[cid]["is_member"]:
                self._members[cid].add(bot_user_id)
        self._usergroups: dict[str, JSON] = {}
        self._usergroup_users: dict[str, list[str]] = {}
        for gid, fields in (_default_usergroups() if usergroups is None else usergroups).items():
            self._usergroups[gid] = self._usergroup_record(gid, fields)
            self._usergroup_users[gid] = list(fields.get("users") or [])
        self._methods: dict[str, Callable[[JSON], JSON]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "reactions.add": self._reactions_add,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.info": self._files_info,
        }
        self._reset_state()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackLookalike:
        """Bind an OS-assigned port on the host and serve from a daemon thread."""
        if self._server is None:
            self._server = _Server(self, self._host)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="slack-lookalike",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server, self._thread = None, None

    def __enter__(self) -> SlackLookalike:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT/``."""
        if self._server is None:
            raise RuntimeError("the Slack look-alike is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def api_url(self) -> str:
        """The Web API base URL to give ``WebClient(base_url=...)``."""
        return f"{self.url}api/"

    # ------------------------------------------------------------------ issuing

    def issue_trigger_id(self, *, user_id: str | None = None, view_id: str | None = None) -> str:
        """A fresh trigger id, as an interaction would carry: valid once, for 3 seconds."""
        trigger = f"{int(self._wall_clock())}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"
        with self._cond:
            self._triggers[trigger] = _Trigger(self._clock(), user_id, view_id)
        return trigger

    def issue_response_url(
        self, *, channel_id: str | None = None, user_id: str | None = None, message_ts: str | None = None
    ) -> str:
        """A fresh ``response_url`` on this server; the context says where its posts land."""
        key = f"{self.team_id}/{secrets.token_hex(8)}/{secrets.token_urlsafe(18)}"
        with self._cond:
            self._response_urls[key] = _ResponseUrl(self._clock(), channel_id, user_id, message_ts)
        return f"{self.url.rstrip('/')}{RESPONSE_URL_PREFIX}{key}"

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[RecordedCall]:
        with self._cond:
            return list(self._calls)

    @property
    def responses(self) -> list[RecordedCall]:
        """Posts to issued ``response_url`` webhooks."""
        return self.calls_to("response_url")

    @property
    def uploads(self) -> list[RecordedCall]:
        """POSTs of file bytes to ``upload_url``s (recorded as method ``"file_upload"``)."""
        return self.calls_to("file_upload")

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._cond:
            return [call for call in self._calls if call.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Block until ``count`` calls to ``method`` (matching ``where``) are recorded."""

        def matching() -> list[RecordedCall]:
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            seen = (
                "\n".join(
                    f"  - {c.method} -> HTTP {c.status} {'ok' if c.ok else c.error}" for c in self._calls
                )
                or "  (none)"
            )
            raise AssertionError(
                f"expected {count} call(s) to {method!r} within {timeout}s, "
                f"got {len(matching())}; recorded:\n{seen}"
            )

    def messages(self, channel: str) -> list[JSON]:
        """Messages in a channel (thread replies included), oldest first."""
        with self._cond:
            return copy.deepcopy(self._messages.get(channel, []))

    def replies(self, channel: str, thread_ts: str) -> list[JSON]:
        """The replies in a thread, oldest first (the parent message not included)."""
        return [m for m in self.messages(channel) if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]

    def ephemeral_messages(self, channel: str) -> list[JSON]:
        with self._cond:
            return copy.deepcopy(self._ephemeral.get(channel, []))

    def home_view(self, user_id: str) -> JSON | None:
        with self._cond:
            view_id = self._home.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def view(self, view_id: str) -> JSON | None:
        with self._cond:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view else None

    def uploaded_files(self, channel: str | None = None) -> list[JSON]:
        """Files completed by ``files.completeUploadExternal`` (those shared in ``channel``, if
        given), oldest first: ``id``, ``name``, ``title``, ``bytes``, ``channels``,
        ``initial_comment`` and ``thread_ts``."""
        with self._cond:
            done = [u for u in self._upload_order if u.shared is not None and u.data is not None]
            return [
                {"id": u.file_id, "name": u.filename, "bytes": u.data, **copy.deepcopy(u.shared or {})}
                for u in done
                if channel is None or channel in (u.shared or {}).get("channels", ())
            ]

    def channel_members(self, channel_id: str) -> list[str]:
        """Who is in a channel now, sorted (the bot included where it is a member)."""
        with self._cond:
            return sorted(self._members.get(channel_id, ()))

    def set_channel_members(self, channel_id: str, user_ids: list[str]) -> None:
        """People join and leave: the channel's members become ``user_ids``."""
        with self._cond:
            self._channel(channel_id)
            self._members[channel_id] = set(user_ids)

    def set_usergroup_users(self, usergroup_id: str, user_ids: list[str]) -> None:
        """The user group's members become ``user_ids`` (as ``usergroups.users.update`` would)."""
        with self._cond:
            self._usergroup(usergroup_id, include_disabled=True)
            self._usergroup_users[usergroup_id] = list(user_ids)

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with a user (opened if need be)."""
        with self._cond:
            return self._open_im(user_id)

    def channel_name(self, channel_id: str) -> str:
        with self._cond:
            if channel_id in self._channels:
                return str(self._channels[channel_id]["name"])
            return "directmessage" if channel_id in self._ims else "privategroup"

    def user_name(self, user_id: str) -> str:
        with self._cond:
            user = self._users.get(user_id)
            return str(user["name"]) if user else user_id.lower()

    def post_user_message(
        self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> JSON:
        """Seed a message written by a person (not the bot); returns the stored message."""
        with self._cond:
            message = {"type": "message", "user": user_id, "text": text, "team": self.team_id}
            stored = self._store(self._channel(channel)["id"], message, thread_ts)
            self._changed()
            return copy.deepcopy(stored)

    def user_shares_file(
        self,
        user_id: str,
        filename: str,
        content: bytes,
        *,
        channel: str | None = None,
        filetype: str | None = None,
    ) -> JSON:
        """A person uploads a file: into their DM with the bot (opened if need be), or `channel`,
        with a ``file_share`` message carrying it. Returns the file object (``url_private_download``
        is served by this server to the bot's token), to put in the ``message`` event a test sends."""
        with self._cond:
            if user_id not in self._users:
                raise ValueError(f"{user_id} is not in the look-alike's user directory")
            where = self._open_im(user_id) if channel is None else self._channel(channel)["id"]
            upload = _Upload(
                file_id=_new_id("F"), filename=filename, length=len(content), user=user_id, data=content
            )
            file = self._file_object(upload, filename, filetype)
            upload.file = file
            self._files[upload.file_id] = upload
            message = {
                "type": "message",
                "subtype": "file_share",
                "user": user_id,
                "text": "",
                "team": self.team_id,
                "files": [copy.deepcopy(file)],
                "upload": True,
                "display_as_bot": False,
            }
            self._store(where, message)
            self._changed()
            return copy.deepcopy(file)

    # ------------------------------------------------------------------ people's side (the sandbox)

    @property
    def version(self) -> int:
        """Grows whenever anything here changes (a call answered, a message seeded, a view closed)."""
        with self._cond:
            return self._version

    def touch(self) -> None:
        """Something people see changed outside Slack's calls (the sandbox's clock moved)."""
        with self._cond:
            self._changed()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """The version once it is past ``since``, or the same version after ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._version > since, timeout=timeout)
            return self._version

    def directory(self) -> JSON:
        """Who and what is here: ``users``, ``channels`` (with ``members``) and ``usergroups``."""
        with self._cond:
            return {
                "users": copy.deepcopy(self._users),
                "channels": {
                    cid: {**copy.deepcopy(c), "members": sorted(self._members.get(cid, ()))}
                    for cid, c in self._channels.items()
                },
                "usergroups": {
                    gid: {**copy.deepcopy(g), "users": list(self._usergroup_users[gid])}
                    for gid, g in self._usergroups.items()
                },
            }

    def visible_messages(self, channel: str, user_id: str) -> list[JSON]:
        """What ``user_id`` sees in a conversation, oldest first: its messages (thread replies included)
        and the ephemeral messages meant for them, marked ``"ephemeral": True``."""
        with self._cond:
            shown = copy.deepcopy(self._messages.get(channel, []))
            shown += [
                {**copy.deepcopy(m), "ephemeral": True}
                for m in self._ephemeral.get(channel, [])
                if m.get("to_user") == user_id
            ]
        return sorted(shown, key=lambda m: Decimal(m["ts"]))

    def open_modal(self, user_id: str) -> JSON | None:
        """The modal ``user_id`` has open (the top of its stack), with ``errors`` Tandem answered the last
        submission with, or None."""
        with self._cond:
            stack = self._stacks.get(self._open_modals.get(user_id, ""))
            if not stack:
                return None
            view = copy.deepcopy(self._views[stack[-1]])
            view["errors"] = dict(self._view_errors.get(view["id"], {}))
            return view

    def close_view(self, user_id: str, view_id: str) -> JSON | None:
        """The person closes the modal on top (Cancel or ×): it goes, showing the one beneath if any.
        Returns the closed view (Slack sends ``view_closed`` for it when it asked to be notified)."""
        with self._cond:
            stack = self._stacks.get(self._open_modals.get(user_id, ""))
            if not stack or stack[-1] != view_id:
                return None
            stack.pop()
            self._view_errors.pop(view_id, None)
            if not stack:
                self._open_modals.pop(user_id, None)
            self._changed()
            return copy.deepcopy(self._views[view_id])

    def answer_submission(self, user_id: str, view_id: str, answer: Mapping[str, Any] | None) -> None:
        """Apply an app's acknowledgement of a view submission as Slack does: nothing (or no
        ``response_action``) closes the view; ``errors`` keeps it open with the errors under the fields;
        ``update`` replaces it, ``push`` adds a view on top, ``clear`` closes the whole stack."""
        action = (answer or {}).get("response_action")
        with self._cond:
            root = self._open_modals.get(user_id, "")
            stack = self._stacks.get(root)
            if not stack or stack[-1] != view_id:
                return
            self._view_errors.pop(view_id, None)
            if action == "errors":
                errors = (answer or {}).get("errors")
                self._view_errors[view_id] = {str(k): str(v) for k, v in dict(errors or {}).items()}
            elif action == "update":
                view = self._valid_view(dict(answer or {}), ("modal",))
                current = self._views[view_id]
                self._new_view(
                    view,
                    root_id=current["root_view_id"],
                    previous_id=current["previous_view_id"],
                    view_id=view_id,
                )
            elif action == "push":
                view = self._valid_view(dict(answer or {}), ("modal",))
                stack.append(self._new_view(view, root_id=root, previous_id=view_id))
            elif action == "clear":
                stack.clear()
            else:
                stack.pop()
            if not stack:
                self._open_modals.pop(user_id, None)
            self._changed()

    def show_ephemeral(
        self, channel: str, user_id: str, content: Mapping[str, Any], *, slackbot: bool = False
    ) -> JSON:
        """Show ``user_id`` a message only they see, as Slack shows a slash command's direct answer
        (from the app) or its own note that a command failed (from Slackbot)."""
        with self._cond:
            channel_id = self._channel(channel)["id"]
            sender = (
                {"type": "message", "user": "USLACKBOT", "username": "Slackbot", "team": self.team_id}
                if slackbot
                else self._bot_message({})
            )
            message = {**sender, **dict(content), "ts": self._next_ts(), "to_user": user_id}
            self._ephemeral.setdefault(channel_id, []).append(message)
            self._changed()
            return copy.deepcopy(message)

    def file_content(self, file_id: str) -> tuple[str, str, bytes] | None:
        """A complete file's name, media type and bytes (the bot's uploads and people's), or None."""
        with self._cond:
            upload = self._files.get(file_id)
            if upload is None or upload.data is None:
                return None
            kind = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            return upload.filename, kind, upload.data

    def export_state(self) -> JSON:
        """Everything people would see again after a restart, as JSON: messages, ephemeral messages,
        views, App Homes, open modals, DMs and files (not calls, triggers, webhooks or faults)."""
        with self._cond:
            files = [
                {
                    "id": u.file_id,
                    "filename": u.filename,
                    "length": u.length,
                    "user": u.user,
                    "data": base64.b64encode(u.data or b"").decode(),
                    "shared": u.shared,
                    "file": u.file,
                }
                for u in self._files.values()
                if u.data is not None
            ]
            return copy.deepcopy(
                {
                    "messages": self._messages,
                    "ephemeral": self._ephemeral,
                    "views": self._views,
                    "stacks": self._stacks,
                    "home": self._home,
                    "open_modals": self._open_modals,
                    "view_errors": self._view_errors,
                    "external_ids": self._external_ids,
                    "ims": self._ims,
                    "files": files,
                    "last_ts": self._last_ts,
                }
            )

    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Take back what `export_state` gave (the directory stays as built)."""
        with self._cond:
            self._reset_state()
            self._messages.update(copy.deepcopy(dict(state.get("messages") or {})))
            self._ephemeral.update(copy.deepcopy(dict(state.get("ephemeral") or {})))
            self._views.update(copy.deepcopy(dict(state.get("views") or {})))
            self._stacks.update(copy.deepcopy(dict(state.get("stacks") or {})))
            self._home.update(dict(state.get("home") or {}))
            self._open_modals.update(dict(state.get("open_modals") or {}))
            self._view_errors.update(copy.deepcopy(dict(state.get("view_errors") or {})))
            self._external_ids.update(dict(state.get("external_ids") or {}))
            for channel_id, im in dict(state.get("ims") or {}).items():
                self._ims[channel_id] = dict(im)
                self._members[channel_id] = {str(im["user"]), self.bot_user_id}
            for saved in state.get("files") or []:
                upload = _Upload(
                    file_id=saved["id"],
                    filename=saved["filename"],
                    length=int(saved["length"]),
                    user=saved["user"],
                    data=base64.b64decode(saved["data"]),
                    shared=saved.get("shared"),
                    file=saved.get("file"),
                )
                self._files[upload.file_id] = upload
                self._upload_order.append(upload)
            self._last_ts = int(state.get("last_ts") or 0)
            self._changed()

    def reset(self) -> None:
        """Forget calls, messages, views, triggers, webhooks and faults; keep the directory."""
        with self._cond:
            self._reset_state()
            self._changed()

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Fail the next ``times`` calls to ``method`` (``"response_url"`` for webhooks).

        With ``error`` the answer is HTTP 200 ``{"ok": false, "error": error}``; otherwise HTTP
        ``status`` (429 by default, with ``Retry-After: retry_after``).
        """
        fault = _Fault(times, status if status is not None or error else 429, error, retry_after)
        with self._cond:
            self._faults.setdefault(method, []).append(fault)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` only after ``seconds``."""
        with self._cond:
            self._faults.setdefault(method, []).append(_Fault(times, delay=seconds))

    def hold_answer_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Do the next ``times`` calls to ``method`` at once (a message is posted, the call recorded)
        but answer only after ``seconds``: the caller can die between Slack acting and hearing so."""
        with self._cond:
            self._held.setdefault(method, []).append(_Fault(times, delay=seconds))

    def set_latency(self, seconds: float) -> None:
        """Add ``seconds`` before every Web API answer from now on (0 for none).

        The wait holds no lock, so concurrent calls overlap as they would on the network; it comes
        on top of any `delay_next`. ``response_url`` posts and file uploads are not slowed.
        """
        if not seconds >= 0:  # also refuses NaN
            raise ValueError(f"latency must be 0 or more seconds, got {seconds!r}")
        self._latency = float(seconds)  # one attribute write: atomic, read without the lock

    # ------------------------------------------------------------------ HTTP plumbing

    def _changed(self) -> None:
        """Called with the lock held: wake whoever waits for calls or for a change."""
        self._version += 1
        self._cond.notify_all()

    def _reset_state(self) -> None:
        self._calls: list[RecordedCall] = []
        self._open_modals: dict[str, str] = {}  # user -> root view of the modal they have open
        self._view_errors: dict[str, dict[str, str]] = {}
        self._messages: dict[str, list[JSON]] = {}
        self._ephemeral: dict[str, list[JSON]] = {}
        self._views: dict[str, JSON] = {}
        self._stacks: dict[str, list[str]] = {}
        self._last_root: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self._home: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._ims: dict[str, JSON] = {}
        self._uploads: dict[str, _Upload] = {}
        self._upload_order: list[_Upload] = []
        self._files: dict[str, _Upload] = {}  # complete files by id: the bot's and people's
        self._faults: dict[str, list[_Fault]] = {}
        self._held: dict[str, list[_Fault]] = {}
        self._last_ts = 0
        self._ids = itertools.count(1)

    def _serve(self, request: _RequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = dict(request.headers.items())
        parts = urlsplit(request.path)
        latency = self._latency
        if latency and parts.path.startswith("/api/"):
            time.sleep(latency)  # outside the lock: concurrent calls wait side by side
        method, args, answer = self._route(request.command, parts.path, parts.query, headers, body)
        with self._cond:  # recorded before answering: a caller that got its answer sees it
            self._calls.append(
                RecordedCall(
                    method, request.path, headers, body, args, answer.status, answer.body, self._clock()
                )
            )
            if self._keep_calls is not None and len(self._calls) > self._keep_calls:
                del self._calls[: len(self._calls) - self._keep_calls]
            self._changed()
            held = self._held.get(method) or []
            hold = held[0].delay if held else 0.0
            if held:
                held[0].remaining -= 1
                if held[0].remaining <= 0:
                    held.pop(0)
        if hold:
            time.sleep(hold)  # outside the lock: the call is recorded, its answer not yet given
        if answer.raw is not None:
            payload, content_type = answer.raw, answer.content_type
        elif answer.text is not None:
            payload, content_type = answer.text.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(answer.body).encode(), "application/json; charset=utf-8"
        request.send_response(answer.status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)

    def _route(
        self, verb: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, JSON, _Answer]:
        """The method a request is for, its parsed arguments, and the answer to give."""
        if path.startswith("/api/"):
            method = path[len("/api/") :]
            try:
                args, token = _parse_api_args(headers, body, query)
            except SlackFailure as failure:
                return method, {}, failure.answer()
            if method not in self._methods:  # Slack answers this before looking at the token
                return (
                    method,
                    args,
                    _Answer(200, {"ok": False, "error": "unknown_method", "req_method": method}),
                )
            return method, args, self._faulted(method) or self._call_api(method, args, token)
        if path.startswith(RESPONSE_URL_PREFIX):
            try:
                args = _parse_json_object(body, status=400, error="invalid_payload")
            except SlackFailure as failure:
                return "response_url", {}, failure.answer()
            key = path[len(RESPONSE_URL_PREFIX) :]
            return "response_url", args, self._faulted("response_url") or self._call_response_url(key, args)
        if path.startswith(UPLOAD_PREFIX):
            key, data = path[len(UPLOAD_PREFIX) :], _upload_bytes(headers, body)
            args = {"length": len(data)}
            return "file_upload", args, self._faulted("file_upload") or self._receive_upload(key, data)
        if path.startswith(FILES_PREFIX):
            answer = self._faulted("file_download") or self._download(verb, path, headers)
            return "file_download", {}, answer
        return path, {}, _Answer(404, {"ok": False, "error": "not_found"})

    def _faulted(self, method: str) -> _Answer | None:
        with self._cond:
            queue = self._faults.get(method) or []
            fault = queue[0] if queue else None
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
        if fault.delay:
            time.sleep(fault.delay)
            return None
        if fault.error is not None:
            return _Answer(fault.status or 200, {"ok": False, "error": fault.error})
        if fault.status == 429:
            return _Answer(
                429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
            )
        error = {500: "internal_error", 503: "service_unavailable"}.get(fault.status or 0)
        return _Answer(fault.status or 500, {"ok": False, "error": error or "fatal_error"})

    def _call_api(self, method: str, args: JSON, token: str | None) -> _Answer:
        try:
            if not token:
                raise SlackFailure("not_authed")
            if token != self.bot_token:
                raise SlackFailure("invalid_auth")
            with self._cond:
                return _Answer(200, {"ok": True, **self._methods[method](args)})
        except SlackFailure as failure:
            return failure.answer()

    # ------------------------------------------------------------------ directory

    def _user_record(self, user_id: str, fields: Mapping[str, Any]) -> JSON:
        name = str(fields.get("name", user_id.lower()))
        real_name = str(fields.get("real_name", name.title()))
        profile: JSON = {"real_name": real_name, "display_name": name, "title": "", "team": self.team_id}
        if not fields.get("is_bot"):
            profile["email"] = f"{name}@{self.team_domain}.example"
        record: JSON = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": "America/New_York",
            "tz_label": "Eastern Standard Time",
            "tz_offset": -18000,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": _EPOCH,
        }
        record.update({k: v for k, v in fields.items() if k not in {"profile", "title"}})
        profile.update({"title": fields.get("title", "")}, **dict(fields.get("profile") or {}))
        record["profile"] = profile
        return record

    def _channel_record(self, channel_id: str, fields: Mapping[str, Any]) -> JSON:
        name = str(fields.get("name", channel_id.lower()))
        private = bool(fields.get("is_private", False))
        record: JSON = {
            "id": channel_id,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_im": False,
            "is_mpim": False,
            "is_private": private,
            "created": _EPOCH,
            "is_archived": False,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "is_member": True,
            "creator": "U0ADMIN",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "context_team_id": self.team_id,
        }
        record.update({k: v for k, v in fields.items() if k != "members"})
        return record

    def _usergroup_record(self, group_id: str, fields: Mapping[str, Any]) -> JSON:
        name = str(fields.get("name", group_id.lower()))
        disabled = bool(fields.get("disabled"))
        return {
            "id": group_id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": name,
            "description": str(fields.get("description", "")),
            "handle": str(fields.get("handle", re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))),
            "is_external": False,
            "date_create": _EPOCH,
            "date_update": _EPOCH,
            "date_delete": _EPOCH if disabled else 0,
            "auto_type": None,
            "auto_provision": False,
            "enterprise_subteam_id": "",
            "created_by": "U0ADMIN",
            "updated_by": "U0ADMIN",
            "deleted_by": "U0ADMIN" if disabled else None,
            "prefs": {"channels": [], "groups": []},
        }

    def _usergroup(self, group_id: object, *, include_disabled: bool) -> JSON:
        group = self._usergroups.get(group_id) if isinstance(group_id, str) else None
        if group is None or (group["date_delete"] and not include_disabled):
            raise SlackFailure("no_such_subteam")
        return group

    def _user(self, user_id: object) -> JSON:
        user = self._users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise SlackFailure("user_not_found")
        return user

    def _channel(self, ref: object, *, users_open_dm: bool = False) -> JSON:
        """A channel by id or name (``#name`` too); a user id opens a DM when allowed."""
        if not isinstance(ref, str) or not ref:
            raise SlackFailure("channel_not_found")
        if ref in self._ims:
            return self._ims[ref]
        if users_open_dm and ref in self._users:
            return self._ims[self._open_im(ref)]
        by_name = {c["name"]: c for c in self._channels.values()}
        channel = self._channels.get(ref) or by_name.get(ref.lstrip("#"))
        if channel is None or (channel["is_private"] and not channel["is_member"]):
            raise SlackFailure("channel_not_found")  # private channels one is not in are unseen
        return channel

    def _open_im(self, user_id: str) -> str:
        channel_id = f"D{user_id[1:]}"
        if channel_id not in self._ims:
            self._ims[channel_id] = {
                "id": channel_id,
                "created": int(self._wall_clock()),
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "user": user_id,
                "is_user_deleted": False,
                "priority": 0,
            }
            self._members[channel_id] = {user_id, self.bot_user_id}
        return channel_id

    def _readable(self, ref: object) -> JSON:
        """A conversation whose history the bot may read: a DM it has, or a channel it is in."""
        if not isinstance(ref, str) or (ref not in self._channels and ref not in self._ims):
            raise SlackFailure("channel_not_found")  # history takes ids only, not names
        channel = self._channel(ref)
        if not channel.get("is_im") and not channel.get("is_member", True):
            raise SlackFailure("not_in_channel")
        return channel

    def _postable(self, ref: object) -> JSON:
        channel = self._channel(ref, users_open_dm=True)
        if channel.get("is_archived"):
            raise SlackFailure("is_archived")
        if not channel.get("is_im") and not channel.get("is_member", True):
            raise SlackFailure("not_in_channel")
        return channel

    # ------------------------------------------------------------------ cursor pagination

    @staticmethod
    def _paged(
        ids: list[str], args: JSON, *, default_limit: int | None, max_limit: int, kind: str = "user"
    ) -> tuple[list[str], str]:
        """One page of ``ids`` and the cursor to the next ("" on the last page), as Slack pages.

        A cursor is opaque to callers; here it is base64 of ``<kind>:<first id of the page>``
        (``user:U123``, ``next_ts:1700000000.000100``), the shape Slack's own cursors have.
        """
        raw_limit = args.get("limit")
        try:
            limit = int(raw_limit) if raw_limit not in (None, "") else 0
        except (TypeError, ValueError):
            raise SlackFailure("invalid_limit") from None
        if limit < 0 or limit > max_limit:
            raise SlackFailure("invalid_limit")
        limit = limit or default_limit or len(ids) or 1
        start = 0
        cursor = _text(args.get("cursor"))
        if cursor:
            try:
                first = base64.b64decode(cursor, validate=True).decode().partition(":")[2]
            except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
                raise SlackFailure("invalid_cursor") from None
            if first not in ids:
                raise SlackFailure("invalid_cursor")
            start = ids.index(first)
        end = start + limit
        following = base64.b64encode(f"{kind}:{ids[end]}".encode()).decode() if end < len(ids) else ""
        return ids[start:end], following

    # ------------------------------------------------------------------ message store

    def _next_ts(self) -> str:
        micros = max(int(self._wall_clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _store(self, channel_id: str, message: JSON, thread_ts: object = None) -> JSON:
        message = {**message, "ts": self._next_ts()}
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
            parent = self._find(channel_id, str(thread_ts))
            if parent is not None:
                parent.setdefault("thread_ts", parent["ts"])
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["latest_reply"] = message["ts"]
        self._messages.setdefault(channel_id, []).append(message)
        return message

    def _find(self, channel_id: str, ts: object) -> JSON | None:
        for message in self._messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        return None

    def _existing(self, args: JSON, ts_arg: str) -> tuple[JSON, JSON]:
        channel = self._channel(args.get("channel"))
        message = self._find(channel["id"], args.get(ts_arg))
        if message is None:
            raise SlackFailure("message_not_found")
        return channel, message

    def _bot_message(self, content: JSON) -> JSON:
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            **content,
        }

    # ------------------------------------------------------------------ Web API methods

    def _auth_test(self, args: JSON) -> JSON:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: JSON) -> JSON:
        channel = self._postable(args.get("channel"))
        content = _validated_content(args)
        content["text"] = content["text"][:MESSAGE_TEXT_LIMIT]  # Slack truncates, no error
        message = self._store(channel["id"], self._bot_message(content), args.get("thread_ts"))
        return {"channel": channel["id"], "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: JSON) -> JSON:
        channel = self._postable(args.get("channel"))
        user = self._user(args.get("user"))
        if user["id"] not in self._members.get(channel["id"], set()):
            raise SlackFailure("user_not_in_channel")
        content = _validated_content(args)
        if len(content["text"]) > MESSAGE_TEXT_LIMIT:
            raise SlackFailure("msg_too_long")
        message = {**self._bot_message(content), "ts": self._next_ts(), "to_user": user["id"]}
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self._ephemeral.setdefault(channel["id"], []).append(message)
        return {"message_ts": message["ts"]}

    def _chat_update(self, args: JSON) -> JSON:
        channel, message = self._existing(args, "ts")
        if message.get("bot_id") != self.bot_id:
            raise SlackFailure("cant_update_message")
        content = _validated_content(args)
        if len(content["text"]) > MESSAGE_TEXT_LIMIT:
            raise SlackFailure("msg_too_long")
        message.update(content)  # blocks/attachments left out are kept, as Slack does
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel["id"],
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: JSON) -> JSON:
        channel, message = self._existing(args, "ts")
        if message.get("bot_id") != self.bot_id:
            raise SlackFailure("cant_delete_message")
        self._messages[channel["id"]].remove(message)
        return {"channel": channel["id"], "ts": message["ts"]}

    def _chat_get_permalink(self, args: JSON) -> JSON:
        channel, message = self._existing(args, "message_ts")
        link = (
            f"https://{self.team_domain}.slack.com/archives/{channel['id']}/p{message['ts'].replace('.', '')}"
        )
        if message.get("thread_ts") not in (None, message["ts"]):
            link += f"?thread_ts={message['thread_ts']}&cid={channel['id']}"
        return {"channel": channel["id"], "permalink": link}

    def _views_open(self, args: JSON) -> JSON:
        view = self._valid_view(args, ("modal",))
        trigger = self._exchange(args)
        view_id = self._new_view(view, root_id=None, previous_id=None)
        self._stacks[view_id] = [view_id]
        if trigger.user_id:
            self._last_root[trigger.user_id] = view_id
            self._open_modals[trigger.user_id] = view_id  # a new modal replaces any left open
        return {"view": copy.deepcopy(self._views[view_id])}

    def _views_push(self, args: JSON) -> JSON:
        view = self._valid_view(args, ("modal",))
        trigger = self._exchange(args)
        origin = self._views.get(trigger.view_id or "")
        root_id = origin["root_view_id"] if origin else self._last_root.get(trigger.user_id or "")
        stack = self._stacks.get(root_id or "")
        if not stack:
            raise SlackFailure("not_found")
        if len(stack) >= VIEW_STACK_LIMIT:
            raise SlackFailure("push_limit_reached")
        view_id = self._new_view(view, root_id=root_id, previous_id=stack[-1])
        stack.append(view_id)
        return {"view": copy.deepcopy(self._views[view_id])}

    def _views_update(self, args: JSON) -> JSON:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if bool(view_id) == bool(external_id):
            raise SlackFailure(
                "invalid_arguments", messages=["[ERROR] exactly one of view_id or external_id is required"]
            )
        current = self._views.get(view_id or self._external_ids.get(str(external_id), ""))
        if current is None:
            raise SlackFailure("not_found")
        view = self._valid_view(args, (current["type"],))
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackFailure("hash_conflict")
        self._new_view(
            view,
            root_id=current["root_view_id"],
            previous_id=current["previous_view_id"],
            view_id=current["id"],
        )
        return {"view": copy.deepcopy(self._views[current["id"]])}

    def _views_publish(self, args: JSON) -> JSON:
        if not args.get("user_id"):
            raise SlackFailure("invalid_arguments", messages=["[ERROR] missing required field: user_id"])
        user = self._user(args["user_id"])
        view = self._valid_view(args, ("home",))
        current = self._views.get(self._home.get(user["id"], ""))
        if current and args.get("hash") and args["hash"] != current["hash"]:
            raise SlackFailure("hash_conflict")
        view_id = self._new_view(
            view, root_id=None, previous_id=None, view_id=current["id"] if current else None
        )
        self._home[user["id"]] = view_id
        return {"view": copy.deepcopy(self._views[view_id])}

    def _users_info(self, args: JSON) -> JSON:
        user = copy.deepcopy(self._user(args.get("user")))
        if _flag(args.get("include_locale")):
            user["locale"] = "en-US"
        return {"user": user}

    def _users_list(self, args: JSON) -> JSON:
        page, following = self._paged(list(self._users), args, default_limit=None, max_limit=1000)
        members = [copy.deepcopy(self._users[uid]) for uid in page]
        if _flag(args.get("include_locale")):
            for member in members:
                member["locale"] = "en-US"
        return {
            "members": members,
            "cache_ts": int(self._wall_clock()),
            "response_metadata": {"next_cursor": following},
        }

    def _usergroups_list(self, args: JSON) -> JSON:
        groups: list[JSON] = []
        for group_id, group in self._usergroups.items():
            if group["date_delete"] and not _flag(args.get("include_disabled")):
                continue
            entry = copy.deepcopy(group)
            if _flag(args.get("include_count")):
                entry["user_count"] = len(self._usergroup_users[group_id])
            if _flag(args.get("include_users")):
                entry["users"] = list(self._usergroup_users[group_id])
            groups.append(entry)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: JSON) -> JSON:
        group = self._usergroup(args.get("usergroup"), include_disabled=_flag(args.get("include_disabled")))
        return {"users": list(self._usergroup_users[group["id"]])}

    def _conversations_members(self, args: JSON) -> JSON:
        channel = self._channel(args.get("channel"))
        members = sorted(self._members.get(channel["id"], ()))
        page, following = self._paged(members, args, default_limit=100, max_limit=999)
        return {"members": page, "response_metadata": {"next_cursor": following}}

    def _conversations_history(self, args: JSON) -> JSON:
        channel = self._readable(args.get("channel"))
        oldest = _timestamp(args.get("oldest"), "invalid_ts_oldest")
        latest = _timestamp(args.get("latest"), "invalid_ts_latest")
        inclusive = _flag(args.get("inclusive"))  # only ever compared against a given bound

        def in_range(ts: Decimal) -> bool:
            after = oldest is None or ts > oldest or (inclusive and ts == oldest)
            before = latest is None or ts < latest or (inclusive and ts == latest)
            return after and before

        # Top-level messages and thread parents, newest first; replies stay in their threads.
        timeline = {
            m["ts"]: m
            for m in reversed(self._messages.get(channel["id"], []))
            if m.get("thread_ts") in (None, m["ts"]) and in_range(Decimal(m["ts"]))
        }
        page, following = self._paged(
            list(timeline),
            args,
            default_limit=HISTORY_DEFAULT_LIMIT,
            max_limit=HISTORY_LIMIT,
            kind="next_ts",
        )
        messages = [copy.deepcopy(timeline[ts]) for ts in page]
        if not _flag(args.get("include_all_metadata")):
            for message in messages:
                message.pop("metadata", None)
        return {
            "messages": messages,
            "has_more": bool(following),
            "pin_count": 0,  # pins are not modelled
            "response_metadata": {"next_cursor": following},
        }

    def _conversations_info(self, args: JSON) -> JSON:
        channel = copy.deepcopy(self._channel(args.get("channel")))
        if _flag(args.get("include_num_members")):
            channel["num_members"] = len(self._members.get(channel["id"], ()))
        return {"channel": channel}

    def _conversations_open(self, args: JSON) -> JSON:
        if args.get("channel"):
            channel = self._channel(args["channel"])
            return {"no_op": True, "already_open": True, "channel": {"id": channel["id"]}}
        if not args.get("users"):
            raise SlackFailure("users_list_not_supplied")
        raw = args["users"]
        ids = [u.strip() for u in (raw.split(",") if isinstance(raw, str) else raw) if u.strip()]
        people = [self._user(uid)["id"] for uid in ids if uid != self.bot_user_id]
        if len(people) != 1:  # group DMs are not modelled
            raise SlackFailure("not_enough_users" if not people else "too_many_users")
        existed = f"D{people[0][1:]}" in self._ims
        channel_id = self._open_im(people[0])
        answer: JSON = {
            "channel": copy.deepcopy(self._ims[channel_id])
            if _flag(args.get("return_im"))
            else {"id": channel_id}
        }
        if existed:
            answer.update(no_op=True, already_open=True)
        return answer

    def _reactions_add(self, args: JSON) -> JSON:
        if not args.get("channel") or not args.get("timestamp"):
            raise SlackFailure("no_item_specified")
        name = _text(args.get("name"))
        if not EMOJI_NAME.match(name):
            raise SlackFailure("invalid_name")
        channel = self._channel(args["channel"])
        message = self._find(channel["id"], args["timestamp"])
        if message is None:
            raise SlackFailure("message_not_found")
        reactions: list[JSON] = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise SlackFailure("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return {}

    def _files_get_upload_url_external(self, args: JSON) -> JSON:
        filename = _text(args.get("filename"))
        if not filename:
            raise SlackFailure("invalid_arguments", messages=["[ERROR] missing required field: filename"])
        if args.get("length") in (None, ""):
            raise SlackFailure("invalid_arguments", messages=["[ERROR] missing required field: length"])
        try:
            length = int(args["length"])
        except (TypeError, ValueError):
            raise SlackFailure(
                "invalid_arguments", messages=["[ERROR] length must be an integer [json-pointer:/length]"]
            ) from None
        if length <= 0:
            raise SlackFailure("missing_argument")  # Slack's answer to a length of 0
        upload = _Upload(file_id=_new_id("F"), filename=filename, length=length, user=self.bot_user_id)
        key = f"{self.team_id}/{upload.file_id}/{secrets.token_urlsafe(18)}"
        self._uploads[key] = upload
        self._upload_order.append(upload)
        return {"upload_url": f"{self.url.rstrip('/')}{UPLOAD_PREFIX}{key}", "file_id": upload.file_id}

    def _receive_upload(self, key: str, data: bytes) -> _Answer:
        """The upload service: keeps the bytes when they are as long as announced."""
        with self._cond:
            upload = self._uploads.get(key)
            if upload is None:
                return _Answer(404, {"ok": False, "error": "not_found"}, text="Not Found")
            if upload.data is not None:
                return _Answer(400, {"ok": False, "error": "already_uploaded"}, text="already uploaded")
            if len(data) != upload.length:
                # Stricter than Slack documents: a short or long upload is refused at once.
                message = f"length mismatch: expected {upload.length} bytes, got {len(data)}"
                return _Answer(400, {"ok": False, "error": "length_mismatch"}, text=message)
            upload.data = data
        return _Answer(200, {"ok": True, "file_id": upload.file_id}, text=f"OK - {len(data)}")

    def _files_complete_upload_external(self, args: JSON) -> JSON:
        listed = args.get("files")
        if isinstance(listed, str):
            with contextlib.suppress(ValueError):
                listed = json.loads(listed)
        if not (
            isinstance(listed, list) and listed and all(isinstance(f, dict) and f.get("id") for f in listed)
        ):
            raise SlackFailure(
                "invalid_arguments",
                messages=["[ERROR] files must be an array of {id, title} [json-pointer:/files]"],
            )
        comment = _text(args.get("initial_comment"))
        # Slack documents that `blocks` are ignored when `initial_comment` is given.
        blocks = None if comment or args.get("blocks") is None else _valid_message_blocks(args["blocks"])
        by_id = {u.file_id: u for u in self._upload_order}
        uploads: list[tuple[_Upload, str]] = []
        for item in listed:
            upload = by_id.get(str(item["id"]))
            if upload is None or upload.data is None or upload.shared is not None:
                raise SlackFailure("file_not_found")
            uploads.append((upload, _text(item.get("title")) or upload.filename))
        targets = [str(args["channel_id"])] if args.get("channel_id") else []
        targets += [c.strip() for c in _text(args.get("channels")).split(",") if c.strip()]
        channels = [self._upload_channel(ref) for ref in targets]
        if args.get("thread_ts") and len(channels) != 1:
            raise SlackFailure("invalid_arguments", messages=["[ERROR] thread_ts needs exactly one channel"])
        files = [self._file_object(upload, title) for upload, title in uploads]
        content: JSON = {"text": comment, **({"blocks": blocks} if blocks is not None else {})}
        for channel in channels:
            message = {**self._bot_message(content), "files": copy.deepcopy(files), "upload": True}
            self._store(channel["id"], message, args.get("thread_ts"))
        for (upload, title), file in zip(uploads, files, strict=True):
            upload.shared = {
                "title": title,
                "channels": [c["id"] for c in channels],
                "initial_comment": comment,
                "thread_ts": _text(args.get("thread_ts")) or None,
            }
            upload.file = file
            self._files[upload.file_id] = upload
        return {"files": copy.deepcopy(files)}

    def _files_info(self, args: JSON) -> JSON:
        upload = self._files.get(_text(args.get("file")))
        if upload is None or upload.file is None:
            raise SlackFailure("file_not_found")
        return {
            "file": copy.deepcopy(upload.file),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _upload_channel(self, ref: str) -> JSON:
        """Where a completed upload is shared: a channel or DM by ID (names are refused), or a user's DM."""
        if ref in self._users:
            return self._ims[self._open_im(ref)]
        if ref not in self._channels and ref not in self._ims:
            raise SlackFailure("invalid_channel")
        channel = self._channel(ref)
        if channel.get("is_archived") or not (channel.get("is_im") or channel.get("is_member", True)):
            raise SlackFailure("posting_to_channel_denied")
        return channel

    def _file_object(self, upload: _Upload, title: str, filetype: str | None = None) -> JSON:
        extension = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else ""
        kind = filetype or extension or "binary"
        # Served by this server (GET, with the bot token), where Slack serves files.slack.com.
        where = f"{self.url.rstrip('/')}{FILES_PREFIX}{self.team_id}-{upload.file_id}"
        return {
            "id": upload.file_id,
            "created": int(self._wall_clock()),
            "timestamp": int(self._wall_clock()),
            "name": upload.filename,
            "title": title,
            "mimetype": mimetypes.guess_type(upload.filename)[0] or "application/octet-stream",
            "filetype": kind,
            "pretty_type": kind.upper() if kind != "binary" else "Binary",
            "user": upload.user,
            "user_team": self.team_id,
            "editable": False,
            "size": upload.length,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{where}/{upload.filename}",
            "url_private_download": f"{where}/download/{upload.filename}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{upload.user}/{upload.file_id}/{upload.filename}",
        }

    def _download(self, verb: str, path: str, headers: Mapping[str, str]) -> _Answer:
        """A file's bytes at its ``url_private``/``url_private_download``, for the bot's token only.

        Without it Slack answers with its sign-in page rather than the file: 403 and HTML here.
        """
        if verb != "GET":
            return _Answer(405, {}, text="Method Not Allowed")
        bearer = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if bearer != f"Bearer {self.bot_token}":
            return _Answer(403, {}, raw=SIGN_IN_PAGE, content_type="text/html; charset=utf-8")
        owner, _, rest = path[len(FILES_PREFIX) :].partition("/")
        team, _, file_id = owner.partition("-")
        name = rest.removeprefix("download/")
        with self._cond:
            upload = self._files.get(file_id)
        if team != self.team_id or upload is None or upload.data is None or name != upload.filename:
            return _Answer(404, {}, text="Not Found")
        return _Answer(
            200,
            {},
            raw=upload.data,
            content_type=mimetypes.guess_type(upload.filename)[0] or "application/octet-stream",
        )

    # ------------------------------------------------------------------ views and triggers

    def _valid_view(self, args: JSON, kinds: tuple[str, ...]) -> JSON:
        view = args.get("view")
        if view is None:
            raise SlackFailure("invalid_arguments", messages=["[ERROR] missing required field: view"])
        if len(json.dumps(view)) > VIEW_SIZE_LIMIT:
            raise SlackFailure("view_too_large")
        problems = _view_problems(view, kinds=kinds)
        if problems:
            raise SlackFailure("invalid_arguments", messages=problems)
        return dict(view)

    def _exchange(self, args: JSON) -> _Trigger:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise SlackFailure("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackFailure("invalid_trigger_id")
        if trigger.used:
            raise SlackFailure("exchanged_trigger_id")
        if self._clock() - trigger.issued_at > TRIGGER_TTL:
            raise SlackFailure("expired_trigger_id")
        trigger.used = True
        return trigger

    def _new_view(
        self, view: JSON, *, root_id: str | None, previous_id: str | None, view_id: str | None = None
    ) -> str:
        external_id = _text(view.get("external_id"))
        owner = self._external_ids.get(external_id)
        if external_id and owner not in (None, view_id):
            raise SlackFailure("duplicate_external_id")
        view_id = view_id or "V" + "".join(
            secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10)
        )
        self._views[view_id] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view["blocks"],
            "private_metadata": _text(view.get("private_metadata")),
            "callback_id": _text(view.get("callback_id")),
            "state": {"values": {}},
            "hash": f"{int(self._wall_clock())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous_id,
            "root_view_id": root_id or view_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if external_id:
            self._external_ids[external_id] = view_id
        return view_id

    # ------------------------------------------------------------------ response_url

    def _call_response_url(self, key: str, args: JSON) -> _Answer:
        try:
            with self._cond:
                return _Answer(200, self._respond(key, args))
        except SlackFailure as failure:
            return failure.answer()

    def _respond(self, key: str, args: JSON) -> JSON:
        hook = self._response_urls.get(key)
        if hook is None:
            raise SlackFailure("no_service", status=404)
        if self._clock() - hook.issued_at > RESPONSE_URL_TTL:
            raise SlackFailure("expired_url", status=404)
        if hook.uses >= RESPONSE_URL_USES:
            raise SlackFailure("used_url", status=404)
        original = (
            self._find(hook.channel_id, hook.message_ts) if hook.channel_id and hook.message_ts else None
        )
        if original is None and hook.channel_id and hook.message_ts:
            # An action in an ephemeral message: its response_url replaces or deletes that one.
            original = next(
                (
                    m
                    for m in self._ephemeral.get(hook.channel_id, [])
                    if m["ts"] == hook.message_ts and m.get("to_user") == hook.user_id
                ),
                None,
            )
        if _flag(args.get("delete_original")):
            if original is not None:
                for kept in (self._messages, self._ephemeral):
                    if original in kept.get(str(hook.channel_id), []):
                        kept[str(hook.channel_id)].remove(original)
        else:
            content = _validated_content(args, status=400)
            if _flag(args.get("replace_original")) and original is not None:
                original.update(content)
            elif hook.channel_id and args.get("response_type") == "in_channel":
                self._store(hook.channel_id, self._bot_message(content), args.get("thread_ts"))
            elif hook.channel_id:
                self._ephemeral.setdefault(hook.channel_id, []).append(
                    {**self._bot_message(content), "ts": self._next_ts(), "to_user": hook.user_id}
                )
        hook.uses += 1
        return {"ok": True}


# --------------------------------------------------------------------------- request parsing


def _parse_json_object(body: bytes, *, status: int, error: str) -> JSON:
    try:
        parsed = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise SlackFailure(error, status=status) from None
    if not isinstance(parsed, dict):
        raise SlackFailure(error, status=status)
    return parsed


def _parse_api_args(headers: Mapping[str, str], body: bytes, query: str) -> tuple[JSON, str | None]:
    """Web API arguments from the query string and body, and the caller's token.

    As Slack documents, a JSON body's token is not read: JSON callers must send
    ``Authorization: Bearer``. JSON-valued form fields are decoded where they parse.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    args: JSON = dict(parse_qsl(query, keep_blank_values=True))
    form_token = args.pop("token", None)
    if body:
        content_type = lowered.get("content-type")
        if not content_type:
            raise SlackFailure("missing_post_type")
        media, _, params = content_type.partition(";")
        media = media.strip().lower()
        charset = (
            dict(p.strip().partition("=")[::2] for p in params.split(";") if p.strip())
            .get("charset", "utf-8")
            .strip('"')
            .lower()
        )
        if media not in POST_TYPES:
            raise SlackFailure("invalid_post_type")
        if charset not in CHARSETS:
            raise SlackFailure("invalid_charset")
        if media == "application/json":
            fields = _parse_json_object(body, status=200, error="invalid_json")
            fields.pop("token", None)
        elif media == "multipart/form-data":
            fields = _parse_multipart(content_type, body)
            form_token = fields.pop("token", form_token)
        else:
            try:
                fields = dict(parse_qsl(body.decode(charset), keep_blank_values=True, strict_parsing=True))
            except (UnicodeDecodeError, ValueError):
                raise SlackFailure("invalid_form_data") from None
            form_token = fields.pop("token", form_token)
        args.update(fields)
    for name in JSON_VALUED_ARGS:
        if isinstance(args.get(name), str):
            with contextlib.suppress(ValueError):  # else kept: the method names the problem
                args[name] = json.loads(args[name])
    bearer = lowered.get("authorization", "")
    token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else None
    return args, token or (str(form_token) if form_token else None)


def _parse_multipart(content_type: str, body: bytes) -> JSON:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise SlackFailure("invalid_form_data")
    fields: JSON = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        raw = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        fields[name] = (
            {"filename": filename, "length": len(raw)} if filename else raw.decode("utf-8", "replace")
        )
    return fields


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


def _upload_bytes(headers: Mapping[str, str], body: bytes) -> bytes:
    """The file an upload carries: the raw body, or the file part of a multipart form."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    part = next((p for p in parts if p.get_filename()), parts[0] if parts else None)
    data = part.get_payload(decode=True) if part is not None else None
    return data if isinstance(data, bytes) else b""
