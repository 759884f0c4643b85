"""Offline stand-ins for Slack: a Web API look-alike, Slack-style signed requests, and the sandbox (a
local page that behaves like a small Slack workspace) built on them."""

from .lookalike import RecordedCall, SlackLookalike
from .signing import HttpAnswer, SignedRequest, SlackRequests

__all__ = ["HttpAnswer", "RecordedCall", "SignedRequest", "SlackLookalike", "SlackRequests"]
