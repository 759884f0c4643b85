"""`/win` over real HTTP: a quick win thanking everyone mentioned, its card in the wins channel with
Tandem's reaction, the refusals (nobody, only yourself, someone outside the workspace, too long, the
daily limit) with nothing posted, mentions that never ping, a repeated trigger posted once, a channel
missing or refusing, the leaderboard, help and settings."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import wins as win_blocks
from bot.models import WinRow, WinThanksRow
from bot.people import Actor, Team
from bot.sandbox.lookalike import RecordedCall, SlackLookalike
from bot.sandbox.signing import HttpAnswer, SlackRequests
from bot.wins import TEXT_MAX, WinsSettingsChange
from bot.workspaces import WorkspaceKey
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, SIGNING_SECRET, TEAM, Scene, Tandem, start_tandem
from tests.scenario.messages import said

KEY = WorkspaceKey(TEAM)
ADA = "U0ADMIN"  # a Slack admin in the look-alike
ADMIN = Actor(ADA, is_admin=True)
CAT = "U0CAT"  # in the workspace, on no team
OUTSIDER = "U0OUTSIDER"  # another company's person, met in a shared channel
HELPER_BOT = "U0HELPERBOT"
GONE = "U0GONE"  # deactivated
SISTER = "U0SISTER"  # in a sister workspace of the same Enterprise Grid organisation
GRID = "E0GRID"
WINS = "C0WINSCH"  # Tandem's settings take channel ids of 8 characters or more
QUIET = "C0QUIETWINS"  # a channel Tandem was never invited to
USERS: dict[str, dict[str, Any]] = {
    ANA: {"name": "ana", "real_name": "Ana Sales"},
    BEN: {"name": "ben", "real_name": "Ben Marketing", "tz": "Europe/London"},
    ADA: {"name": "ada", "real_name": "Ada Admin", "is_admin": True, "is_owner": True},
    CAT: {"name": "cat", "real_name": "Cat Support"},
    OUTSIDER: {"name": "olga", "real_name": "Olga Elsewhere", "team_id": "T0OTHERCO"},
    HELPER_BOT: {"name": "helper", "real_name": "Helper", "is_bot": True},
    GONE: {"name": "gus", "real_name": "Gus Gone", "deleted": True},
    SISTER: {
        "name": "sia",
        "real_name": "Sia Sister",
        "team_id": "T0SISTER",
        "enterprise_user": {"id": SISTER, "enterprise_id": GRID, "enterprise_name": "Tandem Grid"},
    },
}
CHANNELS: dict[str, dict[str, Any]] = {
    "C0TRACKER": {"name": "tandem-tracker"},
    "C0SALES": {"name": "sales"},
    "C0MARKETING": {"name": "marketing"},
    WINS: {"name": "wins"},
    QUIET: {"name": "quiet-wins", "is_member": False},
}


# --------------------------------------------------------------------------- fixtures and helpers


WINS_SCENE = Scene(
    users=USERS, channels=CHANNELS, environment={"TANDEM_WINS_CHANNEL": WINS, "TANDEM_ADMINS": ADA}
)


@pytest.fixture
def scene() -> Scene:
    """People Tandem can't thank and the wins channels."""
    return WINS_SCENE


def win(tandem: Tandem, text: str, *, by: str = ANA) -> HttpAnswer:
    return tandem.command(text, user_id=by, command="/win")


def answered(tandem: Tandem, count: int = 1) -> dict[str, Any]:
    """The `count`-th answer sent through a response_url."""
    calls: list[RecordedCall] = tandem.slack.wait_for("response_url", count=count)
    assert calls[count - 1].ok, calls[count - 1].response
    return dict(calls[count - 1].args)


