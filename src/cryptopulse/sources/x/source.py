"""``XSource``: posts from X search, one batch per query and UTC day.

How a day is fetched depends on where it stands when the run starts:

* a **whole day** (it ended over a minute ago) is fetched as ``[day, day + 1)`` with
  ``start_time``/``end_time`` and lands under the query's part
  (``raw/x/posts/date=D/x_posts_D_<query part>.parquet``). Its cursor then records it, and
  later runs skip it while its file is in the lake: rerunning a day (the Airflow DAG's
  retries, a backfill run twice) costs no quota and leaves the lake as it was.
* an **unfinished day** (today) is fetched up to 30 seconds ago, after the newest post of
  that day's partial files already in the lake (``since_id``), else from midnight. It
  lands under its own part, ``<query part>-<since_id or start>-<newest id>``, so an
  incremental run adds a file and never overwrites one with fewer posts. Once the day has
  ended, the next run fetches it whole; the partial files stay (the warehouse keeps one
  row per post).
* a day recent search cannot reach (it keeps 7 days) is skipped with one warning; days
  that have not begun are skipped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptopulse.core.batch import Batch, Reject
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake
from cryptopulse.sources.base import Source
from cryptopulse.sources.http import ApiError
from cryptopulse.sources.social import posts_table, utcnow
from cryptopulse.sources.x.client import XClient
from cryptopulse.sources.x.ids import id_time, newest_id
from cryptopulse.sources.x.mapping import SOURCE, page_posts
from cryptopulse.sources.x.queries import XQuery
from cryptopulse.sources.x.state import QueryCursor, XCursors, partial_part

log = logging.getLogger(__name__)

RECENT_SEARCH_DAYS = 7
# X refuses an end_time less than 10 s old and defaults to 30 s ago: its index settles.
END_LAG = timedelta(seconds=30)
# A day is fetched whole once it ended this long ago.
SETTLE = timedelta(seconds=60)
# Recent search refuses a start_time older than 7 days by X's clock, not ours.
HORIZON_MARGIN = timedelta(seconds=60)

WHOLE, PARTIAL, OUT_OF_REACH, NOT_BEGUN = "whole", "partial", "out of reach", "not begun"


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass
class XStats:
    """What the X source did (query-days count once per query and day)."""

    queries: int = 0
    pages: int = 0
    posts: int = 0  # post records read (quarantined ones included)
    unreadable: int = 0  # items that were not JSON objects
    partial_errors: int = 0  # entries of a 200 answer's ``errors`` (e.g. a deleted author)
    days_fetched: int = 0  # whole query-days fetched
    days_partial: int = 0  # unfinished query-days fetched up to now
    days_already_landed: int = 0  # whole query-days skipped: already in the lake
    days_out_of_reach: int = 0  # query-days older than recent search's 7 days
    days_not_begun: int = 0
    days_capped: int = 0  # query-days cut short by CRYPTOPULSE_X_MAX_PAGES

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Collected:
    records: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    capped: bool = False

    @property
    def newest(self) -> str | None:
        ids = (r.get("post_id") for r in self.records)
        return newest_id(None if i is None else str(i) for i in ids)

    @property
    def count(self) -> int:
        return len(self.records) + len(self.rejects)


class XSource(Source):
    """Posts matching each query, per UTC day (see the module's docstring)."""

    name = SOURCE

    def __init__(
        self,
        client: XClient,
        queries: list[XQuery],
        lake: Lake,
        max_pages: int = 10,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        if max_pages < 1:
            raise ValueError("CRYPTOPULSE_X_MAX_PAGES must be at least 1")
        self.client = client
        self.queries = queries
        self.cursors = XCursors(lake)
        self.max_pages = max_pages
        self.stats = XStats(queries=len(queries))
        self._now = now

    def datasets(self) -> tuple[str, ...]:
        return ("posts",)

    def summary(self) -> dict[str, Any]:
        """The run's figures: what was fetched and skipped, and the API calls it took."""
        return {**self.stats.to_dict(), "api": self.client.stats.to_dict()}

    def close(self) -> None:
        self.client.close()

    # ---- planning ---------------------------------------------------------------------------
    def plan(self, interval: Interval, now: datetime) -> list[tuple[date, str]]:
        """Each day of ``interval`` with how it is fetched (whole, partial, or not at all)."""
        horizon = now - timedelta(days=RECENT_SEARCH_DAYS) + HORIZON_MARGIN
        recent = self.client.search_kind == "recent"
        out: list[tuple[date, str]] = []
        for day in interval.days():
            start = day_start(day)
            if start >= now - END_LAG:
                out.append((day, NOT_BEGUN))
            elif recent and start < horizon:
                out.append((day, OUT_OF_REACH))
            elif start + timedelta(days=1) <= now - SETTLE:
                out.append((day, WHOLE))
            else:
                out.append((day, PARTIAL))
        return out

    # ---- fetching ---------------------------------------------------------------------------
    def fetch(self, interval: Interval) -> Iterator[Batch]:
        now = self._now()
        plan = self.plan(interval, now)
        unreachable = [day for day, kind in plan if kind == OUT_OF_REACH]
        if unreachable:
            self.stats.days_out_of_reach += len(unreachable) * len(self.queries)
            self._warn_out_of_reach(unreachable, len(self.queries))
        self.stats.days_not_begun += len(self.queries) * sum(k == NOT_BEGUN for _, k in plan)
        capped_before = self.stats.days_capped
        warned = bool(unreachable)
        for query in self.queries:
            cursor = self.cursors.load(query)
            for day, kind in plan:
                if kind == WHOLE:
                    try:
                        yield from self._whole_day(query, cursor, day)
                    except ApiError as exc:
                        if not _too_old(exc):
                            raise
                        # Our clock and X's disagree at the 7-day edge: same as out of reach.
                        self.stats.days_out_of_reach += 1
                        if not warned:
                            self._warn_out_of_reach([day], 1)
                            warned = True
                elif kind == PARTIAL:
                    yield from self._partial_day(query, cursor, day, now)
        capped = self.stats.days_capped - capped_before
        if capped:
            log.warning(
                "X: %d query-day(s) had more posts than CRYPTOPULSE_X_MAX_PAGES=%d pages of %d; "
                "the newest were kept. Raise CRYPTOPULSE_X_MAX_PAGES to collect more",
                capped,
                self.max_pages,
                self.client.max_results,
            )

    def _whole_day(self, query: XQuery, cursor: QueryCursor, day: date) -> Iterator[Batch]:
        if self.cursors.landed(query, cursor, day, self.max_pages):
            self.stats.days_already_landed += 1
            return
        start = day_start(day)
        got = self._collect(query, start_time=start, end_time=start + timedelta(days=1))
        self.stats.days_fetched += 1
        if got.count:
            yield self._batch(day, got, query.part)
        # Reached only once the batch was taken; the lake confirms it later (``landed``).
        cursor.advance(got.newest)
        cursor.record_day(day, got.count, self.max_pages if got.capped else 0)
        self.cursors.save(query, cursor)

    def _partial_day(
        self, query: XQuery, cursor: QueryCursor, day: date, now: datetime
    ) -> Iterator[Batch]:
        start = day_start(day)
        end = min(start + timedelta(days=1), now - END_LAG)
        landed = self.cursors.partial_newest(query, day)
        landed_at = id_time(landed)
        since = landed if landed_at is not None and start <= landed_at < end else None
        # X ignores start_time when since_id is given: send one of them.
        got = self._collect(
            query, start_time=None if since else start, end_time=end, since_id=since
        )
        self.stats.days_partial += 1
        if got.count:
            yield self._batch(day, got, partial_part(query, since, got.newest))
        if got.newest is not None:
            cursor.advance(got.newest)
            self.cursors.save(query, cursor)

    def _collect(
        self,
        query: XQuery,
        start_time: datetime | None,
        end_time: datetime,
        since_id: str | None = None,
    ) -> _Collected:
        """Every page of one window (up to the page limit)."""
        got = _Collected()
        token: str | None = None
        for page_number in range(1, self.max_pages + 1):
            page = self.client.search(query.text, start_time, end_time, since_id, token)
            self.stats.pages += 1
            if page.errors:
                self.stats.partial_errors += len(page.errors)
                log.debug(
                    "X API: %d partial error(s) with query %r (e.g. %s)",
                    len(page.errors),
                    query.collected_for,
                    _first_error(page.errors),
                )
            records, rejects = page_posts(page, query.collected_for)
            got.records.extend(records)
            got.rejects.extend(rejects)
            self.stats.posts += len(records) + len(rejects)
            self.stats.unreadable += len(rejects)
            token = page.next_token
            if token is None:
                break
            if page_number == self.max_pages:
                got.capped = True
                self.stats.days_capped += 1
        return got

    @staticmethod
    def _batch(day: date, got: _Collected, part: str) -> Batch:
        # Posts land under the day they were asked for (X keeps to the window).
        return Batch("posts", day, posts_table(got.records), part=part, rejects=tuple(got.rejects))

    @staticmethod
    def _warn_out_of_reach(days: list[date], queries: int) -> None:
        span = days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"
        log.warning(
            "X recent search reaches back 7 days only: skipped %d day(s) (%s) for %d "
            "query(ies). Set CRYPTOPULSE_X_SEARCH=all (Pro or Enterprise plan) to fetch them",
            len(days),
            span,
            queries,
        )


def _too_old(exc: ApiError) -> bool:
    """X's refusal of a start_time beyond recent search's reach (HTTP 400)."""
    return exc.status == 400 and "start_time" in str(exc)


def _first_error(errors: list[Any]) -> str:
    first = errors[0]
    if isinstance(first, dict):
        return str(first.get("detail") or first.get("title") or first.get("message") or "")
    return str(first)[:200]
