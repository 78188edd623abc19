"""A fault-injecting HTTP proxy for the S3 tests: between the client and the moto server,
on loopback.

moto's server mode cannot inject faults itself. This proxy forwards every request to moto
unchanged (bytes in, bytes out: request signatures stay valid) and, by rule, does
something else to the Nth request that matches: answers 500 (S3's InternalError), waits
before forwarding, or closes the connection half-way through the request's or the
response's body. It counts what it saw, so a test can assert a retry happened.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

INTERNAL_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message></Error>"
)


@dataclass
class Rule:
    """Do ``action`` to requests matching ``method`` and ``target`` (a regex searched in
    the path and query), from the ``nth`` match (1-based) on, ``times`` times (0: every
    time). Actions: "500", "delay" (``seconds`` before forwarding), "drop-request" (read
    half the body, then close), "drop-response" (send half the answer's body, then close)."""

    action: str
    method: str
    target: str
    nth: int = 1
    times: int = 1
    seconds: float = 0.0
    matched: int = 0
    applied: int = 0

    def fires(self, method: str, path: str) -> bool:
        if method != self.method or not re.search(self.target, path):
            return False
        self.matched += 1
        if self.matched < self.nth or (self.times and self.applied >= self.times):
            return False
        self.applied += 1
        return True


@dataclass
class FaultProxy:
    upstream: str  # http://127.0.0.1:PORT of moto
    rules: list[Rule] = field(default_factory=list)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    lock: threading.Lock = field(default_factory=threading.Lock)
    endpoint: str = ""

    def rule_for(self, method: str, path: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.fires(method, path):
                    return rule
        return None

    def count(self, method: str, target: str) -> int:
        """How many requests matching ``method`` and ``target`` reached the proxy."""
        return sum(1 for m, p, _ in self.seen if m == method and re.search(target, p))


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    upstream = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                return self.rfile.read(length)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                raw = b""
                while True:
                    size_line = self.rfile.readline()
                    raw += size_line
                    size = int(size_line.split(b";")[0].strip() or b"0", 16)
                    chunk = self.rfile.read(size + 2)
                    raw += chunk
                    if size == 0:
                        return raw
            return b""

        def _handle(self) -> None:
            method, path = self.command, self.path
            rule = proxy.rule_for(method, path)
            if rule is not None and rule.action == "drop-request":
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length // 2)
                self._drop()
                proxy.seen.append((method, path, -1))
                return
            body = self._body()
            if rule is not None and rule.action == "500":
                self.send_response(500)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(INTERNAL_ERROR)))
                self.end_headers()
                self.wfile.write(INTERNAL_ERROR)
                proxy.seen.append((method, path, 500))
                return
            if rule is not None and rule.action == "delay":
                time.sleep(rule.seconds)
            host = upstream.hostname or "127.0.0.1"
            con = http.client.HTTPConnection(host, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()}
            con.request(method, path, body=body or None, headers=headers)
            answer = con.getresponse()
            data = answer.read()
            con.close()
            proxy.seen.append((method, path, answer.status))
            self.send_response_only(answer.status, answer.reason)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            size = answer.getheader("Content-Length") if method == "HEAD" else None
            self.send_header("Content-Length", size or str(len(data)))  # HEAD: the object's
            self.end_headers()
            if rule is not None and rule.action == "drop-response" and method != "HEAD":
                self.wfile.write(data[: len(data) // 2])
                self._drop()
                return
            if method != "HEAD":
                self.wfile.write(data)

        def _drop(self) -> None:
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    return Handler


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A FaultProxy in front of ``upstream``, on a free loopback port, for the block."""
    proxy = FaultProxy(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    proxy.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
