"""The offline sandbox: Tandem, unchanged, against the Slack look-alike, with a page at 127.0.0.1 that
behaves like a small Slack workspace. Its database and the look-alike's messages live in their own
folder (never the real database), so a restart picks up where people left off; `reset` starts over."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App

from bot.app import create_app, services_for
from bot.config import Settings, load_settings
from bot.scheduling import runner_name
from bot.services import Services
from bot.slack.client import web_client
from bot.slack.http import HttpServer
from bot.slack.pacing import PacedListeners
from bot.workspaces import WorkspaceKey
from jobs import timetable
from jobs.scheduler import Every, JobContext, Ran, Scheduler, Upcoming, background_scheduler

from . import workspace
from .clock import ClockCannotGoBack, SandboxClock
from .lookalike import SlackLookalike
from .people import People
from .signing import SlackRequests

log = logging.getLogger("tandem.sandbox")

DATABASE_FILE = "tandem.db"
STATE_FILE = "slack.json"
# Everything a sandbox keeps: SQLite's write-ahead files beside its database, and the look-alike's state.
KEPT_FILES = (DATABASE_FILE, f"{DATABASE_FILE}-wal", f"{DATABASE_FILE}-shm", STATE_FILE)
# The look-alike's recorded calls are for tests; a sandbox left running keeps only the latest.
KEPT_CALLS = 500
# A jump runs every job due on the way, at its own time; beyond a week back they are skipped, as if
# Tandem had been off (a jump of a month would otherwise post twenty snapshots).
WALK_BACK = timedelta(days=7)
SETTLE_TIMEOUT = 30.0
SAVE_EVERY = 2.0
# Friendly names for the clock's shortcuts, in the order people think of the week.
JOB_NAMES = {
    "issues.reminders": "Issue reminders",
    "digest.reminder": "Digest reminder to marketing",
    "digest.preview": "Digest preview",
    "digest.send": "Thursday digest",
    "metrics.snapshot": "Metric snapshot",
    "wins.recap": "Wins recap",
}


def first_moment(now: datetime, zone: ZoneInfo) -> datetime:
    """Where a new sandbox's clock starts: Wednesday 08:00 of this week, in the workspace's time, so the
    sample week is behind it and the morning snapshot, then Thursday's digest, are next. (The week
    before starts then too: no run of Tandem's is due in the hours before, so none is posted late.)"""
    today = now.astimezone(zone).date()
    wednesday = today - timedelta(days=today.weekday()) + timedelta(days=2)
    return datetime.combine(wednesday, time(8, 0), tzinfo=zone)


@dataclass(frozen=True)
class SandboxOptions:
    """Where the sandbox keeps its files, where it listens, and the person's own TANDEM_* settings."""

    directory: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 3000
    sample_week: bool = True
    start_at: Callable[[datetime, ZoneInfo], datetime] = first_moment
    """Given the wall clock and the workspace's zone, where a new sandbox's clock starts."""
    manifest: Path | None = Path(__file__).resolve().parents[2] / "manifest.yml"


@dataclass
class _Tandem:
    """One run of Tandem on the sandbox's database: rebuilt from scratch by `Sandbox.reset`."""

    settings: Settings
    services: Services
    app: App
    scheduler: Scheduler
    background: Any  # APScheduler's BackgroundScheduler: no type hints

    def stop(self) -> None:
        if self.background.running:
            self.background.shutdown(wait=True)
        executor = self.app.listener_runner.listener_executor
        if isinstance(executor, PacedListeners):
            executor.wait_until_idle(SETTLE_TIMEOUT)
        self.services.database.dispose()


