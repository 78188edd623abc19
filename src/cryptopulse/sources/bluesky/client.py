"""Bluesky's post search (``app.bsky.feed.searchPosts``) over the shared ``JsonApi``.

One call is one page of up to 100 post views, newest first (``sort=latest``), limited to a
time window by ``since`` (inclusive) and ``until`` (exclusive). Bluesky filters those on a
post's ``sortAt`` (the earlier of its client-supplied ``createdAt`` and the time the network
indexed it), so a window's posts really were published in it, whatever their clients claim.
Pages are chained with an opaque ``cursor`` until the API stops returning one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from cryptopulse.sources.bluesky.session import (
    CREDENTIALS_HINT,
    SERVICE,
    BlueskySession,
    token_expired,
)
from cryptopulse.sources.http import ApiClient, ApiHooks, HttpPolicy, JsonApi, QuotaHeaders
from cryptopulse.sources.http.errors import ApiError, AuthError

log = logging.getLogger(__name__)

SEARCH_PATH = "/app.bsky.feed.searchPosts"
PAGE_SIZE = 100  # the most searchPosts serves per call
# Bluesky's rate-limit headers: calls left in the window and its reset as a UNIX time.
QUOTA = QuotaHeaders(remaining="ratelimit-remaining", reset="ratelimit-reset", reset_is_epoch=True)
DEFAULT_POLICY = HttpPolicy(timeout_seconds=15.0, max_retries=5)


@dataclass(frozen=True)
class SearchResult:
    """Every post view a search returned for one window, in the API's order."""

    posts: list[Any]
    pages: int
    capped: bool  # stopped at the page limit while the API still had more
    hits_total: int | None  # the API's own estimate of the matches, if it gave one


def iso_utc(moment: datetime) -> str:
    """``2024-06-01T00:00:00Z``: the form Bluesky documents for ``since`` and ``until``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BlueskyClient(ApiClient):
    """Signs in with ``session`` and searches posts; every call goes through ``api``."""

    def __init__(self, api: JsonApi, session: BlueskySession) -> None:
        self.api = api
        self.session = session

    def __repr__(self) -> str:
        return f"BlueskyClient({self.api.base_url!r}, {self.session!r})"

    def search(self, query: str, since: datetime, until: datetime, max_pages: int) -> SearchResult:
        """The posts matching ``query`` in [since, until), at most ``max_pages`` pages."""
        params: dict[str, Any] = {
            "q": query,
            "sort": "latest",
            "since": iso_utc(since),
            "until": iso_utc(until),
            "limit": PAGE_SIZE,
        }
        posts: list[Any] = []
        seen: set[str] = set()
        hits_total: int | None = None
        for page in range(1, max_pages + 1):
            answer = self._get(params)
            items = answer.get("posts")
            if not isinstance(items, list):
                raise ApiError(
                    f"Bluesky {SEARCH_PATH} answered without a list of posts "
                    f"(keys: {', '.join(sorted(answer)) or 'none'})",
                    service=SERVICE,
                )
            posts.extend(items)
            hits = answer.get("hitsTotal")
            hits_total = hits if isinstance(hits, int) else hits_total
            cursor = answer.get("cursor")
            # No cursor, an empty page or a cursor seen before (a loop) all mean: the end.
            if not isinstance(cursor, str) or not cursor or not items or cursor in seen:
                return SearchResult(posts, page, False, hits_total)
            seen.add(cursor)
            params["cursor"] = cursor
        return SearchResult(posts, max_pages, True, hits_total)

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = self.api.get(SEARCH_PATH, params)
        except AuthError as exc:
            if CREDENTIALS_HINT in str(exc):  # a sign-in refusal already says what to check
                raise
            raise AuthError(f"{exc}. {CREDENTIALS_HINT}", exc.status, SERVICE) from None
        return answer


def connect(
    handle: str,
    app_password: str,
    base_url: str,
    policy: HttpPolicy = DEFAULT_POLICY,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BlueskyClient:
    """A client for the XRPC root ``base_url`` (a PDS such as https://bsky.social/xrpc),
    signing in as ``handle`` on its first call."""
    session = BlueskySession(handle, app_password)
    hooks = ApiHooks(auth=session, quota=QUOTA, expired=token_expired)
    api = JsonApi(SERVICE, base_url, hooks, policy, http, sleep)
    session.bind(api)
    return BlueskyClient(api, session)
