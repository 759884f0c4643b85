"""Contract checks: is what Tandem sends to Slack accepted by Slack's own type definitions?

The JSON Schemas under ``schemas/`` are generated from ``@slack/web-api`` and ``@slack/types``
(see ``generate.mjs`` and ``README.md``); this module validates recorded calls against them.

Public API (each returns human-readable violations; an empty list means OK):

* ``check_web_api_call(method, args)``: one recorded Web API call (method name, decoded args).
* ``check_response_url_payload(payload)``: a JSON body POSTed to a ``response_url``.
* ``check_manifest(manifest)``: a Slack app manifest dict (e.g. loaded from YAML).
* ``check_blocks(blocks)`` / ``check_view(view)``: Block Kit pieces on their own.

Each violation reads ``"<what>: <JSON path>: <message>"``, e.g.
``"chat.postMessage: $.blocks[0].type: 'secton' is not one of the known types: 'actions', ..."``.

How recorded args are read before validation (``check_web_api_call``):

* ``team_id`` is allowed on every method (must be a string): Bolt's per-request WebClient adds it
  to every call and Slack accepts it.
* ``SLACK_SDK_ALLOWANCES`` lists the few arguments slack_sdk 3.47 sends that the TypeScript types
  do not declare; they are type-checked here and left out of schema validation.
* Form-encoded calls carry scalars as strings. A *top-level* string value is coerced only when the
  schema does not accept a string for that argument: "true"/"false"/"1"/"0" to a boolean,
  an integer/decimal literal to a number, a JSON array/object literal to the decoded value
  (slack_sdk JSON-encodes ``files`` for files.completeUploadExternal), and otherwise, where an
  array is expected, a comma-separated list (slack_sdk joins ``file_ids`` that way). Anything else
  is validated as sent, so a wrong type is still reported. Nested values are never coerced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

#: Arguments accepted on every method, with the Python type their value must have.
ALWAYS_ALLOWED: Mapping[str, type] = {
    # Bolt's per-request WebClient adds team_id to every Web API call; Slack accepts it.
    "team_id": str,
}

#: Arguments slack_sdk 3.47 (Python) sends that @slack/web-api's argument types lack.
#: Keep this short and explain each entry; do not loosen the generated schemas instead.
SLACK_SDK_ALLOWANCES: Mapping[str, Mapping[str, type | tuple[type, ...]]] = {
    # WebClient.chat_postMessage(container_id=...): not declared by ChatPostMessageArguments.
    "chat.postMessage": {"container_id": str},
    # files.completeUploadExternal documents `channels` (comma-separated IDs), which
    # WebClient.files_completeUploadExternal(channels=[...]) sends; the TS type only has channel_id.
    "files.completeUploadExternal": {"channels": str},
    # Slack's parameter is `alt_txt` (what slack_sdk sends); the TS type calls it `alt_text`.
    "files.getUploadURLExternal": {"alt_txt": str},
    # WebClient.team_info(include_slackbot_availability=...): not in TeamInfoArguments.
    "team.info": {"include_slackbot_availability": (bool, str)},
}

#: Keys Bolt's ``respond()`` / slack_sdk's WebhookClient may put in a response_url body.
RESPONSE_URL_KEYS: Mapping[str, type | tuple[type, ...]] = {
    "text": str,
    "blocks": list,
    "attachments": list,
    "response_type": str,
    "replace_original": bool,
    "delete_original": bool,
    "unfurl_links": bool,
    "unfurl_media": bool,
    "thread_ts": str,
    "metadata": dict,
}
RESPONSE_TYPES = ("in_channel", "ephemeral")

_MAX_MESSAGE = 300
_BOOL_STRINGS = {"true": True, "false": False, "1": True, "0": False}
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d+")


# --------------------------------------------------------------------------- schema loading


@cache
def _index() -> Mapping[str, Any]:
    return _load("index.json")


@cache
def _load(relpath: str) -> Mapping[str, Any]:
    with (SCHEMA_DIR / relpath).open(encoding="utf-8") as f:
        data: Mapping[str, Any] = json.load(f)
    return data


@cache
def _validator(relpath: str, definition: str | None = None) -> Any:
    """A validator for a schema file, or for one of its definitions."""
    schema = _load(relpath)
    if definition is not None:
        schema = {
            "$schema": schema["$schema"],
            "$ref": f"#/definitions/{definition}",
            "definitions": schema["definitions"],
        }
    cls = validator_for(schema)
    return cls(schema)


def schema_files() -> dict[str, str]:
    """Every generated schema file by purpose: ``method:<name>``, ``manifest``, ``block-kit:<T>``."""
    index = _index()
    files = {f"method:{m}": info["file"] for m, info in index["methods"].items()}
    files["manifest"] = index["manifest"]
    files.update({f"block-kit:{name}": path for name, path in index["block_kit"].items()})
    return files


def known_methods() -> frozenset[str]:
    """Web API methods that have a generated schema."""
    return frozenset(_index()["methods"])


# --------------------------------------------------------------------------- error reporting


@dataclass(frozen=True)
class _Problem:
    path: tuple[str | int, ...]
    message: str

    def render(self, prefix: Sequence[str | int] = ()) -> str:
        return f"{_json_path([*prefix, *self.path])}: {self.message}"


def _json_path(path: Iterable[str | int]) -> str:
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _short(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _deref(root: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node and seen < 50:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[1]]
        seen += 1
    return node


def _type_consts(root: Mapping[str, Any], node: Any) -> set[str] | None:
    """The `type` discriminator values a (possibly union) schema accepts; None if open-ended."""
    node = _deref(root, node)
    if not isinstance(node, Mapping):
        return None
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        values: set[str] = set()
        for branch in branches:
            sub = _type_consts(root, branch)
            if sub is None:
                return None
            values |= sub
        return values
    prop = node.get("properties", {}).get("type")
    if not isinstance(prop, Mapping):
        return None
    if "const" in prop:
        return {prop["const"]}
    if "enum" in prop:
        return set(prop["enum"])
    return None


def _explain(root: Mapping[str, Any], error: ValidationError) -> list[_Problem]:
    """Turn one jsonschema error into the few most useful problems.

    For a failed union (anyOf/oneOf) report the branch that fits best: among object shapes
    discriminated by a `type` constant (Block Kit elements), only branches with the instance's
    `type`; if no branch has it, say so; otherwise the branch whose errors go deepest, then the
    one with the fewest errors.
    """
    path = tuple(error.absolute_path)
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [_Problem(path, _short(error.message))]

    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    branches: list[Any] = list(error.validator_value)
    instance = error.instance

    candidates = sorted(by_branch)
    if isinstance(instance, Mapping) and isinstance(instance.get("type"), str):
        per_branch = {i: _type_consts(root, branches[i]) for i in candidates}
        known = set().union(*(v for v in per_branch.values() if v is not None))
        if known:
            matching = [i for i in candidates if per_branch[i] and instance["type"] in per_branch[i]]
            if matching:
                candidates = matching
            else:
                expected = ", ".join(repr(v) for v in sorted(known))
                return [
                    _Problem(
                        (*path, "type"),
                        _short(f"{instance['type']!r} is not one of the known types: {expected}"),
                    )
                ]

    best: list[_Problem] | None = None
    best_key: tuple[int, int] | None = None
    for i in candidates:
        problems = [p for sub in by_branch[i] for p in _explain(root, sub)]
        key = (-max(len(p.path) for p in problems), len(problems))
        if best_key is None or key < best_key:
            best, best_key = problems, key
    assert best is not None
    return best


def _validate(relpath: str, instance: Any, definition: str | None = None) -> list[_Problem]:
    validator = _validator(relpath, definition)
    root = validator.schema
    problems: list[_Problem] = []
    for error in validator.iter_errors(instance):
        problems.extend(_explain(root, error))
    unique = {(p.path, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: (_json_path(p.path), p.message))


# --------------------------------------------------------------------------- form coercion


def _root_property_schemas(root: Mapping[str, Any], key: str) -> list[Any]:
    """Every schema the top-level object (across union branches) gives property `key`."""
    found: list[Any] = []

    def walk(node: Any, depth: int = 0) -> None:
        node = _deref(root, node)
        if not isinstance(node, Mapping) or depth > 20:
            return
        for union in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(union, ()):
                walk(branch, depth + 1)
        props = node.get("properties", {})
        if key in props:
            found.append(props[key])

    walk(root)
    return found


def _accepted_types(root: Mapping[str, Any], node: Any, depth: int = 0) -> set[str]:
    node = _deref(root, node)
    if not isinstance(node, Mapping) or depth > 20:
        return {"any"}
    types: set[str] = set()
    for union in ("anyOf", "oneOf"):
        for branch in node.get(union, ()):
            types |= _accepted_types(root, branch, depth + 1)
    declared = node.get("type")
    if isinstance(declared, str):
        types.add(declared)
    elif isinstance(declared, list):
        types.update(declared)
    values = [node["const"]] if "const" in node else list(node.get("enum", ()))
    for value in values:
        types.add(_json_type(value))
    if not types:
        types.add("any")
    return types


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "null"


def _coerce(value: str, accepted: set[str]) -> Any:
    if "string" in accepted or "any" in accepted:
        return value
    if "boolean" in accepted and value.lower() in _BOOL_STRINGS:
        return _BOOL_STRINGS[value.lower()]
    if accepted & {"integer", "number"} and _INT_RE.fullmatch(value):
        return int(value)
    if "number" in accepted and _FLOAT_RE.fullmatch(value):
        return float(value)
    if accepted & {"array", "object"} and value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if "array" in accepted:
        return [part.strip() for part in value.split(",")] if value else []
    return value


_JSON_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", list: "array", dict: "object"}


def _type_name(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(repr(_JSON_TYPE_NAMES.get(t, t.__name__)) for t in types)


# --------------------------------------------------------------------------- public checks


def check_web_api_call(method: str, args: Mapping[str, Any]) -> list[str]:
    """Violations of one recorded Web API call against @slack/web-api's argument type."""
    index = _index()
    info = index["methods"].get(method)
    if info is None:
        return [
            f"{method}: no contract schema for this Web API method; add it to "
            "tests/contract/methods.json and run `npm ci && npm run generate` in tests/contract"
        ]
    if not isinstance(args, Mapping):
        return [f"{method}: $: arguments must be an object, got {type(args).__name__}"]

    relpath = info["file"]
    root = _validator(relpath).schema
    violations: list[str] = []
    remaining: dict[str, Any] = dict(args)

    allowances = {**ALWAYS_ALLOWED, **SLACK_SDK_ALLOWANCES.get(method, {})}
    for key, expected in allowances.items():
        if key not in remaining or _root_property_schemas(root, key):
            continue  # absent, or declared by the type itself: the schema decides
        value = remaining.pop(key)
        if not isinstance(value, expected):
            violations.append(
                f"{method}: {_json_path([key])}: {value!r} is not of type {_type_name(expected)}"
            )

    for key, value in list(remaining.items()):
        if isinstance(value, str):
            schemas = _root_property_schemas(root, key)
            if schemas:
                accepted = set().union(*(_accepted_types(root, s) for s in schemas))
                remaining[key] = _coerce(value, accepted)

    violations.extend(f"{method}: {p.render()}" for p in _validate(relpath, remaining))
    return violations


