"""The X source's incremental state: one cursor per query, kept in the lake.

A cursor holds the newest post id landed for the query and the whole days landed, with
how many posts each had and whether the page limit cut it short. The lake confirms both:
a day counts as landed only while its file is there (deleting a raw file, or the cursor,
makes the next run fetch the day again), and the ``since_id`` of an unfinished day is the
newest id named by that day's partial files present in the lake, so a batch whose landing
failed after the cursor moved on is fetched again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from cryptopulse.lake import Lake, layout
from cryptopulse.sources.social import Cursors
from cryptopulse.sources.x.ids import newest_id
from cryptopulse.sources.x.mapping import SOURCE
from cryptopulse.sources.x.queries import XQuery


def partial_part(query: XQuery, since_id: str | None, newest: str | None) -> str:
    """The part of an unfinished day's fetch: the query's part, where the fetch started
    (``start``: midnight, else the ``since_id``) and its newest post id, so every new
    increment is a new file and a repeat of the same one rewrites the same posts."""
    return f"{query.part}-{since_id or 'start'}-{newest or 'none'}"


@dataclass
class QueryCursor:
    query: str
    newest_id: str | None = None
    # ISO day -> {"posts": records fetched, "capped_at_pages": the page limit that cut the
    # day short, or 0 when X had no more pages}
    days: dict[str, dict[str, int]] = field(default_factory=dict)

    def advance(self, post_id: str | None) -> None:
        self.newest_id = newest_id([self.newest_id, post_id])

    def record_day(self, day: date, posts: int, capped_at_pages: int) -> None:
        self.days[day.isoformat()] = {"posts": posts, "capped_at_pages": capped_at_pages}
        self.days = dict(sorted(self.days.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "newest_id": self.newest_id, "days": self.days}


class XCursors:
    """Per-query cursors under ``state/cursors/x/`` (atomic writes)."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self._cursors = Cursors(lake, SOURCE)

    def load(self, query: XQuery) -> QueryCursor:
        data = self._cursors.get(query.part)
        days = data.get("days")
        newest = data.get("newest_id")
        return QueryCursor(
            query=query.text,
            newest_id=str(newest) if newest else None,
            days={
                str(k): dict(v)
                for k, v in (days.items() if isinstance(days, dict) else ())
                if isinstance(v, dict)
            },
        )

    def save(self, query: XQuery, cursor: QueryCursor) -> None:
        self._cursors.put(query.part, cursor.to_dict())

    def landed(self, query: XQuery, cursor: QueryCursor, day: date, max_pages: int) -> bool:
        """Whether ``day`` is already in the lake as a whole day for ``query``.

        A day cut short by a lower page limit than today's is not: more pages may come.
        """
        entry = cursor.days.get(day.isoformat())
        if entry is None:
            return False
        capped = int(entry.get("capped_at_pages", 0) or 0)
        if capped and capped < max_pages:
            return False
        if int(entry.get("posts", 0) or 0) == 0:
            return True  # nothing was found, so there is no file to look for
        return self.lake.exists(layout.raw_file(SOURCE, "posts", day, part=query.part))

    def partial_newest(self, query: XQuery, day: date) -> str | None:
        """The newest post id in ``day``'s partial files for ``query`` (None if none)."""
        whole = layout.raw_file(SOURCE, "posts", day, part=query.part)
        pattern = whole.removesuffix(".parquet") + "-*.parquet"
        return newest_id(PurePosixPath(p).stem.rsplit("-", 1)[-1] for p in self.lake.glob(pattern))
