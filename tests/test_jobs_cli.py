"""`tandem run` starts the timetable beside the server, says what it scheduled, and stops it on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database
from bot.sandbox.lookalike import SlackLookalike
from bot.services import build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.test_cli import BOT_TOKEN, SECRET, TANDEM, bare_environment, wait_for_line


@pytest.fixture
def slack() -> Iterator[SlackLookalike]:
    with SlackLookalike(bot_token=BOT_TOKEN, team_id="T0TANDEM") as lookalike:
        yield lookalike


def test_run_schedules_the_timetable_and_stops_it_on_sigterm(tmp_path: Path, slack: SlackLookalike) -> None:
    environment = bare_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        TANDEM_REMINDER_TIME="08:30",
        TANDEM_TIMEZONE="Europe/Paris",
        HOST="127.0.0.1",
        PORT="0",
    )
    process = subprocess.Popen(
        [TANDEM, "run"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_line(process, r"Scheduled issues\.reminders: 08:30 on mon, tue, wed, thu, fri")
        wait_for_line(process, r"Scheduled notifications\.flush: every 15 s")
        wait_for_line(process, r"Listening on http://127\.0\.0\.1:\d+/slack/events")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def jobs_environment(tmp_path: Path, slack: SlackLookalike, **extra: str) -> dict[str, str]:
    return bare_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'tandem.db'}",
        TANDEM_TIMEZONE="Europe/London",
        TANDEM_SALES_CHANNEL="C0SALES",
        **extra,
    )


def tandem(*arguments: str, environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TANDEM, *arguments], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


def meet(tmp_path: Path, *teams: str) -> None:
    database = Database.at(f"sqlite:///{tmp_path / 'tandem.db'}")
    database.upgrade()
    met = datetime(2026, 11, 1, tzinfo=UTC)
    services = build_services(database, WorkspaceDefaults("Europe/London", None), lambda: met)
    for team in teams:
        services.workspaces.settings_for(WorkspaceKey(team))
    database.dispose()


def test_jobs_list_shows_the_timetable_and_each_workspaces_next_runs(
    tmp_path: Path, slack: SlackLookalike
) -> None:
    meet(tmp_path, "T0TANDEM")
    listed = tandem("jobs", "list", environment=jobs_environment(tmp_path, slack), cwd=tmp_path)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "digest.send: 09:00 on thu unless a workspace chose otherwise, once a week" in lines
    assert "notifications.flush: every 15 s" in lines
    [send] = [line for line in lines if line.startswith("digest.send ")]
    assert send.split()[:3] == ["digest.send", "T0TANDEM", send.split()[2]]
    assert re.search(r"Thu \d\d \w{3} \d{4} 09:00 Europe/London", send)


def test_jobs_list_before_any_workspace_says_so(tmp_path: Path, slack: SlackLookalike) -> None:
    listed = tandem("jobs", "list", environment=jobs_environment(tmp_path, slack), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Tandem has met no workspace yet" in listed.stdout


def test_jobs_run_posts_the_digest_as_if_on_thursday_and_only_once(
    tmp_path: Path, slack: SlackLookalike
) -> None:
    meet(tmp_path, "T0TANDEM")
    environment = jobs_environment(tmp_path, slack)
    at = ["--at", "2026-11-26T09:00"]  # Thursday, in TANDEM_TIMEZONE

    first = tandem(
        "jobs", "run", "digest.send", "--workspace", "T0TANDEM", *at, environment=environment, cwd=tmp_path
    )
    again = tandem("jobs", "run", "digest.send", *at, environment=environment, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "digest.send 2026-W48 in T0TANDEM: posted to C0SALES"
    assert again.stdout.strip() == "digest.send 2026-W48 in T0TANDEM: already done or running elsewhere"
    [digest] = slack.messages("C0SALES")
    assert digest["metadata"]["event_payload"] == {"key": "digest/T0TANDEM/2026-W48"}


def test_jobs_run_refuses_an_unknown_job_or_workspace_or_time(tmp_path: Path, slack: SlackLookalike) -> None:
    meet(tmp_path, "T0TANDEM")
    environment = jobs_environment(tmp_path, slack)

    unknown = tandem("jobs", "run", "digest.sned", environment=environment, cwd=tmp_path)
    assert unknown.returncode == 2
    assert "no job named 'digest.sned'" in unknown.stderr
    assert "digest.send" in unknown.stderr
    stranger = tandem(
        "jobs", "run", "digest.send", "--workspace", "T0NOPE", environment=environment, cwd=tmp_path
    )
    assert stranger.returncode == 2
    assert stranger.stderr.strip().endswith("Tandem has not met workspace T0NOPE")
    garbled = tandem("jobs", "run", "digest.send", "--at", "thursday", environment=environment, cwd=tmp_path)
    assert garbled.returncode == 2
    assert "not an ISO date and time" in garbled.stderr
    assert slack.calls_to("chat.postMessage") == []
