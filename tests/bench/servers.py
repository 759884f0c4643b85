"""The servers under test, each in its own process: how to start one, time its start-up, weigh it, stop it.

A server is ready when ``GET /healthz`` first answers 200; start-up time runs from just before
the process is spawned to that answer. Memory is summed over the process and its children
(gunicorn's workers): RSS, and USS, which does not count pages shared between them twice.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil
import psycopg

from bot.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = os.environ.get(
    "TANDEM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
_LISTENING = re.compile(r"Listening (?:on|at:) (http://127\.0\.0\.1:\d+)")
_QUEUED = "Task queue depth"  # waitress: every server thread was busy and a request had to wait
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


class ServerFailed(Exception):
    """A server did not start, or died."""


@dataclass(frozen=True)
class Stack:
    """How an app is served: a name for the table and the command line for each app."""

    name: str
    tandem: tuple[str, ...]
    bare: tuple[str, ...]
    environment: tuple[tuple[str, str], ...] = ()
    """Extra environment for both apps (the knobs of `tests.bench.variants`)."""


def waitress_stack(bin_dir: Path) -> Stack:
    return Stack(
        "waitress (16 threads)",
        tandem=(str(bin_dir / "tandem"), "run"),
        bare=(str(bin_dir / "python"), "-m", "tests.bench.bare_app"),
    )


def gunicorn_stack(bin_dir: Path, workers: int, threads: int) -> Stack:
    command = (
        str(bin_dir / "gunicorn"),
        "--worker-class=gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind={HOST}:0",
        "--no-control-socket",
        "--graceful-timeout=5",
        "--log-level=info",
    )
    return Stack(
        f"gunicorn gthread {workers}x{threads}",
        tandem=(*command, "tests.bench.wsgi:tandem()"),
        bare=(*command, "tests.bench.wsgi:bare()"),
    )


def explore_stacks(bin_dir: Path) -> list[Stack]:
    """Tandem with its concurrency knobs turned (`tests.bench.variants`), next to the shipped stack."""
    shipped = waitress_stack(bin_dir)
    variants = (str(bin_dir / "python"), "-m", "tests.bench.variants")
    wide = (("BENCH_LISTENER_THREADS", "64"),)
    gated = (*wide, ("BENCH_BACKGROUND_LIMIT", "4"))
    woken = (*gated, ("BENCH_ACK_WAKE", "1"))
    gunicorn = gunicorn_stack(bin_dir, 2, 8)
    return [
        shipped,
        Stack("waitress; 64 listener threads", variants, shipped.bare, wide),
        Stack("waitress; 64 listeners, 4 work after ack", variants, shipped.bare, gated),
        Stack("waitress; 64 listeners, 4 work after ack, ack wakes", variants, shipped.bare, woken),
        Stack(
            "waitress; 64 listeners, 4 work after ack, ack wakes; bare app acks inline",
            variants,
            shipped.bare,
            (*woken, ("BENCH_ACK_INLINE", "1")),
        ),
        Stack("gunicorn gthread 2x8; 64 listeners, 4 work after ack", gunicorn.tandem, gunicorn.bare, gated),
    ]


def child_environment(**settings: str) -> dict[str, str]:
    """The benchmark's environment without proxies or Tandem settings of its own, plus `settings`."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in _PROXY_VARIABLES and name not in ENVIRONMENT
    }
    path = os.pathsep.join(p for p in (str(ROOT), environ.get("PYTHONPATH", "")) if p)
    return {**environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1", **settings}


class _LogTail:
    """Reads a process's stderr to its end: the address it announces, and the last lines."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=40)
        self.queued_warnings = 0
        self.url: str | None = None
        self.announced = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(stream,), name="server-log", daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            self.lines.append(line)
            if _QUEUED in line:
                self.queued_warnings += 1
            found = _LISTENING.search(line)
            if found and self.url is None:
                self.url = found.group(1)
                self.announced.set()
        self.announced.set()  # the process ended: stop waiting for an address

    def text(self) -> str:
        return "\n".join(f"    | {line}" for line in list(self.lines)) or "    | (nothing on stderr)"


@dataclass(frozen=True)
class Memory:
    rss: int
    uss: int


class Server:
    """A running server process; `stop()` always ends it and any workers it forked."""

    def __init__(self, process: subprocess.Popen[bytes], log: _LogTail, url: str, startup: float) -> None:
        self.process = process
        self.log = log
        self.url = url
        self.startup_seconds = startup

    def memory(self) -> Memory:
        root = psutil.Process(self.process.pid)
        rss = uss = 0
        for process in (root, *root.children(recursive=True)):
            try:
                info = process.memory_full_info()
            except psutil.NoSuchProcess:
                continue
            rss, uss = rss + info.rss, uss + info.uss
        return Memory(rss, uss)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServerFailed(f"the server exited with code {self.process.returncode}:\n{self.log.text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful for both stacks), then SIGKILL for it and anything it left behind."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for child in children:
        with suppress(psutil.NoSuchProcess):
            child.kill()


@contextmanager
def running(
    command: Sequence[str], environ: Mapping[str, str], cwd: Path, timeout: float
) -> Iterator[Server]:
    """Spawn `command`, wait until its `/healthz` answers 200, and stop it on leaving."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), env=dict(environ), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        assert process.stderr is not None
        log = _LogTail(process.stderr)
        deadline = started + timeout
        if not log.announced.wait(timeout) or log.url is None:
            raise ServerFailed(f"no 'Listening' line within {timeout:.0f}s:\n{log.text()}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"the server exited with code {process.returncode}:\n{log.text()}")
            try:
                with opener.open(f"{log.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.perf_counter() > deadline:
                raise ServerFailed(f"/healthz did not answer 200 within {timeout:.0f}s:\n{log.text()}")
            time.sleep(0.005)
        yield Server(process, log, log.url, time.perf_counter() - started)
    finally:
        stop(process)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one run; dropped afterwards."""
    name = f"tandem_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        host = POSTGRES_ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0]
        yield f"postgresql+psycopg://{host}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
