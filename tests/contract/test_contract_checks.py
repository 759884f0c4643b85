"""Tests for the contract checks (tests/contract/checks.py) and the generated schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from urllib.request import Request

import pytest
import yaml
from jsonschema.validators import validator_for
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OptionGroup,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    RichTextBlock,
    RichTextElementParts,
    RichTextListElement,
    RichTextSectionElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from tests.contract import checks
from tests.contract.checks import (
    check_blocks,
    check_manifest,
    check_response_url_payload,
    check_view,
    check_web_api_call,
)

CONTRACT_DIR = Path(__file__).resolve().parent
SCHEMA_DIR = CONTRACT_DIR / "schemas"

OPTIONS = [Option(value="a", text="A"), Option(value="b", text="B", description="the b")]


def sdk_blocks() -> list[dict[str, Any]]:
    """A spread of Block Kit built with slack_sdk's own model classes."""
    blocks = [
        HeaderBlock(text="Thursday digest"),
        SectionBlock(
            text=MarkdownTextObject(text="*3 wins* this week"),
            accessory=ButtonElement(text="Open", action_id="open", value="42", style="primary"),
        ),
        SectionBlock(text="Fields", fields=["*Owner*", "<@U1>"], block_id="fields"),
        SectionBlock(
            text="Pick",
            accessory=StaticSelectElement(
                placeholder="Stage", action_id="stage", options=OPTIONS, initial_option=OPTIONS[0]
            ),
        ),
        SectionBlock(text="More", accessory=OverflowMenuElement(action_id="more", options=OPTIONS)),
        SectionBlock(text="Who", accessory=UserSelectElement(action_id="who", placeholder="User")),
        DividerBlock(),
        ImageBlock(image_url="https://example.com/chart.png", alt_text="chart", title="Pipeline"),
        ContextBlock(
            elements=[
                ImageElement(image_url="https://example.com/a.png", alt_text="avatar"),
                PlainTextObject(text="posted by Tandem"),
            ]
        ),
        ActionsBlock(
            block_id="actions",
            elements=[
                ButtonElement(
                    text="Delete",
                    action_id="delete",
                    style="danger",
                    confirm=ConfirmObject(title="Sure?", text="Really?", confirm="Yes", deny="No"),
                ),
                DatePickerElement(action_id="due", initial_date="2026-01-01"),
                TimePickerElement(action_id="at", initial_time="09:30"),
                ConversationSelectElement(action_id="where", placeholder="Channel"),
                CheckboxesElement(action_id="flags", options=OPTIONS),
            ],
        ),
        InputBlock(
            label="Note",
            block_id="note",
            element=PlainTextInputElement(action_id="note", multiline=True, max_length=500),
            optional=True,
            hint="Markdown is fine",
        ),
        InputBlock(
            label="Amount",
            element=NumberInputElement(action_id="amount", is_decimal_allowed=True),
        ),
        InputBlock(
            label="Tags",
            element=StaticMultiSelectElement(
                action_id="tags",
                placeholder="Tags",
                option_groups=[OptionGroup(label="Group", options=OPTIONS)],
            ),
        ),
        RichTextBlock(
            elements=[
                RichTextSectionElement(
                    elements=[
                        RichTextElementParts.Text(text="Win: ", style={"bold": True}),
                        RichTextElementParts.User(user_id="U1"),
                        RichTextElementParts.Link(url="https://example.com"),
                        RichTextElementParts.Emoji(name="tada"),
                    ]
                ),
                RichTextListElement(
                    style="bullet",
                    elements=[RichTextSectionElement(elements=[RichTextElementParts.Text(text="x")])],
                ),
            ]
        ),
    ]
    return [block.to_dict() for block in blocks]


def modal(blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id="log_win",
        title="Log a win",
        submit="Save",
        close="Cancel",
        private_metadata='{"channel": "C1"}',
        notify_on_close=True,
        blocks=blocks if blocks is not None else sdk_blocks(),
    )
    return view.to_dict()


