"""``RedditSource``: new posts and comments of subreddits, landed per (day, subreddit, kind).

Reddit cannot be asked for a time range: a listing (``/r/<sub>/new``, ``/r/<sub>/comments``)
is newest first and reaches back about 1000 things. ``fetch`` pages each listing from the
newest thing until it passes the interval's start (or the listing ends), keeps the things
created in [start, end) and yields one batch per (day, subreddit, kind).

What a file holds depends on how much of its day the fetch saw (the lake overwrites a file
when re-landed, so a file must never end up holding less than an earlier fetch put in it):

* a day that had ended (a minute ago or more) and was seen from its first second:
  ``<sub>-posts`` (or ``-comments``), the whole day, re-landed whole by any later complete
  fetch;
* anything less (today so far, a day cut by the 1000-thing limit, an incremental fetch):
  ``<sub>-posts-from-HHMMSS``, the day from that time on, as far as fetched. A later fetch
  from the same time sees at least as much. The warehouse keeps one row per post id, so
  overlapping files never duplicate a post. Such a part is not written for a day already
  landed whole.

Incremental cursors (``state/cursors/reddit/<sub>-<kind>.json``): the newest thing landed,
with the files that hold it. A fetch of today only (e.g. hourly) stops paging at the cursor
when those files are in the lake, and lands what is newer from the cursor's time on. Days
that have ended are always fetched whole.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptopulse.core.batch import Batch, Reject
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake, layout
from cryptopulse.sources.base import Source
from cryptopulse.sources.http import ApiError
from cryptopulse.sources.reddit.client import KIND_OF, RedditClient
from cryptopulse.sources.reddit.listing import (
    RedditStats,
    day_of,
    epoch,
    estimate_times,
    when,
)
from cryptopulse.sources.reddit.mapping import SOURCE, created_utc, fullname, to_post
from cryptopulse.sources.social import Cursors, part_name, posts_batches, utcnow

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400
# Far more pages than a listing serves (about 1000 things): a guard against a server that
# keeps answering with a next page.
MAX_PAGES = 50
LISTING_LIMIT = 1000
# A day counts as ended this long after midnight: a thing can take a moment to be listed.
SETTLE_SECONDS = 60
# Refusals that concern one subreddit (private, quarantined, banned, no such subreddit):
# that subreddit is skipped with a warning, the others go on.
_SUBREDDIT_REFUSALS = frozenset({302, 403, 404})


@dataclass(frozen=True)
class _Listing:
    """What paging one listing gathered: (created_utc or None, thing) newest first."""

    things: list[tuple[float | None, Any]]
    reached: bool  # paged down to the stop time (False: the listing ended first)
    oldest: float | None  # the oldest readable created_utc seen


class RedditSource(Source):
    """Posts (and comments) of subreddits from Reddit's OAuth API; implements ``Source``.

    ``lake`` (optional) holds the incremental cursors and tells which days are landed
    whole; ``clock`` is "now" (which days have ended).
    """

    name = SOURCE

    def __init__(
        self,
        client: RedditClient,
        subreddits: Sequence[str],
        comments: bool = True,
        lake: Lake | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not subreddits:
            raise ValueError("CRYPTOPULSE_REDDIT_SUBREDDITS: no subreddit given")
        self.client = client
        self.subreddits = list(subreddits)
        self.kinds = ("posts", "comments") if comments else ("posts",)
        self.lake = lake
        self.cursors = Cursors(lake, SOURCE) if lake is not None else None
        self.clock = clock
        self.stats = RedditStats()

    def __repr__(self) -> str:
        return f"RedditSource(subreddits={self.subreddits!r}, kinds={self.kinds!r})"

    def datasets(self) -> tuple[str, ...]:
        return ("posts",)

    def close(self) -> None:
        self.client.close()

    def summary(self) -> dict[str, Any]:
        """What fetching did: listings, things, limits, and the API calls behind them."""
        auth = self.client.api.auth
        return {
            **self.stats.to_dict(),
            "tokens_fetched": getattr(auth, "tokens_fetched", None),
            "api": self.client.api.stats.to_dict(),
        }

    # ---- fetching -----------------------------------------------------------------------
    def fetch(self, interval: Interval) -> Iterator[Batch]:
        now = self.clock()
        for sub in self.subreddits:
            reaches: list[str] = []
            try:
                for kind in self.kinds:
                    yield from self._fetch_listing(sub, kind, interval, now, reaches)
            except ApiError as exc:
                if exc.status not in _SUBREDDIT_REFUSALS:
                    raise
                self.stats.skipped_subreddits[sub] = str(exc)
                log.warning(
                    "Reddit: skipped r/%s: %s (private, quarantined, banned or no such "
                    "subreddit? check CRYPTOPULSE_REDDIT_SUBREDDITS)",
                    sub,
                    exc,
                )
            if reaches:
                log.warning(
                    "Reddit: r/%s listings end before %s: %s. Reddit serves only about the "
                    "newest %d things of a listing, so older ones cannot be fetched (unless "
                    "the subreddit has none): fetch busy subreddits more often, e.g. hourly",
                    sub,
                    interval.start,
                    "; ".join(reaches),
                    LISTING_LIMIT,
                )
        if len(self.stats.skipped_subreddits) == len(self.subreddits):
            reasons = "; ".join(f"r/{s}: {r}" for s, r in self.stats.skipped_subreddits.items())
            raise ApiError(
                f"Reddit: none of the subreddits could be read ({reasons}); "
                "check CRYPTOPULSE_REDDIT_SUBREDDITS"
            )

    def _fetch_listing(
        self, sub: str, kind: str, interval: Interval, now: datetime, reaches: list[str]
    ) -> Iterator[Batch]:
        key = f"{sub}-{kind}"
        base = part_name(key)
        floor, end, now_ts = epoch(interval.start), epoch(interval.end), now.timestamp()
        cursor = self._usable_cursor(key, interval, now)
        stop_at = floor if cursor is None else cursor
        listing = self._page(sub, kind, stop_at)
        if cursor is not None:
            self.stats.incremental += 1
        if listing.reached or not listing.things or listing.oldest == stop_at:
            lo_bound = stop_at  # everything from the stop time on was seen
        elif listing.oldest is not None:
            lo_bound = listing.oldest  # the listing ended first (its ~1000-thing limit)
            self.stats.listing_limits += 1
            reaches.append(f"{kind} reach back to {when(listing.oldest)}")
        else:
            lo_bound = math.inf  # nothing readable: no day counts as seen whole

        days = self._by_day(listing.things, sub, kind, floor, end)
        files: list[str] = []
        newest: tuple[float, str] | None = None
        for day in sorted(days):
            records, rejects = days[day]
            day_lo = epoch(day)
            seen_from = max(day_lo, lo_bound)
            whole = seen_from <= day_lo and now_ts >= day_lo + DAY_SECONDS + SETTLE_SECONDS
            if whole:
                part = base
            else:
                offset = int(min(seen_from, day_lo + DAY_SECONDS - 1) - day_lo)
                part = f"{base}-from-{offset // 3600:02d}{offset % 3600 // 60:02d}{offset % 60:02d}"
                if self._landed_whole(day, base):
                    self.stats.partial_days_skipped += 1
                    log.info("Reddit: r/%s %s %s is landed whole already", sub, kind, day)
                    continue
            for batch in posts_batches(records, day, part, rejects):
                files.append(layout.raw_file(SOURCE, "posts", batch.day or day, part=batch.part))
                yield batch
            for record in records:
                stamp = record["created_at"]
                if isinstance(stamp, datetime) and record["post_id"]:
                    candidate = (stamp.timestamp(), str(record["post_id"]))
                    newest = candidate if newest is None else max(newest, candidate)
        self._advance(key, newest, files)

    def _page(self, sub: str, kind: str, stop_at: float) -> _Listing:
        """Page the listing newest first until a thing older than ``stop_at`` (or its end)."""
        things: list[tuple[float | None, Any]] = []
        oldest: float | None = None
        after: str | None = None
        asked: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.client.listing_page(sub, kind, after)
            self.stats.pages += 1
            for child in page.children:
                ts = created_utc(child)
                if ts is not None and ts < stop_at:
                    return _Listing(things, True, oldest)
                things.append((ts, child))
                if ts is not None:
                    oldest = ts if oldest is None else min(oldest, ts)
            if page.after is None or not page.children or page.after in asked:
                break
            asked.add(page.after)
            after = page.after
        return _Listing(things, False, oldest)

    def _by_day(
        self,
        things: list[tuple[float | None, Any]],
        sub: str,
        kind: str,
        floor: float,
        end: float,
    ) -> dict[date, tuple[list[dict[str, Any]], list[Reject]]]:
        """The things created in [floor, end), mapped, grouped by UTC day. A thing without
        a readable time goes with its neighbours' day (the listing is in time order)."""
        days: dict[date, tuple[list[dict[str, Any]], list[Reject]]] = {}
        seen: set[str] = set()
        for (_, thing), ts in zip(things, estimate_times([t for t, _ in things]), strict=True):
            when = end - 1 if ts is None else ts  # nothing to go by: the interval's last day
            if not floor <= when < end:
                continue
            name = fullname(thing)
            if name is not None:
                if name in seen:
                    self.stats.duplicates += 1
                    continue
                seen.add(name)
            self.stats.things += 1
            records, rejects = days.setdefault(day_of(when), ([], []))
            mapped = to_post(thing, sub, KIND_OF[kind])
            if isinstance(mapped, Reject):
                rejects.append(mapped)
            else:
                records.append(mapped)
        return days

    # ---- cursors ------------------------------------------------------------------------
    def _usable_cursor(self, key: str, interval: Interval, now: datetime) -> float | None:
        """Where to stop paging instead of the interval's start: the cursor's time, when the
        interval is today only and the cursor's files are in the lake."""
        if self.cursors is None or self.lake is None or interval.start < now.date():
            return None  # days that have ended are fetched whole
        cursor = self.cursors.get(key)
        newest, files = cursor.get("newest_utc"), cursor.get("files")
        if not isinstance(newest, int | float) or not isinstance(files, list) or not files:
            return None
        if not epoch(interval.start) <= newest <= now.timestamp():
            return None
        if not all(isinstance(f, str) and self.lake.exists(f) for f in files):
            log.info("Reddit: cursor %s: its files are not all in the lake; fetching in full", key)
            return None
        return float(newest)

    def _advance(self, key: str, newest: tuple[float, str] | None, files: list[str]) -> None:
        if self.cursors is None or newest is None:
            return
        old = self.cursors.get(key).get("newest_utc")
        if isinstance(old, int | float) and old > newest[0]:
            return  # an older interval (a backfill): the cursor stays where it is
        self.cursors.put(key, {"newest_utc": newest[0], "newest_id": newest[1], "files": files})

    def _landed_whole(self, day: date, base: str) -> bool:
        return self.lake is not None and self.lake.exists(
            layout.raw_file(SOURCE, "posts", day, part=base)
        )
