"""Reddit listings over the OAuth API: ``/r/<sub>/new`` (posts) and ``/r/<sub>/comments``.

A listing is newest first, 100 things per page at most, paged with ``after`` (the fullname
of the page's last thing); Reddit serves only about the newest 1000 things of a listing.
Every call goes through one ``JsonApi`` (retries, ``X-Ratelimit-*`` quota, token refresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from cryptopulse.sources.http import ApiError, JsonApi

PAGE_SIZE = 100  # the most Reddit serves per listing page
# The listing path of each kind of thing collected.
LISTINGS = {"posts": "new", "comments": "comments"}
KIND_OF = {"posts": "t3", "comments": "t1"}


@dataclass(frozen=True)
class Page:
    """One page of a listing: its things (``{"kind", "data"}``, unchecked) and the
    fullname to ask for the next page with (None at the end of the listing)."""

    children: list[Any]
    after: str | None


class RedditClient:
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

    def __repr__(self) -> str:
        return f"RedditClient({self.api!r})"

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
            raise ApiError(f"Reddit API {path}: the answer is not a Listing (keys: {shape})")
        next_after = data.get("after")
        return Page(children, next_after if isinstance(next_after, str) and next_after else None)
