"""A fake Reddit (OAuth token endpoint and subreddit listings) on 127.0.0.1, for the tests.

* ``POST /api/v1/access_token``: HTTP basic auth with the app's id and secret (401
  ``{"message": "Unauthorized", "error": 401}`` when wrong); ``client_credentials``, or
  ``password`` with the account's username and password (a wrong one gets HTTP 200
  ``{"error": "invalid_grant"}``, as Reddit answers); tokens ``{"access_token",
  "token_type": "bearer", "expires_in", "scope"}``.
* ``GET /r/<sub>/new`` (posts, t3) and ``/r/<sub>/comments`` (comments, t1): Listings
  newest first, ``limit`` (at most 100) and ``after`` (a fullname), at most ``listing_cap``
  things reachable (Reddit's ~1000); a bearer token issued and not expired is required
  (401 otherwise), so is a User-Agent. Answers carry ``X-Ratelimit-Used/-Remaining/-Reset``
  (``quota`` calls per window; 0 remaining on the last one). 403 for a private subreddit,
  404 for an unknown one.
* Faults from ``FakeApi`` (429 with ``X-Ratelimit-*`` and no Retry-After, 500, 503,
  invalid JSON, truncated, reset, expired: a 401 that also expires every token issued).

The data: for each subreddit, posts and comments over ``days`` UTC days from ``first_day``,
spread over each day, plus one thing at 00:00:00 and one at 23:59:59 of every day, and in
the first subreddit a few odd things (``specials``: fullname or marker -> what is odd).
"""

from __future__ import annotations

import base64
import random
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fake_api import Answer, FakeApi, Request

DAY = 86_400
_LISTING = re.compile(r"^/r/([A-Za-z0-9_]+)/(new|comments)/?$")
KIND = {"new": "t3", "comments": "t1"}


@dataclass(frozen=True)
class Special:
    """An odd thing planted in the data, and what should happen to it."""

    key: str  # its fullname, or a marker when it has none
    day: date  # the day it belongs to
    quarantine: str | None  # the reason kind it is quarantined with; None: it lands


def epoch(day: date, seconds: float = 0.0) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + seconds


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


