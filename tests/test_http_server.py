"""The HTTP server stops when asked, from any thread, even if its wake-up pipe is gone."""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Iterable
from typing import Any

from bot.slack.http import HttpServer


def hello(_environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def serving(server: HttpServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{server.port}/", timeout=10) as answer:
        assert answer.read() == b"hello"
    return thread


def test_shutdown_stops_serving() -> None:
    server = HttpServer(hello, "127.0.0.1", 0)  # type: ignore[arg-type]
    thread = serving(server)

    server.shutdown()

    thread.join(timeout=10)
    assert not thread.is_alive()


def test_shutdown_stops_serving_even_when_the_wake_up_pipe_was_closed_elsewhere() -> None:
    server = HttpServer(hello, "127.0.0.1", 0)  # type: ignore[arg-type]
    thread = serving(server)
    os.close(server._server.trigger.trigger)  # type: ignore[attr-defined]  # as a stray close() would

    server.shutdown()

    thread.join(timeout=10)
    assert not thread.is_alive()