#: A valid call for every method in methods.json (form-style scalars where slack_sdk sends them).
VALID_CALLS: dict[str, dict[str, Any]] = {
    "auth.test": {},
    "chat.delete": {"channel": "C1", "ts": "1700000000.000100"},
    "chat.getPermalink": {"channel": "C1", "message_ts": "1700000000.000100"},
    "chat.postEphemeral": {"channel": "C1", "user": "U1", "text": "Only you can see this"},
    "chat.postMessage": {"channel": "C1", "text": "Digest", "blocks": sdk_blocks()},
    "chat.scheduleMessage": {"channel": "C1", "text": "Reminder", "post_at": 1700000000},
    "chat.update": {"channel": "C1", "ts": "1700000000.000100", "text": "Edited"},
    "conversations.history": {"channel": "C1", "limit": "200", "oldest": "1700000000.0"},
    "conversations.info": {"channel": "C1", "include_num_members": "1"},
    "conversations.members": {"channel": "C1", "limit": "200", "cursor": "dXNlcjpVMDYxTkZUVDI="},
    "conversations.open": {"users": "U1,U2", "return_im": "1"},
    "conversations.replies": {"channel": "C1", "ts": "1700000000.000100", "inclusive": "1"},
    "files.completeUploadExternal": {
        "files": [{"id": "F1", "title": "pipeline.csv"}],
        "channel_id": "C1",
        "initial_comment": "This week's pipeline",
    },
    "files.getUploadURLExternal": {"filename": "pipeline.csv", "length": "2048"},
    "files.info": {"file": "F0123ABCD"},
    "reactions.add": {"channel": "C1", "name": "white_check_mark", "timestamp": "1700000000.1"},
    "team.info": {},
    "usergroups.list": {"include_users": "1"},
    "usergroups.users.list": {"usergroup": "S1"},
    "users.info": {"user": "U1"},
    "users.lookupByEmail": {"email": "ana@example.com"},
    "views.open": {"trigger_id": "123.456.abc", "view": modal()},
    "views.publish": {
        "user_id": "U1",
        "view": View(type="home", blocks=sdk_blocks()[:3]).to_dict(),
    },
    "views.push": {"trigger_id": "123.456.abc", "view": modal()},
    "views.update": {"view_id": "V1", "hash": "156772938.1827394", "view": modal()},
}


def methods_json() -> dict[str, str]:
    data: dict[str, str] = json.loads((CONTRACT_DIR / "methods.json").read_text())["methods"]
    return data


# --------------------------------------------------------------------------- generated schemas


def test_every_mapped_method_has_a_committed_schema() -> None:
    methods = methods_json()
    index = json.loads((SCHEMA_DIR / "index.json").read_text())
    assert {m: info["type"] for m, info in index["methods"].items()} == methods, (
        "schemas/index.json is out of date: run `npm ci && npm run generate` in tests/contract"
    )
    on_disk = {p.stem for p in (SCHEMA_DIR / "web-api").glob("*.json")}
    assert on_disk == set(methods), "schemas/web-api/ does not match methods.json; regenerate"
    assert checks.known_methods() == set(methods)


def test_no_stray_schema_files() -> None:
    referenced = set(checks.schema_files().values()) | {"index.json"}
    on_disk = {p.relative_to(SCHEMA_DIR).as_posix() for p in SCHEMA_DIR.rglob("*.json")}
    assert on_disk == referenced


@pytest.mark.parametrize("relpath", sorted(checks.schema_files().values()))
def test_schema_is_valid_and_strict(relpath: str) -> None:
    schema = json.loads((SCHEMA_DIR / relpath).read_text())
    validator_for(schema).check_schema(schema)
    assert "GENERATED by tests/contract/generate.mjs" in schema["$comment"]
    assert '"additionalProperties": false' in json.dumps(schema) or relpath.startswith("web-api/")


