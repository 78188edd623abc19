"""A fake Bluesky XRPC API on 127.0.0.1 (a PDS proxying the AppView, as bsky.social does).

It serves, under ``/xrpc``:

* ``com.atproto.server.createSession``: the handle and app password → an access and a
  refresh token (JWT-shaped); anything else → 401 ``AuthenticationRequired`` "Invalid
  identifier or password";
* ``com.atproto.server.refreshSession``: the refresh token (as bearer) → new tokens, the old
  refresh token revoked; an expired or unknown one → 400 ``ExpiredToken``;
* ``app.bsky.feed.searchPosts``: a valid access token required (none → 401 ``AuthMissing``,
  expired → 400 ``ExpiredToken``, unknown → 400 ``InvalidToken``); ``q``, ``since``
  (inclusive), ``until`` (exclusive, both on the post's sortAt = the earlier of createdAt
  and indexedAt), ``sort=latest`` (newest first), ``limit`` ≤ 100 and an opaque ``cursor``;
  answers ``{"posts": [...], "hitsTotal": n, "cursor": "..."}`` (no cursor on the last page),
  with ``ratelimit-*`` headers on every answer.

The corpus is deterministic: per search term and UTC day of ``first_day..last_day`` a seeded
number of realistic post views (0 to ~260, so several pages), plus, on the second day of
every term, malformed ones: no text, no uri, an unreadable and a future createdAt, and a
null entry; on the first day, a post whose client clock runs fast (indexed at 23:59:50,
"created" the next day). ``expected`` (and ``MALFORMED_REASONS``) say what a correct
client lands (and quarantines). Posts indexed after ``now`` (if set) are not served yet.
Faults come from ``FakeApi``.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fake_api import Answer, FakeApi, Request

HANDLE = "pulse-tester.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"  # the shape of a real app password
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
TERMS = ("bitcoin", "ethereum", "solana")
FIRST_DAY = date(2024, 6, 1)
LAST_DAY = date(2024, 6, 5)  # exclusive
_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_TEXTS = (
    "{Name} just broke through resistance again, this cycle feels different",
    "Still not selling my {name}. Long term or nothing. #crypto",
    "Anyone else think {name} fees are getting out of hand?",
    "Bought a little more {name} on the dip today 📉➡️📈",
    "{Name} ETF flows were huge this week. Thread 🧵",
    "The {name} community on here is so much nicer than on the other site",
    "Hot take: {name} is overvalued at these levels",
    "Reading the {name} whitepaper again, it holds up",
)
_LANGS: tuple[list[str] | None, ...] = (["en"], ["en"], ["en"], ["ja"], ["de", "en"], [], None)
MALFORMED_REASONS = {
    "missing text": 1,
    "missing post_id": 1,
    "unparseable created_at": 1,
    "created_at in the future": 1,
    "unreadable post": 1,
}


def iso_z(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Post:
    view: Any  # what the API serves (a dict, or None for the null entry)
    term: str
    indexed_at: datetime
    sort_at: datetime
    valid: bool  # lands in raw/ (else it is quarantined)

    @property
    def uri(self) -> str | None:
        return self.view.get("uri") if isinstance(self.view, dict) else None


class FakeBluesky(FakeApi):
    """The fake; ``url`` + ``/xrpc`` is its XRPC root."""

    spare_paths = ("com.atproto.server",)  # random faults hit searches only

    def __init__(
        self,
        handle: str = HANDLE,
        app_password: str = APP_PASSWORD,
        terms: tuple[str, ...] = TERMS,
        first_day: date = FIRST_DAY,
        last_day: date = LAST_DAY,
        now: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.handle = handle
        self.app_password = app_password
        self.now = now
        self.days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days)]
        self.corpus: list[Post] = [p for t in terms for d in self.days for p in self._posts(t, d)]
        self.access: dict[str, bool] = {}  # access token -> still valid
        self.refresh_tokens: dict[str, bool] = {}
        self.issued: list[str] = []  # every token handed out (for leak checks)
        self._serial = itertools.count(1)
        self._remaining = 3000

    # ---- the corpus ---------------------------------------------------------------------------
    def _posts(self, term: str, day: date) -> list[Post]:
        rng = random.Random(f"{term}|{day.isoformat()}")
        count = 0 if (term, day.day % 4) == ("solana", 3) else rng.randint(30, 260)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        posts = []
        for i in range(count):
            indexed = midnight + timedelta(seconds=rng.randint(0, 86_399), milliseconds=i % 997)
            created = indexed - timedelta(seconds=rng.randint(0, 90))
            if created < midnight:  # keep sortAt (min of the two) inside the day
                created = indexed
            author = f"did:plc:{''.join(rng.choice(_B32) for _ in range(24))}"
            handle = f"{term[:3]}fan{rng.randint(1, 999)}.bsky.social"
            if i % 50 == 17:
                handle = "handle.invalid"
            rkey = "3k" + "".join(rng.choice(_B32) for _ in range(11))
            name = term
            view: dict[str, Any] = {
                "uri": f"at://{author}/app.bsky.feed.post/{rkey}",
                "cid": "bafyrei" + "".join(rng.choice(_B32) for _ in range(52)),
                "author": {
                    "did": author,
                    "handle": handle,
                    "displayName": f"{name.title()} fan #{i}",
                    "avatar": f"https://cdn.bsky.app/img/avatar/plain/{author}/bafkrei@jpeg",
                    "labels": [],
                    "createdAt": "2023-05-01T10:00:00.000Z",
                },
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": iso_z(created),
                    "text": rng.choice(_TEXTS).format(name=name, Name=name.title()),
                },
                "replyCount": rng.randint(0, 20),
                "repostCount": rng.randint(0, 50),
                "likeCount": rng.randint(0, 400),
                "quoteCount": rng.randint(0, 5),
                "indexedAt": iso_z(indexed),
                "labels": [],
                "viewer": {"threadMuted": False, "embeddingDisabled": False},
            }
            langs = rng.choice(_LANGS)
            if langs is not None:
                view["record"]["langs"] = langs
            posts.append(Post(view, term, indexed, min(created, indexed), True))
        if day == self.days[0] and count:  # a fast client clock: created "tomorrow"
            skewed = dict(posts[0].view, uri=posts[0].view["uri"][:-2] + "zz")
            indexed = midnight + timedelta(days=1, seconds=-10)
            skewed["indexedAt"] = iso_z(indexed)
            skewed["record"] = dict(
                skewed["record"], createdAt=iso_z(indexed + timedelta(seconds=40))
            )
            posts.append(Post(skewed, term, indexed, indexed, True))
        if day == self.days[min(1, len(self.days) - 1)] and count:
            posts.extend(self._malformed(term, day, rng))
        return posts

    def _malformed(self, term: str, day: date, rng: random.Random) -> list[Post]:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        out = []
        for n, kind in enumerate(("no-text", "no-uri", "bad-date", "future", "null")):
            indexed = midnight + timedelta(hours=3 + 4 * n, minutes=rng.randint(0, 59))
            rkey = f"3kbad{kind.replace('-', '')[:6]}{n}"
            view: Any = {
                "uri": f"at://{DID}/app.bsky.feed.post/{rkey}{term[:2]}",
                "cid": "bafyreibad",
                "author": {"did": DID, "handle": "odd.bsky.social"},
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": iso_z(indexed),
                    "text": f"{term} odd record {kind}",
                },
                "likeCount": 1,
                "indexedAt": iso_z(indexed),
            }
            if kind == "no-text":
                del view["record"]["text"]
            elif kind == "no-uri":
                del view["uri"]
            elif kind == "bad-date":
                view["record"]["createdAt"] = "Tuesday 4pm"
            elif kind == "future":
                view["record"]["createdAt"] = "2099-01-01T00:00:00.000Z"
            elif kind == "null":
                view = None
            out.append(Post(view, term, indexed, indexed, False))
        return out

    def visible(self, post: Post) -> bool:
        return self.now is None or post.indexed_at <= self.now

    def matching(self, term: str, since: datetime, until: datetime) -> list[Post]:
        found = [
            p
            for p in self.corpus
            if p.term == term and since <= p.sort_at < until and self.visible(p)
        ]
        return sorted(found, key=lambda p: p.sort_at, reverse=True)

    def expected(self, terms: tuple[str, ...] | list[str], days: list[date]) -> set[str]:
        """Uris of the posts a correct client lands for ``terms`` on ``days``."""
        return {
            p.uri
            for p in self.corpus
            if p.valid
            and p.term in terms
            and p.sort_at.date() in days
            and self.visible(p)
            and p.uri
        }

    def expected_count(self, terms: tuple[str, ...] | list[str], days: list[date]) -> int:
        return sum(
            1
            for p in self.corpus
            if p.term in terms and p.sort_at.date() in days and self.visible(p)
        )

    # ---- tokens -------------------------------------------------------------------------------
    def _issue(self) -> dict[str, Any]:
        n = next(self._serial)
        access = f"eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.ZmFrZS1hY2Nlc3MtJ{n:04d}.c2lnYWNj{n}"
        refresh = (
            f"eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkVTMjU2SyJ9.ZmFrZS1yZWZyZXNo{n:04d}.c2lncmY{n}"
        )
        self.access[access] = True
        self.refresh_tokens[refresh] = True
        self.issued += [access, refresh]
        return {
            "did": DID,
            "handle": self.handle,
            "email": "tester@example.com",
            "emailConfirmed": True,
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
        }

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self.access:
                self.access[token] = False

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            for token in self.refresh_tokens:
                self.refresh_tokens[token] = False

    def calls(self, endpoint: str) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/" + endpoint)]

    # ---- serving ------------------------------------------------------------------------------
    def rate_limit_headers(self) -> dict[str, str]:
        return {
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(time.time()) + 30),
            "ratelimit-policy": "3000;w=300",
        }

    def expired_response(self) -> Answer:
        return Answer(400, {"error": "ExpiredToken", "message": "Token has expired"})

    def route(self, request: Request) -> Answer:
        with self._lock:
            answer = self._route(request)
            self._remaining = max(1, self._remaining - 1)
            answer.headers.update(
                {
                    "ratelimit-limit": "3000",
                    "ratelimit-remaining": str(self._remaining),
                    "ratelimit-reset": str(int(time.time()) + 300),
                    "ratelimit-policy": "3000;w=300",
                }
            )
            return answer

    def _route(self, request: Request) -> Answer:
        endpoint = request.path.rsplit("/", 1)[-1]
        if not request.path.startswith("/xrpc/"):
            return Answer(404, {"error": "NotFound", "message": "Not Found"})
        if endpoint == "com.atproto.server.createSession" and request.method == "POST":
            body = request.json() or {}
            identifier = str(body.get("identifier", "")).removeprefix("@")
            if identifier in (self.handle, DID) and body.get("password") == self.app_password:
                return Answer(200, self._issue())
            return Answer(
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            )
        if endpoint == "com.atproto.server.refreshSession" and request.method == "POST":
            token = _bearer(request)
            if token and self.refresh_tokens.get(token):
                self.refresh_tokens[token] = False  # refresh tokens rotate
                return Answer(200, self._issue())
            return Answer(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if endpoint == "app.bsky.feed.searchPosts" and request.method == "GET":
            token = _bearer(request)
            if not token:
                return Answer(401, {"error": "AuthMissing", "message": "Authentication Required"})
            if token not in self.access:
                return Answer(
                    400, {"error": "InvalidToken", "message": "Token could not be verified"}
                )
            if not self.access[token]:
                return Answer(400, {"error": "ExpiredToken", "message": "Token has expired"})
            return self._search(request.params)
        return Answer(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def _search(self, params: dict[str, str]) -> Answer:
        try:
            limit = int(params.get("limit", "25"))
            offset = int(params.get("cursor", "0") or 0)
        except ValueError:
            return Answer(400, {"error": "InvalidRequest", "message": "bad limit or cursor"})
        if not 1 <= limit <= 100:
            return Answer(400, {"error": "InvalidRequest", "message": "limit must be <= 100"})
        since = _parse(params.get("since", "1970-01-01T00:00:00Z"))
        until = _parse(params.get("until", "2999-01-01T00:00:00Z"))
        if since is None or until is None or "q" not in params:
            return Answer(400, {"error": "InvalidRequest", "message": "bad q, since or until"})
        found = self.matching(params["q"], since, until)
        if params.get("sort", "top") != "latest":
            found = sorted(found, key=lambda p: p.view["likeCount"] if p.view else 0)
        page = found[offset : offset + limit]
        payload: dict[str, Any] = {"posts": [p.view for p in page], "hitsTotal": len(found)}
        if offset + limit < len(found):
            payload["cursor"] = str(offset + limit)
        return Answer(200, payload)


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    return value.removeprefix("Bearer ").strip() or None if value.startswith("Bearer ") else None
