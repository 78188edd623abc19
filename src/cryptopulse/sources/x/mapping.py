"""X posts (tweets) as rows of the lake's ``posts`` dataset.

Values go through as X sent them: a post without an id, a date or text is not dropped
here but quarantined by the lake with the reason. The ``raw`` column keeps the post and
its author object exactly as received (the request's credentials are never part of it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptopulse.core.batch import Reject
from cryptopulse.sources.social import raw_json
from cryptopulse.sources.x.client import SearchPage

SOURCE = "x"


def post_url(post_id: Any, username: Any) -> str | None:
    """The post's address on x.com (``/i/web/status/<id>`` when the author is unknown)."""
    if post_id is None or post_id == "":
        return None
    if isinstance(username, str) and username:
        return f"https://x.com/{username}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"


def tweet_post(
    tweet: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], collected_for: str
) -> dict[str, Any]:
    """One post as a ``posts`` record: author from ``includes.users`` (else its id),
    counts from ``public_metrics``, the full text of a long post from ``note_tweet``."""
    author_id = tweet.get("author_id")
    user = users.get(str(author_id)) if author_id is not None else None
    username = user.get("username") if user else None
    metrics = tweet.get("public_metrics")
    metrics = metrics if isinstance(metrics, Mapping) else {}
    note = tweet.get("note_tweet")
    long_text = note.get("text") if isinstance(note, Mapping) else None
    text = long_text if isinstance(long_text, str) and long_text else tweet.get("text")
    return {
        "source": SOURCE,
        "post_id": tweet.get("id"),
        "created_at": tweet.get("created_at"),
        "author": username or author_id,
        "text": text,
        "language": tweet.get("lang"),
        "likes": metrics.get("like_count"),
        "reposts": metrics.get("retweet_count"),
        "replies": metrics.get("reply_count"),
        "quotes": metrics.get("quote_count"),
        "url": post_url(tweet.get("id"), username),
        "collected_for": collected_for,
        "raw": raw_json({"tweet": tweet, "author": user}),
    }


def page_posts(page: SearchPage, collected_for: str) -> tuple[list[dict[str, Any]], list[Reject]]:
    """The posts of a page, and the items that are not even objects (for the quarantine)."""
    records: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for item in page.tweets:
        if isinstance(item, Mapping):
            records.append(tweet_post(item, page.users, collected_for))
        else:
            kind = type(item).__name__
            rejects.append(Reject(raw_json(item), f"unreadable post: a JSON {kind}, not an object"))
    return records, rejects
