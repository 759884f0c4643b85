"""`tandem run` starts the timetable beside the server, says what it scheduled, and stops it on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.lookalike import SlackLookalike
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