def _block_violations(blocks: Any, path: Sequence[str | int]) -> list[str]:
    if not isinstance(blocks, list):
        return [f"{_json_path(path)}: must be an array, got {type(blocks).__name__}"]
    relpath = _index()["block_kit"]["KnownBlock"]
    return [p.render([*path, i]) for i, block in enumerate(blocks) for p in _validate(relpath, block)]


def check_blocks(blocks: Any) -> list[str]:
    """Violations of a list of Block Kit blocks against @slack/types' KnownBlock."""
    return [f"blocks: {v}" for v in _block_violations(blocks, ["blocks"])]


def check_view(view: Any) -> list[str]:
    """Violations of a view (modal / home tab) against @slack/types' View."""
    return [f"view: {p.render()}" for p in _validate(_index()["block_kit"]["View"], view)]


def check_response_url_payload(payload: Any) -> list[str]:
    """Violations of a JSON body POSTed to an interaction's response_url.

    Neither @slack/types nor @slack/web-api defines this payload (Bolt for JS keeps its
    ``RespondArguments`` in @slack/bolt), so the envelope is checked here: known keys only
    (``RESPONSE_URL_KEYS``, what Bolt's ``respond()`` can send), ``response_type`` is
    in_channel/ephemeral, the flags are booleans, ``blocks`` are KnownBlocks (stricter than
    chat.postMessage, which also accepts the generic ``Block``), ``attachments`` are
    MessageAttachments, a non-empty ``text`` fallback accompanies ``blocks``, and there is some
    content unless ``delete_original`` is true.
    """
    what = "response_url"
    if not isinstance(payload, Mapping):
        return [f"{what}: $: payload must be an object, got {type(payload).__name__}"]
    violations: list[str] = []
    for key, value in payload.items():
        expected = RESPONSE_URL_KEYS.get(key)
        if expected is None:
            violations.append(f"{what}: {_json_path([key])}: unknown key {key!r}")
        elif not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            violations.append(f"{what}: {_json_path([key])}: {value!r} is not of type {_type_name(expected)}")

    response_type = payload.get("response_type")
    if isinstance(response_type, str) and response_type not in RESPONSE_TYPES:
        violations.append(f"{what}: $.response_type: {response_type!r} is not one of {list(RESPONSE_TYPES)}")

    blocks = payload.get("blocks")
    if isinstance(blocks, list):
        violations.extend(f"{what}: {v}" for v in _block_violations(blocks, ["blocks"]))
        text = payload.get("text")
        if blocks and not (isinstance(text, str) and text.strip()):
            violations.append(
                f"{what}: $.text: a non-empty `text` fallback is required when `blocks` are sent"
            )

    attachments = payload.get("attachments")
    if isinstance(attachments, list):
        relpath = _index()["methods"]["chat.postMessage"]["file"]
        for i, attachment in enumerate(attachments):
            violations.extend(
                f"{what}: {p.render(['attachments', i])}"
                for p in _validate(relpath, attachment, "MessageAttachment")
            )

    if payload.get("delete_original") is not True and not any(
        payload.get(key) for key in ("text", "blocks", "attachments")
    ):
        violations.append(
            f"{what}: $: no `text`, `blocks` or `attachments` (and `delete_original` is not true)"
        )
    return violations


