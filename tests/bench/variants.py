"""`tandem run` with its concurrency knobs turned, to find where Tandem's acknowledgement time goes.

``python -m tests.bench.variants`` starts Tandem exactly as `tandem run` does, after applying any
of these environment variables (benchmark-only: the shipped code is patched in this process only):

- ``BENCH_LISTENER_THREADS``: Bolt's listener pool (``bot.app.LISTENER_THREADS``, 32);
- ``BENCH_SERVER_THREADS``: waitress's threads (``bot.slack.http.SERVER_THREADS``, 16);
- ``BENCH_ACK_POLL_MS``: how often Bolt looks whether a listener has acknowledged (every 10 ms,
  in ``slack_bolt/listener/thread_runner.py``);
- ``BENCH_ACK_WAKE=1``: instead of that polling, the waiting request thread is woken by `ack()`;
- ``BENCH_BACKGROUND_LIMIT``: at most this many listeners work past their `ack()` at once
  (the others wait, already acknowledged), as a small separate pool for after-ack work would;
- ``BENCH_SWITCH_INTERVAL_MS``: the interpreter's GIL switch interval (5 ms).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import bot.app
import bot.slack.http
from bot import cli

_acknowledged = threading.Condition()
_holding = threading.local()


def _number(name: str) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else None


def _patch_ack(after: Callable[[], None]) -> None:
    """Run `after` whenever a listener has called `ack()`."""
    from slack_bolt.context.ack.ack import Ack

    original = Ack.__call__

    def acknowledge(self: Any, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        after()
        return response

    Ack.__call__ = acknowledge  # type: ignore[method-assign]


def _wake_on_ack() -> None:
    from slack_bolt.listener import thread_runner

    def notify() -> None:
        with _acknowledged:
            _acknowledged.notify_all()

    def wait(seconds: float) -> None:
        # The runner re-checks its own ack after every "sleep"; any ack wakes every waiter.
        with _acknowledged:
            _acknowledged.wait(seconds)

    _patch_ack(notify)
    thread_runner.time = SimpleNamespace(time=time.time, sleep=wait)  # type: ignore[attr-defined,assignment]


def _limit_background(limit: int) -> None:
    gate = threading.BoundedSemaphore(limit)

    def hold() -> None:
        gate.acquire()
        _holding.count = getattr(_holding, "count", 0) + 1

    class GatedExecutor(ThreadPoolExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            def run() -> Any:
                try:
                    return fn(*args, **kwargs)
                finally:
                    for _ in range(getattr(_holding, "count", 0)):
                        gate.release()
                    _holding.count = 0

            return super().submit(run)

    _patch_ack(hold)
    bot.app.ThreadPoolExecutor = GatedExecutor  # type: ignore[attr-defined]


def apply_knobs() -> None:
    if (listeners := _number("BENCH_LISTENER_THREADS")) is not None:
        bot.app.LISTENER_THREADS = int(listeners)
    if (servers := _number("BENCH_SERVER_THREADS")) is not None:
        bot.slack.http.SERVER_THREADS = int(servers)
    if (poll := _number("BENCH_ACK_POLL_MS")) is not None:
        from slack_bolt.listener import thread_runner

        interval = poll / 1000

        def sleep(seconds: float) -> None:
            time.sleep(min(seconds, interval))

        # The runner's ack loop calls time.sleep(0.01) and time.time(); give it a shorter sleep.
        thread_runner.time = SimpleNamespace(time=time.time, sleep=sleep)  # type: ignore[attr-defined,assignment]
    if os.environ.get("BENCH_ACK_WAKE") == "1":
        _wake_on_ack()
    if (limit := _number("BENCH_BACKGROUND_LIMIT")) is not None:
        _limit_background(int(limit))
    if (switch := _number("BENCH_SWITCH_INTERVAL_MS")) is not None:
        sys.setswitchinterval(switch / 1000)


if __name__ == "__main__":
    apply_knobs()
    sys.exit(cli.main(["run"]))
