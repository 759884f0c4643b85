"""WSGI factories for gunicorn: ``tests.bench.wsgi:tandem()`` and ``tests.bench.wsgi:bare()``.

`tandem()` builds the app exactly as `tandem run` does (settings from the environment, pending
migrations applied, the same `wsgi_app`), minus the HTTP server, which gunicorn replaces, and
minus the scheduler: one per worker would run every job once per worker.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot.app import create_app, services_for
from bot.config import load_settings
from bot.slack.http import wsgi_app
from tests.bench import bare_app
from tests.bench.variants import apply_knobs

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def tandem() -> WSGIApplication:
    apply_knobs()  # only when a BENCH_* variable asks (see tests.bench.variants)
    settings = load_settings(os.environ, env_file=None)
    services = services_for(settings)
    services.database.upgrade()
    return wsgi_app(create_app(settings, services), services.database.is_reachable)


def bare() -> WSGIApplication:
    return bare_app.build_wsgi(os.environ)
