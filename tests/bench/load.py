"""The load generator, in a process of its own so its threads never share a GIL with a server.

`LoadClient` starts ``python -m tests.bench.load`` and sends it one batch of prepared requests
per line of JSON on stdin. The child starts a thread per request, releases them together with a
`threading.Barrier`, and times each from just before sending to the end of the answer's body
(urllib sends ``Connection: close``, so every request opens a fresh connection). It answers
with one line of JSON. It uses the standard library only, so it starts in milliseconds.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BARRIER_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outgoing:
    """One request to send: path on the app, headers and the exact body."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Timed:
    """One answer: HTTP status (0 when none came), seconds from send to body read, and any error."""

    status: int
    seconds: float
    body: bytes
    error: str | None


class LoadClient:
    """The parent's handle on the load-generator process."""

    def __init__(self, python: str, environ: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [python, "-m", "tests.bench.load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(environ),
            text=True,
        )

    def fire(self, base_url: str, requests: Sequence[Outgoing], timeout: float) -> list[Timed]:
        """Send every request at once; their answers in the same order."""
        batch = {
            "url": base_url,
            "timeout": timeout,
            "requests": [
                {"path": r.path, "headers": r.headers, "body": base64.b64encode(r.body).decode()}
                for r in requests
            ],
        }
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps(batch) + "\n")
        stdin.flush()
        line = stdout.readline()  # the child bounds every wait, so it always answers or exits
        if not line:
            raise RuntimeError(f"the load generator exited (code {self._process.poll()})")
        return [
            Timed(a["status"], a["seconds"], base64.b64decode(a["body"]), a["error"])
            for a in json.loads(line)
        ]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)


# --------------------------------------------------------------------------- the child


def _fire(url: str, requests: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
    count = len(requests)
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)
    answers: list[dict[str, Any]] = [
        {"status": 0, "seconds": 0.0, "body": "", "error": "no answer"} for _ in range(count)
    ]

    def send(index: int, request: dict[str, Any]) -> None:
        prepared = urllib.request.Request(  # noqa: S310 - the benchmark only gives http://127.0.0.1
            url.rstrip("/") + request["path"],
            data=base64.b64decode(request["body"]),
            headers=request["headers"],
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            answers[index]["error"] = "the threads were not all released together"
            return
        started = time.perf_counter()
        status, body, error = 0, b"", None
        try:
            with opener.open(prepared, timeout=timeout) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as failure:
            with failure:
                status, body = failure.code, failure.read()
        except OSError as failure:
            error = f"{type(failure).__name__}: {failure}"
        seconds = time.perf_counter() - started
        answers[index] = {
            "status": status,
            "seconds": seconds,
            "body": base64.b64encode(body).decode(),
            "error": error,
        }

    threads = [
        threading.Thread(target=send, args=(i, r), name=f"load-{i}", daemon=True)
        for i, r in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT + timeout + 5)
    return answers


def main() -> int:
    for line in sys.stdin:
        batch = json.loads(line)
        answers = _fire(batch["url"], batch["requests"], float(batch["timeout"]))
        sys.stdout.write(json.dumps(answers) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
