"""Warehouse server URLs (``redshift://USER@HOST:PORT/DB``): parsed, checked, and shown
without a password.

A password never travels in the URL: the URL sits in .env files, config files, run records
and status output, so the engines read the password from the environment (or the Airflow
connection) instead, and a URL that carries one is refused with a message that does not
repeat it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# scheme://user:password@ in any text: the password runs to the line's last @ (before a
# quote), so one with / ? # @ or a space in it, which no URL parser splits right, is masked
# whole. Masking too much of a line is the safe side.
_USERINFO_PASSWORD = re.compile(r"(?P<keep>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*):[^'\"\n]*@")
# name=value secrets: URL query parameters (?password=…, X-Amz-Signature=…, api_key=…) and
# libpq connection strings (password=…).
_SECRET_PARAMETER = re.compile(
    r"(?i)(?P<name>[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
    r"signature|credential))=(?P<value>[^\s&;'\"]+)"
)


def mask_password(text: str) -> str:
    """``text`` with every secret a URL or connection string in it may carry replaced by
    ***: the password of ``scheme://user:password@``, and ``password=``, ``token=``,
    ``X-Amz-Signature=`` and the like. For anything echoed: errors, status, run records."""
    text = _USERINFO_PASSWORD.sub(r"\g<keep>:***@", text)
    return _SECRET_PARAMETER.sub(r"\g<name>=***", text)


@dataclass(frozen=True)
class ServerUrl:
    """Where a warehouse server is: user, host, port and database (no password)."""

    scheme: str
    user: str
    host: str
    port: int
    database: str

    def display(self) -> str:
        """The URL as people see it (status, the summary, the run record)."""
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.database}"


def parse_server_url(url: str, default_port: int) -> ServerUrl:
    """``scheme://USER@HOST[:PORT]/DB``; ValueError (naming no password) when it is not."""
    example = f"{url.partition('://')[0].lower()}://USER@HOST:{default_port}/DB"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"not a server URL; accepted: {example}") from None
    if parts.password is not None:
        raise ValueError(
            "a password does not belong in the URL (it would land in files and logs); "
            f"give {example} and the password in the environment"
        )
    if not parts.username or not parts.hostname:
        raise ValueError(f"the URL needs a user and a host; accepted: {example}")
    database = unquote(parts.path.strip("/"))
    if not database or "/" in database:
        raise ValueError(f"the URL needs one database name after the host; accepted: {example}")
    if parts.query or parts.fragment:
        raise ValueError(f"no ?options or #fragment are read here; accepted: {example}")
    return ServerUrl(
        scheme=parts.scheme.lower(),
        user=unquote(parts.username),
        host=parts.hostname,
        port=port or default_port,
        database=database,
    )
