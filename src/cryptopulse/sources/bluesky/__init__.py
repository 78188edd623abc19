"""Bluesky: posts matching crypto queries, from ``app.bsky.feed.searchPosts``.

Searching needs a signed-in account (Bluesky refuses anonymous searches): set
``CRYPTOPULSE_BLUESKY_HANDLE`` and ``CRYPTOPULSE_BLUESKY_APP_PASSWORD``. See
docs/sources/bluesky.md for the settings, limits and how days are fetched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx

from cryptopulse.core.settings import Settings, SettingsError, section
from cryptopulse.lake import open_lake
from cryptopulse.sources.base import SourcePlugin
from cryptopulse.sources.bluesky.client import BlueskyClient, connect
from cryptopulse.sources.bluesky.queries import Query, resolve_queries
from cryptopulse.sources.bluesky.session import BlueskySession
from cryptopulse.sources.bluesky.settings import BlueskySettings
from cryptopulse.sources.bluesky.source import BlueskySource
from cryptopulse.sources.http import HttpPolicy
from cryptopulse.sources.social import utcnow

__all__ = [
    "PLUGIN",
    "BlueskyClient",
    "BlueskySession",
    "BlueskySettings",
    "BlueskySource",
    "Query",
    "build_bluesky_source",
    "resolve_queries",
]

MISSING_CREDENTIALS = (
    "Bluesky needs an account to search posts (its search refuses anonymous calls): set "
    "CRYPTOPULSE_BLUESKY_HANDLE (e.g. you.bsky.social) and CRYPTOPULSE_BLUESKY_APP_PASSWORD "
    "(an app password from Settings → Privacy and security → App passwords) in the environment"
)


def build_bluesky_source(
    settings: Settings,
    *,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = utcnow,
) -> BlueskySource:
    """The Bluesky source configured by ``settings`` (a SettingsError naming what is missing)."""
    options = section(settings, BlueskySettings)
    handle = (options.bluesky_handle or "").strip()
    password = options.bluesky_app_password
    if not handle or password is None or not password.get_secret_value().strip():
        missing = [
            name
            for name, value in (
                ("CRYPTOPULSE_BLUESKY_HANDLE", handle),
                ("CRYPTOPULSE_BLUESKY_APP_PASSWORD", password),
            )
            if not value
        ]
        raise SettingsError(f"{MISSING_CREDENTIALS} (not set: {', '.join(missing)})")
    queries = resolve_queries(options.bluesky_queries, options.social_coins)
    client = connect(
        handle,
        password.get_secret_value().strip(),
        options.bluesky_base_url,
        policy=HttpPolicy.from_settings(options.http),
        http=http,
        sleep=sleep,
    )
    lake = open_lake(settings)
    return BlueskySource(client, queries, lake, max_pages=options.bluesky_max_pages, clock=clock)


PLUGIN = SourcePlugin("bluesky", build_bluesky_source, BlueskySettings, "posts from Bluesky search")
