"""Tests of the offline Slack stand-ins in bot.sandbox."""
