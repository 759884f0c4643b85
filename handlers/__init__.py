"""Bolt listeners, one module a feature; `register_all` wires every one of them."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import digest, errors, fieldnotes, home, issues, metrics, teams, wins
from handlers.context import Admins


def register_all(app: App, services: Services, admins: Admins) -> None:
    # One App Home, published by its own listeners and again after clicks made on it.
    home_page = home.Home(services, admins)
    errors.register(app)
    # Before issues: its listener takes every message event, and Bolt runs only the first that matches;
    # this one takes only files shared in a direct message.
    metrics.register(app, services, admins, home_page)
    issues.register(app, services, admins, home_page)
    home.register(app, home_page)
    teams.register(app, services, admins, home_page)
    digest.register(app, services, admins, home_page)
    wins.register(app, services, admins, home_page)
    fieldnotes.register(app, services, admins, home_page)
