"""Pacing what listeners do after acknowledging, so a burst of requests is all acknowledged first.

Bolt runs each listener on a pool thread and answers Slack the moment the listener calls ack().
What the listener does next (storing, posting cards) held pool threads and Python's GIL that the
acknowledgements still queued needed: with 50 commands at once, the last waited ~260 ms for the
earlier ones' work (`make bench`). Here a listener that has acknowledged waits for one of a few
work slots, so acknowledging never queues behind finishing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from slack_bolt import Ack, BoltContext, BoltResponse

P = ParamSpec("P")
T = TypeVar("T")


class PacedListeners(ThreadPoolExecutor):
    """Bolt's listener pool, where at most `working_at_once` listeners run past their ack() at once."""

    def __init__(self, threads: int, working_at_once: int) -> None:
        super().__init__(threads, thread_name_prefix="tandem-listener")
        self._slots = threading.BoundedSemaphore(working_at_once)
        self._local = threading.local()
        self._running = 0
        self._quiet = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        def listen() -> T:
            self._local.listening, self._local.working = True, False
            try:
                return fn(*args, **kwargs)
            finally:
                if self._local.working:
                    self._slots.release()
                self._local.listening, self._local.working = False, False
                with self._quiet:
                    self._running -= 1
                    self._quiet.notify_all()

        with self._quiet:
            self._running += 1
        try:
            return super().submit(listen)
        except BaseException:
            with self._quiet:
                self._running -= 1
                self._quiet.notify_all()
            raise

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until every listener submitted so far has finished (its work after ack() included);
        False if some still run after `timeout` seconds. Whoever replays a script of requests (the
        sandbox's sample week) waits here before the next step, as a person would wait to see the card."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._running == 0, timeout=timeout)

    def acknowledged(self) -> None:
        """Called once a listener has acknowledged: wait for a work slot (only on a listener thread:
        Bolt acknowledges events itself, on the request's thread, which must never wait here)."""
        if getattr(self._local, "listening", False) and not self._local.working:
            self._slots.acquire()
            self._local.working = True

    def pace(self, context: BoltContext, next: Callable[[], Any]) -> Any:
        """Global middleware: give this request an ack() that paces the work after it."""
        context["ack"] = _PacedAck(self)
        return next()


class _PacedAck(Ack):
    def __init__(self, listeners: PacedListeners) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._listeners = listeners

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        answer = super().__call__(*args, **kwargs)  # Slack's answer is ready before we wait
        self._listeners.acknowledged()
        return answer