def test_valid_calls_cover_every_method() -> None:
    assert set(VALID_CALLS) == set(methods_json())


# --------------------------------------------------------------------------- Web API calls


@pytest.mark.parametrize("method", sorted(VALID_CALLS))
def test_valid_call_passes(method: str) -> None:
    assert check_web_api_call(method, VALID_CALLS[method]) == []


@pytest.mark.parametrize("method", sorted(VALID_CALLS))
def test_team_id_is_allowed_on_every_method(method: str) -> None:
    assert check_web_api_call(method, {**VALID_CALLS[method], "team_id": "T0123"}) == []


def test_team_id_must_be_a_string() -> None:
    assert check_web_api_call("chat.delete", {**VALID_CALLS["chat.delete"], "team_id": 7}) == [
        "chat.delete: $.team_id: 7 is not of type 'string'"
    ]


def test_post_message_built_from_slack_sdk_models_passes() -> None:
    args = {
        "channel": "C1",
        "text": "3 wins this week",
        "blocks": sdk_blocks(),
        "metadata": Metadata(event_type="digest_posted", event_payload={"week": 47}).to_dict(),
        "thread_ts": "1700000000.000100",
        "reply_broadcast": True,
        "unfurl_links": False,
        "username": "Tandem",
        "icon_emoji": ":handshake:",
        "team_id": "T1",
    }
    assert check_web_api_call("chat.postMessage", args) == []


def test_unknown_method_is_a_violation() -> None:
    [violation] = check_web_api_call("chat.meMessage", {"channel": "C1", "text": "hi"})
    assert "no contract schema" in violation
    assert "methods.json" in violation


def test_block_with_bad_type_fails() -> None:
    blocks = sdk_blocks()
    blocks[1]["type"] = "sectoin"
    [violation] = check_web_api_call("chat.postMessage", {"channel": "C1", "text": "x", "blocks": blocks})
    assert violation.startswith("chat.postMessage: $.blocks[1].type: 'sectoin' is not one of")
    assert "'section'" in violation


def test_nested_text_object_with_bad_type_fails() -> None:
    blocks = [{"type": "section", "text": {"type": "markdown", "text": "*hi*"}}]
    assert check_web_api_call("chat.postMessage", {"channel": "C1", "text": "x", "blocks": blocks}) == [
        "chat.postMessage: $.blocks[0].text.type: 'markdown' is not one of the known types: "
        "'mrkdwn', 'plain_text'"
    ]


def test_block_with_unknown_field_fails() -> None:
    blocks = [{"type": "divider", "colour": "red"}]
    assert check_web_api_call("chat.postMessage", {"channel": "C1", "text": "x", "blocks": blocks}) == [
        "chat.postMessage: $.blocks[0]: Additional properties are not allowed ('colour' was unexpected)"
    ]


def test_button_with_too_many_fields_in_wrong_place_fails() -> None:
    button = ButtonElement(text="Go", action_id="go").to_dict()
    blocks = [{"type": "actions", "elements": [{**button, "style": "green"}]}]
    [violation] = check_web_api_call("chat.postMessage", {"channel": "C1", "text": "x", "blocks": blocks})
    assert violation.startswith("chat.postMessage: $.blocks[0].elements[0].style: 'green'")


def test_views_open_without_trigger_id_fails() -> None:
    assert check_web_api_call("views.open", {"view": modal()}) == [
        "views.open: $: 'trigger_id' is a required property"
    ]


def test_views_open_without_view_fails() -> None:
    assert check_web_api_call("views.open", {"trigger_id": "1.2.3"}) == [
        "views.open: $: 'view' is a required property"
    ]


def test_modal_without_title_fails() -> None:
    view = modal()
    del view["title"]
    assert check_web_api_call("views.open", {"trigger_id": "1.2.3", "view": view}) == [
        "views.open: $.view: 'title' is a required property"
    ]


