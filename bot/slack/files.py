"""Reading a file someone shared with Tandem: its private URL fetched with the bot token, within a
size cap and a time limit, and only from the host Slack named (the token goes nowhere else)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.errors import TandemError

CHUNK = 64 * 1024


class DownloadFailed(TandemError):
    """The file could not be read; the message says why in words for the person who shared it."""


class _SameHostOnly(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the host Slack named: urllib would carry the Authorization
    header (the bot token) to wherever a redirect points."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            raise DownloadFailed("Slack sent the file from somewhere unexpected, so Tandem didn't fetch it.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(client: WebClient, url: str, *, limit: int, timeout: float = 20.0) -> bytes:
    """The bytes at a file's `url_private_download`; DownloadFailed when too big, unreachable or
    refused. Plain http is accepted only from the host the Web API itself is reached at."""
    scheme, host = _origin(url)
    if not host or (scheme != "https" and (scheme, host) != _origin(client.base_url)):
        raise DownloadFailed("Slack gave no address Tandem can fetch the file from.")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, headers={"Authorization": f"Bearer {client.token}"}, method="GET"
    )
    # Like the Web API client, no proxy: Tandem talks to Slack directly.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _SameHostOnly())
    try:
        with opener.open(request, timeout=timeout) as answer:
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise _too_big(limit)
            body = bytearray()
            while chunk := answer.read(CHUNK):
                body += chunk
                if len(body) > limit:
                    raise _too_big(limit)
            content_type = str(answer.headers.get("Content-Type") or "")
    except urllib.error.HTTPError as refused:
        refused.close()
        raise DownloadFailed(f"Slack would not hand the file over (HTTP {refused.code}).") from refused
    except (urllib.error.URLError, TimeoutError, OSError) as failure:
        raise DownloadFailed("Slack didn't answer in time with the file.") from failure
    if content_type.startswith("text/html"):
        # Slack answers a token without access to the file with its sign-in page, not an error.
        raise DownloadFailed("Slack answered with a sign-in page instead of the file.")
    return bytes(body)


def _too_big(limit: int) -> DownloadFailed:
    return DownloadFailed(f"The file is bigger than Tandem reads ({limit // 1_000_000} MB at most).")


def _origin(url: str | None) -> tuple[str, str]:
    parts = urlsplit(url or "")
    return parts.scheme.lower(), parts.netloc.lower()
