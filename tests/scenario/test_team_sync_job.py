"""The daily team sync: mapped channels and user groups are read again, so teams follow Slack."""

from __future__ import annotations

from bot.people import Actor, Team, TeamSourceKind
from bot.workspaces import WorkspaceKey
from jobs.scheduler import Scheduler
from tests.conftest import FixedClock
from tests.scenario.conftest import TEAM, Tandem
from tests.scenario.test_reminders import scheduler_for

KEY = WorkspaceKey(TEAM)
ADMIN = Actor("U0ADA", is_admin=True)


def sync_scheduler(tandem: Tandem, clock: FixedClock) -> Scheduler:
    return scheduler_for(tandem, clock, jobs=("teams.sync",))


def test_each_morning_teams_follow_their_channels_and_groups(tandem: Tandem, clock: FixedClock) -> None:
    people = tandem.services.people
    people.apply_setup(
        KEY,
        ADMIN,
        {
            (TeamSourceKind.CHANNEL, "C0SALES"): Team.SALES,
            (TeamSourceKind.USERGROUP, "S0MARKETING"): Team.MARKETING,
        },
        {},
    )
    tandem.slack.set_channel_members("C0SALES", ["U0ANA", "U0CAT", "U0TANDEMBOT"])
    tandem.slack.set_usergroup_users("S0MARKETING", ["U0BEN"])

    [ran] = sync_scheduler(tandem, clock).run_due()

    assert ran.job == "teams.sync"
    assert people.teams_of(KEY, ["U0ANA", "U0CAT", "U0BEN", "U0TANDEMBOT"]) == {
        "U0ANA": Team.SALES,
        "U0CAT": Team.SALES,
        "U0BEN": Team.MARKETING,
    }
    assert sync_scheduler(tandem, clock).run_due() == []  # once a day


def test_a_source_slack_refuses_keeps_its_people_until_it_can_be_read(
    tandem: Tandem, clock: FixedClock
) -> None:
    people = tandem.services.people
    people.apply_setup(KEY, ADMIN, {(TeamSourceKind.USERGROUP, "S0MARKETING"): Team.MARKETING}, {})
    people.sync_source(KEY, TeamSourceKind.USERGROUP, "S0MARKETING", ["U0BEN"])
    tandem.slack.fail_next("usergroups.users.list", error="no_such_subteam")

    [ran] = sync_scheduler(tandem, clock).run_due()

    assert "unreadable: usergroup S0MARKETING: no_such_subteam" in ran.outcome
    assert people.team_of(KEY, "U0BEN") is Team.MARKETING
