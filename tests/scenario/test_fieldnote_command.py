"""`/fieldnote` over real HTTP: a quick note posted at once with its discussion thread, each bad input
refused with a clear message and nothing stored, a repeated trigger stored once, `list` (recent, mine,
an account), `search` on both databases, and help."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.fieldnotes import LIST_CAP, TEXT_MAX, NoteDraft
from bot.models import FieldNoteFollowUpRow, FieldNoteRow
from bot.people import Actor
from bot.sandbox.lookalike import RecordedCall, SlackLookalike
from bot.sandbox.signing import HttpAnswer
from bot.workspaces import WorkspaceKey
from tests.conftest import FixedClock
from tests.scenario.conftest import ANA, BEN, TEAM, TRACKER, Scene, Tandem, start_tandem
from tests.scenario.messages import posts_in, said

KEY = WorkspaceKey(TEAM)
ADA = "U0ADMIN"  # a Slack admin in the look-alike
FIELD = "C0FIELDNOTES"
USERS: dict[str, dict[str, Any]] = {
    ANA: {"name": "ana", "real_name": "Ana Marketing", "tz": "Europe/Paris"},
    BEN: {"name": "ben", "real_name": "Ben Sales", "tz": "Europe/London"},
    ADA: {"name": "ada", "real_name": "Ada Admin", "is_admin": True, "is_owner": True},
}
CHANNELS: dict[str, dict[str, Any]] = {
    TRACKER: {"name": "tandem-tracker"},
    "C0SALES": {"name": "sales"},
    "C0MARKETING": {"name": "marketing"},
    FIELD: {"name": "field-notes"},
}
FIELD_SCENE = Scene(
    users=USERS, channels=CHANNELS, environment={"TANDEM_FIELD_NOTES_CHANNEL": FIELD, "TANDEM_ADMINS": ADA}
)


@pytest.fixture
def scene() -> Scene:
    """A field-notes channel and an admin."""
    return FIELD_SCENE


# --------------------------------------------------------------------------- helpers


def fieldnote(tandem: Tandem, text: str, *, by: str = ANA) -> HttpAnswer:
    return tandem.command(text, user_id=by, command="/fieldnote")


def answered(tandem: Tandem, count: int = 1) -> dict[str, Any]:
    """The `count`-th answer sent through a response_url."""
    calls: list[RecordedCall] = tandem.slack.wait_for("response_url", count=count)
    assert calls[count - 1].ok, calls[count - 1].response
    return dict(calls[count - 1].args)


def asked(tandem: Tandem, text: str, *, by: str = ANA) -> dict[str, Any]:
    """`/fieldnote <text>`, acknowledged at once; the answer that follows through the response_url."""
    before = len(tandem.slack.responses)
    answer = fieldnote(tandem, text, by=by)
    assert (answer.status, answer.body) == (200, b"")
    return answered(tandem, before + 1)


def cards(tandem: Tandem) -> list[dict[str, Any]]:
    """The note cards in the field-notes channel (not the replies in their threads)."""
    return posts_in(tandem.slack, FIELD)


def stored(tandem: Tandem) -> list[FieldNoteRow]:
    with tandem.database.transaction() as session:
        rows = list(session.scalars(select(FieldNoteRow).order_by(FieldNoteRow.id)))
        session.expunge_all()
        return rows


def follow_ups(tandem: Tandem) -> list[FieldNoteFollowUpRow]:
    with tandem.database.transaction() as session:
        rows = list(session.scalars(select(FieldNoteFollowUpRow).order_by(FieldNoteFollowUpRow.id)))
        session.expunge_all()
        return rows


def logged(tandem: Tandem, account: str, heard: str, *, by: str = ANA, **fields: Any) -> int:
    """A note stored straight through the service (no card): what lists and search find."""
    draft = NoteDraft(account=account, visited_on=tandem.services.clock().date(), heard=heard, **fields)
    saved = tandem.services.fieldnotes.save(KEY, Actor(by), draft, request_key=f"test:{account}:{heard}")
    return saved.note.id


# --------------------------------------------------------------------------- a quick note


def test_a_quick_note_is_posted_with_its_discussion_thread(tandem: Tandem) -> None:
    confirmation = asked(tandem, "Acme Corp: they want SSO before renewal <!channel>")

    [card] = cards(tandem)
    shown = said(card)
    assert ":busts_in_silhouette: Customer visit · *Acme Corp* · Tue, Nov 24" in shown
    assert "they want SSO before renewal" in shown
    assert "<!channel>" not in shown  # never a ping
    assert f"Logged by <@{ANA}>" in shown
    actions = [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["fieldnotes.details", "fieldnotes.edit"]
    # Tandem starts the thread people discuss the note in.
    [starter] = [r for r in tandem.slack.replies(FIELD, card["ts"]) if r["ts"] != card["ts"]]
    assert "Discuss this note here" in said(starter)
    # Only Ana hears where it went.
    assert confirmation["response_type"] == "ephemeral"
    assert f"<#{FIELD}>" in confirmation["text"]
    [row] = stored(tandem)
    assert (row.account, row.heard, row.kind, row.author_id, row.visited_on.isoformat()) == (
        "Acme Corp",
        "they want SSO before renewal @channel",
        "customer_visit",
        ANA,
        "2026-11-24",
    )
    assert (row.card_channel, row.card_ts) == (FIELD, card["ts"])


def test_a_repeated_command_stores_and_posts_one_note(tandem: Tandem) -> None:
    request = tandem.requests.slash_command(
        "/fieldnote", "Acme: wants SSO", user_id=ANA, channel_id="C0SALES"
    )

    first = tandem.send(request)
    answered(tandem)
    second = tandem.send(request)
    again = answered(tandem, 2)

    assert (first.status, second.status) == (200, 200)
    assert len(stored(tandem)) == 1
    assert len(cards(tandem)) == 1
    assert f"<#{FIELD}>" in again["text"]


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("they want SSO, no account named", "account"),
        ("Acme Corp:", "heard"),
        ("   : they want SSO", "account"),
        ("Acme Corp: " + "x" * (TEXT_MAX + 1), "heard"),
        ("A" * 101 + ": they want SSO", "account"),
    ],
    ids=["no-colon", "nothing-heard", "account-of-spaces", "heard-too-long", "account-too-long"],
)
def test_a_bad_quick_note_is_refused_clearly_and_nothing_is_stored(
    tandem: Tandem, text: str, told: str
) -> None:
    refusal = asked(tandem, text)

    assert refusal["response_type"] == "ephemeral"
    assert refusal["text"].startswith(":warning: ")
    assert len(refusal["text"]) > len(":warning: ") + 10  # a sentence, not a code
    assert stored(tandem) == []
    assert cards(tandem) == []
    assert tandem.slack.calls_to("chat.postMessage") == []


def test_without_a_channel_the_note_is_kept_and_the_author_told(
    slack: SlackLookalike, database_url: str, clock: FixedClock
) -> None:
    for tandem in start_tandem(slack, database_url, clock):  # no TANDEM_FIELD_NOTES_CHANNEL
        confirmation = asked(tandem, "Acme: wants SSO")

        assert "No field-notes channel is configured" in confirmation["text"]
        assert [row.card_ts for row in stored(tandem)] == [None]
        assert cards(tandem) == []


def test_a_channel_tandem_is_not_in_is_explained(tandem: Tandem) -> None:
    tandem.slack.fail_next("chat.postMessage", error="not_in_channel")

    confirmation = asked(tandem, "Acme: wants SSO")

    assert "/invite @Tandem" in confirmation["text"]
    assert [row.card_ts for row in stored(tandem)] == [None]


# --------------------------------------------------------------------------- lists


def test_list_shows_recent_notes_newest_first(tandem: Tandem, clock: FixedClock) -> None:
    logged(tandem, "Acme Corp", "wants SSO")
    clock.now += timedelta(minutes=5)
    logged(tandem, "Globex", "price too high", by=BEN)

    listed = asked(tandem, "list")

    assert listed["response_type"] == "ephemeral"
    shown = said(listed)
    assert "Recent field notes" in shown
    assert shown.index("*Globex*") < shown.index("*Acme Corp*")


def test_list_mine_and_list_an_account(tandem: Tandem, clock: FixedClock) -> None:
    logged(tandem, "Acme Corp", "wants SSO")
    clock.now += timedelta(minutes=5)
    logged(tandem, "Globex", "price too high", by=BEN)
    clock.now += timedelta(minutes=5)
    logged(tandem, "acme corp", "renewal in March", by=BEN)

    mine = said(asked(tandem, "list mine"))
    acme = said(asked(tandem, "list ACME Corp"))

    assert "Your field notes" in mine
    assert "*Acme Corp*" in mine
    assert "Globex" not in mine
    assert "renewal" not in mine
    assert "Field notes on ACME Corp" in acme
    assert "Globex" not in acme
    assert acme.index("renewal in March") < acme.index("wants SSO")  # both, newest first


def test_a_long_list_is_capped_with_more(tandem: Tandem, clock: FixedClock) -> None:
    for n in range(LIST_CAP + 3):
        clock.now += timedelta(seconds=1)
        logged(tandem, f"Account {n}", "wants SSO")

    listed = asked(tandem, "list")

    assert "+3 more" in said(listed)
    assert len(listed["blocks"]) <= 50


def test_list_of_an_account_with_no_notes(tandem: Tandem) -> None:
    assert "no field notes found" in asked(tandem, "list Initech")["text"]


# --------------------------------------------------------------------------- search (both databases)


def test_search_finds_words_across_fields_newest_first(tandem: Tandem, clock: FixedClock) -> None:
    logged(tandem, "Acme Corp", "They asked about single sign-on and pricing")
    clock.now += timedelta(minutes=5)
    logged(
        tandem, "Globex", "Happy with onboarding", competitors="Initech", feedback="pricing page confusing"
    )
    clock.now += timedelta(minutes=5)
    logged(tandem, "Umbrella", "No budget this year")

    pricing = said(asked(tandem, "search pricing"))
    rival = said(asked(tandem, "search initech"))
    prefix = said(asked(tandem, "search onboard"))  # the last word is a prefix

    assert "*Globex*" in pricing
    assert "*Acme Corp*" in pricing
    assert "Umbrella" not in pricing
    assert pricing.index("*Globex*") < pricing.index("*Acme Corp*")
    assert "*Globex*" in rival
    assert "Acme" not in rival
    assert "*Globex*" in prefix


def test_search_with_no_words_gives_a_hint(tandem: Tandem) -> None:
    logged(tandem, "Acme Corp", "wants SSO")

    hint = asked(tandem, "search ?!* ---")

    assert "/fieldnote search" in hint["text"]


def test_search_finding_nothing_says_so(tandem: Tandem) -> None:
    logged(tandem, "Acme Corp", "wants SSO")

    assert "no field notes found" in asked(tandem, "search kubernetes")["text"]


def test_help_names_every_way_to_use_the_command(tandem: Tandem) -> None:
    answer = fieldnote(tandem, "help")

    assert answer.status == 200
    shown = answer.json()["text"]
    for usage in ("`/fieldnote`", "`/fieldnote <account>: <text>`", "`/fieldnote search <words>`"):
        assert usage in shown
    assert stored(tandem) == []
