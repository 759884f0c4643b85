"""The weekly wins recap as the schedule posts it: Friday 16:00 workspace time in the wins channel, the
week's wins and most thanked with cross-team thanks against the weeks before, once per workspace and
week however many runs or replicas, found again after a crash, on a workspace's own day and time,
across daylight-saving changes, late, empty, and told to admins when the channel refuses it."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from bot.app import services_for
from bot.blocks.wins import recap_message
from bot.people import Actor, Team
from bot.sandbox.lookalike import SlackLookalike
from bot.scheduling import runner_name, week_key
from bot.slack.posting import EVENT_TYPE, post_once
from bot.wins import WinDraft, WinKind, WinsSettingsChange
from bot.workspaces import WorkspaceKey
from jobs.wins import recap_key
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BOT_TOKEN, TEAM, Scene, Tandem, start_tandem
from tests.scenario.messages import dms_to, posts_in, texts
from tests.scenario.scheduled import Schedule, run_at
from tests.test_scheduling import ended_process_on_this_machine

KEY = WorkspaceKey(TEAM)
JOB = "wins.recap"
# Channel ids Tandem's settings accept (the look-alike's own "C0WINS" is too short for them).
WINS, ELSEWHERE = "C0WINSCH", "C0CELEBRATE"
ADMIN = Actor("U0ADMIN", is_admin=True)
# Sales: Ana, Sam. Marketing: Mia, Max.
SAM, MIA, MAX = "U0SAM", "U0MIA", "U0MAX"
PARIS = ZoneInfo("Europe/Paris")
ENVIRONMENT = {"TANDEM_WINS_CHANNEL": WINS, "TANDEM_ADMINS": ADMIN.user_id}
SCHEDULE = Schedule((JOB,), ENVIRONMENT)  # the recap's row of the timetable
settings_for, scheduler_for = SCHEDULE.settings_for, SCHEDULE.scheduler_for
WEEK = "2026-W48"  # Monday 23 to Sunday 29 November 2026
FRIDAY_1600 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 in Paris
MINUTE = timedelta(minutes=1)
_requests = itertools.count(1)


# --------------------------------------------------------------------------- helpers


def meet(tandem: Tandem, clock: FixedClock, at: datetime = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)) -> None:
    """Tandem meets the workspace, whose admin puts people on teams."""
    clock.now = at
    people = tandem.services.people
    people.set_team(KEY, ADMIN, [ANA, SAM], Team.SALES)
    people.set_team(KEY, ADMIN, [MIA, MAX], Team.MARKETING)


def celebrate(
    tandem: Tandem,
    clock: FixedClock,
    at: datetime,
    author: str,
    thanked: tuple[str, ...],
    text: str,
    kind: WinKind = WinKind.OTHER,
    **details: Any,
) -> None:
    """A win celebrated at `at` (aware; local or UTC), as /win or the form stores it."""
    clock.now = at.astimezone(UTC)
    draft = WinDraft(text=text, thanked=thanked, kind=kind, **details)
    celebrated = tandem.services.wins.celebrate(KEY, Actor(author), draft, request_key=f"r{next(_requests)}")
    assert not celebrated.repeated


def sales_thanks_marketing(tandem: Tandem, clock: FixedClock, monday: date, wins: int) -> None:
    """`wins` wins in the week of `monday`, each one thank-you from sales to marketing."""
    for n in range(wins):
        at = datetime(monday.year, monday.month, monday.day, 10 + n, 0, tzinfo=PARIS) + timedelta(days=1)
        celebrate(tandem, clock, at, ANA, (MIA,), f"Week of {monday}: lead {n} closed")


@pytest.fixture
def scene() -> Scene:
    """The wins channels, and Tandem posting to the first."""
    return Scene(channels={WINS: {"name": "wins"}, ELSEWHERE: {"name": "celebrate"}}, environment=ENVIRONMENT)


def a_busy_week(tandem: Tandem, clock: FixedClock) -> None:
    """Four weeks of thanks from sales to marketing (3, 0, 1, 2), then this week's three wins."""
    meet(tandem, clock)
    sales_thanks_marketing(tandem, clock, date(2026, 10, 19), 4)  # five weeks back: not compared
    sales_thanks_marketing(tandem, clock, date(2026, 10, 26), 3)
    sales_thanks_marketing(tandem, clock, date(2026, 11, 9), 1)
    sales_thanks_marketing(tandem, clock, date(2026, 11, 16), 2)
    celebrate(
        tandem,
        clock,
        datetime(2026, 11, 23, 10, 0, tzinfo=PARIS),
        ANA,
        (MIA, SAM),
        "Closed Acme: the webinar lead",
        WinKind.CLOSED_DEAL,
        account="Acme Corp",
        amount=120_000,
        currency="EUR",
    )
    celebrate(
        tandem,
        clock,
        datetime(2026, 11, 25, 11, 0, tzinfo=PARIS),
        MIA,
        (ANA,),
        "<!here> Record webinar: 400 sign-ups",
        WinKind.CAMPAIGN_RESULT,
    )
    celebrate(
        tandem,
        clock,
        datetime(2026, 11, 27, 9, 0, tzinfo=PARIS),
        SAM,
        (ANA,),
        "Saved the Globex renewal",
        WinKind.CUSTOMER_SAVED,
    )


