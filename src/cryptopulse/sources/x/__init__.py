"""The X source: posts from the X API v2 search (recent: 7 days; all: the full archive).

``queries.py`` says what is searched, ``client.py`` talks to the API (bearer token, quota
headers, retries, plan refusals), ``mapping.py`` turns posts into ``posts`` records,
``state.py`` keeps the per-query cursors and ``source.py`` is the ``Source``.
See docs/sources/x.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx

from cryptopulse.core.settings import Settings, SettingsError, section
from cryptopulse.lake import Lake, open_lake
from cryptopulse.sources.base import SourcePlugin
from cryptopulse.sources.http import HttpPolicy
from cryptopulse.sources.x.client import TOKEN_ENV, PlanError, XClient
from cryptopulse.sources.x.queries import XQuery, build_queries
from cryptopulse.sources.x.settings import XSettings
from cryptopulse.sources.x.source import XSource, XStats

__all__ = [
    "PLUGIN",
    "PlanError",
    "XClient",
    "XQuery",
    "XSettings",
    "XSource",
    "XStats",
    "build_queries",
    "build_x_source",
]


def bearer_token(options: XSettings) -> str:
    """The configured bearer token (a pasted ``Bearer `` prefix is dropped)."""
    secret = options.x_bearer_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if token.lower().startswith("bearer "):
        token = token[len("bearer ") :].strip()
    if not token:
        raise SettingsError(
            f"X source: no bearer token. Set {TOKEN_ENV} to your X app's bearer token "
            "(X developer portal → Projects & Apps → your app → Keys and tokens)"
        )
    return token


def build_x_source(
    settings: Settings,
    *,
    lake: Lake | None = None,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] | None = None,
) -> XSource:
    """The X source the settings describe; its cursors live in the configured lake."""
    options = section(settings, XSettings)
    token = bearer_token(options)
    queries = build_queries(settings)
    client = XClient(
        token,
        options.x_base_url,
        search=options.x_search,
        policy=HttpPolicy.from_settings(options.http),
        http=http,
        sleep=sleep,
    )
    lake = lake or open_lake(settings)
    if now is None:
        return XSource(client, queries, lake, max_pages=options.x_max_pages)
    return XSource(client, queries, lake, max_pages=options.x_max_pages, now=now)


PLUGIN = SourcePlugin("x", build_x_source, XSettings, "posts from X search")
