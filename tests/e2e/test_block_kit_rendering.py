"""Every Block Kit element Tandem uses, and Slack's mrkdwn, as the sandbox's page draws them: a message
and a modal holding one of each, sent to the look-alike with the bot's token as Tandem would send them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.sandbox import workspace
from bot.sandbox.sandbox import Sandbox
from tests.e2e import Screenshots

playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
Page, expect = playwright.Page, playwright.expect

# Thursday 26 Nov 2026, 14:30 UTC: 14:30 for a viewer in London, 9:30 AM for Tom in New York.
MOMENT = int(datetime(2026, 11, 26, 14, 30, tzinfo=UTC).timestamp())
MRKDWN = (
    "*bold* _italic_ ~struck~ `code` <https://example.com/deal|the deal> "
    f"<@{workspace.ANA}> <#{workspace.SALES}> <!subteam^{workspace.SALES_GROUP}> <!here> "
    f"<!date^{MOMENT}^{{date_short}} at {{time}}|26 Nov> &lt;b&gt;not bold&lt;/b&gt; :tada:"
)
# A one-pixel PNG: the page draws images from their URL, as Slack does.
DOT = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
BUTTON = {"type": "button", "action_id": "sink.button", "text": {"type": "plain_text", "text": "Take it"}}
OPTIONS = [
    {"text": {"type": "plain_text", "text": "Open"}, "value": "open"},
    {"text": {"type": "plain_text", "text": "Done"}, "value": "done"},
]
MESSAGE_BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "block_id": "sink.header", "text": {"type": "plain_text", "text": "Every block"}},
    {
        "type": "section",
        "block_id": "sink.section",
        "text": {"type": "mrkdwn", "text": MRKDWN},
        "fields": [
            {"type": "mrkdwn", "text": "*Status*\nOpen"},
            {"type": "mrkdwn", "text": "*Owner*\nUnassigned"},
        ],
        "accessory": {**BUTTON, "style": "primary", "value": "1"},
    },
    {
        "type": "section",
        "block_id": "sink.overflow",
        "text": {"type": "plain_text", "text": "More"},
        "accessory": {"type": "overflow", "action_id": "sink.more", "options": OPTIONS},
    },
    {
        "type": "context",
        "block_id": "sink.context",
        "elements": [{"type": "mrkdwn", "text": "Raised by <@U0BEN>"}],
    },
    {"type": "divider", "block_id": "sink.divider"},
    {
        "type": "actions",
        "block_id": "sink.actions",
        "elements": [
            {
                **BUTTON,
                "action_id": "sink.danger",
                "style": "danger",
                "text": {"type": "plain_text", "text": "Delete"},
            },
            {
                "type": "static_select",
                "action_id": "sink.status",
                "options": OPTIONS,
                "initial_option": OPTIONS[0],
            },
            {
                "type": "users_select",
                "action_id": "sink.assign",
                "placeholder": {"type": "plain_text", "text": "Assign…"},
            },
            {"type": "datepicker", "action_id": "sink.due", "initial_date": "2026-12-01"},
            {"type": "checkboxes", "action_id": "sink.check", "options": OPTIONS},
        ],
    },
    {
        "type": "table",
        "block_id": "sink.table",
        "column_settings": [{"align": "left"}, {"align": "right"}],
        "rows": [
            [{"type": "raw_text", "text": "Metric"}, {"type": "raw_text", "text": "Yesterday"}],
            [{"type": "raw_text", "text": "Leads"}, {"type": "raw_text", "text": "42"}],
            [
                {
                    "type": "rich_text",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "Pipeline", "style": {"bold": True}}],
                        }
                    ],
                },
                {"type": "raw_text", "text": "$1.2M"},
            ],
        ],
    },
    {
        "type": "image",
        "block_id": "sink.image",
        "image_url": DOT,
        "alt_text": "a dot",
        "title": {"type": "plain_text", "text": "The chart"},
    },
    {
        "type": "rich_text",
        "block_id": "sink.rich",
        "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "Follow-ups:"}]},
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "Send the deck"}]},
                    {"type": "rich_text_section", "elements": [{"type": "user", "user_id": workspace.TOM}]},
                ],
            },
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "SELECT 1"}]},
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "Customers love it"}]},
        ],
    },
]


def element(block_id: str, action_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": block_id.split(".")[-1].title()},
        "element": {"type": kind, "action_id": action_id, **extra},
    }


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "sink.form",
    "title": {"type": "plain_text", "text": "Every input"},
    "submit": {"type": "plain_text", "text": "Save"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [
        element("sink.title", "title", "plain_text_input", initial_value="Pricing page"),
        element("sink.details", "details", "plain_text_input", multiline=True),
        element("sink.count", "count", "number_input", is_decimal_allowed=False),
        element("sink.link", "link", "url_text_input"),
        element("sink.kind", "kind", "static_select", options=OPTIONS),
        element("sink.kinds", "kinds", "multi_static_select", options=OPTIONS),
        element("sink.owner", "owner", "users_select"),
        element("sink.people", "people", "multi_users_select"),
        element("sink.channel", "channel", "conversations_select"),
        element("sink.day", "day", "datepicker"),
        element("sink.time", "time", "timepicker", initial_time="09:00"),
        element("sink.flags", "flags", "checkboxes", options=OPTIONS),
        element("sink.choice", "choice", "radio_buttons", options=OPTIONS),
    ],
}


def bot(sandbox: Sandbox) -> WebClient:
    return WebClient(token=workspace.BOT_TOKEN, base_url=sandbox.slack.api_url, proxy=None, timeout=10)


def test_every_block_and_mrkdwn_form_tandem_uses_is_drawn(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    bot(sandbox).chat_postMessage(channel=workspace.SALES, text="Every block", blocks=MESSAGE_BLOCKS)
    page.goto(f"{sandbox.url}/")
    page.get_by_test_id("person-picker").select_option(workspace.TOM)
    page.get_by_test_id("channel-sales").click()

    message = page.locator("#messages").get_by_test_id("message").filter(has_text="Every block")
    expect(message.locator("[data-block-id='sink.header']")).to_have_text("Every block")
    section = message.locator("[data-block-id='sink.section']")
    expect(section.locator("b, strong").first).to_have_text("bold")
    expect(section.locator("i, em").first).to_have_text("italic")
    expect(section.locator("s, del").first).to_have_text("struck")
    expect(section.locator("code").first).to_have_text("code")
    expect(section.locator("a[href='https://example.com/deal']")).to_have_text("the deal")
    for shown in ("@Ana García", "#sales", "@sales-team", "@here", "<b>not bold</b>", "Status", "Unassigned"):
        expect(section).to_contain_text(shown)
    # A date in the viewer's own timezone: Tom is in New York.
    expect(section).to_contain_text("Nov 26, 2026 at 9:30 AM")
    expect(section.locator("[data-action-id='sink.button']")).to_have_text("Take it")
    expect(message.locator("[data-block-id='sink.overflow'] [data-action-id='sink.more']")).to_be_visible()
    expect(message.locator("[data-block-id='sink.context']")).to_contain_text("Raised by @Ben Carter")
    expect(message.locator("[data-block-id='sink.divider'] hr")).to_have_count(1)
    actions = message.locator("[data-block-id='sink.actions']")
    for action_id in ("sink.danger", "sink.status", "sink.assign", "sink.due", "sink.check"):
        expect(actions.locator(f"[data-action-id='{action_id}']").first).to_be_visible()
    table = message.locator("[data-block-id='sink.table'] table")
    expect(table.locator("tr")).to_have_count(3)
    expect(table.locator("tr").nth(2)).to_contain_text("Pipeline$1.2M")
    image = message.locator("[data-block-id='sink.image'] img")
    expect(image).to_have_attribute("alt", "a dot")
    expect(message.locator("[data-block-id='sink.image']")).to_contain_text("The chart")
    rich = message.locator("[data-block-id='sink.rich']")
    expect(rich.locator("li")).to_have_count(2)
    expect(rich.locator("li").nth(1)).to_have_text("@Tom Becker")
    expect(rich.locator("pre")).to_have_text("SELECT 1")
    expect(rich.locator("blockquote")).to_have_text("Customers love it")
    expect(page.locator("[data-block-id^='sink.'] .unsupported")).to_have_count(0)
    screenshot(page, "every-block", full_page=True)


def test_every_input_tandem_uses_is_drawn_in_a_modal_and_sent_back_in_slacks_shape(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    page.goto(f"{sandbox.url}/")
    page.get_by_test_id("person-picker").select_option(workspace.ANA)
    trigger = sandbox.slack.issue_trigger_id(user_id=workspace.ANA)
    bot(sandbox).views_open(trigger_id=trigger, view=MODAL)

    modal = page.get_by_test_id("modal")
    expect(page.get_by_test_id("modal-title")).to_have_text("Every input")
    expect(modal.locator("[data-block-id]")).to_have_count(len(MODAL["blocks"]))
    expect(modal.locator("[data-block-id='sink.title'] input")).to_have_value("Pricing page")
    expect(modal.locator("[data-block-id='sink.details'] textarea")).to_be_visible()
    modal.locator("[data-block-id='sink.details'] textarea").fill("Half the leads lack phones")
    modal.locator("[data-block-id='sink.kind'] select").select_option("done")
    modal.locator("[data-block-id='sink.owner'] select").select_option(workspace.BEN)
    modal.locator("[data-block-id='sink.day'] input").fill("2026-12-01")
    screenshot(page, "every-input")
    with page.expect_request("**/sandbox/api/submit") as submitting:
        page.get_by_test_id("modal-submit").click()

    values = submitting.value.post_data_json["values"]
    assert values["sink.title"]["title"] == {"type": "plain_text_input", "value": "Pricing page"}
    assert values["sink.details"]["details"] == {
        "type": "plain_text_input",
        "value": "Half the leads lack phones",
    }
    assert values["sink.kind"]["kind"]["type"] == "static_select"
    assert values["sink.kind"]["kind"]["selected_option"]["value"] == "done"
    assert values["sink.owner"]["owner"] == {"type": "users_select", "selected_user": workspace.BEN}
    assert values["sink.day"]["day"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert values["sink.time"]["time"] == {"type": "timepicker", "selected_time": "09:00"}
    # Tandem has no form called sink.form, so it does not acknowledge: Slack's own words, in the modal.
    expect(page.get_by_test_id("modal-error")).to_have_text("We had some trouble connecting. Try again?")