# --------------------------------------------------------------------------- content


def test_friday_1600_posts_the_weeks_wins_once_with_cross_team_thanks_against_the_weeks_before(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, FRIDAY_1600 - MINUTE) == []
    assert run_at(scheduler, clock, FRIDAY_1600) == [(JOB, f"recap of 3 wins posted to {WINS}")]
    assert run_at(scheduler, clock, FRIDAY_1600 + MINUTE) == []
    assert run_at(scheduler, clock, FRIDAY_1600 + timedelta(hours=5)) == []

    [post] = posts_in(tandem.slack, WINS)
    assert post["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": f"wins.recap/{TEAM}/{WEEK}"},
    }
    text = texts(post)
    assert "Nov 23–29" in text
    # Sales → Marketing in Monday's and Marketing → Sales in Wednesday's; Friday's stays in sales.
    assert "3 wins" in post["text"]
    assert "2 cross-team thanks (3, 0, 1, 2 the weeks before)" in text
    for said in ("Closed Acme: the webinar lead", "Acme Corp", "€120k", "Record webinar", "Globex renewal"):
        assert said in text
    assert "<!here>" not in text  # what a win says never pings anyone
    most_thanked = text[text.index("Most thanked") :]
    assert most_thanked.index(f"<@{ANA}> · 2 thanks") < most_thanked.index(f"<@{MIA}> · 1 thanks")
    assert "late" not in text.lower()


def test_a_win_after_the_recap_counts_in_next_weeks_comparison_not_in_its_list(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url)
    assert run_at(scheduler, clock, FRIDAY_1600) == [(JOB, f"recap of 3 wins posted to {WINS}")]

    evening = datetime(2026, 11, 27, 18, 0, tzinfo=PARIS)
    celebrate(tandem, clock, evening, MAX, (ANA,), "Friday evening: the partner deal signed")
    celebrate(tandem, clock, datetime(2026, 12, 1, 10, 0, tzinfo=PARIS), SAM, (MIA,), "Tuesday's launch")
    assert run_at(scheduler, clock, FRIDAY_1600 + timedelta(weeks=1)) == [
        (JOB, f"recap of 1 win posted to {WINS}")
    ]

    _, post = posts_in(tandem.slack, WINS)
    assert post["metadata"]["event_payload"]["key"] == f"wins.recap/{TEAM}/2026-W49"
    text = texts(post)
    assert "Tuesday's launch" in text
    assert "Friday evening" not in text
    # Week 48 now holds the evening's thanks too: 2 + 1.
    assert "1 cross-team thanks (0, 1, 2, 3 the weeks before)" in text


def test_an_empty_week_posts_the_short_note(tandem: Tandem, clock: FixedClock, database_url: str) -> None:
    meet(tandem, clock)
    sales_thanks_marketing(tandem, clock, date(2026, 11, 16), 2)  # last week's do not count
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, FRIDAY_1600) == [(JOB, f"empty-week recap posted to {WINS}")]
    [post] = posts_in(tandem.slack, WINS)
    assert "No wins posted this week" in texts(post)
    assert "/win" in texts(post)
    assert post["metadata"]["event_payload"]["key"] == f"wins.recap/{TEAM}/{WEEK}"


def test_without_a_wins_channel_no_recap_is_posted(
    slack: SlackLookalike, database_url: str, clock: FixedClock
) -> None:
    for tandem in start_tandem(slack, database_url, clock):
        meet(tandem, clock)
        celebrate(
            tandem, clock, datetime(2026, 11, 25, 11, 0, tzinfo=PARIS), ANA, (MIA,), "Stored, not posted"
        )
        scheduler = scheduler_for(tandem, clock, database_url)

        assert run_at(scheduler, clock, FRIDAY_1600) == []
        assert slack.calls_to("chat.postMessage") == []


# --------------------------------------------------------------------------- exactly once


