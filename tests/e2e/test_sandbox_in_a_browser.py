"""The offline sandbox's page in a real headless Chromium: what a person sees and does there (a slash
command, a form, a card button, the clock, App Home, a message shortcut) and what Tandem stored and
asked of Slack because of it. Screenshots of each step are kept as test artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from bot.issues import Category, Priority
from bot.models import DigestItemRow, DigestRow, Issue
from bot.sandbox import workspace
from bot.sandbox.sandbox import Sandbox
from tests.e2e import LONDON, Screenshots, artifacts, save_screenshot, start_sandbox, stop_sandbox

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Without playwright installed this module is skipped (the conftest fails it where a browser is required).
expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed: `make test` installs it"
).expect

ANA, BEN = workspace.ANA, workspace.BEN
SALES, TRACKER = workspace.SALES, workspace.TRACKER
CHANNELS = ("sales", "marketing", "tandem-tracker", "metrics", "wins", "field-notes")


@pytest.fixture
def sample_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox as a new person finds it: the same Wednesday, after the sample week was played."""
    running = start_sandbox(tmp_path / "sandbox", sample_week=True)
    yield running
    stop_sandbox(running)


# What a person does on the page


def open_as(page: Page, sandbox: Sandbox, person: str) -> None:
    """Open the sandbox's page and act as `person`, chosen in the picker as anyone would."""
    page.goto(sandbox.url)
    page.wait_for_function("() => Number(document.body.dataset.version) >= 0")
    page.get_by_test_id("person-picker").select_option(person)
    expect(page.get_by_test_id("person-picker")).to_have_value(person)


def go_to(page: Page, channel: str) -> None:
    page.get_by_test_id(f"channel-{channel}").click()
    expect(page.get_by_test_id("conversation-title")).to_have_text(f"#{channel}")


def send(page: Page, text: str) -> None:
    """Type into the composer and press Enter, as a person sends a message or a slash command."""
    composer = page.get_by_test_id("composer")
    composer.fill(text)
    composer.press("Enter")
    expect(composer).to_have_value("")


def message(page: Page, containing: str) -> Locator:
    """The one message row in the main pane that shows `containing`."""
    return page.locator("#messages").get_by_test_id("message").filter(has_text=containing)


def field(page: Page, block_id: str) -> Locator:
    """An input block of the open modal, by its block id."""
    return page.get_by_test_id("modal").locator(f'[data-block-id="{block_id}"]')


# What Tandem stored and what Slack was asked


def issues(sandbox: Sandbox) -> list[Issue]:
    sandbox.settle()
    with sandbox.services.database.transaction() as session:
        return list(session.scalars(select(Issue).order_by(Issue.id)))


def calls(sandbox: Sandbox, method: str, **matching: Any) -> list[dict[str, Any]]:
    """The arguments of each call to `method` Tandem made to Slack that carry the `matching` values."""
    sandbox.settle()
    return [
        dict(call.args)
        for call in sandbox.slack.calls_to(method)
        if all(call.args.get(key) == value for key, value in matching.items())
    ]


# The tests