class FakeReddit(FakeApi):
    def __init__(
        self,
        subreddits: tuple[str, ...] = ("Bitcoin", "ethereum"),
        first_day: date = date(2024, 6, 1),
        days: int = 4,
        posts_per_day: int = 24,
        comments_per_day: int = 60,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret-s3cr3t",
        username: str | None = None,
        password: str | None = None,
        expires_in: int = 86_400,
        listing_cap: int = 1000,
        quota: int = 1000,
        quota_reset: int = 300,
        private: tuple[str, ...] = (),
        fault_rate: float = 0.0,
        seed: int = 7,
        data_seed: int = 1,
    ) -> None:
        super().__init__(fault_rate=fault_rate, seed=seed)
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.expires_in = expires_in
        self.listing_cap = listing_cap
        self.quota = quota
        self.quota_reset = quota_reset
        self.private = {p.lower() for p in private}
        self.first_day = first_day
        self.days = days
        self.tokens_issued: list[str] = []
        self.specials: list[Special] = []
        self._valid: set[str] = set()
        self._used = 0
        self._state = threading.Lock()
        self._ids = 1000
        self._rng = random.Random(data_seed)  # the data; ``seed`` draws the random faults
        # (subreddit lower, "t3" | "t1") -> things newest first
        self.things: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.names = {s.lower(): s for s in subreddits}
        for i, sub in enumerate(subreddits):
            self.things[(sub.lower(), "t3")] = []
            self.things[(sub.lower(), "t1")] = []
            for d in range(days):
                day = first_day + timedelta(days=d)
                self.add_day(sub, day, posts_per_day, comments_per_day)
            if i == 0 and days >= 2:
                self._plant_specials(sub, first_day + timedelta(days=1))

    # ---- the data ---------------------------------------------------------------------------
    def _next_id(self) -> str:
        self._ids += 1
        return _b36(self._ids * 7919)

    def make_post(self, sub: str, created: float, **overrides: Any) -> dict[str, Any]:
        ident = self._next_id()
        data: dict[str, Any] = {
            "id": ident,
            "name": f"t3_{ident}",
            "subreddit": sub,
            "subreddit_name_prefixed": f"r/{sub}",
            "title": f"{sub} is moving: thoughts? #{ident}",
            "selftext": self._rng.choice(["", f"Long post about {sub} & fees <3 {ident}"]),
            "author": f"user_{self._rng.randrange(500)}",
            "created_utc": created,
            "created": created,  # Reddit's legacy local-time field, ignored
            "score": self._rng.randrange(0, 900),
            "ups": 0,
            "upvote_ratio": 0.9,
            "num_comments": self._rng.randrange(0, 300),
            "num_crossposts": self._rng.randrange(0, 3),
            "permalink": f"/r/{sub}/comments/{ident}/post_{ident}/",
            "url": f"https://www.reddit.com/r/{sub}/comments/{ident}/post_{ident}/",
            "over_18": False,
            "link_flair_text": "DISCUSSION",
        }
        data["ups"] = data["score"]
        data.update(overrides)
        return {"kind": "t3", "data": data}

    def make_comment(self, sub: str, created: float, **overrides: Any) -> dict[str, Any]:
        ident = self._next_id()
        link = self._next_id()
        data: dict[str, Any] = {
            "id": ident,
            "name": f"t1_{ident}",
            "subreddit": sub,
            "body": f"I think {sub} goes up from here {ident}",
            "author": f"user_{self._rng.randrange(500)}",
            "created_utc": created,
            "score": self._rng.randrange(-5, 200),
            "ups": 0,
            "link_id": f"t3_{link}",
            "parent_id": f"t3_{link}",
            "link_title": f"Daily discussion {link}",
            "permalink": f"/r/{sub}/comments/{link}/daily/{ident}/",
        }
        data["ups"] = data["score"]
        data.update(overrides)
        return {"kind": "t1", "data": data}

    def add_day(self, sub: str, day: date, posts: int, comments: int) -> None:
        """``posts`` and ``comments`` spread over ``day`` (one at 00:00:00, one at 23:59:59)."""
        for kind, n in (("t3", posts), ("t1", comments)):
            make = self.make_post if kind == "t3" else self.make_comment
            stamps = [epoch(day), epoch(day, DAY - 1)]
            stamps += [epoch(day, (i + 0.5) * DAY / n) for i in range(max(0, n - 2))]
            listing = self.things[(sub.lower(), kind)]
            with self._state:
                listing.extend(make(sub, float(int(ts))) for ts in stamps)
                listing.sort(key=lambda t: -sort_time(t))

    def add(self, thing: dict[str, Any], sub: str | None = None, kind: str | None = None) -> None:
        """Add a thing to its listing (its subreddit's, of its kind, unless given), kept
        newest first; a thing without a readable ``created_utc`` is listed at its
        ``_sort`` time (in its data, or beside it when it has no data object)."""
        sub = (sub or str(thing["data"]["subreddit"])).lower()
        listing = self.things[(sub, kind or thing["kind"])]
        with self._state:
            listing.append(thing)
            listing.sort(key=lambda t: -sort_time(t))

    def _plant_specials(self, sub: str, day: date) -> None:
        noon = epoch(day, 12 * 3600)
        gone = self.make_post(sub, noon + 11, author="[deleted]", selftext="[removed]")
        self.add(gone)
        self.specials.append(Special(gone["data"]["name"], day, None))
        removed = self.make_comment(sub, noon + 12, body="[removed]", author="[deleted]")
        self.add(removed)
        self.specials.append(Special(removed["data"]["name"], day, "removed on Reddit"))
        downvoted = self.make_comment(sub, noon + 13, score=-7, ups=-7)
        self.add(downvoted)
        self.specials.append(Special(downvoted["data"]["name"], day, None))
        blank = self.make_post(sub, noon + 14, title="", selftext="")
        self.add(blank)
        self.specials.append(Special(blank["data"]["name"], day, "missing text"))
        nameless = self.make_post(sub, noon + 15)
        del nameless["data"]["name"], nameless["data"]["id"]
        nameless["data"]["title"] = "nameless post"
        self.add(nameless)
        self.specials.append(Special("nameless post", day, "missing post_id"))
        timeless = self.make_comment(sub, noon + 16)
        timeless["data"]["_sort"] = noon + 16  # where the fake lists it
        del timeless["data"]["created_utc"]
        self.add(timeless)
        self.specials.append(Special(timeless["data"]["name"], day, "missing created_at"))

    def fullnames(self, sub: str, kind: str, days: list[date]) -> set[str]:
        """Fullnames of the things of ``kind`` ("t3"/"t1") created on ``days``."""
        wanted = {(epoch(d), epoch(d) + DAY) for d in days}
        out = set()
        for thing in self.things[(sub.lower(), kind)]:
            data = thing["data"]
            ts = sort_time(thing)
            if (
                isinstance(data, dict)
                and "name" in data
                and any(lo <= ts < hi for lo, hi in wanted)
            ):
                out.add(data["name"])
        return out

    def data_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.startswith("/r/")]

    def token_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/v1/access_token"]

    # ---- the API ----------------------------------------------------------------------------
    def rate_limit_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-used": str(self.quota),
            "x-ratelimit-remaining": "0.0",
            "x-ratelimit-reset": "3",
        }

    def expired_response(self) -> Answer:
        with self._state:
            self._valid.clear()  # the token ran out: every one issued so far is refused now
        return Answer(401, {"message": "Unauthorized", "error": 401})

    def route(self, request: Request) -> Answer:
        if request.path == "/api/v1/access_token" and request.method == "POST":
            return self._token(request)
        match = _LISTING.match(request.path)
        if match and request.method == "GET":
            return self._listing(request, match.group(1), KIND[match.group(2)])
        return Answer(404, {"message": "Not Found", "error": 404})

    def _token(self, request: Request) -> Answer:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        if request.headers.get("authorization") != "Basic " + base64.b64encode(pair).decode():
            return Answer(401, {"message": "Unauthorized", "error": 401})
        form = request.form()
        grant = form.get("grant_type")
        if grant == "password":
            if (form.get("username"), form.get("password")) != (self.username, self.password):
                return Answer(200, {"error": "invalid_grant"})
        elif grant != "client_credentials":
            return Answer(200, {"error": "unsupported_grant_type"})
        token = f"{len(self.tokens_issued) + 1}-{secrets.token_hex(12)}"
        with self._state:
            self.tokens_issued.append(token)
            self._valid.add(token)
        return Answer(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": "*",
            },
        )

    def _listing(self, request: Request, sub: str, kind: str) -> Answer:
        token = request.headers.get("authorization", "").removeprefix("bearer ")
        with self._state:
            known = token in self._valid
        if not known:
            return Answer(401, {"message": "Unauthorized", "error": 401})
        if not request.headers.get("user-agent"):
            return Answer(403, {"message": "Forbidden", "error": 403})
        headers = self._quota_headers()
        if sub.lower() in self.private:
            return Answer(403, {"reason": "private", "message": "Forbidden", "error": 403})
        if sub.lower() not in self.names:
            return Answer(404, {"message": "Not Found", "error": 404}, headers)
        with self._state:
            reachable = self.things[(sub.lower(), kind)][: self.listing_cap]
        keys = [_key(t, i) for i, t in enumerate(reachable)]
        limit = max(1, min(100, int(request.params.get("limit", "25"))))
        after = request.params.get("after")
        start = 0
        if after:
            start = keys.index(after) + 1 if after in keys else len(keys)
        children = reachable[start : start + limit]
        more = start + limit < len(reachable)
        listing = {
            "kind": "Listing",
            "data": {
                "after": keys[start + limit - 1] if more else None,
                "before": None,
                "dist": len(children),
                "modhash": "",
                "geo_filter": "",
                "children": [_public(t) for t in children],
            },
        }
        return Answer(200, listing, headers)

    def _quota_headers(self) -> dict[str, str]:
        with self._state:
            if self._used >= self.quota:  # the client waited for the reset: a new window
                self._used = 0
            self._used += 1
            used = self._used
        remaining = max(0, self.quota - used)
        return {
            "x-ratelimit-used": str(used),
            "x-ratelimit-remaining": f"{remaining:.1f}",
            "x-ratelimit-reset": str(self.quota_reset),
        }


def sort_time(thing: dict[str, Any]) -> float:
    """Where the fake lists a thing: its created_utc, else its ``_sort`` time."""
    data = thing.get("data")
    if isinstance(data, dict):
        ts = data.get("created_utc")
        return float(ts) if isinstance(ts, int | float) and ts < 1e11 else float(data["_sort"])
    return float(thing["_sort"])


def _key(thing: dict[str, Any], index: int) -> str:
    data = thing.get("data")
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else f"{thing['kind']}_nameless{index}"


def _public(thing: dict[str, Any]) -> dict[str, Any]:
    """The thing as served: without the fake's own bookkeeping fields."""
    data = thing.get("data")
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not k.startswith("_")}
    return {"kind": thing["kind"], "data": data}
