"""The options several commands share, and the days they select."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer

from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval

StartOption = Annotated[
    datetime | None,
    typer.Option(
        "--start", formats=["%Y-%m-%d"], help="First UTC day to process (default: yesterday)."
    ),
]
EnrichStartOption = Annotated[
    datetime | None,
    typer.Option(
        "--start",
        formats=["%Y-%m-%d"],
        help="First UTC day of landed posts to process (default: every landed post not "
        "enriched yet, whatever its day).",
    ),
]
EndOption = Annotated[
    datetime | None,
    typer.Option(
        "--end",
        formats=["%Y-%m-%d"],
        help="Day after the last one to process, i.e. the range is [start, end) "
        "(default: the day after --start).",
    ),
]
FullRefreshOption = Annotated[
    bool,
    typer.Option(
        "--full-refresh",
        help="Rebuild the warehouse tables from every lake partition instead of merging.",
    ),
]


def resolve_interval(start: datetime | None, end: datetime | None) -> Interval:
    """The days [start, end): yesterday by default; a range that is empty or starts in the
    future is a UserError."""
    today = datetime.now(UTC).date()
    first: date = start.date() if start else today - timedelta(days=1)
    last: date = end.date() if end else first + timedelta(days=1)
    if last <= first:
        raise UserError(
            f"--end ({last}) must be after --start ({first}); the range is [start, end)"
        )
    if first > today:
        raise UserError(f"--start ({first}) is in the future: there is no data for it yet")
    return Interval(first, last)


def backfill_interval(start: datetime | None, end: datetime | None) -> Interval:
    """Like ``resolve_interval``, except that ``--end`` defaults to today: a backfill from
    ``--start`` through yesterday (``--start`` still defaults to yesterday)."""
    if start is not None and end is None:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        end = max(today, start.replace(tzinfo=UTC) + timedelta(days=1)).replace(tzinfo=None)
    return resolve_interval(start, end)