def test_the_page_opens_on_the_workspace_with_its_channels_clock_and_people(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    page.goto(sandbox.url)

    for name in CHANNELS:
        expect(page.get_by_test_id(f"channel-{name}")).to_be_visible()
    expect(page.get_by_test_id("dm-tandem")).to_be_visible()
    expect(page.get_by_test_id("app-home")).to_be_visible()
    expect(page.get_by_test_id("conversation-title")).to_have_text("#sales")
    expect(page.get_by_test_id("clock")).to_have_text(re.compile(r"^Wed 25 Nov 2026, 08:00"))
    picker = page.get_by_test_id("person-picker")
    expect(picker.locator("option")).to_have_text(
        [re.compile(f"^{re.escape(person.real_name)}") for person in workspace.PEOPLE]
    )
    values = picker.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert values == [person.user_id for person in workspace.PEOPLE]
    expect(page.get_by_test_id("composer")).to_be_visible()
    screenshot(page, "01-page-opened")


def test_raising_an_issue_with_a_slash_command_tells_the_person_and_posts_its_card(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    open_as(page, sandbox, ANA)

    send(page, "/issue Pricing page still shows old tiers")

    told = page.locator('[data-testid=message][data-ephemeral="true"]')
    expect(told).to_have_count(1)
    expect(told).to_contain_text("Only visible to you")
    expect(told).to_contain_text("#1 Pricing page still shows old tiers raised")
    screenshot(page, "02-issue-raised-confirmation")
    [issue] = issues(sandbox)
    assert (issue.number, issue.title, issue.raised_by) == (1, "Pricing page still shows old tiers", ANA)
    [answer] = calls(sandbox, "response_url")
    assert answer["response_type"] == "ephemeral"

    go_to(page, "tandem-tracker")

    card = message(page, "#1 Pricing page still shows old tiers")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-ephemeral", "false")
    expect(card.get_by_role("button", name="Take it")).to_be_visible()
    expect(card).to_contain_text("Raised by")
    expect(card).to_contain_text("@Ana García")
    [posted] = calls(sandbox, "chat.postMessage", channel=TRACKER)
    assert card_ts(card) == sandbox.slack.messages(TRACKER)[0]["ts"]
    assert posted["text"].startswith("#1 Pricing page still shows old tiers")
    screenshot(page, "02-issue-card")


def card_ts(card: Locator) -> str:
    ts = card.get_attribute("data-ts")
    assert ts is not None
    return ts


def test_the_issue_form_shows_tandems_error_under_the_title_then_raises_the_issue(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    open_as(page, sandbox, ANA)
    composer = page.get_by_test_id("composer")
    composer.fill("/issue")
    # Slack's command menu: Enter picks the highlighted command, the next Enter sends it.
    expect(page.get_by_test_id("command-item").first).to_contain_text("/issue")
    composer.press("Enter")
    expect(composer).to_have_value("/issue ")
    composer.press("Enter")

    modal = page.get_by_test_id("modal")
    expect(modal).to_be_visible()
    expect(page.get_by_test_id("modal-title")).to_have_text("Raise an issue")
    page.get_by_test_id("modal-submit").click()

    error = field(page, "issues.form.title").get_by_test_id("field-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(modal).to_be_visible()
    screenshot(page, "03-form-errors")
    assert issues(sandbox) == []

    field(page, "issues.form.title").locator("input").fill("Webinar leads lack phone numbers")
    field(page, "issues.form.details").locator("textarea").fill(
        "The 12 November webinar export has no phone column, so SDRs cannot call back."
    )
    field(page, "issues.form.category").locator("select").select_option(label="Lead quality")
    field(page, "issues.form.priority").locator("select").select_option(label="High")
    field(page, "issues.form.due").locator("input[type=date]").fill("2026-12-04")
    screenshot(page, "03-form-filled")
    page.get_by_test_id("modal-submit").click()

    expect(modal).to_have_count(0)
    [issue] = issues(sandbox)
    assert (issue.title, issue.category, issue.priority, issue.due_on, issue.raised_by) == (
        "Webinar leads lack phone numbers",
        Category.LEAD_QUALITY,
        Priority.HIGH,
        date(2026, 12, 4),
        ANA,
    )
    assert issue.details.startswith("The 12 November webinar export")
    go_to(page, "tandem-tracker")
    card = message(page, "#1 Webinar leads lack phone numbers")
    expect(card).to_be_visible()
    expect(card).to_contain_text("High")
    expect(card).to_contain_text("Lead quality")
    assert len(calls(sandbox, "views.open")) == 1
    screenshot(page, "03-form-card")


def test_pressing_take_it_on_a_card_makes_the_person_its_owner(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    open_as(page, sandbox, ANA)
    send(page, "/issue Pricing page still shows old tiers")
    expect(page.locator('[data-testid=message][data-ephemeral="true"]')).to_have_count(1)
    go_to(page, "tandem-tracker")
    card = message(page, "#1 Pricing page still shows old tiers")
    expect(card).to_contain_text("Unassigned")

    card.get_by_role("button", name="Take it").click()

    expect(card.get_by_role("button", name="Take it")).to_have_count(0)
    expect(card).not_to_contain_text("Unassigned")
    owner = card.locator(".bk-field").filter(has_text="Owner")
    expect(owner).to_contain_text("@Ana García")
    expect(card).to_contain_text("(edited)")
    screenshot(page, "04-card-updated")
    [issue] = issues(sandbox)
    assert issue.owner_id == ANA
    [update] = calls(sandbox, "chat.update", channel=TRACKER)
    assert update["ts"] == card_ts(card)


def test_jumping_to_thursday_posts_the_digest_with_what_marketing_added(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    open_as(page, sandbox, BEN)
    go_to(page, "marketing")
    send(page, "/digest add Pricing v3 ships on Monday")
    expect(page.locator('[data-testid=message][data-ephemeral="true"]')).to_contain_text(
        "Pricing v3 ships on Monday"
    )
    sandbox.settle()
    with sandbox.services.database.transaction() as session:
        assert session.scalars(select(DigestItemRow.headline)).all() == ["Pricing v3 ships on Monday"]

    thursday = page.get_by_test_id("jump").filter(has_text="Thursday digest")
    expect(thursday).to_have_text(re.compile(r"^Thu 26 Nov 09:00"))
    thursday.click()

    expect(page.get_by_test_id("clock")).to_have_text(re.compile(r"^Thu 26 Nov 2026, 09:00"))
    go_to(page, "sales")
    digest = message(page, "Pricing v3 ships on Monday")
    expect(digest).to_be_visible()
    expect(digest).to_have_attribute("data-ephemeral", "false")
    expect(digest).to_contain_text("Tandem")
    screenshot(page, "05-thursday-digest")
    sandbox.settle()
    with sandbox.services.database.transaction() as session:
        [sent] = session.scalars(select(DigestRow)).all()
    assert (sent.status, sent.channel, sent.item_count) == ("sent", SALES, 1)
    assert sent.ts == card_ts(digest)
    digest_time = datetime.fromtimestamp(float(card_ts(digest)), LONDON)
    assert (digest_time.date(), digest_time.hour) == (date(2026, 11, 26), 9)


def test_app_home_shows_tandems_home_for_the_person_picked(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    open_as(page, sandbox, ANA)
    send(page, "/issue Pricing page still shows old tiers")
    expect(page.locator('[data-testid=message][data-ephemeral="true"]')).to_have_count(1)

    page.get_by_test_id("app-home").click()

    home = page.get_by_test_id("home")
    expect(home).to_contain_text("Issues you raised (1)")
    expect(home.get_by_role("button", name="Raise an issue")).to_be_visible()
    expect(page.get_by_test_id("composer")).to_be_hidden()
    screenshot(page, "06-app-home-ana")
    assert [c["user_id"] for c in calls(sandbox, "views.publish")] == [ANA]

    page.get_by_test_id("person-picker").select_option(BEN)

    expect(home).to_contain_text("Issues you raised (0)")
    expect(home).to_contain_text("Raised by others (1)")
    screenshot(page, "06-app-home-ben")
    assert [c["user_id"] for c in calls(sandbox, "views.publish")] == [ANA, BEN]


def test_a_message_shortcut_opens_the_win_form_prefilled_with_the_message(
    sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    open_as(page, sandbox, BEN)
    send(page, "Globex signed the pilot: thanks to the case study!")
    posted = message(page, "Globex signed the pilot")
    expect(posted).to_be_visible()

    posted.hover()
    posted.get_by_test_id("message-menu").click()
    page.get_by_test_id("shortcut-item").filter(has_text="Celebrate as a win").click()

    expect(page.get_by_test_id("modal-title")).to_have_text("Celebrate a win")
    expect(field(page, "wins.form.text").locator("textarea, input")).to_have_value(
        re.compile("Globex signed the pilot")
    )
    screenshot(page, "07-win-form-prefilled")
    [opened] = calls(sandbox, "views.open")
    assert opened["view"]["callback_id"] == "wins.form"


def test_the_sample_week_fills_the_workspace(
    sample_sandbox: Sandbox, page: Page, screenshot: Screenshots
) -> None:
    """The screenshots the README shows: a sandbox as a new person finds it, after its sample week."""
    open_as(page, sample_sandbox, ANA)
    messages = page.locator("#messages").get_by_test_id("message")

    go_to(page, "tandem-tracker")
    expect(messages.first).to_be_visible()
    assert messages.count() >= 3
    screenshot(page, "08-tandem-tracker")
    save_screenshot(page, artifacts() / "readme-sandbox.png")

    go_to(page, "metrics")
    # The latest snapshot's chart, at the bottom where the channel opens (older ones load lazily).
    chart = page.locator("#messages img").last
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    screenshot(page, "08-metrics")

    go_to(page, "wins")
    expect(messages.first).to_be_visible()
    screenshot(page, "08-wins")

    go_to(page, "sales")
    expect(messages.first).to_be_visible()
    screenshot(page, "08-sales")

    page.get_by_test_id("app-home").click()
    expect(page.get_by_test_id("home")).to_contain_text("Issues you raised")
    screenshot(page, "08-app-home")