def check_manifest(manifest: Mapping[str, Any]) -> list[str]:
    """Violations of a Slack app manifest against @slack/web-api's apps.manifest.create type."""
    return [f"manifest: {p.render()}" for p in _validate(_index()["manifest"], manifest)]


def iter_violations(calls: Iterable[tuple[str, Mapping[str, Any]]]) -> Iterator[str]:
    """Violations of a sequence of recorded (method, args) calls, numbered by position."""
    for n, (method, args) in enumerate(calls):
        for violation in check_web_api_call(method, args):
            yield f"call #{n} {violation}"


# Calls that carry bytes (an upload, a download) rather than Web API arguments.
_NOT_API_CALLS = frozenset({"response_url", "file_upload", "file_download"})


def contract_breaches(calls: Iterable[Any]) -> list[str]:
    """Every way the recorded calls (the look-alike's `RecordedCall`s: `method` and `args`) break
    Slack's contract, as "method: problem" lines; none is an empty list."""
    breaches: list[str] = []
    for call in calls:
        if call.method == "response_url":
            breaches += [f"response_url: {p}" for p in check_response_url_payload(call.args)]
        elif call.method not in _NOT_API_CALLS:
            breaches += [f"{call.method}: {p}" for p in check_web_api_call(call.method, call.args)]
    return breaches
