"""The HTTP edge: Slack's signature rules, the health check, and no 500s reaching Slack."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator

import pytest

from bot.sandbox.lookalike import SlackLookalike
from bot.sandbox.signing import HttpAnswer
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, Tandem, start_tandem


def get(url: str) -> HttpAnswer:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return HttpAnswer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, dict(error.headers), error.read())


def test_a_bad_signature_is_refused_and_nothing_stored(tandem: Tandem) -> None:
    request = tandem.requests.slash_command("/issue", "Forged", user_id=ANA, bad_signature=True)
    assert tandem.send(request).status == 401
    assert tandem.issues() == []
    assert tandem.slack.calls == []


def test_a_request_older_than_five_minutes_is_refused(tandem: Tandem) -> None:
    request = tandem.requests.slash_command("/issue", "Replayed", user_id=ANA, signed_at=time.time() - 301)
    assert tandem.send(request).status == 401
    assert tandem.issues() == []


def test_slack_verifies_the_request_url(tandem: Tandem) -> None:
    answer = tandem.send(
        tandem.requests.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    )
    assert answer.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.text


def test_the_health_check_answers(tandem: Tandem) -> None:
    answer = get(f"{tandem.url}/healthz")
    assert (answer.status, answer.json()) == (200, {"status": "ok"})


def test_other_paths_are_not_found(tandem: Tandem) -> None:
    assert get(f"{tandem.url}/slack/other").status == 404


@pytest.fixture
def unmigrated(slack: SlackLookalike, tmp_path: object, clock: FixedClock) -> Iterator[Tandem]:
    """Tandem on a database whose tables are missing: every write fails."""
    yield from start_tandem(slack, f"sqlite:///{tmp_path}/empty.db", clock)


def test_a_failure_after_acknowledging_reaches_the_person_as_an_apology(unmigrated: Tandem) -> None:
    answer = unmigrated.command("The database is gone")

    assert (answer.status, answer.body) == (200, b"")
    [apology] = unmigrated.slack.wait_for("response_url")
    assert apology.args["text"].startswith("Sorry, Tandem hit a problem")
    assert "Traceback" not in apology.args["text"]


def test_a_failure_before_acknowledging_is_shown_in_the_form_not_as_a_500(unmigrated: Tandem) -> None:
    unmigrated.command("new")
    [opened] = unmigrated.slack.wait_for("views.open")
    values = {"issues.form.title": {"value": "Cannot be stored"}, "issues.form.category": {"value": "other"}}

    answer = unmigrated.send(
        unmigrated.requests.view_submission(opened.response["view"], values, user_id=ANA)
    )

    assert answer.status == 200
    assert answer.json()["response_action"] == "errors"
    assert answer.json()["errors"]["issues.form.title"].startswith("Sorry, Tandem hit a problem")