class Sandbox:
    """The look-alike, Tandem and the page on one loopback port; people act through `people`."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.directory = options.directory
        self.zone = ZoneInfo(options.environ.get("TANDEM_TIMEZONE") or workspace.DEFAULT_TIMEZONE)
        self.key = WorkspaceKey(workspace.TEAM_ID)
        self.clock = SandboxClock()
        self.slack = SlackLookalike(
            bot_token=workspace.BOT_TOKEN,
            team_id=workspace.TEAM_ID,
            team_name=workspace.TEAM_NAME,
            users=workspace.people_directory(self.zone.key),
            channels=workspace.channel_directory(),
            usergroups=workspace.usergroup_directory(),
            wall_clock=lambda: self.clock.timestamp(),
            keep_calls=KEPT_CALLS,
        )
        self._signing_secret = secrets.token_hex(16)
        self._tandem: _Tandem | None = None
        self._server: HttpServer | None = None
        self._serving: threading.Thread | None = None
        self._saver: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.RLock()  # one jump, reset or save at a time
        self._saved_version = -1
        self.people: People  # set by start(), once the page's port is known

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        """Listen, then pick up the saved sandbox or make a new one with its sample week."""
        from .page import page_app  # the page's routes need the sandbox; imported here to keep one way

        self.directory.mkdir(parents=True, exist_ok=True)
        self.slack.start()
        self._server = HttpServer(page_app(self), self.options.host, self.options.port)
        requests = SlackRequests(self._signing_secret, self.slack, workspace.TEAM_ID)
        self.people = People(self.slack, requests, self.url)
        self._serving = threading.Thread(target=self._server.serve_forever, name="sandbox-http", daemon=True)
        self._serving.start()
        with self._lock:
            if not self._restore():
                self._make_new()
        self._saver = threading.Thread(target=self._save_now_and_then, name="sandbox-saver", daemon=True)
        self._saver.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.slack.touch()  # pages waiting for news get it now, rather than holding the server open
        if self._saver is not None:
            self._saver.join(timeout=10)
        if self._server is not None:
            self._server.shutdown()
        if self._serving is not None:
            self._serving.join(timeout=10)
        with self._lock:
            if self._tandem is not None:
                self._tandem.stop()
                self._save()
                self._tandem = None
        self.slack.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.options.host}:{self._server.port}"

    @property
    def tandem(self) -> _Tandem:
        if self._tandem is None:
            raise RuntimeError("Tandem is not running in the sandbox")
        return self._tandem

    @property
    def services(self) -> Services:
        return self.tandem.services

    def slack_app(self) -> App | None:
        """The Bolt app Slack's requests go to now (None between a reset's stop and start)."""
        return self._tandem.app if self._tandem is not None else None

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        return self.clock()

    def settle(self) -> None:
        """Wait until Tandem has finished what it was asked so far (cards posted, forms answered)."""
        executor = self.tandem.app.listener_runner.listener_executor
        if isinstance(executor, PacedListeners) and not executor.wait_until_idle(SETTLE_TIMEOUT):
            log.warning("Tandem was still busy after %.0f s", SETTLE_TIMEOUT)

    def advance_to(self, moment: datetime) -> list[Ran]:
        """Move the clock forward to `moment`, running each scheduled job due on the way at its own
        time (at most a week back), as if that time had passed; raises ClockCannotGoBack for the past."""
        with self._lock:
            start = self.clock()
            if moment < start:
                raise ClockCannotGoBack(f"{moment.isoformat()} is before the sandbox's now")
            if moment - start > WALK_BACK:
                self.clock.jump_to(moment - WALK_BACK)
            ran: list[Ran] = []
            scheduler = self.tandem.scheduler
            while True:
                due = min((u.occurrence.due_at for u in self._upcoming()), default=None)
                if due is None or due > moment:
                    break
                if due > self.clock():
                    self.clock.jump_to(due)
                ran += self._run_due(scheduler)
            if moment > self.clock():
                self.clock.jump_to(moment)
            ran += self._run_due(scheduler)
            self.slack.touch()
            return ran

    def jumps(self) -> list[tuple[datetime, str]]:
        """The next run of each of the workspace's scheduled posts, soonest first, for the page's clock."""
        found: dict[datetime, list[str]] = {}
        for up in self._upcoming():
            name = JOB_NAMES.get(up.job)
            if name is not None:
                found.setdefault(up.occurrence.due_at, []).append(name)
        return sorted((when, " · ".join(names)) for when, names in found.items())

    def _upcoming(self) -> list[Upcoming]:
        try:
            return self.tandem.scheduler.upcoming([self.key.team_id])
        except LookupError:  # nobody has used Tandem in the sandbox yet: nothing is scheduled
            return []

    def _run_due(self, scheduler: Scheduler) -> list[Ran]:
        ran = list(scheduler.run_due())
        self.settle()
        for row in scheduler.timetable:
            if isinstance(row, Every):  # DMs queued by what just ran, sent as the 15 s flush would
                outcome = scheduler.run_every(row)
                if outcome:
                    ran.append(Ran(row.job, self.key.team_id, self.clock().isoformat(), outcome))
        self.settle()
        return ran

    # ------------------------------------------------------------------ starting over

    def reset(self) -> None:
        """Throw the sandbox's data away and play a new sample week."""
        with self._lock:
            if self._tandem is not None:
                self._tandem.stop()
                self._tandem = None
            self._forget_files()
            self.slack.reset()
            self._make_new()

    def _make_new(self) -> None:
        wall = SandboxClock()()
        until = self.options.start_at(wall, self.zone)
        begin = until - timedelta(days=7) if self.options.sample_week else until
        self.clock = SandboxClock(begin - wall)
        self._tandem = self._start_tandem()
        if self.options.sample_week:
            from .sample_week import play_sample_week

            play_sample_week(self, until)
        if self.clock() < until:
            self.advance_to(until)
        self._save()
        log.info("A new sandbox is ready in %s", self.directory)

    def _start_tandem(self) -> _Tandem:
        database = self.directory / DATABASE_FILE
        environment = workspace.tandem_environment(
            self.options.environ,
            api_url=self.slack.api_url,
            signing_secret=self._signing_secret,
            database=database,
        )
        settings = load_settings(environment, env_file=None)
        services = services_for(settings, self.clock)
        services.database.upgrade()
        app = create_app(settings, services)
        context = JobContext(services, web_client(settings), settings, services.ledger, runner_name())
        scheduler = Scheduler(
            timetable(settings), context, clock=self.clock, grace=timedelta(hours=settings.catch_up_hours)
        )
        background = background_scheduler(scheduler)
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        background.start()
        return _Tandem(settings, services, app, scheduler, background)

    # ------------------------------------------------------------------ saving

    def _restore(self) -> bool:
        """Pick up a saved sandbox; False when there is none (or only half of one) to pick up."""
        state_file, database = self.directory / STATE_FILE, self.directory / DATABASE_FILE
        if not (state_file.is_file() and database.is_file()):
            return False
        try:
            saved = json.loads(state_file.read_text(encoding="utf-8"))
            self.clock = SandboxClock(timedelta(seconds=float(saved["clock_offset"])))
            self.slack.restore_state(saved["slack"])
        except (OSError, ValueError, KeyError, TypeError) as unreadable:
            log.warning("The saved sandbox could not be read (%s): starting a new one", unreadable)
            self.slack.reset()
            self._forget_files()
            return False
        self._tandem = self._start_tandem()
        log.info("Picked up the sandbox saved in %s", self.directory)
        return True

    def _forget_files(self) -> None:
        for name in KEPT_FILES:
            with contextlib.suppress(FileNotFoundError):
                (self.directory / name).unlink()

    def _save(self) -> None:
        with self._lock:
            version = self.slack.version
            state = {"clock_offset": self.clock.offset.total_seconds(), "slack": self.slack.export_state()}
            temporary = self.directory / f"{STATE_FILE}.tmp"
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self.directory / STATE_FILE)  # never half a file, even on a crash
            self._saved_version = version

    def _save_now_and_then(self) -> None:
        while not self._stopping.wait(SAVE_EVERY):
            if self.slack.version != self._saved_version and self._lock.acquire(timeout=0.1):
                try:
                    if self._tandem is not None:
                        self._save()
                except OSError as failure:
                    log.warning("Could not save the sandbox: %s", failure)
                finally:
                    self._lock.release()


def remove_sandbox(directory: Path) -> None:
    """Delete a sandbox's folder (`tandem sandbox --reset` before starting)."""
    shutil.rmtree(directory, ignore_errors=True)
