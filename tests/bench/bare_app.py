"""The floor Tandem is measured against: a bare Bolt app whose `/issue` listener only calls `ack()`.

`python -m tests.bench.bare_app` serves it with Tandem's own waitress server (same `wsgi_app`,
so `/healthz` too) and logs its address the way `tandem run` does; `tests.bench.wsgi:bare()` hands
the same WSGI application to gunicorn. It reads Tandem's environment variable names.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.http import EVENTS_PATH, HttpServer, wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def build_app(environ: Mapping[str, str]) -> App:
    """Bolt with defaults, one `/issue` listener that acknowledges and does nothing else.

    ``BENCH_ACK_INLINE=1`` sets ``process_before_response``: the listener then runs in the request's
    own thread and Bolt does not poll for the acknowledgement (the floor without that polling).
    """
    app = App(
        client=WebClient(token=environ["SLACK_BOT_TOKEN"], base_url=environ["SLACK_API_URL"]),
        signing_secret=environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        process_before_response=environ.get("BENCH_ACK_INLINE") == "1",
    )

    @app.command("/issue")
    def acknowledge(ack: Ack) -> None:
        ack()

    return app


def build_wsgi(environ: Mapping[str, str]) -> WSGIApplication:
    return wsgi_app(build_app(environ), lambda: True)


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    server = HttpServer(build_wsgi(os.environ), host, int(os.environ.get("PORT", "0")))

    def stop(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"Listening on http://{host}:{server.port}{EVENTS_PATH}", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
