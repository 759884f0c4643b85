"""Pacing: every listener's ack() answers Slack at once; only a few at a time work on after it."""

from __future__ import annotations

import threading

from slack_bolt import BoltContext

from bot.slack.pacing import PacedListeners

WAIT = 10  # seconds; reached only when pacing is broken


class WatchedListeners(PacedListeners):
    """Counts acknowledgements as they happen, so the test can wait for them instead of sleeping."""

    def __init__(self, threads: int, working_at_once: int) -> None:
        super().__init__(threads, working_at_once)
        self.acked = 0
        self.changed = threading.Condition()

    def acknowledged(self) -> None:
        with self.changed:
            self.acked += 1
            self.changed.notify_all()
        super().acknowledged()


def test_every_listener_acknowledges_at_once_and_two_work_on() -> None:
    listeners = WatchedListeners(threads=8, working_at_once=2)
    finish = threading.Event()
    working, most = 0, 0

    def listener(context: BoltContext) -> None:
        nonlocal working, most
        context["ack"]()
        with listeners.changed:
            working += 1
            most = max(most, working)
            listeners.changed.notify_all()
        finish.wait(WAIT)
        with listeners.changed:
            working -= 1

    contexts = [BoltContext() for _ in range(6)]
    for context in contexts:
        listeners.pace(context, lambda: None)
    futures = [listeners.submit(listener, context) for context in contexts]
    try:
        with listeners.changed:
            assert listeners.changed.wait_for(lambda: listeners.acked == 6 and working == 2, WAIT)
            # All six answered Slack; four of them wait for a slot to go on working.
            assert [c["ack"].response.status for c in contexts] == [200] * 6
    finally:
        finish.set()
    for future in futures:
        future.result(timeout=WAIT)
    listeners.shutdown()
    assert most == 2


def test_an_acknowledgement_outside_a_listener_never_waits() -> None:
    # Bolt acknowledges events itself on the request's thread, which must not queue for a slot.
    listeners = PacedListeners(threads=2, working_at_once=1)
    done = threading.Event()

    def acknowledge_many() -> None:
        for _ in range(5):
            context = BoltContext()
            listeners.pace(context, lambda: None)
            context["ack"]()
        done.set()

    threading.Thread(target=acknowledge_many, daemon=True).start()
    assert done.wait(WAIT)
    listeners.shutdown()
