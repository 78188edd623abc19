"""The one small interface every source implements: fetch an interval, get records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import pyarrow as pa


@dataclass(frozen=True)
class Interval:
    """A half-open UTC interval [start, end) of whole days: the unit of extraction."""

    start: date
    end: date  # exclusive

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"interval end {self.end} must be after its start {self.start}")

    def days(self) -> list[date]:
        n = (self.end - self.start).days
        return [self.start + timedelta(days=i) for i in range(n)]

    @property
    def start_ts(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def end_ts(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class Batch:
    """Records of one dataset for one day (the lake's partition unit).

    ``records`` may be loosely typed (strings where numbers belong, missing columns):
    conforming to the dataset schema, and quarantining what does not fit, is the lake's job.
    ``day`` is None for snapshot datasets such as the coin list. ``part`` splits a day
    further when a source fetches it in independent pieces (one coin's history, one query's
    posts): each (dataset, day, part) is its own file, so pieces land and re-land alone.
    """

    dataset: str
    day: date | None
    records: pa.Table
    part: str | None = None
    # Records the source could not even read into columns (a malformed JSON line, a CSV row
    # with the wrong number of fields): quarantined with the batch, never dropped.
    rejects: tuple[Reject, ...] = ()


@dataclass(frozen=True)
class Reject:
    """An unreadable source record: its original text and why it could not be read."""

    raw: str
    reason: str


class Source(Protocol):
    """A source of raw records: ``name`` is the folder it lands under in ``raw/``."""

    name: str

    def datasets(self) -> tuple[str, ...]:
        """The datasets this source produces (names from ``lake.schemas.DATASETS``)."""
        ...

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """Yield the records of ``interval``, one batch per dataset and day."""
        ...
