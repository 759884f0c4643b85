"""App Home over real HTTP: the board, its caps within 100 blocks, the filter, and "Take it"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import digest as digest_blocks
from bot.blocks import home as home_blocks
from bot.digest import DigestItem, DigestRecord, DigestSettings, DigestStatus, DigestWeek, Section
from bot.issues import Board, Category, IssueDraft, IssueList, IssueView, Priority, SharedIssue, Status
from bot.metrics import LABEL_MAX, METRICS_MAX, Metric, MetricTeam, Rollup, SnapshotSettings, Unit
from bot.people import Actor, MappedSource, Membership, Team, TeamSourceKind
from bot.wins import ACCOUNT_MAX, TEXT_MAX, THANKED_MAX, PersonWins, Thanks, Win, WinKind
from bot.workspaces import WorkspaceKey
from tests.conftest import FixedClock
from tests.contract.checks import check_view
from tests.scenario.conftest import ANA, BEN, TEAM, Tandem
from tests.scenario.home_views import next_home, open_home, published

ADA = "U0ADMIN"
KEY = WorkspaceKey(TEAM)


def pick(tandem: Tandem, home: dict[str, Any], user_id: str, value: str) -> dict[str, Any]:
    """Choose a list in the Home's filter; the view published in answer."""
    before = len(published(tandem, user_id))
    select = home["blocks"][2]["elements"][1]
    option = next(o for o in select["options"] if o["value"] == value)
    action = {"action_id": select["action_id"], "type": "static_select", "selected_option": option}
    answer = tandem.send(tandem.requests.block_actions([action], user_id=user_id, view=home))
    assert (answer.status, answer.body) == (200, b"")
    return next_home(tandem, user_id, before)


def headers(home: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in home["blocks"] if b["type"] == "header"]


def texts(home: dict[str, Any]) -> list[str]:
    found = []
    for block in home["blocks"]:
        if block["type"] in {"section", "header"}:
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found += [e["text"] for e in block["elements"]]
    return found


def raise_issue(tandem: Tandem, title: str, by: str, team: Team | None = None, **draft: Any) -> SharedIssue:
    return tandem.services.tracker.raise_issue(
        KEY, IssueDraft(title, **draft), raised_by=by, raised_by_team=team
    ).issue


def test_the_overview_shows_each_list_with_who_raised_what(tandem: Tandem, clock: FixedClock) -> None:
    tandem.services.people.choose_own_team(KEY, ANA, Team.SALES)
    raise_issue(tandem, "Webinar leads lack phone numbers", ANA, Team.SALES, due_on=date(2026, 11, 25))
    raise_issue(tandem, "Battlecard is out of date", BEN, Team.MARKETING, owner_id=ANA)
    raise_issue(tandem, "Who owns the partner portal?", "U0CAT")
    clock.now += timedelta(days=2)  # the first is now overdue

    home = open_home(tandem, ANA)

    assert headers(home) == [
        "Tandem",
        "Your issues (1)",
        "Issues you raised (1)",
        "Overdue (1)",
        "Raised by Sales (1)",
        "Raised by Marketing (1)",
        "Raised by others (1)",
        "Thursday digest: 0 items",
        "Wins",
        "Field notes",
        "Shared metrics",
    ]
    shown = texts(home)
    assert shown.count("#1  Webinar leads lack phone numbers") == 3  # raised, overdue, by Sales
    assert any(
        t.startswith(
            ":large_blue_circle: Normal · Open · _unassigned_ · due Wed, Nov 25, 2026 · "
            "raised by Sales (<@U0ANA>)"
        )
        for t in shown
    )
    assert any(f"owner <@{ANA}>" in t and f"raised by Marketing (<@{BEN}>)" in t for t in shown)
    assert any("raised by <@U0CAT> ·" in t for t in shown)
    assert ":busts_in_silhouette: You're on *Sales*: what you raise shows as raised by Sales." in shown
    assert home["private_metadata"] == "overview"
    # "Take it" once for the unowned issue, with the card's action and block ids; none for owned ones.
    takes = [b for b in home["blocks"] if (b.get("accessory") or {}).get("action_id") == "issues.take"]
    assert [(b["block_id"], b["accessory"]["value"]) for b in takes] == [
        ("issues.card:1", "1"),
        ("issues.card:3", "3"),
    ]
    assert "teams.open_setup" not in str(home)  # not an admin


