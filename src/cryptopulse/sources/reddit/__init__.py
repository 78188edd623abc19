"""The Reddit source: new posts and comments of subreddits, from Reddit's official OAuth API.

``auth.py`` gets and refreshes the app's token, ``client.py`` pages listings through one
``JsonApi`` (retries, ``X-Ratelimit-*`` quota), ``mapping.py`` turns things into ``posts``
records, ``source.py`` is the ``Source`` (per-day batches, listing limit, cursors).
See docs/sources/reddit.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

import httpx

from cryptopulse.core.settings import Settings, SettingsError, section
from cryptopulse.lake import open_lake
from cryptopulse.sources.base import SourcePlugin
from cryptopulse.sources.http import HttpPolicy
from cryptopulse.sources.reddit.auth import Credentials, RedditAuth, check_credentials
from cryptopulse.sources.reddit.client import RedditClient, connect
from cryptopulse.sources.reddit.listing import RedditStats
from cryptopulse.sources.reddit.settings import RedditSettings
from cryptopulse.sources.reddit.source import RedditSource

__all__ = [
    "PLUGIN",
    "Credentials",
    "RedditAuth",
    "RedditClient",
    "RedditSettings",
    "RedditSource",
    "RedditStats",
    "build_reddit_source",
    "parse_subreddits",
]

_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")


def parse_subreddits(text: str) -> list[str]:
    """``CryptoCurrency, r/Bitcoin`` as ["CryptoCurrency", "Bitcoin"] (case-insensitive
    repeats dropped), or a SettingsError naming the setting."""
    names: dict[str, str] = {}
    for item in text.split(","):
        name = item.strip().removeprefix("/").removeprefix("r/").strip("/")
        if not name:
            continue
        if not _SUBREDDIT.match(name):
            raise SettingsError(
                f"CRYPTOPULSE_REDDIT_SUBREDDITS: {item.strip()!r} is not a subreddit name "
                "(3 to 21 letters, digits or _, e.g. CryptoCurrency,Bitcoin)"
            )
        names.setdefault(name.lower(), name)
    if not names:
        raise SettingsError(
            "CRYPTOPULSE_REDDIT_SUBREDDITS is empty: name the subreddits to collect, "
            "comma-separated (e.g. CryptoCurrency,Bitcoin)"
        )
    return list(names.values())


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if callable(getter) else None


def build_reddit_source(
    settings: Settings,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] | None = None,
    token_clock: Callable[[], float] = time.time,
) -> RedditSource:
    """The source for the configured app, subreddits and endpoints.

    ``http``, ``sleep`` and the clocks are for tests (a client of their own, which must send
    Reddit's required User-Agent itself; no real waits; a chosen "now"). Missing credentials
    or subreddits are a SettingsError naming the setting.
    """
    options = section(settings, RedditSettings)
    credentials = check_credentials(
        _secret(options.reddit_client_id),
        _secret(options.reddit_client_secret),
        options.reddit_username,
        _secret(options.reddit_password),
    )
    subreddits = parse_subreddits(options.reddit_subreddits)
    user_agent = options.reddit_user_agent.strip()
    if not user_agent:
        raise SettingsError(
            "CRYPTOPULSE_REDDIT_USER_AGENT is empty: Reddit requires a descriptive one, "
            "e.g. 'python:cryptopulse:v1 (by /u/yourname)'"
        )
    client = connect(
        credentials,
        options.reddit_base_url,
        options.reddit_auth_url,
        user_agent,
        policy=HttpPolicy.from_settings(options.http),
        http=http,
        sleep=sleep,
        token_clock=token_clock,
    )
    lake = open_lake(settings)
    source_clock = {"clock": clock} if clock is not None else {}
    return RedditSource(
        client,
        subreddits,
        comments=options.reddit_comments,
        lake=lake,
        **source_clock,
    )


PLUGIN = SourcePlugin(
    "reddit", build_reddit_source, RedditSettings, "posts and comments of subreddits"
)
