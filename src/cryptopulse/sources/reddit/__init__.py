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

from cryptopulse.core.settings import Settings, section
from cryptopulse.lake import open_lake
from cryptopulse.sources.base import SourcePlugin
from cryptopulse.sources.http import JsonApi, QuotaHeaders
from cryptopulse.sources.reddit.auth import (
    CREDENTIALS_HINT,
    BasicAuth,
    Credentials,
    RedditAuth,
    check_credentials,
)
from cryptopulse.sources.reddit.client import RedditClient
from cryptopulse.sources.reddit.settings import RedditSettings
from cryptopulse.sources.reddit.source import RedditSource, RedditStats

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

# Reddit's quota headers: calls left in the window, seconds until it resets (and calls used).
REDDIT_QUOTA = QuotaHeaders("x-ratelimit-remaining", "x-ratelimit-reset", reset_is_epoch=False)
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")


def parse_subreddits(text: str) -> list[str]:
    """``CryptoCurrency, r/Bitcoin`` as ["CryptoCurrency", "Bitcoin"] (case-insensitive
    repeats dropped), or a ValueError naming the setting."""
    names: dict[str, str] = {}
    for item in text.split(","):
        name = item.strip().removeprefix("/").removeprefix("r/").strip("/")
        if not name:
            continue
        if not _SUBREDDIT.match(name):
            raise ValueError(
                f"CRYPTOPULSE_REDDIT_SUBREDDITS: {item.strip()!r} is not a subreddit name "
                "(3 to 21 letters, digits or _, e.g. CryptoCurrency,Bitcoin)"
            )
        names.setdefault(name.lower(), name)
    if not names:
        raise ValueError(
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
    or subreddits are a ValueError naming the setting.
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
        raise ValueError(
            "CRYPTOPULSE_REDDIT_USER_AGENT is empty: Reddit requires a descriptive one, "
            "e.g. 'python:cryptopulse:v1 (by /u/yourname)'"
        )
    # One connection pool for both endpoints (setting up TLS is the slow part of a client).
    shared = http or httpx.Client(
        headers={"accept": "application/json", "user-agent": user_agent},
        follow_redirects=False,
    )

    def api(
        service: str, url: str, auth: BasicAuth | RedditAuth, quota: QuotaHeaders | None
    ) -> JsonApi:
        return JsonApi(
            service,
            url,
            auth=auth,
            quota=quota,
            timeout_seconds=options.http.timeout_seconds,
            max_retries=options.http.max_retries,
            backoff_seconds=options.http.backoff_seconds,
            http=shared,
            sleep=sleep,
            hint=CREDENTIALS_HINT,
            user_agent=user_agent,
        )

    token_api = api("Reddit token endpoint", options.reddit_auth_url, BasicAuth(credentials), None)
    auth = RedditAuth(credentials, token_api, clock=token_clock)
    client = RedditClient(
        api("Reddit API", options.reddit_base_url, auth, REDDIT_QUOTA),
        http=shared if http is None else None,  # closed with the client when it is ours
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
