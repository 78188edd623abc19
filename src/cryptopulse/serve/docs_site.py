"""Serve dbt's docs site (``cryptopulse docs``): the folder ``dbt docs generate`` wrote,
on 127.0.0.1 only, read-only (GET and HEAD of its files)."""

from __future__ import annotations

import functools
import http.server
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptopulse.core.errors import UserError

HOST = "127.0.0.1"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Files of one folder; no request log on the terminal."""

    def log_message(self, format: str, *args: Any) -> None:
        return None


def docs_server(site: Path, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server of ``site`` on 127.0.0.1:``port`` (not started)."""
    if not (site / "index.html").is_file():
        raise UserError(f"no dbt docs in {site}: run `cryptopulse docs` to build them")
    handler: Callable[..., Any] = functools.partial(_QuietHandler, directory=str(site))
    try:
        return http.server.ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise UserError(
            f"cannot listen on {HOST}:{port} ({exc.strerror or exc}): set "
            "CRYPTOPULSE_DOCS_PORT (or --port) to a free port"
        ) from None


def serve_docs(site: Path, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve ``site`` until interrupted; ``on_ready`` gets the URL once listening."""
    server = docs_server(site, port)
    with server:
        on_ready(f"http://{HOST}:{server.server_address[1]}/")
        server.serve_forever()