def test_post_message_without_channel_fails() -> None:
    assert check_web_api_call("chat.postMessage", {"text": "hi"}) == [
        "chat.postMessage: $: 'channel' is a required property"
    ]


def test_wrong_type_fails() -> None:
    assert check_web_api_call("chat.postMessage", {"channel": 42, "text": "hi"}) == [
        "chat.postMessage: $.channel: 42 is not of type 'string'"
    ]
    assert check_web_api_call("chat.postMessage", {"channel": "C1", "text": "hi", "mrkdwn": "yes"}) == [
        "chat.postMessage: $.mrkdwn: 'yes' is not of type 'boolean'"
    ]


def test_unknown_argument_fails_on_strict_type() -> None:
    assert check_web_api_call("reactions.add", {**VALID_CALLS["reactions.add"], "emoji": "x"}) == [
        "reactions.add: $: Additional properties are not allowed ('emoji' was unexpected)"
    ]


def test_as_user_cannot_be_combined_with_icon() -> None:
    args = {"channel": "C1", "text": "hi", "as_user": True, "icon_emoji": ":x:"}
    assert check_web_api_call("chat.postMessage", args) != []


def test_form_encoded_scalars_are_coerced_per_schema_type() -> None:
    args = {"channel": "C1", "limit": "20", "inclusive": "true", "include_all_metadata": "0"}
    assert check_web_api_call("conversations.history", args) == []
    assert check_web_api_call("conversations.history", {"channel": "C1", "limit": "twenty"}) == [
        "conversations.history: $.limit: 'twenty' is not of type 'number'"
    ]
    assert check_web_api_call("conversations.history", {"channel": "C1", "inclusive": "yes"}) == [
        "conversations.history: $.inclusive: 'yes' is not of type 'boolean'"
    ]


def test_strings_stay_strings_where_the_schema_wants_strings() -> None:
    # `ts` is a string: "1700000000" must not be turned into a number and then rejected
    assert check_web_api_call("chat.delete", {"channel": "C1", "ts": "1700000000"}) == []


def test_slack_sdk_allowances_apply_only_to_their_method() -> None:
    args = {"filename": "a.csv", "length": 10, "alt_txt": "chart"}
    assert check_web_api_call("files.getUploadURLExternal", args) == []
    assert check_web_api_call("users.info", {"user": "U1", "alt_txt": "x"}) == [
        "users.info: $: Additional properties are not allowed ('alt_txt' was unexpected)"
    ]


def test_metadata_without_event_payload_fails() -> None:
    args = {"channel": "C1", "ts": "1.2", "text": "x", "metadata": {"event_type": "win_logged"}}
    assert check_web_api_call("chat.update", args) == [
        "chat.update: $.metadata: 'event_payload' is a required property"
    ]


# --------------------------------------------------------------------------- real slack_sdk calls


class RecordingClient(WebClient):
    """A WebClient whose requests are decoded like the test suite's Slack look-alike does,
    recorded as (method, args) and answered with {"ok": true} -- no network involved."""

    JSON_FIELDS = ("blocks", "attachments", "view", "metadata")

    def __init__(self) -> None:
        super().__init__(token="xoxb-test", base_url="http://slack.invalid/api/", team_id="T1")
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        split = urlsplit(url)
        args: dict[str, Any] = dict(parse_qsl(split.query, keep_blank_values=True))
        body = req.data if isinstance(req.data, bytes) else b""
        if (req.get_header("Content-type") or "").startswith("application/json"):
            args.update(json.loads(body))
        else:
            args.update(parse_qsl(body.decode(), keep_blank_values=True))
            for key in self.JSON_FIELDS:
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        args.pop("token", None)
        self.calls.append((split.path.rsplit("/", 1)[1], args))
        return {"status": 200, "headers": {}, "body": json.dumps({"ok": True})}


