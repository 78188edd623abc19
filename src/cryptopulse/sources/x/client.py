"""A small client for X API v2 search (recent or full-archive), over ``sources.http.JsonApi``.

``JsonApi`` does the retries (429, 5xx, timeouts, resets, invalid JSON), waits for the
``x-rate-limit-reset`` time once ``x-rate-limit-remaining`` reaches 0, and redacts the
token from every message. This module adds what is X's own: the search parameters, the
one-request-per-second pace of full-archive search, the answer's shape (``data``,
``includes.users``, ``meta``, and the ``errors`` a 200 may carry), and refusals worded
as what to change (which setting, which plan).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from cryptopulse.sources.http import (
    ApiClient,
    ApiHooks,
    AuthError,
    HttpPolicy,
    JsonApi,
    PlanLimitError,
    QuotaHeaders,
    RateLimitedError,
)

SERVICE = "X API"
TOKEN_ENV = "CRYPTOPULSE_X_BEARER_TOKEN"
ENDPOINTS = {"recent": "/tweets/search/recent", "all": "/tweets/search/all"}
MAX_RESULTS = {"recent": 100, "all": 500}  # the largest page each endpoint serves
# Full-archive search allows one request per second on top of its 15-minute window.
MIN_INTERVAL_SECONDS = {"recent": 0.0, "all": 1.0}
TWEET_FIELDS = (
    "created_at,author_id,lang,public_metrics,conversation_id,referenced_tweets,entities,"
    "note_tweet"  # the full text of posts longer than 280 characters
)
X_QUOTA = QuotaHeaders(remaining="x-rate-limit-remaining", reset="x-rate-limit-reset")
DEFAULT_POLICY = HttpPolicy(timeout_seconds=15.0, max_retries=5)

TOKEN_HINT = (
    f"The bearer token is invalid, revoked or expired (bearer tokens cannot be refreshed): "
    f"set {TOKEN_ENV} to your app's current bearer token (X developer portal → Projects & "
    f"Apps → your app → Keys and tokens)"
)
QUOTA_HINT = (
    "X limits searches per 15 minutes and, on Basic, posts read per month: run again after "
    "the reset, or lower CRYPTOPULSE_X_MAX_PAGES or the number of queries"
)


class PlanError(AuthError, PlanLimitError):
    """The token's plan does not include this endpoint (HTTP 403, client-not-enrolled): a
    refusal of these credentials and a plan limit both."""


class BearerAuth:
    """An app-only bearer token: sent as ``Authorization: Bearer …``, never refreshed."""

    def __init__(self, token: str) -> None:
        self._token = token

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._token}"}

    def refresh(self) -> bool:
        return False  # an app bearer token does not expire; a new one comes from the portal

    def secrets(self) -> list[str]:
        return [self._token]

    def __repr__(self) -> str:
        return "BearerAuth(***)"


@dataclass(frozen=True)
class SearchPage:
    """One page of search results, as X sent it."""

    tweets: list[Any]  # the ``data`` items (objects, unless the answer is broken)
    users: dict[str, dict[str, Any]]  # ``includes.users`` by id
    next_token: str | None
    errors: list[Any] = field(default_factory=list)  # partial errors of a 200 answer


def rfc3339(moment: datetime) -> str:
    """``2025-01-02T00:00:00Z``: the timestamp form X expects (second granularity, UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def x_error_message(body: Any) -> str:
    """The useful part of an X error body (problem details, or a 400's ``errors``)."""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message") or errors[0].get("detail")
        if isinstance(message, str) and message:
            return message
    title, detail, reason = body.get("title"), body.get("detail"), body.get("reason")
    head = " ".join(str(v) for v in (title, f"({reason})" if reason else None) if v)
    if isinstance(detail, str) and detail and detail != title:
        return f"{head}: {detail}" if head else detail
    return head


class XClient(ApiClient):
    """Search posts with an app bearer token on the ``recent`` or ``all`` endpoint."""

    def __init__(
        self,
        token: str,
        base_url: str,
        search: str = "recent",
        policy: HttpPolicy = DEFAULT_POLICY,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if search not in ENDPOINTS:
            raise ValueError(f"CRYPTOPULSE_X_SEARCH: accepted: recent, all (got {search!r})")
        self.search_kind = search
        self.path = ENDPOINTS[search]
        self.max_results = MAX_RESULTS[search]
        self._min_interval = MIN_INTERVAL_SECONDS[search]
        self._sleep = sleep
        self._clock = clock
        self._last_call: float | None = None
        hooks = ApiHooks(auth=BearerAuth(token), quota=X_QUOTA, error_message=x_error_message)
        self.api = JsonApi(SERVICE, base_url, hooks, policy, http, sleep)

    def search(
        self,
        query: str,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        since_id: str | None = None,
        next_token: str | None = None,
    ) -> SearchPage:
        """One page of posts matching ``query`` (newest first).

        X uses ``since_id`` instead of ``start_time`` when both are given, so callers send
        one of them.
        """
        params: dict[str, Any] = {
            "query": query,
            "max_results": self.max_results,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name",
        }
        if start_time is not None:
            params["start_time"] = rfc3339(start_time)
        if end_time is not None:
            params["end_time"] = rfc3339(end_time)
        if since_id is not None:
            params["since_id"] = since_id
        if next_token is not None:
            params["next_token"] = next_token
        self._pace()
        try:
            body = self.api.get(self.path, params)
        except AuthError as exc:
            if exc.status == 403:
                raise PlanError(self._plan_message(exc), 403, SERVICE) from None
            raise AuthError(f"{exc}. {TOKEN_HINT}", exc.status, SERVICE) from None
        except RateLimitedError as exc:
            raise RateLimitedError(f"{exc}. {QUOTA_HINT}", 429, SERVICE) from None
        finally:
            self._last_call = self._clock()
        return parse_page(body)

    def _pace(self) -> None:
        if self._last_call is None or self._min_interval <= 0:
            return
        wait = self._last_call + self._min_interval - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _plan_message(self, exc: AuthError) -> str:
        if self.search_kind == "all":
            return (
                f"{exc}. Full-archive search (CRYPTOPULSE_X_SEARCH=all) needs the Pro or "
                f"Enterprise plan: set CRYPTOPULSE_X_SEARCH=recent to search the last 7 days"
            )
        return (
            f"{exc}. This token's plan has no access to recent search (it needs the Basic "
            f"plan or higher): check the app's plan in the X developer portal"
        )


def parse_page(body: dict[str, Any]) -> SearchPage:
    """A search answer as a page; missing parts are empty, never an error."""
    data = body.get("data")
    tweets: list[Any] = data if isinstance(data, list) else ([] if data is None else [data])
    includes = body.get("includes")
    users: dict[str, dict[str, Any]] = {}
    if isinstance(includes, dict) and isinstance(includes.get("users"), list):
        for user in includes["users"]:
            if isinstance(user, dict) and user.get("id") is not None:
                users[str(user["id"])] = user
    meta = body.get("meta")
    token = meta.get("next_token") if isinstance(meta, dict) else None
    errors = body.get("errors")
    return SearchPage(
        tweets=tweets,
        users=users,
        next_token=str(token) if token else None,
        errors=errors if isinstance(errors, list) else [],
    )
