"""One measurement: start an app on a stack, warm it, fire the rounds, weigh it, stop it.

A round sends ``concurrency`` signed ``/issue <unique title>`` commands at once, from distinct
users. Every answer must be an empty HTTP 200 (Bolt's bare ``ack()``). For Tandem, the round
is over only when the look-alike has received every card and every ``response_url``
confirmation, so a round's background work overlaps that round only.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psycopg

from bot.sandbox.lookalike import SlackLookalike
from bot.sandbox.signing import SlackRequests
from tests.bench.load import LoadClient, Outgoing, Timed
from tests.bench.servers import (
    HOST,
    Memory,
    Server,
    ServerFailed,
    Stack,
    child_environment,
    postgres_database,
    running,
)

App = Literal["bare", "tandem"]

BOT_TOKEN = "xoxb-bench-0000-tandem"
SIGNING_SECRET = "bench-signing-secret"
TEAM = "T0TANDEM"
TRACKER = "C0TRACKER"
CHANNEL = "C0SALES"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 10.0
BACKGROUND_TIMEOUT = 60.0  # for one round's cards and confirmations
MAX_REPORTED_FAILURES = 5


@dataclass(frozen=True)
class Plan:
    rounds: int
    warmup_rounds: int
    concurrency: int
    warmup_requests: int
    postgres: bool


@dataclass
class Run:
    """What one app on one stack measured; `failures` empty means every check passed."""

    app: App
    stack: str
    startup: float | None = None
    idle: Memory | None = None
    after: Memory | None = None
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    background: list[float] = field(default_factory=list)
    """Tandem, measured rounds: seconds from a burst's start to its last confirmation."""
    failed_requests: int = 0
    queued_warnings: int = 0

    def fail(self, message: str) -> None:
        if len(self.failures) < MAX_REPORTED_FAILURES:
            self.failures.append(message)
        elif len(self.failures) == MAX_REPORTED_FAILURES:
            self.failures.append("(more failures not shown)")


class Bench:
    """Runs measurements against one look-alike and one load generator, in `workdir`."""

    def __init__(
        self, plan: Plan, slack: SlackLookalike, load: LoadClient, bin_dir: Path, workdir: Path
    ) -> None:
        self.plan = plan
        self.slack = slack
        self.load = load
        self.bin_dir = bin_dir
        self.workdir = workdir
        self.requests = SlackRequests(signing_secret=SIGNING_SECRET, lookalike=slack, team_id=TEAM)

    def measure(self, app: App, stack: Stack) -> Run:
        run = Run(app, stack.name)
        self.slack.reset()
        try:
            with contextlib.ExitStack() as resources:
                environ = self._environment(app, stack, resources)
                if app == "tandem":
                    self._migrate(environ)
                command = stack.tandem if app == "tandem" else stack.bare
                server = resources.enter_context(running(command, environ, self.workdir, START_TIMEOUT))
                self._exercise(run, server)
        except (ServerFailed, psycopg.Error, subprocess.SubprocessError) as failure:
            run.fail(f"{type(failure).__name__}: {failure}")
        return run

    # ------------------------------------------------------------------ steps

    def _environment(self, app: App, stack: Stack, resources: contextlib.ExitStack) -> dict[str, str]:
        settings = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "HOST": HOST,
            "PORT": "0",
            "TANDEM_TRACKER_CHANNEL": TRACKER,
            "LOG_LEVEL": "INFO",
        }
        if app == "tandem":
            if self.plan.postgres:
                settings["DATABASE_URL"] = resources.enter_context(postgres_database())
            else:
                path = self.workdir / f"{_slug(stack.name)}.db"
                path.unlink(missing_ok=True)
                settings["DATABASE_URL"] = f"sqlite:///{path}"
        return child_environment(**settings, **dict(stack.environment))

    def _migrate(self, environ: dict[str, str]) -> None:
        """Bring the fresh database to the latest schema first, so start-up is a normal restart."""
        done = subprocess.run(
            [str(self.bin_dir / "tandem"), "db", "upgrade"],
            env=environ,
            cwd=self.workdir,
            capture_output=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise ServerFailed(f"tandem db upgrade failed:\n{done.stderr.decode(errors='replace')}")

    def _exercise(self, run: Run, server: Server) -> None:
        run.startup = server.startup_seconds
        sent = 0
        for number in range(self.plan.warmup_requests):
            sent += self._round(run, server, f"warm-up {number}", 1, None)
        if not self._background_done(run, server, sent):
            return
        run.idle = server.memory()
        total_rounds = self.plan.warmup_rounds + self.plan.rounds
        for number in range(total_rounds):
            measured = run.seconds if number >= self.plan.warmup_rounds else None
            began = time.perf_counter()
            acknowledged = self._round(run, server, f"round {number}", self.plan.concurrency, measured)
            sent += acknowledged
            server.check_alive()
            if not self._background_done(run, server, sent):
                return
            if measured is not None and run.app == "tandem" and acknowledged:
                run.background.append(time.perf_counter() - began)
        run.after = server.memory()
        run.queued_warnings = server.log.queued_warnings
        for call in self.slack.calls:
            if not call.ok:
                run.fail(f"the app's call to {call.method} failed: HTTP {call.status} {call.error}")

    def _round(self, run: Run, server: Server, label: str, count: int, measured: list[float] | None) -> int:
        """Fire `count` commands at once; the number acknowledged with an empty 200."""
        batch = [
            self.requests.slash_command(
                "/issue",
                f"Bench {run.stack} {label} no. {index}",
                user_id=f"U0BENCH{index:03d}",
                channel_id=CHANNEL,
            )
            for index in range(count)
        ]
        answers = self.load.fire(
            server.url, [Outgoing(r.path, r.headers, r.body) for r in batch], REQUEST_TIMEOUT
        )
        acknowledged = 0
        for answer in answers:
            if _acknowledged(answer):
                acknowledged += 1
                if measured is not None:
                    measured.append(answer.seconds)
            else:
                run.failed_requests += 1
                run.fail(f"{label}: {_describe(answer)}")
        return acknowledged

    def _background_done(self, run: Run, server: Server, expected: int) -> bool:
        """For Tandem: wait until every acknowledged command's card and confirmation arrived."""
        if run.app != "tandem":
            return True
        try:
            self.slack.wait_for("chat.postMessage", count=expected, timeout=BACKGROUND_TIMEOUT)
            self.slack.wait_for("response_url", count=expected, timeout=BACKGROUND_TIMEOUT)
        except AssertionError as missing:
            run.fail(f"background work did not finish: {str(missing).splitlines()[0]}\n{server.log.text()}")
            return False
        return True


def _acknowledged(answer: Timed) -> bool:
    return answer.error is None and answer.status == 200 and answer.body == b""


def _describe(answer: Timed) -> str:
    if answer.error is not None:
        return answer.error
    return f"HTTP {answer.status} {answer.body[:200].decode('utf-8', 'replace')!r}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
