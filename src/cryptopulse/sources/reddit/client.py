"""Reddit listings over the OAuth API: ``/r/<sub>/new`` (posts) and ``/r/<sub>/comments``.

A listing is newest first, 100 things per page at most, paged with ``after`` (the fullname
of the page's last thing); Reddit serves only about the newest 1000 things of a listing.
Every call goes through one ``JsonApi`` (retries, ``X-Ratelimit-*`` quota, token refresh);
``connect`` sets up that API and the token endpoint's on one shared connection pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from cryptopulse.sources.http import (
    ApiClient,
    ApiError,
    ApiHooks,
    HttpPolicy,
    JsonApi,
    QuotaHeaders,
    new_http_client,
)
from cryptopulse.sources.reddit.auth import CREDENTIALS_HINT, BasicAuth, Credentials, RedditAuth

SERVICE = "Reddit API"
PAGE_SIZE = 100  # the most Reddit serves per listing page
# Reddit's quota headers: calls left in the window, seconds until it resets (and calls used).
REDDIT_QUOTA = QuotaHeaders("x-ratelimit-remaining", "x-ratelimit-reset", reset_is_epoch=False)
# The listing path of each kind of thing collected.
LISTINGS = {"posts": "new", "comments": "comments"}
KIND_OF = {"posts": "t3", "comments": "t1"}


@dataclass(frozen=True)
class Page:
    """One page of a listing: its things (``{"kind", "data"}``, unchecked) and the
    fullname to ask for the next page with (None at the end of the listing)."""

    children: list[Any]
    after: str | None


class RedditClient(ApiClient):
    """Listing pages of subreddits through ``api`` (a ``JsonApi`` at the OAuth API root);
    ``http`` is an HTTP client it owns (closed with it)."""

    def __init__(
        self, api: JsonApi, page_size: int = PAGE_SIZE, http: httpx.Client | None = None
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be in [1, {PAGE_SIZE}], got {page_size}")
        self.api = api
        self.page_size = page_size
        self._http = http

    def close(self) -> None:
        self.api.close()
        if self._http is not None:
            self._http.close()

    def listing_page(self, subreddit: str, kind: str, after: str | None = None) -> Page:
        """The page of ``kind`` ("posts" or "comments") of r/``subreddit`` after ``after``."""
        path = f"/r/{subreddit}/{LISTINGS[kind]}"
        params: dict[str, Any] = {"limit": self.page_size, "raw_json": 1}
        if after:
            params["after"] = after
        answer = self.api.get(path, params=params)
        data = answer.get("data") if answer.get("kind") == "Listing" else None
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(children, list):
            shape = ", ".join(sorted(str(k) for k in answer)[:6]) or "empty"
            raise ApiError(
                f"Reddit API {path}: the answer is not a Listing (keys: {shape})", service=SERVICE
            )
        next_after = data.get("after")
        return Page(children, next_after if isinstance(next_after, str) and next_after else None)


def connect(
    credentials: Credentials,
    base_url: str,
    auth_url: str,
    user_agent: str,
    policy: HttpPolicy | None = None,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    token_clock: Callable[[], float] = time.time,
) -> RedditClient:
    """A client of the OAuth API at ``base_url``, its tokens from the endpoint at
    ``auth_url``. ``http`` is for tests (it must send Reddit's required User-Agent itself)."""
    # One connection pool for both endpoints (setting up TLS is the slow part of a client).
    shared = http or new_http_client(user_agent)
    token_hooks = ApiHooks(auth=BasicAuth(credentials), hint=CREDENTIALS_HINT)
    token_api = JsonApi("Reddit token endpoint", auth_url, token_hooks, policy, shared, sleep)
    auth = RedditAuth(credentials, token_api, clock=token_clock)
    hooks = ApiHooks(auth=auth, quota=REDDIT_QUOTA, hint=CREDENTIALS_HINT)
    api = JsonApi(SERVICE, base_url, hooks, policy, shared, sleep)
    return RedditClient(api, http=shared if http is None else None)  # closes the pool if ours
