"""Offline stand-ins for Slack: a Web API look-alike and Slack-style signed request builders."""

from .lookalike import RecordedCall, SlackLookalike
from .signing import HttpAnswer, SignedRequest, SlackRequests

__all__ = ["HttpAnswer", "RecordedCall", "SignedRequest", "SlackLookalike", "SlackRequests"]
