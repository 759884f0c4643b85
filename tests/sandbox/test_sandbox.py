"""The offline sandbox over real HTTP: what its page's API shows each sample person, and what they do
through it reaching Tandem as Slack would deliver it (commands, forms, buttons, App Home, the clock)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.metric_files import parse_definitions
from bot.models import Issue
from bot.sandbox import workspace
from bot.sandbox.sample_week import ADMIN, METRICS_YAML
from bot.sandbox.sandbox import Sandbox, SandboxOptions
from bot.workspaces import WorkspaceKey
from tests.contract.checks import contract_breaches

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = datetime(2026, 11, 25, 11, 0, tzinfo=LONDON)
ANA, BEN = workspace.ANA, workspace.BEN
SALES, TRACKER = workspace.SALES, workspace.TRACKER
KEY = WorkspaceKey(workspace.TEAM_ID)


def options(directory: Path, **overrides: Any) -> SandboxOptions:
    settings: dict[str, Any] = {
        "directory": directory,
        "port": 0,
        "sample_week": False,
        "start_at": lambda wall, zone: WEDNESDAY,
        **overrides,
    }
    return SandboxOptions(**settings)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = Sandbox(options(tmp_path / "sandbox")).start()
    try:
        yield running
    finally:
        running.stop()
    assert contract_breaches(running.slack.calls) == []


def request(
    sandbox: Sandbox, path: str, body: Any = None, *, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if body is not None else {}
    ask = urllib.request.Request(sandbox.url + path, data=data, headers={**sent, **(headers or {})})  # noqa: S310
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(ask, timeout=30) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        with error:
            raw = error.read()
            return error.code, json.loads(raw) if raw.startswith(b"{") else raw


def state(sandbox: Sandbox, viewer: str = ANA) -> dict[str, Any]:
    sandbox.settle()
    status, body = request(sandbox, f"/sandbox/api/state?as={viewer}")
    assert status == 200
    return dict(body)


def act(sandbox: Sandbox, verb: str, **body: Any) -> dict[str, Any]:
    status, answer = request(sandbox, f"/sandbox/api/{verb}", {"as": ANA, **body})
    assert status == 200, answer
    sandbox.settle()
    return dict(answer)


def texts(view: dict[str, Any], channel: str) -> list[str]:
    return [m["text"] for m in view["messages"][channel]]


def issues(sandbox: Sandbox) -> list[Issue]:
    with sandbox.services.database.transaction() as session:
        return list(session.scalars(select(Issue).order_by(Issue.id)))


# What the page shows


def test_the_page_and_its_files_are_served_on_loopback(sandbox: Sandbox) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(sandbox.url + "/", timeout=10) as page:
        html = page.read().decode()
        policy = page.headers["Content-Security-Policy"]
    assert sandbox.url.startswith("http://127.0.0.1:")
    assert '<script src="/sandbox/static/sandbox.js"' in html
    assert "script-src 'self'" in policy
    for name in ("sandbox.js", "sandbox.css"):
        with opener.open(f"{sandbox.url}/sandbox/static/{name}", timeout=10) as asset:
            assert asset.status == 200
            assert asset.read()


def test_each_person_sees_the_workspace_channels_their_dm_and_the_apps_commands(sandbox: Sandbox) -> None:
    view = state(sandbox, BEN)

    assert view["me"] == BEN
    assert [c["name"] for c in view["channels"]] == [
        "sales",
        "marketing",
        "tandem-tracker",
        "metrics",
        "wins",
        "field-notes",
        "Tandem",
    ]
    assert view["channels"][-1] == {"id": "D0BEN", "name": "Tandem", "kind": "dm"}
    assert [p["real_name"] for p in view["people"] if p["admin"]] == ["Maya Okafor", "Ben Carter"]
    assert {c["command"] for c in view["commands"]} == {"/issue", "/digest", "/metric", "/win", "/fieldnote"}
    assert "wins.from_message" in [s["callback_id"] for s in view["shortcuts"]["message"]]
    assert view["clock"]["now"].startswith("2026-11-25T11:0")
    assert view["clock"]["label"].startswith("Wed 25 Nov 2026, 11:0")


def test_the_page_waits_for_news_and_answers_no_content_when_there_is_none(sandbox: Sandbox) -> None:
    version = state(sandbox)["version"]

    assert request(sandbox, f"/sandbox/api/state?as={ANA}&since={version}&wait=0.05") == (204, None)
    act(sandbox, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers")
    status, news = request(sandbox, f"/sandbox/api/state?as={ANA}&since={version}&wait=5")
    assert status == 200
    assert news["version"] > version


# What people do


def test_a_slash_command_reaches_tandem_signed_and_its_reply_is_only_for_the_person(sandbox: Sandbox) -> None:
    assert act(sandbox, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers") == {
        "ok": True
    }

    [issue] = issues(sandbox)
    assert (issue.title, issue.raised_by) == ("Pricing page shows old tiers", ANA)
    [card] = state(sandbox)["messages"][TRACKER]
    assert card["text"].startswith("#1 Pricing page shows old tiers")
    assert card["bot_id"]
    [told] = [m for m in state(sandbox)["messages"][SALES] if m.get("ephemeral")]
    assert "raised" in told["text"]
    assert [m for m in state(sandbox, BEN)["messages"][SALES] if m.get("ephemeral")] == []
    [command] = [c for c in sandbox.slack.calls if c.method == "chat.postMessage"]
    assert command.ok


def test_a_form_shows_tandems_errors_under_its_fields_then_closes_when_saved(sandbox: Sandbox) -> None:
    act(sandbox, "command", channel=SALES, command="/issue", text="")
    modal = state(sandbox)["modal"]
    assert modal["title"]["text"] == "Raise an issue"

    refused = act(
        sandbox,
        "submit",
        view_id=modal["id"],
        values={"issues.form.title": {"issues.form.title": {"type": "plain_text_input", "value": " "}}},
    )

    assert refused["ok"] is False
    assert "issues.form.title" in refused["errors"]
    assert state(sandbox)["modal"]["errors"] == refused["errors"]
    assert issues(sandbox) == []
    title_input = next(b for b in modal["blocks"] if b["block_id"] == "issues.form.title")["element"]
    filled = {
        "issues.form.title": {
            title_input["action_id"]: {
                "type": "plain_text_input",
                "value": "Webinar leads lack phone numbers",
            }
        }
    }
    assert act(sandbox, "submit", view_id=modal["id"], values=filled) == {"ok": True}
    assert state(sandbox)["modal"] is None
    assert [i.title for i in issues(sandbox)] == ["Webinar leads lack phone numbers"]


def test_cancelling_a_form_closes_it_and_stores_nothing(sandbox: Sandbox) -> None:
    act(sandbox, "command", channel=SALES, command="/issue", text="")
    modal = state(sandbox)["modal"]

    assert act(sandbox, "close", view_id=modal["id"]) == {"ok": True}

    assert state(sandbox)["modal"] is None
    assert issues(sandbox) == []


def test_a_card_button_works_the_issue_and_the_card_follows(sandbox: Sandbox) -> None:
    act(sandbox, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers")
    [card] = state(sandbox)["messages"][TRACKER]
    take = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "issues.take"
    )

    answer = act(
        sandbox,
        "action",
        channel=TRACKER,
        message_ts=card["ts"],
        action={"type": "button", "action_id": take["action_id"], "value": take["value"]},
    )

    assert answer == {"ok": True}
    [issue] = issues(sandbox)
    assert issue.owner_id == ANA
    [updated] = [m for m in state(sandbox)["messages"][TRACKER] if m["ts"] == card["ts"]]
    assert updated["edited"]
    assert "<@U0ANA>" in json.dumps(updated["blocks"])


def test_app_home_is_published_when_the_person_opens_it(sandbox: Sandbox) -> None:
    assert state(sandbox)["home"] is None

    act(sandbox, "home")

    home = state(sandbox)["home"]
    assert home["type"] == "home"
    assert 0 < len(home["blocks"]) <= 100


def test_a_message_shortcut_opens_its_form_prefilled(sandbox: Sandbox) -> None:
    message = sandbox.slack.post_user_message(
        SALES, BEN, "Globex signed the pilot: thanks to the case study!"
    )

    act(sandbox, "shortcut", callback_id="wins.from_message", channel=SALES, message_ts=message["ts"])

    modal = state(sandbox)["modal"]
    assert "Globex signed the pilot" in json.dumps(modal["blocks"])


def test_a_csv_shared_in_the_dm_reaches_tandem_which_reads_it_and_answers_there(sandbox: Sandbox) -> None:
    sandbox.services.metrics.load_definitions(KEY, parse_definitions(METRICS_YAML), ADMIN)
    csv = b"date,metric,value\n2026-11-24,leads,42\n2026-11-24,mql,17\n"
    dm = state(sandbox, BEN)["channels"][-1]["id"]

    answer = act(
        sandbox,
        "file",
        channel=dm,
        filename="values.csv",
        content_base64=base64.b64encode(csv).decode(),
        **{"as": BEN},
    )

    assert answer == {"ok": True}
    [download] = sandbox.slack.calls_to("file_download")
    assert download.status == 200
    shared, reply = state(sandbox, BEN)["messages"][dm]
    assert shared["user"] == BEN
    assert shared["files"][0]["url"] == f"/sandbox/files/{shared['files'][0]['id']}"
    assert reply["bot_id"]
    assert reply["text"] == ":white_check_mark: Loaded 2 values from *values.csv*."
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(sandbox.url + shared["files"][0]["url"], timeout=10) as served:
        assert (served.headers["Content-Type"], served.read()) == ("text/csv", csv)
    logged = dict(sandbox.services.metrics.history(KEY, "leads").days)[date(2026, 11, 24)]
    assert logged is not None
    assert (logged.value, logged.logged_by) == (42, BEN)


def test_a_reply_in_a_cards_thread_becomes_a_comment_on_the_issue(sandbox: Sandbox) -> None:
    act(sandbox, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers")
    [card] = [m for m in state(sandbox)["messages"][TRACKER] if m.get("bot_id")]

    act(sandbox, "message", channel=TRACKER, text="Two prospects saw the old tiers", thread_ts=card["ts"])

    [issue] = issues(sandbox)
    assert issue.comment_count == 1
    replies = [
        m
        for m in state(sandbox)["messages"][TRACKER]
        if m.get("thread_ts") == card["ts"] and m["ts"] != card["ts"]
    ]
    assert [r["text"] for r in replies] == ["Two prospects saw the old tiers"]


# The clock


def test_jumping_to_thursday_morning_runs_what_is_due_on_the_way_and_posts_the_digest(
    sandbox: Sandbox,
) -> None:
    act(sandbox, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers")
    act(sandbox, "command", channel=SALES, command="/digest", text="add Pricing v3 ships on Monday")
    thursday = next(j for j in state(sandbox)["clock"]["jumps"] if "Thursday digest" in j["label"])
    assert thursday["to"] == "2026-11-26T09:00"

    answer = act(sandbox, "jump", to=thursday["to"])

    assert answer["ok"] is True
    ran = [r["job"] for r in answer["ran"]]
    assert ran.index("digest.reminder") < ran.index("metrics.snapshot") < ran.index("digest.send")
    view = state(sandbox)
    assert view["clock"]["now"].startswith("2026-11-26T09:00")
    [digest] = [m for m in view["messages"][SALES] if not m.get("ephemeral") and m.get("bot_id")]
    assert "Pricing v3 ships on Monday" in json.dumps(digest["blocks"])
    digest_time = datetime.fromtimestamp(float(digest["ts"]), LONDON)
    assert (digest_time.date().isoformat(), digest_time.hour) == ("2026-11-26", 9)


def test_the_clock_never_goes_back(sandbox: Sandbox) -> None:
    status, answer = request(sandbox, "/sandbox/api/jump", {"to": "2026-11-24T09:00"})

    assert status == 400
    assert "only goes forward" in answer["error"]
    assert "Wed 25 Nov" in answer["error"]


# Keeping and starting over


def test_a_restart_picks_up_the_messages_the_forms_and_the_clock(tmp_path: Path) -> None:
    directory = tmp_path / "sandbox"
    first = Sandbox(options(directory)).start()
    try:
        act(first, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers")
        act(first, "jump", to="2026-11-25T15:00")
    finally:
        first.stop()

    again = Sandbox(options(directory)).start()
    try:
        view = state(again)
        assert [m["text"].split(" (")[0] for m in view["messages"][TRACKER]] == [
            "#1 Pricing page shows old tiers"
        ]
        assert view["clock"]["now"].startswith("2026-11-25T15:0")
        assert [i.title for i in issues(again)] == ["Pricing page shows old tiers"]
    finally:
        again.stop()


def test_reset_starts_over_with_an_empty_workspace(sandbox: Sandbox) -> None:
    act(sandbox, "command", channel=SALES, command="/issue", text="Pricing page shows old tiers")
    act(sandbox, "jump", to="2026-11-25T15:00")

    assert act(sandbox, "reset") == {"ok": True}

    view = state(sandbox)
    assert all(messages == [] for messages in view["messages"].values())
    assert view["clock"]["now"].startswith("2026-11-25T11:0")
    assert issues(sandbox) == []


# Refusals


@pytest.mark.parametrize(
    ("verb", "body", "error"),
    [
        ("command", {"as": "U0NOBODY", "channel": SALES, "command": "/issue", "text": ""}, "Pick someone"),
        ("command", {"as": ANA, "channel": SALES, "command": "/nope", "text": ""}, "not a command"),
        ("message", {"as": ANA, "channel": "C0ELSEWHERE", "text": "hi"}, "isn't in the sandbox"),
        ("jump", {"to": "Thursday"}, "2026-11-26T09:00"),
        ("submit", {"as": ANA, "view_id": "V0GONE", "values": []}, "state.values"),
    ],
)
def test_bad_requests_get_a_plain_answer_and_change_nothing(
    sandbox: Sandbox, verb: str, body: dict[str, Any], error: str
) -> None:
    before = state(sandbox)["version"]

    status, answer = request(sandbox, f"/sandbox/api/{verb}", body)

    assert status == 400
    assert error in answer["error"]
    assert state(sandbox)["version"] == before


def test_requests_through_another_host_name_or_not_in_json_are_refused(sandbox: Sandbox) -> None:
    # A page elsewhere reaching 127.0.0.1 through its own name (DNS rebinding) gets nothing.
    assert request(sandbox, f"/sandbox/api/state?as={ANA}", headers={"Host": "evil.example:3000"})[0] == 403
    ask = urllib.request.Request(  # noqa: S310 - the sandbox's own loopback address
        sandbox.url + "/sandbox/api/reset", data=b"x=1", headers={"Content-Type": "text/plain"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(ask, timeout=10)
    assert refused.value.code == 415
