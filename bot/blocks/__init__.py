"""Rendering to Slack: pure functions from service data to Block Kit model objects, and back from forms."""