def cards(tandem: Tandem, channel: str = WINS) -> list[RecordedCall]:
    """Cards posted to the wins channel."""
    return [c for c in tandem.slack.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def card_shown(tandem: Tandem, channel: str = WINS) -> str:
    """What the one card in `channel` shows now (its text and blocks), as people see it."""
    [message] = tandem.slack.messages(channel)
    return said(message)


def stored(tandem: Tandem) -> list[WinRow]:
    with tandem.database.transaction() as session:
        rows = list(session.scalars(select(WinRow).order_by(WinRow.id)))
        session.expunge_all()
        return rows


def thanked(tandem: Tandem) -> list[tuple[str, str, str | None, str | None]]:
    """Every thanks stored: giver, receiver and their teams."""
    with tandem.database.transaction() as session:
        rows = session.scalars(select(WinThanksRow).order_by(WinThanksRow.id))
        return [(r.giver_id, r.receiver_id, r.giver_team, r.receiver_team) for r in rows]


def set_daily_cap(tandem: Tandem, cap: int, channel: str | None = WINS) -> None:
    change = WinsSettingsChange(channel=channel, recap_day="fri", recap_time="16:00", daily_cap=cap)
    tandem.services.wins.save_settings(KEY, change, ADMIN)


def posted_quickly(tandem: Tandem, text: str, *, by: str = ANA) -> dict[str, Any]:
    """`/win <text>`, waited for until its card is posted and celebrated; the author's answer."""
    reactions, responses = len(tandem.slack.calls_to("reactions.add")), len(tandem.slack.responses)
    answer = win(tandem, text, by=by)
    assert (answer.status, answer.body) == (200, b"")
    tandem.slack.wait_for("reactions.add", count=reactions + 1)
    return answered(tandem, responses + 1)


# --------------------------------------------------------------------------- a quick win


def test_a_quick_win_posts_its_card_thanking_everyone_mentioned(tandem: Tandem) -> None:
    answer = win(tandem, f"Closed Acme thanks to <@{BEN}|ben> and <@{CAT}|cat>")

    assert (answer.status, answer.body) == (200, b"")  # acknowledged at once, answered after
    [reaction] = tandem.slack.wait_for("reactions.add")
    confirmation = answered(tandem)
    [card] = cards(tandem)
    assert card.ok
    shown = said(card.args)
    assert ":tada: *Win*" in shown
    assert "Closed Acme thanks to @ben and @cat" in shown  # the text, plain: names, not pings
    assert f"Thanks to <@{BEN}>, <@{CAT}>" in shown  # the people thanked, mentioned for real
    assert f"Celebrated by <@{ANA}>" in shown
    assert card.args["unfurl_links"] is False
    # Tandem celebrates its own card; people add their reactions as they like.
    assert (reaction.args["channel"], reaction.args["timestamp"], reaction.args["name"]) == (
        WINS,
        card.response["ts"],
        "tada",
    )
    [message] = tandem.slack.messages(WINS)
    assert [(r["name"], r["count"]) for r in message["reactions"]] == [("tada", 1)]
    # Only Ana hears where it went, with a link to the card.
    [permalink] = tandem.slack.calls_to("chat.getPermalink")
    assert confirmation["response_type"] == "ephemeral"
    assert f"Posted in <#{WINS}>, thanking <@{BEN}> and <@{CAT}>." in confirmation["text"]
    assert permalink.response["permalink"] in confirmation["text"]
    [row] = stored(tandem)
    assert (row.author_id, row.text, row.kind) == (ANA, "Closed Acme thanks to @ben and @cat", "other")
    assert (row.card_channel, row.card_ts, row.card_permalink) == (
        WINS,
        card.response["ts"],
        permalink.response["permalink"],
    )
    assert [(giver, receiver) for giver, receiver, *_ in thanked(tandem)] == [(ANA, BEN), (ANA, CAT)]


def test_thanks_across_teams_are_marked_on_the_card(tandem: Tandem) -> None:
    tandem.services.people.set_team(KEY, ADMIN, [ANA], Team.SALES)
    tandem.services.people.set_team(KEY, ADMIN, [BEN], Team.MARKETING)

    posted_quickly(tandem, f"The webinar lead closed, thanks <@{BEN}|ben>")

    shown = card_shown(tandem)
    assert f"Thanks to <@{BEN}> (Marketing)" in shown
    assert "Sales → Marketing" in shown
    assert thanked(tandem) == [(ANA, BEN, "sales", "marketing")]


def test_thanks_within_a_team_are_not_marked_as_crossing(tandem: Tandem) -> None:
    tandem.services.people.set_team(KEY, ADMIN, [ANA, CAT], Team.SALES)

    posted_quickly(tandem, f"Renewal saved with <@{CAT}|cat>")

    shown = card_shown(tandem)
    assert f"Thanks to <@{CAT}> (Sales)" in shown
    assert "→" not in shown


def test_thanking_yourself_among_others_thanks_the_others(tandem: Tandem) -> None:
    posted_quickly(tandem, f"We did it <@{ANA}|ana> <@{BEN}|ben>")

    assert [receiver for _, receiver, *_ in thanked(tandem)] == [BEN]


# --------------------------------------------------------------------------- refusals: nothing posted


def refused(tandem: Tandem, answer: HttpAnswer) -> str:
    """What a refused `/win` said, whether in its acknowledgement or afterwards; nothing was stored
    and no card was posted."""
    assert answer.status == 200
    # Refusals Tandem can tell at once come in the acknowledgement; the others once it asked Slack.
    text = str(answer.json()["text"] if answer.body else answered(tandem)["text"])
    assert stored(tandem) == []
    assert cards(tandem) == []
    return text


def test_a_win_thanking_nobody_is_refused_with_how_to_mention(tandem: Tandem) -> None:
    text = refused(tandem, win(tandem, "Closed Acme, thanks <!subteam^S0SALES|@sales-team>"))

    assert win_blocks.NOBODY_THANKED in text


def test_thanking_only_yourself_is_refused(tandem: Tandem) -> None:
    text = refused(tandem, win(tandem, f"I closed Acme all by myself <@{ANA}|ana>"))

    assert "You can't thank only yourself — add who helped." in text


@pytest.mark.parametrize(
    ("who", "label", "named"),
    [
        (OUTSIDER, "olga", "@olga"),  # another company's workspace
        (HELPER_BOT, "helper", "@helper"),
        (GONE, "gus", "@gus"),
        ("U0NOBODY", "ghost", "@ghost"),  # Slack doesn't know them: the name typed
    ],
)
def test_thanking_someone_outside_the_workspace_is_refused_naming_them(
    tandem: Tandem, who: str, label: str, named: str
) -> None:
    text = refused(tandem, win(tandem, f"Closed Acme thanks to <@{BEN}|ben> and <@{who}|{label}>"))

    assert text == f":no_entry: I can only thank people in this workspace: {named} isn't."


def test_several_outsiders_are_all_named(tandem: Tandem) -> None:
    text = refused(tandem, win(tandem, f"Thanks <@{OUTSIDER}|olga> <@{GONE}|gus>"))

    assert text == ":no_entry: I can only thank people in this workspace: @olga and @gus aren't."


def test_people_of_a_sister_workspace_in_the_organisation_can_be_thanked(
    tandem: Tandem, slack: SlackLookalike
) -> None:
    text = f"Closed Acme thanks to <@{SISTER}|sia>"
    refused(tandem, win(tandem, text))  # this workspace is in no organisation: she is a stranger

    in_grid = SlackRequests(signing_secret=SIGNING_SECRET, lookalike=slack, team_id=TEAM, enterprise_id=GRID)
    answer = tandem.requests.send(tandem.url, in_grid.slash_command("/win", text, user_id=ANA))

    assert (answer.status, answer.body) == (200, b"")
    slack.wait_for("reactions.add")
    assert f"Thanks to <@{SISTER}>" in card_shown(tandem)


def test_text_over_the_limit_is_refused(tandem: Tandem) -> None:
    text = refused(tandem, win(tandem, f"<@{BEN}|ben> " + "x" * TEXT_MAX))

    assert f"Keep the win to {TEXT_MAX:,} characters" in text


def test_the_daily_limit_stops_a_person_not_the_others(tandem: Tandem) -> None:
    set_daily_cap(tandem, 2)
    posted_quickly(tandem, f"First <@{BEN}|ben>")
    posted_quickly(tandem, f"Second <@{BEN}|ben>")

    win(tandem, f"Third <@{BEN}|ben>")

    assert answered(tandem, 3)["text"] == (
        ":hourglass: You've posted 2 wins today — that's the daily limit; more tomorrow."
    )
    assert len(stored(tandem)) == 2
    assert len(cards(tandem)) == 2
    posted_quickly(tandem, f"Mine <@{ANA}|ana>", by=BEN)  # Ben has his own day
    assert len(stored(tandem)) == 3


# --------------------------------------------------------------------------- safety


def test_typed_mentions_and_markup_never_ping_or_link_on_the_card(tandem: Tandem) -> None:
    text = f"<!channel> <!here> <!subteam^S1|@sales> *bold* <https://x|y> &lt;b&gt; thanks <@{BEN}|ben>"

    posted_quickly(tandem, text)

    [card] = cards(tandem)
    sent = str(card.args["blocks"]) + card.args["text"]
    for ping in ("<!channel>", "<!here>", "<!subteam", "<https://x|y>", "<https://x>", "@channel", "@here"):
        assert ping not in sent
    shown = said(card.args)
    assert "@\u2060channel @\u2060here @sales" in shown  # shown as typed, defused
    assert "y (https://x)" in shown  # the link's label and address, as plain text
    assert "&lt;b&gt; thanks" in shown  # "<b>" typed stays text
    assert [row.text for row in stored(tandem)] == [
        "@channel @here @sales *bold* y (https://x) <b> thanks @ben"
    ]


def test_a_repeated_command_posts_one_card(tandem: Tandem) -> None:
    request = tandem.requests.slash_command("/win", f"Closed Acme <@{BEN}|ben>", user_id=ANA)

    tandem.send(request)
    first = answered(tandem)
    tandem.send(request)  # the same trigger, delivered again
    second = answered(tandem, 2)

    assert len(cards(tandem)) == 1
    assert len(stored(tandem)) == 1
    assert first["text"] == second["text"]
    assert len(tandem.slack.calls_to("reactions.add")) == 1


# --------------------------------------------------------------------------- where the card goes


def test_without_a_wins_channel_the_win_is_kept_and_the_author_told(
    slack: SlackLookalike, database_url: str, clock: FixedClock
) -> None:
    for tandem in start_tandem(slack, database_url, clock):
        win(tandem, f"Closed Acme <@{BEN}|ben>")

        assert "no wins channel is set" in answered(tandem)["text"]
        assert [row.card_ts for row in stored(tandem)] == [None]
        assert cards(tandem) == []


def test_a_channel_refusing_the_card_keeps_the_win_and_says_why(tandem: Tandem) -> None:
    set_daily_cap(tandem, 10, channel=QUIET)

    win(tandem, f"Closed Acme <@{BEN}|ben>")

    text = answered(tandem)["text"]
    assert text.startswith(f":warning: Your win is saved, but I couldn't post it to <#{QUIET}>:")
    assert "/invite @Tandem" in text
    [row] = stored(tandem)
    assert row.card_ts is None
    [refusal] = cards(tandem, QUIET)
    assert refusal.error == "not_in_channel"
    assert tandem.slack.calls_to("reactions.add") == []


# --------------------------------------------------------------------------- leaderboard, help, settings


def test_the_leaderboard_shows_this_month_by_default_and_other_periods(tandem: Tandem) -> None:
    tandem.services.people.set_team(KEY, ADMIN, [ANA], Team.SALES)
    tandem.services.people.set_team(KEY, ADMIN, [BEN], Team.MARKETING)
    posted_quickly(tandem, f"Closed Acme <@{BEN}|ben> <@{CAT}|cat>")
    posted_quickly(tandem, f"Great lead <@{BEN}|ben>")

    assert win(tandem, "leaderboard").body == b""
    month = answered(tandem, 3)
    win(tandem, "leaderboard WEEK")
    week = answered(tandem, 4)
    win(tandem, "leaderboard quarter")
    quarter = answered(tandem, 5)

    assert month["response_type"] == "ephemeral"
    assert "Wins leaderboard · this month (Nov 1–24)" in said(month)
    assert f"1. <@{BEN}> · 2 thanks · Marketing" in said(month)
    assert f"2. <@{CAT}> · 1 thanks" in said(month)
    assert f"1. <@{ANA}> · 3 thanks given · Sales" in said(month)
    assert "Sales → Marketing: 2 · Marketing → Sales: 0" in said(month)
    assert "this week (Nov 23–24)" in said(week)
    assert "this quarter (Oct 1 – Nov 24)" in said(quarter)


def test_an_unknown_period_gets_a_hint(tandem: Tandem) -> None:
    answer = win(tandem, "leaderboard year")

    assert (
        "`year` isn't a period I know. Try `/win leaderboard [week|month|quarter]`" in answer.json()["text"]
    )


def test_a_subcommands_word_followed_by_mentions_is_a_win(tandem: Tandem) -> None:
    posted_quickly(tandem, f"Leaderboard redesign shipped, thanks <@{BEN}|ben>")

    assert [row.text for row in stored(tandem)] == ["Leaderboard redesign shipped, thanks @ben"]


def test_help_lists_every_way_to_use_win(tandem: Tandem) -> None:
    text = win(tandem, "help").json()["text"]

    assert all(f"`{usage}`" in text for usage, _ in win_blocks.USAGES)


def test_settings_open_for_admins_and_are_refused_to_others(tandem: Tandem) -> None:
    win(tandem, "settings", by=BEN)
    assert answered(tandem)["text"] == ":no_entry: Only Tandem's admins change the wins settings."
    assert tandem.slack.calls_to("views.open") == []

    win(tandem, "settings", by=ADA)

    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    assert opened.args["view"]["callback_id"] == "wins.settings"
