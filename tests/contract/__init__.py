"""Contract checks against Slack's own type definitions; see README.md."""
