"""Per-coin watermarks in the lake: which days of a coin's history are fully landed.

``state/watermarks/<source>/<coin>.json`` lists the landed day ranges ``[start, end)``,
merged, plus the last window landed. A window is added only after every file of it has been
written, and only up to the last *complete* UTC day (a day still in progress is landed but
fetched again next time). The file is written atomically (``Lake.write_json``), so a crash
or ``kill -9`` leaves either the old or the new watermark, never half of one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptopulse.lake import Lake
from cryptopulse.lake.state import StateStore

DayRange = tuple[date, date]
# CoinGecko serves a UTC day's last hour shortly after midnight (its cache holds 30 min).
SETTLE = timedelta(hours=1)


def complete_until(now: datetime) -> date:
    """The first day that may still change: every day before it is complete."""
    return (now - SETTLE).astimezone(UTC).date()


def merge(ranges: list[DayRange]) -> list[DayRange]:
    """Sorted, non-overlapping ranges; touching ranges are joined."""
    out: list[DayRange] = []
    for start, end in sorted(r for r in ranges if r[0] < r[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def missing(start: date, end: date, landed: list[DayRange]) -> list[DayRange]:
    """The parts of [start, end) not covered by ``landed``."""
    gaps: list[DayRange] = []
    cursor = start
    for lo, hi in merge(landed):
        if hi <= cursor:
            continue
        if lo >= end:
            break
        if lo > cursor:
            gaps.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


class Watermarks:
    """Read and advance the landed day ranges of each coin of ``source``, kept in the
    pipeline's state store (``state/watermarks/<source>/``)."""

    def __init__(self, lake: Lake, source: str) -> None:
        self.source = source
        self.state = StateStore(lake).watermarks(source)

    def path(self, coin_id: str) -> str:
        return self.state.path(coin_id)

    def landed(self, coin_id: str) -> list[DayRange]:
        data = self.state.get(coin_id)
        if data is None:
            return []
        try:
            return merge(
                [
                    (date.fromisoformat(r["start"]), date.fromisoformat(r["end"]))
                    for r in data["landed"]
                ]
            )
        except (ValueError, KeyError, TypeError):  # unreadable: fetch again, rewrite it
            return []

    def record(self, coin_id: str, start: date, end: date) -> None:
        """Mark [start, end) of ``coin_id`` as landed (call after its files are written)."""
        if end <= start:
            return
        ranges = merge([*self.landed(coin_id), (start, end)])
        data: dict[str, Any] = {
            "coin_id": coin_id,
            "landed": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in ranges],
            "last_window": {"start": start.isoformat(), "end": end.isoformat()},
        }
        self.state.put(coin_id, data)