def test_two_runs_and_a_second_replica_post_the_week_once(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    first = scheduler_for(tandem, clock, database_url)
    other = services_for(settings_for(tandem.slack, database_url), clock)  # its own engine, same data
    try:
        second = scheduler_for(tandem, clock, database_url, runner="replica-b", services=other)
        assert run_at(first, clock, FRIDAY_1600) == [(JOB, f"recap of 3 wins posted to {WINS}")]
        assert run_at(second, clock, FRIDAY_1600) == []
        assert run_at(first, clock, FRIDAY_1600 + MINUTE) == []
        assert run_at(second, clock, FRIDAY_1600 + timedelta(hours=1)) == []
    finally:
        other.database.dispose()

    assert len(posts_in(tandem.slack, WINS)) == 1


def test_a_run_that_died_after_slack_took_the_recap_is_not_followed_by_a_second(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    clock.now = FRIDAY_1600
    dead = ended_process_on_this_machine()
    # What the dead process did: claimed the week, and Slack took the recap before it could record it.
    assert tandem.services.ledger.claim(JOB, KEY, WEEK, dead)
    client = WebClient(token=BOT_TOKEN, base_url=tandem.slack.api_url)
    left = post_once(
        client,
        channel=WINS,
        message=recap_message(tandem.services.wins.recap(KEY, WEEK)),
        key=recap_key(KEY, WEEK),
        look_first=False,
        now=clock.now,
    )

    scheduler = scheduler_for(tandem, clock, database_url, runner=runner_name())
    assert run_at(scheduler, clock, FRIDAY_1600 + 3 * MINUTE) == [(JOB, "already posted")]

    assert [post["ts"] for post in posts_in(tandem.slack, WINS)] == [left.ts]
    [history] = tandem.slack.calls_to("conversations.history")
    assert history.args["channel"] == WINS
    assert history.args["include_all_metadata"] in (True, "true", "1", 1)


def test_slack_unavailable_retries_the_run_which_posts_once_marked_late(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    tandem.slack.fail_next("chat.postMessage", error="service_unavailable")
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, FRIDAY_1600) == []
    assert run_at(scheduler, clock, FRIDAY_1600 + 29 * MINUTE) == []  # the ledger's retake time
    assert run_at(scheduler, clock, FRIDAY_1600 + 31 * MINUTE) == [
        (JOB, f"recap of 3 wins posted to {WINS} (late)")
    ]
    [post] = posts_in(tandem.slack, WINS)
    assert "late" in texts(post).lower()
    # The retaken run looked for an earlier post by its key before posting.
    [history] = tandem.slack.calls_to("conversations.history")
    assert history.args["channel"] == WINS
    assert dms_to(tandem.slack, ADMIN.user_id) == []  # a passing outage is nobody's to fix


def test_a_recap_caught_up_after_an_outage_says_it_is_late(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, FRIDAY_1600 + timedelta(hours=2)) == [
        (JOB, f"recap of 3 wins posted to {WINS} (late)")
    ]
    [post] = posts_in(tandem.slack, WINS)
    assert "late" in texts(post).lower()


def test_beyond_the_catch_up_window_the_week_is_skipped(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    scheduler = scheduler_for(tandem, clock, database_url, TANDEM_CATCH_UP_HOURS="2")

    assert run_at(scheduler, clock, FRIDAY_1600 + timedelta(hours=2, minutes=1)) == []
    assert posts_in(tandem.slack, WINS) == []


def test_a_channel_tandem_is_not_in_is_told_to_admins_once_and_posted_once_invited(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    a_busy_week(tandem, clock)
    tandem.slack.fail_next("chat.postMessage", error="not_in_channel")
    scheduler = scheduler_for(tandem, clock, database_url)

    assert run_at(scheduler, clock, FRIDAY_1600) == []
    assert posts_in(tandem.slack, WINS) == []
    [told] = dms_to(tandem.slack, ADMIN.user_id)
    assert "/invite" in told.args["text"]
    assert f"<#{WINS}>" in told.args["text"]

    # Invited since: the ledger retries after its retake time, within the catch-up window.
    assert run_at(scheduler, clock, FRIDAY_1600 + 29 * MINUTE) == []
    assert run_at(scheduler, clock, FRIDAY_1600 + 31 * MINUTE) == [
        (JOB, f"recap of 3 wins posted to {WINS} (late)")
    ]
    assert len(posts_in(tandem.slack, WINS)) == 1
    assert len(dms_to(tandem.slack, ADMIN.user_id)) == 1  # told once


# --------------------------------------------------------------------------- the schedule


def test_a_workspace_recaps_on_its_own_day_time_and_channel_and_once_a_week_when_moved(
    tandem: Tandem, clock: FixedClock, database_url: str
) -> None:
    meet(tandem, clock)
    celebrate(tandem, clock, datetime(2026, 11, 23, 10, 0, tzinfo=PARIS), ANA, (MIA,), "Monday's lead")
    celebrate(tandem, clock, datetime(2026, 11, 25, 11, 0, tzinfo=PARIS), MIA, (ANA,), "Wednesday's deal")
    wins = tandem.services.wins
    wins.save_settings(KEY, WinsSettingsChange(ELSEWHERE, "thu", "17:30", 10), ADMIN)
    scheduler = scheduler_for(tandem, clock, database_url)
    thursday_1730 = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)

    assert run_at(scheduler, clock, FRIDAY_1600 - timedelta(weeks=1)) == []  # not Fridays any more
    assert run_at(scheduler, clock, thursday_1730 - MINUTE) == []
    assert run_at(scheduler, clock, thursday_1730) == [(JOB, f"recap of 2 wins posted to {ELSEWHERE}")]
    # Friday morning's win comes after this week's recap; then the recap moves to Friday: the week
    # is not recapped twice, and the next one is, on Friday.
    celebrate(tandem, clock, datetime(2026, 11, 27, 9, 0, tzinfo=PARIS), SAM, (ANA,), "Friday's renewal")
    wins.save_settings(KEY, WinsSettingsChange(ELSEWHERE, "fri", "16:00", 10), ADMIN)
    assert run_at(scheduler, clock, FRIDAY_1600) == []
    assert run_at(scheduler, clock, FRIDAY_1600 + timedelta(weeks=1)) == [
        (JOB, f"empty-week recap posted to {ELSEWHERE}")
    ]

    assert posts_in(tandem.slack, WINS) == []
    first, second = posts_in(tandem.slack, ELSEWHERE)
    assert "Wednesday's deal" in texts(first)
    assert "Friday's renewal" not in texts(first) + texts(second)
    assert [p["metadata"]["event_payload"]["key"] for p in (first, second)] == [
        f"wins.recap/{TEAM}/2026-W48",
        f"wins.recap/{TEAM}/2026-W49",
    ]


@pytest.mark.parametrize(
    ("zone", "before_1600", "after_1600"),
    [
        # Paris leaves summer time on Sunday 25 October 2026: 16:00 is 14:00 UTC, then 15:00 UTC.
        (
            "Europe/Paris",
            datetime(2026, 10, 23, 14, 0, tzinfo=UTC),
            datetime(2026, 10, 30, 15, 0, tzinfo=UTC),
        ),
        # New York on Sunday 1 November 2026: 16:00 is 20:00 UTC, then 21:00 UTC.
        (
            "America/New_York",
            datetime(2026, 10, 30, 20, 0, tzinfo=UTC),
            datetime(2026, 11, 6, 21, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_recap_comes_at_1600_local_and_weeks_end_at_local_midnight_across_the_clock_change(
    slack: SlackLookalike,
    database_url: str,
    clock: FixedClock,
    zone: str,
    before_1600: datetime,
    after_1600: datetime,
) -> None:
    local = ZoneInfo(zone)
    for tandem in start_tandem(slack, database_url, clock, **ENVIRONMENT, TANDEM_TIMEZONE=zone):
        meet(tandem, clock, before_1600 - timedelta(days=20))
        monday_before = (before_1600 - timedelta(days=4)).date()
        celebrate(tandem, clock, _at(monday_before, 10, 0, local), SAM, (ANA,), "Before the change")
        scheduler = scheduler_for(tandem, clock, database_url, TANDEM_TIMEZONE=zone)

        assert run_at(scheduler, clock, before_1600 - MINUTE) == []
        assert run_at(scheduler, clock, before_1600) == [(JOB, f"recap of 1 win posted to {WINS}")]
        # The week's last minutes (the Sunday of the change) and the next week's first.
        sunday = after_1600.date() - timedelta(days=5)
        celebrate(tandem, clock, _at(sunday, 23, 30, local), ANA, (MIA,), "Sunday night, after the change")
        celebrate(
            tandem,
            clock,
            _at(sunday + timedelta(days=1), 0, 30, local),
            MIA,
            (ANA,),
            "Monday, just after midnight",
        )
        # Friday at the summer's UTC time is 15:00 local after the change: not yet.
        assert run_at(scheduler, clock, after_1600 - timedelta(hours=1)) == []
        assert run_at(scheduler, clock, after_1600 - MINUTE) == []
        assert run_at(scheduler, clock, after_1600) == [(JOB, f"recap of 1 win posted to {WINS}")]

        first, second = posts_in(slack, WINS)
        text = texts(second)
        assert "Monday, just after midnight" in text
        assert "Sunday night" not in text  # its week's recap had gone; it counts among the weeks before
        assert "1 cross-team thanks (0, 0, 0, 1 the weeks before)" in text
        assert [p["metadata"]["event_payload"]["key"] for p in (first, second)] == [
            recap_key(KEY, week_key(before_1600.astimezone(local).date())),
            recap_key(KEY, week_key(after_1600.astimezone(local).date())),
        ]


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
