"""A fake X API v2 search (``/2/tweets/search/recent`` and ``/all``) on 127.0.0.1.

It serves deterministic synthetic posts per (query, UTC day), shaped like the real answers:

* ``data`` newest first, only the fields asked for in ``tweet.fields`` (``id``, ``text`` and
  ``edit_history_tweet_ids`` always), snowflake ids that encode ``created_at``,
  ``public_metrics``, ``entities.cashtags``, ``referenced_tweets`` on replies and quotes,
  ``note_tweet`` on long posts (``text`` then holds the first 280 characters only);
* ``includes.users`` (``expansions=author_id``) without the suspended author, whose posts
  come with the 200-and-``errors`` partial-error shape instead;
* ``meta`` with ``result_count``, ``newest_id``, ``oldest_id`` and ``next_token`` pages;
* ``start_time`` (inclusive) / ``end_time`` (exclusive) windows, ``since_id`` (which wins
  over ``start_time``, as on X), ``max_results`` ranges, and X's 400s for a recent-search
  ``start_time`` older than 7 days or an ``end_time`` less than 10 seconds old;
* bearer tokens (401 in X's shape, echoing the token as some APIs do, to test redaction),
  plans (full archive on Basic → 403 ``client-not-enrolled``), ``x-rate-limit-*`` headers
  on every answer (``exhaust_after``: the answer that spends the window);
* with ``broken=True``, every (query, day) also has a post without ``created_at``, one
  without ``text``, one with negative likes, and an item that is not an object.

Faults (429 with ``x-rate-limit-*`` headers, 500, 503, invalid JSON, truncated, reset,
expired) come from ``FakeApi``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fake_api import Answer, FakeApi, Request

TWITTER_EPOCH_MS = 1_288_834_974_657
BROKEN_KINDS = ("no-created-at", "no-text", "negative-likes", "not-an-object")
SUSPENDED_USER = 13  # index of the author X no longer serves
USERS = 25
PHRASES = (
    "looks strong today",
    "is dumping hard, careful",
    "breakout incoming?",
    "sideways again, boring",
    "best risk/reward this month",
    "I am out, too volatile",
    "accumulating slowly",
    "funding rates look crazy",
)


def _h(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def snowflake(created: datetime, salt: int) -> str:
    ms = int(created.timestamp() * 1000)
    return str(((ms - TWITTER_EPOCH_MS) << 22) | (salt & 0x3FFFFF))


def x_time(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class FakeTweet:
    id: str
    created: datetime
    author: int
    kind: str  # "ok" or one of BROKEN_KINDS
    full: dict[str, Any]  # every field X can send


def default_posts_per_day(query: str, day: date) -> int:
    return 30 + _h(query, day) % 150


class FakeX(FakeApi):
    """Start with ``with FakeX(...) as fake:``; ``fake.base_url`` is the API root (``/2``)."""

    def __init__(
        self,
        tokens: tuple[str, ...] = (),
        plan: str = "basic",
        posts_per_day: Callable[[str, date], int] = default_posts_per_day,
        broken: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reset_in: float = 1.0,
        exhaust_after: int | None = None,
        echo_token: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tokens = set(tokens)
        self.plan = plan
        self.posts_per_day = posts_per_day
        self.broken = broken
        self.clock = clock
        self.reset_in = reset_in
        self.exhaust_after = exhaust_after
        self.echo_token = echo_token
        self._days: dict[tuple[str, date], list[FakeTweet]] = {}
        self._served = 0

    def __enter__(self) -> FakeX:
        self.start()
        return self

    @property
    def base_url(self) -> str:
        return self.url + "/2"

    # ---- the synthetic posts ----------------------------------------------------------------
    def day_posts(self, query: str, day: date) -> list[FakeTweet]:
        """Every post of ``query`` created on ``day`` (visible or not yet), newest first."""
        key = (query, day)
        if key not in self._days:
            self._days[key] = self._make_day(query, day)
        return self._days[key]

    def expected(self, query: str, day: date, kind: str | None = "ok") -> list[FakeTweet]:
        """The posts a search of the whole ``day`` returns now (``kind`` None: all kinds)."""
        cutoff = self.clock() - timedelta(seconds=30)
        return [
            t
            for t in self.day_posts(query, day)
            if t.created < cutoff and (kind is None or t.kind == kind)
        ]

    def _make_day(self, query: str, day: date) -> list[FakeTweet]:
        match = re.search(r"\$([A-Za-z]{2,6})", query)
        cashtag = match.group(1).upper() if match else None
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        n = self.posts_per_day(query, day)
        kinds = ["ok"] * n + (list(BROKEN_KINDS) if self.broken else [])
        tweets = []
        for i, kind in enumerate(kinds):
            seed = _h(query, day, i)
            created = start + timedelta(milliseconds=seed % 86_400_000)
            tweet_id = snowflake(created, seed >> 30)
            author = seed % USERS
            tweets.append(
                FakeTweet(
                    tweet_id,
                    created,
                    author,
                    kind,
                    self._full(tweet_id, created, author, seed, cashtag),
                )
            )
        return sorted(tweets, key=lambda t: int(t.id), reverse=True)

    @staticmethod
    def _full(
        tweet_id: str, created: datetime, author: int, seed: int, cashtag: str | None
    ) -> dict[str, Any]:
        tag = f"${cashtag}" if cashtag else "crypto"
        text = f"{tag} {PHRASES[seed % len(PHRASES)]} #{seed % 997}"
        full: dict[str, Any] = {
            "id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "created_at": x_time(created),
            "author_id": f"1300{author:03d}",
            "lang": "en" if seed % 9 else "und",
            "conversation_id": tweet_id,
            "public_metrics": {
                "retweet_count": seed % 17,
                "reply_count": seed % 5,
                "like_count": seed % 230,
                "quote_count": seed % 3,
                "bookmark_count": seed % 4,
                "impression_count": seed % 5000,
            },
        }
        if cashtag:
            full["entities"] = {"cashtags": [{"start": 0, "end": len(tag), "tag": cashtag}]}
        if seed % 7 == 0:
            ref = snowflake(created - timedelta(minutes=5), seed >> 8)
            full["referenced_tweets"] = [
                {"type": "replied_to" if seed % 2 else "quoted", "id": ref}
            ]
            full["conversation_id"] = ref
        if seed % 11 == 0:  # a long post: the full text is in note_tweet
            long_text = text + " " + "thread follows with charts and more. " * 9
            full["note_tweet"] = {"text": long_text}
            text = long_text[:279] + "…"
        full["text"] = text
        return full

    def user(self, author: int) -> dict[str, str]:
        return {
            "id": f"1300{author:03d}",
            "username": f"trader_{author}",
            "name": f"Trader {author}",
        }

    # ---- faults' shapes ---------------------------------------------------------------------
    def rate_limit_headers(self) -> dict[str, str]:
        reset = int(time.time() + self.reset_in)
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        }

    def expired_response(self) -> Answer:
        return Answer(
            401,
            {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
        )

    # ---- serving ----------------------------------------------------------------------------
    def route(self, request: Request) -> Answer:
        endpoint = request.path.removeprefix("/2/tweets/search/")
        if request.path.startswith("/2/tweets/search/") and endpoint in ("recent", "all"):
            refusal = self._refuse(request, endpoint)
            if refusal is not None:
                return refusal
            answer = self._search(request.params, endpoint)
            answer.headers.update(self._quota_headers())
            return answer
        return Answer(404, {"title": "Not Found Error", "detail": f"no route {request.path}"})

    def _refuse(self, request: Request, endpoint: str) -> Answer | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        if token not in self.tokens:
            detail = f"Invalid or revoked token {token!r}" if self.echo_token else "Unauthorized"
            return Answer(
                401,
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": detail},
            )
        if endpoint == "all" and self.plan not in ("pro", "enterprise"):
            return Answer(
                403,
                {
                    "client_id": "29461837",
                    "detail": "You currently have access to a subset of X API V2 endpoints and "
                    "limited v1.1 endpoints (e.g. media post, oauth) only. If you need access "
                    "to this endpoint, you may need a different access level. You can learn "
                    "more here: https://developer.x.com/en/portal/product",
                    "registration_url": "https://developer.x.com/en/portal/product",
                    "title": "Client Forbidden",
                    "required_enrollment": "Appropriate Level of API Access",
                    "reason": "client-not-enrolled",
                    "type": "https://api.twitter.com/2/problems/client-forbidden",
                },
            )
        return None

    def _quota_headers(self) -> dict[str, str]:
        with self._lock:
            self._served += 1
            spent = self.exhaust_after is not None and self._served == self.exhaust_after
        reset = int(time.time() + self.reset_in)
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0" if spent else str(max(1, 450 - self._served)),
            "x-rate-limit-reset": str(reset),
        }

    def _search(self, params: dict[str, str], endpoint: str) -> Answer:
        now = self.clock()
        query = params.get("query", "")
        if not query:
            return _invalid("query", "", "The `query` query parameter can not be empty")
        top = 100 if endpoint == "recent" else 500
        try:
            max_results = int(params.get("max_results", "10"))
        except ValueError:
            max_results = -1
        if not 10 <= max_results <= top:
            return _invalid(
                "max_results",
                params.get("max_results", ""),
                f"The `max_results` query parameter value [{params.get('max_results')}] "
                f"is not between 10 and {top}",
            )
        try:
            start = _parse_time(params["start_time"]) if "start_time" in params else None
            end = (
                _parse_time(params["end_time"])
                if "end_time" in params
                else now - timedelta(seconds=30)
            )
        except ValueError:
            return _invalid("start_time", "", "Invalid time format")
        since = int(params["since_id"]) if params.get("since_id", "").isdigit() else None
        if since is not None:
            start = None  # X: with since_id, start_time is not used
        if end > now - timedelta(seconds=10):
            return _invalid(
                "end_time",
                params.get("end_time", ""),
                "Invalid 'end_time'. 'end_time' must be a minimum of 10 seconds prior to the "
                "request time.",
            )
        oldest = now - timedelta(days=7)
        if endpoint == "recent" and start is not None and start < oldest:
            return _invalid(
                "start_time",
                params["start_time"],
                f"Invalid 'start_time':'{params['start_time']}'. 'start_time' must be on or "
                f"after {x_time(oldest)}",
            )
        if start is not None and start >= end:
            return _invalid(
                "end_time",
                params.get("end_time", ""),
                "Invalid 'end_time'. 'end_time' must be after 'start_time'.",
            )
        lo = start or (
            datetime.fromtimestamp(((since >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)
            if since
            else oldest
        )
        matching: list[FakeTweet] = []
        day = lo.date()
        while day <= end.date():
            for t in self.day_posts(query, day):
                if (
                    (start is None or t.created >= start)
                    and t.created < end
                    and (since is None or int(t.id) > since)
                ):
                    matching.append(t)
            day += timedelta(days=1)
        matching.sort(key=lambda t: int(t.id), reverse=True)

        window = json.dumps(
            [query, params.get("start_time"), params.get("end_time"), params.get("since_id")]
        )
        offset = 0
        if params.get("next_token"):
            try:
                decoded = json.loads(base64.urlsafe_b64decode(params["next_token"]))
                assert decoded["w"] == window
                offset = int(decoded["o"])
            except Exception:
                return _invalid("next_token", params["next_token"], "Invalid 'next_token'")
        page = matching[offset : offset + max_results]
        if not page:
            return Answer(200, {"meta": {"result_count": 0}})
        fields = set(params.get("tweet.fields", "").split(",")) | {
            "id",
            "text",
            "edit_history_tweet_ids",
        }
        data: list[Any] = [self._shown(t, fields) for t in page]
        body: dict[str, Any] = {"data": data}
        if "author_id" in params.get("expansions", "").split(","):
            authors = sorted({t.author for t in page})
            body["includes"] = {"users": [self.user(a) for a in authors if a != SUSPENDED_USER]}
            if SUSPENDED_USER in authors:
                missing = self.user(SUSPENDED_USER)["id"]
                body["errors"] = [
                    {
                        "value": missing,
                        "detail": f"Could not find user with id: [{missing}].",
                        "title": "Not Found Error",
                        "resource_type": "user",
                        "parameter": "author_id",
                        "resource_id": missing,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                ]
        meta: dict[str, Any] = {
            "newest_id": page[0].id,
            "oldest_id": page[-1].id,
            "result_count": len(page),
        }
        if offset + max_results < len(matching):
            token = json.dumps({"o": offset + max_results, "w": window})
            meta["next_token"] = base64.urlsafe_b64encode(token.encode()).decode()
        body["meta"] = meta
        return Answer(200, body)

    @staticmethod
    def _shown(tweet: FakeTweet, fields: set[str]) -> Any:
        if tweet.kind == "not-an-object":
            return f"<post {tweet.id} could not be rendered>"
        shown = {k: v for k, v in tweet.full.items() if k in fields}
        if tweet.kind == "no-created-at":
            shown.pop("created_at", None)
        elif tweet.kind == "no-text":
            shown.pop("text", None)
            shown.pop("note_tweet", None)
        elif tweet.kind == "negative-likes" and "public_metrics" in shown:
            shown["public_metrics"] = {**shown["public_metrics"], "like_count": -3}
        return shown


def _invalid(parameter: str, value: str, message: str) -> Answer:
    return Answer(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )
