"""HTTP serving: Slack's single request URL `/slack/events` and `GET /healthz`, on waitress."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import BaseWSGIServer, create_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Enough threads that a burst of commands is acknowledged while earlier listeners still work.
SERVER_THREADS = 16


def wsgi_app(app: App, is_healthy: Callable[[], bool]) -> WSGIApplication:
    """Slack's requests to Bolt, health checks answered directly, anything else 404."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            healthy = is_healthy()
            body = json.dumps({"status": "ok" if healthy else "database unreachable"}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return serve


class HttpServer:
    """A waitress server on host:port (0 for any free port) that can be stopped from any thread."""

    def __init__(self, application: WSGIApplication, host: str, port: int) -> None:
        server = create_server(
            application,
            host=host,
            port=port,
            threads=SERVER_THREADS,
            ident="tandem",
            # Slack's bodies are small; refuse anything absurd before reading it.
            max_request_body_size=1_048_576,
            clear_untrusted_proxy_headers=True,
        )
        assert isinstance(server, BaseWSGIServer)  # one host and port, so one socket
        self._server = server
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[attr-defined]

    def serve_forever(self) -> None:
        """Serve until `shutdown()` or Ctrl-C."""
        server: Any = self._server
        try:
            # One poll at a time, so a stop is seen even when the wake-up pipe cannot be written.
            while server._map and not self._stopping.is_set():
                server.asyncore.loop(
                    timeout=server.adj.asyncore_loop_timeout,
                    map=server._map,
                    use_poll=server.adj.asyncore_use_poll,
                    count=1,
                )
        finally:
            _close_all(server)
            server.task_dispatcher.shutdown()

    def shutdown(self) -> None:
        """Stop serving: at once through waitress's wake-up pipe, else within a poll's timeout."""
        self._stopping.set()
        server: Any = self._server

        # Dispatchers belong to the loop's thread: close them there, which ends the loop at once.
        with contextlib.suppress(OSError):  # the pipe is gone: the loop sees the flag instead
            server.trigger.pull_trigger(lambda: _close_all(server))


def _close_all(server: Any) -> None:
    """Close every socket and pipe of the server; one whose descriptor is already gone is skipped."""
    for dispatcher in list(server._map.values()):
        with contextlib.suppress(OSError):
            dispatcher.close()
