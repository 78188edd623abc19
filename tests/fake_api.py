"""A base for fake JSON APIs on 127.0.0.1 (X, Reddit, Bluesky), with scripted faults.

A fake is a subclass implementing ``route``: given a request it returns the status, the
JSON payload and extra headers, as the real API would. The base runs a threaded HTTP server
on a free loopback port, logs every request (method, path, parameters, headers, body,
status, fault) and injects faults before ``route`` is consulted, either scripted
(``script("429", "500", path_contains="/search")``, consumed in order by matching requests)
or at random (``fault_rate``, seeded):

* ``429``: too many requests, with the quota headers ``rate_limit_headers`` says;
* ``500``, ``503``: server errors;
* ``invalid-json``: 200 with a body that is not JSON; ``truncated``: 200 with JSON cut short;
* ``reset``: the connection closed without an answer;
* ``slow``: an answer later than the client's timeout (``slow_seconds``);
* ``expired``: the API's "token expired" refusal (``expired_response``).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

FAULT_KINDS = ("429", "500", "503", "invalid-json", "truncated", "reset", "slow", "expired")


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float
    status: int = 0
    fault: str | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass
class Answer:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """A threaded HTTP server on a free 127.0.0.1 port whose handler (``handler_class``)
    reaches the fake as ``self.fake``; a context manager."""

    handler_class: type[BaseHTTPRequestHandler]
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        handler = type("Handler", (self.handler_class,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits up to one interval (0.5 s by default).
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the fake first"
        return int(self._server.server_address[1])


class FakeApi(LoopbackServer):
    """A fake API server; subclasses implement ``route`` (and may override the fault
    shapes)."""

    # Random faults never hit requests whose path contains one of these (e.g. the token
    # endpoint, when a test wants faults on data calls only).
    spare_paths: tuple[str, ...] = ()

    def __init__(self, fault_rate: float = 0.0, seed: int = 7, slow_seconds: float = 3.0) -> None:
        self.fault_rate = fault_rate
        self.slow_seconds = slow_seconds
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._scripted: deque[tuple[str, str]] = deque()
        self._log: list[Request] = []

    # ---- to implement -----------------------------------------------------------------------
    def route(self, request: Request) -> Answer:
        raise NotImplementedError

    def rate_limit_headers(self) -> dict[str, str]:
        """Headers of a 429 answer (the real APIs' quota headers)."""
        return {"retry-after": "0"}

    def expired_response(self) -> Answer:
        return Answer(401, {"error": "token expired"})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- faults and the log ---------------------------------------------------------------
    def script(self, *kinds: str, path_contains: str = "") -> None:
        """Answer the next matching requests with these faults, in order."""
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        assert not unknown, f"unknown fault kinds {unknown}; known: {FAULT_KINDS}"
        with self._lock:
            self._scripted.extend((kind, path_contains) for kind in kinds)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    def faults(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for request in self.requests:
            if request.fault:
                counts[request.fault] = counts.get(request.fault, 0) + 1
        return counts

    def _pick_fault(self, path: str) -> str | None:
        with self._lock:
            for i, (kind, contains) in enumerate(self._scripted):
                if contains in path:
                    del self._scripted[i]
                    return kind
            spared = any(s in path for s in self.spare_paths)
            if self.fault_rate and not spared and self._random.random() < self.fault_rate:
                return self._random.choice(
                    ["429", "500", "503", "invalid-json", "truncated", "reset"]
                )
        return None

    def _record(self, request: Request) -> None:
        with self._lock:
            self._log.append(request)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=method,
            path=parts.path,
            params=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            at=time.time(),
        )
        fault = self.fake._pick_fault(parts.path)
        request.fault = fault
        if fault == "reset":
            request.status = 0
            self.fake._record(request)
            self.close_connection = True
            self.connection.close()
            return
        if fault == "slow":
            time.sleep(self.fake.slow_seconds)
        if fault == "429":
            answer = Answer(429, {"title": "Too Many Requests"}, self.fake.rate_limit_headers())
        elif fault in ("500", "503"):
            answer = Answer(int(fault), {"error": "server error"})
        elif fault == "expired":
            answer = self.fake.expired_response()
        else:
            answer = self.fake.route(request)
        request.status = answer.status
        self.fake._record(request)
        data = json.dumps(answer.payload).encode()
        if fault == "invalid-json":
            data = b"<html><body>Bad gateway</body></html>"
        elif fault == "truncated":
            data = data[: max(1, len(data) // 2)]
        self.send_response(answer.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


FakeApi.handler_class = _Handler
