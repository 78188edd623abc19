"""Reading Reddit's listings by time: day boundaries in epoch seconds, times estimated for
things without a readable one, and what paging did (for the run summary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


def epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def day_of(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class RedditStats:
    """What fetching did, for the run summary and the tests."""

    pages: int = 0
    things: int = 0  # things read inside the interval
    duplicates: int = 0  # the same fullname twice in one listing (it shifted while paging)
    listing_limits: int = 0  # listings that ended before reaching back far enough
    incremental: int = 0  # listings that stopped at their cursor
    partial_days_skipped: int = 0  # partial days not written: the day is landed whole
    skipped_subreddits: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "things": self.things,
            "duplicates": self.duplicates,
            "listing_limits": self.listing_limits,
            "incremental": self.incremental,
            "partial_days_skipped": self.partial_days_skipped,
            "skipped_subreddits": dict(self.skipped_subreddits),
        }


def estimate_times(stamps: list[float | None]) -> list[float | None]:
    """Each time, or for a missing one the nearest known time before it in the list (after
    it when there is none before)."""
    out = list(stamps)
    known: float | None = None
    for i, ts in enumerate(stamps):
        if ts is None:
            out[i] = known
        else:
            known = ts
    known = None
    for i in range(len(stamps) - 1, -1, -1):
        if stamps[i] is not None:
            known = stamps[i]
        elif out[i] is None:
            out[i] = known
    return out
