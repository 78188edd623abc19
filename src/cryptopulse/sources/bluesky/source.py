"""``BlueskySource``: posts matching each query, one lake file per query and UTC day.

How a day is fetched depends on whether it is over (see docs/sources/bluesky.md):

* A **complete** day (ended at least ``SETTLE`` ago) is searched in full, ``since`` its
  midnight ``until`` the next, and lands under the query's part name
  (``bluesky_posts_<day>_<query>.parquet``). The query's cursor then lists the day as
  landed, and later runs skip it while its file is there: a complete day is fetched once,
  and a rerun leaves its file as it was.
* A day **in progress** (today, or yesterday within ``SETTLE`` of midnight) is fetched
  incrementally: from where the last fetch of that day stopped (less ``OVERLAP``, for posts
  indexed late) to now, under a part of its own, ``<query>.live-HHMM`` (the start of that
  slice). Slices never overwrite the complete day's file or an earlier slice with fewer
  posts; once the day is over it is fetched in full like any other. The warehouse keeps
  one row per post whichever files hold it.

Batches are dated by the search window, not by the post's ``createdAt``: clients write
that themselves, and a post from a client whose clock runs ahead must not land in (and
overwrite) another day's file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cryptopulse.core.batch import Batch, Reject
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake, layout
from cryptopulse.sources.base import Source
from cryptopulse.sources.bluesky.client import BlueskyClient, iso_utc
from cryptopulse.sources.bluesky.mapping import SOURCE, post_record
from cryptopulse.sources.bluesky.queries import Query
from cryptopulse.sources.social import Cursors, posts_table, utcnow

log = logging.getLogger(__name__)

# A day counts as complete this long after the midnight that ends it (posts are searchable
# within seconds to minutes of being posted; this leaves room for stragglers).
SETTLE = timedelta(hours=1)
# Each slice of a day in progress starts this long before the previous one stopped.
OVERLAP = timedelta(minutes=10)
DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass
class FetchStats:
    """What a fetch did, for logs and the run record."""

    days_fetched: int = 0
    days_skipped: int = 0  # complete days already landed
    slices: int = 0  # fetches of a day in progress
    pages: int = 0
    posts: int = 0
    capped: list[str] = field(default_factory=list)  # "<query> <day>" that hit the page limit


class BlueskySource(Source):
    """Bluesky posts for ``queries``; implements ``sources.base.Source``."""

    name = SOURCE

    def __init__(
        self,
        client: BlueskyClient,
        queries: Sequence[Query],
        lake: Lake,
        max_pages: int = 50,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not queries:
            raise ValueError("BlueskySource needs at least one query")
        self.client = client
        self.queries = list(queries)
        self.lake = lake
        self.cursors = Cursors(lake, SOURCE)
        self.max_pages = max_pages
        self.clock = clock
        self.stats = FetchStats()

    def __repr__(self) -> str:
        return f"BlueskySource(queries={[q.text for q in self.queries]!r}, {self.client!r})"

    def datasets(self) -> tuple[str, ...]:
        return ("posts",)

    def close(self) -> None:
        self.client.close()

    def summary(self) -> dict[str, Any]:
        """What fetching did: days, pages, posts, and the API calls behind them."""
        return {**asdict(self.stats), "api": self.client.api.stats.to_dict()}

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """Per query, one batch per day of ``interval`` that has begun (see the module)."""
        skipped = self.stats.days_skipped
        for query in self.queries:
            cursor = self.cursors.get(query.text)
            for day in interval.days():
                now = self.clock()
                start = midnight(day)
                if start >= now:
                    break  # this day and the rest have not begun
                if start + DAY + SETTLE <= now:
                    if self._landed(cursor, query, day):
                        self.stats.days_skipped += 1
                        continue
                    yield self._batch(query, day, start, start + DAY, query.part)
                    cursor = _mark_complete(cursor, day)
                else:
                    since = _live_since(cursor, day)
                    part = f"{query.part}.live-{since:%H%M}"
                    yield self._batch(query, day, since, start + DAY, part)
                    # The next slice resumes a little before this one's end (at most the
                    # day's end: past midnight it must not restart at 00:00, the first
                    # slice's name).
                    stop = min(now.replace(second=0, microsecond=0), start + DAY)
                    cursor = _mark_live(cursor, day, max(start, stop - OVERLAP))
                    self.stats.slices += 1
                # Written once the batch is handed to the lake; a complete day also needs
                # its file to exist before it is skipped, so a crash in between refetches it.
                self.cursors.put(query.text, cursor)
        if self.stats.days_skipped > skipped:
            log.info(
                "Bluesky: %d query-days were already landed in full and were not fetched again "
                "(delete the lake's state/cursors/bluesky/ to fetch them anew)",
                self.stats.days_skipped - skipped,
            )

    def _landed(self, cursor: dict[str, Any], query: Query, day: date) -> bool:
        if not _in_ranges(cursor.get("complete"), day):
            return False
        return self.lake.exists(layout.raw_file(SOURCE, "posts", day, part=query.part))

    def _batch(self, query: Query, day: date, since: datetime, until: datetime, part: str) -> Batch:
        result = self.client.search(query.text, since, until, self.max_pages)
        records: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for view in result.posts:
            row = post_record(view, query.collected_for)
            if isinstance(row, Reject):
                rejects.append(row)
            else:
                records.append(row)
        self.stats.days_fetched += 1
        self.stats.pages += result.pages
        self.stats.posts += len(result.posts)
        if result.capped:
            self.stats.capped.append(f"{query.text} {day}")
            log.warning(
                "Bluesky %r %s: stopped after %d pages (%d posts of about %s); older posts of "
                "that window are not collected (raise CRYPTOPULSE_BLUESKY_MAX_PAGES to get them)",
                query.text,
                day,
                result.pages,
                len(result.posts),
                result.hits_total if result.hits_total is not None else "?",
            )
        log.info(
            "Bluesky %r %s..%s: %d posts in %d pages",
            query.text,
            iso_utc(since),
            iso_utc(until),
            len(result.posts),
            result.pages,
        )
        return Batch("posts", day, posts_table(records), part=part, rejects=tuple(rejects))


# ---- the cursor: complete days as [start, end) ranges, where each live day resumes ------------
#   {"complete": [["2024-06-01", "2024-06-09"]], "live": {"2024-06-09": "2024-06-09T13:20:00Z"}}
def _ranges(value: Any) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for item in value if isinstance(value, list) else []:
        try:
            lo, hi = date.fromisoformat(item[0]), date.fromisoformat(item[1])
        except (TypeError, ValueError, IndexError, KeyError):
            continue  # an unreadable entry: those days are simply fetched again
        if lo < hi:
            ranges.append((lo, hi))
    return ranges


def _in_ranges(value: Any, day: date) -> bool:
    return any(lo <= day < hi for lo, hi in _ranges(value))


def _mark_complete(cursor: dict[str, Any], day: date) -> dict[str, Any]:
    """``cursor`` with ``day`` among the complete days (ranges merged), without its live
    state."""
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted([*_ranges(cursor.get("complete")), (day, day + DAY)]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    updated = dict(cursor, complete=[[lo.isoformat(), hi.isoformat()] for lo, hi in merged])
    live = updated.get("live")
    if isinstance(live, dict):
        updated["live"] = {k: v for k, v in live.items() if k != day.isoformat()}
    return updated


def _mark_live(cursor: dict[str, Any], day: date, resume: datetime) -> dict[str, Any]:
    """``cursor`` with the next slice of ``day`` starting at ``resume``."""
    live = cursor.get("live")
    oldest = (day - timedelta(days=3)).isoformat()  # days never fetched in full: forgotten
    slices = {k: v for k, v in (live.items() if isinstance(live, dict) else ()) if k >= oldest}
    slices[day.isoformat()] = iso_utc(resume)
    return dict(cursor, live=slices)


def _live_since(cursor: dict[str, Any], day: date) -> datetime:
    """Where a slice of ``day`` (in progress) starts: where the last one of it stopped, less
    the overlap already applied, or the day's midnight."""
    start = midnight(day)
    live = cursor.get("live")
    if not isinstance(live, dict) or day.isoformat() not in live:
        return start
    try:
        since = datetime.fromisoformat(str(live[day.isoformat()]))
    except ValueError:
        return start
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return min(max(start, since), start + DAY)
