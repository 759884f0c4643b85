"""The sandbox's clock: the wall clock moved forward by however far people jumped, so Tandem's
services, its scheduled jobs and the look-alike's message timestamps all read the same "now"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ClockCannotGoBack(ValueError):
    """Messages, ledgers and due dates were written at the later time: going back would contradict them."""


class SandboxClock:
    """Time flows as on the wall, `offset` ahead of it; `jump_to` moves it forward, never back."""

    def __init__(self, offset: timedelta = timedelta(0), wall: Callable[[], datetime] | None = None) -> None:
        self._wall = wall or (lambda: datetime.now(UTC))
        self._offset = offset
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._wall() + self._offset

    def timestamp(self) -> float:
        """Epoch seconds, for the look-alike's message timestamps."""
        return self().timestamp()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def jump_to(self, moment: datetime) -> None:
        """From now on the clock reads `moment` (then flows on); refuses a moment already past."""
        if moment.tzinfo is None:
            raise ValueError("a sandbox moment needs a timezone")
        with self._lock:
            now = self._wall() + self._offset
            if moment < now:
                raise ClockCannotGoBack(
                    f"{moment.isoformat()} is before the sandbox's now ({now.isoformat()})"
                )
            self._offset += moment - now
