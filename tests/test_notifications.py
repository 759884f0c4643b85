"""The outbox: news waits for a quiet moment, then goes out once, however many replicas ask."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.db import Database
from bot.issues import IssueDraft
from bot.people import Actor
from bot.services import Services, build_services
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.conftest import FixedClock

ACME = WorkspaceKey("T0ACME")
ANA, BEN = Actor("U0ANA"), Actor("U0BEN")
QUIET = timedelta(seconds=20)


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    return build_services(database, WorkspaceDefaults(timezone="UTC", tracker_channel="C0TRACKER"), clock)


def assign_three_to_ben(services: Services, clock: FixedClock) -> None:
    for title in ("One", "Two", "Three"):
        number = services.tracker.raise_issue(ACME, IssueDraft(title), raised_by=ANA.user_id).issue.number
        services.tracker.assign(ACME, number, BEN.user_id, ANA)
        clock.now += timedelta(seconds=5)


def test_a_burst_of_changes_waits_for_quiet_then_goes_as_one_batch(
    services: Services, clock: FixedClock
) -> None:
    assign_three_to_ben(services, clock)

    assert services.outbox.take_quiet_batches(QUIET) == []  # the last change is only 5 s old
    clock.now += QUIET

    [batch] = services.outbox.take_quiet_batches(QUIET)
    assert (batch.key, batch.recipient) == (ACME, BEN.user_id)
    assert [(n.kind, n.facts["title"], n.facts["by"]) for n in batch.notices] == [
        ("issue_assigned", "One", ANA.user_id),
        ("issue_assigned", "Two", ANA.user_id),
        ("issue_assigned", "Three", ANA.user_id),
    ]
    services.outbox.settle(batch)
    assert services.outbox.take_quiet_batches(QUIET) == []


def test_two_replicas_asking_at_once_send_each_notice_once(services: Services, clock: FixedClock) -> None:
    assign_three_to_ben(services, clock)
    clock.now += QUIET
    barrier = threading.Barrier(2)

    def take() -> int:
        barrier.wait()
        return sum(len(batch.notices) for batch in services.outbox.take_quiet_batches(QUIET))

    with ThreadPoolExecutor(2) as pool:
        taken = list(pool.map(lambda _: take(), range(2)))

    assert sorted(taken) == [0, 3]


def test_a_batch_given_back_goes_out_next_time(services: Services, clock: FixedClock) -> None:
    assign_three_to_ben(services, clock)
    clock.now += QUIET
    [batch] = services.outbox.take_quiet_batches(QUIET)

    services.outbox.give_back(batch)

    assert services.outbox.pending_for(ACME) == {BEN.user_id: 3}
    [again] = services.outbox.take_quiet_batches(QUIET)
    assert again.ids == batch.ids


def test_changes_you_make_yourself_are_not_news_to_you(services: Services) -> None:
    number = services.tracker.raise_issue(ACME, IssueDraft("Mine"), raised_by=ANA.user_id).issue.number
    services.tracker.take(ACME, number, ANA)
    services.tracker.close(ACME, number, ANA)
    assert services.outbox.pending_for(ACME) == {}


def test_news_taken_by_a_runner_that_died_is_taken_again_later(services: Services, clock: FixedClock) -> None:
    assign_three_to_ben(services, clock)
    clock.now += QUIET
    [taken] = services.outbox.take_quiet_batches(QUIET)  # ...and the runner dies before sending

    clock.now += timedelta(minutes=9)
    assert services.outbox.take_quiet_batches(QUIET) == []
    clock.now += timedelta(minutes=1)
    [again] = services.outbox.take_quiet_batches(QUIET)

    assert again.ids == taken.ids
    services.outbox.settle(again)
    clock.now += timedelta(hours=1)
    assert services.outbox.take_quiet_batches(QUIET) == []
    assert services.outbox.pending_for(ACME) == {}
