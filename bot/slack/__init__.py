"""Tandem's Slack edge: the Web API client and the HTTP server Slack's requests arrive at."""
