"""A Bluesky post view (what ``searchPosts`` returns) as a row of the ``posts`` dataset.

A post view::

    {"uri": "at://did:plc:…/app.bsky.feed.post/3l…", "cid": "bafy…",
     "author": {"did": "did:plc:…", "handle": "alice.bsky.social", "displayName": "Alice"},
     "record": {"$type": "app.bsky.feed.post", "text": "…", "createdAt": "…Z", "langs": ["en"]},
     "replyCount": 0, "repostCount": 1, "likeCount": 5, "quoteCount": 0, "indexedAt": "…Z"}

``post_id`` is the ``at://`` URI (globally unique; the record key alone is unique per author
only). ``created_at`` is the record's ``createdAt`` as the client wrote it: it may lie in the
future or be unreadable, and then the lake quarantines the post with that reason. Fields are
copied as found, missing ones as null, so incomplete posts reach the quarantine too.
"""

from __future__ import annotations

import re
from typing import Any

from cryptopulse.core.batch import Reject
from cryptopulse.sources.social import raw_json

SOURCE = "bluesky"
_POST_URI = re.compile(r"^at://(?P<repo>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[A-Za-z0-9._:~-]+)$")
# Per-viewer state (the collecting account's own likes and reposts): not part of the post.
_VIEWER_KEYS = ("viewer",)


def post_url(uri: Any, profile: Any) -> str | None:
    """``https://bsky.app/profile/<handle or did>/post/<rkey>``, or None if ``uri`` is not
    a post URI."""
    match = _POST_URI.match(uri) if isinstance(uri, str) else None
    if match is None:
        return None
    who = profile if isinstance(profile, str) and profile else match["repo"]
    return f"https://bsky.app/profile/{who}/post/{match['rkey']}"


def post_record(view: Any, collected_for: str) -> dict[str, Any] | Reject:
    """The ``posts`` row of one post view, or a ``Reject`` if it is not a JSON object."""
    if not isinstance(view, dict):
        return Reject(
            raw_json(view), f"unreadable post: expected a JSON object, got {type(view).__name__}"
        )
    view = {k: v for k, v in view.items() if k not in _VIEWER_KEYS}
    record = _object(view.get("record"))
    author = _object(view.get("author"))
    handle = author.get("handle")
    # A handle that no longer resolves reads "handle.invalid": link by the DID instead.
    profile = handle if handle != "handle.invalid" else author.get("did")
    langs = record.get("langs")
    return {
        "source": SOURCE,
        "post_id": view.get("uri"),
        "created_at": record.get("createdAt"),
        "author": handle,
        "text": record.get("text"),
        "language": langs[0] if isinstance(langs, list) and langs else None,
        "likes": view.get("likeCount"),
        "reposts": view.get("repostCount"),
        "replies": view.get("replyCount"),
        "quotes": view.get("quoteCount"),
        "url": post_url(view.get("uri"), profile),
        "collected_for": collected_for,
        "raw": raw_json(view),
    }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
