"""The composition root: settings and services in, a Bolt app with every listener registered out."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.config import Settings
from bot.db import Database
from bot.services import Services, build_services
from bot.slack.client import web_client
from bot.workspaces import WorkspaceDefaults
from handlers import register_all
from handlers.context import Admins

# Listeners keep working after they acknowledge (posting cards, opening forms); enough workers
# that a burst of commands is never acknowledged late because earlier ones are still busy.
LISTENER_THREADS = 32


def services_for(settings: Settings) -> Services:
    """Tandem's services on the configured database."""
    defaults = WorkspaceDefaults(timezone=settings.timezone, tracker_channel=settings.tracker_channel)
    return build_services(Database.at(settings.database_url.get_secret_value()), defaults)


def create_app(settings: Settings, services: Services) -> App:
    """A Bolt app for these settings; building it calls nothing and reads no environment."""
    app = App(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Bolt would call auth.test here; the CLI checks the token itself, with a clearer message.
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="tandem-listener"),
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("tandem.bolt"),
    )
    register_all(app, services, Admins(settings.admins))
    return app