def test_the_raise_button_and_the_filter_lead_the_home(tandem: Tandem) -> None:
    home = open_home(tandem, BEN)

    raise_button, select = home["blocks"][2]["elements"]
    assert (raise_button["action_id"], raise_button["text"]["text"]) == ("issues.open_form", "Raise an issue")
    assert select["action_id"] == "home.filter"
    assert [o["value"] for o in select["options"]] == [
        "overview",
        "mine",
        "raised",
        "overdue",
        "sales",
        "marketing",
        "open",
        "all",
    ]
    assert select["initial_option"]["value"] == "overview"
    assert "Nothing is overdue." in texts(home)
    assert "Raised by others" not in str(headers(home))  # shown only when there are some

    tandem.send(tandem.requests.block_actions([raise_button], user_id=BEN, view=home))
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "issues.form"


def test_a_full_board_is_capped_within_app_homes_100_blocks(tandem: Tandem, clock: FixedClock) -> None:
    for n in range(10):
        raise_issue(tandem, f"Sales issue {n}", ADA, Team.SALES, owner_id=ADA, due_on=date(2026, 11, 25))
        raise_issue(tandem, f"Marketing issue {n}", BEN, Team.MARKETING, due_on=date(2026, 11, 25))
        raise_issue(tandem, f"Unsorted issue {n}", "U0CAT")
    clock.now += timedelta(days=3)

    home = open_home(tandem, ADA)  # an admin with no team: the most blocks above the board

    assert len(home["blocks"]) <= 100
    assert headers(home)[1:] == [
        "Your issues (10)",
        "Issues you raised (10)",
        "Overdue (20)",
        "Raised by Sales (10)",
        "Raised by Marketing (10)",
        "Raised by others (10)",
        "Thursday digest: 0 items",
        "Wins",
        "Field notes",
        "Shared metrics",
    ]
    more = [t for t in texts(home) if t.startswith("+")]
    cap = home_blocks.OVERVIEW_CAP
    assert more == [
        f"+{10 - cap} more. Choose “Your issues” in the filter to see them.",
        f"+{10 - cap} more. Choose “Issues you raised” in the filter to see them.",
        f"+{20 - cap} more. Choose “Overdue issues” in the filter to see them.",
        f"+{10 - cap} more. Choose “Open issues raised by Sales” in the filter to see them.",
        f"+{10 - cap} more. Choose “Open issues raised by Marketing” in the filter to see them.",
        f"+{10 - cap} more. Choose “Open issues” in the filter to see them.",
    ]
    assert "Set up teams" in str(home)


def test_the_filter_shows_one_list_and_home_remembers_it_in_the_view(
    tandem: Tandem, clock: FixedClock
) -> None:
    for n in range(50):
        raise_issue(tandem, f"Issue {n}", ANA, Team.SALES, due_on=date(2026, 11, 25) if n < 3 else None)
    clock.now += timedelta(days=2)
    home = open_home(tandem, BEN)

    overdue = pick(tandem, home, BEN, "overdue")

    assert overdue["private_metadata"] == "overdue"
    assert overdue["blocks"][2]["elements"][1]["initial_option"]["value"] == "overdue"
    assert headers(overdue)[1:-4] == ["Overdue issues (3)"]
    assert [t for t in texts(overdue) if t.startswith("#")] == ["#1  Issue 0", "#2  Issue 1", "#3  Issue 2"]

    everything = pick(tandem, overdue, BEN, "open")
    assert len(everything["blocks"]) <= 100
    assert headers(everything)[1:-4] == ["Open issues (50)"]
    assert len([t for t in texts(everything) if t.startswith("#")]) == home_blocks.LIST_CAP
    assert f"+{50 - home_blocks.LIST_CAP} more." in texts(everything)

    # Coming back to the tab, Slack sends the last published view: the same list shows again.
    again = open_home(tandem, BEN, shown=everything)
    assert headers(again)[1:-4] == ["Open issues (50)"]
    assert headers(pick(tandem, again, BEN, "overview"))[1] == "Your issues (0)"


