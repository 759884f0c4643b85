"""The composition root: settings and services in, a Bolt app with every listener registered out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from slack_bolt import App

from bot.config import Settings
from bot.db import Database
from bot.metric_queries import run_metric_query
from bot.services import Services, build_services, utc_now
from bot.slack.client import web_client
from bot.slack.pacing import PacedListeners
from bot.workspaces import WorkspaceDefaults
from handlers import register_all
from handlers.context import Admins

# More listener threads than the biggest burst of requests, so each is acknowledged at once; of
# those that acknowledged, two at a time go on working (storing, posting): see bot/slack/pacing.py.
# `make bench`, 50 commands at once on 2 cores: p99 acknowledgement 262 ms with 32 threads and no
# pacing; 62 ms (1.4x a bare Bolt app) with these. More working at once brought acks back up (4:
# 1.5x) and finished the burst no sooner; Slack takes about one message a second per channel anyway.
LISTENER_THREADS = 64
WORKING_AT_ONCE = 2


def services_for(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Services:
    """Tandem's services on the configured database, at the time `clock` says."""
    defaults = WorkspaceDefaults(timezone=settings.timezone, tracker_channel=settings.tracker_channel)
    return build_services(
        Database.at(settings.database_url.get_secret_value()),
        defaults,
        clock,
        digest_defaults=settings.digest_defaults(),
        snapshot_defaults=settings.snapshot_defaults(),
        run_query=partial(run_metric_query, timeout=settings.metric_query_timeout),
        wins_defaults=settings.wins_defaults(),
        field_notes_channel=settings.field_notes_channel,
    )


def create_app(settings: Settings, services: Services) -> App:
    """A Bolt app for these settings; building it calls nothing and reads no environment."""
    listeners = PacedListeners(LISTENER_THREADS, WORKING_AT_ONCE)
    app = App(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Bolt would call auth.test here; the CLI checks the token itself, with a clearer message.
        token_verification_enabled=False,
        listener_executor=listeners,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("tandem.bolt"),
    )
    app.use(listeners.pace)
    register_all(app, services, Admins(settings.admins))
    return app
