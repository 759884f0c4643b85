"""Downloading a shared file: the bot token goes only to the host Slack named, within a size cap."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.slack.files import DownloadFailed, download

TOKEN = "xoxb-test-files"


class FileServer:
    """A local server answering every GET with `answer(handler)`; it records who asked with what."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.seen: list[dict[str, str]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append({"path": self.path, **dict(self.headers.items())})
                answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve(body: bytes, content_type: str = "text/csv") -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(to: str) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


@pytest.fixture
def slack_host() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], FileServer]]:
    """Starts a server standing in for Slack, the Web API's own host."""
    started: list[FileServer] = []

    def start(answer: Callable[[BaseHTTPRequestHandler], None]) -> FileServer:
        server = FileServer(answer).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


def client_for(server: FileServer) -> WebClient:
    return WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/")


def test_the_file_comes_with_the_bot_token(slack_host: Any) -> None:
    server = slack_host(serve(b"date,metric,value\n"))

    data = download(client_for(server), f"http://127.0.0.1:{server.port}/files-pri/T1-F1/v.csv", limit=100)

    assert data == b"date,metric,value\n"
    assert server.seen[0]["Authorization"] == f"Bearer {TOKEN}"


def test_a_redirect_to_another_host_is_not_followed_with_the_token(slack_host: Any) -> None:
    elsewhere = slack_host(serve(b"stolen"))
    server = slack_host(redirect(f"http://localhost:{elsewhere.port}/grab"))

    with pytest.raises(DownloadFailed, match="from somewhere unexpected"):
        download(client_for(server), f"http://127.0.0.1:{server.port}/files-pri/T1-F1/v.csv", limit=100)

    assert elsewhere.seen == []


def test_plain_http_is_refused_from_any_host_but_the_web_apis(slack_host: Any) -> None:
    server = slack_host(serve(b"x"))
    other = slack_host(serve(b"x"))

    with pytest.raises(DownloadFailed, match="no address Tandem can fetch"):
        download(client_for(server), f"http://127.0.0.1:{other.port}/files-pri/T1-F1/v.csv", limit=100)

    assert other.seen == []


@pytest.mark.parametrize("declared", [True, False])
def test_a_file_over_the_cap_is_refused(slack_host: Any, declared: bool) -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        if declared:
            handler.send_header("Content-Length", "101")
        handler.end_headers()
        handler.wfile.write(b"x" * 101)

    server = slack_host(answer)

    with pytest.raises(DownloadFailed, match="bigger than Tandem reads"):
        download(client_for(server), f"http://127.0.0.1:{server.port}/f/v.csv", limit=100)


def test_slacks_sign_in_page_is_not_taken_for_the_file(slack_host: Any) -> None:
    server = slack_host(serve(b"<!DOCTYPE html><title>Slack</title>", "text/html; charset=utf-8"))

    with pytest.raises(DownloadFailed, match="sign-in page"):
        download(client_for(server), f"http://127.0.0.1:{server.port}/f/v.csv", limit=100)