def test_empty_lists_say_so(tandem: Tandem) -> None:
    home = open_home(tandem, BEN)
    mine = pick(tandem, home, BEN, "mine")
    assert headers(mine)[1:-4] == ["Your issues (0)"]
    assert "You own no open issues." in texts(mine)


def test_a_retried_event_publishes_again(tandem: Tandem) -> None:
    event = {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D0ANA"}
    tandem.send(tandem.requests.event(event, event_id="Ev0HOME1"))
    tandem.send(tandem.requests.event(event, event_id="Ev0HOME1", retry_num=1, retry_reason="http_timeout"))

    calls = tandem.slack.wait_for("views.publish", count=2)
    assert all(c.ok for c in calls)


def test_take_it_on_home_makes_you_the_owner(tandem: Tandem) -> None:
    tandem.command("Pricing page confuses prospects", user_id=ANA)
    tandem.slack.wait_for("chat.getPermalink")
    home = open_home(tandem, BEN)
    take = next(b for b in home["blocks"] if b.get("block_id") == "issues.card:1")["accessory"]

    answer = tandem.send(tandem.requests.block_actions([take], user_id=BEN, view=home))

    assert answer.status == 200
    tandem.slack.wait_for("chat.update")
    [issue] = tandem.issues()
    assert issue.owner_id == BEN
    # Home is published again at once: the issue is now Ben's, and the top says what happened.
    [_, again] = tandem.slack.wait_for("views.publish", count=2)
    assert f"<@{BEN}> took #1" in " ".join(texts(again.args["view"]))
    assert "issues.card:1" not in [b.get("block_id") for b in again.args["view"]["blocks"]]


def test_take_it_on_home_when_someone_was_quicker_says_who(tandem: Tandem) -> None:
    tandem.command("Pricing page confuses prospects", user_id=ANA)
    tandem.slack.wait_for("chat.getPermalink")
    home = open_home(tandem, BEN)
    take = next(b for b in home["blocks"] if b.get("block_id") == "issues.card:1")["accessory"]
    tandem.services.tracker.take(KEY, 1, Actor("U0CAT"))

    tandem.send(tandem.requests.block_actions([take], user_id=BEN, view=home))

    [_, again] = tandem.slack.wait_for("views.publish", count=2)
    assert "<@U0CAT> already took #1." in " ".join(texts(again.args["view"]))
    assert tandem.issues()[0].owner_id == "U0CAT"
    assert tandem.slack.calls_to("chat.postMessage")[-1].args["channel"] != BEN  # no DM needed


def test_the_renderer_keeps_any_board_within_100_blocks() -> None:
    many = IssueList(tuple(_issue(n) for n in range(1, home_blocks.OVERVIEW_CAP + 1)), 500)
    board = Board(
        mine=many, raised=many, overdue=many, by_team={Team.SALES: many, Team.MARKETING: many}, others=many
    )
    admin = home_blocks.TeamsAdmin(
        [MappedSource(Team.SALES, TeamSourceKind.USERGROUP, "S0SALES", ADA, None)],
        [Membership(ANA, Team.SALES, "usergroup")],
    )
    digest, metrics, wins = _full_digest(), _full_metrics(), _full_wins()
    page = home_blocks.HomePage(
        team=None,
        shown=home_blocks.Overview(board),
        admin=admin,
        notice="Saved.",
        digest=digest,
        metrics=metrics,
        wins=wins,
    )

    view = home_blocks.home(page, ZoneInfo("Europe/Paris")).to_dict()

    assert check_view(view) == []

    # Every part at its largest: the top (a notice, no team yet, the admin part), six full sections,
    # the digest's part with its most items, the wins' part with an admin's buttons, and the metrics'
    # part with all 40 metrics an admin sees.
    sections = home_blocks.OVERVIEW_SECTIONS * (home_blocks.SECTION_FRAME + 2 * home_blocks.OVERVIEW_CAP)
    parts = (
        home_blocks.TOP_BLOCKS
        + home_blocks.DIGEST_BLOCKS
        + home_blocks.WINS_BLOCKS
        + home_blocks.METRICS_BLOCKS
    )
    assert len(view["blocks"]) == parts + sections <= 100
    longest = IssueList(tuple(_issue(n) for n in range(1, home_blocks.LIST_CAP + 1)), 900)
    listing = home_blocks.HomePage(
        team=None,
        shown=home_blocks.Listing(IssueView.ALL, longest),
        admin=admin,
        digest=digest,
        metrics=metrics,
        wins=wins,
    )
    longest_view = home_blocks.home(listing, ZoneInfo("UTC")).to_dict()
    assert check_view(longest_view) == []
    assert len(longest_view["blocks"]) <= 100


def _full_wins() -> home_blocks.WinsPart:
    """A person with five long wins of their own and five they were thanked in."""
    at = datetime(2026, 11, 24, tzinfo=UTC)
    many = tuple(
        Win(
            id=n,
            author_id=ANA,
            author_team=Team.SALES,
            text="w" * TEXT_MAX,
            kind=WinKind.CLOSED_DEAL,
            account="a" * ACCOUNT_MAX,
            amount=1_234_567.0,
            currency="EUR",
            thanked=tuple(Thanks(f"U0P{i:03d}", Team.MARKETING) for i in range(THANKED_MAX)),
            source_permalink=None,
            created_at=at,
            edited_at=None,
            card_channel="C0WINSCH",
            card_ts="1764000000.000100",
            card_permalink="https://tandem-test.slack.com/archives/C0WINSCH/p1764000000000100",
        )
        for n in range(1, 6)
    )
    return home_blocks.WinsPart(PersonWins(many, many, 9_999, 99), wants_dms=True, is_admin=True)


def _full_metrics() -> home_blocks.MetricsPart:
    metrics = tuple(
        Metric(
            id=n,
            position=n,
            name=f"metric-{n}",
            label="L" * LABEL_MAX,
            unit=Unit.CURRENCY,
            team=MetricTeam.SHARED,
            rollup=Rollup.SUM,
            currency="EUR",
            higher_is_better=True,
            monthly_target=1_234_567_890.0,
            quarterly_target=None,
            targets=(),
            query=None,
            description="",
        )
        for n in range(1, METRICS_MAX + 1)
    )
    settings = SnapshotSettings("C0METRICS", ("mon", "wed", "fri"), "08:30", True, ZoneInfo("Europe/Paris"))
    return home_blocks.MetricsPart(metrics, settings, is_admin=True)


def _full_digest() -> home_blocks.DigestPart:
    at = datetime(2026, 11, 24, tzinfo=UTC)
    items = tuple(
        DigestItem(n, "2026-W48", Section.KEY_ISSUE, "h" * 150, "d" * 1000, None, None, ANA, at, at)
        for n in range(1, 60)
    )
    zone = ZoneInfo("Europe/Paris")
    week = DigestWeek("2026-W48", date(2026, 11, 26), at + timedelta(days=2), at - timedelta(days=5), zone)
    settings = DigestSettings("thu", "09:00", None, zone, True, "08:00", ADA, (), True, "wed", "14:00", None)
    return home_blocks.DigestPart(
        week=week,
        settings=settings,
        record=DigestRecord(week.key, DigestStatus.HELD),
        items=items[: digest_blocks.HOME_ITEMS],
        total=len(items),
        changeable=frozenset(i.id for i in items),
        is_admin=True,
    )


def _issue(number: int) -> SharedIssue:
    return SharedIssue(
        number=number,
        title="x" * 120,
        details="",
        category=Category.OTHER,
        priority=Priority.URGENT,
        status=Status.OPEN,
        owner_id=None,
        due_on=date(2026, 12, 1),
        raised_by=ANA,
        raised_at=datetime(2026, 11, 24, tzinfo=UTC),
        card=None,
        raised_by_team=Team.SALES,
    )
