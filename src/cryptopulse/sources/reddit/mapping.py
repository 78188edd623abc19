"""Reddit things (``{"kind": "t3" | "t1", "data": {...}}``) as ``posts`` records.

Decisions (see docs/sources/reddit.md):

* ``post_id`` is the fullname (``t3_abc`` for a post, ``t1_def`` for a comment), unique
  across both kinds; ``text`` is the title, a blank line and the self text for a post, the
  body for a comment; ``language`` is None (Reddit does not say).
* ``likes`` is the score clamped at 0: a downvoted post is a real post, not a bad record
  (the true score stays in ``raw``); ``replies`` is ``num_comments`` and ``reposts``
  ``num_crossposts`` for posts (neither exists for comments); ``quotes`` is None.
* An author "[deleted]" (account gone) becomes None and the post is kept. A post whose self
  text was removed keeps its title as text. A comment whose body is "[removed]" or
  "[deleted]" has no text left: it is quarantined with the reason "removed on Reddit".
* Anything else missing or malformed is passed on as it came, for the lake to quarantine
  with its reason (missing text, unparseable created_at, ...): never dropped here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptopulse.core.batch import Reject
from cryptopulse.sources.social import raw_json

SOURCE = "reddit"
SITE = "https://www.reddit.com"
DELETED_AUTHOR = "[deleted]"
GONE_TEXTS = frozenset({"[removed]", "[deleted]"})
# created_utc beyond this is not epoch seconds (milliseconds, garbage): left for the lake
# to quarantine as unparseable.
_MAX_EPOCH = 1e11


def thing_data(thing: Any) -> Mapping[str, Any] | None:
    """The ``data`` object of a listing child, if it has one."""
    if isinstance(thing, Mapping) and isinstance(thing.get("data"), Mapping):
        return thing["data"]
    return None


def created_utc(thing: Any) -> float | None:
    """A thing's creation time in epoch seconds, None if missing or unreadable."""
    data = thing_data(thing)
    value = data.get("created_utc") if data is not None else None
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and 0 < value < _MAX_EPOCH:
        return float(value)
    return None


def fullname(thing: Any) -> str | None:
    data = thing_data(thing)
    if data is None:
        return None
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        return name
    kind, ident = thing.get("kind"), data.get("id")
    if isinstance(kind, str) and isinstance(ident, str) and ident.strip():
        return f"{kind}_{ident}"
    return None


def to_post(thing: Any, subreddit: str, kind: str) -> dict[str, Any] | Reject:
    """``thing`` from the ``kind`` listing ("t3" posts or "t1" comments) of r/``subreddit``
    as a posts record, or a Reject saying why it cannot be one."""
    data = thing_data(thing)
    if data is None:
        return Reject(raw_json(thing), "unreadable thing: no data object")
    if thing.get("kind") != kind:
        return Reject(raw_json(data), f"unexpected kind: {thing.get('kind')!r} in a {kind} listing")
    if kind == "t1":
        text = _text(data.get("body"))
        if isinstance(data.get("body"), str) and data["body"].strip() in GONE_TEXTS:
            return Reject(raw_json(data), f"removed on Reddit: comment body is {data['body']!r}")
    else:
        parts = [_text(data.get("title")), _text(data.get("selftext"))]
        kept = [p for p in parts if p and p.strip() not in GONE_TEXTS]
        text = "\n\n".join(kept) if kept else None
    ts = created_utc(thing)
    created: datetime | str | None = None
    if ts is not None:
        created = datetime.fromtimestamp(ts, UTC)
    elif data.get("created_utc") is not None:
        # As text: Arrow would silently read a bare number beside datetimes as microseconds.
        created = str(data["created_utc"])
    author = data.get("author")
    permalink = data.get("permalink")
    return {
        "source": SOURCE,
        "post_id": fullname(thing),
        "created_at": created,
        "author": None if author == DELETED_AUTHOR else author,
        "text": text,
        "language": None,
        "likes": _clamped(data.get("score")),
        "reposts": data.get("num_crossposts") if kind == "t3" else None,
        "replies": data.get("num_comments") if kind == "t3" else None,
        "quotes": None,
        "url": _url(permalink),
        "collected_for": f"r/{subreddit}",
        "raw": raw_json(data),
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _clamped(score: Any) -> Any:
    """A score below 0 as 0; anything that is not a number as it came (the lake judges)."""
    if isinstance(score, int | float) and not isinstance(score, bool) and math.isfinite(score):
        return max(0, int(score)) if float(score).is_integer() else score
    return score


def _url(permalink: Any) -> str | None:
    if not isinstance(permalink, str) or not permalink.strip():
        return None
    return permalink if permalink.startswith(("http://", "https://")) else SITE + permalink
