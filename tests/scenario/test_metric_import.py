"""CSV values sent to Tandem in a direct message, over real HTTP: a clean file loads at once; a file
with problems waits for its sender's Load or Cancel, loaded once however often it is clicked; a
retried event never loads twice; other files and failed downloads are answered in the DM."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.metrics import IMPORT_BYTES_MAX
from bot.sandbox.lookalike import RecordedCall, SlackLookalike
from bot.sandbox.signing import HttpAnswer
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, TRACKER, Tandem, start_tandem
from tests.scenario.messages import said
from tests.scenario.test_metric_command import TODAY, YESTERDAY, changes, define, values

CLEAN = b"date,metric,value\n2026-11-23,leads,40\n2026-11-24,leads,42\n2026-11-24,win-rate,35%\n"
WITH_PROBLEMS = (
    "\ufeffdate,metric,value\n"  # Excel's byte order mark
    "2026-11-23,leads,40\n"
    "2026-11-23,lead,41\n"
    "2026-11-24,leads,abc\n"
    "2026-11-22,win-rate,31\n"
    "2026-12-01,leads,9\n"
).encode()


def share(
    tandem: Tandem,
    filename: str,
    content: bytes,
    *,
    user_id: str = BEN,
    event_id: str | None = None,
    retry_num: int | None = None,
    file: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], HttpAnswer]:
    """`user_id` uploads a file in their DM with Tandem, and Slack tells Tandem (the file, the answer)."""
    file = file or tandem.slack.user_shares_file(user_id, filename, content)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": tandem.slack.dm_channel(user_id),
        "channel_type": "im",
        "user": user_id,
        "text": "",
        "ts": "1795512000.000100",
        "files": [file],
        "upload": True,
        "display_as_bot": False,
    }
    answer = tandem.send(tandem.requests.event(event, event_id=event_id, retry_num=retry_num))
    assert (answer.status, answer.body) == (200, b"")
    return file, answer


def replies(tandem: Tandem, user_id: str = BEN, count: int = 1) -> list[RecordedCall]:
    """Tandem's messages in the person's DM, once `count` came."""
    dm = tandem.slack.dm_channel(user_id)
    calls: list[RecordedCall] = tandem.slack.wait_for(
        "chat.postMessage", count=count, where=lambda c: c.args.get("channel") == dm
    )
    assert all(c.ok for c in calls), [c.response for c in calls]
    return calls


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    [found] = [
        e for b in message["blocks"] for e in b.get("elements") or [] if e.get("action_id") == action_id
    ]
    return dict(found)


def click(tandem: Tandem, posted: RecordedCall, action_id: str, user_id: str = BEN) -> None:
    message = {**posted.args, "ts": posted.response["ts"]}
    request = tandem.requests.block_actions(
        [button(message, action_id)], user_id=user_id, message=message, channel_id=posted.response["channel"]
    )
    answer = tandem.send(request)
    assert (answer.status, answer.body) == (200, b"")


def test_a_clean_file_loads_at_once(tandem: Tandem) -> None:
    define(tandem)

    share(tandem, "values.csv", CLEAN)

    [done] = replies(tandem)
    assert done.args["text"] == ":white_check_mark: Loaded 3 values from *values.csv*."
    assert values(tandem) == [
        ("leads", YESTERDAY, 40.0, "imported", BEN),
        ("leads", TODAY, 42.0, "imported", BEN),
        ("win-rate", TODAY, 35.0, "imported", BEN),
    ]
    [download] = tandem.slack.calls_to("file_download")
    assert download.headers.get("Authorization") == "Bearer xoxb-test-0000-tandem"


def test_a_file_with_problems_waits_for_its_sender_and_loads_once(tandem: Tandem) -> None:
    define(tandem)
    share(tandem, "november.csv", WITH_PROBLEMS)
    [summary] = replies(tandem)
    shown = said(summary.args)
    assert "*november.csv*: 2 rows to load, 3 rows with problems:" in shown
    assert "Line 3: unknown metric 'lead' (did you mean leads?)" in shown
    assert "Line 4: `abc` isn't a number" in shown
    assert "Line 6: " in shown
    assert "you can't log for a future date" in shown
    assert button(summary.args, "metrics.import_confirm")["text"]["text"] == "Load 2 good rows"
    assert values(tandem) == []  # nothing until Ben chooses

    click(tandem, summary, "metrics.import_confirm")
    [updated] = tandem.slack.wait_for("chat.update")
    click(tandem, summary, "metrics.import_confirm")  # a second click, on a stale copy of the message

    assert updated.args["text"] == (
        ":white_check_mark: Loaded 2 values from *november.csv* (3 rows with problems left out)."
    )
    assert updated.args["ts"] == summary.response["ts"]
    [again] = tandem.slack.wait_for("response_url")
    assert again.args["response_type"] == "ephemeral"
    assert "no longer waiting: it was loaded or cancelled already" in again.args["text"]
    assert values(tandem) == [
        ("leads", YESTERDAY, 40.0, "imported", BEN),
        ("win-rate", date(2026, 11, 22), 31.0, "imported", BEN),
    ]
    assert changes(tandem) == []


def test_cancel_loads_nothing(tandem: Tandem) -> None:
    define(tandem)
    share(tandem, "november.csv", WITH_PROBLEMS)
    [summary] = replies(tandem)

    click(tandem, summary, "metrics.import_cancel")

    [updated] = tandem.slack.wait_for("chat.update")
    assert updated.args["text"] == "Cancelled: nothing from *november.csv* was loaded."
    click(tandem, summary, "metrics.import_confirm")
    tandem.slack.wait_for("response_url")
    assert values(tandem) == []


def test_only_its_sender_loads_a_held_file(tandem: Tandem) -> None:
    define(tandem)
    share(tandem, "november.csv", WITH_PROBLEMS)
    [summary] = replies(tandem)

    click(tandem, summary, "metrics.import_confirm", user_id=ANA)

    [refused] = tandem.slack.wait_for("response_url")
    assert "no longer waiting" in refused.args["text"]
    assert values(tandem) == []


@pytest.mark.parametrize(("content", "stored"), [(CLEAN, 3), (WITH_PROBLEMS, 0)])
def test_a_retried_event_takes_the_file_in_once(
    slack: SlackLookalike, database_url: str, clock: FixedClock, content: bytes, stored: int
) -> None:
    running = start_tandem(slack, database_url, clock)
    tandem = next(running)
    define(tandem)
    file, _ = share(tandem, "values.csv", content, event_id="Ev0CSV1")

    # Slack retries when it thinks the first delivery was missed: at once, and after the first is done.
    share(tandem, "values.csv", content, event_id="Ev0CSV1", retry_num=1, file=file)
    replies(tandem)
    share(tandem, "values.csv", content, event_id="Ev0CSV1", retry_num=2, file=file)
    next(running, None)  # Tandem stops once every listener has finished

    assert len(slack.calls_to("file_download")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1  # one answer: loaded, or held with buttons
    assert len(values(tandem)) == stored
    assert changes(tandem) == []


def test_someone_sends_values_only_for_their_own_teams_metrics(tandem: Tandem) -> None:
    define(tandem)

    share(tandem, "values.csv", CLEAN, user_id=ANA)  # leads are marketing's

    [summary] = replies(tandem, ANA)
    shown = said(summary.args)
    assert "1 row to load, 2 rows with problems" in shown
    assert "Only marketing and Tandem's admins log `leads`." in shown


@pytest.mark.parametrize(
    ("content", "said_first"),
    [
        (b"", ":x: I couldn't read *empty.csv*:"),
        (b"date,metric,value\n", "*empty.csv*: 0 rows to load, no problems."),
    ],
)
def test_a_file_with_nothing_to_load_is_explained(tandem: Tandem, content: bytes, said_first: str) -> None:
    define(tandem)

    share(tandem, "empty.csv", content)

    [answer] = replies(tandem)
    assert answer.args["blocks"][0]["text"]["text"].startswith(said_first)
    assert "metrics.import_confirm" not in str(answer.args)
    assert values(tandem) == []


def test_other_files_get_a_hint(tandem: Tandem) -> None:
    share(tandem, "q4-plan.pdf", b"%PDF-1.7")

    [hint] = replies(tandem)
    assert hint.args["text"].startswith(":page_facing_up: `q4-plan.pdf` isn't a CSV file.")
    assert "`date`, `metric` and `value`" in hint.args["text"]
    assert tandem.slack.calls_to("file_download") == []


def test_a_download_slack_refuses_is_said_and_nothing_stored(tandem: Tandem) -> None:
    define(tandem)
    tandem.slack.fail_next("file_download", status=500)

    share(tandem, "values.csv", CLEAN)

    [said_so] = replies(tandem)
    assert said_so.args["text"] == (
        ":warning: I couldn't read `values.csv`: Slack would not hand the file over (HTTP 500)."
    )
    assert values(tandem) == []


def test_a_file_too_big_is_not_downloaded(tandem: Tandem) -> None:
    define(tandem)
    file = tandem.slack.user_shares_file(BEN, "huge.csv", b"date,metric,value\n")

    share(tandem, "huge.csv", b"", file={**file, "size": IMPORT_BYTES_MAX + 1})

    [said_so] = replies(tandem)
    assert "bigger than Tandem reads (5 MB at most)" in said_so.args["text"]
    assert tandem.slack.calls_to("file_download") == []


def test_a_file_shared_in_a_channel_is_not_imported(
    slack: SlackLookalike, database_url: str, clock: FixedClock
) -> None:
    running = start_tandem(slack, database_url, clock)
    tandem = next(running)
    define(tandem)
    file = slack.user_shares_file(BEN, "values.csv", CLEAN, channel=TRACKER)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": TRACKER,
        "channel_type": "channel",
        "user": BEN,
        "text": "",
        "ts": "1795512000.000100",
        "files": [file],
    }

    answer = tandem.send(tandem.requests.event(event))
    next(running, None)  # Tandem stops once every listener has finished

    assert answer.status == 200
    assert slack.calls_to("file_download") == []
    assert slack.calls_to("chat.postMessage") == []
    assert values(tandem) == []
