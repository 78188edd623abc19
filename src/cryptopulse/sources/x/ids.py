"""Post ids on X are snowflakes: the creation time is in the id, and ids grow with time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

TWITTER_EPOCH_MS = 1_288_834_974_657  # 2010-11-04T01:42:54.657Z


def id_time(post_id: str | None) -> datetime | None:
    """When the post with this id was created (None for anything that is not an id)."""
    if not post_id or not str(post_id).isdigit():
        return None
    ms = (int(post_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC)


def newest_id(ids: Iterable[str | None]) -> str | None:
    """The largest (most recent) of ``ids``; non-numeric values are ignored."""
    numeric = [int(i) for i in ids if i and str(i).isdigit()]
    return str(max(numeric)) if numeric else None
