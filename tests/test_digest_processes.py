"""Real `tandem run` processes through a digest's send time: two replicas on one PostgreSQL database
post one digest per workspace, and a process killed between posting and recording is followed,
after a restart, by no second post. The send time is set a minute in the past, so no clock is faked."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.digest import DigestStatus
from bot.sandbox.lookalike import SlackLookalike
from bot.scheduling import WEEKDAYS
from bot.services import build_services
from bot.slack.posting import EVENT_TYPE
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.test_cli import BOT_TOKEN, SECRET, TANDEM, bare_environment, wait_for_line

SALES = "C0SALES"
TEAMS = [f"T0SHOP{n:02d}" for n in range(12)]


@pytest.fixture
def slack() -> Iterator[SlackLookalike]:
    with SlackLookalike(bot_token=BOT_TOKEN, team_id=TEAMS[0]) as lookalike:
        yield lookalike


def met_last_week(database_url: str, teams: list[str]) -> None:
    """Workspaces that used Tandem before this week's send time."""
    database = Database.at(database_url)
    last_week = datetime.now(UTC) - timedelta(days=7)
    services = build_services(database, WorkspaceDefaults("UTC", None), lambda: last_week)
    for team in teams:
        services.workspaces.settings_for(WorkspaceKey(team))
    database.dispose()


def digest_due_a_minute_ago(slack: SlackLookalike, database_url: str) -> dict[str, str]:
    """`tandem run`'s environment, with the digest's day and time (UTC) just past."""
    due = datetime.now(UTC) - timedelta(minutes=1)
    return bare_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=database_url,
        TANDEM_TIMEZONE="UTC",
        TANDEM_SALES_CHANNEL=SALES,
        TANDEM_DIGEST_DAY=WEEKDAYS[due.weekday()],
        TANDEM_DIGEST_TIME=f"{due:%H:%M}",
        HOST="127.0.0.1",
        PORT="0",
    )


def start(environment: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([TANDEM, "run"], cwd=cwd, env=environment, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM (running jobs finish first) and what the process said."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    said = process.stderr.read()
    process.stderr.close()
    return said


def wait_for_posts(slack: SlackLookalike, count: int) -> bool:
    try:
        slack.wait_for(
            "chat.postMessage", count=count, timeout=60, where=lambda c: c.args["channel"] == SALES
        )
    except AssertionError:
        return False
    return True


def digest_posts(slack: SlackLookalike) -> Counter[str]:
    """Digests posted to sales, by the key their metadata names."""
    return Counter(
        m["metadata"]["event_payload"]["key"]
        for m in slack.messages(SALES)
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_on_one_postgresql_database_post_one_digest_per_workspace(
    slack: SlackLookalike, database_url: str, tmp_path: Path
) -> None:
    met_last_week(database_url, TEAMS)
    environment = digest_due_a_minute_ago(slack, database_url)
    replicas = [start(environment, tmp_path) for _ in range(2)]
    try:
        slack.wait_for(
            "chat.postMessage", count=len(TEAMS), timeout=60, where=lambda c: c.args["channel"] == SALES
        )
    finally:
        said = [stop(replica) for replica in replicas]

    posts = digest_posts(slack)
    assert sorted(posts) == sorted(f"digest/{team}/" + next(iter(posts)).rsplit("/", 1)[1] for team in TEAMS)
    assert set(posts.values()) == {1}
    # Both replicas ticked; between them they posted each workspace's digest once.
    posted_by = [text.count("digest.send for") for text in said]
    assert sum(posted_by) == len(TEAMS), said
    assert all("Traceback" not in text for text in said)


def test_a_process_killed_between_posting_and_recording_is_followed_by_no_second_post(
    slack: SlackLookalike, database_url: str, tmp_path: Path
) -> None:
    team = TEAMS[0]
    met_last_week(database_url, [team])
    environment = digest_due_a_minute_ago(slack, database_url)
    # Slack takes the post at once but answers late: the process dies before it hears back.
    slack.hold_answer_next("chat.postMessage", 20)
    first = start(environment, tmp_path)
    try:
        posted = wait_for_posts(slack, 1)
        first.kill()
        first.wait(timeout=10)
    finally:
        said = stop(first)
    assert posted, f"the digest was not posted; the process said:\n{said}"
    assert sum(digest_posts(slack).values()) == 1

    restarted = start(environment, tmp_path)
    try:
        wait_for_line(restarted, rf"digest\.send for \S+ in workspace {team}: posted to {SALES}", timeout=60)
    finally:
        said = stop(restarted)

    assert sum(digest_posts(slack).values()) == 1, "the restarted process posted the digest again"
    assert slack.calls_to("conversations.history"), "it looked in the channel before posting"
    [post] = slack.messages(SALES)
    database = Database.at(database_url)
    try:
        services = build_services(database, WorkspaceDefaults("UTC", None))
        [week] = {key.rsplit("/", 1)[1] for key in digest_posts(slack)}
        record = services.digests.record(WorkspaceKey(team), week)
    finally:
        database.dispose()
    assert (record.status, record.ts) == (DigestStatus.SENT, post["ts"])
    assert "Traceback" not in said
