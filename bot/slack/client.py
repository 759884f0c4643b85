"""The Web API client: Slack's address from settings, and retries for rate limits and server errors."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings


def web_client(settings: Settings) -> WebClient:
    """A client Bolt copies for every request (address, timeout and retry handlers included)."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        # slack_sdk honours HTTPS_PROXY but not NO_PROXY; Tandem talks to Slack directly.
        proxy=None,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            # Sleeps for Retry-After in this thread, which is a listener's worker, never the ack path.
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
