"""Teams over real HTTP: choosing your own team, the admins' setup form, syncing members from Slack."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.blocks import teams as team_blocks
from bot.people import Actor, Membership, Team, TeamSourceKind
from bot.slack.team_sync import SourceSync, sync_mapped_teams
from bot.workspaces import WorkspaceKey
from tests.contract.checks import check_view
from tests.scenario.conftest import ANA, BEN, BOT_TOKEN, TEAM, Tandem
from tests.scenario.home_views import next_home, open_home, published

ADA = "U0ADMIN"  # a workspace admin in the look-alike
ADMIN = Actor(ADA, is_admin=True)
KEY = WorkspaceKey(TEAM)
GROUP, CHANNEL = TeamSourceKind.USERGROUP, TeamSourceKind.CHANNEL


def click(tandem: Tandem, home: dict[str, Any], user_id: str, action_id: str) -> dict[str, Any]:
    """Click a button on App Home; the Home published in answer."""
    before = len(published(tandem, user_id))
    button = next(
        element
        for block in home["blocks"]
        for element in [block.get("accessory"), *(block.get("elements") or [])]
        if isinstance(element, dict) and element.get("action_id") == action_id
    )
    answer = tandem.send(tandem.requests.block_actions([button], user_id=user_id, view=home))
    assert (answer.status, answer.body) == (200, b"")
    return next_home(tandem, user_id, before)


def notice(home: dict[str, Any]) -> str | None:
    found = [b["text"]["text"] for b in home["blocks"] if b.get("block_id") == "home.notice"]
    return found[0] if found else None


def open_setup(tandem: Tandem) -> dict[str, Any]:
    home = open_home(tandem, ADA)
    button = next(b for b in home["blocks"] if b.get("block_id") == "teams.admin")["accessory"]
    tandem.send(tandem.requests.block_actions([button], user_id=ADA, view=home))
    [opened] = tandem.slack.wait_for("views.open")
    assert opened.ok, opened.response
    form: dict[str, Any] = opened.response["view"]
    return form


def members(tandem: Tandem) -> list[Membership]:
    return tandem.services.people.members(KEY)


def test_someone_without_a_team_chooses_it_once_on_app_home(tandem: Tandem) -> None:
    home = open_home(tandem, ANA)
    question = next(b for b in home["blocks"] if b.get("block_id") == "teams.yours")["text"]["text"]
    assert question.startswith("*Which team are you on?*")
    choices = next(b for b in home["blocks"] if b.get("block_id") == "teams.choose")["elements"]
    assert [(c["text"]["text"], c["value"]) for c in choices] == [
        ("Sales", "sales"),
        ("Marketing", "marketing"),
        ("Other", "other"),
    ]

    chosen = click(tandem, home, ANA, "teams.choose.sales")

    assert tandem.services.people.team_of(KEY, ANA) is Team.SALES
    assert notice(chosen) == ":white_check_mark: You're on Sales now. Issues you raise will say so."
    assert "teams.choose" not in [b.get("block_id") for b in chosen["blocks"]]

    # A second choice, from a Home still showing the buttons, is answered and changes nothing.
    again = click(tandem, home, ANA, "teams.choose.marketing")
    assert notice(again) == ":information_source: You're already on Sales. Ask a Tandem admin to change it."
    assert tandem.services.people.team_of(KEY, ANA) is Team.SALES


def test_only_admins_see_team_setup(tandem: Tandem) -> None:
    assert "teams.admin" not in [b.get("block_id") for b in open_home(tandem, BEN)["blocks"]]

    admin_home = open_home(tandem, ADA)

    [admin] = [b for b in admin_home["blocks"] if b.get("block_id") == "teams.admin"]
    assert admin["accessory"]["action_id"] == "teams.open_setup"
    assert admin["text"]["text"] == (
        "*Teams* (you're a Tandem admin)\nSales: 0 people\nMarketing: 0 people\nOther: 0 people"
    )


def test_a_forged_setup_click_from_a_non_admin_is_refused(tandem: Tandem) -> None:
    home = open_home(tandem, BEN)
    forged = {"action_id": "teams.open_setup", "type": "button"}

    tandem.send(tandem.requests.block_actions([forged], user_id=BEN, view=home))

    refused = next_home(tandem, BEN, 1)
    assert notice(refused) == f":no_entry: {team_blocks.NOT_AN_ADMIN}"
    assert tandem.slack.calls_to("views.open") == []
    assert tandem.slack.calls_to("usergroups.list") == []


def test_a_forged_setup_submission_from_a_non_admin_is_refused(tandem: Tandem) -> None:
    form = open_setup(tandem)
    values = {"teams.setup.sales.group": {"value": "S0SALES"}}

    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=BEN))

    assert answer.json() == {
        "response_action": "errors",
        "errors": {"teams.setup.sales.group": team_blocks.NOT_AN_ADMIN},
    }
    assert tandem.services.people.sources(KEY) == []
    assert tandem.slack.calls_to("usergroups.users.list") == []


def test_the_setup_form_offers_slacks_user_groups_and_channels(tandem: Tandem) -> None:
    form = open_setup(tandem)

    [listed] = tandem.slack.calls_to("usergroups.list")
    assert listed.ok
    assert form["callback_id"] == "teams.setup"
    assert form["title"]["text"] == "Set up teams"
    blocks = {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}
    assert list(blocks) == [
        "teams.setup.sales.group",
        "teams.setup.sales.channels",
        "teams.setup.sales.people",
        "teams.setup.marketing.group",
        "teams.setup.marketing.channels",
        "teams.setup.marketing.people",
        "teams.setup.other.people",
    ]
    group = blocks["teams.setup.sales.group"]["element"]
    assert [(o["value"], o["text"]["text"]) for o in group["options"]] == [
        ("none", "No user group"),
        ("S0MARKETING", "@marketing-team (Marketing team)"),
        ("S0SALES", "@sales-team (Sales team)"),
    ]
    assert group["initial_option"]["value"] == "none"
    channels = blocks["teams.setup.sales.channels"]["element"]
    assert channels["type"] == "multi_conversations_select"
    assert channels["filter"] == {
        "include": ["public", "private"],
        "exclude_bot_users": True,
        "exclude_external_shared_channels": True,
    }
    assert blocks["teams.setup.other.people"]["element"]["type"] == "multi_users_select"


def test_saving_maps_teams_reads_their_members_from_slack_and_stores_people(tandem: Tandem) -> None:
    form = open_setup(tandem)
    values = {
        "teams.setup.sales.group": {"value": "S0SALES"},
        "teams.setup.sales.channels": {"value": ["C0SALES"]},
        "teams.setup.marketing.channels": {"value": ["C0MARKETING"]},
        "teams.setup.other.people": {"value": [ADA]},
    }

    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=ADA))

    assert (answer.status, answer.body) == (200, b"")  # the form closes
    home = next_home(tandem, ADA, 1)
    [group] = tandem.slack.calls_to("usergroups.users.list")
    assert group.args == {"usergroup": "S0SALES", "team_id": TEAM}
    read = [(c.args["channel"], c.args["limit"]) for c in tandem.slack.calls_to("conversations.members")]
    assert read == [("C0MARKETING", "200"), ("C0SALES", "200")]
    assert members(tandem) == [
        Membership(BEN, Team.MARKETING, "channel"),
        Membership(ADA, Team.OTHER, "admin"),  # in both channels, but placed by an admin
        Membership(ANA, Team.SALES, "usergroup"),  # the group is read last and wins
    ]
    assert {(s.team, s.kind, s.slack_id, s.mapped_by) for s in tandem.services.people.sources(KEY)} == {
        (Team.SALES, GROUP, "S0SALES", ADA),
        (Team.SALES, CHANNEL, "C0SALES", ADA),
        (Team.MARKETING, CHANNEL, "C0MARKETING", ADA),
    }
    assert (
        notice(home) == ":white_check_mark: Teams saved: Sales 1 person, Marketing 1 person, Other 1 person."
    )
    admin = next(b for b in home["blocks"] if b.get("block_id") == "teams.admin")["text"]["text"]
    assert admin == (
        "*Teams* (you're a Tandem admin)\n"
        "Sales: 1 person from <!subteam^S0SALES>, <#C0SALES>\n"
        "Marketing: 1 person from <#C0MARKETING>\n"
        "Other: 1 person"
    )


def test_the_form_shows_what_is_stored_and_leaving_a_group_out_unmaps_it(tandem: Tandem) -> None:
    first = open_setup(tandem)
    tandem.send(
        tandem.requests.view_submission(
            first,
            {
                "teams.setup.sales.group": {"value": "S0SALES"},
                "teams.setup.marketing.people": {"value": [BEN]},
            },
            user_id=ADA,
        )
    )
    next_home(tandem, ADA, 1)
    tandem.slack.reset()

    again = open_setup(tandem)
    blocks = {b["block_id"]: b["element"] for b in again["blocks"] if b["type"] == "input"}
    assert blocks["teams.setup.sales.group"]["initial_option"]["value"] == "S0SALES"
    assert blocks["teams.setup.marketing.people"]["initial_users"] == [BEN]
    tandem.send(
        tandem.requests.view_submission(again, {"teams.setup.sales.group": {"value": "none"}}, user_id=ADA)
    )
    next_home(tandem, ADA, 1)

    assert tandem.services.people.sources(KEY) == []
    assert members(tandem) == [Membership(BEN, Team.MARKETING, "admin")]  # Ana came only from the group


def test_problems_show_under_their_fields_and_nothing_is_stored(tandem: Tandem) -> None:
    form = open_setup(tandem)
    values = {
        "teams.setup.sales.group": {"value": "S0SALES"},
        "teams.setup.marketing.group": {"value": "S0SALES"},
        "teams.setup.sales.channels": {"value": ["C0WINS", "C0SALES"]},
        "teams.setup.marketing.channels": {"value": ["C0SALES"]},
        "teams.setup.sales.people": {"value": [ANA]},
        "teams.setup.other.people": {"value": [ANA]},
    }

    answer = tandem.send(tandem.requests.view_submission(form, values, user_id=ADA))

    assert answer.json() == {
        "response_action": "errors",
        "errors": {
            "teams.setup.marketing.group": "This user group is chosen for Sales too. "
            "A group makes up one team.",
            "teams.setup.marketing.channels": "A channel here is chosen for Sales too. "
            "A channel makes up one team.",
            "teams.setup.other.people": "Someone here is also on Sales in this form. "
            "Put each person on one team.",
        },
    }
    assert tandem.services.people.sources(KEY) == []
    assert members(tandem) == []
    assert tandem.slack.calls_to("usergroups.users.list") == []
    assert tandem.slack.calls_to("conversations.members") == []


def test_people_placed_directly_can_be_moved_or_taken_off(tandem: Tandem) -> None:
    tandem.send(
        tandem.requests.view_submission(
            open_setup(tandem), {"teams.setup.sales.people": {"value": [ANA]}}, user_id=ADA
        )
    )
    next_home(tandem, ADA, 1)
    tandem.slack.reset()

    moved = tandem.send(
        tandem.requests.view_submission(
            open_setup(tandem),
            {"teams.setup.sales.people": {"value": []}, "teams.setup.marketing.people": {"value": [ANA]}},
            user_id=ADA,
        )
    )
    assert moved.body == b""
    next_home(tandem, ADA, 1)
    assert members(tandem) == [Membership(ANA, Team.MARKETING, "admin")]
    tandem.slack.reset()

    dropped = tandem.send(
        tandem.requests.view_submission(
            open_setup(tandem), {"teams.setup.marketing.people": {"value": []}}, user_id=ADA
        )
    )
    assert dropped.body == b""
    next_home(tandem, ADA, 1)
    assert members(tandem) == []


def test_channels_are_read_page_by_page(tandem: Tandem) -> None:
    crowd = [f"U0M{n:04d}" for n in range(450)]
    tandem.slack.set_channel_members("C0MARKETING", [*crowd, "U0TANDEMBOT"])
    form = open_setup(tandem)

    tandem.send(
        tandem.requests.view_submission(
            form, {"teams.setup.marketing.channels": {"value": ["C0MARKETING"]}}, user_id=ADA
        )
    )

    next_home(tandem, ADA, 1)
    pages = tandem.slack.calls_to("conversations.members")
    assert [len(c.response["members"]) for c in pages] == [200, 200, 51]
    assert [bool(c.args.get("cursor")) for c in pages] == [False, True, True]
    assert pages[1].args["cursor"] == pages[0].response["response_metadata"]["next_cursor"]
    stored = members(tandem)
    assert {m.user_id for m in stored} == set(crowd)  # Tandem itself is on no team
    assert {m.team for m in stored} == {Team.MARKETING}


def test_a_channel_slack_will_not_show_is_kept_and_the_admin_told(tandem: Tandem) -> None:
    form = open_setup(tandem)
    tandem.slack.fail_next("conversations.members", error="channel_not_found")

    tandem.send(
        tandem.requests.view_submission(
            form,
            {
                "teams.setup.sales.channels": {"value": ["C0SALES"]},
                "teams.setup.sales.group": {"value": "S0SALES"},
            },
            user_id=ADA,
        )
    )

    home = next_home(tandem, ADA, 1)
    assert notice(home) == (
        ":white_check_mark: Teams saved: Sales 1 person, Marketing 0 people, Other 0 people.\n"
        ":warning: Couldn't read the members of <#C0SALES>: Tandem can't see it. "
        "If it's private, invite @Tandem there, then save again."
    )
    assert {s.slack_id for s in tandem.services.people.sources(KEY)} == {"S0SALES", "C0SALES"}
    assert members(tandem) == [Membership(ANA, Team.SALES, "usergroup")]


def test_when_user_groups_cannot_be_listed_the_form_offers_channels_and_keeps_groups(tandem: Tandem) -> None:
    tandem.services.people.map_source(KEY, ADMIN, Team.SALES, GROUP, "S0SALES")
    tandem.slack.fail_next("usergroups.list", error="plan_upgrade_required")

    form = open_setup(tandem)

    inputs = [b["block_id"] for b in form["blocks"] if b["type"] == "input"]
    assert "teams.setup.sales.group" not in inputs
    assert "User groups come with paid Slack plans: map channels instead." in str(form["blocks"])
    tandem.send(tandem.requests.view_submission(form, {}, user_id=ADA))
    next_home(tandem, ADA, 1)
    assert [s.slack_id for s in tandem.services.people.sources(KEY)] == ["S0SALES"]


def test_daily_sync_follows_slack_membership(tandem: Tandem) -> None:
    people = tandem.services.people
    people.map_source(KEY, ADMIN, Team.SALES, GROUP, "S0SALES")
    people.map_source(KEY, ADMIN, Team.MARKETING, CHANNEL, "C0MARKETING")
    client = WebClient(token=BOT_TOKEN, base_url=tandem.slack.api_url, proxy=None)
    sync_mapped_teams(client, people, KEY)
    tandem.slack.set_usergroup_users("S0SALES", ["U0CAT"])
    tandem.slack.set_channel_members("C0MARKETING", [BEN, "U0DAN", "U0TANDEMBOT"])
    tandem.slack.fail_next("usergroups.users.list", error="ratelimited")

    results = sync_mapped_teams(client, people, KEY)

    assert [(r.source.slack_id, r.members, r.error) for r in results] == [
        ("C0MARKETING", 2, None),
        ("S0SALES", None, "ratelimited"),
    ]
    assert all(isinstance(r, SourceSync) for r in results)
    assert members(tandem) == [
        Membership(BEN, Team.MARKETING, "channel"),
        Membership("U0DAN", Team.MARKETING, "channel"),  # Ada left the channel and is forgotten
        Membership(ANA, Team.SALES, "usergroup"),  # kept until the group can be read again
    ]
    assert len(tandem.slack.calls_to("auth.test")) == 2  # who Tandem is, so it is never on a team
    sync_mapped_teams(client, people, KEY, bot_user_id="U0TANDEMBOT")
    assert [m.user_id for m in members(tandem) if m.team is Team.SALES] == ["U0CAT"]


def test_nothing_mapped_means_nothing_to_read(tandem: Tandem) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=tandem.slack.api_url, proxy=None)
    assert sync_mapped_teams(client, tandem.services.people, KEY) == []
    assert tandem.slack.calls == []


def test_a_workspace_with_many_user_groups_gets_a_select_slack_accepts() -> None:
    groups = [team_blocks.UserGroup(f"S{n:04d}", f"Group {n}", f"group-{n:04d}") for n in range(150)]
    current = team_blocks.TeamSetup(groups={Team.SALES: "S0149", Team.MARKETING: "S0GONE"})

    form = team_blocks.setup_form(current, groups).to_dict()

    assert check_view(form) == []
    inputs = {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}
    sales = inputs["teams.setup.sales.group"]
    assert len(sales["element"]["options"]) == 100
    assert sales["element"]["initial_option"]["value"] == "S0149"  # kept although past the first 99
    assert sales["hint"]["text"] == "Showing 99 of 150 user groups."
    marketing = inputs["teams.setup.marketing.group"]["element"]
    assert marketing["initial_option"] == {
        "text": {"type": "plain_text", "text": "A user group Slack no longer lists", "emoji": True},
        "value": "S0GONE",
    }