def test_calls_made_through_slack_sdk_pass() -> None:
    client = RecordingClient()
    blocks = sdk_blocks()
    client.auth_test()
    client.chat_postMessage(channel="C1", text="Digest", blocks=blocks, unfurl_links=False)
    client.chat_postMessage(channel="C1", text="Reply", thread_ts="1.2", reply_broadcast=True)
    client.chat_postEphemeral(channel="C1", user="U1", text="Only you", blocks=blocks[:2])
    client.chat_update(channel="C1", ts="1.2", text="Edited", blocks=blocks, file_ids=["F1", "F2"])
    client.chat_delete(channel="C1", ts="1.2")
    client.chat_getPermalink(channel="C1", message_ts="1.2")
    client.chat_scheduleMessage(channel="C1", text="Later", post_at=1_800_000_000)
    client.views_open(trigger_id="1.2.3", view=modal(blocks))
    client.views_push(trigger_id="1.2.3", view=modal(blocks))
    client.views_update(view_id="V1", hash="h", view=modal(blocks))
    client.views_publish(user_id="U1", view=View(type="home", blocks=blocks))
    client.users_info(user="U1", include_locale=True)
    client.users_lookupByEmail(email="ana@example.com")
    client.conversations_info(channel="C1", include_num_members=True)
    client.conversations_open(users=["U1", "U2"])
    client.conversations_members(channel="C1", limit=200)
    client.conversations_history(channel="C1", limit=50, inclusive=True, oldest="1.0")
    client.conversations_replies(channel="C1", ts="1.2", limit=50)
    client.usergroups_list(include_users=True)
    client.usergroups_users_list(usergroup="S1", include_disabled=False)
    client.reactions_add(channel="C1", name="tada", timestamp="1.2")
    client.files_getUploadURLExternal(filename="a.csv", length=2048, alt_txt="Pipeline")
    client.files_completeUploadExternal(
        files=[{"id": "F1", "title": "a.csv"}], channel_id="C1", initial_comment="Here"
    )
    client.files_completeUploadExternal(files=[{"id": "F1"}], channels=["C1", "C2"])
    # The snapshot's chart is shared with the snapshot's blocks: a JSON string, as Slack documents.
    client.files_completeUploadExternal(
        files=[{"id": "F1", "title": "Metrics"}],
        channel_id="C1",
        blocks=json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]),
    )
    client.files_info(file="F1")
    client.team_info()

    assert {method for method, _ in client.calls} == set(methods_json())
    assert all(args["team_id"] == "T1" for _, args in client.calls)
    assert list(checks.iter_violations(client.calls)) == []


def test_mistakes_made_through_slack_sdk_are_caught() -> None:
    client = RecordingClient()
    client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "section", "text": "plain"}])
    client.views_open(trigger_id="1.2.3", view={"type": "modal", "blocks": []})
    client.conversations_history(channel="C1", limit="all")
    assert list(checks.iter_violations(client.calls)) == [
        "call #0 chat.postMessage: $.blocks[0].text: 'plain' is not of type 'object'",
        "call #1 views.open: $.view: 'title' is a required property",
        "call #2 conversations.history: $.limit: 'all' is not of type 'number'",
    ]


# --------------------------------------------------------------------------- response_url


def test_good_response_url_payloads_pass() -> None:
    assert check_response_url_payload({"text": "Done"}) == []
    assert (
        check_response_url_payload(
            {
                "text": "Win logged",
                "blocks": sdk_blocks(),
                "response_type": "in_channel",
                "replace_original": True,
            }
        )
        == []
    )
    # what Bolt's respond(delete_original=True) sends
    assert check_response_url_payload({"text": "", "delete_original": True}) == []


def test_response_url_block_must_be_a_known_block() -> None:
    payload = {"text": "x", "blocks": [{"type": "section_block", "text": {"type": "mrkdwn", "text": "x"}}]}
    [violation] = check_response_url_payload(payload)
    assert violation.startswith("response_url: $.blocks[0].type: 'section_block' is not one of")


