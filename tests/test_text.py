"""Text crossing the Slack boundary: command text made plain, plain text made safe."""

from __future__ import annotations

import pytest

from bot.blocks.text import WORD_JOINER, escape, mentioned_users, plain_from_slack


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("Pricing page confuses prospects", "Pricing page confuses prospects"),
        ("Ask <@U0BEN|ben> about it", "Ask @ben about it"),
        ("<!channel> pricing is wrong", "@channel pricing is wrong"),
        ("<!here|here> now", "here now"),
        ("Tell <!subteam^S0SALES|@sales>", "Tell @sales"),
        ("See <#C0SALES|sales>", "See #sales"),
        (
            "Docs at <https://example.com/p?a=1&amp;b=2|the page>",
            "Docs at the page (https://example.com/p?a=1&b=2)",
        ),
        ("Docs at <https://example.com|https://example.com>", "Docs at https://example.com"),
        ("Docs at <https://example.com>", "Docs at https://example.com"),
        ("Q&amp;A: 1 &lt; 2 &gt; 0", "Q&A: 1 < 2 > 0"),
    ],
)
def test_command_text_is_read_as_the_person_typed_it(typed: str, plain: str) -> None:
    assert plain_from_slack(typed) == plain


def test_mentioned_users_are_found() -> None:
    assert mentioned_users("thanks <@U0BEN|ben> and <@W0ANA> not <!here>") == ["U0BEN", "W0ANA"]


@pytest.mark.parametrize(
    ("plain", "safe"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;"),
        ("Q&A", "Q&amp;A"),
        ("@channel look", f"@{WORD_JOINER}channel look"),
        ("@Here and @everyone", f"@{WORD_JOINER}Here and @{WORD_JOINER}everyone"),
        ("email ana@channel.io", f"email ana@{WORD_JOINER}channel.io"),
    ],
)
def test_plain_text_cannot_ping_or_link_in_mrkdwn(plain: str, safe: str) -> None:
    assert escape(plain) == safe
