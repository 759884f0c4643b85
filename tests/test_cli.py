"""The `tandem` console script as a person runs it: a real process, real HTTP, real signals."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from bot.sandbox.lookalike import SlackLookalike
from bot.sandbox.signing import SlackRequests

TANDEM = str(Path(sys.executable).with_name("tandem"))
BOT_TOKEN, SECRET = "xoxb-cli-test", "cli-signing-secret"


def bare_environment(**extra: str) -> dict[str, str]:
    """No Slack settings, no proxies: only what a shell needs, plus `extra`."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8", **extra}


def test_run_with_only_some_credentials_says_what_else_to_set(tmp_path: Path) -> None:
    finished = subprocess.run(
        [TANDEM, "run"],
        cwd=tmp_path,
        env=bare_environment(SLACK_BOT_TOKEN=BOT_TOKEN),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in finished.stderr
    assert ".env" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_run_without_any_credentials_starts_the_offline_sandbox_on_loopback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [TANDEM, "run"],
        cwd=tmp_path,
        env=bare_environment(PORT="0", HOST="0.0.0.0"),  # noqa: S104 - the sandbox must ignore it
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = wait_for_line(
            process, r"sandbox is ready: open (http://127\.0\.0\.1:\d+)/", 120, stream="stdout"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{url.group(1)}/", timeout=10) as page:
            assert "Tandem sandbox" in page.read().decode()
        with opener.open(f"{url.group(1)}/sandbox/api/state?as=U0ANA", timeout=10) as state:
            tracker = json.loads(state.read())["messages"]["C0TRACKER"]
        assert tracker, "the sample week raised issues in the tracker"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
    # Its own database, beside the saved messages; the real default database is never made.
    assert sorted(p.name for p in (tmp_path / ".sandbox").iterdir()) == ["slack.json", "tandem.db"]
    assert not (tmp_path / "tandem.db").exists()


def test_the_sandbox_says_what_is_wrong_with_the_persons_own_settings(tmp_path: Path) -> None:
    finished = subprocess.run(
        [TANDEM, "sandbox"],
        cwd=tmp_path,
        env=bare_environment(TANDEM_TIMEZONE="Mars/Base", PORT="0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "TANDEM_TIMEZONE must be an IANA timezone name" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not (tmp_path / ".sandbox").exists()


def test_db_upgrade_creates_the_tables(tmp_path: Path) -> None:
    finished = subprocess.run(
        [TANDEM, "db", "upgrade"],
        cwd=tmp_path,
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'tandem.db'}")  # the default DATABASE_URL
    assert {"workspaces", "issues", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.fixture
def slack() -> Iterator[SlackLookalike]:
    lookalike = SlackLookalike(bot_token=BOT_TOKEN, team_id="T0TANDEM")
    lookalike.start()
    yield lookalike
    lookalike.stop()


def wait_for_line(
    process: subprocess.Popen[str], pattern: str, timeout: float = 30, *, stream: str = "stderr"
) -> re.Match[str]:
    """Read the process's stderr (or stdout) until a line matches, without sleeping. Bytes are read
    straight from the pipe (lines a buffered reader had taken in would never wake `select`), and lines
    read past the match are kept for the next call."""
    output = process.stdout if stream == "stdout" else process.stderr
    assert output is not None
    unread = _UNREAD.setdefault((process.pid, stream), [b""])
    seen: list[str] = []
    selector = selectors.DefaultSelector()
    selector.register(output, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while True:
        while len(unread) > 1:  # whole lines, oldest first; the last item is a partial line
            line = unread.pop(0).decode("utf-8", "replace")
            seen.append(line + "\n")
            if found := re.search(pattern, line):
                return found
        left = deadline - time.monotonic()
        if left <= 0 or not selector.select(left):
            break
        chunk = os.read(output.fileno(), 65536)
        if not chunk:
            break
        unread[:] = (unread[0] + chunk).split(b"\n")
    raise AssertionError(f"no line matching {pattern!r}; the process said:\n{''.join(seen)}")


# Lines each process has written that a `wait_for_line` read past, by process and stream.
_UNREAD: dict[tuple[int, str], list[bytes]] = {}


def test_run_serves_slack_and_the_health_check_then_stops_on_sigterm(
    tmp_path: Path, slack: SlackLookalike
) -> None:
    environment = bare_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        TANDEM_TRACKER_CHANNEL="C0TRACKER",
        HOST="127.0.0.1",
        PORT="0",
    )
    process = subprocess.Popen(
        [TANDEM, "run"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        port = wait_for_line(process, r"Listening on http://127\.0\.0\.1:(\d+)/slack/events").group(1)
        url = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{url}/healthz", timeout=10) as health:
            assert health.status == 200

        requests = SlackRequests(signing_secret=SECRET, lookalike=slack, team_id="T0TANDEM")
        answer = requests.send(
            url, requests.slash_command("/issue", "Pricing page confuses prospects", user_id="U0ANA")
        )

        assert answer.status == 200
        [card] = slack.wait_for("chat.postMessage")
        assert card.args["blocks"][0]["text"]["text"] == "#1 Pricing page confuses prospects"
        slack.wait_for("response_url")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def test_socket_mode_is_chosen_by_the_app_token_and_a_refusal_is_explained(
    tmp_path: Path, slack: SlackLookalike
) -> None:
    environment = bare_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_APP_TOKEN="xapp-1-not-known-to-slack",
    )
    finished = subprocess.run(
        [TANDEM, "run"], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )

    assert finished.returncode == 2
    assert "Slack refused SLACK_APP_TOKEN" in finished.stderr
    assert "Traceback" not in finished.stderr
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == "Bearer xapp-1-not-known-to-slack"


def test_export_writes_every_issue_of_a_workspace(tmp_path: Path) -> None:
    from bot.db import Database
    from bot.issues import IssueDraft
    from bot.services import build_services
    from bot.workspaces import WorkspaceDefaults, WorkspaceKey

    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    database = Database.at(url)
    database.upgrade()
    tracker = build_services(database, WorkspaceDefaults("UTC", None)).tracker
    tracker.raise_issue(
        WorkspaceKey("T0ACME"), IssueDraft("Pricing page confuses prospects"), raised_by="U0ANA"
    )
    tracker.raise_issue(WorkspaceKey("T0OTHER"), IssueDraft("Not ours"), raised_by="U0BEN")
    database.dispose()

    finished = subprocess.run(
        [TANDEM, "export", "issues", "--format", "json", "--workspace", "T0ACME"],
        cwd=tmp_path,
        env=bare_environment(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 0, finished.stderr
    [issue] = json.loads(finished.stdout)
    assert (issue["team_id"], issue["number"], issue["title"]) == (
        "T0ACME",
        1,
        "Pricing page confuses prospects",
    )
    assert "Exported 1 issue\n" in finished.stderr

    to_file = subprocess.run(
        [TANDEM, "export", "issues", "--output", str(tmp_path / "all.csv")],
        cwd=tmp_path,
        env=bare_environment(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert to_file.returncode == 0, to_file.stderr
    assert len((tmp_path / "all.csv").read_text().splitlines()) == 3