def test_response_url_blocks_need_text_fallback() -> None:
    assert check_response_url_payload({"text": "", "blocks": sdk_blocks()}) == [
        "response_url: $.text: a non-empty `text` fallback is required when `blocks` are sent"
    ]


def test_response_url_envelope_mistakes() -> None:
    payload = {"text": "x", "response_type": "public", "replace_original": "true", "channel": "C1"}
    assert check_response_url_payload(payload) == [
        "response_url: $.replace_original: 'true' is not of type 'boolean'",
        "response_url: $.channel: unknown key 'channel'",
        "response_url: $.response_type: 'public' is not one of ['in_channel', 'ephemeral']",
    ]
    assert check_response_url_payload({"response_type": "ephemeral"}) == [
        "response_url: $: no `text`, `blocks` or `attachments` (and `delete_original` is not true)"
    ]


def test_response_url_attachments_are_checked() -> None:
    payload = {"text": "x", "attachments": [{"color": "good", "text": "ok", "colour": "bad"}]}
    assert check_response_url_payload(payload) == [
        "response_url: $.attachments[0]: Additional properties are not allowed ('colour' was unexpected)"
    ]


def test_check_blocks_and_check_view() -> None:
    assert check_blocks(sdk_blocks()) == []
    assert check_view(modal()) == []
    assert check_view({"type": "home", "blocks": [{"type": "divider", "x": 1}]}) == [
        "view: $.blocks[0]: Additional properties are not allowed ('x' was unexpected)"
    ]


# --------------------------------------------------------------------------- manifest

MANIFEST_YAML = """
display_information:
  name: Tandem
  description: Keeps sales and marketing in step
  background_color: "#2c2d30"
features:
  app_home:
    home_tab_enabled: true
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  bot_user:
    display_name: Tandem
    always_online: true
  shortcuts:
    - name: Log a win
      type: message
      callback_id: log_win
      description: Log this message as a win
  slash_commands:
    - command: /tandem
      description: Open the tracker
      usage_hint: "[help]"
      should_escape: false
oauth_config:
  scopes:
    bot:
      - chat:write
      - commands
      - users:read
      - users:read.email
      - reactions:write
settings:
  event_subscriptions:
    bot_events:
      - app_home_opened
      - app_mention
  interactivity:
    is_enabled: true
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
"""


def test_good_manifest_passes() -> None:
    assert check_manifest(yaml.safe_load(MANIFEST_YAML)) == []


def test_slash_command_without_description_fails() -> None:
    manifest = yaml.safe_load(MANIFEST_YAML)
    del manifest["features"]["slash_commands"][0]["description"]
    assert check_manifest(manifest) == [
        "manifest: $.features.slash_commands[0]: 'description' is a required property"
    ]


def test_manifest_mistakes_are_caught() -> None:
    manifest = yaml.safe_load(MANIFEST_YAML)
    manifest["settings"]["event_subscriptions"]["bot_events"].append("app_mentioned")
    manifest["settings"]["interactivity"]["is_enabled"] = "yes"
    manifest["features"]["bot_user"]["always_on"] = True
    del manifest["display_information"]["name"]
    violations = check_manifest(manifest)
    assert len(violations) == 4
    assert "manifest: $.display_information: 'name' is a required property" in violations
    assert any(
        v.startswith("manifest: $.settings.event_subscriptions.bot_events[2]: 'app_mentioned'")
        for v in violations
    )
    assert "manifest: $.settings.interactivity.is_enabled: 'yes' is not of type 'boolean'" in violations
    assert any("'always_on' was unexpected" in v for v in violations)


def test_project_manifest_passes() -> None:
    manifest_file = CONTRACT_DIR.parents[1] / "manifest.yml"
    if not manifest_file.exists():
        pytest.skip("no manifest.yml at the project root")
    assert check_manifest(yaml.safe_load(manifest_file.read_text(encoding="utf-8"))) == []
