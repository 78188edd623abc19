"""Market history, from CoinGecko's series to hourly rows: windows, snapping, joining.

CoinGecko serves hourly points only for ranges of up to 90 days (longer ranges come back
daily), so a history range is split into windows of at most 90 days. Each window is asked
for as ``[start - 15 min, end - 15 min]`` (still exactly its length): a point belongs to the
UTC hour nearest to it, and that request covers every point that can snap to one of the
window's hours, including one that arrives a little before its hour.

Snapping, per series: a point more than 15 minutes from an hour, or whose hour is still
ahead of "now" (the trailing "now" point of a range that reaches the present), is dropped
and counted; several points in one hour keep the one nearest to it. The three series are
then joined on the hour as an outer join: a gap in one series leaves that value null
instead of losing the row (a row without a price is quarantined by the lake, with a reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from cryptopulse.core.datasets import COIN_HOURLY

MAX_WINDOW_DAYS = 90
SNAP_TOLERANCE = timedelta(minutes=15)
HOUR_MS = 3_600_000
_TOLERANCE_MS = int(SNAP_TOLERANCE.total_seconds() * 1000)
_TS = COIN_HOURLY.schema.field("ts").type
SERIES = {"prices": "price", "market_caps": "market_cap", "total_volumes": "total_volume"}


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    """The days ``[start, end)`` of one history request (at most 90 days)."""

    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def request_range(self) -> tuple[int, int]:
        """``from`` and ``to`` (UNIX seconds) covering every point that snaps into the window."""
        shift = SNAP_TOLERANCE
        return (
            int((day_start(self.start) - shift).timestamp()),
            int((day_start(self.end) - shift).timestamp()),
        )

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def split_windows(start: date, end: date, window_days: int = MAX_WINDOW_DAYS) -> list[Window]:
    """Consecutive windows of ``window_days`` (the last one shorter) covering [start, end)."""
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"window_days must be in [1, {MAX_WINDOW_DAYS}], got {window_days}")
    windows = []
    cursor = start
    while cursor < end:
        stop = min(cursor + timedelta(days=window_days), end)
        windows.append(Window(cursor, stop))
        cursor = stop
    return windows


@dataclass
class SnapStats:
    """What snapping dropped or merged, summed over windows, for the summary."""

    points: int = 0
    off_grid: int = 0  # too far from an hour, or the trailing "now" point
    duplicates: int = 0  # further points of an hour already taken
    malformed: int = 0  # not a [timestamp, number-or-null] pair
    gaps: Counter[str] = field(default_factory=Counter)  # rows missing a series' value

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "off_grid_dropped": self.off_grid,
            "duplicates_dropped": self.duplicates,
            "malformed_dropped": self.malformed,
            "gaps": dict(self.gaps),
        }


def is_empty(payload: Mapping[str, Any]) -> bool:
    """True when the answer has no point in any series."""
    return not any(payload.get(name) for name in SERIES)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _snap_series(
    points: Any, first_hour: int, end_hour: int, now_hour: int, stats: SnapStats
) -> dict[int, float | None]:
    """Hour (since the epoch) -> value, keeping per hour the point nearest to it."""
    best: dict[int, tuple[int, float | None]] = {}
    if not isinstance(points, list):
        if points is not None:
            stats.malformed += 1
        return {}
    for point in points:
        stats.points += 1
        if not (isinstance(point, list | tuple) and len(point) >= 2 and _is_number(point[0])):
            stats.malformed += 1
            continue
        raw = point[1]
        if raw is not None and not _is_number(raw):
            stats.malformed += 1
            continue
        ms = int(point[0])
        hour = (ms + HOUR_MS // 2) // HOUR_MS
        offset = abs(ms - hour * HOUR_MS)
        if offset > _TOLERANCE_MS or hour > now_hour:
            stats.off_grid += 1
            continue
        if not first_hour <= hour < end_hour:
            continue  # belongs to a neighbouring window
        value = None if raw is None else float(raw)
        if hour in best:
            stats.duplicates += 1
            if offset >= best[hour][0]:
                continue
        best[hour] = (offset, value)
    return {hour: value for hour, (_, value) in best.items()}


def hourly_table(
    coin_id: str,
    payload: Mapping[str, Any],
    window: Window,
    now: datetime,
    stats: SnapStats,
) -> pa.Table:
    """One window's answer as COIN_HOURLY rows: one per hour any series has a point for."""
    first_hour = int(day_start(window.start).timestamp()) // 3600
    end_hour = int(day_start(window.end).timestamp()) // 3600
    now_hour = int(now.timestamp()) // 3600
    series = {
        column: _snap_series(payload.get(name), first_hour, end_hour, now_hour, stats)
        for name, column in SERIES.items()
    }
    hours = sorted(set().union(*(s.keys() for s in series.values())))
    columns: dict[str, Any] = {
        "coin_id": pa.array([coin_id] * len(hours), pa.string()),
        "ts": pa.array([h * 3_600_000_000 for h in hours], pa.int64()).cast(_TS),
    }
    for column, values in series.items():
        col = [values.get(h) for h in hours]
        missing = sum(v is None for v in col)
        if missing:
            stats.gaps[column] += missing
        columns[column] = pa.array(col, pa.float64())
    return pa.table(columns, schema=COIN_HOURLY.schema)


def split_days(table: pa.Table) -> Iterator[tuple[date, pa.Table]]:
    """The rows of an hourly table (sorted by ``ts``) grouped by UTC day."""
    if table.num_rows == 0:
        return
    micros = table.column("ts").cast(pa.int64()).to_pylist()
    start = 0
    current = micros[0] // 86_400_000_000
    for i, value in enumerate(micros):
        day = value // 86_400_000_000
        if day != current:
            yield _epoch_day(current), table.slice(start, i - start)
            start, current = i, day
    yield _epoch_day(current), table.slice(start)


def _epoch_day(days: int) -> date:
    return date(1970, 1, 1) + timedelta(days=days)
